"""Named built-in checks: what a field test cannot say, written once in Python.

Policies call them as ``{check: NAME, params: {...}}``. The registry ``BUILTINS`` at the
bottom lists every one; nothing registers itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from checker import component_checks as parts
from checker import people as directory
from checker.conditions import Builtin, Env, Failure, as_date, is_missing, lookup
from checker.document import FieldPath
from checker.finding import field_path
from checker.gates import approvals_reviewed, builders, gates_approved
from checker.people import People, directories, is_team, own_people, people_of, references
from checker.yamlload import MAX_BYTES, load_file

if TYPE_CHECKING:
    from checker.project import EvidenceBefore, Project, Source

SEMVER = parts.SEMVER
# The components whose behaviour is the system's: their new versions are model changes (CHG002).
BEHAVIOUR_KINDS = ("model", "llm", "prompt", "agent", "tool", "retrieval")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _approvers(release: Any, people: People) -> set[str]:
    """The people who signed a release entry, each once however many names they signed with."""
    return {
        people.resolve(a["by"])
        for a in _list(_dict(release).get("approvals"))
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
    spec = _dict(value.get("spec"))
    before = _dict(lookup(_base_system(env, value), ("spec",)))
    tiers = set(params["tiers"])
    if lookup(spec, ("risk", "tier")) not in tiers and lookup(before, ("risk", "tier")) not in tiers:
        return
    people = people_of(env.project)
    conflicted = builders(spec, people) | builders(before, people)
    for i, release in enumerate(_list(spec.get("releases"))):
        approvers = _approvers(release, people)
        if approvers and approvers <= conflicted:
            names = ", ".join(sorted(approvers))
            yield Failure(
                ("spec", "releases", i, "approvals"),
                f"release {release.get('version')} is approved only by {names}, who built or retrained it",
            )


def _current_version(spec: Mapping[str, Any]) -> tuple[str | None, FieldPath]:
    for i, component in enumerate(_list(spec.get("components"))):
        if (
            isinstance(component, dict)
            and component.get("kind") in parts.PINNED_KINDS
            and component.get("version")
        ):
            return str(component["version"]), ("spec", "components", i, "version")
    return None, ()


def rollback_target_differs(
    env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]
) -> Iterator[Failure]:
    """The rollback target is a different version from the model that is running now."""
    spec = _dict(value.get("spec"))
    target = lookup(spec, ("rollback", "target", "version"))
    current, _ = _current_version(spec)
    if target is not None and current is not None and str(target) == current:
        yield Failure(
            ("spec", "rollback", "target", "version"),
            f"the rollback target {target} is the version running now; name the last known good one",
        )


def _released(spec: Mapping[str, Any]) -> tuple[dict[str, dt.date], dict[str, int]]:
    """(the day each version was released, the index of each version's entry) from spec.releases.

    The log is append-only, so a version listed twice was last released on its last entry's date.
    """
    days: dict[str, dt.date] = {}
    entries: dict[str, int] = {}
    for j, release in enumerate(_list(spec.get("releases"))):
        if not isinstance(release, dict) or release.get("version") is None:
            continue
        entries[str(release["version"])] = j
        day = as_date(release.get("date"))
        if day is not None:
            days[str(release["version"])] = day
    return days, entries


def _evaluated(spec: Mapping[str, Any], kinds: Any) -> Iterator[tuple[int, dict[str, Any], dt.date]]:
    """(index, component, evaluation date) of each component of kinds whose evaluation has a date.

    A missing or unreadable date is the field assertions' to report.
    """
    for i, component in enumerate(_list(spec.get("components"))):
        if isinstance(component, dict) and component.get("kind") in _list(kinds):
            evaluated = as_date(lookup(component, ("evaluation", "date")))
            if evaluated is not None:
                yield i, component, evaluated


def evaluation_before_release(
    env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]
) -> Iterator[Failure]:
    """A model's evaluation is dated no later than the release entry of its current version."""
    spec = _dict(value.get("spec"))
    released, _ = _released(spec)
    for i, component, evaluated in _evaluated(spec, params["kinds"]):
        version = str(component.get("version"))
        if version in released and evaluated > released[version]:
            yield Failure(
                ("spec", "components", i, "evaluation", "date"),
                f"the evaluation of {component.get('name')} is dated {evaluated.isoformat()}, after "
                f"release {version} on {released[version].isoformat()}",
            )


def evaluation_after_release(
    env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]
) -> Iterator[Failure]:
    """An llm, prompt or agent is evaluated on or after the release of the version that runs.

    What such a component does is seen only once its version is in place (a provider's snapshot,
    a prompt with its model), so an evaluation dated before that release is of an earlier version;
    and without a dated release of the current version no evaluation can be shown to be of it.
    """
    spec = _dict(value.get("spec"))
    released, entries = _released(spec)
    message = "{system} runs a component without an evaluation of its current version"
    for i, component, evaluated in _evaluated(spec, params["kinds"]):
        name, version = component.get("name"), component.get("version")
        on = evaluated.isoformat()
        if is_missing(version):
            yield Failure(
                ("spec", "components", i),
                f"{name} has no version, so its evaluation of {on} cannot be tied to a release",
                message,
            )
        elif str(version) in released:
            day = released[str(version)]
            if evaluated < day:
                yield Failure(
                    ("spec", "components", i, "evaluation", "date"),
                    f"the evaluation of {name} is dated {on}, before its version {version} was released "
                    f"on {day.isoformat()}: evaluate the version in production and date the report on or "
                    "after its release",
                    message,
                )
        elif str(version) in entries:
            yield Failure(
                ("spec", "releases", entries[str(version)]),
                f"release {version} has no date, so the evaluation of {name} cannot be shown to follow it",
                message,
            )
        else:
            yield Failure(
                ("spec", "components", i, "version"),
                f"spec.releases has no entry for {version}, the version of {name}, so its evaluation of "
                f"{on} cannot be shown to be of that version",
                message,
            )


