"""charter check: the main job."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
from dataclasses import dataclass, field

from checker import __version__, baseline
from checker.cache import FileCache, default_directory
from checker.characters import shown
from checker.checks import departures
from checker.conditions import lookup
from checker.config import Config
from checker.engine import Checker, PolicyChange, directory_change, finding_message, guard_policies, summarize
from checker.errors import EXIT_FINDINGS, EXIT_OK, FatalError
from checker.finding import Finding
from checker.gitrepo import Changes, GitRepo, History, as_repo_path, gitlinks, head_commit
from checker.inventory.rules import inventory_findings
from checker.people import directories
from checker.policy import PolicySet, load_policies, named_packs
from checker.project import Project, build_project
from checker.reporters import REPORTERS, Report
from checker.workspace import open_workspace


@dataclass
class CheckOptions:
    paths: list[str]
    format: str = "text"
    outputs: dict[str, str] = field(default_factory=dict)
    as_of: dt.date | None = None
    policies: list[str] = field(default_factory=list)
    config: str | None = None
    fail_on: str | None = None
    color: bool = False
    base: str | None = None
    cache: bool = True
    # Running in GitHub Actions, where a missing base usually means a shallow checkout.
    github_actions: bool = False


def today_utc() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _located(path: str) -> str:
    """path made absolute with its directories resolved like the root's, but not its last part.

    Resolving the last part too would follow a symbolic link named on the command line and read
    what it points at, possibly outside the repository; the loader refuses the link itself.
    """
    full = os.path.abspath(path)
    return os.path.join(os.path.realpath(os.path.dirname(full)), os.path.basename(full))


def base_leaving(base: baseline.Base, changed: set[str] | None) -> dict[str, str]:
    """The base systems a change may have removed, by name, with the file that declared each.

    changed: the files whose base version differs from head's, when every other file is head's own
    (see baseline.derive_base); only their systems can be missing. None: every base system.
    """
    if base.project is None:
        return {}
    found: dict[str, str] = {}
    for source in base.project.sources:
        if source.kind != "AISystem" or not source.valid or not isinstance(source.name, str):
            continue
        if changed is None or source.file in changed:
            found.setdefault(source.name, source.file)
    return found


def departure_findings(
    project: Project, policies: PolicySet, today: dt.date, checked: list[str]
) -> list[Finding]:
    """CHG004: the base systems the change no longer declares inside the checked paths."""
    rule = policies.rules.get("CHG004")
    if rule is None or not rule.enabled or project.base is None:
        return []
    out = []
    overridden = rule.id in policies.overridden
    for gone in departures(project, rule.params.get("removableStages", ()), checked):
        tier = lookup(project.base.get(gone.system), ("spec", "risk", "tier"))
        out.append(
            Finding(
                rule=rule.id,
                severity=rule.severity_for(tier, today, overridden),
                file=gone.file,
                line=gone.line,
                column=gone.column,
                path="",
                message=finding_message(rule, None, gone.detail, gone.system, ""),
                system=gone.system,
            )
        )
    return out


def _declares_anything(project: Project) -> bool:
    """Whether a project has an AISystem (valid or not) or a file that Charter could not read as one."""
    if project.systems or project.problems:
        return True
    return any(kind == "AISystem" for _, _, routes, _ in project._deferred for kind, _ in routes)


def _where(project: Project, config: Config) -> str:
    """Where a run looked for manifests, for the message that it found none."""
    model = config.model
    rules = project.discovery
    places = list(dict.fromkeys((model.manifests or []) + (model.evidence or [])))
    checked = [project.display(os.path.join(project.root, c)) for c in rules.checked] if rules else []
    looked = ", ".join(places + [c for c in checked if c not in places]) or "."
    return f"{looked} (set allowEmpty: true in the configuration when the repository has no AI systems yet)"


def build_report(options: CheckOptions) -> Report:
    """Load everything, run every rule, and return the report every format renders."""
    for path in options.paths:
        if not os.path.lexists(path):
            raise FatalError("no such file or directory", path)
    workspace = open_workspace(options.paths, options.config, options.cache)
    named_policies = named_packs(options.policies, workspace.git_root or workspace.root)
    head_policies = load_policies(workspace.config, named_policies, workspace.store)
    workspace.store.save()
    today = options.as_of or today_utc()
    if options.base and not workspace.git_root:
        raise FatalError("--base compares with a git revision, but this is not a git repository")
    config = workspace.config
    policies = head_policies
    changes: list[PolicyChange] = []
    before: list[Finding] | None = None
    base: baseline.Base | None = None
    commit = None
    first_added = None
    named = [_located(p) for p in options.paths if not os.path.isdir(p)]
    history_files = None
    if named and len(named) == len(options.paths) and workspace.git_root:
        # Only the named files are reported, so only their history is needed.
        history_files = [as_repo_path(p, workspace.git_root) for p in named]
    if workspace.git_root:
        commit = head_commit(workspace.git_root)
        prefix = as_repo_path(workspace.root, workspace.git_root)
        first_added = History(workspace.git_root, prefix, history_files)
    cache = FileCache(default_directory(workspace.root, workspace.git_root) if options.cache else None)

    def project_with(settings: Config) -> Project:
        project = build_project(
            [_located(p) for p in options.paths],
            workspace.root,
            workspace.display_root,
            settings,
            set(named),
            cache,
            gitlinks=gitlinks if workspace.git_root else None,
        )
        project.first_added = first_added
        return project

    project: Project | None = None
    changed: set[str] | None = None
    edited: Changes | None = None
    if workspace.git_root and options.base:
        with GitRepo(workspace.git_root) as repo:
            scratch = baseline.scratch_dir()
            try:
                resolved = repo.resolve(options.base, options.github_actions)
                since = repo.merge_base(resolved)
                differences, ignored, blobs, modes = repo.changes_since(since)
                edited = Changes(workspace.git_root, differences, ignored, blobs)
                if not baseline.touches_policies(differences, head_policies, workspace):
                    # Policies and configuration are the same at both ends: the base is head's own
                    # documents with the changed files as they were.
                    project = project_with(config)
                    changed = {path for path, status in differences.items() if status != "A"}
                    base = baseline.derive_base(
                        repo, since, (differences, ignored, blobs, modes), project, policies, cache, scratch
                    )
                else:
                    checked = [_located(p) for p in options.paths]
                    base = baseline.load_base(repo, resolved, workspace, named_policies, scratch, checked)
                    touched = set(differences) & (
                        base.policy_files | baseline.policy_files_of(head_policies, workspace)
                    )
                    policies, changes = guard_policies(
                        head_policies, base.policies, touched, base.config, workspace.config.model
                    )
                    if changes and base.config is not None:
                        # The reviewed configuration also decides which files are checked and what fails.
                        config = dataclasses.replace(config, model=base.config)
                before = baseline.base_findings(base, policies, today, first_added)
            finally:
                baseline.remove(scratch)

    if project is None:
        project = project_with(config)
    cache.save()
    # A change that removes every system is judged against the base (CHG004), not refused.
    if not config.model.allowEmpty and not _declares_anything(project) and not (base and base.systems):
        where = project.display(config.file) if config.file else None
        raise FatalError(f"no AISystem found: Charter looked in {_where(project, config)}", where)
    leaving = base_leaving(base, changed) if base is not None else None
    if base is not None:
        project.base, project.base_by_file, project.base_leaving = base.systems, base.by_file, leaving
        project.base_evidence, project.base_changes = base.evidence, edited
        # Who someone is and who belongs to a team is governance, judged like the policies: as the
        # base revision says.
        project.people = baseline.base_people(base)
    # The paths as findings name files: a system left when its base file lay under one of them.
    checked = [project.display(_located(p)) for p in options.paths]
    governance_changes = list(changes)
    if base is not None:
        # The directory decides who approves, so a change to it is reviewed like a policy change.
        change = directory_change(
            baseline.base_directory(base), next(iter(directories(project)), None), base.config or config.model
        )
        governance_changes += [change] if change is not None else []
    checker = Checker(project, policies, today, governance_changes)
    findings = checker.run()
    findings = sorted(findings + departure_findings(project, policies, today, checked), key=Finding.sort_key)
    fixed: list[Finding] = []
    if before is not None:
        findings, fixed = baseline.mark_status(findings, before)
        fixed = [f for f in fixed if project.is_reported(f.file)]
    # The inventory marks its own findings new or existing: the base's are not computed from code.
    scanned = [_located(p) for p in options.paths] or [project.root]
    found = inventory_findings(project, policies, config, today, scanned, options.cache)
    findings = sorted(findings + found, key=Finding.sort_key)
    fail_on = options.fail_on or config.model.failOn
    systems = sum(1 for s in project.systems if project.is_reported(s.file))
    head_view = None
    if changes:
        head_project = project
        if config is not workspace.config:
            head_project = project_with(workspace.config)
            if base is not None:
                head_project.base, head_project.base_by_file = base.systems, base.by_file
                head_project.base_leaving = leaving
                head_project.base_evidence, head_project.base_changes = base.evidence, edited
                head_project.people = project.people
        head_findings = Checker(head_project, head_policies, today).run()
        head_findings += departure_findings(head_project, head_policies, today, checked)
        head_fail_on = options.fail_on or workspace.config.model.failOn
        head_view = (head_policies.digest(), summarize(head_findings, systems, head_fail_on))
    for note in project.notes:
        print(f"charter: note: {shown(note)}", file=sys.stderr)
    return Report(
        findings,
        summarize(findings, systems, fail_on),
        policies,
        today,
        commit,
        __version__,
        fixed=fixed,
        base_systems=base.systems if base is not None else None,
        head_policies=head_view,
        project=project,
        fail_on=fail_on,
        notes=checker.notes(),
    )


def run_check(options: CheckOptions) -> int:
    report = build_report(options)
    for fmt, target in options.outputs.items():
        text = REPORTERS[fmt](report, False)
        try:
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            raise FatalError(f"cannot write the {fmt} report: {exc.strerror}", target) from None
    if options.format == "text":
        # On stderr like the other notes, so that stdout holds only findings and the summary.
        for note in report.notes:
            print(f"charter: note: {shown(note.rule)} {shown(note.message)}", file=sys.stderr)
    sys.stdout.write(REPORTERS[options.format](report, options.color and options.format == "text"))
    sys.stdout.flush()
    return EXIT_OK if report.summary.passed else EXIT_FINDINGS
