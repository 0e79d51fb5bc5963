"""Which files the inventory looks at.

In git: the tracked files (git's index) and the untracked ones git does not ignore; outside git,
every file under the paths. Vendored code, node_modules, virtual environments and what the
configuration excludes are left out, and submodules are never entered. Symbolic links are listed as
links: checker.inventory.take reads what they lead to only when it is a part of the repository that
is not looked at on its own. Named files (the pre-commit case) are the only ones looked at.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from typing import NamedTuple

from checker.discovery import excluded
from checker.gitlisting import GitListing, listed_files

# Directories that hold other people's code or an installed environment, never the repository's own.
SKIPPED = frozenset({"vendor", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__", ".git"})
_REGULAR = ("100644", "100755")
_LINK = "120000"


class Candidate(NamedTuple):
    """A file to look at: its path, its path from the repository root (with /) and its git blob id
    when git vouches for the working copy's content.

    link: the path is a symbolic link; via: for a file read through one, the path from the root of
    the file it leads to; kind: the reader it goes to whatever its name (see scan.content_kind).
    """

    path: str
    rel: str
    blob: str | None = None
    executable: bool = False
    link: bool = False
    via: str | None = None
    kind: str | None = None


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


# A file as listed: (path from the root, full path, git blob id, git mode); the mode is None when
# only the file itself can say (untracked, or changed since git's index).
_Entry = tuple[str, str, str | None, str | None]


def pathspecs(top: str, scopes: list[str]) -> list[str]:
    """The scopes (absolute paths) as git names them from the work tree's top."""
    return [os.path.relpath(s, top).replace(os.sep, "/") for s in scopes]


def _from_git(top: str, root: str, scopes: list[str], begun: GitListing | None) -> list[_Entry]:
    """Tracked and untracked-not-ignored files under scopes (absolute paths) in the work tree at top.

    begun: git's listing of those files, when it was started already.
    """
    specs = pathspecs(top, scopes)
    if begun is not None and (begun.top, begun.pathspecs) == (top, specs):
        listed = begun.result()
    else:
        listed = listed_files(top, specs)
    out: list[tuple[str, str | None, str | None]] = []
    for path, (mode, index_blob) in listed.tracked.items():
        if path in listed.modified:
            out.append((path, None, None))
        elif mode in _REGULAR or mode == _LINK:
            out.append((path, index_blob if mode != _LINK else None, mode))
    out += [(path, None, None) for path in listed.untracked]
    found: list[_Entry] = []
    # Paths below the root are named from it by slicing; relpath only for the rare others.
    below = os.path.relpath(root, top).replace(os.sep, "/")
    prefix = "" if below == "." else below + "/"
    for path, blob, listed_mode in out:
        full = os.path.join(top, *path.split("/")) if os.sep != "/" else f"{top}/{path}"
        if path.startswith(prefix):
            rel = path[len(prefix) :]
        else:
            rel = os.path.relpath(full, root).replace(os.sep, "/")
        found.append((rel, full, blob, listed_mode))
    return found


def _entry(candidate: Candidate) -> _Entry:
    mode = _LINK if candidate.link else "100755" if candidate.executable else "100644"
    return (candidate.rel, candidate.path, None, mode)


def _on_disk(full: str, rel: str) -> Candidate | None:
    """A file as the file system has it: a regular file or a link; None for anything else or nothing."""
    try:
        mode = os.lstat(full).st_mode
    except OSError:
        return None
    if stat.S_ISLNK(mode):
        return Candidate(full, rel, link=True)
    if stat.S_ISREG(mode):
        return Candidate(full, rel, executable=bool(mode & 0o111))
    return None


def walked(root: str, scope: str, rel_scope: str | None = None) -> Iterable[Candidate]:
    """Every regular file and link below scope, no link followed, skipped directories not entered.

    rel_scope: the path from the root that scope is known by, when it is not scope's own.
    """
    for directory, dirs, files in os.walk(scope):
        links = [d for d in dirs if os.path.islink(os.path.join(directory, d))]
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED and d not in links)
        for name in sorted([*files, *links]):
            full = os.path.join(directory, name)
            rel = os.path.relpath(full, scope if rel_scope is not None else root).replace(os.sep, "/")
            candidate = _on_disk(full, f"{rel_scope}/{rel}" if rel_scope is not None else rel)
            if candidate is not None:
                yield candidate


class Listing(NamedTuple):
    """The files of the repository the inventory may look at: every one (from the root, with /,
    sorted), and those a wanted test picked, or that only their content can place (links, scripts)."""

    rels: list[str]
    wanted: list[Candidate]


def candidates(
    root: str,
    git_root: str | None,
    scopes: list[str],
    exclude: list[str],
    named: bool = False,
    wanted: Callable[[str], bool] | None = None,
    begun: GitListing | None = None,
) -> Listing:
    """The files under scopes (absolute paths) to look at, relative to the repository root.

    named: scopes are files named one by one, and only they are looked at. wanted: whether a file
    of this name may hold usage (None: every file may). begun: git's listing of the files under
    scopes, when it was started already (see checker.gitlisting.GitListing).
    """
    found: list[_Entry]
    if named:
        on_disk = (_on_disk(s, os.path.relpath(s, root).replace(os.sep, "/")) for s in scopes)
        found = [_entry(c) for c in on_disk if c is not None]
    elif git_root is not None:
        found = _from_git(git_root, root, scopes, begun)
    else:
        found = [_entry(c) for scope in scopes for c in walked(root, scope)]
    environments = _environments(rel for rel, *_ in found) if not named else ()
    rels: dict[str, bool] = {}
    picked: dict[str, Candidate] = {}
    for rel, full, blob, mode in found:
        # A path named on its own is looked at even inside a skipped directory; exclusions still hold.
        if not ((named and not excluded(rel, exclude)) or kept(rel, exclude, environments)):
            continue
        if mode is None:
            candidate = _on_disk(full, rel)
            if candidate is None:
                continue  # gone from the work tree since git listed it
            rels[rel] = True
            if candidate.link or candidate.executable or wanted is None or wanted(rel):
                picked[rel] = candidate
            continue
        rels[rel] = True
        if mode == _LINK or mode == "100755" or wanted is None or wanted(rel):
            picked[rel] = Candidate(full, rel, blob, executable=mode == "100755", link=mode == _LINK)
    return Listing(sorted(rels), [picked[rel] for rel in sorted(picked)])
