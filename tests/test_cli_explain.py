"""charter explain: the page of one rule, and the examples every rule of the pack carries."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError

from checker.cli import main
from checker.commands.schema import document_schema
from checker.config import Config
from checker.governance_models import ConfigModel
from checker.policy import load_policies

PACK = load_policies(Config())
VALIDATOR = Draft202012Validator(document_schema())
RULE_IDS = sorted(PACK.rules)
SECTIONS = [
    "What it checks",
    "Why it matters",
    "Example that fails",
    "How to fix it",
    "Severity",
    "Parameters",
    "Controls",
]


@pytest.fixture(autouse=True)
def _in_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run where no configuration is found, so the page shows the pack as shipped."""
    monkeypatch.chdir(tmp_path)


def explain(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    out, err = capsys.readouterr()
    return code, out, err


def section(page: str, title: str) -> list[str]:
    """The lines of one section, without its heading and the blank line that ends it."""
    lines = page.rstrip("\n").split("\n")
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if lines[i] in SECTIONS), len(lines) + 1)
    return lines[start : end - 1]


def indented(snippet: str) -> list[str]:
    return ["    " + line if line else "" for line in snippet.rstrip("\n").split("\n")]


def test_page_of_own001(capsys: pytest.CaptureFixture[str]) -> None:
    code, page, err = explain(capsys, "OWN001")
    rule = PACK.rules["OWN001"].model
    assert rule.example is not None
    assert (code, err) == (0, "")
    assert page.split("\n")[0] == "OWN001 (accountable-owner-missing)"
    assert [line for line in page.split("\n") if line in SECTIONS] == SECTIONS
    assert section(page, "What it checks") == [
        "  A single accountable owner is declared.",
        "  Policy: ownership",
        "  Kinds:  AISystem",
        "  Stages: every stage",
        "  Tiers:  every tier",
    ]
    assert " ".join(line.strip() for line in section(page, "Why it matters")) == " ".join(rule.why.split())
    assert section(page, "Example that fails") == indented(rule.example.fail)
    assert '        accountable: "@dana"' in section(page, "How to fix it")
    assert section(page, "How to fix it")[-len(indented(rule.example.fix)) :] == indented(rule.example.fix)
    assert section(page, "Severity") == [
        "  error; warning for low tier systems",
        "  Waivable: yes",
        "  Needs a base: no",
    ]
    assert section(page, "Parameters") == ["  none"]
    assert page.endswith(
        "Controls\n"
        "  - NIST-AI-RMF GOVERN 2.1\n"
        "  - NIST-AI-RMF GOVERN 2.3\n"
        "  - ISO-42001 A.3.2\n"
        "  - EU-AI-Act Art.17\n"
    )


@pytest.mark.parametrize("query", ["own001", "Own001", "accountable-owner-missing", " OWN001 "])
def test_id_in_any_case_or_the_rule_name(capsys: pytest.CaptureFixture[str], query: str) -> None:
    expected = explain(capsys, "OWN001")
    assert explain(capsys, query) == expected


@pytest.mark.parametrize(
    ("query", "closest"),
    [
        ("OWN01", "OWN001 (accountable-owner-missing)"),
        ("rbk02", "RBK002 (rollback-not-drilled)"),
        ("rollback-not-drilld", "RBK002 (rollback-not-drilled)"),
    ],
)
def test_unknown_rule_exits_2_naming_the_closest(
    capsys: pytest.CaptureFixture[str], query: str, closest: str
) -> None:
    assert explain(capsys, query) == (
        2,
        "",
        f"charter: error: unknown rule '{query}'; did you mean {closest}?\n",
    )


def test_where_a_rule_applies(capsys: pytest.CaptureFixture[str]) -> None:
    assert section(explain(capsys, "HIL001")[1], "What it checks")[2:] == [
        "  Kinds:  AISystem",
        "  Stages: every stage",
        "  Tiers:  high, critical",
        "  When:   spec.risk.decisions.affectsIndividuals is true",
    ]
    assert section(explain(capsys, "RSK003")[1], "What it checks")[-1] == (
        "  When:   spec.risk.tier is one of high, critical or spec.risk.euAiAct.class is high"
    )
    assert section(explain(capsys, "MNT003")[1], "What it checks")[2:5] == [
        "  Kinds:  Evidence",
        "  Stages: every stage",
        "  Tiers:  every tier",
    ]


def test_rule_reported_by_charter_itself(capsys: pytest.CaptureFixture[str]) -> None:
    page = explain(capsys, "POL001")[1]
    assert section(page, "What it checks")[2] == (
        "  Applies to: the policy files and the configuration, compared with the base revision."
    )
    assert section(page, "Severity") == [
        "  warning",
        "  Waivable: no",
        "  Needs a base: yes; it compares with the revision given by --base",
    ]
    assert section(explain(capsys, "CHG004")[1], "What it checks")[2] == (
        "  Applies to: the base revision's AISystems inside the checked paths whose stage there is not "
        "in removableStages."
    )


