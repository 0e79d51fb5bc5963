"""Runs the policy set over the project and turns failures into findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from checker import __version__
from checker.baseline import Baseline, mark_status
from checker.charter_documents import Source
from checker.conditions import Env, Failure, assumptions, because, lookup
from checker.departures import departures
from checker.engine_rules import ENGINE_RULES
from checker.fanout import Task, fan_out, workers_for
from checker.finding import Finding, field_path
from checker.gitrepo import History
from checker.governance import reviewers
from checker.governance_diff import governance_diff
from checker.messages import finding_message
from checker.outcomes import Judged, freshness, rule_results, summarize, system_outcomes, waiver_register
from checker.people import People, from_project
from checker.policy import PolicySet, Rule
from checker.policy_guard import PolicyChange
from checker.project import Project
from checker.pullrequest import PullRequestContext, governance_approval
from checker.result import RunNote, RunResult, Summary, UndeclaredUsage
from checker.run_context import RunContext
from checker.waiver_checks import valid_waivers

if TYPE_CHECKING:
    from checker.inventory.take import Inventory

__all__ = ["Checker", "RunNote", "Summary", "check", "run_context", "summarize"]

# The note of a rule that verifies a pull request's reviews, in a run that is not for one.
PULL_REQUEST_NOTE = "verifies approvals in the reviews on GitHub, so it runs only in pull requests"


# Below this many documents to judge a process, judging them costs less than starting it.
_DOCUMENTS_A_PROCESS = 2048


class Checker:
    """Evaluates every enabled rule on every Charter document of a project."""

    def __init__(
        self,
        context: RunContext,
        policies: PolicySet,
        today: dt.date,
        policy_changes: Iterable[PolicyChange] = (),
    ) -> None:
        # The project, and what the checks read beside it (the base, history, the pull request...).
        self.context = context
        self.project = context.project
        self.policies = policies
        self.today = today
        self.policy_changes = list(policy_changes)
        # The pull request whose reviews the needsPullRequest rules verify; None outside one.
        self.pull_request = context.pull_request
        # Rules each kind of document can meet, so that evidence is not offered manifest rules.
        self._rules_for: dict[str, list[Rule]] = {}
        # The rules that applied to each document judged, by id(document); filled in by run.
        self._applied: dict[int, frozenset[str]] = {}
        for rule in policies.enabled():
            role = ENGINE_RULES.get(rule.model.engine or "")
            if (role is not None and not role.conditions) or (
                rule.model.needsBase and context.baseline is None
            ):
                continue
            if rule.model.needsPullRequest and self.pull_request is None:
                continue
            scope = rule.model.appliesTo.kind
            for kind in scope if isinstance(scope, list) else [scope]:
                self._rules_for.setdefault(kind, []).append(rule)
        self._tiers: dict[str, Any] = {}

    def _finding(
        self, rule: Rule, source_file: str, line: int, column: int, failure: Failure, system: str | None
    ) -> Finding:
        path = field_path(failure.path)
        severity = rule.severity_for(self._tier(system), self.today, rule.id in self.policies.overridden)
        message = finding_message(rule, failure.message, failure.detail, system, path)
        return Finding(rule.id, severity, source_file, line, column, path, message, system)

    def _tier(self, system: str | None) -> Any:
        """The risk tier of the system of this name (of the last valid manifest, when names clash)."""
        if system is None:
            return None
        if system not in self._tiers:
            named = self.project.systems_named(system)
            # A malformed manifest of the same name is reported on its own; its tier counts for nothing.
            tiers = [s.get("spec", "risk", "tier") for s in named if s.valid]
            self._tiers[system] = tiers[-1] if tiers and isinstance(tiers[-1], str) else None
        return self._tiers[system]

    def _schema_findings(self) -> Iterable[Finding]:
        rules = self.policies.rules
        rule = self.policies.engine_rule("schema")
        assert rule is not None  # load_policies refuses a set without one
        for problem in self.project.problems:
            failure = Failure((), problem.message)
            # Links, submodules and documents out of place come from finding the files.
            found_by = rules.get(problem.rule, rule)
            yield self._finding(found_by, problem.file, problem.line, problem.column, failure, None)
        for source in self.project.sources:
            system = self._system_of(source)
            for sp in source.problems:
                failure = Failure(sp.path, sp.message)
                yield self._finding(rule, source.file, sp.line, sp.column, failure, system)

    def _system_of(self, source: Source) -> str | None:
        if source.kind == "Directory":
            return None
        if source.kind == "Evidence":
            system = source.get("spec", "system")
            return system if isinstance(system, str) else None
        return source.name if isinstance(source.name, str) else None

    def _findings_of(self, source: Source) -> tuple[list[Finding], frozenset[str]]:
        """source's findings, and the rules that applied to it (as outcomes.Judged keeps them)."""
        applied: list[str] = []
        found = list(self._rule_findings(source, applied))
        return found, frozenset(applied)

    def judged(self) -> Judged:
        """Which rules applied to each document judged by run, and which each kind was offered."""
        offered = {kind: frozenset(rule.id for rule in rules) for kind, rules in self._rules_for.items()}
        return Judged(MappingProxyType(dict(self._applied)), MappingProxyType(offered))

    def _rule_findings(self, source: Source, applied: list[str]) -> Iterable[Finding]:
        system = self._system_of(source)
        env = Env(self.context, source.doc, source.file, system, self.today)
        data = source.data
        stage = tier = None
        if source.kind == "AISystem":
            stage = source.get("spec", "lifecycle", "stage")
            tier = source.get("spec", "risk", "tier")
        for rule in self._rules_for.get(source.kind, ()):
            if not rule.applies(env, source.kind, stage, tier):
                continue
            applied.append(rule.id)
            # A rule that applies only because a field is absent says so in each of its findings.
            reasons = assumptions(rule.applies_when, env, data, ())
            for cond in rule.conditions:
                for failure in because(cond.failures(env, data, ()), reasons):
                    line, column = source.doc.locate(failure.path)
                    yield self._finding(rule, source.file, line, column, failure, system)

    def notes(self) -> list[RunNote]:
        """The enabled rules this run could not check: without a base revision, or without history.

        A run with nothing those rules would look at (no reported system, no reported evidence)
        has nothing to say about them.
        """
        notes = []
        reported = self.project.is_reported
        systems = any(s.valid and reported(s.file) for s in self.project.systems)
        outside = self.pull_request is None
        if self.context.baseline is None and systems:
            message = "compares with a base revision: run with --base REF to check it"
            notes += [
                RunNote(rule.id, message)
                for rule in self.policies.enabled()
                if rule.model.needsBase and not (outside and rule.model.needsPullRequest)
            ]
        history = self.policies.engine_rule("history")
        if (
            self.context.history is None
            and history is not None
            and history.enabled
            and any(s.kind == "Evidence" and reported(s.file) for s in self.project.sources)
        ):
            message = "evidence dates are not compared with commit history outside a git repository"
            notes.append(RunNote(history.id, message))
        return notes + self._pull_request_notes(systems)

    def _pull_request_notes(self, systems: bool) -> list[RunNote]:
        """Outside a pull request: approvals are verified in one. Inside: how team membership was read."""
        verifying = [rule for rule in self.policies.enabled() if rule.model.needsPullRequest]
        if self.pull_request is None:
            return [RunNote(rule.id, PULL_REQUEST_NOTE) for rule in verifying] if systems else []
        if not verifying:
            return []
        return [RunNote(verifying[0].id, text) for text in self.pull_request.notes]

    def _policy_findings(self) -> Iterable[Finding]:
        """A finding of the policy-change rule for each governance change, at the rule's severity.

        The severity is decided here and only here. Outside a pull request the run cannot know
        whether the governance approvers approved the change: the finding names them and keeps the
        rule's severity. In a pull request it is an error until they have approved it on GitHub, then
        an info naming them; with no governance approvers configured it keeps the rule's severity.
        """
        rule = self.policies.engine_rule("policy-change")
        if rule is None or not rule.enabled:
            return
        for change in self.policy_changes:
            detail = f"{change.detail}; to be reviewed by {reviewers(change.governance)}"
            if self.pull_request is None:
                yield self._finding(rule, change.file, 1, 1, Failure((), detail), None)
                continue
            people = self.context.people
            approved, said = governance_approval(self.pull_request, change.governance, people)
            finding = self._finding(rule, change.file, 1, 1, Failure((), f"{detail}; {said}"), None)
            if change.governance is not None:
                finding = finding._replace(severity="info" if approved else "error")
            yield finding

    def run(self, meanwhile: Task[Any] | None = None) -> list[Finding]:
        findings: list[Finding] = list(self._schema_findings())
        findings.extend(self._policy_findings())
        checked = [s for s in self.project.sources if s.valid and self.project.is_reported(s.file)]
        # Each document's rules read the project and change nothing: over the cores when there are
        # many (this process does meanwhile first). A process then reads much of the project,
        # copying what it touches, and works out what the rules look up again: worth it for a few
        # thousand documents a process.
        workers = workers_for(len(checked), _DOCUMENTS_A_PROCESS)
        history, dates = self.policies.engine_rule("history"), self.context.history
        if workers > 1 and history is not None and history.enabled and isinstance(dates, History):
            dates.load()  # asked of git once here, not in every process that judges
        for source, (found, applied) in zip(
            checked, fan_out(self._findings_of, checked, workers, meanwhile), strict=True
        ):
            findings.extend(found)
            self._applied[id(source)] = applied
        names = {f.system for f in findings if f.system is not None}
        waivers = valid_waivers(self.context, sorted(names), self.today, self.policies)
        out = []
        changed = self.policies.engine_rule("policy-change")
        for finding in findings:
            # A policy change concerns the whole run, whichever files were named.
            if (changed is None or finding.rule != changed.id) and not self.project.is_reported(finding.file):
                continue
            rule = self.policies.rules[finding.rule]
            if rule.model.waivable and finding.rule in waivers.get(finding.system or "", ()):
                finding = finding._replace(waived=True)
            out.append(finding)
        return sorted(set(out), key=Finding.sort_key)


