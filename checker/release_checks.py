"""The built-in check that model and governance changes are approved through the base revision's gates."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checker.change_checks import base_system, components_by_name
from checker.check_values import as_dict, as_list, as_written, plural
from checker.conditions import Env, Failure, lookup
from checker.document import FieldPath
from checker.manifest_checks import current_version
from checker.people import People
from checker.people_checks import approvers_of, counted_approvers, unknown_teams

# The components whose behaviour is the system's: their new versions are model changes (CHG002).
BEHAVIOUR_KINDS = ("model", "llm", "prompt", "agent", "tool", "retrieval")


def _plain(value: Any) -> Any:
    """value as two revisions are compared: dates the same whether parsed or kept as text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return as_written(value)


def _added_releases(before: Any, spec: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The release entries, by index, that the change adds or edits: those the base revision lacks.

    A copy of an entry the base already has is not new: an approval given once approves one change.
    """
    had = [_plain(r) for r in as_list(lookup(before, ("spec", "releases")))]
    added = []
    for i, release in enumerate(as_list(spec.get("releases"))):
        if not isinstance(release, dict):
            continue
        if _plain(release) not in had:
            added.append((i, release))
    return added


def _covers(gate: Mapping[str, Any], area: str | None) -> bool:
    changes = as_list(gate.get("changes"))
    return "any" in changes or (area is not None and area in changes)


def _shortfall(
    release: Mapping[str, Any],
    gates: list[dict[str, Any]],
    area: str | None,
    fallback: str | None,
    people: People,
) -> str | None:
    """Why a release entry does not approve a change of area under the gates; None when it does.

    area None is a change only the gates for any change cover; fallback, when given, is who must
    approve a change that no gate covers.
    """
    version = release.get("version")
    approvers = approvers_of(release, people)
    if not approvers:
        return f"release {version} has no approvals"
    covering = [gate for gate in gates if _covers(gate, area)]
    for gate in covering:
        counted, unknown = counted_approvers(approvers, gate, people)
        needed = gate.get("minApprovals")
        needed = needed if isinstance(needed, int) and needed > 0 else 1
        if len(counted) < needed:
            covered = " and ".join(map(str, as_list(gate.get("changes"))))
            others = sorted(approvers - counted)
            left_out = f" ({', '.join(others)} not among them)" if others else ""
            return (
                f"release {version} has {plural(len(counted), 'approval')} from the gate's approvers"
                f"{left_out}, the base revision's review gate for {covered} changes requires {needed}"
                f"{unknown_teams(unknown, people)}"
            )
    if not covering and fallback is not None and people.resolve(fallback) not in approvers:
        return (
            f"release {version} is not approved by {fallback}, the base revision's accountable owner, "
            f"who approves the {area} changes no review gate covers"
        )
    return None


def _approval(
    candidates: list[tuple[int, dict[str, Any]]],
    gates: list[dict[str, Any]],
    area: str | None,
    people: People,
    fallback: str | None = None,
) -> tuple[FieldPath, str] | None:
    """None when one of the candidate release entries approves the change; else where and why not."""
    problem = None
    for index, release in candidates:
        why = _shortfall(release, gates, area, fallback, people)
        if why is None:
            return None
        at: FieldPath = ("spec", "releases", index)
        problem = ((*at, "approvals") if "approvals" in release else at, why)
    return problem


def _component_changes(
    old: Mapping[str, tuple[int, dict[str, Any]]], new: Mapping[str, tuple[int, dict[str, Any]]]
) -> list[tuple[FieldPath, str]]:
    """How the set of components moved from old to new, each with where the change shows."""
    removed = [name for name in old if name not in new]
    added = [name for name in new if name not in old]
    # A component gone and one come that share an artifact address, or the only two, read as a
    # rename; either way both need the same approval.
    renamed = []
    for name in list(added):
        uri = lookup(new[name][1], ("artifact", "uri"))
        was = next(
            (r for r in removed if uri is not None and lookup(old[r][1], ("artifact", "uri")) == uri), None
        )
        if was is not None:
            renamed.append((was, name))
            removed.remove(was)
            added.remove(name)
    if len(added) == 1 and len(removed) == 1:
        renamed.append((removed.pop(), added.pop()))
    changes: list[tuple[int, FieldPath, str]] = []
    for was, name in renamed:
        i = new[name][0]
        changes.append((i, ("spec", "components", i, "name"), f"component {was} was renamed to {name}"))
    for name in added:
        i = new[name][0]
        changes.append((i, ("spec", "components", i, "name"), f"component {name} was added"))
    for name, (i, component) in new.items():
        then, now = old[name][1].get("kind") if name in old else None, component.get("kind")
        if name in old and then != now:
            changes.append(
                (i, ("spec", "components", i, "kind"), f"component {name} changed kind from {then} to {now}")
            )
    ordered = [(path, what) for _, path, what in sorted(changes, key=lambda c: c[0])]
    return ordered + [(("spec", "components"), f"component {name} was removed") for name in removed]


def _components_approved(
    spec: Mapping[str, Any],
    before: Any,
    gates: list[dict[str, Any]],
    releases: Mapping[str, tuple[int, dict[str, Any]]],
    added: list[tuple[int, dict[str, Any]]],
    people: People,
) -> Iterator[Failure]:
    """A change to the set of components is a model change, approved like a new model version."""
    changes = _component_changes(components_by_name(before), components_by_name({"spec": spec}))
    if not changes:
        return
    what = "; ".join(text for _, text in changes)
    now, _ = current_version(spec)
    then, _ = current_version(as_dict(lookup(before, ("spec",))))
    if now is not None and now != then:
        candidates = [releases[now]] if now in releases else []
        wanted = f"an entry for {now}, the model's new version,"
    else:
        candidates, wanted = added, "a new entry"
    if not candidates:
        yield Failure(
            changes[0][0],
            f"{what}: a change to the components is a model change, so spec.releases needs {wanted} "
            "approved through the base revision's review gates for model changes",
        )
        return
    problem = _approval(candidates, gates, "model", people)
    if problem is not None:
        yield Failure(problem[0], f"{what}, a model change: {problem[1]}")


def _governing(spec: Mapping[str, Any], key: str) -> Any:
    """What spec says at key about who decides; the on-call address is how to reach them, not who."""
    value = _plain(spec.get(key))
    if key == "ownership" and isinstance(value, dict):
        value.pop("onCall", None)
    return value


def _governance_approved(
    spec: Mapping[str, Any],
    before: Any,
    gates: list[dict[str, Any]],
    added: list[tuple[int, dict[str, Any]]],
    people: People,
) -> Iterator[Failure]:
    """A change to who approves or owns the system is approved by the base's gates for ownership."""
    then = as_dict(lookup(before, ("spec",)))
    changed = [key for key in ("reviewGates", "ownership") if _governing(spec, key) != _governing(then, key)]
    if not changed:
        return
    what = " and ".join(f"spec.{key}" for key in changed)
    accountable = lookup(then, ("ownership", "accountable"))
    fallback = accountable if isinstance(accountable, str) else None
    if not added:
        if any(_covers(gate, "ownership") for gate in gates):
            by = "approved through the base revision's review gates for ownership changes"
        elif fallback is not None:
            by = f"approved by {fallback}, the base revision's accountable owner, as no gate covers ownership"
        else:
            by = "with approvals"
        yield Failure(
            ("spec", changed[0]),
            f"{what} changed, and who governs a system is itself governed: spec.releases needs a new "
            f"entry {by}",
        )
        return
    problem = _approval(added, gates, "ownership", people, fallback)
    if problem is not None:
        yield Failure(problem[0], f"{what} changed, an ownership change: {problem[1]}")


def release_recorded(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Every model or governance change of a system the base has is approved through the base's gates.

    Model changes: a component's version, and the set of components (one added, removed, renamed or
    of another kind). Governance changes: spec.reviewGates and spec.ownership. The base revision's
    gates judge, so a change cannot name the approvers of its own approval.
    """
    before = base_system(env, value)
    if before is None:
        return
    spec = as_dict(value.get("spec"))
    people = env.run.people
    gates = [g for g in as_list(lookup(before, ("spec", "reviewGates"))) if isinstance(g, dict)]
    releases = {
        str(r.get("version")): (i, r)
        for i, r in enumerate(as_list(spec.get("releases")))
        if isinstance(r, dict)
    }
    old = components_by_name(before)
    for name, (i, component) in components_by_name(value).items():
        previous = old.get(name, (0, {}))[1]
        version = str(component.get("version"))
        # A component new by name or of another kind is a change of the set, approved below.
        if name not in old or previous.get("kind") != component.get("kind"):
            continue
        if str(previous.get("version")) == version:
            continue
        if version not in releases:
            yield Failure(
                ("spec", "components", i, "version"),
                f"{name} changed to {version} but spec.releases has no entry for {version}",
            )
            continue
        area = "model" if component.get("kind") in BEHAVIOUR_KINDS else None
        problem = _approval([releases[version]], gates, area, people)
        if problem is not None:
            yield Failure(*problem)
    added = _added_releases(before, spec)
    yield from _components_approved(spec, before, gates, releases, added, people)
    yield from _governance_approved(spec, before, gates, added, people)
