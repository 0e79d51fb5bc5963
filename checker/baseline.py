"""Comparing with a base revision: its documents, its policies, and which findings are new."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from checker.cache import FileCache
from checker.charter_documents import Source
from checker.config import CONFIG_NAME, Config, Settings, find_config_dir, load_config
from checker.context_fields import enabled_fields
from checker.derive import derive
from checker.discovery import GitTree
from checker.errors import FatalError
from checker.finding import Finding
from checker.gitrepo import Changes, as_repo_path
from checker.gitrevision import GitRepo
from checker.people import People, directories, from_project
from checker.policy import PolicySet, load_policies
from checker.project import EvidenceBefore, Project, build_project
from checker.sources import Tree
from checker.workspace import Workspace


@dataclass(frozen=True)
class Base:
    """The base revision as it was read: its commit, policies, configuration and documents."""

    commit: str
    policies: PolicySet
    policy_files: frozenset[str]
    project: Project | None
    config: Settings | None = None


@dataclass(frozen=True)
class Baseline:
    """The base revision as the rules compare with it.

    systems: the data of its AISystems by name; by_file: by the file that declares them; leaving: the
    systems a change may have removed, with their files (None: any of them); changes: which files the
    change adds or edits; people: its directory, which judges approvals and waivers.
    """

    commit: str
    project: Project | None
    config: Settings | None
    systems: Mapping[str, Any]
    by_file: Mapping[str, Any]
    leaving: Mapping[str, str] | None
    evidence: EvidenceBefore | None
    changes: Changes | None
    people: People
    directory: Source | None
    # The base revision's files as git holds them, which component sources are digested from.
    files: Tree | None = None


def baseline_of(
    base: Base, changed: set[str] | None, changes: Changes | None, files: Tree | None = None
) -> Baseline:
    """The one way a Baseline is made: from the base revision as read, and what the change touched.

    changed: the files whose base version differs from head's, when every other file is head's own
    (see derive_base); only their systems can have left. None: every base system may have.
    """
    project = base.project
    if project is None:
        return Baseline(base.commit, None, base.config, {}, {}, {}, None, changes, People(), None, files)
    leaving: dict[str, str] = {}
    for source in project.sources:
        if source.kind != "AISystem" or not source.valid or not isinstance(source.name, str):
            continue
        if changed is None or source.file in changed:
            leaving.setdefault(source.name, source.file)
    return Baseline(
        base.commit,
        project,
        base.config,
        _SystemsByName(project),
        _SystemsByFile(project),
        leaving,
        EvidenceBefore(project),
        changes,
        from_project(project),
        next(iter(directories(project)), None),
        files,
    )


def _policy_files(policies: PolicySet, config: Config, root: str) -> set[str]:
    """Repository paths of the configuration and of every local policy file."""
    files = {as_repo_path(p, root) for p in policies.files if _inside(p, root)}
    # A pyproject.toml also changes for reasons of its own (a version, a dependency): load_base
    # counts it only when its [tool.charter] section differs, so a release bump is no policy change.
    if config.file and _inside(config.file, root) and not _is_toml(config.file):
        files.add(as_repo_path(config.file, root))
    return files


def _is_toml(path: str) -> bool:
    return path.endswith(".toml")


def policy_files_of(policies: PolicySet, workspace: Workspace) -> set[str]:
    """Repository paths of the working tree's configuration and local policy files."""
    if not workspace.git_root:
        return set()
    return _policy_files(policies, workspace.config, workspace.git_root)


def _inside(path: str, root: str) -> bool:
    path, root = os.path.realpath(path), os.path.realpath(root)
    return os.path.commonpath([path, root]) == root


def _in_tree(path: str, git_root: str, tree: str) -> str:
    """Where path of the working tree lies in an exported tree of the same repository."""
    # Normalised: for the root itself relpath gives ".", and "tree/." would make the project walk
    # name every file twice (as tree/./x and tree/x), so each base system would clash with itself.
    return os.path.normpath(os.path.join(tree, os.path.relpath(os.path.realpath(path), git_root)))


def _found_by_lookup(config_file: str, root: str) -> bool:
    """Whether the head's configuration is the one the lookup finds, rather than one --config named."""
    name = os.path.basename(config_file)
    return name in (CONFIG_NAME, "pyproject.toml") and os.path.dirname(os.path.realpath(config_file)) == root


def _base_config(workspace: Workspace, git_root: str, scratch: str, root: str) -> Config:
    """The configuration of the base revision, found there the way the head's was found."""
    head = workspace.config.file
    if head is not None and not _found_by_lookup(head, workspace.root):
        # Named with --config: the same file in the base tree, or as it is when outside the repository.
        named = _in_tree(head, git_root, scratch) if _inside(head, git_root) else head
        return load_config(named, None, top=scratch) if os.path.isfile(named) else Config(directory=root)
    # Looked up in the base tree itself, not at the head's file: a change that deletes or moves the
    # configuration (and with it the local policies) is still judged by the one the base had.
    found = find_config_dir(root, scratch)
    return load_config(None, found, top=scratch) if found else Config(directory=root)


def _about_the_base(exc: FatalError, commit: str, scratch: str) -> FatalError:
    """exc, naming a file of the exported base tree by its repository path, not the scratch copy."""
    file = exc.file
    if file and _inside(file, scratch):
        file = os.path.relpath(os.path.realpath(file), os.path.realpath(scratch)).replace(os.sep, "/")
    return FatalError(f"{exc.message} (in the base revision {commit[:12]})", file, exc.line)