@dataclass(frozen=True)
class HeadRun:
    """When the policies changed: the head's own policies and project, to show what they would say."""

    policies: PolicySet
    project: Project
    fail_on: str


@dataclass(frozen=True)
class RunInputs:
    """What a run is judged with besides the documents, the policies and the base revision.

    checked: the paths the check was given, as findings name files; history: the day each file was
    first committed (None outside git); policy_changes: governance changes since the base;
    pull_request: the pull request the run judges, read from GitHub (None outside one); meanwhile:
    work of the run's own (writing the cache) done while other processes judge the documents.
    """

    today: dt.date
    fail_on: str
    checked: tuple[str, ...] = (".",)
    history: Mapping[str, Any] | None = None
    policy_changes: tuple[PolicyChange, ...] = ()
    commit: str | None = None
    version: str = __version__
    head: HeadRun | None = None
    pull_request: PullRequestContext | None = None
    # What the inventory found in the checked files; None when its rules are not run.
    inventory: Inventory | None = None
    meanwhile: Task[Any] | None = None


def departure_findings(
    run: RunContext, policies: PolicySet, today: dt.date, checked: Iterable[str]
) -> list[Finding]:
    """The departures rule: the base systems the change no longer declares inside the checked paths."""
    rule = policies.engine_rule("departures")
    if rule is None or not rule.enabled or run.base is None:
        return []
    out = []
    overridden = rule.id in policies.overridden
    for gone in departures(run, rule.params.get("removableStages", ()), checked):
        tier = lookup(run.base.get(gone.system), ("spec", "risk", "tier"))
        message = finding_message(rule, None, gone.detail, gone.system, "")
        severity = rule.severity_for(tier, today, overridden)
        out.append(Finding(rule.id, severity, gone.file, gone.line, gone.column, "", message, gone.system))
    return out


