"""Rewrites whole-file rule fixtures as patches of the clean manifest (tests/rules/README.md).

    python -m tests.rule_patch [tests/rules/RULE/OUTCOME/NAME.yaml ...]

For each whole-file fixture named (every one under tests/rules/ when none is), writes
NAME.patch.yaml beside it and removes NAME.yaml, NAME.base.yaml, NAME.charter.yaml and
NAME.base.charter.yaml, once the patch is proven to give back the same fixture: the manifest and
the configurations byte for byte, and the base revision's lines after its opening comments, with as
many opening comment lines. A fixture it cannot rewrite is left as it is, with the reason; the exit
status is then 1.

The patch names the fields the fixture changed: `set` for a value changed on its own line, `delete`
for a field removed whole, `lines` (the field's lines as the fixture has them) for anything else,
and `append` for documents after the manifest.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests import overlay
from tests.rule_fixtures import (
    CLEAN,
    PATCH_SUFFIX,
    RuleFixture,
    body_of,
    fixture_paths,
    load_fixture,
)

SIBLINGS = (".base.yaml", ".charter.yaml", ".base.charter.yaml")


class ConversionError(ValueError):
    """A whole-file fixture that could not be written as a patch giving the same texts back."""


@dataclass(frozen=True)
class _Hunk:
    """Lines [i1, i2) of the clean text that are lines [j1, j2) of the fixture's."""

    i1: int
    i2: int
    j1: int
    j2: int


def patch_of(clean: str, text: str) -> dict:
    """A patch that turns clean (a manifest's body) into text exactly."""
    if text == clean:
        return {}
    fields = overlay.fields(clean)
    for patch in (_fitted(clean, text, fields, nice=True), _fitted(clean, text, fields, nice=False)):
        if patch is not None and _gives(clean, patch, text):
            return patch
    # Every top-level field goes and the fixture's text follows: right for any text at all.
    top = [f.path for f in fields if "." not in f.path]
    patch = {"delete": top, "append": text}
    if not _gives(clean, patch, text):
        raise ConversionError("no patch of the clean manifest gives this text")
    return patch


def _gives(clean: str, patch: dict, text: str) -> bool:
    try:
        return overlay.apply(clean, patch) == text
    except overlay.PatchError:
        return False


