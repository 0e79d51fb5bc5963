"""Properties of `charter check` and `charter schema` over generated, mutated and broken input.

The check runs in-process on a fresh temporary repository per example. What it must do for every
input: exit 0 or 1 (the configuration and policies are fine, so never 2, and never an internal
error), report findings that each name a file, a line and a column inside that file and a valid rule
id, lose no file (each one has a finding, a note, or is accepted), and never let a broken file hide
the findings of its neighbours. Whether a file deserves SCH001 is decided independently of Charter:
YAML's own reading of the text, judged by the JSON Schema that `charter schema` prints.

The number of examples comes from the hypothesis profiles in conftest.py: each property runs a few
dozen in every `pytest` run, and its twin (`..._full`, marked slow) the full profile's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, event, note
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from checker import characters
from checker.cli import main
from checker.commands.schema import document_schema
from checker.yamlscan import MAX_DEPTH, MAX_NODES, MAX_REPEATED
from tests.conftest import AS_OF, RULES_DIR
from tests.helpers import full_size, property_test
from tests.strategies import (
    Raw,
    corrupted,
    expects_date,
    has_intentional_difference,
    mutated_documents,
    names_something,
    render,
    valid_documents,
)

RULE_ID = re.compile(r"^[A-Z]{3}[0-9]{3}$")
CLEAN = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")
ON_CALL = "    onCall: https://pager.example.com/support-ml\n"

# Neighbours whose findings are known exactly; generated files are written beside them.
BAD_MANIFEST = "ai-systems/bad-neighbour.yaml"
BAD_MANIFEST_TEXT = CLEAN.replace("name: ticket-router", "name: bad-neighbour").replace(ON_CALL, "")
BAD_EVIDENCE = "evidence/ticket-router/2026-11-21-unknown.yaml"
BAD_EVIDENCE_TEXT = (
    "apiVersion: charter/v1\nkind: Evidence\nmetadata: {name: unknown}\nspec:\n  system: ticket-router\n"
    "  activity: fairness-audit\n  performedAt: 2026-11-21\n  performedBy: '@dana'\n  outcome: pass\n"
)


def _at(text: str, needle: str) -> tuple[int, int]:
    at = text.index(needle)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


KNOWN_FINDINGS = {
    ("OWN002", BAD_MANIFEST, *_at(BAD_MANIFEST_TEXT, "ownership:")),
    ("MNT003", BAD_EVIDENCE, *_at(BAD_EVIDENCE_TEXT, "fairness-audit")),
}

VALIDATOR = Draft202012Validator(document_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


@dataclass(frozen=True)
class Difference:
    """Where the JSON Schema accepts what Charter refuses, by design: why, and a manifest that shows it."""

    why: str
    old: str
    new: str
    path: str


# The comparisons leave such documents out: strategies.has_intentional_difference and
# _Reading.text_dates find them, and the generators avoid the first two where the schema
# comparison draws its documents. test_each_intentional_difference_is_real keeps this list true.
INTENTIONAL_DIFFERENCES = {
    "a whole number written as a float where a count is expected": Difference(
        "JSON has one number type and JSON Schema's integer accepts 15.0; in YAML 15.0 is a float and "
        "Charter asks for a count written as a whole number",
        "rtoMinutes: 15",
        "rtoMinutes: 15.0",
        "spec.rollback.rtoMinutes",
    ),
    "NaN where a number is expected": Difference(
        "JSON cannot write NaN, so no JSON Schema keyword can exclude it; Charter refuses it",
        "baseline: 0.91",
        "baseline: .nan",
        "spec.monitoring.signals[0].baseline",
    ),
    "an unquoted date where text is expected": Difference(
        "YAML reads 2026-10-01 as a date, so Charter asks for quotes; JSON has no dates, so validators "
        "see text and cannot tell it from '2026-10-01'",
        "supplier: in-house",
        "supplier: 2026-10-01",
        "spec.components[0].supplier",
    ),
    "a number not written in plain decimal": Difference(
        "YAML 1.1, and so validators, read 0x0F as 15; Charter keeps it as text so that no reviewer "
        "misreads it, and asks for the decimal",
        "rtoMinutes: 15",
        "rtoMinutes: 0x0F",
        "spec.rollback.rtoMinutes",
    ),
    "a letter of another alphabet inside a Latin word": Difference(
        "which alphabet each letter of a word belongs to is beyond a pattern every validator reads "
        "alike; Charter refuses the Cyrillic \u0456 in 't\u0456cket' so that no name passes for another",
        "title: Support ticket router",
        "title: Support t\u0456cket router",
        "metadata.title",
    ),
    "an alias": Difference(
        "JSON has no aliases, so validators see the value repeated; Charter asks for it to be written "
        "out, so that a change to the anchored value cannot silently change this one",
        "title: Support ticket router\n  description: Routes incoming support tickets to the right queue.",
        "title: &title Support ticket router\n  description: *title",
        "",
    ),
    "a mapping key that is not text": Difference(
        "JSON keys are always text, so a schema cannot tell 2026 from '2026'; YAML keeps the number "
        "and Charter's labels map text to text",
        "labels: {domain: support}",
        "labels: {2026: support}",
        "metadata.labels[2026]",
    ),
}


# --- running the check in-process --------------------------------------------------------------


@contextlib.contextmanager
def _inside(directory: Path, **environment: str) -> Iterator[None]:
    before = os.getcwd()
    saved = {key: os.environ.get(key) for key in environment}
    os.chdir(directory)
    os.environ.update(environment)
    try:
        yield
    finally:
        os.chdir(before)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(json.loads(self.out)["findings"])


def check(root: Path, *args: str, **environment: str) -> Run:
    """charter check --format json in root, as the console script runs it, with --debug for tracebacks."""
    out, err = io.StringIO(), io.StringIO()
    with _inside(root, **environment), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--debug", "--as-of", AS_OF.isoformat(), "--format", "json", *args])
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("properties")


@contextlib.contextmanager
def fresh_directory(scratch: Path) -> Iterator[Path]:
    """A new directory per example, removed afterwards so that thousands of examples stay small."""
    path = Path(tempfile.mkdtemp(dir=scratch))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- an independent judgement of each file -----------------------------------------------------


class _TextDates(yaml.CSafeLoader):
    """YAML as JSON Schema validators see it: dates stay text."""


_TextDates.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CONSTRUCTOR = yaml.SafeLoader("")
_PLAIN = {f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float")}
_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_TIMESTAMP, _MERGE = "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"


class _TooLarge(Exception):
    pass


def _is_date(text: str) -> bool:
    try:
        return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text)) and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


_DECIMAL = {
    "tag:yaml.org,2002:int": re.compile(r"[-+]?(?:0|[1-9][0-9]*)"),
    "tag:yaml.org,2002:float": re.compile(
        r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    ),
}


@dataclass
class _Reading:
    """One document read the way the README says Charter reads it, with what it refuses noted.

    refused: what the README says Charter refuses in a document (tags, merge keys, aliases,
    duplicate keys, keys that are not scalars). set_aside: what validators and Charter read
    differently by design, so that no exact answer is expected.
    """

    refused: list[str] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)
    merged: dict[Any, Any] = field(default_factory=dict)
    # Where YAML wrote a date (plain 2026-11-23), which validators see as text.
    dates: list[tuple[Any, ...]] = field(default_factory=list)
    count: int = 0
    repeated: int = 0
    seen: set[int] = field(default_factory=set)

    def _meet(self, node: Node) -> None:
        self.count += 1
        if id(node) in self.seen:  # the same node again: an alias
            self.repeated += 1
            if "an alias" not in self.refused:
                self.refused.append("an alias")
        self.seen.add(id(node))
        if self.count > MAX_NODES or self.repeated > MAX_REPEATED:
            raise _TooLarge

    def value(self, node: Node, path: tuple[Any, ...] = ()) -> Any:
        self._meet(node)
        if len(path) > MAX_DEPTH:
            raise _TooLarge
        if isinstance(node, ScalarNode):
            if node.tag == _STR:
                if not node.style and _is_date(node.value):  # plain: None, or "" from libyaml
                    self.dates.append(path)
                return node.value
            if node.tag == _TIMESTAMP:
                # Only an explicit !!timestamp gets here: a date where validators see text.
                self.set_aside.append("an explicit !!timestamp")
                return node.value
            if node.tag not in _PLAIN:
                self.refused.append(f"the tag {node.tag}")
                return node.value
            if node.tag in _DECIMAL and not _DECIMAL[node.tag].fullmatch(node.value):
                # 0x1F, 017, 1_000, 1:30: numbers to YAML 1.1 and validators, text to Charter.
                self.set_aside.append(f"the number {node.value!r} not in plain decimal")
            try:
                return _CONSTRUCTOR.yaml_constructors[node.tag](_CONSTRUCTOR, node)
            except Exception:  # !!int abc: a value that its tag cannot hold stays text
                return node.value
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self.refused.append(f"the tag {node.tag}")
            return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        if node.tag != _MAP:
            self.refused.append(f"the tag {node.tag}")
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.refused.append("a merge key")
                if not path and isinstance(value_node, MappingNode):
                    for k, v in value_node.value:
                        if isinstance(k, ScalarNode) and isinstance(v, ScalarNode):
                            self.merged.setdefault(k.value, v.value)
                continue
            if not isinstance(key_node, ScalarNode):
                self.refused.append("a key that is not a scalar")
                continue
            key = self.value(key_node, (*path, None))
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = key_node.value
            if key in out:
                self.refused.append(f"the duplicate key {key!r}")
                continue
            out[key] = self.value(value_node, (*path, key))
        return out

    def text_dates(self, kind: Any) -> list[tuple[Any, ...]]:
        """Where YAML has a date and the models want something else (text, mostly)."""
        return [p for p in self.dates if None not in p and not expects_date(kind, p)]


def _duplicate_components(data: Any) -> list[str]:
    """Component names used twice in a system: refused, and beyond what a JSON Schema can say."""
    spec = data.get("spec") if data.get("kind") == "AISystem" else None
    components = spec.get("components") if isinstance(spec, dict) else None
    names = [c.get("name") for c in components if isinstance(c, dict)] if isinstance(components, list) else []
    named = [n for n in names if isinstance(n, str)]
    return [f"the component name {n!r} twice" for n in sorted(set(named)) if named.count(n) > 1]


def _refused_beyond_schema(data: Any) -> list[str]:
    return [*_character_problems(data), *_duplicate_components(data)]


def _character_problems(data: Any) -> list[str]:
    """Keys and values with characters that read differently from how they look.

    Invisible, bidirectional and look-alike characters are refused everywhere, control characters
    in keys and in the values that name something (names, ids, people, patterned fields).
    """
    kind = data.get("kind")
    return [
        f"the characters of {text!r} at {path}"
        for path, is_key, text in characters.walk(data)
        if characters.problem(text, controls=is_key or names_something(kind, path)) is not None
    ]


@dataclass
class Judgement:
    """What a file deserves: SCH001 (True), none (False), or no exact answer (None).

    unreadable: not UTF-8, not YAML, or too deep or large; such a file gets a finding or a note.
    """

    sch001: bool | None
    why: list[str]
    unreadable: bool = False

    @property
    def kind(self) -> str:
        if self.unreadable:
            return "an unreadable file"
        return {True: "a file that deserves SCH001", False: "an accepted file"}.get(
            self.sch001, "a file set aside"
        )


def _is_charter(data: Any) -> bool:
    api = data.get("apiVersion") if isinstance(data, dict) else None
    return isinstance(api, str) and api.startswith("charter/")


def _max_collection_depth(text: str) -> int | None:
    """How deep collections nest, read from the event stream (composing very deep text recurses)."""
    depth = deepest = 0
    try:
        for event in yaml.parse(text, Loader=_TextDates):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                deepest = max(deepest, depth)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return deepest


def judge(raw: bytes) -> Judgement:
    """The answer a file deserves, from YAML and the JSON Schema rather than from Charter's code."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Judgement(None, ["not UTF-8: a finding or a note"], unreadable=True)
    deepest = _max_collection_depth(text)
    if deepest is None:
        return Judgement(None, ["not readable as YAML: a finding or a note"], unreadable=True)
    if deepest > MAX_DEPTH + 1:
        return Judgement(None, ["nested too deep: a finding or a note"], unreadable=True)
    try:
        nodes = list(yaml.compose_all(text, Loader=_TextDates))
    except yaml.YAMLError:  # an undefined alias, found only when composing
        return Judgement(None, ["not composable as YAML: a finding or a note"], unreadable=True)
    verdict: bool | None = False
    why: list[str] = []
    for node in nodes:
        reading = _Reading()
        try:
            data = reading.value(node)
        except _TooLarge:
            return Judgement(
                None,
                ["too deep or too large once aliases are expanded: a finding or a note"],
                unreadable=True,
            )
        hidden = _is_charter(reading.merged) and not _is_charter(data)
        if not isinstance(data, dict):
            # Reported when the file otherwise looks like Charter's; not judged here.
            verdict, why = (None if verdict is False else verdict), [*why, "a document that is not a mapping"]
            continue
        if not _is_charter(data) and not hidden:
            continue
        if data.get("kind") == "Policy" and data.get("apiVersion") == "charter/v1":
            continue  # policies are validated when loaded as a pack, never as SCH001
        problems = [*reading.refused, *_refused_beyond_schema(data)]
        if hidden:
            problems.append("an apiVersion behind a merge key")
        elif data.get("apiVersion") != "charter/v1":
            problems.append(f"apiVersion {data.get('apiVersion')!r}")
        elif data.get("kind") not in ("AISystem", "Evidence"):
            problems.append(f"kind {data.get('kind')!r}")
        if problems:
            verdict, why = True, [*why, *problems]
            continue
        set_aside = [*reading.set_aside, *map(str, reading.text_dates(data.get("kind")))]
        if set_aside or has_intentional_difference(data):
            verdict, why = (None if verdict is False else verdict), [*why, *set_aside, "set aside"]
            continue
        errors = [e.message for e in VALIDATOR.iter_errors(data)]
        if errors:
            verdict, why = True, [*why, *errors[:3]]
    return Judgement(verdict, why)


