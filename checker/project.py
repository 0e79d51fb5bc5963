"""The repository being checked: its Charter documents, indexed the way the rules look them up.

build_project finds the files (checker.checked_files) and reads them (checker.reading, with the
cache behind it); a Project holds what they hold and answers the rules' lookups: systems by name,
evidence by system, the documents of a file, and where a ref leads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checker.cache import FileCache
from checker.checked_files import checked_files, discovery_rules
from checker.config import Config
from checker.discovery import Lister, Rules
from checker.documents import FileProblem, Source, route
from checker.paths import display_path, within
from checker.reading import Deferred, DeferredFile, Reading, read_all, uncollected

if TYPE_CHECKING:
    from checker.gitrepo import Changes
    from checker.people import People
    from checker.sources import Tree


class _Groups(Mapping[Any, list[Source]]):
    """Sources by the key rules look them up by, in file order; context files decode on first use."""

    def __init__(self) -> None:
        self._pending: dict[Any, list[tuple[int, Any, int]]] = {}
        self._done: dict[Any, list[Source]] = {}

    def add(self, key: Any, order: int, source: Source) -> None:
        self._pending.setdefault(key, []).append((order, source, -1))

    def defer(self, key: Any, order: int, deferred: Deferred, position: int) -> None:
        self._pending.setdefault(key, []).append((order, deferred, position))

    def _settle(self, key: Any) -> None:
        pending = self._pending.pop(key, None)
        if pending is None:
            return
        pending.sort(key=lambda item: item[0])
        settled = self._done.setdefault(key, [])
        for _, item, position in pending:
            if position < 0:
                settled.append(item)
            elif position < len(item.sources()):
                settled.append(item.sources()[position])

    def __getitem__(self, key: Any) -> list[Source]:
        self._settle(key)
        return self._done[key]

    def __iter__(self) -> Iterator[Any]:
        for key in list(self._pending):
            self._settle(key)
        return iter(self._done)

    def __len__(self) -> int:
        return len(self._pending.keys() | self._done.keys())


@dataclass
class Project:
    """Every Charter document found, indexed the way the rules look them up."""

    root: str
    display_root: str
    sources: list[Source] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reported: set[str] | None = None
    rules: Mapping[str, Any] = field(default_factory=dict)
    base: Mapping[str, Any] | None = None
    base_by_file: Mapping[str, Any] = field(default_factory=dict)
    # The base revision's Evidence, for the rule that keeps merged evidence as it was.
    base_evidence: EvidenceBefore | None = None
    # The base revision's systems that the change may have removed, by name, with the file that
    # declared each: all of them, or only those of changed files when the rest of the base is
    # head's own. None: any system of base, known by file only through base_by_file.
    base_leaving: Mapping[str, str] | None = None
    # Which files the change adds or edits since the base revision, for the rules that ask.
    base_changes: Changes | None = None
    # The date each file was first committed, by file name; None outside git.
    first_added: Mapping[str, Any] | None = None
    # The rules the files were found by, for a base revision to be read by the same.
    discovery: Rules | None = None
    # The people directory the rules judge approvals through (the base's when comparing), and the
    # one this project declares; see checker.people.
    people: People | None = None
    own_people: People | None = None
    # The files component sources are read from (checker.sources): this revision's, read on first
    # use, and the base revision's when comparing.
    source_files: Tree | None = None
    base_files: Tree | None = None
    # The pull request the run judges (checker.pullrequest.PullRequestContext); None outside one.
    pull_request: Any = None
    # Context files taken from the cache, in the order they were found, with their routes.
    _deferred: list[DeferredFile] = field(default_factory=list)
    # For a project derived from another at a base revision: paths (from the root of the display,
    # with /) that the base did not have, that only the base had, and folders only the base had.
    _absent: frozenset[str] = frozenset()
    _present: frozenset[str] = frozenset()
    _present_dirs: frozenset[str] = frozenset()
    _absent_dirs: tuple[str, ...] = ()
    _order: dict[int, int] = field(default_factory=dict)
    _refs: dict[str, str | None] = field(default_factory=dict)
    _real_root: str = ""
    _dirs: dict[str, str] = field(default_factory=dict)

    @property
    def systems(self) -> list[Source]:
        return [s for s in self.sources if s.kind == "AISystem"]

    def systems_named(self, name: str) -> list[Source]:
        return self.by_name.get(name, [])

    def __post_init__(self) -> None:
        self.index()

    def index(self) -> None:
        self.by_name: _Groups = _Groups()
        self.evidence: _Groups = _Groups()
        for source in self.sources:
            order = self._order.get(id(source), 0)
            key = route(source)[1]
            if key is None:
                continue
            if source.kind == "AISystem":
                self.by_name.add(key, order, source)
            else:
                self.evidence.add(key, order, source)
        for order, _, routes, deferred in self._deferred:
            for position, (kind, key) in enumerate(routes):
                if key is None:
                    continue
                groups = self.by_name if kind == "AISystem" else self.evidence
                groups.defer(key, order, deferred, position)

    def sources_in(self, file: str) -> list[Source]:
        """The documents of one file, decoding them from the cache if need be."""
        found = [s for s in self.sources if s.file == file]
        for _, name, _, deferred in self._deferred:
            if name == file:
                found.extend(deferred.sources())
        return found

    def kind_sources(self, kind: str) -> list[Source]:
        """Every document of kind, in the order the files were found, decoding cached ones that hold one."""
        found = [(self._order.get(id(s), 0), s) for s in self.sources if s.kind == kind]
        for order, _, routes, deferred in self._deferred:
            if any(route[0] == kind for route in routes):
                found.extend((order, s) for s in deferred.sources() if s.kind == kind)
        return [s for _, s in sorted(found, key=lambda item: item[0])]

    def files(self) -> list[str]:
        """Every file with a Charter document, once each."""
        names = dict.fromkeys(s.file for s in self.sources)
        names.update(dict.fromkeys(entry[1] for entry in self._deferred))
        return list(names)

    def is_reported(self, file: str) -> bool:
        return self.reported is None or file in self.reported

    def display(self, path: str) -> str:
        return display_path(self.display_root, path)

    def ref_problem(self, ref: str) -> str | None:
        """Why ref is not a path inside the repository that exists, or None when it is fine."""
        if ref in self._refs:
            return self._refs[ref]
        self._refs[ref] = problem = self._check_ref(ref)
        return problem

    def _check_ref(self, ref: str) -> str | None:
        if ref.startswith("https://"):
            return None
        if "://" in ref:
            return f"'{ref}' is neither a repository path nor an https:// address"
        if os.path.isabs(ref) or ref.startswith(("/", "\\")):
            return f"'{ref}' is an absolute path; refs are relative to the repository root"
        root = os.path.normpath(self.root)
        target = os.path.normpath(os.path.join(root, ref))
        if not within(target, root):
            return f"'{ref}' leaves the repository"
        if not self._real_root:
            self._real_root = os.path.realpath(root)
        # Directories are resolved once each; only the last part needs a look of its own.
        parent = self._real_dir(os.path.dirname(target))
        real = os.path.join(parent, os.path.basename(target))
        if os.path.islink(real):
            real = os.path.realpath(real)
        if not within(real, self._real_root):
            return f"'{ref}' leads out of the repository through a symbolic link"
        if self._absent or self._present:
            shown = self.display(target)
            if shown in self._absent or (self._absent_dirs and (shown + "/").startswith(self._absent_dirs)):
                return f"'{ref}' does not exist in the repository"
            if shown in self._present or shown in self._present_dirs:
                return None
        if not os.path.exists(real):
            return f"'{ref}' does not exist in the repository"
        return None

    def _real_dir(self, directory: str) -> str:
        real = self._dirs.get(directory)
        if real is None:
            real = self._dirs[directory] = os.path.realpath(directory)
        return real


class EvidenceBefore:
    """The valid Evidence documents of a base revision, looked up by file or by system and name."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._files: dict[str, list[Source | Deferred]] | None = None

    def in_file(self, file: str) -> list[tuple[int, Any, Any]]:
        """(index, name, data) of each valid Evidence document of file."""
        if self._files is None:
            # One pass for the whole run: a check with a base asks this of every evidence file.
            self._files = {}
            for source in self.project.sources:
                self._files.setdefault(source.file, []).append(source)
            for _, name, _, deferred in self.project._deferred:
                self._files.setdefault(name, []).append(deferred)
        found: list[tuple[int, Any, Any]] = []
        for entry in self._files.get(file, []):
            for s in entry.sources() if isinstance(entry, Deferred) else [entry]:
                if s.kind == "Evidence" and s.valid:
                    found.append((s.doc.index, s.name, s.data))
        return found

    def named(self, system: str, name: str) -> tuple[str, Any] | None:
        """(file, data) of the valid Evidence document of system called name, wherever it was."""
        for source in self.project.evidence.get(system, []):
            if source.valid and source.name == name:
                return source.file, source.data
        return None


def build_project(
    paths: list[str],
    root: str,
    display_root: str,
    config: Config,
    explicit_files: set[str],
    cache: FileCache | None = None,
    tree: Lister | None = None,
    gitlinks: Callable[[list[str]], set[str]] | None = None,
) -> Project:
    """Find and load every Charter document of the repository at root.

    tree lists the directories of a commit's tree exported at root (see discovery.GitTree); without
    it the working tree is listed, and gitlinks says which of its empty directories are submodules.
    """
    rules = discovery_rules(config, root, paths)
    found = checked_files(paths, root, display_root, rules, cache, tree, gitlinks)
    reading = Reading(root, display_root, rules, explicit_files, found.reported, cache)
    with uncollected():
        read = read_all(reading, found.context)
    return Project(
        root=root,
        display_root=display_root,
        sources=read.sources,
        problems=found.problems + read.problems,
        notes=found.notes + read.notes,
        reported=found.reported,
        discovery=rules,
        _deferred=read.deferred,
        _order=read.order,
    )
