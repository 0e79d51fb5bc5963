"""The outcomes of a run beside its findings: per system, per rule, per waiver and per maintenance task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checker.characters import one_line
from checker.charter_documents import Source
from checker.checks import BUILTINS
from checker.conditions import Env, as_date
from checker.finding import SEVERITY_RANK, Finding
from checker.policy import PolicySet, Rule
from checker.project import Project
from checker.result import FreshnessRow, Summary, SystemOutcome, WaiverOutcome
from checker.run_context import RunContext
from checker.waiver_checks import waiver_problem, waiver_requesters


def summarize(findings: Iterable[Finding], systems: int, fail_on: str) -> Summary:
    """Findings counted by severity, and whether none of those not waived reaches fail_on."""
    findings = list(findings)
    active = [f for f in findings if not f.waived]
    threshold = SEVERITY_RANK.get(fail_on, SEVERITY_RANK["error"])
    return Summary(
        systems=systems,
        errors=sum(f.severity == "error" for f in active),
        warnings=sum(f.severity == "warning" for f in active),
        infos=sum(f.severity == "info" for f in active),
        waived=sum(f.waived for f in findings),
        passed=not any(SEVERITY_RANK[f.severity] >= threshold for f in active),
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _reported_systems(project: Project) -> list[Source]:
    return [s for s in project.systems if project.is_reported(s.file)]


@dataclass(frozen=True)
class Judged:
    """What judging the documents found out besides findings: the rules that applied to each
    document judged (by id of the document), and the rules each kind of document was offered."""

    applied: Mapping[int, frozenset[str]]
    offered: Mapping[str, frozenset[str]]

    def knows(self, rule: Rule, doc: Source) -> bool | None:
        """Whether rule applied to doc, as judging found; None when judging did not ask."""
        if rule.id not in self.offered.get(doc.kind, ()):
            return None
        applied = self.applied.get(id(doc))
        return None if applied is None else rule.id in applied


def _applies(
    rule: Rule, source: Source, evidence: list[Source], run: RunContext, today: dt.date, judged: Judged
) -> bool:
    """Whether the check ran rule on source (or, for an Evidence rule, on the system's evidence)."""
    for doc in [source, *evidence]:
        if not doc.valid or not rule.covers(doc.kind):
            continue
        known = judged.knows(rule, doc)
        if known is not None:
            if known:
                return True
            continue
        env = Env(run, doc.doc, doc.file, source.name, today)
        stage = source.get("spec", "lifecycle", "stage") if doc is source else None
        tier = source.get("spec", "risk", "tier") if doc is source else None
        if rule.applies(env, doc.kind, stage, tier):
            return True
    return False


def _ran(
    source: Source,
    run: RunContext,
    policies: PolicySet,
    results: Mapping[str, str],
    today: dt.date,
    judged: Judged,
) -> tuple[str, ...]:
    """The enabled rules the check ran on a named system: the schema rule, and the others that apply."""
    if not isinstance(source.name, str):
        return ()
    evidence = run.project.evidence.get(source.name, [])
    schema = policies.engine_rule("schema")
    # What judging says applied to any of the documents: the rest are asked one by one.
    valid = [doc for doc in [source, *evidence] if doc.valid]
    applied = frozenset().union(*(judged.applied.get(id(doc), ()) for doc in valid))
    return tuple(
        rule.id
        for rule in policies.enabled()
        if results[rule.id] != "not checked"
        and (
            rule is schema
            or (source.valid and (rule.id in applied or _applies(rule, source, evidence, run, today, judged)))
        )
    )


def system_outcomes(
    run: RunContext,
    policies: PolicySet,
    findings: list[Finding],
    judging: tuple[str, Mapping[str, str], dt.date],
    judged: Judged,
) -> tuple[SystemOutcome, ...]:
    """Every reported AISystem with its findings counted: by name, so that its evidence findings count too.

    judging: the run's fail-on severity, each rule's result and the day it judged as.
    """
    fail_on, results, today = judging
    rows = []
    # Grouped once, in the findings' order: each system's are then found without a pass over all.
    by_system: dict[str, list[Finding]] = {}
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.system is not None:
            by_system.setdefault(finding.system, []).append(finding)
        by_file.setdefault(finding.file, []).append(finding)
    for source in _reported_systems(run.project):
        name = source.name if isinstance(source.name, str) else None
        mine = by_system.get(name, []) if name else by_file.get(source.file, [])
        summary = summarize(mine, 1, fail_on)
        ran = _ran(source, run, policies, results, today, judged)
        rows.append(SystemOutcome(name, source.file, source.valid, source.data, summary, ran))
    return tuple(rows)


def rule_results(
    policies: PolicySet, findings: list[Finding], compared: bool, pull_request: bool = False
) -> dict[str, str]:
    """Each rule's result in this run: fail, waived, pass, note, not checked or disabled.

    compared: the run had a base revision; pull_request: it judged a pull request's reviews.
    """
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    results = {}
    for rule_id, rule in policies.rules.items():
        found = by_rule.get(rule_id, [])
        active = [f for f in found if not f.waived]
        if not rule.enabled:
            results[rule_id] = "disabled"
        elif (rule.model.needsBase and not compared) or (rule.model.needsPullRequest and not pull_request):
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


def waiver_register(
    run: RunContext, policies: PolicySet, findings: list[Finding], today: dt.date
) -> tuple[WaiverOutcome, ...]:
    """Every waiver of the reported systems, judged the way the check judged it."""
    rule = policies.engine_rule("waivers")
    max_days = int(rule.params.get("maxDays", 180)) if rule is not None else 180
    fields = rule.params.get("requesters", ()) if rule is not None else ()
    people = run.people
    rows = []
    for source in _reported_systems(run.project):
        if not source.valid:
            continue
        name = source.name if isinstance(source.name, str) else None
        requesters = waiver_requesters(source.data, fields, people)
        for waiver in _list(source.get("spec", "waivers")):
            entry = waiver if isinstance(waiver, dict) else {}
            problem = waiver_problem(waiver, policies.rules, today, max_days, requesters, people)
            waives = sum(
                1 for f in findings if f.waived and f.system == (name or "") and f.rule == entry.get("rule")
            )
            expires = as_date(entry.get("expires"))
            why = problem[1] if problem else None
            rows.append(WaiverOutcome(name, source.file, entry, expires, why, waives))
    return tuple(rows)


def _max_age(policies: PolicySet) -> Mapping[str, int]:
    rule = policies.engine_rule("freshness")
    limits = rule.params.get("maxAgeDays") if rule is not None else None
    if not isinstance(limits, dict):
        limits = BUILTINS["evidence-fresh"].params["maxAgeDays"]
    return {str(k): int(v) for k, v in limits.items()}


def _newest(project: Project, name: str, today: dt.date) -> dict[str, tuple[dt.date, str]]:
    """The newest evidence of each activity of the system, by activity."""
    newest: dict[str, tuple[dt.date, str]] = {}
    for evidence in project.evidence.get(name, []):
        day = as_date(evidence.get("spec", "performedAt"))
        activity = evidence.get("spec", "activity")
        # Evidence dated in the future proves nothing yet; it is a finding of its own.
        if day is None or day > today or not isinstance(activity, str):
            continue
        if activity not in newest or day > newest[activity][0]:
            newest[activity] = (day, evidence.file)
    return newest


def _status(
    task: Mapping[str, Any], last: tuple[dt.date, str] | None, age: int | None, allowed: int | None
) -> str:
    # As the freshness rule judges it: a daily activity that names its automation needs no evidence.
    if task.get("cadence") == "daily" and task.get("automated"):
        return "automated"
    if last is None:
        return "missing"
    return "ok" if allowed is None or (age or 0) <= allowed else "stale"


def freshness(project: Project, policies: PolicySet, today: dt.date) -> tuple[FreshnessRow, ...]:
    """Per reported system and maintenance activity: last evidence, age, allowed age and status."""
    limits = _max_age(policies)
    rows = []
    for source in _reported_systems(project):
        if not source.valid:
            continue
        name = source.name if isinstance(source.name, str) else None
        newest = _newest(project, name or "", today)
        for task in _list(source.get("spec", "maintenance")):
            if not isinstance(task, dict):
                continue
            allowed = limits.get(one_line(task.get("cadence")))
            last = newest.get(one_line(task.get("activity")))
            age = (today - last[0]).days if last else None
            status = _status(task, last, age, allowed)
            rows.append(
                FreshnessRow(
                    name, task, allowed, last[0] if last else None, last[1] if last else None, age, status
                )
            )
    return tuple(rows)