# --- the repository of each example ------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedFile:
    path: str
    content: bytes


@st.composite
def generated_files(draw: st.DrawFn) -> list[GeneratedFile]:
    """One to three files of one or two documents each: valid, mutated, foreign, cut or corrupted."""
    files = []
    for i in range(draw(st.integers(1, 3))):
        documents = draw(
            st.lists(
                st.one_of(
                    valid_documents(),
                    mutated_documents(),
                    mutated_documents(),
                    st.just({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}),
                ),
                min_size=1,
                max_size=2,
            )
        )
        content = draw(
            st.one_of(
                corrupted(render(documents)),
                st.just(render(documents).encode("utf-8")),
                st.binary(max_size=64),
            )
        )
        folder = draw(st.sampled_from(["ai-systems", "evidence/ticket-router", "misc"]))
        files.append(GeneratedFile(f"{folder}/gen-{i}{draw(st.sampled_from(['.yaml', '.yml']))}", content))
    return files


def build_repository(root: Path, files: list[GeneratedFile]) -> None:
    shutil.copytree(RULES_DIR / "_repo", root, dirs_exist_ok=True)
    (root / "ai-systems").mkdir()
    (root / "ai-systems" / "router.yaml").write_text(CLEAN, encoding="utf-8")
    (root / BAD_MANIFEST).write_text(BAD_MANIFEST_TEXT, encoding="utf-8")
    (root / BAD_EVIDENCE).write_text(BAD_EVIDENCE_TEXT, encoding="utf-8")
    for generated in files:
        (root / generated.path).parent.mkdir(parents=True, exist_ok=True)
        (root / generated.path).write_bytes(generated.content)