def test_separation_of_duties_says_it_looks_at_both_revisions_tiers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = explain(capsys, "OWN003")[1]
    assert section(page, "What it checks")[2] == (
        "  Applies to: AISystems whose tier, in the change or in the base revision, is one of the tiers "
        "parameter."
    )
    assert section(page, "Parameters") == ["  tiers = [high, critical]"]


def test_parameters_as_name_equals_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert section(explain(capsys, "MNT001")[1], "Parameters") == [
        "  maxAgeDays = {daily: 2, weekly: 8, monthly: 35, quarterly: 100}"
    ]
    assert section(explain(capsys, "RBK002")[1], "Parameters") == [
        "  maxDaysHigh = 90",
        "  maxDaysOther = 180",
    ]


def test_configuration_found_from_the_current_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / ".charter.yaml").write_text(
        "rules:\n"
        "  RBK002: {severity: warning, params: {maxDaysHigh: 60}}\n"
        "  MON002: {enforceAfter: 2027-01-01}\n"
        "  RMP001: {enabled: false}\n",
        encoding="utf-8",
    )
    page = explain(capsys, "RBK002")[1]
    assert section(page, "Severity")[0] == (
        "  warning for every tier, set by the configuration (the pack says error (low, medium: warning))"
    )
    assert section(page, "Parameters") == [
        "  maxDaysHigh = 60  (configured; the pack says 90)",
        "  maxDaysOther = 180",
    ]
    assert section(explain(capsys, "MON002")[1], "Severity")[:2] == [
        "  error",
        "  reported as a warning until 2027-01-01 (enforceAfter)",
    ]
    assert section(explain(capsys, "RMP001")[1], "Severity")[0] == (
        "  disabled by the configuration (the pack says error (low, medium: warning))"
    )


def test_configuration_given_with_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "elsewhere" / "strict.yaml"
    config.parent.mkdir()
    config.write_text("rules:\n  OWN001: {severity: info}\n", encoding="utf-8")
    assert section(explain(capsys, "OWN001")[1], "Severity")[0] == "  error; warning for low tier systems"
    page = explain(capsys, "OWN001", "--config", str(config))[1]
    assert section(page, "Severity")[0] == (
        "  info for every tier, set by the configuration (the pack says error (low: warning))"
    )


def test_bad_configuration_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / ".charter.yaml").write_text("rules:\n  OWN999: {severity: info}\n", encoding="utf-8")
    code, out, err = explain(capsys, "OWN001")
    assert (code, out) == (2, "")
    assert err.startswith("charter: error: ") and err.count("\n") == 1
    assert ".charter.yaml:2: unknown rule id 'OWN999'" in err


# The examples ----------------------------------------------------------------------------------


def _documents(snippet: str) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(snippet) if doc is not None]


def _only_missing_fields(error: ValidationError) -> bool:
    """True when the error says no more than that an excerpt leaves out a required field."""
    if error.validator == "required":
        return True
    if error.validator in ("anyOf", "oneOf"):
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context or []:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        return any(all(_only_missing_fields(e) for e in errs) for errs in branches.values())
    return False


def _schema_errors(rule_id: str, document: Any) -> list[str]:
    """What is wrong with an excerpt beyond the fields it leaves out, as a manifest or evidence."""
    kind = PACK.rules[rule_id].model.appliesTo.kind
    document = {"apiVersion": "charter/v1", "kind": kind if isinstance(kind, str) else "AISystem", **document}
    return [e.message for e in VALIDATOR.iter_errors(document) if not _only_missing_fields(e)]


class _DatesAsText(yaml.SafeLoader):
    """Reads dates as the strings that editors and JSON Schema validators see."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_has_a_short_example(rule_id: str) -> None:
    example = PACK.rules[rule_id].model.example
    assert example is not None, f"{rule_id} has no example"
    assert example.fail != example.fix
    for snippet in (example.fail, example.fix):
        assert 3 <= len(snippet.rstrip("\n").split("\n")) <= 12, snippet
        assert snippet == textwrap.dedent(snippet)
        assert _documents(snippet), snippet


# SCH005's failing example is a document with a mistyped apiVersion, as SCH001's is a mistyped key.
@pytest.mark.parametrize("rule_id", sorted(set(RULE_IDS) - {"POL001", "SCH001", "SCH005"}))
def test_examples_use_the_document_fields(rule_id: str) -> None:
    example = PACK.rules[rule_id].model.example
    assert example is not None
    for snippet in (example.fail, example.fix):
        for document in yaml.load_all(snippet, Loader=_DatesAsText):
            assert _schema_errors(rule_id, document) == [], snippet


def test_schema_example_fails_on_the_rolback_typo() -> None:
    example = PACK.rules["SCH001"].model.example
    assert example is not None
    (fail,) = yaml.load_all(example.fail, Loader=_DatesAsText)
    (fix,) = yaml.load_all(example.fix, Loader=_DatesAsText)
    assert _schema_errors("SCH001", fail) == [
        "Additional properties are not allowed ('rolback' was unexpected)"
    ]
    assert _schema_errors("SCH001", fix) == []


def test_policy_change_example_is_a_valid_configuration() -> None:
    example = PACK.rules["POL001"].model.example
    assert example is not None
    for snippet in (example.fail, example.fix):
        ConfigModel.model_validate(yaml.safe_load(snippet))
