"""SARIF, JUnit XML and the HTML file: valid for the tools that read them, and complete."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml, Skipped

from checker import gitrepo
from checker.cli import main
from checker.config import Config
from checker.policy import load_policies
from tests.conftest import AS_OF, RULES_DIR
from tests.test_reports import (
    CLEAN,
    EXAMPLES,
    MANIFEST,
    ON_CALL,
    ROOT,
    check,
    git,
    repository,
    variant,
    where,
    write,
)

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sarif-schema-2.1.0.json"
AS_OF_ARG = ["--as-of", AS_OF.isoformat()]
EXTRA_ACTIVITY = '    - {activity: fairness-review, cadence: weekly, owner: "@dana"}\n'
LAST_ACTIVITY = '    - {activity: retrospective, cadence: quarterly, owner: "@dana"}\n'
needs_schema = pytest.mark.skipif(
    not SARIF_SCHEMA.is_file(),
    reason=f"the official SARIF 2.1.0 schema is not at {SARIF_SCHEMA} (shared/data beside the repository)",
)


@pytest.fixture(autouse=True)
def _fresh_git_lookups() -> None:
    gitrepo.toplevel.cache_clear()


@pytest.fixture
def changed_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A change that drops the on-call route (new OWN002) and adds an activity the MNT001 waiver covers."""
    root = repository(tmp_path / "repo", {MANIFEST: CLEAN})
    git(root, "checkout", "-q", "-b", "change")
    head = variant(CLEAN, (ON_CALL, ""), (LAST_ACTIVITY, LAST_ACTIVITY + EXTRA_ACTIVITY))
    write(root, {MANIFEST: head})
    monkeypatch.chdir(root)
    return head


def validate_sarif(text: str) -> dict:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    log = json.loads(text)
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    return log


# SARIF -------------------------------------------------------------------------------------------


@needs_schema
def test_sarif_of_the_examples_is_valid_and_carries_rule_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = check(capsys, str(EXAMPLES), "--format", "sarif", *AS_OF_ARG)
    log = validate_sarif(out)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == (
        "charter",
        "0.1.0",
        "https://github.com/charter-checker/charter",
    )
    rules = {r["id"]: r for r in driver["rules"]}
    # Every rule of the default pack, in id order.
    assert set(rules) == set(load_policies(Config()).rules) and list(rules) == sorted(rules)
    own001 = rules["OWN001"]
    assert own001["name"] == "accountable-owner-missing"
    assert own001["shortDescription"] == {"text": "A single accountable owner is declared"}
    assert own001["help"]["text"].startswith(own001["fullDescription"]["text"] + "\n\nFix: ")
    assert (
        "**Fix:**" in own001["help"]["markdown"]
        and "**Controls:** NIST-AI-RMF GOVERN" in own001["help"]["markdown"]
    )
    assert own001["helpUri"].startswith("https://")
    assert own001["defaultConfiguration"] == {"enabled": True, "level": "error"}
    assert own001["properties"]["security-severity"] == "7.5"
    # Code scanning honours security-severity only with the security tag; tags hold no spaces.
    assert own001["properties"]["tags"] == [
        "security",
        "ownership",
        "ai-governance",
        *(control.replace(" ", "-") for control in own001["properties"]["controls"]),
    ]
    assert "NIST-AI-RMF GOVERN 2.1" in own001["properties"]["controls"]

    result = next(r for r in run["results"] if r["ruleId"] == "WVR001")
    assert result["level"] == "error"
    assert result["ruleIndex"] == list(rules).index("WVR001")
    assert result["message"]["text"] == (
        "ticket-router has an invalid waiver: the waiver of MNT001 expired on 2026-11-01 and waives nothing"
    )
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {
                    "uri": "examples/ai-systems/ticket-router.yaml",
                    "uriBaseId": "%SRCROOT%",
                },
                "region": {"startColumn": 106, "startLine": 158},
            }
        }
    ]
    assert re.fullmatch(r"[0-9a-f]{64}", result["partialFingerprints"]["charter/v1"])
    assert "suppressions" not in result and "baselineState" not in result
    # The rules that need --base are notes of the run, not results.
    assert [(r["ruleId"], r["level"]) for r in run["results"]] == [("MNT001", "warning"), ("WVR001", "error")]
    assert [n["associatedRule"]["id"] for n in run["invocations"][0]["toolExecutionNotifications"]] == [
        "CHG001",
        "CHG002",
        "CHG003",
        "CHG004",
        "CHG005",
        "CHG006",
        "POL001",
        "RBK003",
    ]
    assert run["properties"]["commit"] == gitrepo.head_commit(str(ROOT))


