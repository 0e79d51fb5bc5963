"""The store of policy and configuration files as they were after validation."""

from __future__ import annotations

import os
from typing import Any

from checker.cachestore import STAMP, load, same, shared_directory, signature, write_atomically
from checker.plaindata import Invalid, conform, encode


class Prepared:
    """Policy and configuration files as they were after validation, by path and signature.

    Validating them needs pydantic, whose import alone costs more than the rest of a one-file check;
    an unchanged file is taken from here instead. Entries depend on the file's bytes only, and are
    believed only when they have exactly the shape of what validation gives.
    """

    def __init__(self, directory: str | None) -> None:
        self.path = os.path.join(directory, "prepared.json") if directory else None
        self.entries: dict[str, Any] = {}
        self.dirty = False
        if self.path is None:
            return
        stored = load(self.path)
        if stored is not None and type(stored.get("entries")) is dict:
            self.entries = stored["entries"]

    def get(self, kind: str, path: str, shape: Any) -> Any | None:
        """The value kept for the file at path, of type shape, while the file is unchanged."""
        if self.path is None:
            return None
        by_path = self.entries.get(kind)
        entry = by_path.get(os.path.abspath(path)) if type(by_path) is dict else None
        sig = signature(path)
        if sig is None or type(entry) is not list or len(entry) != 2 or not same(entry[0], sig):
            return None
        try:
            return conform(entry[1], shape)
        except Invalid:
            return None

    def put(self, kind: str, path: str, value: Any) -> None:
        sig = signature(path)
        if self.path is None or sig is None:
            return
        by_path = self.entries.get(kind)
        if type(by_path) is not dict:
            by_path = self.entries[kind] = {}
        by_path[os.path.abspath(path)] = [[*sig], encode(value)]
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        try:
            write_atomically(self.path, {"stamp": STAMP, "entries": self.entries})
        except (OSError, ValueError):
            return
        self.dirty = False


_NO_CACHE = Prepared(None)


def prepared(git_root: str | None, enabled: bool = True) -> Prepared:
    """The store of validated policy and configuration files for a run."""
    return Prepared(shared_directory(git_root)) if enabled else _NO_CACHE
