"""charter rules: the table of every rule in effect, as text, JSON and a GitHub markdown table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from checker.cli import main
from checker.commands.rules import rules_markdown
from checker.config import Config
from checker.policy import load_policies

PACK = load_policies(Config())
OWN001_CONTROLS = "NIST-AI-RMF GOVERN 2.1, NIST-AI-RMF GOVERN 2.3, ISO-42001 A.3.2, EU-AI-Act Art.17"

LOCAL_RULE = """\
apiVersion: charter/v1
kind: Policy
metadata:
  name: local
rules:
  - id: LOC001
    name: purpose-described
    title: The purpose says who | what is affected
    severity: warning
    message: "{system} has no out-of-scope uses"
    why: Stating what a system must not be used for keeps it from drifting into those uses.
    remediation: List spec.purpose.outOfScope.
    controls: ["ISO-42001 A.9.4"]
    assert:
      - {field: spec.purpose.outOfScope, present: true}
"""


@pytest.fixture(autouse=True)
def _in_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def rules(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["rules", *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_text_table(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    lines = rules(capsys).split("\n")
    rows = [re.split(r" {2,}", line) for line in lines[: len(PACK.rules) + 1]]
    assert rows[0] == ["ID", "SEVERITY", "NAME", "TITLE", "CONTROLS"]
    assert [row[0] for row in rows[1:]] == sorted(PACK.rules)
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["OWN001"] == [
        "OWN001",
        "error (low: warning)",
        "accountable-owner-missing",
        "A single accountable owner is declared",
        OWN001_CONTROLS,
    ]
    assert by_id["RBK002"][1] == "error (low, medium: warning)"
    assert by_id["POL001"][1] == "warning"
    assert by_id["SCH001"][1] == "error"
    # Columns line up: every row's controls start where the header's do.
    column = lines[0].index("CONTROLS")
    body = lines[1 : len(PACK.rules) + 1]
    assert all(line[column - 2 : column] == "  " and line[column] != " " for line in body)
    assert lines[len(PACK.rules) + 1 :] == [
        "",
        f"{len(PACK.rules)} rules; 'charter explain ID' shows what a rule checks and how to fix it.",
        "",
    ]


@pytest.mark.parametrize("columns", [80, 100, 50])
def test_text_wraps_to_the_terminal_width(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    lines = rules(capsys).rstrip("\n").split("\n")

    assert max(len(line) for line in lines) <= columns
    # One block a rule: its id, severity and name, then its title and controls, indented.
    heads = [line for line in lines[: lines.index("")] if not line.startswith(" ")]
    assert [head.split()[0] for head in heads] == sorted(PACK.rules)
    start = lines.index(next(head for head in heads if head.startswith("OWN001")))
    end = lines.index(next(head for head in heads if head.startswith("OWN002")))
    block = " ".join(" ".join(line.split()) for line in lines[start:end])
    assert block == (
        f"OWN001 error (low: warning) accountable-owner-missing A single accountable owner is declared "
        f"{OWN001_CONTROLS}"
    )
    # A control is never split across lines.
    controls = {c for rule in PACK.rules.values() for c in rule.model.controls}
    body = [line.strip() for line in lines if line.startswith("        ")]
    assert all(
        part in controls
        for line in body
        if "-AI-" in line or "ISO-" in line
        for part in line.rstrip(",").split(", ")
    )


def test_a_narrow_terminal_still_gets_whole_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "10")
    lines = rules(capsys).split("\n")
    # Below 40 columns the text is wrapped to 40, and a rule's name is never broken.
    assert "        risk-lowered-without-reclassification" in lines


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = rules(capsys, "--format", "json")
    data = json.loads(out)
    assert out == json.dumps(data, indent=2, sort_keys=True) + "\n"
    assert data["policyDigest"] == PACK.digest()
    assert [r["id"] for r in data["rules"]] == sorted(PACK.rules)
    own001 = next(r for r in data["rules"] if r["id"] == "OWN001")
    assert own001 == {
        "id": "OWN001",
        "name": "accountable-owner-missing",
        "title": "A single accountable owner is declared",
        "severity": "error",
        "severityByTier": {"low": "warning"},
        "severityNote": "error (low: warning)",
        "enabled": True,
        "enforceAfter": None,
        "waivable": True,
        "needsBase": False,
        "policy": "ownership",
        "params": {},
        "controls": OWN001_CONTROLS.split(", "),
    }
    mnt001 = next(r for r in data["rules"] if r["id"] == "MNT001")
    assert mnt001["params"] == {"maxAgeDays": {"daily": 2, "weekly": 8, "monthly": 35, "quarterly": 100}}


def test_markdown_is_the_readme_table(capsys: pytest.CaptureFixture[str]) -> None:
    out = rules(capsys, "--format", "markdown")
    assert out == rules_markdown(PACK)
    lines = out.rstrip("\n").split("\n")
    assert lines[:2] == ["| Rule | Severity | Name | Title | Controls |", "|---|---|---|---|---|"]
    assert len(lines) == len(PACK.rules) + 2
    assert (
        "| OWN001 | error (low: warning) | `accountable-owner-missing` "
        f"| A single accountable owner is declared | {OWN001_CONTROLS} |"
    ) in lines
    assert "| POL001 | warning | `policy-changed` |" in out
    assert all(len(re.findall(r"(?<!\\)\|", line)) == 6 for line in lines)


def test_configuration_changes_the_severities(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    (tmp_path / ".charter.yaml").write_text(
        "rules:\n"
        "  MNT002: {severity: warning}\n"
        "  OWN001: {severity: error}\n"
        "  RMP001: {enabled: false}\n"
        "  MON002: {enforceAfter: 2027-01-01}\n",
        encoding="utf-8",
    )
    cells = {
        line.split(" | ")[0].lstrip("| "): line.split(" | ")[1]
        for line in rules(capsys, "--format", "markdown").split("\n")[2:-1]
    }
    assert cells["MNT002"] == "warning (configured)"
    assert cells["OWN001"] == "error (configured)"
    assert cells["RMP001"] == "disabled"
    assert cells["MON002"] == "error (warning until 2027-01-01)"
    footer = rules(capsys).rstrip("\n").split("\n")[-1]
    assert footer == (
        f"{len(PACK.rules)} rules, 1 disabled; "
        "'charter explain ID' shows what a rule checks and how to fix it."
    )


def test_local_pack_and_cell_escaping(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "governance").mkdir()
    (tmp_path / "governance" / "local.yaml").write_text(LOCAL_RULE, encoding="utf-8")
    config = tmp_path / "governance" / "charter.yaml"
    config.write_text("policies: [default, local.yaml]\n", encoding="utf-8")
    out = rules(capsys, "--format", "markdown", "--config", str(config))
    assert (
        "| LOC001 | warning | `purpose-described` "
        "| The purpose says who \\| what is affected | ISO-42001 A.9.4 |"
    ) in out.split("\n")
    assert len(out.rstrip("\n").split("\n")) == len(PACK.rules) + 3


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "html"]) == 2
    assert "'html' is not one of 'text', 'json', 'markdown'" in capsys.readouterr().err
