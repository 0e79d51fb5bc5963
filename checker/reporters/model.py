"""What the rendered reports show, worked out once so that every format says the same thing.

Every string here is one line as characters.shown() writes it (control characters, line breaks and
other hidden characters as visible escapes) but not yet escaped for a format: each reporter does
that for its own output.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checker.characters import shown
from checker.checks import BUILTINS, waiver_problem, waiver_requesters
from checker.engine import PULL_REQUEST_NOTE, RunNote
from checker.finding import SEVERITY_RANK, Finding
from checker.people import people_of
from checker.reporters.base import Report

PROJECT_URL = "https://github.com/charter-checker/charter"
RULES_URL = f"{PROJECT_URL}/blob/main/README.md#the-default-policy-pack"
EXPIRY_WINDOW_DAYS = 30
# Known control frameworks by the prefix their control ids carry in the policies.
FRAMEWORKS = {"NIST-AI-RMF": "NIST AI RMF", "ISO-42001": "ISO/IEC 42001", "EU-AI-Act": "EU AI Act"}


def one_line(value: Any) -> str:
    """value as text on one line, as characters.shown() writes it; '' for a missing value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()
    elif isinstance(value, (list, tuple)):
        text = ", ".join(one_line(v) for v in value)
    else:
        text = str(value)
    return shown(text)


def plural(n: int, noun: str) -> str:
    """'1 error', '2 errors'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _dig(data: Any, *path: str) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


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
    if report.project is None:
        return []
    threshold = SEVERITY_RANK.get(report.fail_on, SEVERITY_RANK["error"])
    rows = []
    for source in report.project.systems:
        if not report.project.is_reported(source.file):
            continue
        name = source.name if isinstance(source.name, str) else ""
        # By name, so that a system's evidence findings count too; a nameless one by its file.
        mine = [f for f in report.findings if (f.system == name if name else f.file == source.file)]
        active = [f for f in mine if not f.waived]
        rows.append(
            SystemRow(
                name=one_line(name) or one_line(source.file),
                title=one_line(source.get("metadata", "title")),
                file=one_line(source.file),
                tier=one_line(source.get("spec", "risk", "tier")),
                stage=one_line(source.get("spec", "lifecycle", "stage")),
                accountable=one_line(source.get("spec", "ownership", "accountable")),
                team=one_line(source.get("spec", "ownership", "team")),
                errors=sum(f.severity == "error" for f in active),
                warnings=sum(f.severity == "warning" for f in active),
                infos=sum(f.severity == "info" for f in active),
                waived=sum(f.waived for f in mine),
                passed=not any(SEVERITY_RANK[f.severity] >= threshold for f in active),
            )
        )
    return sorted(rows, key=lambda r: (r.name, r.file))


# Governance diff ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class SystemDiff:
    """What changed in one system's governance facts: added, removed or changed."""

    name: str
    kind: str
    changes: tuple[Change, ...]


def _governance_facts(data: Any) -> dict[str, str]:
    """The facts a reviewer of a governance change looks at, by label, in reading order."""
    spec = _dig(data, "spec")
    facts = {
        "risk tier": _dig(spec, "risk", "tier"),
        "EU AI Act class": _dig(spec, "risk", "euAiAct", "class"),
        "stage": _dig(spec, "lifecycle", "stage"),
        "team": _dig(spec, "ownership", "team"),
        "accountable owner": _dig(spec, "ownership", "accountable"),
        "technical owner": _dig(spec, "ownership", "technicalOwner"),
        "business owner": _dig(spec, "ownership", "businessOwner"),
    }
    # Who does and who approves what: a change to either is a governance change of its own.
    for entry in _list(_dig(spec, "ownership", "raci")):
        if isinstance(entry, dict):
            label = f"RACI {one_line(entry.get('activity'))}"
            roles = [f"responsible {one_line(entry.get('responsible'))}"]
            if entry.get("accountable") is not None:
                roles.append(f"accountable {one_line(entry.get('accountable'))}")
            facts[label] = "; ".join(filter(None, [facts.get(label), ", ".join(roles)]))
    for i, gate in enumerate(_list(_dig(spec, "reviewGates"))):
        if isinstance(gate, dict):
            needed = gate.get("minApprovals")
            facts[f"review gate {i + 1}"] = (
                f"{one_line(gate.get('changes'))}: {one_line(needed if needed is not None else 1)} of "
                f"{one_line(gate.get('approvers')) or 'anyone'}"
            )
    for component in _list(_dig(spec, "components")):
        if isinstance(component, dict) and component.get("name") is not None:
            name = one_line(component["name"])
            facts[f"{name} kind"] = component.get("kind")
            facts[f"{name} version"] = component.get("version")
            facts[f"{name} digest"] = _dig(component, "artifact", "digest")
    facts["rollback target version"] = _dig(spec, "rollback", "target", "version")
    facts["rollback target digest"] = _dig(spec, "rollback", "target", "digest")
    return {label: one_line(value) for label, value in facts.items() if one_line(value)}


def governance_diff(report: Report) -> list[SystemDiff]:
    """Per system, how its governance facts moved from the base; empty without --base."""
    if report.base_systems is None or report.project is None:
        return []
    head: dict[str, Any] = {}
    for source in report.project.systems:
        if source.valid and isinstance(source.name, str) and report.project.is_reported(source.file):
            head.setdefault(source.name, source.data)
    diffs = []
    for name in sorted(set(head) | set(report.base_systems)):
        before = _governance_facts(report.base_systems[name]) if name in report.base_systems else {}
        if name not in head:
            # A system named on the command line alone says nothing about the others' removal.
            if report.project.reported is None:
                diffs.append(SystemDiff(one_line(name), "removed", ()))
            continue
        after = _governance_facts(head[name])
        labels = list(after) + [label for label in before if label not in after]
        changes = tuple(
            Change(label, before.get(label, ""), after.get(label, ""))
            for label in labels
            if before.get(label, "") != after.get(label, "")
        )
        kind = "changed" if name in report.base_systems else "added"
        if changes or kind == "added":
            diffs.append(SystemDiff(one_line(name), kind, changes))
    return diffs


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


