"""One YAML document: its plain data, where each key and value was written, and its problems.

A document read for context keeps only the first levels' positions (see checker.yamlload); the
others are read again from its file the first time a finding asks where something is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

Key = str | int
FieldPath = tuple[Key, ...]
Loc = tuple[int, int]


class YamlProblem(Exception):
    """A problem in one document, with its 1-based position."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[type[YamlProblem], tuple[str, int, int]]:
        return (YamlProblem, (self.message, self.line, self.column))


@dataclass
class Document:
    """One YAML document: plain Python data plus where each part was written."""

    data: Any
    index: int
    line: int
    column: int
    keys: dict[FieldPath, Loc] = field(default_factory=dict)
    values: dict[FieldPath, Loc] = field(default_factory=dict)
    # Problems that leave the document readable (a duplicate key, a merge key, a foreign tag, an
    # alias): it stays known by name but is not checked further.
    problems: list[YamlProblem] = field(default_factory=list)

    # Set when the positions were shed to save memory: the file and index to read them from again.
    origin: tuple[str, int] | None = None

    # How each plain scalar that YAML reads as something other than text (yes, 3.10, 2026-01-01)
    # was written, so that a field expecting text can say what to quote.
    written: dict[FieldPath, str] = field(default_factory=dict)

    # Whether the text it was read from is printable ASCII, tabs and line feeds, with no backslash
    # to escape anything else: then so is every key and value, and none needs a closer look.
    plain: bool = False

    # Whether a mapping of it has a whole number as a key (1: x), which JSON would make text.
    number_keys: bool = False

    def shed(self, path: str) -> None:
        """Drop the positions; the first locate() reads them again from the file at path."""
        self.keys, self.values, self.written, self.origin = {}, {}, {}, (path, self.index)

    def _restore(self) -> None:
        if self.origin is None:
            return
        path, index = self.origin
        self.origin = None
        positions = _reread(path).get(index)
        if positions is not None:
            self.keys, self.values, self.written = positions

    def spelling(self, path: FieldPath) -> str | None:
        """How the scalar at path was written, when YAML read it as something other than text."""
        self._restore()
        return self.written.get(path)

    def locate(self, path: FieldPath) -> Loc:
        """Position of the value at path, or of the closest parent that exists."""
        self._restore()
        loc = self.values.get(path)
        if loc is not None:
            return loc
        while path:
            path = path[:-1]
            loc = self.keys.get(path) or self.values.get(path)
            if loc is not None:
                return loc
        return (self.line, self.column)

    def locate_key(self, path: FieldPath) -> Loc:
        """Position of the key that introduces path (or of the value, for list items)."""
        self._restore()
        return self.keys.get(path) or self.locate(path)


_Positions = tuple[dict[FieldPath, Loc], dict[FieldPath, Loc], dict[FieldPath, str]]
# The positions of the file read again last, by document index: the documents of one file with
# findings then cost one read between them, not one each.
_reread_last: tuple[tuple[str, tuple[int, ...]], dict[int, _Positions]] | None = None


def _reread(path: str) -> dict[int, _Positions]:
    global _reread_last
    try:
        info = os.lstat(path)
        identity = (path, (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns))
    except OSError:
        return {}
    if _reread_last is None or _reread_last[0] != identity:
        # Reading is the loader's job, and the loader builds documents: it is imported when first needed.
        from checker import yamlload

        loaded = yamlload.load_file(path).documents
        _reread_last = (identity, {doc.index: (doc.keys, doc.values, doc.written) for doc in loaded})
    return _reread_last[1]
