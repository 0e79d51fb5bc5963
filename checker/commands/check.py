"""charter check: the main job."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from checker.baseline import Baseline
from checker.cache import FileCache
from checker.cachestore import default_directory
from checker.characters import shown
from checker.charter_documents import KINDS
from checker.comparison import Comparison, Request, compare, governance_changes
from checker.config import Config
from checker.context_fields import enabled_fields
from checker.engine import HeadRun, RunInputs, check
from checker.errors import EXIT_FINDINGS, EXIT_OK, FatalError
from checker.fanout import Task
from checker.gitrepo import History, as_repo_path, gitlinks, head_commit
from checker.inventory.scan import is_code
from checker.inventory.take import Inventory, begin_listing, inventory_for
from checker.policy import PolicySet, load_policies, named_packs
from checker.project import Project, build_project
from checker.pullrequest import for_run
from checker.reporters import REPORTERS, Output, Report
from checker.reporters.base import note_lines
from checker.workspace import Workspace, open_workspace

# What engine.check is given: head's project, the policies that judge it, the base, the run's inputs.
Run = tuple[Project, PolicySet, Baseline | None, RunInputs]


class Reader(Protocol):
    """How the checked paths are read under a configuration, for the policies that will judge them;
    meanwhile is done while other processes read."""

    def __call__(
        self, settings: Config, *judged: PolicySet, meanwhile: Task[Any] | None = None
    ) -> Project: ...


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
    # Text output: each finding's fix under it rather than each rule's once after the findings.
    show_fixes: bool = False
    # With --base, the findings annotated in github output: "new" ones only, or "all".
    annotate: Literal["new", "all"] = "new"
    # The workflow artifact that holds the full report, and the run's page, for cut markdown reports.
    artifact: str = ""
    run_url: str = ""


def today_utc() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _located(path: str) -> str:
    """path made absolute with its directories resolved like the root's, but not its last part.

    Resolving the last part too would follow a symbolic link named on the command line and read
    what it points at, possibly outside the repository; the loader refuses the link itself.
    """
    full = os.path.abspath(path)
    return os.path.join(os.path.realpath(os.path.dirname(full)), os.path.basename(full))


def _declares_anything(project: Project) -> bool:
    """Whether a project has an AISystem (valid or not), a file that Charter could not read as one,
    or a document of Charter's it cannot recognise (an unknown kind or apiVersion), which may be one."""
    unknown = any(s.kind not in KINDS for s in project.sources)
    return bool(project.problems) or unknown or project.declares("AISystem")


def _where(project: Project, config: Config) -> str:
    """Where a run looked for manifests, for the message that it found none."""
    model = config.model
    rules = project.discovery
    places = list(dict.fromkeys((model.manifests or []) + (model.evidence or [])))
    checked = [project.display(os.path.join(project.root, c)) for c in rules.checked] if rules else []
    looked = ", ".join(places + [c for c in checked if c not in places]) or "."
    return f"{looked} (set allowEmpty: true in the configuration when the repository has no AI systems yet)"


def _history(options: CheckOptions, workspace: Workspace) -> tuple[str | None, History | None]:
    """The head commit, and the day each file was first committed; (None, None) outside git."""
    if not workspace.git_root:
        return None, None
    named = [_located(p) for p in options.paths if not os.path.isdir(p)]
    files = None
    if named and len(named) == len(options.paths):
        # Only the named files are reported, so only their history is needed.
        files = [as_repo_path(p, workspace.git_root) for p in named]
    prefix = as_repo_path(workspace.root, workspace.git_root)
    return head_commit(workspace.git_root), History(workspace.git_root, prefix, files)


def _reader(options: CheckOptions, workspace: Workspace, cache: FileCache, policies: PolicySet) -> Reader:
    """How the checked paths are read into a project under a configuration.

    Files that are only context keep what the enabled checks of policies, and of the policies
    that judge the project when those differ, read of them.
    """
    # Code the inventory reads, named as pre-commit names changed files, is no Charter document.
    documents = [p for p in options.paths if os.path.isdir(p) or not is_code(p)]
    named = {_located(p) for p in documents if not os.path.isdir(p)}
    links = gitlinks if workspace.git_root else None

    def project_with(settings: Config, *judged: PolicySet, meanwhile: Task[Any] | None = None) -> Project:
        located = [_located(p) for p in documents]
        keep = enabled_fields(policies, *judged)
        project = build_project(
            located,
            workspace.root,
            workspace.display_root,
            settings,
            named,
            cache,
            gitlinks=links,
            keep=keep,
            meanwhile=meanwhile,
        )
        if options.paths and not documents:
            # Only code was named: the inventory's findings alone, no document reported.
            project = replace(project, reported=frozenset())
        return project

    return project_with


def build_report(options: CheckOptions) -> Report:
    """Load everything, run every rule, and return the report every format renders."""
    with prepare(options) as run:
        return check(*run)