def _lines(raw: bytes) -> int:
    text = raw.decode("utf-8", errors="replace")
    return max(len(text.splitlines()), text.count("\n")) + 1


def _variant(old: str, new: str) -> bytes:
    assert CLEAN.count(old) == 1, old
    return CLEAN.replace(old, new).encode("utf-8")


# Inputs that once crashed the check or lost a finding; each stays as an example.
TAG_A_VALUE_CANNOT_HOLD = [
    GeneratedFile("ai-systems/gen-0.yaml", _variant("inputs: true", "inputs: !!bool maybe")),
    GeneratedFile(
        "ai-systems/gen-1.yaml", _variant("classifiedAt: 2026-02-10", "classifiedAt: !!timestamp soon")
    ),
]
API_VERSION_BEHIND_A_MERGE_KEY = [
    GeneratedFile(
        "ai-systems/gen-0.yaml", _variant("apiVersion: charter/v1\n", "<<: {apiVersion: charter/v1}\n")
    )
]
BROKEN_TWIN_OF_THE_EVIDENCED_SYSTEM = [
    GeneratedFile("ai-systems/gen-0.yaml", _variant("tier: high", "tier: extreme"))
]
NUL_IN_A_REF = [
    GeneratedFile(
        "ai-systems/gen-0.yaml",
        _variant("runbook: runbooks/router-rollback.md", 'runbook: "run\\0books/x.md"'),
    )
]


