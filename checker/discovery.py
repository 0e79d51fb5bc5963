"""Which files of a tree are Charter's to read: the same rules for the working tree and a commit's tree.

A tree is walked from its root, directory by directory, in sorted order. Symbolic links and
submodules are never followed, in either kind of tree: they are listed so that the check can say
so, and what they lead to is never opened.
"""

from __future__ import annotations

import fnmatch
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checker.cache import FileCache

YAML_SUFFIXES = (".yaml", ".yml")
# Directories no one keeps manifests in, skipped when walking a tree unless a configured glob leads
# into them.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".eggs",
        "build",
        "dist",
    }
)

# One directory as a walk sees it: (YAML files, directories, symbolic links, submodules, what the
# directory itself is), each list sorted by name. What it is: "" an ordinary directory, "repository"
# one holding a .git of its own (a submodule or another repository checked out inside), "empty" one
# holding nothing at all (where git leaves a submodule it has not checked out).
Listing = tuple[list[str], list[str], list[str], list[str], str]
Lister = Callable[[str], "Listing | None"]


def _segment(part: str) -> str:
    """A regular expression for one segment of a glob: * and ? never cross a /."""
    out = [] if part.startswith(".") else [r"(?!\.)"]
    i = 0
    while i < len(part):
        char = part[i]
        end = part.find("]", i + 2 if part[i + 1 : i + 2] in ("]", "!") else i + 1) if char == "[" else -1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif end > 0:
            inner = part[i + 1 : end]
            negate = inner.startswith("!")
            inner = (inner[1:] if negate else inner).replace("\\", "\\\\")
            inner = "\\" + inner if inner.startswith("^") else inner
            out.append(("[^/" if negate else "[") + inner + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _split(pattern: str) -> list[str]:
    return [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]


def glob_regex(pattern: str) -> str:
    """A regular expression for a glob relative to the root: ** any directories, names never hidden.

    As Python's glob reads it: a wildcard does not match a name that starts with a dot unless the
    pattern's own segment does.
    """
    parts = _split(pattern)
    out = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(r"(?:(?!\.)[^/]+/)*" + (r"(?!\.)[^/]+" if last else ""))
        else:
            out.append(_segment(part) + ("" if last else "/"))
    return "".join(out)


class Globs:
    """Configured globs, matched against paths relative to the root with / separators."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = list(patterns)
        joined = "|".join(f"(?:{glob_regex(p)})" for p in self.patterns)
        self._match = re.compile(f"(?s:{joined})\\Z").match if self.patterns else None
        # Each pattern by its parts: None for **, else the compiled test of one name.
        self._parts = [
            [None if part == "**" else re.compile(_segment(part), re.S).fullmatch for part in _split(p)]
            for p in self.patterns
        ]
        self._reached: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def match(self, rel: str) -> bool:
        return self._match is not None and self._match(rel) is not None

    def reaches(self, rel_dir: str) -> bool:
        """Whether a glob can match something below the directory rel_dir."""
        known = self._reached.get(rel_dir)
        if known is None:
            names = rel_dir.split("/")
            known = self._reached[rel_dir] = any(_reaches(parts, names) for parts in self._parts)
        return known


def _reaches(parts: Sequence[Callable[[str], Any] | None], names: list[str]) -> bool:
    """Whether the glob parts can match a path that continues below the directory names."""
    if not names:
        return bool(parts)
    if not parts:
        return False
    if parts[0] is None:
        # ** stands for no directory here, or for this one (never a hidden one) and perhaps more.
        return _reaches(parts[1:], names) or (not names[0].startswith(".") and _reaches(parts, names[1:]))
    if len(parts) == 1 or parts[0](names[0]) is None:
        return False
    return _reaches(parts[1:], names[1:])


def excluded(rel: str, patterns: list[str]) -> bool:
    """Whether an exclude pattern of the configuration names rel or a directory above it."""
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns)


@dataclass
class Rules:
    """Which directories a walk enters, which files it reads, and which links and submodules matter.

    checked: the checked paths, relative to the root ("." for the root itself). With no globs the
    whole root is walked, for context; with globs, what they can reach and the checked paths.
    """

    manifests: Globs
    evidence: Globs
    exclude: list[str]
    checked: list[str]
    globs: Globs = field(init=False)

    def __post_init__(self) -> None:
        self.globs = Globs(self.manifests.patterns + self.evidence.patterns)
        self.checked = [c.strip("/") or "." for c in self.checked]
        self._whole = "." in self.checked
        self._named = [c for c in self.checked if c != "."]

    def _under_checked(self, rel: str) -> bool:
        return self._whole or any(rel == c or rel.startswith(c + "/") for c in self._named)

    def enters(self, rel: str) -> bool:
        """Whether a walk goes into the directory rel (a path below the root)."""
        if self.exclude and excluded(rel, self.exclude):
            return False
        if any(c.startswith(rel + "/") or c == rel for c in self._named):
            return True
        name = rel.rsplit("/", 1)[-1]
        reached = bool(self.globs) and self.globs.reaches(rel)
        if name in SKIP_DIRS and not reached:
            return False
        return not self.globs or reached or self._under_checked(rel)

    def reads(self, rel: str) -> bool:
        """Whether a walk reads the file rel, in a directory it entered."""
        if not rel.endswith(YAML_SUFFIXES) or (self.exclude and excluded(rel, self.exclude)):
            return False
        return not self.globs or self.globs.match(rel) or self._under_checked(rel)

    def finds(self, rel: str) -> bool:
        """Whether a walk of the root reads the file rel: reads it, and enters every directory above it."""
        parts = rel.split("/")
        return all(self.enters("/".join(parts[:i])) for i in range(1, len(parts))) and self.reads(rel)

    def guards(self, rel: str) -> bool:
        """Whether a link or submodule at rel stands where Charter documents are expected.

        That is named like a Charter file, or inside the configured globs (the path itself or what
        could lie below it), or with no globs inside the checked paths; or named on the command line.
        """
        if rel in self._named:
            return True
        if self.exclude and excluded(rel, self.exclude):
            return False
        if rel.endswith(YAML_SUFFIXES):
            return True
        if not self.globs:
            return self._under_checked(rel)
        return self.globs.match(rel) or self.globs.reaches(rel)

    def passes_by(self, rel: str) -> bool:
        """Whether a link or submodule at rel is left alone silently (named like a skipped directory)."""
        name = rel.rsplit("/", 1)[-1]
        return (
            name in SKIP_DIRS
            and not (self.globs and self.globs.reaches(rel))
            and not rel.endswith(YAML_SUFFIXES)
        )


@dataclass
class Found:
    """What a walk met, as paths relative to the root: files to read in order, links, submodules."""

    files: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    # Empty directories: in a working tree, where a submodule not checked out would be.
    empty: list[str] = field(default_factory=list)
    # Directories that could not be listed, with why: said as notes of the run, never passed over.
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def walk(rules: Rules, root: str, lister: Lister, start: str = "") -> Found:
    """Every file, link and submodule of the tree at root that the rules reach, in walk order.

    A directory's files come first, then its subdirectories, each in sorted order. Links and
    submodules that an exclude pattern names, or named like a skipped directory, are left out. A
    directory that cannot be listed is kept in found.unreadable.
    start: where root lies relative to the root the rules speak of, when it is not that root.
    """
    found = Found()
    _visit(rules, os.path.normpath(root), start, lister, found, top=True)
    return found


def _visit(rules: Rules, path: str, rel: str, lister: Lister, found: Found, top: bool = False) -> None:
    try:
        listing = lister(path)
    except OSError as exc:
        found.unreadable.append((rel, exc.strerror or type(exc).__name__))
        return
    if listing is None:
        return
    files, dirs, links, modules, what = listing
    if not top and what:
        (found.modules if what == "repository" else found.empty).append(rel)
        return
    prefix = path if path.endswith(os.sep) else path + os.sep
    above = rel + "/" if rel else ""
    for names, into in ((links, found.links), (modules, found.modules)):
        for name in names:
            entry = above + name
            if not rules.passes_by(entry) and not (rules.exclude and excluded(entry, rules.exclude)):
                into.append(entry)
    for name in files:
        if rules.reads(above + name):
            found.files.append(above + name)
    for name in dirs:
        if rules.enters(above + name):
            _visit(rules, prefix + name, above + name, lister, found)


# A directory whose modification time is this close to now may still change within the same tick of
# the file system's clock, so its listing is not kept.
_SETTLED_NS = 3_000_000_000


def _scan(top: str) -> Listing:
    """The listing of the working tree's directory top, from its entries alone (nothing is followed).

    An OSError (a directory that cannot be read) is the caller's to report.
    """
    files, dirs, links = [], [], []
    what = "empty"
    with os.scandir(top) as entries:
        for entry in entries:
            name = entry.name
            if name == ".git":
                what = "repository"
                continue
            if what == "empty":
                what = ""
            if entry.is_symlink():
                links.append(name)
            elif entry.is_dir(follow_symlinks=False):
                dirs.append(name)
            elif name.endswith(YAML_SUFFIXES):
                files.append(name)
    files.sort()
    dirs.sort()
    links.sort()
    return files, dirs, links, [], what


def working_tree(cache: FileCache | None) -> Lister:
    """Lists directories of the working tree, from the cache while their modification times say so."""
    if cache is None or cache.directory is None:
        return _scan

    def listing(top: str) -> Listing | None:
        info = os.stat(top)
        stamp = (info.st_mtime_ns, info.st_ino)
        kept = cache.listing(top, stamp, YAML_SUFFIXES)
        # A change of permissions leaves the modification time alone: a directory that can no
        # longer be read is scanned, for the error to be reported, rather than listed from the cache.
        if kept is not None and os.access(top, os.R_OK | os.X_OK):
            return kept
        found = _scan(top)
        if time.time_ns() - info.st_mtime_ns > _SETTLED_NS:
            cache.keep_listing(top, stamp, found)
        return found

    return listing


# git's modes for a file, an executable, a symbolic link and a submodule (a gitlink).
FILE_MODES = ("100644", "100755")
LINK_MODE = "120000"
MODULE_MODE = "160000"


class GitTree:
    """The listings of a commit's tree, from `git ls-tree -r`, for the tree exported at root."""

    def __init__(self, root: str, entries: Iterable[tuple[str, str]]) -> None:
        self.root = os.path.normpath(root)
        self.dirs: dict[str, Listing] = {}
        self.files: set[str] = set()
        for mode, path in entries:
            parts = path.split("/")
            if any(p in ("", ".", "..") for p in parts):
                continue
            for i in range(len(parts) - 1):
                parent = self._at("/".join(parts[:i]))
                if parts[i] not in parent[1]:
                    parent[1].append(parts[i])
            listing, name = self._at("/".join(parts[:-1])), parts[-1]
            if mode in FILE_MODES:
                self.files.add(path)
                if name.endswith(YAML_SUFFIXES):
                    listing[0].append(name)
            elif mode == LINK_MODE:
                listing[2].append(name)
            elif mode == MODULE_MODE:
                listing[3].append(name)
        for listing in self.dirs.values():
            for names in listing[:4]:
                names.sort()  # type: ignore[attr-defined]

    def _at(self, rel: str) -> Listing:
        listing = self.dirs.get(rel)
        if listing is None:
            listing = self.dirs[rel] = ([], [], [], [], "")
        return listing

    def __call__(self, path: str) -> Listing | None:
        rel = os.path.relpath(os.path.normpath(path), self.root).replace(os.sep, "/")
        return self.dirs.get("" if rel == "." else rel)
