"""Comparing with a base revision: read it from git, and decide which policies judge the change."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from checker import baseline
from checker.config import Config
from checker.gitrepo import Changes, as_repo_path
from checker.gitrevision import CommitFiles, GitRepo
from checker.people import directories
from checker.policy import PolicySet
from checker.policy_guard import PolicyChange, directory_change, guard_policies
from checker.project import Project
from checker.workspace import Workspace


@dataclass(frozen=True)
class Comparison:
    """The base revision, and what comparing with it decided.

    policies and config judge the change: the base's whenever the change touches them. project is
    head's, when the base was derived from it (then head's configuration reads it too).
    """

    baseline: baseline.Baseline
    policies: PolicySet
    config: Config
    changes: tuple[PolicyChange, ...]
    project: Project | None


@dataclass(frozen=True)
class Request:
    """What to compare: the base ref, and how head is read (project_with builds head's project)."""

    ref: str
    workspace: Workspace
    policies: PolicySet
    named_policies: list[str]
    checked: list[str]
    github_actions: bool
    project_with: Callable[[Config], Project]
    cache: baseline.FileCache


@contextmanager
def compare(request: Request) -> Iterator[Comparison]:
    """Read the base revision: derived from head's documents when policies and configuration are the
    same at both ends, read whole from git otherwise. Its files last as long as the context."""
    workspace, policies = request.workspace, request.policies
    assert workspace.git_root is not None
    with GitRepo(workspace.git_root) as repo:
        scratch = baseline.scratch_dir()
        try:
            resolved = repo.resolve(request.ref, request.github_actions)
            since = repo.merge_base(resolved)
            differences, ignored, blobs, modes = repo.changes_since(since)
            edited = Changes(workspace.git_root, differences, ignored, blobs)
            # Component sources are read from git's objects at the base, as their digests compare.
            prefix = as_repo_path(workspace.root, workspace.git_root)
            files = CommitFiles(workspace.git_root, since, prefix)
            config, project = workspace.config, None
            changes: list[PolicyChange] = []
            if not baseline.touches_policies(differences, policies, workspace):
                project = request.project_with(config)
                changed = {path for path, status in differences.items() if status != "A"}
                parts = (differences, ignored, blobs, modes)
                base = baseline.derive_base(repo, since, parts, project, policies, request.cache, scratch)
            else:
                changed = None
                base = baseline.load_base(
                    repo, resolved, workspace, request.named_policies, scratch, request.checked, policies
                )
                touched = set(differences) & (
                    base.policy_files | baseline.policy_files_of(policies, workspace)
                )
                policies, changes = guard_policies(
                    policies, base.policies, touched, base.config, workspace.config.model
                )
                if changes and base.config is not None:
                    # The reviewed configuration also decides which files are checked and what fails.
                    config = dataclasses.replace(config, model=base.config)
            yield Comparison(
                baseline.baseline_of(base, changed, edited, files), policies, config, tuple(changes), project
            )
        finally:
            baseline.remove(scratch)


def governance_changes(
    comparison: Comparison | None, project: Project, config: Config
) -> tuple[PolicyChange, ...]:
    """The policy changes, and a change to the people directory, which decides who approves."""
    if comparison is None:
        return ()
    base = comparison.baseline
    change = directory_change(
        base.directory, next(iter(directories(project)), None), base.config or config.model
    )
    return comparison.changes + ((change,) if change is not None else ())