@property_test(
    files=generated_files(),
    named=st.booleans(),
    cached=st.booleans(),
    examples=[
        {"files": TAG_A_VALUE_CANNOT_HOLD, "named": False, "cached": False},
        {"files": API_VERSION_BEHIND_A_MERGE_KEY, "named": True, "cached": False},
        {"files": BROKEN_TWIN_OF_THE_EVIDENCED_SYSTEM, "named": False, "cached": True},
        {"files": NUL_IN_A_REF, "named": False, "cached": False},
    ],
)
def test_any_files_get_findings_or_acceptance_and_never_a_crash(
    scratch: Path, files: list[GeneratedFile], named: bool, cached: bool
) -> None:
    with fresh_directory(scratch) as base:
        root = base / "repo"
        build_repository(root, files)
        # Named files are reported alone, in the context of the whole repository, as pre-commit runs it.
        args = [f.path for f in files] + [BAD_MANIFEST, BAD_EVIDENCE] if named else ["."]
        cache = ["--no-cache"] if not cached else []
        run = check(root, *cache, *args, CHARTER_CACHE_DIR=str(base / "cache"))
        note(f"exit {run.code}\nstderr:\n{run.err}")
        assert run.code in (0, 1), run.err
        assert "Traceback" not in run.err
        findings = run.findings
        note(
            "\n".join(
                f"{f['file']}:{f['line']}:{f['column']}: {f['rule']} {f['message'][:120]}" for f in findings
            )
        )
        for finding in findings:
            assert RULE_ID.fullmatch(finding["rule"]), finding
            assert finding["file"] and (root / finding["file"]).is_file(), finding
            lines = _lines((root / finding["file"]).read_bytes())
            assert 1 <= finding["line"] <= lines, finding
            assert finding["column"] >= 1, finding

        located = {(f["rule"], f["file"], f["line"], f["column"]) for f in findings}
        assert located >= KNOWN_FINDINGS
        assert not any(f["rule"] == "SCH001" and f["file"] == "ai-systems/router.yaml" for f in findings)

        for generated in files:
            judgement = judge(generated.content)
            note(f"{generated.path}: {judgement}")
            of_file = [f for f in findings if f["file"] == generated.path]
            skipped = f"charter: note: {generated.path}: skipped" in run.err
            has_sch001 = any(f["rule"] == "SCH001" for f in of_file)
            # The share of each kind of file shows in --hypothesis-show-statistics.
            event(judgement.kind)
            if judgement.unreadable:
                # Nothing is lost: what cannot be read is reported, or noted when it is not Charter's.
                assert of_file or skipped, generated.path
            elif judgement.sch001 is not None:
                assert has_sch001 == judgement.sch001, (generated.path, judgement.why, of_file)

        if cached:
            # The cache holds what was read; a second run from it says exactly the same.
            again = check(root, *args, CHARTER_CACHE_DIR=str(base / "cache"))
            assert (again.code, again.out) == (run.code, run.out)


