"""Which files the inventory looks at.

In git: the tracked files (git's index) and the untracked ones git does not ignore; outside git,
every file under the paths. Vendored code, node_modules, virtual environments and what the
configuration excludes are left out, and symbolic links and submodules are never followed. Named
files (the pre-commit case) are the only ones looked at.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from checker.discovery import excluded
from checker.gitrepo import listed_files

# Directories that hold other people's code or an installed environment, never the repository's own.
SKIPPED = frozenset({"vendor", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__", ".git"})
_REGULAR = ("100644", "100755")


@dataclass(frozen=True)
class Candidate:
    """A file to look at: its path, its path from the repository root (with /) and its git blob id
    when git vouches for the working copy's content."""

    path: str
    rel: str
    blob: str | None = None


def _environments(rels: Iterable[str]) -> tuple[str, ...]:
    """The directories (ending in /) that are virtual environments: they hold a pyvenv.cfg."""
    return tuple(rel[: -len("pyvenv.cfg")] for rel in rels if rel.rsplit("/", 1)[-1] == "pyvenv.cfg")


def kept(rel: str, exclude: list[str], environments: tuple[str, ...] = ()) -> bool:
    """Whether rel (from the root, with /) is the repository's own code, not left out."""
    parts = rel.split("/")
    if any(p in SKIPPED for p in parts[:-1]):
        return False
    if environments and rel.startswith(environments):
        return False
    return not (exclude and excluded(rel, exclude))


def _from_git(top: str, root: str, scopes: list[str]) -> list[Candidate]:
    """Tracked and untracked-not-ignored files under scopes (absolute paths) in the work tree at top."""
    specs = [os.path.relpath(s, top).replace(os.sep, "/") for s in scopes]
    listed = listed_files(top, specs)
    out: list[tuple[str, str | None]] = []
    for path, (mode, index_blob) in listed.tracked.items():
        if mode in _REGULAR:
            out.append((path, None if path in listed.modified else index_blob))
    out += [(path, None) for path in listed.untracked]
    found = []
    # Paths below the root are named from it by slicing; relpath only for the rare others.
    below = os.path.relpath(root, top).replace(os.sep, "/")
    prefix = "" if below == "." else below + "/"
    for path, blob in out:
        full = os.path.join(top, *path.split("/")) if os.sep != "/" else f"{top}/{path}"
        if path.startswith(prefix):
            rel = path[len(prefix) :]
        else:
            rel = os.path.relpath(full, root).replace(os.sep, "/")
        found.append(Candidate(full, rel, blob))
    return found


def _walked(root: str, scope: str) -> Iterable[Candidate]:
    """Every regular file below scope, no link followed, skipped directories not entered."""
    for directory, dirs, files in os.walk(scope):
        dirs[:] = sorted(
            d for d in dirs if d not in SKIPPED and not os.path.islink(os.path.join(directory, d))
        )
        for name in sorted(files):
            full = os.path.join(directory, name)
            if not os.path.islink(full):
                yield Candidate(full, os.path.relpath(full, root).replace(os.sep, "/"))


def candidates(
    root: str, git_root: str | None, scopes: list[str], exclude: list[str], named: bool = False
) -> list[Candidate]:
    """The files under scopes (absolute paths) to look at, relative to the repository root.

    named: scopes are files named one by one, and only they are looked at.
    """
    if named:
        found = [
            Candidate(s, os.path.relpath(s, root).replace(os.sep, "/"))
            for s in scopes
            if os.path.isfile(s) and not os.path.islink(s)
        ]
    elif git_root is not None:
        found = _from_git(git_root, root, scopes)
    else:
        found = [c for scope in scopes for c in _walked(root, scope)]
    environments = _environments(c.rel for c in found) if not named else ()
    # A path named on its own is looked at even inside a skipped directory; exclusions still hold.
    keep = [
        c for c in found if (named and not excluded(c.rel, exclude)) or kept(c.rel, exclude, environments)
    ]
    return sorted({c.rel: c for c in keep}.values(), key=lambda c: c.rel)
