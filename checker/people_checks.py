"""Built-in checks that read the people directory, and the names other documents hold."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from checker import people as directory
from checker.change_checks import base_system
from checker.check_values import as_dict, as_list, plural
from checker.conditions import Env, Failure, lookup
from checker.document import FieldPath
from checker.gates import builders
from checker.people import People, directories, is_team, references


def approvers_of(release: Any, people: People) -> set[str]:
    """The people who signed a release entry, each once however many names they signed with."""
    return {
        people.resolve(a["by"])
        for a in as_list(as_dict(release).get("approvals"))
        if isinstance(a, dict) and isinstance(a.get("by"), str)
    }


def unique_name(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """metadata.name is used by no other AISystem of the repository; there is one Directory at most."""
    if value.get("kind") == "Directory":
        first = next(iter(directories(env.project)), None)
        if first is not None and first.doc is not env.doc:
            line = first.doc.locate(("kind",))[0]
            yield Failure(
                ("kind",),
                f"the repository's people directory is {first.file}:{line}; a second one is not used",
                "a second people directory is declared",
            )
        return
    name = lookup(value, ("metadata", "name"))
    if not isinstance(name, str):
        return
    others = [s for s in env.project.systems_named(name) if s.doc is not env.doc]
    if others:
        where = ", ".join(f"{o.file}:{o.doc.locate(('metadata', 'name'))[0]}" for o in others)
        yield Failure(("metadata", "name"), f"the name '{name}' is also used by {where}")


def separation_of_duties(
    env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]
) -> Iterator[Failure]:
    """No release is approved only by the technical owner or the people who retrained the model.

    A system the base revision has is held to the rule at its base tier too, and its builders are
    those either revision names: a change cannot step out of the rule by lowering its tier or by
    renaming its technical owner.
    """
    spec = as_dict(value.get("spec"))
    before = as_dict(lookup(base_system(env, value), ("spec",)))
    tiers = set(params["tiers"])
    if lookup(spec, ("risk", "tier")) not in tiers and lookup(before, ("risk", "tier")) not in tiers:
        return
    people = env.run.people
    conflicted = builders(spec, people) | builders(before, people)
    for i, release in enumerate(as_list(spec.get("releases"))):
        approvers = approvers_of(release, people)
        if approvers and approvers <= conflicted:
            names = ", ".join(sorted(approvers))
            yield Failure(
                ("spec", "releases", i, "approvals"),
                f"release {release.get('version')} is approved only by {names}, who built or retrained it",
            )


def review_gates(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Review gates cover the listed kinds of change, each needing enough approvers."""
    gates = as_list(lookup(value, ("spec", "reviewGates")))
    minimum = int(params["minApprovals"])
    # Whether the declared gates can be met is a question about the declaration, so the directory
    # declared beside it answers; the approvals of a change are judged by the base's (CHG002).
    people = env.run.own_people
    for change in params["changes"]:
        covering = [
            (i, g)
            for i, g in enumerate(gates)
            if isinstance(g, dict)
            and (change in as_list(g.get("changes")) or "any" in as_list(g.get("changes")))
        ]
        if not covering:
            yield Failure(("spec", "reviewGates"), f"no review gate covers {change} changes")
    for i, gate in enumerate(gates):
        if not isinstance(gate, dict):
            continue
        if not set(as_list(gate.get("changes"))) & {*params["changes"], "any"}:
            continue
        needed = gate.get("minApprovals")
        # The people who can approve, each once however many names or teams list them; a team
        # whose membership is unknown gives no one.
        approvers, unknown = _able(gate, people)
        if not isinstance(needed, int) or needed < minimum:
            yield Failure(
                ("spec", "reviewGates", i, "minApprovals"),
                f"review gate {i + 1} requires {plural(needed or 0, 'approval')}, at least {minimum} needed",
            )
        elif len(approvers) < needed:
            yield Failure(
                ("spec", "reviewGates", i, "approvers"),
                f"review gate {i + 1} names {plural(len(approvers), 'distinct approver')} "
                f"but requires {plural(needed, 'approval')}{unknown_teams(unknown, people)}",
            )


def _able(gate: Mapping[str, Any], people: People) -> tuple[set[str], list[str]]:
    """(the people who can approve for gate, its teams whose membership is unknown)."""
    able: set[str] = set()
    unknown: list[str] = []
    for name in as_list(gate.get("approvers")):
        if not isinstance(name, str):
            continue
        if not is_team(name):
            able.add(people.resolve(name))
            continue
        members = people.members(name)
        if members is None:
            unknown.append(name)
        else:
            able |= members
    return able, unknown


def unknown_teams(teams: Iterable[str], people: People) -> str:
    return "".join(f"; {people.unknown_team(team)}, so it counts for nothing" for team in teams)


def counted_approvers(
    approvers: set[str], gate: Mapping[str, Any], people: People
) -> tuple[set[str], list[str]]:
    """(the approvers who satisfy an entry of gate, the gate's teams whose membership is unknown).

    A person counts when the gate names them under any of their names, or names a team they
    belong to; an approval never counts through a team whose membership is unknown.
    """
    counted: set[str] = set()
    unknown: list[str] = []
    names = [n for n in as_list(gate.get("approvers")) if isinstance(n, str)]
    direct = {people.resolve(n) for n in names if not is_team(n)}
    for team in (n for n in names if is_team(n)):
        found = {person: people.is_member(person, team) for person in approvers}
        if None in found.values():
            unknown.append(team)
        counted |= {person for person, member in found.items() if member}
    return counted | (approvers & direct), unknown


def _duplicates(value: Any, people: People) -> Iterator[Failure]:
    """A handle or e-mail address the directory lists twice, which only its first entry keeps."""
    seen: dict[str, str] = {}
    spec = as_dict(value.get("spec"))
    for i, person in enumerate(as_list(spec.get("people"))):
        handle = as_dict(person).get("handle")
        names = [("handle", handle)] + [(j, e) for j, e in enumerate(as_list(as_dict(person).get("emails")))]
        for where, name in names:
            if not isinstance(name, str):
                continue
            if directory.key(name) in seen:
                path: FieldPath = (
                    ("spec", "people", i, "handle")
                    if where == "handle"
                    else ("spec", "people", i, "emails", where)
                )
                yield Failure(path, f"{name} is listed again; it already names {seen[directory.key(name)]}")
            else:
                seen[directory.key(name)] = str(handle)
    teams: set[str] = set()
    for i, team in enumerate(as_list(spec.get("teams"))):
        handle = as_dict(team).get("handle")
        if isinstance(handle, str) and directory.key(handle) in teams:
            yield Failure(("spec", "teams", i, "handle"), f"the team {handle} is listed again")
        elif isinstance(handle, str):
            teams.add(directory.key(handle))


def people_known(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Every person and team the document names is in the repository's people directory, if it has one."""
    people = env.run.own_people
    if not people.known:
        return
    kind = value.get("kind")
    if kind == "Directory":
        yield from _duplicates(value, people)
    for path, ref in references(str(kind), value):
        if not people.knows(ref):
            what = "the team" if is_team(ref) else "the person"
            yield Failure(path, f"{what} {ref} is not in the people directory {people.file}")