test_any_files_get_findings_or_acceptance_and_never_a_crash_full = full_size(
    test_any_files_get_findings_or_acceptance_and_never_a_crash
)


# --- the JSON Schema and the loader agree ------------------------------------------------------


def _tame(node: Any) -> Any:
    """node with the characters that the README refuses beyond the schema taken out of its text."""
    if isinstance(node, dict):
        return {_tame(key): _tame(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_tame(item) for item in node]
    if not isinstance(node, str):
        return node
    kept = "".join(c for c in node if characters.problem(c, controls=True) is None)
    return (
        kept if characters.problem(kept, controls=True) is None else kept.encode("ascii", "ignore").decode()
    )


@st.composite
def schema_documents(draw: st.DrawFn) -> Any:
    """Documents for the comparison; most without the characters only Charter refuses."""
    document = draw(st.one_of(valid_documents(), mutated_documents(for_schema=True)))
    return _tame(document) if draw(st.integers(0, 3)) else document


def _router_with(path: tuple[Any, ...], value: Any) -> Any:
    document = yaml.load(CLEAN, Loader=yaml.CSafeLoader)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return document


# The schema once accepted a final newline, a control character and a number beyond a double, which
# the models refuse; .inf both accepted, and both now refuse (see models.Number and schema.py).
NAME_WITH_A_FINAL_NEWLINE = _router_with(("metadata", "name"), "ticket-router\n")
ADDRESS_WITH_A_CONTROL_CHARACTER = _router_with(
    ("spec", "ownership", "onCall"), "https://pager.example.com/\x1c"
)
INFINITE_THRESHOLD = _router_with(("spec", "monitoring", "signals", 0, "baseline"), Raw(".inf"))
THRESHOLD_BEYOND_A_DOUBLE = _router_with(("spec", "monitoring", "signals", 0, "warn"), 10**400)


@property_test(
    document=schema_documents(),
    examples=[
        {"document": NAME_WITH_A_FINAL_NEWLINE},
        {"document": ADDRESS_WITH_A_CONTROL_CHARACTER},
        {"document": INFINITE_THRESHOLD},
        {"document": THRESHOLD_BEYOND_A_DOUBLE},
    ],
)
def test_the_json_schema_accepts_exactly_what_the_loader_accepts(scratch: Path, document: Any) -> None:
    text = render([document])
    reading = _Reading()
    try:
        as_validators_see_it = reading.value(yaml.compose(text, Loader=_TextDates))
    except _TooLarge:  # nested too deep for Charter, and for any field of the schema
        as_validators_see_it = yaml.load(text, Loader=_TextDates)
    kind = as_validators_see_it.get("kind")
    assume(not reading.set_aside and not reading.text_dates(kind))
    assume(not has_intentional_difference(as_validators_see_it))
    note(text)
    schema_errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(as_validators_see_it)
    ]
    with fresh_directory(scratch) as root:
        (root / "document.yaml").write_text(text, encoding="utf-8")
        # An Evidence document alone declares no system, which is refused unless allowed.
        (root / ".charter.yaml").write_text("allowEmpty: true\n", encoding="utf-8")
        run = check(root, "--no-cache", ".")
    assert run.code in (0, 1), run.err
    loader_errors = [f["message"] for f in run.findings if f["rule"] == "SCH001"]
    refused = [*reading.refused, *_refused_beyond_schema(as_validators_see_it)]
    if refused:
        # What the README refuses beyond the schema (aliases, look-alike letters, ...) is refused.
        assert loader_errors, refused
    else:
        assert (schema_errors == []) == (loader_errors == []), (schema_errors, loader_errors)


