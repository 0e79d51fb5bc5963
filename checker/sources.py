"""The content digest of a component's source files, the same for the working tree and a git tree.

A component's ``source`` lists repository paths or globs (relative to the repository root) of the
files that make it: prompt templates, tool definitions, rules files. Its digest is
``sha256:<hex>`` of every matched file in the byte order of its path, each written as the length
of its path in bytes, ``:``, the path, the length of its content, ``:`` and the content. Only
regular files count: symbolic links and submodules are never followed, and a source that matches
one is a problem to report rather than something to skip.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol

from checker.discovery import Globs

_WILD = re.compile(r"[*?\[]")
FILE, LINK = "file", "link"


class Tree(Protocol):
    """Files of one revision, by path from the repository root with /."""

    def entries(self, under: str) -> Mapping[str, str]:
        """Every entry below the directory under ("" for the root): FILE or LINK."""
        ...

    def read(self, path: str) -> bytes | None: ...


def digest(files: Iterable[tuple[str, bytes]]) -> str:
    """sha256 of the files (path, content), in path order, each length-prefixed."""
    sha = hashlib.sha256()
    for path, data in sorted((p.encode("utf-8"), d) for p, d in files):
        sha.update(b"%d:%s%d:" % (len(path), path, len(data)))
        sha.update(data)
    return "sha256:" + sha.hexdigest()


def ref_problem(ref: str) -> str | None:
    """Why ref cannot name files of the repository, or None."""
    if "://" in ref:
        return f"'{ref}' is an address; a source names files of the repository"
    if ref.startswith(("/", "\\")) or os.path.isabs(ref):
        return f"'{ref}' is an absolute path; sources are relative to the repository root"
    if ".." in ref.replace("\\", "/").split("/"):
        return f"'{ref}' leaves the repository"
    if "\x00" in ref:
        return f"'{ref}' contains a NUL character, which no repository path can hold"
    return None


def is_glob(pattern: str) -> bool:
    """Whether a source pattern is a glob, naming only what it matches, rather than a path."""
    return _WILD.search(pattern) is not None


def _fixed(pattern: str) -> str:
    """The directory a pattern's matches all lie below: its leading segments without wildcards."""
    parts = [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]
    fixed = []
    for part in parts[:-1]:
        if _WILD.search(part):
            break
        fixed.append(part)
    return "/".join(fixed)


def matches(tree: Tree, pattern: str) -> dict[str, str]:
    """The entries of tree a source pattern names: a glob, a file, or every file below a directory."""
    entries = tree.entries(_fixed(pattern))
    if not _WILD.search(pattern):
        plain = "/".join(p for p in pattern.replace("\\", "/").split("/") if p not in ("", "."))
        below = plain + "/"
        return {p: k for p, k in entries.items() if p == plain or p.startswith(below)}
    globs = Globs([pattern])
    return {p: k for p, k in entries.items() if globs.match(p)}


class Resolved:
    """What a component's source patterns name in one tree: the files, and what is wrong."""

    def __init__(self, tree: Tree, patterns: Sequence[str]) -> None:
        self.files: dict[str, str] = {}
        # (index of the pattern, why it names no content), in pattern order.
        self.problems: list[tuple[int, str]] = []
        for i, pattern in enumerate(patterns):
            problem = ref_problem(pattern)
            if problem is not None:
                self.problems.append((i, problem))
                continue
            found = matches(tree, pattern)
            links = sorted(p for p, k in found.items() if k == LINK)
            if not found:
                self.problems.append((i, f"'{pattern}' matches no file in the repository"))
            elif links:
                self.problems.append(
                    (i, f"'{pattern}' matches {links[0]}, a symbolic link or submodule, never followed")
                )
            self.files.update(found)
        self._tree = tree

    def digest(self) -> str:
        """The digest of the regular files named; a file that cannot be read counts as empty."""
        files = sorted(p for p, k in self.files.items() if k == FILE)
        return digest((p, self._tree.read(p) or b"") for p in files)


class WorkingTree:
    """The files on disk below root; links are listed, never followed."""

    def __init__(self, root: str, without: Iterable[str] = ()) -> None:
        self.root = root
        self._without = frozenset(without)
        self._seen: dict[str, dict[str, str]] = {}

    def entries(self, under: str) -> Mapping[str, str]:
        if under not in self._seen:
            top = os.path.join(self.root, *under.split("/")) if under else self.root
            found = dict(self._walk(top, under))
            self._seen[under] = {p: k for p, k in found.items() if p not in self._without}
        return self._seen[under]

    def _walk(self, top: str, rel: str) -> Iterator[tuple[str, str]]:
        try:
            items = sorted(os.scandir(top), key=lambda e: e.name)
        except OSError:
            return
        for item in items:
            path = f"{rel}/{item.name}" if rel else item.name
            if item.is_symlink():
                yield path, LINK
            elif item.is_dir():
                if item.name == ".git":
                    continue
                if os.path.lexists(os.path.join(item.path, ".git")):
                    yield path, LINK  # another repository inside: a submodule is never read
                    continue
                yield from self._walk(item.path, path)
            elif item.is_file():
                yield path, FILE

    def read(self, path: str) -> bytes | None:
        try:
            with open(os.path.join(self.root, *path.split("/")), "rb") as handle:
                return handle.read()
        except OSError:
            return None
