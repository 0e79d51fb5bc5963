"""The project as it was at a base revision that differs from head only in a few files.

Every file the change leaves alone is the same at both revisions, so its documents are head's own;
only the base's version of each changed file is read, the way a walk of the base's tree would.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from checker import charter_documents
from checker.charter_documents import FileResult
from checker.checked_files import link_problem, module_problem, placed
from checker.discovery import LINK_MODE, MODULE_MODE, Rules
from checker.paths import within
from checker.project import Project
from checker.reading import Read, either_reading


class Change(NamedTuple):
    """What differs from the base, as GitRepo.changes_since says it (see derive)."""

    changes: Mapping[str, str]
    folders: tuple[str, ...]
    modes: Mapping[str, str]

    def differs(self, file: str) -> bool:
        # A folder itself counts too: an untracked repository inside the tree is listed as one.
        return file in self.changes or (bool(self.folders) and (file + "/").startswith(self.folders))


def derive(
    head: Project,
    changes: Mapping[str, str],
    folders: tuple[str, ...],
    base_text: Callable[[str], bytes | None],
    known: Callable[[str, bool], Any | None],
    modes: Mapping[str, str],
    scratch: str,
) -> Project:
    """The project as it was at a base revision that differs from head only in the changed files.

    changes maps each path (as head shows it) that differs from the base to A (only head has it),
    M (both have it) or D (only the base has it), and modes gives the base's git mode of each M or D
    path. Every other file is the same at both, so its documents are head's own; the base's version
    of a changed file comes from base_text, read as known(file, candidate) says when the cache still
    has it. Files in folders (ending in /) are head's only. Which changed files the base has is
    decided by the rules head was discovered by, as a walk of the base's tree would.
    """
    rules = head.discovery
    assert rules is not None, "derive needs a project found by build_project"
    change = Change(changes, folders, modes)
    orders = _walk_orders(head, changes)
    read = _unchanged(head, change, orders)
    base_files = _BaseFiles(head, rules, change, base_text, known, scratch)
    for file, status in sorted(changes.items()):
        if status != "A":
            base_files.add(file, orders.get(file, len(orders) + 1), read)
    present = frozenset(f for f, status in changes.items() if status == "D")
    return Project(
        root=head.root,
        display_root=head.display_root,
        sources=tuple(read.sources),
        problems=tuple(read.problems),
        reported=head.reported,
        discovery=rules,
        deferred=tuple(read.deferred),
        order=read.order,
        absent=frozenset(f for f, status in changes.items() if status == "A"),
        absent_dirs=folders,
        present=present,
        present_dirs=frozenset(
            "/".join(parts[:i]) for parts in (f.split("/") for f in present) for i in range(1, len(parts))
        ),
    )


def _walk_orders(head: Project, changes: Mapping[str, str]) -> dict[str, int]:
    """The place of each file the base has in a walk of the base tree.

    Where two files declare the same name, the first is the one the exported base would take.
    """
    present = {file for _, file, _, _ in head.deferred} | {s.file for s in head.sources}
    present |= {file for file, status in changes.items() if status != "A"}
    return {file: i for i, file in enumerate(sorted(present, key=_walk_key))}


def _unchanged(head: Project, change: Change, orders: Mapping[str, int]) -> Read:
    """Head's documents, problems and context files of the files the change leaves alone."""
    read = Read()
    for source in head.sources:
        if not change.differs(source.file):
            read.sources.append(source)
            read.order[id(source)] = orders[source.file]
    read.problems = [p for p in head.problems if not change.differs(p.file)]
    read.deferred = [(orders[e[1]], *e[1:]) for e in head.deferred if not change.differs(e[1])]
    return read


@dataclass(frozen=True)
class _BaseFiles:
    """How the base's version of a changed file is found and read (see derive)."""

    head: Project
    rules: Rules
    change: Change
    base_text: Callable[[str], bytes | None]
    known: Callable[[str, bool], Any | None]
    scratch: str

    def add(self, file: str, order: int, read: Read) -> None:
        """Add to read the base's version of file, edited or deleted by the change, as a walk finds it."""
        path = os.path.normpath(os.path.join(self.head.display_root, *file.split("/")))
        root = os.path.normpath(self.head.root)
        if not within(path, root):
            return
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        mode = self.change.modes.get(file)
        if mode in (LINK_MODE, MODULE_MODE):
            parts = rel.split("/")
            met = all(self.rules.enters("/".join(parts[:i])) for i in range(1, len(parts)))
            if met and not self.rules.passes_by(rel) and self.rules.guards(rel):
                read.problems.append(link_problem(file) if mode == LINK_MODE else module_problem(file))
            return
        if not self.rules.finds(rel):
            return
        result = self._result(file, rel)
        if result is None:
            return
        # Kept whole even when head has no reported file by this name: a system that moved is
        # compared with the base's by name, wherever the base declared it.
        for source in result.sources:
            read.order[id(source)] = order
        read.sources.extend(result.sources)
        read.problems.extend(placed(self.rules, rel, result))

    def _result(self, file: str, rel: str) -> FileResult | None:
        """The base's version of file, read from a copy in scratch; None when the base has none."""
        text = self.base_text(file)
        if text is None:
            return None
        copy = os.path.join(self.scratch, *file.split("/"))
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        with open(copy, "wb") as handle:
            handle.write(text)
        # As a walk of the exported base tree reads it: named by a pattern, or found on the way.
        candidate = self.rules.globs.match(rel)
        # Parsed when the working tree last had this content: positions are read from the copy.
        result = either_reading(functools.partial(self.known, file), file, copy, candidate)
        return result if result is not None else charter_documents.read_file(copy, file, candidate)


def _walk_key(file: str) -> list[tuple[int, str]]:
    """Where a walk meets file: a directory's files first, then its subdirectories, each sorted."""
    parts = file.split("/")
    return [(1, part) for part in parts[:-1]] + [(0, parts[-1])]
