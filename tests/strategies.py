"""Hypothesis strategies: Charter documents built from the models, mutations of them, and their YAML.

Valid documents are drawn field by field from the pydantic models, so a new field or enum value is
generated without touching this file. Mutations then break them the ways people and tools do:
dropped, misspelt or retyped keys, values outside an enum, YAML 1.1 scalars that are not what they
look like, deep lists, hostile unicode, shared (aliased) values, tags, merge keys, and text or bytes
that were cut or corrupted.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
import yaml
from hypothesis import strategies as st
from pydantic import BaseModel

from checker.models import AISystem, Evidence

Path = tuple[Any, ...]

KNOWN_NAMES = ("ticket-router", "bad-neighbour")

# Characters that stress quoting, terminals and reports: C0 and C1 controls, DEL, bidi overrides
# and isolates, zero-width and byte-order marks, YAML's own line breaks, and YAML indicators.
HOSTILE = (
    "\x00", "\x07", "\x08", "\x1b", "\x1c", "\x1f", "\x7f", "\x85", "\x9b", "\xa0",
    "\u200b", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2068", "\u2069",
    "\u2028", "\u2029", "\ufeff", "\ufffd", "\ufffe", "\U0001f600", "\U0010fffd", "é", "ß", "İ",
    "\t", "\n", "\r", " ", ":", "#", "-", "'", '"', "{", "}", "[", "]", "&", "*", "!", "%", "@",
    "`", "|", ">", "?", ",", "\\", "/", ".", "~",
)  # fmt: skip
UTF8_CHARACTERS = st.characters(codec="utf-8")

# Plain YAML scalars that a reader takes for something else, or that resolve to values at the edge
# of what a field accepts: YAML 1.1 booleans and nulls, infinities, numbers in other bases,
# sexagesimal numbers, and dates that are impossible, out of range or not written YYYY-MM-DD.
ODD_SCALARS = (
    "no", "yes", "on", "off", "y", "n", "No", "TRUE", "~", "null", "Null", "",
    ".inf", "-.inf", ".NaN", "1e400", "1.0e+400", "-1.0e+400", "1.5", "15.0", "0.", "-0", "+1",
    "0x1F", "0o17", "017", "0b101", "1_000", "190:20:30", "12:30", "1" + "0" * 400, "-" + "9" * 40,
    "2026-02-30", "2026-13-01", "2026-02-29", "2024-02-29", "0000-01-01", "0001-01-01",
    "9999-12-31", "10000-01-01", "2026-1-1", "2026-11-23T10:00:00Z", "2026-11-23 10:00:00",
    "2026-11-23t10:00:00.5+01:00", "20261123", "2026-W47-1",
)  # fmt: skip

# Values that only raw YAML text can hold: tags, anchors, aliases, flow collections.
TAGGED = (
    "!!python/object/apply:os.system [echo]", "!!python/name:os.system", "!custom x", "!!binary aGk=",
    "!!set {a: null}", "!!omap [{a: 1}]", "!!pairs [{a: 1}]", "!!str 12", "!!int '12'", "!!float 1",
    "!!bool yes", "!!null ''", "!!timestamp 2026-11-23", "!<tag:yaml.org,2002:str> x", "!!seq [a]",
    "!!map {a: b}", "!!bool maybe", "!!timestamp x", "!!timestamp 2026-1-1", "!!int abc", "!!float x",
    "!!null x", "&anchor value", "*undefined", "[a, {b: c}, [d]]", "{a: [b, c]}", "'unterminated",
)  # fmt: skip


@dataclass(frozen=True)
class Raw:
    """A value written into the YAML text exactly as given, unquoted."""

    text: str

    def __repr__(self) -> str:
        # Deep brackets run to tens of thousands of characters; a falsifying example stays readable.
        shown = self.text if len(self.text) <= 60 else f"{self.text[:20]}...{self.text[-20:]}"
        return f"Raw({shown!r}, {len(self.text)} characters)"


@dataclass(frozen=True)
class Bomb:
    """An exponential tree of aliases, written as one flow sequence of nested anchors."""

    width: int
    levels: int

    @property
    def text(self) -> str:
        parts = ["&l0 [" + ", ".join(["lol"] * self.width) + "]"]
        for level in range(1, self.levels):
            parts.append(f"&l{level} [" + ", ".join([f"*l{level - 1}"] * self.width) + "]")
        return "[" + ", ".join(parts) + "]"


def texts(min_size: int = 0, max_size: int = 10) -> st.SearchStrategy[str]:
    """Text: mostly readable, often hostile, any character YAML can carry in UTF-8."""
    return st.one_of(
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=min_size, max_size=max_size),
        st.text(st.one_of(st.sampled_from(HOSTILE), UTF8_CHARACTERS), min_size=min_size, max_size=max_size),
    )


# --- valid values, from the models -------------------------------------------------------------


def _constraints(extras: tuple[Any, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for extra in extras:
        for item in [extra, *getattr(extra, "metadata", [])]:
            for name in ("pattern", "min_length", "ge"):
                value = getattr(item, name, None)
                if value is not None:
                    found[name] = value
            if isinstance(item, annotated_types.MinLen):
                found["min_length"] = item.min_length
    return found


def _numbers() -> st.SearchStrategy[float | int]:
    # Whole numbers written as 15.0 are left out: JSON Schema counts them as integers (see
    # test_properties.INTENTIONAL_DIFFERENCES). Below 2**52 a half is always representable.
    fractional = st.floats(-(2.0**52), 2.0**52).map(lambda x: x + 0.5 if x.is_integer() else x)
    return st.one_of(fractional, st.integers(-(10**6), 10**6))


def _strategy(annotation: Any) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extras = typing.get_args(annotation)
        found = _constraints(tuple(extras))
        if base is str and "pattern" in found:
            return st.from_regex(found["pattern"], fullmatch=True, alphabet=UTF8_CHARACTERS)
        if base is str:
            return texts(min_size=found.get("min_length", 0))
        if base is int:
            low = found.get("ge", -(10**12))
            return st.one_of(st.integers(low, low + 10_000), st.integers(low, 10**30))
        return _strategy(base)
    if origin is Literal:
        return st.sampled_from(typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner = st.one_of([_strategy(a) for a in options])
        # Optional fields are mostly filled in; null is a valid value for them too.
        return (
            st.one_of(inner, inner, inner, st.none())
            if len(options) < len(typing.get_args(annotation))
            else inner
        )
    if origin is list:
        return st.lists(_strategy(typing.get_args(annotation)[0]), max_size=2)
    if origin is dict:
        key, value = typing.get_args(annotation)
        return st.dictionaries(_strategy(key), _strategy(value), max_size=2)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return st.deferred(lambda: model_data(annotation))
    if annotation is str:
        return texts()
    if annotation is bool:
        return st.booleans()
    if annotation is float:
        return _numbers()
    if annotation is dt.date:
        return st.one_of(st.dates(), st.dates().map(dt.date.isoformat))
    raise TypeError(f"no strategy for {annotation!r}")  # a new kind of field: teach this function


_MODEL_STRATEGIES: dict[type[BaseModel], st.SearchStrategy[dict[str, Any]]] = {}


def model_data(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid data for model: every required field, and each optional one or not."""
    if model not in _MODEL_STRATEGIES:
        hints = typing.get_type_hints(model, include_extras=True)
        required: dict[str, st.SearchStrategy[Any]] = {}
        optional: dict[str, st.SearchStrategy[Any]] = {}
        for name, info in model.model_fields.items():
            target = required if info.is_required() else optional
            target[info.alias or name] = _strategy(hints[name])
        _MODEL_STRATEGIES[model] = st.fixed_dictionaries(required, optional=optional)
    return _MODEL_STRATEGIES[model]