def _expiry(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def waivers(report: Report) -> list[WaiverRow]:
    """Every waiver of the reported systems, judged the way the check judged it."""
    if report.project is None:
        return []
    rules = report.policies.rules
    wvr = rules.get("WVR001")
    max_days = int(wvr.params.get("maxDays", 180)) if wvr is not None else 180
    fields = wvr.params.get("requesters", ()) if wvr is not None else ()
    rows = []
    people = people_of(report.project)
    for source in report.project.systems:
        if not source.valid or not report.project.is_reported(source.file):
            continue
        name = source.name if isinstance(source.name, str) else ""
        requesters = waiver_requesters(source.data, fields, people)
        for waiver in _list(source.get("spec", "waivers")):
            entry = waiver if isinstance(waiver, dict) else {}
            problem = waiver_problem(waiver, rules, report.as_of, max_days, requesters, people)
            expires = _expiry(entry.get("expires"))
            rule = one_line(entry.get("rule"))
            rows.append(
                WaiverRow(
                    system=one_line(name),
                    file=one_line(source.file),
                    rule=rule,
                    reason=one_line(entry.get("reason")),
                    approved_by=one_line(entry.get("approvedBy")),
                    expires=expires.isoformat() if expires else one_line(entry.get("expires")),
                    ticket=one_line(entry.get("ticket")),
                    days_left=(expires - report.as_of).days if expires else None,
                    valid=problem is None,
                    problem=one_line(problem[1]) if problem else "",
                    waives=sum(
                        1 for f in report.findings if f.waived and f.system == name and f.rule == rule
                    ),
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


def _max_age(report: Report) -> Mapping[str, int]:
    rule = report.policies.rules.get("MNT001")
    limits = rule.params.get("maxAgeDays") if rule is not None else None
    if not isinstance(limits, dict):
        limits = BUILTINS["evidence-fresh"].params["maxAgeDays"]
    return {str(k): int(v) for k, v in limits.items()}


def freshness(report: Report) -> list[Freshness]:
    """Per reported system and maintenance activity: last evidence, age, allowed age and status."""
    if report.project is None:
        return []
    limits = _max_age(report)
    rows = []
    for source in report.project.systems:
        if not source.valid or not report.project.is_reported(source.file):
            continue
        name = source.name if isinstance(source.name, str) else ""
        newest: dict[str, tuple[dt.date, str]] = {}
        for evidence in report.project.evidence.get(name, []):
            day = _expiry(evidence.get("spec", "performedAt"))
            activity = evidence.get("spec", "activity")
            # Evidence dated in the future proves nothing yet; MNT003 reports it.
            if day is None or day > report.as_of or not isinstance(activity, str):
                continue
            if activity not in newest or day > newest[activity][0]:
                newest[activity] = (day, evidence.file)
        for task in _list(source.get("spec", "maintenance")):
            if not isinstance(task, dict):
                continue
            activity, cadence = one_line(task.get("activity")), one_line(task.get("cadence"))
            allowed = limits.get(cadence)
            last = newest.get(activity)
            age = (report.as_of - last[0]).days if last else None
            # As MNT001 judges it: a daily activity that names its automation needs no evidence.
            if cadence == "daily" and task.get("automated"):
                status = "automated"
            elif last is None:
                status = "missing"
            else:
                status = "ok" if allowed is None or (age or 0) <= allowed else "stale"
            rows.append(
                Freshness(
                    system=one_line(name),
                    activity=activity,
                    cadence=cadence,
                    owner=one_line(task.get("owner")),
                    last=last[0].isoformat() if last else "",
                    evidence=one_line(last[1]) if last else one_line(task.get("automated")),
                    age=age,
                    allowed=allowed,
                    status=status,
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


def rule_results(report: Report) -> dict[str, str]:
    """Each rule's result in this run: fail, waived, pass, note, not checked or disabled."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    results = {}
    for rule_id, rule in report.policies.rules.items():
        found = by_rule.get(rule_id, [])
        active = [f for f in found if not f.waived]
        if not rule.enabled:
            results[rule_id] = "disabled"
        elif (rule.model.needsBase and report.base_systems is None) or (
            rule.model.needsPullRequest and RunNote(rule_id, PULL_REQUEST_NOTE) in report.notes
        ):
            results[rule_id] = "not checked"
        elif any(f.severity != "info" for f in active):
            results[rule_id] = "fail"
        elif active:
            results[rule_id] = "note"
        elif found:
            results[rule_id] = "waived"
        else:
            results[rule_id] = "pass"
    return results


# The NIST AI RMF's functions in the framework's own order rather than the alphabet's.
_FUNCTIONS = {"GOVERN": "0", "MAP": "1", "MEASURE": "2", "MANAGE": "3"}


def _natural(text: str) -> tuple[Any, ...]:
    # "GOVERN 1.10" after "GOVERN 1.9", "Art.9" before "Art.10".
    head, _, rest = text.partition(" ")
    text = f"{_FUNCTIONS[head]} {rest}" if head in _FUNCTIONS else text
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p)


def coverage(report: Report) -> list[Framework]:
    """Per control framework, each control with the rules mapped to it and how they did here."""
    results = rule_results(report)
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
