"""Where the paths of a work tree really lead, each directory looked at once for all its entries.

A repository's documents name thousands of files (refs), most of them in a few hundred
directories. Resolving each path on its own costs a look at every part of it; listing each
directory once says, for all of its entries at a time, which are symbolic links. Only those, and
names a listing does not have, are then looked at on their own, as before.
"""

from __future__ import annotations

import os

from checker.paths import within


class Places:
    """The directories under one root: where each really is, and which of its entries are links."""

    def __init__(self, root: str) -> None:
        self.root = os.path.normpath(root)
        self._real: dict[str, str] = {}
        # Directory (as resolved) -> each entry's name -> whether it is a symbolic link; None when
        # it cannot be listed. A directory is listed the second time one of its entries is asked
        # about: a lone path costs no more than looking at it.
        self._entries: dict[str, dict[str, bool] | None] = {}
        self._asked: set[str] = set()

    def is_link(self, directory: str, name: str) -> bool | None:
        """Whether the entry name of directory (already resolved) is a symbolic link; None when
        that is not known from a listing (the directory is not listed, or has no such entry)."""
        entries = self._entries.get(directory)
        if entries is None and directory not in self._entries:
            # Only the repository's own directories are listed, never those above it.
            if directory not in self._asked or not within(directory, self.real_dir(self.root)):
                self._asked.add(directory)
                return None
            entries = self._entries[directory] = _listed(directory)
        return None if entries is None else entries.get(name)

    def real_dir(self, directory: str) -> str:
        """The directory (normalised, the root or below it) with every symbolic link resolved."""
        real = self._real.get(directory)
        if real is None:
            parent, name = os.path.split(directory)
            if directory == self.root or not within(directory, self.root):
                real = os.path.realpath(directory)
            else:
                above = self.real_dir(parent)
                here = os.path.join(above, name)
                # An entry that is no link lies where its resolved parent puts it.
                real = here if self.is_link(above, name) is False else os.path.realpath(here)
            self._real[directory] = real
        return real


def _listed(directory: str) -> dict[str, bool] | None:
    try:
        with os.scandir(directory) as entries:
            return {entry.name: entry.is_symlink() for entry in entries}
    except OSError:
        return None