names = st.one_of(
    st.sampled_from(KNOWN_NAMES), st.from_regex(r"[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?", fullmatch=True)
)


@st.composite
def valid_documents(draw: st.DrawFn, kinds: tuple[str, ...] = ("AISystem", "Evidence")) -> dict[str, Any]:
    """An AISystem or Evidence document with the models' types, enums and patterns, as plain data.

    Its text is drawn from every character, so the README's rules on characters may still refuse it.
    """
    kind = draw(st.sampled_from(kinds))
    if kind == "AISystem":
        document = draw(model_data(AISystem))
        document["metadata"]["name"] = draw(names)
    else:
        document = draw(model_data(Evidence))
        document["spec"]["system"] = draw(names)
    return document


# --- mutations of plain data -------------------------------------------------------------------


def paths(node: Any, prefix: Path = (), above: frozenset[int] = frozenset()) -> Iterator[Path]:
    """Every path into node, node itself first; a value that contains itself is entered once."""
    yield prefix
    if id(node) in above:
        return
    above = above | {id(node)}
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key), above)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, (*prefix, i), above)


def get(node: Any, path: Path) -> Any:
    for part in path:
        node = node[part]
    return node


def _typo(key: str) -> st.SearchStrategy[str]:
    @st.composite
    def one(draw: st.DrawFn) -> str:
        if not key:
            return draw(texts(min_size=1))
        i = draw(st.integers(0, len(key) - 1))
        return draw(
            st.sampled_from(
                [
                    key[:i] + key[i + 1 :],
                    key[:i] + key[i] + key[i:],
                    key[:i] + key[i:].swapcase(),
                    key + "s",
                    " " + key,
                    key + "\u200b",
                ]
            )
        )

    return one()