def _judges(baseline: Baseline | None) -> People | None:
    """Who judges approvals and waivers when the run compares with a base revision; None: each project."""
    # Who someone is and who belongs to a team is governance, judged like the policies: as the
    # base revision says.
    return baseline.people if baseline is not None else None


def run_context(
    project: Project, policies: PolicySet, baseline: Baseline | None, inputs: RunInputs
) -> RunContext:
    """What the checks of the head's documents read beside them: made once, before any rule runs."""
    judges = _judges(baseline)
    if inputs.pull_request is not None:
        # Team membership is asked of GitHub where the token can read it, else of the directory.
        judges = inputs.pull_request.people(judges if judges is not None else from_project(project))
    return RunContext(project, policies.rules, baseline, inputs.history, inputs.pull_request, judges)


def _inventory(
    context: RunContext, policies: PolicySet, inputs: RunInputs
) -> tuple[list[Finding], tuple[UndeclaredUsage, ...]]:
    """The findings of the inventory's rules, waived as a system's waivers say, and the undeclared usage.

    They are marked new or existing by themselves: the base revision's usage is read from its files.
    """
    if inputs.inventory is None:
        return [], ()
    from checker.inventory.rules import judge_inventory

    found, undeclared = judge_inventory(inputs.inventory, context, policies, inputs.today)
    names = sorted({f.system for f in found if f.system is not None})
    waivers = valid_waivers(context, names, inputs.today, policies)
    waived = [
        f._replace(waived=True)
        if policies.rules[f.rule].model.waivable and f.rule in waivers.get(f.system or "", ())
        else f
        for f in found
    ]
    return waived, undeclared


