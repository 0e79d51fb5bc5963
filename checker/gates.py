"""GAT002 and GAT003: a pull request's governed changes against the reviews GitHub recorded for it.

Both run only in a pull request (the rules say needsPullRequest) and ask the
checker.pullrequest.PullRequestContext that the run's context holds. A change is judged
by the base revision's review gates; a system the base does not have, by its own. Whatever the
context cannot read fails the rule with the reason: an approval that cannot be verified is none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from checker.approvals import ApprovalsUnavailable
from checker.change_checks import base_system
from checker.conditions import Env, Failure, is_missing, lookup
from checker.document import FieldPath
from checker.people import People, is_team

if TYPE_CHECKING:
    from checker.pullrequest import PullRequestContext

# The change classes of a system, each with the parts of spec whose change makes one.
CHANGE_CLASSES: dict[str, tuple[str, ...]] = {
    "model": ("components",),
    "data": ("data",),
    "risk": ("risk",),
    "oversight": ("oversight",),
    "monitoring": ("monitoring",),
    "ownership": ("ownership", "reviewGates"),
    "lifecycle": ("lifecycle",),
}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _plain(value: Any) -> Any:
    """value as two revisions are compared: a date the same whether parsed or kept as text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def _section(spec: Mapping[str, Any], name: str) -> Any:
    value = _plain(spec.get(name))
    if name == "ownership" and isinstance(value, dict):
        # The on-call address says how to reach the owners, not who they are.
        value.pop("onCall", None)
    return value


def _before(env: Env, value: Any) -> Any:
    """The base revision's declaration of this system (by name, by file, or renamed), or None."""
    return base_system(env, value)


def changed_classes(before: Any, spec: Mapping[str, Any]) -> list[tuple[str, FieldPath]]:
    """The change classes of a system from its base declaration (None: new), each with where it shows."""
    then = _dict(lookup(before, ("spec",))) if before is not None else None
    found: list[tuple[str, FieldPath]] = []
    for name, parts in CHANGE_CLASSES.items():
        for part in parts:
            now = _section(spec, part)
            differs = not is_missing(now) if then is None else now != _section(then, part)
            if differs:
                found.append((name, ("spec", part) if part in spec else ("spec",)))
                break
    return found


def builders(spec: Any, people: People) -> set[str]:
    """The people a declaration says built the model: its technical owner and RACI retrain-responsible,
    who may not approve their own work."""
    found: set[str] = set()
    tech = lookup(spec, ("ownership", "technicalOwner"))
    if isinstance(tech, str):
        found.add(people.resolve(tech))
    for entry in _list(lookup(spec, ("ownership", "raci"))):
        if isinstance(entry, dict) and entry.get("activity") == "retrain":
            found.update(people.resolve(p) for p in _list(entry.get("responsible")) if isinstance(p, str))
    return found


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _gate_shortfall(
    gate: Mapping[str, Any], approvers: set[str], excluded: set[str], people: People, why_excluded: str
) -> tuple[int, list[str], list[str]] | None:
    """(needed, who counts, what else to say) when gate is not met by approvers; None when it is."""
    names = [n for n in _list(gate.get("approvers")) if isinstance(n, str)]
    needed = gate.get("minApprovals")
    needed = needed if isinstance(needed, int) and not isinstance(needed, bool) and needed > 0 else 1
    direct = {people.resolve(n) for n in names if not is_team(n)}
    teams = [n for n in names if is_team(n)]
    listed, unknown = set(), []
    for person in sorted(approvers):
        if person in direct:
            listed.add(person)
            continue
        members = [people.is_member(person, team) for team in teams]
        unknown += [t for t, m in zip(teams, members, strict=True) if m is None and t not in unknown]
        if True in members:
            listed.add(person)
    counted = sorted(listed - excluded)
    if len(counted) >= needed:
        return None
    said = [f"{p} does not count, {why_excluded}" for p in sorted(listed & excluded)]
    said += [f"{p} approved but is not among the gate's approvers" for p in sorted(approvers - listed)]
    said += [f"{people.unknown_team(team)}, so it counts for nothing" for team in unknown]
    return needed, counted, said