def _models_in(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    seen.add(model)
    for hint in typing.get_type_hints(model).values():
        for inner in [hint, *_args_deep(hint)]:
            if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
                _models_in(inner, seen)
    return seen


def _args_deep(hint: Any) -> Iterator[Any]:
    for arg in typing.get_args(hint):
        yield arg
        yield from _args_deep(arg)


# Keys that exist somewhere in the documents (so usually unknown where they are added), near misses,
# and the Python attribute names pydantic must not accept in place of their YAML aliases.
FIELD_NAMES = sorted(
    {
        info.alias or name
        for m in _models_in(AISystem, _models_in(Evidence, set()))
        for name, info in m.model_fields.items()
    }
    | {"rolback", "metdata", "Spec", "apiversion", "class_", "schema_"}
)


# For the schema comparison, without the whole-number floats and NaN that it sets aside.
ODD_FOR_SCHEMA = tuple(o for o in ODD_SCALARS if o not in ("15.0", ".NaN", "0."))


def scalars(for_schema: bool) -> st.SearchStrategy[Any]:
    """A scalar of any type YAML has."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=2**63 - 2, max_value=2**64 + 2),
        _numbers() if for_schema else st.floats(),
        texts(),
        st.dates(),
        st.sampled_from(ODD_FOR_SCHEMA if for_schema else ODD_SCALARS).map(Raw),
    )


def nested_lists(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def mutated_documents(draw: st.DrawFn, for_schema: bool = False) -> Any:
    """A valid document with one to four mutations.

    for_schema keeps to plain data (no tags, no cycles, no unreadable YAML), keeps the envelope
    (apiVersion and kind) and keeps the mapping at the top, as the schema comparison needs.
    """
    document = draw(valid_documents())
    for _ in range(draw(st.integers(1, 4))):
        candidates = list(paths(document))
        if for_schema:
            candidates = [p for p in candidates if p and p[0] not in ("apiVersion", "kind")]
            if not candidates:
                break
        path = draw(st.sampled_from(candidates))
        parent = get(document, path[:-1]) if path else None
        value = get(document, path)
        operations = ["replace", "odd", "deep", "unicode", "enum"]
        if path:
            operations += ["drop", "drop", "rename", "rename"]
        if isinstance(value, dict):
            operations += ["add", "add"]
        if path and not for_schema:
            operations += ["share", "tag", "bomb", "deep-text"]
        operation = draw(st.sampled_from(operations))
        new: Any = value
        if operation == "drop":
            del parent[path[-1]]
            continue
        if operation == "rename":
            if isinstance(parent, dict):
                key = path[-1]
                other = draw(
                    st.one_of(_typo(str(key)), st.sampled_from(FIELD_NAMES), texts(), st.integers(0, 9))
                )
                if for_schema and not isinstance(other, str):
                    other = str(other)
                parent[other] = parent.pop(key)
            continue
        if operation == "add":
            key = draw(st.one_of(st.sampled_from(FIELD_NAMES), texts(min_size=1)))
            value[key] = draw(scalars(for_schema))
            continue
        if operation == "replace":
            new = draw(
                st.one_of(
                    scalars(for_schema),
                    st.lists(scalars(for_schema), max_size=3),
                    st.dictionaries(st.sampled_from(FIELD_NAMES), scalars(for_schema), max_size=3),
                )
            )
        elif operation == "odd":
            new = Raw(draw(st.sampled_from(ODD_FOR_SCHEMA if for_schema else ODD_SCALARS)))
        elif operation == "deep":
            new = nested_lists(draw(st.one_of(st.integers(1, 8), st.integers(60, 70), st.integers(70, 150))))
        elif operation == "deep-text":
            depth = draw(st.one_of(st.integers(60, 70), st.integers(1990, 2010), st.integers(2000, 50_000)))
            new = Raw("[" * depth + "]" * depth)
        elif operation == "unicode":
            new = draw(st.text(st.sampled_from(HOSTILE), min_size=1, max_size=8))
        elif operation == "enum":
            text = value if isinstance(value, str) else str(value)
            new = draw(
                st.sampled_from([text.upper(), text + "s", text[:-1], text.title(), f" {text}", text + "\n"])
            )
        elif operation == "share":
            # Another part of the document, by reference: written as an anchor and its alias.
            new = get(document, draw(st.sampled_from(candidates)))
        elif operation == "tag":
            new = Raw(draw(st.sampled_from(TAGGED)))
        elif operation == "bomb":
            new = Bomb(draw(st.integers(2, 9)), draw(st.integers(2, 9)))
        if path:
            parent[path[-1]] = new
        else:
            document = new
    return document


# --- YAML text and bytes -----------------------------------------------------------------------


class _Writer(yaml.SafeDumper):
    """Writes plain data, and each Raw or Bomb as a placeholder to be replaced by its text."""

    def ignore_aliases(self, data: Any) -> bool:
        # Share lists and mappings only, as written by hand; scalars are never aliased.
        return not isinstance(data, (list, dict))


def render(documents: list[Any]) -> str:
    """documents as one YAML stream, block style, with Raw and Bomb values spliced in."""
    raws: list[str] = []

    def placeholder(dumper: yaml.SafeDumper, value: Raw | Bomb) -> yaml.Node:
        raws.append(value.text)
        return dumper.represent_scalar("tag:yaml.org,2002:str", f"zzraw{len(raws) - 1}zz")

    _Writer.add_representer(Raw, placeholder)
    _Writer.add_representer(Bomb, placeholder)
    text = yaml.dump_all(
        documents, Dumper=_Writer, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**6
    )
    # Highest first, so that zzraw1zz never replaces the start of zzraw12zz.
    for i in reversed(range(len(raws))):
        text = text.replace(f"zzraw{i}zz", raws[i])
    return text


BAD_BYTES = (
    b"\xff",
    b"\xfe",
    b"\x80",
    b"\xc0\x80",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xe2\x82",
    b"\xf8\x88\x80\x80\x80",
)
CORRUPTIONS = (
    ":", ": ", "[", "]", "{", "}", "\t", "&", "*", "!", "%", "'", '"', "\n", " ", "#", "-", "?", ",", "|",
    ">", "\x00", "\x1b", "\u2028", "\ufeff",
)  # fmt: skip


@st.composite
def corrupted(draw: st.DrawFn, text: str) -> bytes:
    """text broken the ways files break: cut, edited, a line repeated, bytes that are not UTF-8."""
    operation = draw(
        st.sampled_from(
            ["keep", "cut", "edit", "edit", "repeat-line", "bytes", "bom", "crlf", "tabs", "merge"]
        )
    )
    data = text.encode("utf-8")
    if operation == "cut" and text:
        return text[: draw(st.integers(0, len(text) - 1))].encode("utf-8")
    if operation == "edit" and text:
        at = draw(st.integers(0, len(text) - 1))
        span = draw(st.integers(0, 3))
        return (text[:at] + draw(st.sampled_from(CORRUPTIONS)) + text[at + span :]).encode("utf-8")
    if operation == "repeat-line":
        lines = text.splitlines(keepends=True)
        if lines:
            i = draw(st.integers(0, len(lines) - 1))
            return "".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]).encode("utf-8")
    if operation == "bytes":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.sampled_from(BAD_BYTES)) + data[at:]
    if operation == "bom":
        return b"\xef\xbb\xbf" + data
    if operation == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8")
    if operation == "tabs":
        return re.sub(r"(?m)^  ", "\t", text).encode("utf-8")
    if operation == "merge":
        # A top-level key moved behind a merge key, where a reader may not look for it.
        match = re.search(r"(?m)^([A-Za-z]+): (.+)$", text)
        if match:
            moved = f"<<: {{{match.group(1)}: {match.group(2)}}}"
            return (text[: match.start()] + moved + text[match.end() :]).encode("utf-8")
    return data


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def field_annotation(kind: Any, path: Path) -> Any:
    """The annotation the models give the value at path of a document of this kind, or None."""
    annotation: Any = (
        {"AISystem": AISystem, "Evidence": Evidence}.get(kind) if isinstance(kind, str) else None
    )
    for part in path:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if origin is list and isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names = [n for n, info in annotation.model_fields.items() if (info.alias or n) == part]
            if not names:
                return None
            annotation = typing.get_type_hints(annotation, include_extras=True)[names[0]]
        else:
            return None
    return annotation


def expects_date(kind: Any, path: Path) -> bool:
    """Whether the models make the field at path of a document of this kind a date."""
    return _unwrap(field_annotation(kind, path)) is dt.date


def names_something(kind: Any, path: Path) -> bool:
    """Whether the value at path names something (a field called name or id, or with a pattern),
    where the README refuses control characters too."""
    at = [i for i, part in enumerate(path) if isinstance(part, str)]
    if not at:
        return False
    if path[at[-1]] in ("name", "id"):
        return True
    return _has_pattern(field_annotation(kind, path[: at[-1] + 1]))


def _has_pattern(annotation: Any) -> bool:
    if typing.get_origin(annotation) is typing.Annotated:
        return "pattern" in _constraints(tuple(typing.get_args(annotation)[1:]))
    return any(_has_pattern(arg) for arg in typing.get_args(annotation))


def has_intentional_difference(node: Any) -> bool:
    """Whether data holds something the JSON Schema and Charter read differently by design."""
    if isinstance(node, float):
        return math.isnan(node) or node.is_integer()
    if isinstance(node, dict):
        return any(not isinstance(k, str) or has_intentional_difference(v) for k, v in node.items())
    if isinstance(node, list):
        return any(has_intentional_difference(v) for v in node)
    return False
