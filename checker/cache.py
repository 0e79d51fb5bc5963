"""A cache of parsed and schema-checked files, so that unchanged files are not read again.

What is cached depends only on a file's bytes and on this version of Charter, never on policies,
configuration or the date: each entry is keyed by the file's size, modification time and inode, and
the whole cache by the tool version. It lives in the repository's git directory (.git/charter/), or
in the user cache directory outside git, and is written atomically so that concurrent runs at worst
redo each other's work. CHARTER_CACHE_DIR moves it; CHARTER_NO_CACHE=1 or --no-cache turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import pickle
import stat
import tempfile
from typing import Any

from checker import __version__

FORMAT = 7
_STAMP = (__version__, FORMAT)
Signature = tuple[int, int, int]


def signature(path: str) -> Signature | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def shared_directory(git_root: str | None) -> str | None:
    """Where caches live: the git directory, CHARTER_CACHE_DIR, or the user cache directory."""
    if os.environ.get("CHARTER_NO_CACHE"):
        return None
    explicit = os.environ.get("CHARTER_CACHE_DIR")
    if explicit:
        return explicit
    if git_root:
        git_dir = os.path.join(git_root, ".git")
        if os.path.isdir(git_dir):
            return os.path.join(git_dir, "charter")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "charter")


def default_directory(root: str, git_root: str | None) -> str | None:
    """Where the cache of the repository at root lives, or None when caching is off."""
    shared = shared_directory(git_root)
    if shared is None:
        return None
    return os.path.join(shared, hashlib.sha256(os.path.realpath(root).encode()).hexdigest()[:16])


def _pickle(payload: Any, out: Any) -> None:
    pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)


def _write_atomically(path: str, payload: Any, dump: Any = _pickle) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            dump(payload, out)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# What the index holds of a file that is only context for the named files: for each Charter document
# in it, (kind, the key it is looked up by: a system's name or the system evidence is about), the
# notes it gave, and the rest encoded, decoded only for the few documents a run looks up.
Route = tuple[str, Any]
Summary = tuple[tuple[Route, ...], list[str], bytes]


class FileCache:
    """Per file: a summary kept in one index, and the full result in a file of its own."""

    def __init__(self, directory: str | None) -> None:
        self.directory = directory
        self.index: dict[str, tuple[Signature, bool, tuple[Route, ...], list[str], bytes, str]] = {}
        # Directory listings by path: ((modification time, inode), (YAML files, directories, links)).
        self.dirs: dict[str, Any] = {}
        self.dirty = False
        if directory is None:
            return
        try:
            # marshal: the index holds only plain values and must load in milliseconds.
            with open(os.path.join(directory, "index.marshal"), "rb") as handle:
                stamp, index, dirs = marshal.loads(handle.read())
            if tuple(stamp) == _STAMP:
                self.index, self.dirs = index, dirs
        except (OSError, EOFError, ValueError, TypeError):
            self.index, self.dirs = {}, {}

    def _full_path(self, file: str) -> str:
        assert self.directory is not None
        name = hashlib.sha256(file.encode()).hexdigest()
        return os.path.join(self.directory, "files", name[:2], name + ".pickle")

    def summary(self, file: str, sig: Signature | None, candidate: bool) -> Summary | None:
        """The cached summary of file, when its signature and reading are the same."""
        entry = self.index.get(file)
        if entry is None or sig is None or entry[0] != sig or entry[1] != candidate:
            return None
        return entry[2], entry[3], entry[4]

    def full(self, file: str, sig: Signature | None, candidate: bool) -> Any | None:
        """The cached full result of file, when its signature and reading are the same."""
        if self.directory is None or self.summary(file, sig, candidate) is None:
            return None
        stored = self._load(self._full_path(file))
        if stored is None or stored[:3] != (_STAMP, sig, candidate):
            return None
        return stored[3]

    def previous(self, file: str, blob: str, candidate: bool) -> Any | None:
        """The full result of file as it was when its content had the git blob id blob.

        Each file keeps the version before its latest change: usually what a base revision has.
        """
        if self.directory is None:
            return None
        for path in (self._full_path(file), self._full_path(file) + ".previous"):
            stored = self._load(path)
            if stored is not None and stored[0] == _STAMP and stored[2] == candidate and stored[4] == blob:
                return stored[3]
        return None

    @staticmethod
    def _load(path: str) -> Any | None:
        try:
            with open(path, "rb") as handle:
                stored = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            return None
        return stored if isinstance(stored, tuple) and len(stored) == 5 else None

    def put(
        self,
        file: str,
        sig: Signature | None,
        candidate: bool,
        routes: tuple[Route, ...],
        notes: list[str],
        plain: Any,
        full: Any,
        blob: str,
    ) -> None:
        if self.directory is None or sig is None:
            return
        target = self._full_path(file)
        try:
            old = self.index.get(file)
            if old is not None and old[5] != blob and os.path.exists(target):
                os.replace(target, target + ".previous")
            _write_atomically(target, (_STAMP, sig, candidate, full, blob))
        except OSError:
            return  # a read-only checkout still gets its answer, just not faster next time
        self.index[file] = (sig, candidate, routes, notes, marshal.dumps(plain), blob)
        self.dirty = True

    def save(self) -> None:
        if self.directory is None or not self.dirty:
            return
        try:
            index = os.path.join(self.directory, "index.marshal")
            _write_atomically(index, (_STAMP, self.index, self.dirs), marshal.dump)
        except (OSError, ValueError):
            return
        self.dirty = False


class Prepared:
    """Policy and configuration files as they were after validation, by path and signature.

    Validating them needs pydantic, whose import alone costs more than the rest of a one-file check;
    an unchanged file is taken from here instead. Entries depend on the file's bytes only.
    """

    def __init__(self, directory: str | None) -> None:
        self.path = os.path.join(directory, "prepared.pickle") if directory else None
        self.entries: dict[tuple[str, str], tuple[Signature, Any]] = {}
        self.dirty = False
        if self.path is None:
            return
        try:
            with open(self.path, "rb") as handle:
                stamp, entries = pickle.load(handle)
            if stamp == _STAMP:
                self.entries = entries
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            self.entries = {}

    def get(self, kind: str, path: str) -> Any | None:
        if self.path is None:
            return None
        entry = self.entries.get((kind, os.path.abspath(path)))
        if entry is None or entry[0] != signature(path):
            return None
        return entry[1]

    def put(self, kind: str, path: str, value: Any) -> None:
        sig = signature(path)
        if self.path is None or sig is None:
            return
        self.entries[(kind, os.path.abspath(path))] = (sig, value)
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        try:
            _write_atomically(self.path, (_STAMP, self.entries))
        except OSError:
            return
        self.dirty = False


_NO_CACHE = Prepared(None)


def prepared(git_root: str | None, enabled: bool = True) -> Prepared:
    """The store of validated policy and configuration files for a run."""
    return Prepared(shared_directory(git_root)) if enabled else _NO_CACHE


def blob_id(path: str, limit: int) -> str | None:
    """The id git gives the content of the regular file at path (SHA-1 of a blob header and the bytes).

    None for anything else, a link, a pipe or a file over limit bytes: never followed, never waited on.
    """
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        with os.fdopen(os.open(path, flags), "rb") as handle:
            data = handle.read(limit + 1)
    except OSError:
        return None
    if len(data) > limit:
        return None
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
