"""The repository being checked: its Charter documents, indexed the way the rules look them up.

build_project finds the files (checker.checked_files) and reads them (checker.reading, with the
cache behind it); a Project holds what they hold and answers the rules' lookups: systems by name,
evidence by system, the documents of a file, and where a ref leads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.cache import FileCache
from checker.charter_documents import FileProblem, Source, route
from checker.checked_files import checked_files, discovery_rules
from checker.config import Config
from checker.context_fields import Keep, cached_fields
from checker.discovery import Lister, Rules
from checker.fanout import Task
from checker.paths import display_path, within
from checker.places import Places
from checker.reading import Deferred, DeferredFile, Reading, read_all, uncollected


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


@dataclass(frozen=True, eq=False)
class Project:
    """Every Charter document found, indexed the way the rules look them up; never changed once made.

    What a run judges the documents with besides (the base revision, history, the rules, the pull
    request, the people) is the run's, in checker.run_context.RunContext.
    """

    root: str
    display_root: str
    sources: tuple[Source, ...] = ()
    problems: tuple[FileProblem, ...] = ()
    notes: tuple[str, ...] = ()
    reported: frozenset[str] | None = None
    # The rules the files were found by, for a base revision to be read by the same.
    discovery: Rules | None = None
    # Context files taken from the cache, in the order they were found, with their routes.
    deferred: tuple[DeferredFile, ...] = ()
    # The place of each source's file in the order the files were found, by the source's id.
    order: Mapping[int, int] = field(default_factory=dict)
    # For a project derived from another at a base revision: paths (from the root of the display,
    # with /) that the base did not have, that only the base had, and folders only the base had.
    absent: frozenset[str] = frozenset()
    present: frozenset[str] = frozenset()
    present_dirs: frozenset[str] = frozenset()
    absent_dirs: tuple[str, ...] = ()
    # Lookups worked out once: the sources by name and by system, and where refs and folders lead.
    by_name: _Groups = field(init=False, repr=False)
    evidence: _Groups = field(init=False, repr=False)
    _refs: dict[str, str | None] = field(init=False, repr=False, default_factory=dict)
    _places: Places = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_name, evidence = _Groups(), _Groups()
        for source in self.sources:
            order = self.order.get(id(source), 0)
            key = route(source)[1]
            if key is None:
                continue
            if source.kind == "AISystem":
                by_name.add(key, order, source)
            else:
                evidence.add(key, order, source)
        for order, _, routes, deferred in self.deferred:
            for position, (kind, key) in enumerate(routes):
                if key is None:
                    continue
                groups = by_name if kind == "AISystem" else evidence
                groups.defer(key, order, deferred, position)
        # Set here only, while the project is made: a frozen dataclass refuses it anywhere else.
        object.__setattr__(self, "by_name", by_name)
        object.__setattr__(self, "evidence", evidence)
        object.__setattr__(self, "_places", Places(self.root))

    @property
    def systems(self) -> list[Source]:
        return [s for s in self.sources if s.kind == "AISystem"]

    def systems_named(self, name: str) -> list[Source]:
        return self.by_name.get(name, [])

    def sources_in(self, file: str) -> list[Source]:
        """The documents of one file, decoding them from the cache if need be."""
        found = [s for s in self.sources if s.file == file]
        for _, name, _, deferred in self.deferred:
            if name == file:
                found.extend(deferred.sources())
        return found

    def kind_sources(self, kind: str) -> list[Source]:
        """Every document of kind, in the order the files were found, decoding cached ones that hold one."""
        found = [(self.order.get(id(s), 0), s) for s in self.sources if s.kind == kind]
        for order, _, routes, deferred in self.deferred:
            if any(route[0] == kind for route in routes):
                found.extend((order, s) for s in deferred.sources() if s.kind == kind)
        return [s for _, s in sorted(found, key=lambda item: item[0])]

    def declares(self, kind: str) -> bool:
        """Whether some document of the project, read or kept encoded, is of kind."""
        return any(s.kind == kind for s in self.sources) or any(
            route_kind == kind for _, _, routes, _ in self.deferred for route_kind, _ in routes
        )

    def files(self) -> list[str]:
        """Every file with a Charter document, once each."""
        names = dict.fromkeys(s.file for s in self.sources)
        names.update(dict.fromkeys(entry[1] for entry in self.deferred))
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
        # Directories are resolved once each, and listed once each for which entries are links:
        # only the last part of a path the listings do not know needs a look of its own.
        places = self._places
        parent, name = places.real_dir(os.path.dirname(target)), os.path.basename(target)
        real = os.path.join(parent, name)
        link = places.is_link(parent, name)
        if link or (link is None and os.path.islink(real)):
            real = os.path.realpath(real)
        if not within(real, places.real_dir(root)):
            return f"'{ref}' leads out of the repository through a symbolic link"
        if self.absent or self.present:
            shown = self.display(target)
            if shown in self.absent or (self.absent_dirs and (shown + "/").startswith(self.absent_dirs)):
                return f"'{ref}' does not exist in the repository"
            if shown in self.present or shown in self.present_dirs:
                return None
        if link is False:  # a listed entry that is no link: it exists
            return None
        if not os.path.exists(real):
            return f"'{ref}' does not exist in the repository"
        return None


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
            for _, name, _, deferred in self.project.deferred:
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
    keep: Keep | None = None,
    meanwhile: Task[Any] | None = None,
) -> Project:
    """Find and load every Charter document of the repository at root.

    tree lists the directories of a commit's tree exported at root (see discovery.GitTree); without
    it the working tree is listed, and gitlinks says which of its empty directories are submodules.
    keep: what the checks that will judge the project read of files that are only context (see
    checker.context_fields.enabled_fields); None, what every check of Charter's reads.
    meanwhile: work of this process's own, done while other processes read the files.
    """
    rules = discovery_rules(config, root, paths)
    found = checked_files(paths, root, display_root, rules, cache, tree, gitlinks)
    if keep is not None and keep == cached_fields():
        keep = None
    reading = Reading(root, display_root, rules, explicit_files, found.reported, cache, keep)
    with uncollected():
        read = read_all(reading, found.context, meanwhile)
    return Project(
        root=root,
        display_root=display_root,
        sources=tuple(read.sources),
        problems=(*found.problems, *read.problems),
        notes=(*found.notes, *read.notes),
        reported=frozenset(found.reported) if found.reported is not None else None,
        discovery=rules,
        deferred=tuple(read.deferred),
        order=read.order,
    )