def review_gates(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Review gates cover the listed kinds of change, each needing enough approvers."""
    gates = _list(lookup(value, ("spec", "reviewGates")))
    minimum = int(params["minApprovals"])
    # Whether the declared gates can be met is a question about the declaration, so the directory
    # declared beside it answers; the approvals of a change are judged by the base's (CHG002).
    people = own_people(env.project)
    for change in params["changes"]:
        covering = [
            (i, g)
            for i, g in enumerate(gates)
            if isinstance(g, dict) and (change in _list(g.get("changes")) or "any" in _list(g.get("changes")))
        ]
        if not covering:
            yield Failure(("spec", "reviewGates"), f"no review gate covers {change} changes")
    for i, gate in enumerate(gates):
        if not isinstance(gate, dict):
            continue
        if not set(_list(gate.get("changes"))) & {*params["changes"], "any"}:
            continue
        needed = gate.get("minApprovals")
        # The people who can approve, each once however many names or teams list them; a team
        # whose membership is unknown gives no one.
        approvers, unknown = _able(gate, people)
        if not isinstance(needed, int) or needed < minimum:
            yield Failure(
                ("spec", "reviewGates", i, "minApprovals"),
                f"review gate {i + 1} requires {_count(needed or 0, 'approval')}, at least {minimum} needed",
            )
        elif len(approvers) < needed:
            yield Failure(
                ("spec", "reviewGates", i, "approvers"),
                f"review gate {i + 1} names {_count(len(approvers), 'distinct approver')} "
                f"but requires {_count(needed, 'approval')}{_unknown_teams(unknown, people)}",
            )


def _able(gate: Mapping[str, Any], people: People) -> tuple[set[str], list[str]]:
    """(the people who can approve for gate, its teams whose membership is unknown)."""
    able: set[str] = set()
    unknown: list[str] = []
    for name in _list(gate.get("approvers")):
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


def _unknown_teams(teams: Iterable[str], people: People) -> str:
    return "".join(f"; {people.unknown_team(team)}, so it counts for nothing" for team in teams)


def _counted(approvers: set[str], gate: Mapping[str, Any], people: People) -> tuple[set[str], list[str]]:
    """(the approvers who satisfy an entry of gate, the gate's teams whose membership is unknown).

    A person counts when the gate names them under any of their names, or names a team they
    belong to; an approval never counts through a team whose membership is unknown.
    """
    counted: set[str] = set()
    unknown: list[str] = []
    names = [n for n in _list(gate.get("approvers")) if isinstance(n, str)]
    direct = {people.resolve(n) for n in names if not is_team(n)}
    for team in (n for n in names if is_team(n)):
        found = {person: people.is_member(person, team) for person in approvers}
        if None in found.values():
            unknown.append(team)
        counted |= {person for person, member in found.items() if member}
    return counted | (approvers & direct), unknown


def signal_thresholds(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """warn and critical lie on the same side of the baseline, critical no closer than warn."""
    for i, signal in enumerate(_list(lookup(value, ("spec", "monitoring", "signals")))):
        if not isinstance(signal, dict):
            continue
        numbers = [signal.get(k) for k in ("baseline", "warn", "critical")]
        if not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
            continue
        baseline, warn, critical = (float(n) for n in numbers if n is not None)
        side_warn = (warn > baseline) - (warn < baseline)
        side_critical = (critical > baseline) - (critical < baseline)
        if side_warn == 0 or side_warn != side_critical or abs(critical - baseline) < abs(warn - baseline):
            yield Failure(
                ("spec", "monitoring", "signals", i),
                f"signal {signal.get('name')}: warn {warn} and critical {critical} must lie on the same "
                f"side of the baseline {baseline}, critical at least as far from it as warn",
            )


def _unfollowed(spec: Mapping[str, Any]) -> str | None:
    """Why evidence does not count as its activity done (a failure nobody follows up), or None."""
    if spec.get("outcome") != "fail":
        return None
    findings = _list(spec.get("findings"))
    if not findings:
        return "failed and lists no findings to follow up"
    for i, finding in enumerate(findings):
        item = _dict(finding)
        missing = [what for key, what in (("owner", "owner"), ("due", "due date")) if _blank(item.get(key))]
        if missing:
            label = item.get("id") if isinstance(item.get("id"), str) else str(i + 1)
            return f"failed and its finding {label} has no {' and no '.join(missing)}"
    return None


def _cadences(value: Any) -> Iterator[tuple[FieldPath, Any, Any]]:
    """(where, activity, cadence) of each recurring activity evidence proves: the maintenance
    entries (a daily one that names its automation excepted) and the refresh of each index."""
    for i, item in enumerate(_list(lookup(value, ("spec", "maintenance")))):
        if not isinstance(item, dict):
            continue
        if item.get("cadence") == "daily" and not is_missing(item.get("automated")):
            continue
        yield ("spec", "maintenance", i), item.get("activity"), item.get("cadence")
    yield from parts.refreshes(value)


def evidence_fresh(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Each maintenance activity has evidence no older than its cadence allows.

    Evidence of a failed activity counts only with findings that each have an owner and a due date.
    """
    name = lookup(value, ("metadata", "name"))
    limits: Mapping[str, int] = params["maxAgeDays"]
    newest: dict[str, tuple[dt.date, str]] = {}
    # The newest evidence of each activity that does not count, and why, to say so in the finding.
    uncounted: dict[str, tuple[dt.date, str, str]] = {}
    for source in env.project.evidence.get(str(name), []):
        activity = source.get("spec", "activity")
        day = as_date(source.get("spec", "performedAt"))
        if day is None or day > env.today or not isinstance(activity, str):
            continue
        why = _unfollowed(_dict(source.get("spec")))
        if why is not None:
            if activity not in uncounted or day > uncounted[activity][0]:
                uncounted[activity] = (day, source.file, why)
        elif activity not in newest or day > newest[activity][0]:
            newest[activity] = (day, source.file)
    for where, activity, cadence in _cadences(value):
        limit = limits.get(str(cadence))
        if limit is None:
            continue
        last = newest.get(str(activity))
        skipped = uncounted.get(str(activity))
        unused = ""
        if skipped is not None and (last is None or skipped[0] > last[0]):
            unused = f"; {skipped[1]} ({skipped[0].isoformat()}) does not count: it {skipped[2]}"
        if last is None:
            yield Failure(where, f"no evidence that the {cadence} {activity} was ever done{unused}")
            continue
        age = (env.today - last[0]).days
        if age > limit:
            yield Failure(
                where,
                f"the last evidence of the {cadence} {activity} is {age} days old ({last[1]}, "
                f"{last[0].isoformat()}); at most {limit} allowed{unused}",
            )


def evidence_consistent(
    env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]
) -> Iterator[Failure]:
    """Evidence names a system and one of its activities, is not from the future, and tracks findings."""
    spec = _dict(value.get("spec"))
    system = spec.get("system")
    systems = env.project.systems_named(str(system))
    # A malformed manifest is reported on its own and its activities are unknown; a well-formed one
    # of the same name (itself a SCH002 finding) still says which activities exist.
    readable = [s for s in systems if s.valid]
    if not systems:
        yield Failure(("spec", "system"), f"no AISystem named '{system}' exists in the repository")
    elif readable:
        activities = [
            m.get("activity")
            for s in readable
            for m in _list(s.get("spec", "maintenance"))
            if isinstance(m, dict)
        ]
        activities += [activity for s in readable for _, activity, _ in parts.refreshes(s.data)]
        if spec.get("activity") not in activities:
            known = ", ".join(str(a) for a in activities) or "none"
            activity = spec.get("activity")
            yield Failure(
                ("spec", "activity"),
                f"'{activity}' is not a maintenance activity of {system} (its activities: {known})",
            )
    day = as_date(spec.get("performedAt"))
    if day is not None and day > env.today:
        yield Failure(("spec", "performedAt"), f"performedAt {day.isoformat()} is in the future")
    committed = env.project.first_added.get(env.file) if env.project.first_added is not None else None
    if day is not None and committed is not None and committed < day:
        yield Failure(
            ("spec", "performedAt"),
            f"{env.file} was first committed on {committed.isoformat()}, before the "
            f"{day.isoformat()} it claims",
        )
    for i, finding in enumerate(_list(spec.get("findings"))):
        if not isinstance(finding, dict) or finding.get("status") not in params["openStatuses"]:
            continue
        due = as_date(finding.get("due"))
        if due is not None and due < env.today:
            status = finding.get("status")
            yield Failure(
                ("spec", "findings", i, "due"),
                f"finding {finding.get('id')} was due on {due.isoformat()} and is still {status}",
            )


def _as_written(value: Any) -> Any:
    """value as evidence is compared across revisions: a date the same whether parsed or kept as text."""
    day = as_date(value) if isinstance(value, (dt.date, str)) else None
    return day.isoformat() if day is not None else value


def _renamed_to(project: Project, old: Any, new: Any) -> bool:
    """Whether this change renamed the base system old to new, which its evidence then follows."""
    if not isinstance(old, str) or not isinstance(new, str) or project.base is None:
        return False
    if project.systems_named(old) or new in project.base:
        return False
    for source in project.systems_named(new):
        before = project.base_by_file.get(source.file)
        if lookup(before, ("metadata", "name")) == old or _closest(source.data, departed(project)) == old:
            return True
    return False


def _in_file_match(before: EvidenceBefore, file: str, index: int, name: str | None) -> tuple[int, Any] | None:
    """(index, data) of the base's evidence in file that the document at index called name is compared with.

    The base document of the same name, else the one at the same place (a renamed document).
    """
    in_file = before.in_file(file)
    match = next(((i, data) for i, was, data in in_file if name is not None and was == name), None)
    if match is None:
        match = next(((i, data) for i, _, data in in_file if i == index), None)
    return match


def _kept(project: Project, before: EvidenceBefore, gone: Source, moved: Iterable[Source]) -> bool:
    """Whether a document of the change carries on the base's evidence gone, as CHG005 compares them.

    moved: the change's evidence of gone's system, where a moved document would be.
    """
    for source in project.sources_in(gone.file):
        if source.kind != "Evidence":
            continue
        match = _in_file_match(before, gone.file, source.doc.index, source.name)
        if match is not None and match[0] == gone.doc.index:
            return True
    return any(
        source.file != gone.file
        and source.name == gone.name
        and _in_file_match(before, source.file, source.doc.index, source.name) is None
        for source in moved
    )


def evidence_kept(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """The evidence of this system that the base revision had is still checked, wherever it moved."""
    before = env.project.base_evidence
    was = _base_system(env, value)
    if before is None or was is None:
        return
    project = env.project
    names = {lookup(was, ("metadata", "name")), lookup(value, ("metadata", "name"))}
    mine = [s for n in sorted(n for n in names if isinstance(n, str)) for s in project.evidence.get(n, [])]
    places = {(s.file, s.name) for s in mine}
    for gone in before.project.evidence.get(str(lookup(was, ("metadata", "name"))), []):
        # The same file and name: the document is there, and evidence-append-only compares it.
        if not gone.valid or (gone.file, gone.name) in places or _kept(project, before, gone, mine):
            continue
        yield Failure(
            ("metadata", "name"),
            f"{gone.name} ({gone.file} in the base revision) is no longer among the checked evidence; "
            "evidence is append-only",
            "merged evidence of {system} was deleted",
        )


def evidence_append_only(
    env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]
) -> Iterator[Failure]:
    """Evidence the base revision already had keeps what it proves: system, activity, date, who, outcome."""
    before = env.project.base_evidence
    if before is None:
        return
    name = lookup(value, ("metadata", "name"))
    named = name if isinstance(name, str) else None
    # The same document by name, a renamed one by its place in its file, and a moved one by its
    # system and name, as a rename in git keeps the content.
    found_here = _in_file_match(before, env.file, env.doc.index, named)
    match = found_here[1] if found_here is not None else None
    moved_from = None
    if match is None and named is not None:
        system = lookup(value, ("spec", "system"))
        found = before.named(system, named) if isinstance(system, str) else None
        if found is not None and found[0] != env.file:
            moved_from, match = found
    if match is None:
        return
    spec, old = _dict(value.get("spec")), _dict(match.get("spec"))
    for key in params["fields"]:
        then, now = _as_written(old.get(key)), _as_written(spec.get(key))
        if then == now or (key == "system" and _renamed_to(env.project, then, now)):
            continue
        was = "not set" if is_missing(then) else f"'{then}'"
        is_now = "removed" if is_missing(now) else f"'{now}'"
        where = f" (in {moved_from})" if moved_from else ""
        yield Failure(
            ("spec", key) if key in spec else ("spec",),
            f"spec.{key} was {was} in the base revision{where} and is now {is_now}",
        )


def _blank(value: Any) -> bool:
    return is_missing(value) or (isinstance(value, str) and not value.strip())


def waiver_requesters(system: Any, fields: Iterable[str], people: People) -> dict[str, str]:
    """The people who ask for a system's waivers, resolved, with the field that names each."""
    found: dict[str, str] = {}
    for name in fields:
        person = lookup(system, tuple(name.split(".")))
        if isinstance(person, str):
            found.setdefault(people.resolve(person), name)
    return found


def waiver_problem(
    waiver: Any,
    rules: Mapping[str, Any],
    today: dt.date,
    max_days: int,
    requesters: Mapping[str, str] | None = None,
    people: People | None = None,
) -> tuple[str, str] | None:
    """(field, why) when a waiver is not valid, None when it waives its rule.

    requesters: the system's owners (see waiver_requesters), who may not approve their own waivers;
    people resolves the approver to compare with them.
    """
    if not isinstance(waiver, dict):
        return ("", "a waiver must be a mapping")
    rule_id = waiver.get("rule")
    if is_missing(rule_id):
        return ("", "the waiver names no rule")
    rule = rules.get(str(rule_id))
    if rule is None:
        return ("rule", f"the waiver names '{rule_id}', which is not a rule of the policy set")
    if not rule.model.waivable:
        return ("rule", f"{rule_id} cannot be waived")
    for key in ("reason", "approvedBy", "expires"):
        if _blank(waiver.get(key)):
            return (key, f"the waiver of {rule_id} has no {key}")
    role = (requesters or {}).get((people or People()).resolve(str(waiver["approvedBy"])))
    if role is not None:
        return (
            "approvedBy",
            f"the waiver of {rule_id} is approved by {waiver['approvedBy']}, who asks for it as "
            f"{role}; a waiver needs an approver independent of the system's owners",
        )
    expires = as_date(waiver.get("expires"))
    if expires is None:
        return ("expires", f"the waiver of {rule_id} has no valid expiry date")
    if expires < today:
        return ("expires", f"the waiver of {rule_id} expired on {expires.isoformat()} and waives nothing")
    if (expires - today).days > max_days:
        return (
            "expires",
            f"the waiver of {rule_id} expires {expires.isoformat()}, more than {max_days} days ahead",
        )
    return None


def waivers_valid(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Every waiver names a waivable rule, a reason, an independent approver and a near expiry."""
    people = people_of(env.project)
    requesters = waiver_requesters(value, params["requesters"], people)
    for i, waiver in enumerate(_list(lookup(value, ("spec", "waivers")))):
        rules = env.project.rules
        problem = waiver_problem(waiver, rules, env.today, int(params["maxDays"]), requesters, people)
        if problem is not None:
            key, why = problem
            path: FieldPath = ("spec", "waivers", i, key) if key else ("spec", "waivers", i)
            yield Failure(path, why)


def leaving(project: Project) -> Mapping[str, str | None]:
    """The base systems the change may have removed, by name, with the file that declared each.

    Without project.base_leaving: every base system, its file known only when it is the first of one.
    """
    if project.base is None:
        return {}
    if project.base_leaving is not None:
        return project.base_leaving
    files: dict[str, str] = {}
    for file, data in project.base_by_file.items():
        files.setdefault(str(lookup(data, ("metadata", "name"))), file)
    return {name: files.get(name) for name in project.base}


def _renamed_in_place(project: Project, name: str, file: str) -> bool:
    """Whether a system of the change now holds file, whose first system in the base was name."""
    if lookup(project.base_by_file.get(file), ("metadata", "name")) != name:
        return False
    return any(s.kind == "AISystem" for s in project.sources_in(file))


def departed(project: Project) -> dict[str, Any]:
    """The base revision's systems, by name, that no system of the change carries on by name or file."""
    if project.base is None:
        return {}
    gone = {}
    for name, file in leaving(project).items():
        if project.systems_named(name):
            continue
        data = project.base.get(name)
        if data is not None and not (file is not None and _renamed_in_place(project, name, file)):
            gone[name] = data
    return gone


def _identity(data: Any) -> set[tuple[str, str]]:
    """What a system keeps through a rename: its components' names and artifact addresses."""
    keys = set()
    for component in _list(lookup(data, ("spec", "components"))):
        name, uri = lookup(component, ("name",)), lookup(component, ("artifact", "uri"))
        if isinstance(name, str):
            keys.add(("name", name))
        if isinstance(uri, str):
            keys.add(("uri", uri))
    return keys


def _closest(value: Any, gone: Mapping[str, Any]) -> str | None:
    """The name of the system in gone sharing the most components with value; None on a tie."""
    mine = _identity(value)
    shared = sorted(((len(mine & _identity(data)), name) for name, data in gone.items()), reverse=True)
    if not shared or shared[0][0] == 0 or (len(shared) > 1 and shared[1][0] == shared[0][0]):
        return None
    return shared[0][1]


def _base_system(env: Env, value: Any) -> Any:
    project = env.project
    if project.base is None:
        return None
    # By name, or by file for a system renamed in this change: a new name does not shed history.
    before = project.base.get(str(lookup(value, ("metadata", "name"))))
    if before is None:
        before = project.base_by_file.get(env.file)
    if before is not None:
        return before
    # Renamed and moved at once: the system that left sharing the most components with this one,
    # as git follows a renamed file by its content.
    name = _closest(value, departed(project))
    return project.base[name] if name is not None else None


_semver_key = parts.semver_key


def _components(data: Any) -> dict[str, tuple[int, dict[str, Any]]]:
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, component in enumerate(_list(lookup(data, ("spec", "components")))):
        if isinstance(component, dict) and isinstance(component.get("name"), str):
            out[component["name"]] = (i, component)
    return out


def _identity_change(
    project: Project, previous: Mapping[str, Any], component: Mapping[str, Any]
) -> str | None:
    """What makes a component another one since the base: its digest, hosted model or source files."""
    name = component.get("name")
    if lookup(previous, ("artifact", "digest")) != lookup(component, ("artifact", "digest")):
        return f"the digest of {name} changed"
    for key in ("name", "model", "snapshot"):
        then, now = lookup(previous, ("provider", key)), lookup(component, ("provider", key))
        if then != now:
            return f"the provider {key} of {name} went from {then} to {now}"
    changed = parts.source_change(project, previous, component)
    return f"the source files of {name} changed ({changed})" if changed else None


def version_bump(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """A component whose digest, hosted model or source changed since the base has a new version.

    Semantic versions must rise; other versions, which have no order, must differ.
    """
    before = _base_system(env, value)
    if before is None:
        return
    old = _components(before)
    for name, (i, component) in _components(value).items():
        if name not in old:
            continue
        previous = old[name][1]
        what = _identity_change(env.project, previous, component)
        if what is None:
            continue
        then, now = previous.get("version"), component.get("version")
        if is_missing(then) or parts.version_moved(then, now):
            continue
        moved = f"stayed {now}" if str(then) == str(now) else f"went from {then} to {now}"
        need = "a higher version" if _semver_key(str(then)) is not None else "a new version"
        new = "a new artifact" if what.startswith("the digest") else "a changed component"
        yield Failure(
            ("spec", "components", i, "version"), f"{what} but its version {moved}; {new} needs {need}"
        )


def _plain(value: Any) -> Any:
    """value as two revisions are compared: dates the same whether parsed or kept as text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return _as_written(value)


def _added_releases(before: Any, spec: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The release entries, by index, that the change adds or edits: those the base revision lacks.

    A copy of an entry the base already has is not new: an approval given once approves one change.
    """
    had = [_plain(r) for r in _list(lookup(before, ("spec", "releases")))]
    added = []
    for i, release in enumerate(_list(spec.get("releases"))):
        if not isinstance(release, dict):
            continue
        if _plain(release) not in had:
            added.append((i, release))
    return added


def _covers(gate: Mapping[str, Any], area: str | None) -> bool:
    changes = _list(gate.get("changes"))
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
    approvers = _approvers(release, people)
    if not approvers:
        return f"release {version} has no approvals"
    covering = [gate for gate in gates if _covers(gate, area)]
    for gate in covering:
        counted, unknown = _counted(approvers, gate, people)
        needed = gate.get("minApprovals")
        needed = needed if isinstance(needed, int) and needed > 0 else 1
        if len(counted) < needed:
            covered = " and ".join(map(str, _list(gate.get("changes"))))
            others = sorted(approvers - counted)
            left_out = f" ({', '.join(others)} not among them)" if others else ""
            return (
                f"release {version} has {_count(len(counted), 'approval')} from the gate's approvers"
                f"{left_out}, the base revision's review gate for {covered} changes requires {needed}"
                f"{_unknown_teams(unknown, people)}"
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
    changes = _component_changes(_components(before), _components({"spec": spec}))
    if not changes:
        return
    what = "; ".join(text for _, text in changes)
    now, _ = _current_version(spec)
    then, _ = _current_version(_dict(lookup(before, ("spec",))))
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
    then = _dict(lookup(before, ("spec",)))
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
    before = _base_system(env, value)
    if before is None:
        return
    spec = _dict(value.get("spec"))
    people = people_of(env.project)
    gates = [g for g in _list(lookup(before, ("spec", "reviewGates"))) if isinstance(g, dict)]
    releases = {
        str(r.get("version")): (i, r)
        for i, r in enumerate(_list(spec.get("releases")))
        if isinstance(r, dict)
    }
    old = _components(before)
    for name, (i, component) in _components(value).items():
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


def reclassified(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Lowering the risk tier or changing the intended use comes with a new, recent classification."""
    before = _base_system(env, value)
    if before is None:
        return
    order = ["low", "medium", "high", "critical"]
    tier_now = lookup(value, ("spec", "risk", "tier"))
    tier_then = lookup(before, ("spec", "risk", "tier"))
    lowered = tier_now in order and tier_then in order and order.index(tier_now) < order.index(tier_then)
    use_changed = lookup(value, ("spec", "purpose", "intendedUse")) != lookup(
        before, ("spec", "purpose", "intendedUse")
    )
    if not (lowered or use_changed):
        return
    now = as_date(lookup(value, ("spec", "risk", "classifiedAt")))
    then = as_date(lookup(before, ("spec", "risk", "classifiedAt")))
    limit = int(params["maxAgeDays"])
    # Moving the date forward is not enough: a day's move to a date months ago records no new decision.
    if now is None:
        problem = "spec.risk.classifiedAt is not set"
    elif then is not None and now <= then:
        problem = "spec.risk.classifiedAt was not moved forward"
    elif now > env.today:
        problem = f"spec.risk.classifiedAt {now.isoformat()} is in the future"
    elif (env.today - now).days > limit:
        problem = (
            f"spec.risk.classifiedAt {now.isoformat()} is {(env.today - now).days} days before "
            f"{env.today.isoformat()}; the reclassification must be at most {_count(limit, 'day')} old"
        )
    else:
        return
    what = f"the risk tier went from {tier_then} to {tier_now}" if lowered else "the intended use changed"
    yield Failure(("spec", "risk", "classifiedAt"), f"{what} but {problem}")


def _decision_problem(project: Project, record: Any, was: Any) -> str | None:
    """Why record does not name a decision this change records, or None when it does."""
    if _blank(record):
        return "spec.lifecycle.decisionRecord is not set"
    record = str(record)
    if record.startswith("https://"):
        # Its content cannot be seen from the repository: a new decision is one at a new address.
        same = record == was
        return f"its decision record {record} is the address the base revision named" if same else None
    problem = project.ref_problem(record)
    if problem is not None:
        return f"its decision record cannot be read: {problem}"
    full = os.path.normpath(os.path.join(project.root, record))
    file = project.display(full)
    if os.path.islink(full):
        return f"its decision record {record} is a symbolic link, which is never followed"
    # The stage change itself edits the manifest: a Charter file cannot stand for the decision.
    if project.sources_in(file):
        return f"its decision record {record} holds Charter documents, not a decision"
    changes = project.base_changes
    if changes is None or not changes.edits(file):
        return f"this change neither adds nor edits its decision record {record}"
    return None


def stage_decided(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """A changed lifecycle stage comes with a decision record that the same change adds or edits."""
    before = _base_system(env, value)
    if before is None:
        return
    now = lookup(value, ("spec", "lifecycle", "stage"))
    then = lookup(before, ("spec", "lifecycle", "stage"))
    if now == then:
        return
    record = lookup(value, ("spec", "lifecycle", "decisionRecord"))
    problem = _decision_problem(env.project, record, lookup(before, ("spec", "lifecycle", "decisionRecord")))
    if problem is not None:
        yield Failure(("spec", "lifecycle", "stage"), f"the stage went from {then} to {now} but {problem}")


def rollback_to_base(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """When the model version changes, the rollback target becomes the version of the base."""
    before = _base_system(env, value)
    if before is None:
        return
    now, _ = _current_version(_dict(value.get("spec")))
    then, _ = _current_version(_dict(before.get("spec")))
    target = lookup(value, ("spec", "rollback", "target", "version"))
    if then is None or now == then or str(target) == then:
        return
    # A model renamed away or turned into another kind of component has left version then too.
    moved = f"moved from {then} to {now}" if now else f"of version {then} is no longer a model component"
    yield Failure(
        ("spec", "rollback", "target", "version"),
        f"the model {moved}, so the rollback target should be {then}, not {target}",
    )


class Departure(NamedTuple):
    """A system of the base revision that the change no longer declares where Charter looks."""

    system: str
    file: str
    line: int
    column: int
    detail: str


def _declaring(path: str, name: str) -> tuple[int, int, bool] | None:
    """(line, column, read by Charter) of the document of path whose metadata.name is name."""
    for doc in load_file(path).documents:
        data = doc.data
        if isinstance(data, dict) and lookup(data, ("metadata", "name")) == name:
            line, column = doc.locate(("metadata", "name"))
            return line, column, data.get("apiVersion") == "charter/v1" and data.get("kind") == "AISystem"
    return None


def _files(root: str) -> Iterator[str]:
    """Every file under root in sorted order, outside .git; linked directories are not entered."""
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        yield from (os.path.join(top, f) for f in sorted(files))


def _whereabouts(root: str, name: str, was: str | None) -> tuple[str, int, int, str] | None:
    """Where the repository declares the system now (path, line, column, why it is not checked)."""
    old = os.path.join(root, was) if was is not None else None
    if old is not None and os.path.islink(old):
        return old, 1, 1, "is now a symbolic link, which is never followed"
    # Its old file first, then any file that mentions the name: a rare departure is worth a walk.
    needle = name.encode("utf-8")
    for path in itertools.chain([old] if old is not None else [], _files(root)):
        if not os.path.isfile(path) or os.path.islink(path) or os.path.getsize(path) > MAX_BYTES:
            continue
        with open(path, "rb") as handle:
            if needle not in handle.read():
                continue
        found = _declaring(path, name)
        if found is not None:
            line, column, read = found
            why = "is not among the checked files" if read else "no longer holds it as a charter/v1 AISystem"
            return path, line, column, why
    return None


def _under(file: str, paths: Iterable[str]) -> bool:
    return any(p == "." or file == p or file.startswith(p.rstrip("/") + "/") for p in paths)


def departures(project: Project, removable: Iterable[str], checked: Iterable[str]) -> list[Departure]:
    """The base's systems that left the checked paths without being retired, and where each went.

    checked: the paths the check was given, relative to the repository root like finding files. A
    system whose base stage is in removable may leave. One carried on by a system of the change that
    is new by name and by file but shares its components has not left: it was renamed and moved.
    """
    stages, paths = set(removable), list(checked)
    files = leaving(project)
    gone = {
        name: data
        for name, data in departed(project).items()
        if lookup(data, ("spec", "lifecycle", "stage")) not in stages
        and _under(files.get(name) or ".", paths)
    }
    if gone and project.base is not None:
        for source in project.systems:
            if source.name not in project.base and source.file not in project.base_by_file:
                gone.pop(_closest(source.data, gone) or "", None)
    out = []
    for name in sorted(gone):
        was = files.get(name)
        said = f"{name}, declared in {was} in the base revision," if was else f"{name} of the base revision"
        found = _whereabouts(project.display_root, name, was)
        if found is None:
            detail = f"{said} is no longer declared anywhere in the repository"
            out.append(Departure(name, was or ".", 1, 1, detail))
            continue
        path, line, column, why = found
        file = project.display(path)
        moved = f"it moved to {file}, which" if file != was else f"{file}"
        out.append(Departure(name, file, line, column, f"{said} is no longer checked: {moved} {why}"))
    return out


def _duplicates(value: Any, people: People) -> Iterator[Failure]:
    """A handle or e-mail address the directory lists twice, which only its first entry keeps."""
    seen: dict[str, str] = {}
    spec = _dict(value.get("spec"))
    for i, person in enumerate(_list(spec.get("people"))):
        handle = _dict(person).get("handle")
        names = [("handle", handle)] + [(j, e) for j, e in enumerate(_list(_dict(person).get("emails")))]
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
    for i, team in enumerate(_list(spec.get("teams"))):
        handle = _dict(team).get("handle")
        if isinstance(handle, str) and directory.key(handle) in teams:
            yield Failure(("spec", "teams", i, "handle"), f"the team {handle} is listed again")
        elif isinstance(handle, str):
            teams.add(directory.key(handle))


def people_known(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Every person and team the document names is in the repository's people directory, if it has one."""
    people = own_people(env.project)
    if not people.known:
        return
    kind = value.get("kind")
    if kind == "Directory":
        yield from _duplicates(value, people)
    for path, ref in references(str(kind), value):
        if not people.knows(ref):
            what = "the team" if is_team(ref) else "the person"
            yield Failure(path, f"{what} {ref} is not in the people directory {people.file}")


BUILTINS: dict[str, Builtin] = {
    "unique-name": Builtin(unique_name, {}, "the name is unique among AISystems"),
    "separation-of-duties": Builtin(
        separation_of_duties, {"tiers": ["high", "critical"]}, "releases are approved independently"
    ),
    "rollback-target-differs": Builtin(
        rollback_target_differs, {}, "the rollback target differs from the current version"
    ),
    "evaluation-before-release": Builtin(
        evaluation_before_release, {"kinds": ["model"]}, "evaluations precede their release"
    ),
    "evaluation-after-release": Builtin(
        evaluation_after_release,
        {"kinds": ["llm", "prompt", "agent"]},
        "evaluations are of the released version that runs",
    ),
    "review-gates": Builtin(
        review_gates, {"changes": ["model", "data"], "minApprovals": 2}, "review gates cover changes"
    ),
    "signal-thresholds": Builtin(signal_thresholds, {}, "signal thresholds are consistent"),
    "people-known": Builtin(people_known, {}, "every person and team named is in the people directory"),
    "evidence-fresh": Builtin(
        evidence_fresh,
        {"maxAgeDays": {"daily": 2, "weekly": 8, "monthly": 35, "quarterly": 100}},
        "maintenance evidence is fresh",
    ),
    "evidence-consistent": Builtin(
        evidence_consistent, {"openStatuses": ["open", "in-progress"]}, "evidence is consistent"
    ),
    "evidence-kept": Builtin(evidence_kept, {}, "evidence the base revision had is still checked"),
    "evidence-append-only": Builtin(
        evidence_append_only,
        {"fields": ["system", "activity", "performedAt", "performedBy", "outcome"]},
        "evidence keeps what it proved in the base revision",
    ),
    "waivers-valid": Builtin(
        waivers_valid,
        {"maxDays": 180, "requesters": ["spec.ownership.accountable", "spec.ownership.technicalOwner"]},
        "waivers are valid",
    ),
    "version-bump": Builtin(version_bump, {}, "a changed artifact has a higher version"),
    "release-recorded": Builtin(release_recorded, {}, "a version change has an approved release"),
    "reclassified": Builtin(
        reclassified, {"maxAgeDays": 30}, "a lowered tier or new use is recently reclassified"
    ),
    "stage-decided": Builtin(stage_decided, {}, "a stage change has a decision record the change writes"),
    "rollback-to-base": Builtin(rollback_to_base, {}, "the rollback target is the base version"),
    "model-pinned": Builtin(
        parts.model_pinned, {"floatingModels": []}, "models are pinned to an exact version or snapshot"
    ),
    "sources-exist": Builtin(parts.sources_exist, {}, "every component source names files"),
    "source-digest": Builtin(parts.source_digest, {}, "a declared digest is that of the source files"),
    "tools-approved": Builtin(parts.tools_approved, {}, "side-effecting tools need a person's approval"),
    "tools-pinned": Builtin(parts.tools_pinned, {}, "tool servers are pinned and agents name their tools"),
    "retrieval-sources": Builtin(
        parts.retrieval_sources, {}, "retrieval indexes name the data sources they hold"
    ),
    "gates-approved": Builtin(
        gates_approved,
        {"independentTiers": ["high", "critical"]},
        "the pull request's reviews approve each governed change through the gates",
    ),
    "approvals-reviewed": Builtin(
        approvals_reviewed, {}, "each approval the change records is an approval of the pull request"
    ),
}

__all__ = ["BUILTINS", "SEMVER", "field_path", "waiver_problem"]