test_the_json_schema_accepts_exactly_what_the_loader_accepts_full = full_size(
    test_the_json_schema_accepts_exactly_what_the_loader_accepts
)


def test_a_malformed_twin_with_a_list_for_its_tier_is_no_crash(scratch: Path) -> None:
    # Found by the property test: the engine once took this tier for the well-formed namesake's.
    twin = GeneratedFile(
        "ai-systems/gen-0.yaml", BAD_MANIFEST_TEXT.replace("tier: high", "tier: [high]").encode()
    )
    with fresh_directory(scratch) as root:
        build_repository(root, [twin])
        run = check(root, "--no-cache", ".")
    assert run.code == 1, run.err
    assert set(KNOWN_FINDINGS) <= {(f["rule"], f["file"], f["line"], f["column"]) for f in run.findings}


def test_a_date_for_a_name_is_no_crash_with_the_cache(scratch: Path) -> None:
    evidence = (
        "apiVersion: charter/v1\nkind: Evidence\nmetadata:\n  name: 2026-11-02\n"
        "spec: {system: ticket-router, activity: audit, performedAt: 2026-11-02}\n"
    )
    path = "evidence/ticket-router/gen-0.yaml"
    with fresh_directory(scratch) as base:
        build_repository(base / "repo", [GeneratedFile(path, evidence.encode())])
        run = check(base / "repo", ".", CHARTER_CACHE_DIR=str(base / "cache"))
    assert run.code == 1, run.err
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in run.findings if f["file"] == path] == [
        ("SCH001", "metadata.name", 4, 9)
    ]


@pytest.mark.parametrize("name", INTENTIONAL_DIFFERENCES)
def test_each_intentional_difference_is_real(scratch: Path, name: str) -> None:
    difference = INTENTIONAL_DIFFERENCES[name]
    assert CLEAN.count(difference.old) == 1
    text = CLEAN.replace(difference.old, difference.new)
    as_validators_see_it = _Reading().value(yaml.compose(text, Loader=_TextDates))
    assert list(VALIDATOR.iter_errors(as_validators_see_it)) == []
    with fresh_directory(scratch) as root:
        (root / "router.yaml").write_text(text, encoding="utf-8")
        run = check(root, "--no-cache", ".")
    assert [(f["rule"], f["path"]) for f in run.findings if f["rule"] == "SCH001"] == [
        ("SCH001", difference.path)
    ]
