"""charter schema: one JSON Schema that accepts every well-formed Charter document and nothing else."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from checker.cli import main
from checker.commands.schema import DRAFT, SCHEMA_ID

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_corpus.py"
EXAMPLES = sorted(
    p for folder in ("ai-systems", "evidence") for p in (ROOT / "examples" / folder).rglob("*.yaml")
)


class DatesAsText(yaml.SafeLoader):
    """Reads dates as the strings that editors and JSON Schema validators see."""


DatesAsText.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(path: Path) -> list[Any]:
    return [d for d in yaml.load_all(path.read_text(encoding="utf-8"), Loader=DatesAsText) if d is not None]


def schema_output(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["schema", *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    from checker.commands.schema import document_schema

    return document_schema()


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(validator: Draft202012Validator, document: Any) -> list[tuple[str, str]]:
    """(path, message) of every error, the path as dotted keys."""
    return sorted(
        (".".join(str(p) for p in e.absolute_path), e.message) for e in validator.iter_errors(document)
    )


def router() -> dict[str, Any]:
    (document,) = load(ROOT / "tests" / "rules" / "_clean.yaml")
    return copy.deepcopy(document)


def test_output_is_one_sorted_draft_2020_12_schema(capsys: pytest.CaptureFixture[str]) -> None:
    out = schema_output(capsys)
    data = json.loads(out)
    assert out == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert out == schema_output(capsys)
    assert (data["$schema"], data["$id"], data["title"]) == (DRAFT, SCHEMA_ID, "Charter document")
    assert DRAFT == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(data)
    assert data["properties"]["kind"] == {
        "description": "Which Charter document this is.",
        "enum": ["AISystem", "Evidence", "Directory", "Policy"],
    }
    assert [branch["if"]["properties"]["kind"]["const"] for branch in data["allOf"]] == [
        "AISystem",
        "Evidence",
        "Directory",
        "Policy",
    ]


def test_the_installed_command_prints_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "checker", "schema"], capture_output=True, text=True, check=True
    )
    assert done.stdout == schema_output(capsys)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_definition_is_closed_and_every_ref_resolves(schema: dict[str, Any]) -> None:
    defs = schema["$defs"]
    assert {"AISystem", "Evidence", "PolicyModel", "Metadata", "EvidenceMetadata", "RuleModel"} <= set(defs)
    for name, definition in defs.items():
        if "properties" in definition:
            assert definition["additionalProperties"] is False, name
    assert {ref.removeprefix("#/$defs/") for ref in _refs(schema)} <= set(defs)


@pytest.mark.parametrize("path", EXAMPLES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLES])
def test_accepts_every_example_document(validator: Draft202012Validator, path: Path) -> None:
    for document in load(path):
        assert problems(validator, document) == []


def test_accepts_the_default_policy_pack(validator: Draft202012Validator) -> None:
    files = sorted((ROOT / "policies").glob("*.yaml"))
    assert files
    for path in files:
        for document in load(path):
            assert problems(validator, document) == [], path


def test_accepts_a_generated_repository(validator: Draft202012Validator, tmp_path: Path) -> None:
    if not GENERATOR.exists():
        pytest.skip(f"the benchmark generator is not at {GENERATOR}")
    subprocess.run(
        [sys.executable, str(GENERATOR), str(tmp_path), "--systems", "30"], check=True, capture_output=True
    )
    files = sorted(p for folder in ("ai-systems", "evidence") for p in (tmp_path / folder).rglob("*.yaml"))
    assert len(files) >= 60
    for path in files:
        for document in load(path):
            assert problems(validator, document) == [], path


def test_rejects_an_unknown_key_and_names_it(validator: Draft202012Validator) -> None:
    document = router()
    document["spec"]["rolback"] = document["spec"].pop("rollback")
    assert problems(validator, document) == [
        ("spec", "Additional properties are not allowed ('rolback' was unexpected)")
    ]


def test_rejects_a_value_outside_its_enum(validator: Draft202012Validator) -> None:
    document = router()
    document["spec"]["risk"]["tier"] = "extreme"
    document["spec"]["components"][0]["kind"] = "modle"
    assert problems(validator, document) == [
        (
            "spec.components.0.kind",
            "'modle' is not one of ['model', 'service', 'rules', 'prompt', 'human-step', 'llm', "
            "'retrieval', 'tool', 'agent']",
        ),
        ("spec.risk.tier", "'extreme' is not one of ['low', 'medium', 'high', 'critical']"),
    ]


def test_rejects_wrong_types_patterns_and_dates(validator: Draft202012Validator) -> None:
    document = router()
    document["spec"]["rollback"]["rtoMinutes"] = "15"
    document["spec"]["ownership"]["accountable"] = "dana"
    document["spec"]["rollback"]["lastDrill"] = "2026-13-45"
    paths = [path for path, _ in problems(validator, document)]
    assert paths == ["spec.ownership.accountable", "spec.rollback.lastDrill", "spec.rollback.rtoMinutes"]


def test_rejects_an_unknown_kind_and_a_missing_kind(validator: Draft202012Validator) -> None:
    document = router()
    document["kind"] = "AiSystem"
    assert problems(validator, document) == [
        ("kind", "'AiSystem' is not one of ['AISystem', 'Evidence', 'Directory', 'Policy']")
    ]
    del document["kind"]
    assert problems(validator, document) == [("", "'kind' is a required property")]


def test_each_kind_is_held_to_its_own_fields(validator: Draft202012Validator) -> None:
    evidence: dict[str, Any] = {
        "apiVersion": "charter/v1",
        "kind": "Evidence",
        "metadata": {"name": "router-2026-11-audit"},
        "spec": {"system": "ticket-router", "activity": "audit", "performedAt": "2026-11-02"},
    }
    assert problems(validator, evidence) == []
    evidence["spec"]["intendedUse"] = "Route tickets"
    assert problems(validator, evidence) == [
        ("spec", "Additional properties are not allowed ('intendedUse' was unexpected)")
    ]


@pytest.mark.parametrize(
    ("kind", "title"), [("AISystem", "Charter AISystem"), ("evidence", "Charter Evidence")]
)
def test_one_kind(capsys: pytest.CaptureFixture[str], kind: str, title: str) -> None:
    data = json.loads(schema_output(capsys, "--kind", kind))
    assert (data["$schema"], data["title"]) == (DRAFT, title)
    assert data["$id"].endswith(f"/{title.split()[1].lower()}.schema.json")
    assert data["additionalProperties"] is False
    Draft202012Validator.check_schema(data)
    one = Draft202012Validator(data)
    assert (not list(one.iter_errors(router()))) == (kind == "AISystem")


MUTATIONS: dict[str, tuple[tuple[str | int, ...], Any, bool]] = {
    "an empty optional section": (("spec", "rollback"), None, True),
    "an empty required section": (("spec", "risk"), None, False),
    "a whole number for a decimal": (("spec", "monitoring", "signals", 0, "baseline"), 1, True),
    "a quoted boolean": (("spec", "logging", "inputs"), "true", False),
    "a quoted number": (("spec", "rollback", "rtoMinutes"), "15", False),
    "a negative count": (("spec", "rollback", "rtoMinutes"), -1, False),
    "no approvals needed": (("spec", "reviewGates", 0, "minApprovals"), 0, False),
    "an impossible date": (("spec", "lifecycle", "since"), "2026-02-30", False),
    "a capitalised name": (("metadata", "name"), "Ticket-Router", False),
    "a digest without hex": (("spec", "components", 0, "artifact", "digest"), "sha256:latest", False),
    "a label that is a number": (("metadata", "labels", "domain"), 7, False),
    "an aliased key": (("spec", "risk", "euAiAct"), {"class": "high"}, True),
    "a waiver without a rule": (("spec", "waivers", 0, "rule"), None, True),
}


@pytest.mark.parametrize("case", MUTATIONS)
def test_agrees_with_the_models(validator: Draft202012Validator, case: str) -> None:
    from pydantic import ValidationError

    from checker.models import AISystem

    path, value, valid = MUTATIONS[case]
    document = router()
    parent: Any = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    try:
        AISystem.model_validate(document)
        model_accepts = True
    except ValidationError:
        model_accepts = False
    assert (model_accepts, problems(validator, document) == []) == (valid, valid)


def test_unknown_kind_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--kind", "Widget"]) == 2
    assert "'Widget' is not one of" in capsys.readouterr().err


def test_write_puts_what_it_would_print_in_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed = schema_output(capsys)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "charter.schema.json").write_text("stale\n", encoding="utf-8")

    assert main(["schema", "--write", "charter.schema.json"]) == 0
    assert capsys.readouterr().out == "wrote charter.schema.json\n"
    assert (tmp_path / "charter.schema.json").read_text(encoding="utf-8") == printed

    assert main(["schema", "--kind", "Evidence", "--write", "evidence.json"]) == 0
    assert json.loads((tmp_path / "evidence.json").read_text(encoding="utf-8"))["title"] == "Charter Evidence"


def test_write_refuses_a_symbolic_link(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text("mine\n", encoding="utf-8")
    link = tmp_path / "charter.schema.json"
    link.symlink_to(target)

    assert main(["schema", "--write", str(link)]) == 2
    assert capsys.readouterr().err == (
        f"charter: error: {link}: is a symbolic link or a directory; name a regular file\n"
    )
    assert target.read_text(encoding="utf-8") == "mine\n"
