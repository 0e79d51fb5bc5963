"""What the rendered reports show, worked out once so that every format says the same thing.

Every string here is one line as characters.shown() writes it (control characters, line breaks and
other hidden characters as visible escapes) but not yet escaped for a format: each reporter does
that for its own output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checker.characters import one_line
from checker.finding import SEVERITY_RANK, Finding
from checker.reporters.base import Report
from checker.result import SystemChange

PROJECT_URL = "https://github.com/charter-checker/charter"
RULES_URL = f"{PROJECT_URL}/blob/main/README.md#the-default-policy-pack"
EXPIRY_WINDOW_DAYS = 30
# Known control frameworks by the prefix their control ids carry in the policies.
FRAMEWORKS = {"NIST-AI-RMF": "NIST AI RMF", "ISO-42001": "ISO/IEC 42001", "EU-AI-Act": "EU AI Act"}


def plural(n: int, noun: str) -> str:
    """'1 error', '2 errors'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


# Findings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A finding with the words of its rule."""

    rule: str
    name: str
    title: str
    severity: str
    system: str
    file: str
    line: int
    column: int
    path: str
    message: str
    why: str
    remediation: str
    controls: tuple[str, ...]
    waived: bool
    status: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def item(report: Report, finding: Finding) -> Item:
    """finding with its rule's name, title, why, remediation and controls."""
    rule = report.policies.rules.get(finding.rule)
    model = rule.model if rule is not None else None
    return Item(
        rule=finding.rule,
        name=one_line(model.name if model else ""),
        title=one_line(model.title if model else ""),
        severity=finding.severity,
        system=one_line(finding.system),
        file=one_line(finding.file),
        line=finding.line,
        column=finding.column,
        path=one_line(finding.path),
        message=one_line(finding.message),
        why=one_line(model.why if model else ""),
        remediation=one_line(model.remediation if model else ""),
        controls=tuple(one_line(c) for c in (model.controls if model else ())),
        waived=finding.waived,
        status="waived" if finding.waived else (finding.status or ""),
    )


def items(report: Report) -> list[Item]:
    """Every finding of the report, in the report's order."""
    return [item(report, f) for f in report.findings]


@dataclass(frozen=True)
class Section:
    """One group of findings: new, fixed, still failing or waived."""

    key: str
    title: str
    items: tuple[Item, ...]


def _worst_first(found: Iterable[Item]) -> tuple[Item, ...]:
    # Stable: within a severity the report's own order (file, line, column, rule) stays.
    return tuple(sorted(found, key=lambda i: -SEVERITY_RANK.get(i.severity, 0)))


def sections(report: Report) -> list[Section]:
    """The findings grouped the way a reviewer reads them, errors first; the groups this run can have."""
    everything = _worst_first(items(report))
    active = [i for i in everything if not i.waived]
    waived = tuple(i for i in everything if i.waived)
    if report.base_systems is None:
        return [Section("failing", "Failing", tuple(active)), Section("waived", "Waived", waived)]
    return [
        Section("new", "New", tuple(i for i in active if i.status == "new")),
        Section("fixed", "Fixed by this change", _worst_first(item(report, f) for f in report.fixed)),
        Section("existing", "Still failing", tuple(i for i in active if i.status != "new")),
        Section("waived", "Waived", waived),
    ]


# Systems -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemRow:
    """One AISystem with its governance facts and its findings counted."""

    name: str
    title: str
    file: str
    tier: str
    stage: str
    accountable: str
    team: str
    errors: int
    warnings: int
    infos: int
    waived: int
    passed: bool


def system_rows(report: Report) -> list[SystemRow]:
    """Every reported AISystem, by name."""
    rows = []
    for system in report.systems:
        counted = system.summary
        rows.append(
            SystemRow(
                name=one_line(system.name or "") or one_line(system.file),
                title=one_line(system.get("metadata", "title")),
                file=one_line(system.file),
                tier=one_line(system.get("spec", "risk", "tier")),
                stage=one_line(system.get("spec", "lifecycle", "stage")),
                accountable=one_line(system.get("spec", "ownership", "accountable")),
                team=one_line(system.get("spec", "ownership", "team")),
                errors=counted.errors,
                warnings=counted.warnings,
                infos=counted.infos,
                waived=counted.waived,
                passed=counted.passed,
            )
        )
    return sorted(rows, key=lambda r: (r.name, r.file))


# Governance diff ---------------------------------------------------------------------------------


def governance_diff(report: Report) -> list[SystemChange]:
    """Per system, how its governance facts moved from the base; empty without --base."""
    return list(report.governance_diff)


# Waivers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaiverRow:
    """One waiver of the register and whether it waives anything today."""

    system: str
    file: str
    rule: str
    reason: str
    approved_by: str
    expires: str
    ticket: str
    days_left: int | None
    valid: bool
    problem: str
    waives: int

    @property
    def expiring(self) -> bool:
        return self.valid and self.days_left is not None and self.days_left <= EXPIRY_WINDOW_DAYS