def _fitted(clean: str, text: str, fields: list[overlay.Field], nice: bool) -> dict | None:
    """A patch of one edit per group of nearby changes, or None when some change lies outside every
    field (between top-level fields, or across two of them)."""
    a, b = clean.splitlines(keepends=True), text.splitlines(keepends=True)
    if (a and not a[-1].endswith("\n")) or (b and not b[-1].endswith("\n")):
        return None
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    spans = [(f, clean.count("\n", 0, f.start), clean.count("\n", 0, f.end)) for f in fields]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks = [_Hunk(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    tail = None
    if hunks and hunks[-1].i1 == len(a) and b[hunks[-1].j1].startswith("---"):
        tail = hunks.pop()  # more documents after the manifest
    patch: dict = {}
    for group in _groups(hunks, spans):
        if group is None:
            return None
        edit = _nice(_Texts(clean, a, b, spans, starts), group[0]) if nice and len(group) == 1 else None
        if edit is None:
            field, start, end = _container(group, spans)  # type: ignore[misc]
            lines = a[start : group[0].i1]
            for hunk, following in zip(group, [*group[1:], None], strict=True):
                lines += b[hunk.j1 : hunk.j2] + a[hunk.i2 : following.i1 if following else end]
            edit = {"lines": {field.path: "".join(lines)}}
        for key, value in edit.items():
            if isinstance(value, dict):
                patch.setdefault(key, {}).update(value)
            else:
                patch.setdefault(key, []).extend(value)
    if tail is not None:
        patch["append"] = "".join(b[tail.j1 : tail.j2])
    return patch


def _reach(hunk: _Hunk) -> tuple[int, int]:
    """The clean lines a change needs its field to span: an insertion, the line before it."""
    return (hunk.i1 - 1, hunk.i1) if hunk.i1 == hunk.i2 else (hunk.i1, hunk.i2)


def _container(
    group: list[_Hunk], spans: list[tuple[overlay.Field, int, int]]
) -> tuple[overlay.Field, int, int] | None:
    """The narrowest field whose lines hold every change of group; among equals, the outermost."""
    low = min(_reach(h)[0] for h in group)
    high = max(_reach(h)[1] for h in group)
    if low < 0:
        return None
    holding = [(f, s, e) for f, s, e in spans if s <= low and high <= e]
    if not holding:
        return None
    return min(holding, key=lambda span: (span[2] - span[1], span[0].path.count(".")))


def _groups(hunks: list[_Hunk], spans: list[tuple[overlay.Field, int, int]]) -> Iterator[list[_Hunk] | None]:
    """The changes, grouped so that no two groups' fields share a line; None for a change that no
    field holds."""
    groups: list[list[_Hunk]] = []
    for hunk in hunks:
        groups.append([hunk])
        while len(groups) > 1:
            last, before = _container(groups[-1], spans), _container(groups[-2], spans)
            if last is None or before is None or before[2] <= last[1]:
                break
            groups[-2:] = [groups[-2] + groups[-1]]
    for group in groups:
        yield group if _container(group, spans) is not None else None


@dataclass(frozen=True)
class _Texts:
    """The clean text and the fixture's, as lines, and the clean text's fields."""

    clean: str
    a: list[str]  # the clean text's lines
    b: list[str]  # the fixture's
    spans: list[tuple[overlay.Field, int, int]]  # each field, and the clean lines [start, end) it spans
    starts: list[int]  # the offset of each clean line


def _nice(texts: _Texts, hunk: _Hunk) -> dict | None:
    """The plainest edit that makes exactly this change: a `set`, a `delete`, or the lines of a new
    last entry; None when there is none."""
    a, b = texts.a, texts.b
    want = "".join(a[: hunk.i1] + b[hunk.j1 : hunk.j2] + a[hunk.i2 :])
    for edit in _candidates(texts, hunk):
        if _gives(texts.clean, edit, want):
            return edit
    return None


def _candidates(texts: _Texts, hunk: _Hunk) -> Iterator[dict]:
    block = [(f, s, e) for f, s, e in texts.spans if not f.in_flow]
    for h in _slides(texts.a, texts.b, hunk):
        if h.j1 == h.j2:  # lines removed
            yield from ({"delete": [f.path]} for f, s, e in block if (s, e) == (h.i1, h.i2))
        if h.i1 == h.i2:  # lines added
            yield from _new_entries(texts.clean, h.i1, "".join(texts.b[h.j1 : h.j2]), texts.spans)
    if hunk.i2 - hunk.i1 == 1 and hunk.j2 - hunk.j1 == 1:
        old, new = texts.a[hunk.i1], texts.b[hunk.j1]
        yield from _changed_values(old, new, texts.starts[hunk.i1], texts.spans)


def _slides(a: list[str], b: list[str], hunk: _Hunk) -> Iterator[_Hunk]:
    """An insertion or removal, and the same change at each place it could equally be made."""
    yield hunk
    if hunk.j1 == hunk.j2:
        i1, i2, j = hunk.i1, hunk.i2, hunk.j1
        while i1 > 0 and a[i1 - 1] == a[i2 - 1]:
            i1, i2, j = i1 - 1, i2 - 1, j - 1
            yield _Hunk(i1, i2, j, j)
        i1, i2, j = hunk.i1, hunk.i2, hunk.j1
        while i2 < len(a) and a[i1] == a[i2]:
            i1, i2, j = i1 + 1, i2 + 1, j + 1
            yield _Hunk(i1, i2, j, j)
    if hunk.i1 == hunk.i2:
        j1, j2, i = hunk.j1, hunk.j2, hunk.i1
        while i > 0 and j1 > 0 and a[i - 1] == b[j2 - 1]:
            i, j1, j2 = i - 1, j1 - 1, j2 - 1
            yield _Hunk(i, i, j1, j2)
        j1, j2, i = hunk.j1, hunk.j2, hunk.i1
        while i < len(a) and j2 < len(b) and a[i] == b[j1]:
            i, j1, j2 = i + 1, j1 + 1, j2 + 1
            yield _Hunk(i, i, j1, j2)


def _new_entries(
    clean: str, at: int, added: str, spans: list[tuple[overlay.Field, int, int]]
) -> Iterator[dict]:
    """Edits adding added as new last entries of a block collection whose lines end at line at:
    added's first line must be indented as that collection's entries are."""
    first = added.splitlines()[0]
    indent = len(first) - len(first.lstrip(" "))
    for field, _, end in sorted(spans, key=lambda span: -span[0].path.count(".")):
        node = field.node
        if end != at or field.in_flow or getattr(node, "flow_style", True) or not node.value:
            continue
        if isinstance(node, yaml.SequenceNode):
            item = node.value[0].start_mark.index
            dash = clean.rfind("-", 0, item) - (clean.rfind("\n", 0, item) + 1)
            if indent == dash and first[indent:].startswith("- "):
                yield {"lines": {f"{field.path}.{len(node.value)}": added}}
        elif isinstance(node, yaml.MappingNode) and indent == node.value[0][0].start_mark.column:
            yield from _new_keys(field.path, added)


def _new_keys(parent: str, added: str) -> Iterator[dict]:
    """added as new keys of the mapping at parent: one `set` a line when each line is KEY: VALUE at
    the same indentation, and the lines under the first key."""
    lines = added.splitlines(keepends=True)
    pairs = [_value_of_line(line) for line in lines]
    if all(pairs) and len({len(line) - len(line.lstrip(" ")) for line in lines}) == 1:
        yield {"set": {f"{parent}.{key}": value for key, value in filter(None, pairs)}}
    if pairs[0] is not None:
        yield {"lines": {f"{parent}.{pairs[0][0]}": added}}


def _value_of_line(line: str) -> tuple[str, object] | None:
    """The key and value of a line `KEY: VALUE` (no `- `), or None."""
    try:
        loaded = yaml.safe_load(line)
    except yaml.YAMLError:
        return None
    if not isinstance(loaded, dict) or len(loaded) != 1:
        return None
    key, value = next(iter(loaded.items()))
    return (key, value) if isinstance(key, str) and "." not in key else None


def _changed_values(
    old: str, new: str, offset: int, spans: list[tuple[overlay.Field, int, int]]
) -> Iterator[dict]:
    """`set` edits for a line changed in place, the narrowest field around the change first."""
    prefix = len(_common_prefix(old, new))
    suffix = len(_common_prefix(old[prefix:][::-1], new[prefix:][::-1]))
    start, end = offset + prefix, offset + len(old) - suffix
    shift = len(new) - len(old)
    around = []
    for field, _, _ in spans:
        node_start, node_end = field.node.start_mark.index, overlay.node_end(field.node)
        if offset <= node_start <= start and end <= node_end <= offset + len(old):
            around.append((node_end - node_start, field, node_start, node_end))
    for _, field, node_start, node_end in sorted(around, key=lambda x: x[0]):
        written = new[node_start - offset : node_end - offset + shift]
        try:
            value = yaml.safe_load(written)
        except yaml.YAMLError:
            continue
        if isinstance(field.node, yaml.MappingNode) and isinstance(value, dict):
            before = yaml.safe_load(old[node_start - offset : node_end - offset])
            added = [k for k in value if not isinstance(before, dict) or k not in before]
            if len(added) == 1 and list(before or {}) == [k for k in value if k != added[0]]:
                yield {"set": {f"{field.path}.{added[0]}": value[added[0]]}}
        yield {"set": {field.path: value}}


def _common_prefix(x: str, y: str) -> str:
    n = 0
    while n < min(len(x), len(y)) and x[n] == y[n]:
        n += 1
    return x[:n]


# --- the patch file ------------------------------------------------------------------------------


def render(header: str, patch: dict, config: str | None, base_config: str | None, base: dict | None) -> str:
    """The text of NAME.patch.yaml: the fixture's opening comments, then its patch."""
    out = [header]
    out += _edits(patch, 0)
    if base is not None:
        inner = _edits(base, 2)
        out.append("base:" + (" {}\n" if not inner else "\n") + "".join(inner))
    if config is not None:
        out.append(_block("config", config, 0))
    if base_config is not None:
        out.append(_block("base_config", base_config, 0))
    return "".join(out)


def _edits(patch: dict, indent: int) -> list[str]:
    pad = " " * indent
    out = []
    if "header" in patch:
        out.append(_block("header", patch["header"], indent))
    if patch.get("set"):
        out.append(f"{pad}set:\n")
        out += [
            f"{pad}  {overlay.flow(path)}: {overlay.flow(value)}\n" for path, value in patch["set"].items()
        ]
    if patch.get("delete"):
        out.append(f"{pad}delete:\n")
        out += [f"{pad}- {overlay.flow(path)}\n" for path in patch["delete"]]
    if patch.get("lines"):
        out.append(f"{pad}lines:\n")
        out += [_block(overlay.flow(path), text, indent + 2) for path, text in patch["lines"].items()]
    if "append" in patch:
        out.append(_block("append", patch["append"], indent))
    return out


def _block(key: str, text: str, indent: int) -> str:
    """key: text as a literal block scalar that reads back as text exactly."""
    if text == "":
        return f"{' ' * indent}{key}: ''\n"
    chomp = "-" if not text.endswith("\n") else ("+" if text.endswith("\n\n") else "")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    explicit = "2" if first[:1] in (" ", "\t") else ""
    pad = " " * (indent + 2)
    content = "".join(f"{pad}{line}\n" if line else "\n" for line in lines)
    return f"{' ' * indent}{key}: |{explicit}{chomp}\n{content}"


# --- converting a fixture ------------------------------------------------------------------------


def as_patch(fixture: RuleFixture) -> str:
    """The text of the patch file that gives fixture back (see the module's description)."""
    clean = body_of(CLEAN.read_text(encoding="utf-8"))
    body = body_of(fixture.manifest)
    header = fixture.manifest[: len(fixture.manifest) - len(body)]
    base = None
    if fixture.base is not None:
        base_body = body_of(fixture.base)
        base = patch_of(clean, base_body)
        base_header = fixture.base[: len(fixture.base) - len(base_body)]
        if base_header.count("\n") != header.count("\n"):
            base = {"header": base_header, **base}
    return render(header, patch_of(clean, body), fixture.config, fixture.base_config, base)


def _same(whole: RuleFixture, patched: RuleFixture) -> str | None:
    """What differs between a whole-file fixture and its patch, or None."""
    for name in ("manifest", "config", "base_config"):
        if getattr(whole, name) != getattr(patched, name):
            return f"the {name.replace('_', ' ')} differs"
    if (whole.base is None) != (patched.base is None):
        return "the base revision differs"
    if whole.base is not None and patched.base is not None:
        if body_of(whole.base) != body_of(patched.base):
            return "the base revision differs"
        if whole.base.count("\n") != patched.base.count("\n"):
            return "the base revision's opening comments differ in number of lines"
    return None


def convert(path: Path) -> Path:
    """Write path's patch beside it and remove its whole files; the patch's path."""
    if path.name.endswith(PATCH_SUFFIX) or path.name.endswith(SIBLINGS):
        raise ConversionError("not a whole-file fixture (NAME.yaml)")
    whole = load_fixture(path)
    target = path.with_name(f"{whole.name}{PATCH_SUFFIX}")
    if target.exists():
        raise ConversionError(f"{target.name} is there already")
    target.write_text(as_patch(whole), encoding="utf-8")
    try:
        problem = _same(whole, load_fixture(target))
    except (ValueError, yaml.YAMLError) as error:
        problem = f"the patch does not load: {error}"
    if problem is not None:
        target.unlink()
        raise ConversionError(problem)
    for suffix in (".yaml", *SIBLINGS):
        path.with_name(f"{whole.name}{suffix}").unlink(missing_ok=True)
    return target


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or [p for p in fixture_paths() if not p.name.endswith(PATCH_SUFFIX)]
    status = 0
    for path in paths:
        try:
            print(f"wrote {convert(path)}")
        except (ConversionError, OSError) as error:
            print(f"{path}: not converted: {error}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