def _findings(checker: Checker, inputs: RunInputs) -> list[Finding]:
    found = checker.run(inputs.meanwhile)
    found += departure_findings(checker.context, checker.policies, inputs.today, inputs.checked)
    return sorted(found, key=Finding.sort_key)


def _base_findings(baseline: Baseline, policies: PolicySet, inputs: RunInputs) -> list[Finding]:
    """The findings the base revision has under the policies the change is judged by."""
    if baseline.project is None:
        return []
    base = RunContext(baseline.project, policies.rules, history=inputs.history, files=baseline.files)
    return Checker(base, policies, inputs.today).run()


def _head_view(baseline: Baseline | None, inputs: RunInputs, systems: int) -> tuple[str, Summary] | None:
    """What the head's own policies would have said, when the change altered them."""
    head = inputs.head
    if head is None:
        return None
    rules = head.policies.rules
    context = RunContext(head.project, rules, baseline, inputs.history, judges=_judges(baseline))
    found = _findings(Checker(context, head.policies, inputs.today), inputs)
    found += _inventory(context, head.policies, inputs)[0]
    return head.policies.digest(), summarize(found, systems, head.fail_on)


def check(project: Project, policies: PolicySet, baseline: Baseline | None, inputs: RunInputs) -> RunResult:
    """Run every rule once and work out everything a report says about the run."""
    context = run_context(project, policies, baseline, inputs)
    checker = Checker(context, policies, inputs.today, inputs.policy_changes)
    findings = _findings(checker, inputs)
    fixed: list[Finding] = []
    if baseline is not None:
        findings, fixed = mark_status(findings, _base_findings(baseline, policies, inputs))
        fixed = [f for f in fixed if project.is_reported(f.file)]
    inventoried, undeclared = _inventory(context, policies, inputs)
    findings = sorted(findings + inventoried, key=Finding.sort_key)
    systems = sum(1 for s in project.systems if project.is_reported(s.file))
    results = rule_results(policies, findings, baseline is not None, inputs.pull_request is not None)
    return RunResult(
        findings=tuple(findings),
        summary=summarize(findings, systems, inputs.fail_on),
        policies=policies,
        as_of=inputs.today,
        commit=inputs.commit,
        version=inputs.version,
        fail_on=inputs.fail_on,
        notes=tuple(checker.notes()),
        systems=system_outcomes(
            context, policies, findings, (inputs.fail_on, results, inputs.today), checker.judged()
        ),
        rule_results=MappingProxyType(results),
        waivers=waiver_register(context, policies, findings, inputs.today),
        freshness=freshness(project, policies, inputs.today),
        fixed=tuple(fixed),
        base_systems=baseline.systems if baseline is not None else None,
        governance_diff=governance_diff(context, baseline) if baseline is not None else (),
        whole=project.reported is None,
        head_policies=_head_view(baseline, inputs, systems),
        undeclared=undeclared,
    )
