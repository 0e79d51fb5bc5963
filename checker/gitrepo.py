"""Where a repository is, what HEAD is, and what git says of its files: history, changes, blobs."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from checker.cachestore import blob_id
from checker.errors import FatalError

if TYPE_CHECKING:
    pass


# Ordinary and executable files; symbolic links (0o120000) are never followed.
REGULAR_FILE_MODES = (0o100644, 0o100755)
# Files up to this size are hashed to tell an edit from a change of mode.
_HASHED_BYTES = 64 * 1024 * 1024


def _git_dir_of(work_tree: str) -> str | None:
    """The git directory of a work tree whose top holds .git (a directory, or a file naming one)."""
    dot = os.path.join(work_tree, ".git")
    if os.path.isdir(dot):
        return dot if os.path.isfile(os.path.join(dot, "HEAD")) else None
    if os.path.isfile(dot):  # a linked work tree or a submodule: "gitdir: <path>"
        try:
            with open(dot, encoding="utf-8") as handle:
                line = handle.readline().strip()
        except (OSError, UnicodeDecodeError):
            return None
        if not line.startswith("gitdir:"):
            return None
        target = os.path.join(work_tree, line[len("gitdir:") :].strip())
        return target if os.path.isfile(os.path.join(target, "HEAD")) else None
    return None


@lru_cache(maxsize=32)
def toplevel(path: str) -> str | None:
    """The root of the git work tree holding path, or None outside git.

    Found the way git finds it, by looking for .git upwards, so that a run that needs nothing else
    from git never loads gitpython.
    """
    probe = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
    while True:
        if _git_dir_of(probe) is not None:
            return os.path.realpath(probe)
        parent = os.path.dirname(probe)
        if parent == probe:
            return None
        probe = parent


_OBJECT_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def _read_ref(git_dir: str, common: str, ref: str) -> str | None:
    for directory in (git_dir, common):
        try:
            with open(os.path.join(directory, *ref.split("/")), encoding="ascii") as handle:
                value = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            continue
        return value if _OBJECT_ID.match(value) else None
    try:
        with open(os.path.join(common, "packed-refs"), encoding="utf-8") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref and _OBJECT_ID.match(parts[0]):
                    return parts[0]
    except (OSError, UnicodeDecodeError):
        pass
    return None


def _head_from_files(root: str) -> tuple[bool, str | None]:
    """(known, commit): HEAD read from the files of the git directory; known is False when unsure."""
    git_dir = _git_dir_of(root)
    if git_dir is None:
        return False, None
    common = git_dir
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            common = os.path.join(git_dir, handle.read().strip())
    except OSError:
        pass
    if os.path.isdir(os.path.join(common, "reftable")):
        return False, None
    try:
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as handle:
            head = handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return False, None
    if _OBJECT_ID.match(head):
        return True, head
    if not head.startswith("ref: refs/"):
        return False, None
    commit = _read_ref(git_dir, common, head[len("ref: ") :])
    # A branch with no commit yet has no ref anywhere; anything else unexpected goes to git itself.
    return True, commit


def head_commit(root: str) -> str | None:
    """The commit HEAD points at, or None outside git or before the first commit."""
    known, commit = _head_from_files(root)
    if known:
        return commit
    from checker.gitrevision import GitRepo

    try:
        with GitRepo(root) as repo:
            return repo.head()
    except FatalError:
        return None


def gitlinks(paths: list[str]) -> set[str]:
    """Which of paths (directories of a work tree) the index holds as submodules (mode 160000).

    Asked of git directly, without gitpython: only empty directories are asked about, which in a
    checkout are almost always submodules that were not checked out.
    """
    found: set[str] = set()
    by_root: dict[str, list[str]] = {}
    for path in paths:
        top = toplevel(path)
        if top is not None:
            by_root.setdefault(top, []).append(
                os.path.relpath(os.path.realpath(path), top).replace(os.sep, "/")
            )
    for top, rels in by_root.items():
        try:
            out = subprocess.run(
                ["git", "--literal-pathspecs", "-C", top, "ls-files", "--stage", "-z", "--", *rels],
                capture_output=True,
                check=True,
            ).stdout.decode("utf-8", "surrogateescape")
        except (OSError, subprocess.CalledProcessError):
            continue
        for entry in out.split("\0"):
            meta, _, path = entry.partition("\t")
            if meta.startswith("160000 ") and path in rels:
                found.add(os.path.join(top, *path.split("/")))
    return found


class History(Mapping[str, dt.date]):
    """The day each file was first committed, asked of git only when a rule first needs it."""

    def __init__(self, root: str, prefix: str, files: list[str] | None) -> None:
        self._args = (root, prefix, files)
        self._dates: dict[str, dt.date] | None = None

    def load(self) -> dict[str, dt.date]:
        """The dates, asked of git the first time."""
        if self._dates is None:
            from checker.gitrevision import GitRepo

            root, prefix, files = self._args
            with GitRepo(root) as repo:
                self._dates = repo.first_added(prefix, files)
        return self._dates

    def __getitem__(self, file: str) -> dt.date:
        return self.load()[file]

    def __iter__(self) -> Iterator[str]:
        return iter(self.load())

    def __len__(self) -> int:
        return len(self.load())


@dataclass(frozen=True)
class Changes:
    """How the working tree differs from a base commit, as GitRepo.changes_since says.

    Paths are from the root of the work tree, with /.
    """

    root: str
    paths: Mapping[str, str]
    folders: tuple[str, ...] = ()
    base_blobs: Mapping[str, str] = field(default_factory=dict)

    def edits(self, path: str) -> bool:
        """Whether the regular file at path is new since the base commit or holds other bytes now."""
        full = os.path.join(self.root, *path.split("/"))
        status = self.paths.get(path) or ("A" if self.folders and path.startswith(self.folders) else None)
        if status not in ("A", "M") or os.path.islink(full) or not os.path.isfile(full):
            return False
        before = self.base_blobs.get(path)
        # A change of mode alone is no edit; a file too large to hash is taken at git's word.
        now = blob_id(full, _HASHED_BYTES) if before is not None else None
        return now is None or now != before


def as_repo_path(path: str, git_root: str) -> str:
    """path relative to the git root, with / separators."""
    return os.path.relpath(path, git_root).replace(os.sep, "/")


def blob_contents(top: str, blobs: list[str]) -> dict[str, bytes]:
    """The bytes of each of blobs (object ids) that the repository at top holds, read in one batch."""
    wanted = [b for b in dict.fromkeys(blobs) if _OBJECT_ID.match(b)]
    if not wanted:
        return {}
    try:
        out = subprocess.run(
            ["git", "-C", top, "cat-file", "--batch"],
            input="".join(f"{b}\n" for b in wanted).encode(),
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    found: dict[str, bytes] = {}
    at = 0
    # Each answer is "<id> <type> <size>\n<bytes>\n", or "<id> missing\n".
    while at < len(out):
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found[header[0].decode()] = out[at : at + size]
            at += size + 1
        elif len(header) == 3:
            at += int(header[2]) + 1
    return found
