"""What every report format shows, worked out once: systems, waivers, evidence, controls, escaping."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.commands.check import CheckOptions, build_report
from checker.reporters import model
from checker.reporters.base import Report
from checker.reporters.markdown import md
from checker.reporters.sarif import sarif_text
from tests.conftest import AS_OF
from tests.test_reports import EXAMPLES


@pytest.fixture(scope="module")
def report() -> Report:
    return build_report(CheckOptions([str(EXAMPLES)], as_of=AS_OF))


def test_system_rows_count_findings_and_judge_each_system_by_fail_on(report: Report) -> None:
    rows = {r.name: r for r in model.system_rows(report)}
    assert list(rows) == [
        "churn-predictor",
        "credit-limit",
        "cv-screener",
        "doc-summariser",
        "fraud-rules",
        "support-assistant",
        "ticket-router",
    ]
    assert rows["ticket-router"] == model.SystemRow(
        name="ticket-router",
        title="Support ticket router",
        file="examples/ai-systems/ticket-router.yaml",
        tier="high",
        stage="production",
        accountable="@dana",
        team="@acme/support-ml",
        errors=1,
        warnings=0,
        infos=0,
        waived=0,
        passed=False,
    )
    churn = rows["churn-predictor"]
    assert (churn.errors, churn.warnings, churn.infos, churn.passed) == (0, 1, 0, True)


def test_freshness_shows_each_activity_against_its_cadence(report: Report) -> None:
    rows = [r for r in model.freshness(report) if r.system == "churn-predictor"]
    assert [(r.activity, r.cadence, r.last, r.age, r.allowed, r.status) for r in rows] == [
        ("dependency-review", "monthly", "2026-09-30", 54, 35, "stale"),
        ("model-performance-review", "monthly", "2026-11-05", 18, 35, "ok"),
        ("observability-check", "daily", "", None, 2, "automated"),
        ("retrospective", "quarterly", "2026-10-22", 32, 100, "ok"),
    ]
    assert rows[0].evidence == "examples/evidence/churn-predictor/2026-09-30-dependency-review.yaml"
    assert rows[2].evidence == ".github/workflows/model-monitor.yml"


def test_freshness_reports_a_missing_activity_and_ignores_future_evidence(report: Report) -> None:
    later = build_report(CheckOptions([str(EXAMPLES)], as_of=dt.date(2026, 11, 3)))
    router = {r.activity: r for r in model.freshness(later) if r.system == "ticket-router"}
    # The usage review of 2026-11-19 has not happened yet on 2026-11-03.
    assert (router["usage-review"].last, router["usage-review"].status) == ("", "missing")
    assert (router["model-performance-review"].age, router["model-performance-review"].status) == (1, "ok")


def test_the_waiver_register_judges_each_waiver_as_the_check_does(report: Report) -> None:
    assert model.waivers(report) == [
        model.WaiverRow(
            system="ticket-router",
            file="examples/ai-systems/ticket-router.yaml",
            rule="MNT001",
            reason="Q3 audit moved to November by the audit board",
            approved_by="@sam",
            expires="2026-11-01",
            ticket="GOV-118",
            days_left=-22,
            valid=False,
            problem="the waiver of MNT001 expired on 2026-11-01 and waives nothing",
            waives=0,
        )
    ]
    assert model.expiring(model.waivers(report)) == []


def test_a_waiver_expiring_within_30_days_is_flagged(report: Report) -> None:
    earlier = build_report(CheckOptions([str(EXAMPLES)], as_of=dt.date(2026, 10, 5)))
    (waiver,) = model.waivers(earlier)
    assert (waiver.valid, waiver.days_left, waiver.expiring) == (True, 27, True)
    assert model.expiring([waiver]) == [waiver]


def test_rule_results_and_control_coverage(report: Report) -> None:
    results = report.rule_results
    assert {rule: results[rule] for rule in ("CHG001", "MNT001", "OWN001", "WVR001")} == {
        "CHG001": "not checked",
        "MNT001": "fail",
        "OWN001": "pass",
        "WVR001": "fail",
    }
    frameworks = model.coverage(report)
    assert [(f.key, f.title) for f in frameworks] == [
        ("NIST-AI-RMF", "NIST AI RMF"),
        ("ISO-42001", "ISO/IEC 42001"),
        ("EU-AI-Act", "EU AI Act"),
    ]
    nist = {c.control: c for c in frameworks[0].controls}
    # The framework's own order of functions, and numbers in numeric order.
    functions = [name.split()[0] for name in nist]
    assert sorted(set(functions), key=functions.index) == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    assert list(nist).index("MEASURE 2.8") < list(nist).index("MEASURE 2.11")
    assert nist["GOVERN 1.3"] == model.ControlRow(
        "GOVERN 1.3",
        (
            model.RuleResult(
                "WVR001", "Waivers are approved, justified, time-boxed and for waivable rules", "fail"
            ),
        ),
        "fail",
    )
    assert nist["GOVERN 1.2"].result == "not checked"
    assert nist["GOVERN 2.1"].result == "pass"
    # Every control a rule names is covered, in exactly one framework.
    named = {c for rule in report.policies.rules.values() for c in rule.model.controls}
    covered = {f"{f.key} {c.control}" for f in frameworks for c in f.controls}
    assert covered == named


def test_one_line_shows_escaped_what_a_renderer_could_act_on() -> None:
    assert model.one_line("a\r\nb\tc\x1b[31md\u2028e\u202ef\x00") == (
        "a\\r\\nb\\tc\\x1b[31md\\u2028e\\u202ef\\x00"
    )
    assert model.one_line(dt.date(2026, 1, 2)) == "2026-01-02"
    assert model.one_line([True, None, 3]) == "true, , 3"
    assert model.one_line(None) == ""


def test_markdown_escaping_breaks_links_mentions_references_and_html() -> None:
    zwj = "\u200d"
    assert md("see [docs](https://x.example) & <b>") == (
        f"see \\[docs\\]\\(https:{zwj}//x.example\\) &amp; &lt;b&gt;"
    )
    assert md("@dana, #42, www.evil.example, a|b, *x* _y_ `z` ~w~ $m$ \\") == (
        f"@{zwj}dana, \\#{zwj}42, www{zwj}.evil.example, a\\|b, \\*x\\* \\_y\\_ \\`z\\` \\~w\\~ \\$m\\$ \\\\"
    )


def test_sarif_text_escapes_the_brackets_of_embedded_links() -> None:
    assert sarif_text("[x](https://evil.example) a\\b\nc") == "\\[x\\](https://evil.example) a\\\\b\\\\nc"