def load_base(
    repo: GitRepo,
    ref: str,
    workspace: Workspace,
    extra_policies: list[str],
    scratch: str,
    paths: list[str],
    head_policies: PolicySet | None = None,
) -> Base:
    """Read the base revision's documents and policies from git objects into scratch.

    Its files are found by a walk of the commit's own tree, by the rules head's are found by for
    the same checked paths (absolute paths of the working tree). Files that are only context keep
    what the enabled checks of its policies and of head's (either may judge the change) read.
    """
    git_root = repo.root
    commit = repo.merge_base(repo.resolve(ref))
    repo.export(commit, scratch)
    root = _in_tree(workspace.root, git_root, scratch)
    extra = [_in_tree(p, git_root, scratch) if _inside(p, git_root) else p for p in extra_policies]
    extra = [p for p in extra if os.path.exists(p)]
    try:
        config = _base_config(workspace, git_root, scratch, root)
        policies = load_policies(config, extra)
    except FatalError as exc:
        raise _about_the_base(exc, commit, scratch) from None
    files = _policy_files(policies, config, scratch)
    if config.model != workspace.config.model:
        # The pyproject.toml configurations left out by _policy_files, now that their sections differ.
        if config.file and _is_toml(config.file) and _inside(config.file, scratch):
            files.add(as_repo_path(config.file, scratch))
        head = workspace.config.file
        if head and _is_toml(head) and _inside(head, git_root):
            files.add(as_repo_path(os.path.realpath(head), git_root))
    if not os.path.isdir(root):
        return Base(commit, policies, frozenset(files), None, config.model)
    checked = [_in_tree(p, git_root, scratch) if _inside(p, git_root) else p for p in paths]
    tree = GitTree(scratch, repo.tree_entries(commit))
    keep = enabled_fields(policies, *([head_policies] if head_policies is not None else []))
    project = build_project(checked, root, scratch, config, set(), tree=tree, keep=keep)
    return Base(commit, policies, frozenset(files), project, config.model)


class _SystemsByName(Mapping[str, Any]):
    """The data of the first valid AISystem of each name in a project, looked up when asked."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def __getitem__(self, name: str) -> Any:
        for source in self.project.systems_named(name):
            if source.valid:
                return source.data
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (name for name in self.project.by_name if name in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _SystemsByFile(Mapping[str, Any]):
    """The data of the first valid, named AISystem of each file in a project, looked up when asked."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._all: dict[str, Any] | None = None

    def __getitem__(self, file: str) -> Any:
        if self._all is not None:
            return self._all[file]
        for source in self.project.sources_in(file):
            if source.kind == "AISystem" and source.valid and isinstance(source.name, str):
                return source.data
        raise KeyError(file)

    def _every(self) -> dict[str, Any]:
        if self._all is None:
            first: dict[str, tuple[int, Any]] = {}
            for name in self.project.by_name:
                for source in self.project.systems_named(name):
                    known = first.get(source.file)
                    if source.valid and (known is None or source.doc.index < known[0]):
                        first[source.file] = (source.doc.index, source.data)
            self._all = {file: data for file, (_, data) in first.items()}
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._every())

    def __len__(self) -> int:
        return len(self._every())


def touches_policies(changes: Mapping[str, str], policies: PolicySet, workspace: Workspace) -> bool:
    """Whether a change may alter the policies or the configuration a run uses."""
    own = policy_files_of(policies, workspace)
    config = workspace.config
    folders = []
    for entry in config.model.policies:
        path = entry if os.path.isabs(entry) else os.path.join(config.directory, entry)
        if entry != "default" and workspace.git_root and _inside(path, workspace.git_root):
            folders.append(as_repo_path(os.path.realpath(path), workspace.git_root).rstrip("/") + "/")
    for path in changes:
        name = path.rsplit("/", 1)[-1]
        if path in own or name in (CONFIG_NAME, "pyproject.toml") or path.startswith(tuple(folders)):
            return True
    return False


def derive_base(
    repo: GitRepo,
    commit: str,
    changes: tuple[Mapping[str, str], tuple[str, ...], Mapping[str, str], Mapping[str, str]],
    head: Project,
    policies: PolicySet,
    cache: FileCache,
    scratch: str,
) -> Base:
    """The base revision as head's documents with the changed files as the base had them.

    Only for a change that leaves policies and configuration alone (see touches_policies): the
    base then reads its documents the way head does, and every unchanged file is the same.
    changes is what GitRepo.changes_since says.
    """
    git_root = repo.root
    differences, folders, blobs, modes = changes

    def text(file: str) -> bytes | None:
        path = os.path.join(head.display_root, *file.split("/"))
        return repo.text_at(commit, as_repo_path(path, git_root))

    def known(file: str, candidate: bool) -> Any | None:
        blob = blobs.get(as_repo_path(os.path.join(head.display_root, *file.split("/")), git_root))
        return cache.previous(file, blob, candidate) if blob else None

    project = derive(head, differences, folders, text, known, modes, scratch)
    return Base(commit, policies, frozenset(), project, None)


def _key(finding: Finding) -> tuple[str, str, str]:
    # The system and field, not the file or message: a renamed file or a finding whose numbers
    # moved (an age, a count) is still the same finding.
    return (finding.rule, finding.system or finding.file, finding.path)


def mark_status(head: Iterable[Finding], base: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Head findings marked new or existing, and the base findings the change fixed."""
    remaining = Counter(_key(f) for f in base)
    marked = []
    for finding in head:
        key = _key(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
            marked.append(finding._replace(status="existing"))
        else:
            marked.append(finding._replace(status="new"))
    still = Counter(_key(f) for f in head)
    fixed = []
    for finding in base:
        key = _key(finding)
        if still[key] > 0:
            still[key] -= 1
        else:
            fixed.append(finding._replace(status="fixed"))
    return marked, fixed


def scratch_dir() -> str:
    return tempfile.mkdtemp(prefix="charter-base-")


def remove(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
