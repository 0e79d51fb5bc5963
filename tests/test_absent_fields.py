"""A finding that applies only because a field is absent says which field and what its absence counts as."""

from __future__ import annotations

import shutil
from pathlib import Path

from checker.finding import Finding
from tests.conftest import RULES_DIR, check_tree
from tests.test_reports import CLEAN, variant, where

EU_CLASS = "    euAiAct: {class: limited, role: deployer}\n"
ASSESSMENT = "    impactAssessment: {ref: docs/impact/router.md, expires: 2027-02-10}\n"
DECISIONS = "    decisions: {affectsIndividuals: true, automated: true, reversible: true}\n"
LOW_TIER = ("    tier: high\n", "    tier: low\n")
SYSTEM = "ticket-router"


def findings_of(tmp_path: Path, manifest: str, rule: str) -> list[Finding]:
    root = tmp_path / "repo"
    shutil.copytree(RULES_DIR / "_repo", root)
    (root / "ai-systems").mkdir(exist_ok=True)
    (root / "ai-systems" / "router.yaml").write_text(manifest, encoding="utf-8")
    return [f for f in check_tree(root) if f.rule == rule]


def test_a_low_tier_system_without_an_eu_class_is_told_why_it_needs_an_impact_assessment(
    tmp_path: Path,
) -> None:
    manifest = variant(CLEAN, LOW_TIER, (EU_CLASS, ""), (ASSESSMENT, ""))

    found = findings_of(tmp_path, manifest, "RSK003")

    because = "(applies because spec.risk.euAiAct.class is not declared, which counts as high)"
    # At spec.risk, the closest parent the document has.
    at = where(manifest, "  risk:\n")
    assert [(f"{f.line}:{f.column}", f.path, f.message) for f in found] == [
        (
            at,
            "spec.risk.impactAssessment.expires",
            f"{SYSTEM} has no current impact assessment: spec.risk.impactAssessment.expires is missing "
            + because,
        ),
        (
            at,
            "spec.risk.impactAssessment.ref",
            f"{SYSTEM} has no current impact assessment: spec.risk.impactAssessment.ref is missing {because}",
        ),
    ]


def test_a_declared_tier_that_makes_the_rule_apply_needs_no_reason(tmp_path: Path) -> None:
    manifest = variant(CLEAN, (EU_CLASS, ""), (ASSESSMENT, ""))

    found = findings_of(tmp_path, manifest, "RSK003")

    # High tier applies on its own; the absent class is not why.
    assert [f.message for f in found] == [
        f"{SYSTEM} has no current impact assessment: spec.risk.impactAssessment.expires is missing",
        f"{SYSTEM} has no current impact assessment: spec.risk.impactAssessment.ref is missing",
    ]


def test_a_declared_class_that_makes_a_low_tier_system_high_risk_needs_no_reason(tmp_path: Path) -> None:
    manifest = variant(
        CLEAN, LOW_TIER, (EU_CLASS, "    euAiAct: {class: high, role: deployer}\n"), (ASSESSMENT, "")
    )

    found = findings_of(tmp_path, manifest, "RSK003")

    assert [f.message for f in found] == [
        f"{SYSTEM} has no current impact assessment: spec.risk.impactAssessment.expires is missing",
        f"{SYSTEM} has no current impact assessment: spec.risk.impactAssessment.ref is missing",
    ]


def test_a_requirement_under_an_if_says_which_absent_field_chose_it(tmp_path: Path) -> None:
    fairness = "kind: fairness,"
    manifest = CLEAN.replace(DECISIONS, "    decisions: {automated: true, reversible: true}\n")
    lines = [line for line in manifest.splitlines(keepends=True) if fairness not in line]
    manifest = "".join(lines)

    found = findings_of(tmp_path, manifest, "MON001")

    assert [(f.path, f.message) for f in found] == [
        (
            "spec.monitoring.signals",
            f"{SYSTEM} decides about people but does not monitor fairness: spec.monitoring.signals has no "
            "item where kind is fairness (applies because spec.risk.decisions.affectsIndividuals is not "
            "declared, which counts as true)",
        )
    ]
