"""Pack files: many cache records in one file, written once per run and read back one record at a time.

A run that reads files from disk appends each one's record to a single new pack, which it never
changes again once the run is over; the index says where each record lies (pack, offset, length).
Creating one file per record cost more than parsing the YAML it stood for. Packs that the index no
longer names are removed, and when a repository's records have spread over too many packs, the live
ones are copied into the run's pack as they are, byte for byte.

What a pack holds is believed no more than any other cache file: a place that the index gives is
checked for shape before it is used, and the record found there is checked by whoever reads it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from typing import Any, BinaryIO

_NAME = re.compile(r"pack-[0-9a-f]{16}\.json")
# No record of a file of at most 5 MiB comes near this; a larger length is a damaged index.
MAX_RECORD = 256 * 1024 * 1024
# Beyond this many packs in use, a run gathers every live record into its own pack.
MAX_PACKS = 16
# A pack that the index does not name is left alone this long: a run beside this one may be
# writing it, and will name it in the index it saves.
_GRACE_SECONDS = 600

Place = tuple[str, int, int]


def place(value: Any) -> Place | None:
    """The (pack, offset, length) that value states, as the index keeps it; None for anything else."""
    if type(value) is not list or len(value) != 3:
        return None
    name, offset, length = value
    if type(name) is not str or not _NAME.fullmatch(name):
        return None
    if type(offset) is not int or type(length) is not int:
        return None
    if not (0 <= offset < 2**62 and 0 <= length <= MAX_RECORD):
        return None
    return name, offset, length


class Packs:
    """The packs of one cache directory: reading any of them, and writing this run's own."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._open: dict[str, int] = {}
        self._writer: BinaryIO | None = None
        self._name = ""
        self._size = 0

    def read(self, where: Place) -> bytes | None:
        """The bytes at where, or None when the pack is gone or shorter than the index says."""
        name, offset, length = where
        if name == self._name and self._writer is not None:
            self._writer.flush()
        fd = self._open.get(name)
        try:
            if fd is None:
                flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                fd = self._open[name] = os.open(os.path.join(self.directory, name), flags)
            data = os.pread(fd, length, offset)
        except OSError:
            return None
        return data if len(data) == length else None

    def write(self, data: bytes) -> list[Any] | None:
        """Append data to this run's pack; where it lies, as the index keeps it, or None on failure."""
        try:
            if self._writer is None:
                os.makedirs(self.directory, exist_ok=True)
                name = f"pack-{secrets.token_hex(8)}.json"
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                self._writer = os.fdopen(os.open(os.path.join(self.directory, name), flags, 0o600), "wb")
                self._name, self._size = name, 0
            self._writer.write(data)
            self._writer.write(b"\n")
        except OSError:
            self._writer = None
            self._name = ""
            return None
        at = [self._name, self._size, len(data)]
        self._size += len(data) + 1
        return at

    def gather(self, where: Place) -> list[Any] | None:
        """Copy the record at where into this run's pack, unread; where it now lies."""
        data = self.read(where)
        return None if data is None else self.write(data)

    def finish(self, named: set[str]) -> None:
        """Close this run's pack and remove the packs that named leaves out, once they are old."""
        self.close()
        try:
            entries = list(os.scandir(self.directory))
        except OSError:
            return
        now = time.time()
        for entry in entries:
            if not _NAME.fullmatch(entry.name) or entry.name in named:
                continue
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime > _GRACE_SECONDS:
                    os.unlink(entry.path)

    def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(OSError):
                self._writer.close()
            self._writer = None
        for fd in self._open.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._open.clear()