@contextmanager
def prepare(options: CheckOptions) -> Iterator[Run]:
    """Everything engine.check is given, while the base revision's files last."""
    for path in options.paths:
        if not os.path.lexists(path):
            raise FatalError("no such file or directory", path)
    workspace = open_workspace(options.paths, options.config, options.cache)
    named_policies = named_packs(options.policies, workspace.git_root or workspace.root)
    policies = load_policies(workspace.config, named_policies, workspace.store)
    workspace.store.save()
    if options.base and not workspace.git_root:
        raise FatalError("--base compares with a git revision, but this is not a git repository")
    commit, history = _history(options, workspace)
    cache = FileCache(default_directory(workspace.root, workspace.git_root) if options.cache else None)
    project_with = _reader(options, workspace, cache, policies)
    # The index is written while the documents are judged; whatever stops the run, once it is over.
    saving = Task(cache.save)
    try:
        if not options.base:
            yield _run(options, workspace, policies, None, project_with, history, commit, saving)
        else:
            checked = [_located(p) for p in options.paths]
            request = Request(
                options.base,
                workspace,
                policies,
                named_policies,
                checked,
                options.github_actions,
                project_with,
                cache,
            )
            with compare(request) as compared:
                yield _run(options, workspace, policies, compared, project_with, history, commit, saving)
    finally:
        saving.run()
    _damage(cache)


def _damage(cache: FileCache) -> None:
    """Say, once the run is done, what of the cache was found damaged (and so not used)."""
    for note in cache.notes():
        print(f"charter: note: {shown(note)}", file=sys.stderr)


def _run(
    options: CheckOptions,
    workspace: Workspace,
    policies: PolicySet,
    compared: Comparison | None,
    project_with: Reader,
    history: History | None,
    commit: str | None,
    saving: Task[None],
) -> Run:
    """Read head's documents (unless the comparison did), and what they are checked with."""
    config = compared.config if compared is not None else workspace.config
    judged = compared.policies if compared is not None else policies
    # The named files alone in the pre-commit case; else every file under the checked paths, which
    # git lists while the documents are read.
    scanned = [_located(p) for p in options.paths] or [workspace.root]
    begun = begin_listing(workspace.root, judged, scanned)
    try:
        # The inventory is taken while other processes read the documents, when there are many.
        inventory = Task(lambda: inventory_for(workspace.root, judged, config, scanned, options.cache, begun))
        project = (
            compared.project
            if compared is not None and compared.project is not None
            else project_with(config, judged, meanwhile=inventory)
        )
        _require_systems(project, config, compared)
        inputs = RunInputs(
            today=options.as_of or today_utc(),
            fail_on=options.fail_on or config.model.failOn,
            checked=tuple(project.display(_located(p)) for p in options.paths),
            history=history,
            policy_changes=governance_changes(compared, project, config),
            commit=commit,
            head=_head_run(options, workspace, policies, compared, project, project_with),
            pull_request=for_run(config.model, policies, compared is not None, os.environ),
            inventory=_covered(inventory.result(), project),
            meanwhile=saving,
        )
    finally:
        # Git stops here if the run did (a usage error, Ctrl-C) before the inventory read its listing.
        if begun is not None:
            begun.close()
    for note in project.notes:
        print(f"charter: note: {shown(note)}", file=sys.stderr)
    return project, judged, compared.baseline if compared is not None else None, inputs


def _covered(inventory: Inventory | None, project: Project) -> Inventory | None:
    return inventory.covered_by(project) if inventory is not None else None


def _require_systems(project: Project, config: Config, compared: Comparison | None) -> None:
    """A run with nothing to check is refused, unless the configuration allows it."""
    # A change that removes every system is judged against the base (as departures), not refused.
    if config.model.allowEmpty or _declares_anything(project):
        return
    if compared is not None and compared.baseline.systems:
        return
    where = project.display(config.file) if config.file else None
    raise FatalError(f"no AISystem found: Charter looked in {_where(project, config)}", where)


def _head_run(
    options: CheckOptions,
    workspace: Workspace,
    policies: PolicySet,
    compared: Comparison | None,
    project: Project,
    project_with: Reader,
) -> HeadRun | None:
    """When the change altered the policies: the head's own, to show what they would have said."""
    if compared is None or not compared.changes:
        return None
    own = project if compared.config is workspace.config else project_with(workspace.config)
    return HeadRun(policies, own, options.fail_on or workspace.config.model.failOn)


def run_check(options: CheckOptions) -> int:
    report = build_report(options)
    written = Output(False, options.show_fixes, options.annotate, options.artifact, options.run_url)
    for fmt, target in options.outputs.items():
        text = REPORTERS[fmt](report, written)
        try:
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            raise FatalError(f"cannot write the {fmt} report: {exc.strerror}", target) from None
    if options.format == "text":
        # On stderr like the other notes, so that stdout holds only findings and the summary.
        for line in note_lines(report.notes):
            print(line, file=sys.stderr)
    sys.stdout.write(REPORTERS[options.format](report, replace(written, color=options.color)))
    sys.stdout.flush()
    return EXIT_OK if report.summary.passed else EXIT_FINDINGS