def _has(counted: list[str]) -> str:
    return f"has {len(counted)}" + (f" ({', '.join(counted)})" if counted else "")


def _context(env: Env) -> PullRequestContext | None:
    return env.run.pull_request


def gates_approved(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Every governed change of the system is approved in the pull request's reviews by its gates."""
    context = _context(env)
    if context is None:
        return
    spec = _dict(value.get("spec"))
    before = _before(env, value)
    changes = changed_classes(before, spec)
    if not changes:
        return
    judge = _dict(lookup(before, ("spec",))) if before is not None else spec
    whose = "the base revision's" if before is not None else "its own"
    gates = [g for g in _list(judge.get("reviewGates")) if isinstance(g, dict)]
    people = env.run.people
    tiers = set(params["independentTiers"])
    tier = next(
        (t for t in (lookup(judge, ("risk", "tier")), lookup(spec, ("risk", "tier"))) if t in tiers), None
    )
    excluded = builders(spec, people) | builders(judge, people) if tier is not None else set()
    why = f"as the technical owner or retrain responsible of a {tier}-tier system"
    for change, path in changes:
        for gate in gates:
            covered = _list(gate.get("changes"))
            if change not in covered and "any" not in covered:
                continue
            names = ", ".join(n for n in _list(gate.get("approvers")) if isinstance(n, str))
            try:
                approvers = context.approvers(people)
            except ApprovalsUnavailable as exc:
                yield Failure(
                    path,
                    f"has a {change} change that {whose} review gate for {names} must approve, but {exc}",
                )
                continue
            short = _gate_shortfall(gate, approvers, excluded, people, why)
            if short is None:
                continue
            needed, counted, said = short
            said += list(context.approvals().notes)
            yield Failure(
                path,
                f"needs {_count(needed, 'approval')} from {names} for the {change} change; {_has(counted)}"
                + "".join(f"; {s}" for s in said),
            )


def _names(people: People, entries: Iterable[Any]) -> set[str]:
    return {people.resolve(e["by"]) for e in entries if isinstance(e, dict) and isinstance(e.get("by"), str)}


def _signed(
    spec: Mapping[str, Any], then: Mapping[str, Any], people: People
) -> Iterator[tuple[FieldPath, str, str]]:
    """(where, who as written, what) for each approval the change adds to a release or waiver entry."""
    old = {str(r.get("version")): r for r in _list(then.get("releases")) if isinstance(r, dict)}
    for i, release in enumerate(_list(spec.get("releases"))):
        if not isinstance(release, dict):
            continue
        version = release.get("version")
        had = _names(people, _list(_dict(old.get(str(version))).get("approvals")))
        for j, approval in enumerate(_list(release.get("approvals"))):
            by = approval.get("by") if isinstance(approval, dict) else None
            if isinstance(by, str) and people.resolve(by) not in had:
                yield ("spec", "releases", i, "approvals", j, "by"), by, f"release {version}"
    waivers = [_plain(w) for w in _list(then.get("waivers"))]
    for k, waiver in enumerate(_list(spec.get("waivers"))):
        by = waiver.get("approvedBy") if isinstance(waiver, dict) else None
        if isinstance(by, str) and _plain(waiver) not in waivers:
            yield ("spec", "waivers", k, "approvedBy"), by, f"the waiver of {waiver.get('rule')}"


def approvals_reviewed(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Each release approval and waiver approver the change adds has approved the pull request."""
    context = _context(env)
    if context is None:
        return
    spec = _dict(value.get("spec"))
    then = _dict(lookup(_before(env, value), ("spec",)))
    people = env.run.people
    for path, by, what in _signed(spec, then, people):
        who = people.resolve(by)
        shown = by if who == by.lower() else f"{by} ({who})"
        try:
            approvers = context.approvers(people)
        except ApprovalsUnavailable as exc:
            yield Failure(path, f"{what} names {shown} as its approver, which cannot be verified: {exc}")
            continue
        if who not in approvers:
            notes = [n for n in context.approvals().notes if n.lower().startswith(who + " ")]
            yield Failure(
                path,
                f"{what} names {shown} as its approver, but {who} has not approved {context.number}"
                + "".join(f"; {n}" for n in notes),
            )