def waivers(report: Report) -> list[WaiverRow]:
    """Every waiver of the reported systems, as the check judged it."""
    rows = []
    for waiver in report.waivers:
        entry, expires = waiver.entry, waiver.expires
        rows.append(
            WaiverRow(
                system=one_line(waiver.system or ""),
                file=one_line(waiver.file),
                rule=one_line(entry.get("rule")),
                reason=one_line(entry.get("reason")),
                approved_by=one_line(entry.get("approvedBy")),
                expires=expires.isoformat() if expires else one_line(entry.get("expires")),
                ticket=one_line(entry.get("ticket")),
                days_left=(expires - report.as_of).days if expires else None,
                valid=waiver.problem is None,
                problem=one_line(waiver.problem) if waiver.problem else "",
                waives=waiver.waives,
            )
        )
    return sorted(rows, key=lambda w: (w.system, w.rule, w.expires))


def expiring(rows: Iterable[WaiverRow]) -> list[WaiverRow]:
    """The valid waivers that run out within EXPIRY_WINDOW_DAYS, soonest first."""
    return sorted((w for w in rows if w.expiring), key=lambda w: (w.days_left, w.system, w.rule))


def waiver_reason(rows: Iterable[WaiverRow], rule: str, system: str) -> str:
    """The reason of the valid waiver of rule for system, '' when there is none."""
    return next((w.reason for w in rows if w.valid and w.rule == rule and w.system == system), "")


# Evidence freshness ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """How recent the evidence of one maintenance activity is, against what its cadence allows."""

    system: str
    activity: str
    cadence: str
    owner: str
    last: str
    evidence: str
    age: int | None
    allowed: int | None
    status: str


def freshness(report: Report) -> list[Freshness]:
    """Per reported system and maintenance activity: last evidence, age, allowed age and status."""
    rows = []
    for row in report.freshness:
        task = row.task
        rows.append(
            Freshness(
                system=one_line(row.system or ""),
                activity=one_line(task.get("activity")),
                cadence=one_line(task.get("cadence")),
                owner=one_line(task.get("owner")),
                last=row.last.isoformat() if row.last else "",
                evidence=one_line(row.evidence) if row.last else one_line(task.get("automated")),
                age=row.age,
                allowed=row.allowed,
                status=row.status,
            )
        )
    return sorted(rows, key=lambda r: (r.system, r.activity))


# Control coverage --------------------------------------------------------------------------------

# How a rule did in this run, worst first: a control takes the worst result of its rules.
RESULTS = ("fail", "waived", "pass", "note", "not checked", "disabled")


@dataclass(frozen=True)
class RuleResult:
    rule: str
    title: str
    result: str


@dataclass(frozen=True)
class ControlRow:
    control: str
    rules: tuple[RuleResult, ...]
    result: str


@dataclass(frozen=True)
class Framework:
    key: str
    title: str
    controls: tuple[ControlRow, ...]

    def count(self, result: str) -> int:
        return sum(c.result == result for c in self.controls)


# The NIST AI RMF's functions in the framework's own order rather than the alphabet's.
_FUNCTIONS = {"GOVERN": "0", "MAP": "1", "MEASURE": "2", "MANAGE": "3"}


def _natural(text: str) -> tuple[Any, ...]:
    # "GOVERN 1.10" after "GOVERN 1.9", "Art.9" before "Art.10".
    head, _, rest = text.partition(" ")
    text = f"{_FUNCTIONS[head]} {rest}" if head in _FUNCTIONS else text
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p)


def coverage(report: Report) -> list[Framework]:
    """Per control framework, each control with the rules mapped to it and how they did here."""
    results = report.rule_results
    controls: dict[str, dict[str, list[RuleResult]]] = {}
    for rule_id, rule in sorted(report.policies.rules.items()):
        for control in rule.model.controls:
            framework, _, name = one_line(control).partition(" ")
            outcome = RuleResult(rule_id, one_line(rule.model.title), results[rule_id])
            controls.setdefault(framework, {}).setdefault(name or framework, []).append(outcome)
    order = list(FRAMEWORKS) + sorted(k for k in controls if k not in FRAMEWORKS)
    frameworks = []
    for key in order:
        if key not in controls:
            continue
        rows = tuple(
            ControlRow(name, tuple(rules), min((r.result for r in rules), key=RESULTS.index))
            for name, rules in sorted(controls[key].items(), key=lambda kv: _natural(kv[0]))
        )
        frameworks.append(Framework(key, FRAMEWORKS.get(key, key), rows))
    return frameworks


# Provenance --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    """What a report was checked against: enough to reproduce it or use it as audit evidence."""

    commit: str
    policy_digest: str
    version: str
    as_of: str
    head_policy_digest: str


def provenance(report: Report) -> Provenance:
    """The commit, policy digest, version and as-of date of the run."""
    return Provenance(
        commit=one_line(report.commit) or "",
        policy_digest=report.policies.digest(),
        version=one_line(report.version),
        as_of=report.as_of.isoformat(),
        head_policy_digest=report.head_policies[0] if report.head_policies else "",
    )


def counts(report: Report) -> str:
    """'6 systems checked: 1 error, 1 warning, 7 info, 0 waived'."""
    s = report.summary
    return (
        f"{plural(s.systems, 'system')} checked: {plural(s.errors, 'error')}, "
        f"{plural(s.warnings, 'warning')}, {s.infos} info, {s.waived} waived"
    )