@needs_schema
def test_sarif_with_base_marks_new_results_and_suppresses_waived_ones(
    changed_repo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = check(capsys, "--format", "sarif", "--base", "main", *AS_OF_ARG)
    results = validate_sarif(out)["runs"][0]["results"]
    summary = [(r["ruleId"], r.get("baselineState"), "suppressions" in r) for r in results]
    assert summary == [("OWN002", "new", False), ("MNT001", "new", True)]
    assert results[1]["suppressions"] == [
        {
            "justification": "Q4 audit moved to January by the audit board",
            "kind": "inSource",
            "status": "accepted",
        }
    ]


def test_sarif_fingerprints_survive_a_finding_moving_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repository(tmp_path / "repo", {MANIFEST: variant(CLEAN, (ON_CALL, ""))})
    monkeypatch.chdir(root)

    def own002() -> tuple[int, str]:
        _, out = check(capsys, "--format", "sarif", *AS_OF_ARG)
        result = next(r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "OWN002")
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        return line, result["partialFingerprints"]["charter/v1"]

    before = own002()
    write(root, {MANIFEST: "# A comment that moves every line down\n" + variant(CLEAN, (ON_CALL, ""))})
    after = own002()
    assert after[0] == before[0] + 1 and after[1] == before[1]


# JUnit XML ---------------------------------------------------------------------------------------


def parse_junit(text: str, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def test_junit_has_one_testcase_per_system_and_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = check(capsys, str(EXAMPLES), "--format", "junit", *AS_OF_ARG)
    xml = parse_junit(out, tmp_path)
    suites = {s.name: s for s in xml}
    assert list(suites) == [
        "churn-predictor",
        "credit-limit",
        "cv-screener",
        "doc-summariser",
        "fraud-rules",
        "support-assistant",
        "ticket-router",
    ]
    router = {c.name: c for c in suites["ticket-router"]}
    assert all(c.classname == "ticket-router" for c in router.values())
    assert len(router) == len({c.name for c in suites["ticket-router"]})
    (failure,) = router["WVR001 waiver-invalid"].result
    assert isinstance(failure, Failure)
    assert (failure.type, failure.message) == (
        "error",
        "ticket-router has an invalid waiver: the waiver of MNT001 expired on 2026-11-01 and waives nothing",
    )
    assert failure.text.startswith("examples/ai-systems/ticket-router.yaml:158:106: ticket-router has")
    assert "\nField: spec.waivers[0].expires\nFix: " in failure.text
    assert router["OWN001 accountable-owner-missing"].result == []
    (skipped,) = router["CHG001 digest-changed-without-version-bump"].result
    assert isinstance(skipped, Skipped)
    assert skipped.message == "compares with a base revision: run with --base"
    (warning,) = {c.name: c for c in suites["churn-predictor"]}["MNT001 maintenance-evidence-stale"].result
    assert isinstance(warning, Failure) and warning.type == "warning"
    # A retired system is not held to production rules, so they are not among its test cases.
    assert "RBK002 rollback-not-drilled" not in {c.name for c in suites["fraud-rules"]}
    for suite in xml:
        cases = list(suite)
        assert suite.tests == len(cases)
        assert suite.failures == sum(any(isinstance(r, Failure) for r in c.result) for c in cases)
        assert suite.skipped == sum(any(isinstance(r, Skipped) for r in c.result) for c in cases)
    assert (xml.tests, xml.failures, xml.errors) == (sum(s.tests for s in xml), 2, 0)


def test_junit_skips_a_waived_rule(
    changed_repo: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = check(capsys, "--format", "junit", "--base", "main", *AS_OF_ARG)
    (suite,) = parse_junit(out, tmp_path)
    cases = {c.name: c for c in suite}
    (skipped,) = cases["MNT001 maintenance-evidence-stale"].result
    assert isinstance(skipped, Skipped)
    assert skipped.message == (
        "waived: ticket-router has maintenance without recent evidence: no evidence that the weekly "
        "fairness-review was ever done"
    )
    (failure,) = cases["OWN002 team-or-on-call-missing"].result
    assert failure.text.startswith(f"{MANIFEST}:{where(changed_repo, '  ownership:')}: ")
    # With a base, the change rules run and pass like any other.
    assert cases["CHG001 digest-changed-without-version-bump"].result == []


# The HTML file -----------------------------------------------------------------------------------


def test_html_is_self_contained_and_its_csp_allows_only_its_own_stylesheet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, html = check(capsys, str(EXAMPLES), "--format", "html", *AS_OF_ARG)
    (csp,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    (css,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert csp == (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; base-uri 'none'; form-action 'none'"
    )
    assert "<script" not in html and "@import" not in css and "url(" not in css
    assert re.findall(r'(?:src|href)="(?!#|data:)[^"]*"', html) == []
    for anchor in ("systems", "findings", "waivers", "evidence", "coverage"):
        assert f'id="{anchor}"' in html
    for framework in ("NIST AI RMF", "ISO/IEC 42001", "EU AI Act"):
        assert f"<h3>{framework}</h3>" in html


def test_html_names_what_the_report_was_checked_against(capsys: pytest.CaptureFixture[str]) -> None:
    _, html = check(capsys, str(EXAMPLES), "--format", "html", *AS_OF_ARG)
    _, data = check(capsys, str(EXAMPLES), "--format", "json", *AS_OF_ARG)
    facts = json.loads(data)
    assert f'<dt>Commit</dt><dd class="mono">{facts["commit"]}</dd>' in html
    assert f'<dt>Policy digest</dt><dd class="mono">{facts["policyDigest"]}</dd>' in html
    assert "<dt>Charter version</dt><dd>0.1.0</dd>" in html
    assert "<dt>As of</dt><dd>2026-11-23</dd>" in html


def test_html_with_base_shows_status_and_the_governance_changes(
    changed_repo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, html = check(capsys, "--format", "html", "--base", "main", *AS_OF_ARG)
    assert '<section class="card" id="changes">' in html
    assert "<h3>New (1)</h3>" in html and "<h3>Waived (1)</h3>" in html
    assert '<span class="badge b-new">new</span>' in html
    assert '<span class="badge b-waived">waived</span>' in html
    assert "<b>Waived:</b> Q4 audit moved to January by the audit board" in html


def test_every_template_the_reports_use_is_shipped() -> None:
    templates = {p.name for p in (RULES_DIR.parents[1] / "templates").iterdir()}
    assert {"report.md.j2", "report.html.j2", "report.css.j2"} <= templates
    # The package data pattern in pyproject.toml ships them with the wheel.
    assert '"checker.templates" = ["*.j2"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_every_format_can_also_be_written_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    formats = ["text", "json", "markdown", "html", "sarif", "junit", "github"]
    args = [a for fmt in formats for a in (f"--output-{fmt}", str(tmp_path / f"report.{fmt}"))]
    assert main(["check", str(EXAMPLES), "--format", "json", *args, *AS_OF_ARG]) == 1
    capsys.readouterr()
    for fmt in formats:
        written = (tmp_path / f"report.{fmt}").read_text(encoding="utf-8")
        assert written == check(capsys, str(EXAMPLES), "--format", fmt, *AS_OF_ARG)[1]
