"""Built-in checks of Evidence: fresh, consistent with its system, and kept as the base revision had it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from checker import component_checks as parts
from checker.change_checks import BASE_LOOKUP, base_system, closest, departed
from checker.check_values import as_dict, as_list, as_written, blank
from checker.conditions import Env, Failure, as_date, is_missing, lookup
from checker.context_fields import Reads, joined
from checker.document import FieldPath

if TYPE_CHECKING:
    from checker.charter_documents import Source
    from checker.project import EvidenceBefore, Project
    from checker.run_context import RunContext

# What evidence-fresh reads of the system's evidence: the activity, when and how it went, and who
# follows up the findings of a failure.
FRESH_READS: Reads = {
    "Evidence": (
        "spec.activity",
        "spec.performedAt",
        "spec.outcome",
        "spec.findings.id",
        "spec.findings.owner",
        "spec.findings.due",
    )
}
# What evidence-consistent reads of the system the evidence is about: its maintenance activities and
# the components refreshed on a cadence, whose refreshes are activities too.
CONSISTENT_READS: Reads = {
    "AISystem": ("spec.maintenance.activity", "spec.components.name", "spec.components.refresh")
}


def append_only_reads(params: Mapping[str, Any]) -> Reads:
    """What evidence-append-only reads of the base revision's evidence: the fields it compares."""
    compared = params.get("fields")
    kept = (
        tuple(f"spec.{key}" for key in compared if isinstance(key, str)) if isinstance(compared, list) else ()
    )
    return joined(BASE_LOOKUP, {"Evidence": kept})


def _unfollowed(spec: Mapping[str, Any]) -> str | None:
    """Why evidence does not count as its activity done (a failure nobody follows up), or None."""
    if spec.get("outcome") != "fail":
        return None
    findings = as_list(spec.get("findings"))
    if not findings:
        return "failed and lists no findings to follow up"
    for i, finding in enumerate(findings):
        item = as_dict(finding)
        missing = [what for key, what in (("owner", "owner"), ("due", "due date")) if blank(item.get(key))]
        if missing:
            label = item.get("id") if isinstance(item.get("id"), str) else str(i + 1)
            return f"failed and its finding {label} has no {' and no '.join(missing)}"
    return None


def _cadences(value: Any) -> Iterator[tuple[FieldPath, Any, Any]]:
    """(where, activity, cadence) of each recurring activity evidence proves: the maintenance
    entries (a daily one that names its automation excepted) and the refresh of each index."""
    for i, item in enumerate(as_list(lookup(value, ("spec", "maintenance")))):
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
        why = _unfollowed(as_dict(source.get("spec")))
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
    spec = as_dict(value.get("spec"))
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
            for m in as_list(s.get("spec", "maintenance"))
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
    committed = env.run.history.get(env.file) if env.run.history is not None else None
    if day is not None and committed is not None and committed < day:
        yield Failure(
            ("spec", "performedAt"),
            f"{env.file} was first committed on {committed.isoformat()}, before the "
            f"{day.isoformat()} it claims",
        )
    for i, finding in enumerate(as_list(spec.get("findings"))):
        if not isinstance(finding, dict) or finding.get("status") not in params["openStatuses"]:
            continue
        due = as_date(finding.get("due"))
        if due is not None and due < env.today:
            status = finding.get("status")
            yield Failure(
                ("spec", "findings", i, "due"),
                f"finding {finding.get('id')} was due on {due.isoformat()} and is still {status}",
            )


def _renamed_to(run: RunContext, old: Any, new: Any) -> bool:
    """Whether this change renamed the base system old to new, which its evidence then follows."""
    if not isinstance(old, str) or not isinstance(new, str) or run.base is None:
        return False
    if run.project.systems_named(old) or new in run.base:
        return False
    for source in run.project.systems_named(new):
        before = run.base_by_file.get(source.file)
        if lookup(before, ("metadata", "name")) == old or closest(source.data, departed(run)) == old:
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
    before = env.run.base_evidence
    was = base_system(env, value)
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
    before = env.run.base_evidence
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
    spec, old = as_dict(value.get("spec")), as_dict(match.get("spec"))
    for key in params["fields"]:
        then, now = as_written(old.get(key)), as_written(spec.get(key))
        if then == now or (key == "system" and _renamed_to(env.run, then, now)):
            continue
        was = "not set" if is_missing(then) else f"'{then}'"
        is_now = "removed" if is_missing(now) else f"'{now}'"
        where = f" (in {moved_from})" if moved_from else ""
        yield Failure(
            ("spec", key) if key in spec else ("spec",),
            f"spec.{key} was {was} in the base revision{where} and is now {is_now}",
        )
