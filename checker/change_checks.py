"""Built-in checks that compare a system with the one the base revision declared."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from checker import component_checks as parts
from checker.check_values import as_dict, as_list, blank, plural
from checker.conditions import Env, Failure, as_date, is_missing, lookup
from checker.context_fields import Reads
from checker.document import FieldPath
from checker.manifest_checks import current_version

if TYPE_CHECKING:
    from checker.run_context import RunContext

# What finding a system's base declaration (base_system) reads of the systems of either revision
# besides its own: their names, and their components' names and artifact addresses, by which a
# system renamed and moved at once is followed. The base declaration of the system itself comes
# from the same file as the system judged, which is read whole.
BASE_LOOKUP: Reads = {"AISystem": ("metadata.name", "spec.components.name", "spec.components.artifact.uri")}


def leaving(run: RunContext) -> Mapping[str, str | None]:
    """The base systems the change may have removed, by name, with the file that declared each.

    Without run.base_leaving: every base system, its file known only when it is the first of one.
    """
    if run.base is None:
        return {}
    if run.base_leaving is not None:
        return run.base_leaving
    files: dict[str, str] = {}
    for file, data in run.base_by_file.items():
        files.setdefault(str(lookup(data, ("metadata", "name"))), file)
    return {name: files.get(name) for name in run.base}


def _renamed_in_place(run: RunContext, name: str, file: str) -> bool:
    """Whether a system of the change now holds file, whose first system in the base was name."""
    if lookup(run.base_by_file.get(file), ("metadata", "name")) != name:
        return False
    return any(s.kind == "AISystem" for s in run.project.sources_in(file))


def departed(run: RunContext) -> dict[str, Any]:
    """The base revision's systems, by name, that no system of the change carries on by name or file."""
    if run.base is None:
        return {}
    gone = {}
    for name, file in leaving(run).items():
        if run.project.systems_named(name):
            continue
        data = run.base.get(name)
        if data is not None and not (file is not None and _renamed_in_place(run, name, file)):
            gone[name] = data
    return gone


def _identity(data: Any) -> set[tuple[str, str]]:
    """What a system keeps through a rename: its components' names and artifact addresses."""
    keys = set()
    for component in as_list(lookup(data, ("spec", "components"))):
        name, uri = lookup(component, ("name",)), lookup(component, ("artifact", "uri"))
        if isinstance(name, str):
            keys.add(("name", name))
        if isinstance(uri, str):
            keys.add(("uri", uri))
    return keys


def closest(value: Any, gone: Mapping[str, Any]) -> str | None:
    """The name of the system in gone sharing the most components with value; None on a tie."""
    mine = _identity(value)
    shared = sorted(((len(mine & _identity(data)), name) for name, data in gone.items()), reverse=True)
    if not shared or shared[0][0] == 0 or (len(shared) > 1 and shared[1][0] == shared[0][0]):
        return None
    return shared[0][1]


def base_system(env: Env, value: Any) -> Any:
    run = env.run
    if run.base is None:
        return None
    # By name, or by file for a system renamed in this change: a new name does not shed history.
    before = run.base.get(str(lookup(value, ("metadata", "name"))))
    if before is None:
        before = run.base_by_file.get(env.file)
    if before is not None:
        return before
    # Renamed and moved at once: the system that left sharing the most components with this one,
    # as git follows a renamed file by its content.
    name = closest(value, departed(run))
    return run.base[name] if name is not None else None


_semver_key = parts.semver_key


def components_by_name(data: Any) -> dict[str, tuple[int, dict[str, Any]]]:
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, component in enumerate(as_list(lookup(data, ("spec", "components")))):
        if isinstance(component, dict) and isinstance(component.get("name"), str):
            out[component["name"]] = (i, component)
    return out


def _identity_change(
    run: RunContext, previous: Mapping[str, Any], component: Mapping[str, Any]
) -> str | None:
    """What makes a component another one since the base: its digest, hosted model or source files."""
    name = component.get("name")
    if lookup(previous, ("artifact", "digest")) != lookup(component, ("artifact", "digest")):
        return f"the digest of {name} changed"
    for key in ("name", "model", "snapshot"):
        then, now = lookup(previous, ("provider", key)), lookup(component, ("provider", key))
        if then != now:
            return f"the provider {key} of {name} went from {then} to {now}"
    changed = parts.source_change(run, previous, component)
    return f"the source files of {name} changed ({changed})" if changed else None


def version_bump(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """A component whose digest, hosted model or source changed since the base has a new version.

    Semantic versions must rise; other versions, which have no order, must differ.
    """
    before = base_system(env, value)
    if before is None:
        return
    old = components_by_name(before)
    for name, (i, component) in components_by_name(value).items():
        if name not in old:
            continue
        previous = old[name][1]
        what = _identity_change(env.run, previous, component)
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


def reclassified(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Lowering the risk tier or changing the intended use comes with a new, recent classification."""
    before = base_system(env, value)
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
            f"{env.today.isoformat()}; the reclassification must be at most {plural(limit, 'day')} old"
        )
    else:
        return
    what = f"the risk tier went from {tier_then} to {tier_now}" if lowered else "the intended use changed"
    yield Failure(("spec", "risk", "classifiedAt"), f"{what} but {problem}")


def _decision_problem(run: RunContext, record: Any, was: Any) -> str | None:
    """Why record does not name a decision this change records, or None when it does."""
    if blank(record):
        return "spec.lifecycle.decisionRecord is not set"
    record = str(record)
    if record.startswith("https://"):
        # Its content cannot be seen from the repository: a new decision is one at a new address.
        same = record == was
        return f"its decision record {record} is the address the base revision named" if same else None
    project = run.project
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
    changes = run.base_changes
    if changes is None or not changes.edits(file):
        return f"this change neither adds nor edits its decision record {record}"
    return None


def stage_decided(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """A changed lifecycle stage comes with a decision record that the same change adds or edits."""
    before = base_system(env, value)
    if before is None:
        return
    now = lookup(value, ("spec", "lifecycle", "stage"))
    then = lookup(before, ("spec", "lifecycle", "stage"))
    if now == then:
        return
    record = lookup(value, ("spec", "lifecycle", "decisionRecord"))
    problem = _decision_problem(env.run, record, lookup(before, ("spec", "lifecycle", "decisionRecord")))
    if problem is not None:
        yield Failure(("spec", "lifecycle", "stage"), f"the stage went from {then} to {now} but {problem}")


def rollback_to_base(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """When the model version changes, the rollback target becomes the version of the base."""
    before = base_system(env, value)
    if before is None:
        return
    now, _ = current_version(as_dict(value.get("spec")))
    then, _ = current_version(as_dict(before.get("spec")))
    target = lookup(value, ("spec", "rollback", "target", "version"))
    if then is None or now == then or str(target) == then:
        return
    # A model renamed away or turned into another kind of component has left version then too.
    moved = f"moved from {then} to {now}" if now else f"of version {then} is no longer a model component"
    yield Failure(
        ("spec", "rollback", "target", "version"),
        f"the model {moved}, so the rollback target should be {then}, not {target}",
    )
