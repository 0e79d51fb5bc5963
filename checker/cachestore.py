"""Where Charter's caches live, and the stamped JSON files they are kept in.

What is cached depends only on a file's bytes and on this version of Charter, never on policies,
configuration or the date: each entry is keyed by the file's size, modification time and inode, and
every cache file is stamped with the tool version. Caches live in the repository's git directory
(.git/charter/), or in the user cache directory outside git, and are written atomically so that
concurrent runs at worst redo each other's work. CHARTER_CACHE_DIR moves them; CHARTER_NO_CACHE=1 or
--no-cache turns them off.

A restored CI cache may have been written by anyone, so it holds plain JSON only (never pickle or
marshal), and whatever is read back without this version's stamp is not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from typing import Any

from checker import __version__
from checker.plaindata import as_json

# 9: validation and the context fields changed with the new component kinds.
# 10: full results in packs (see checker.packs), without the positions nothing read back.
# 11: the inventory's detections of code files.
# 12: context summaries keep what the checks declare they read (see checker.context_fields).
FORMAT = 12
# As JSON gives it back: a list.
STAMP = [__version__, FORMAT]
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
    return os.path.join(shared, hashlib.sha256(os.fsencode(os.path.realpath(root))).hexdigest()[:16])


# One encoder for every cache file. What is stored is built by Charter as a tree (YAML data is
# built afresh for each node, to a bounded depth), so no value holds itself and none needs looking for.
# A date is left to the encoder to write, as checker.plaindata writes it.
_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False, default=as_json)


def dump(payload: Any) -> bytes:
    return _ENCODER.encode(payload).encode()


def write_atomically(path: str, payload: Any) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(dump(payload))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def load(path: str) -> dict[str, Any] | None:
    """The JSON object stored at path with this version's stamp; None for anything else."""
    try:
        with open(path, "rb") as handle:
            return stamped(handle.read())
    except OSError:
        return None


def other_version(path: str) -> bool:
    """Whether the JSON object at path has the stamp of another version of Charter: not damage."""
    try:
        with open(path, "rb") as handle:
            stored = json.loads(handle.read())
    except (OSError, ValueError, RecursionError):
        return False
    stamp = stored.get("stamp") if type(stored) is dict else None
    return type(stamp) is list and stamp != STAMP


def stamped(data: bytes | None) -> dict[str, Any] | None:
    """The JSON object data holds with this version's stamp; None for anything else."""
    if data is None:
        return None
    try:
        stored = json.loads(data)
    except (ValueError, RecursionError):
        # ValueError: not JSON, not UTF-8, or a number too long to read.
        return None
    if type(stored) is not dict or stored.get("stamp") != STAMP:
        return None
    return stored


def same(stored: Any, sig: Signature) -> bool:
    return type(stored) is list and stored == [*sig]


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
