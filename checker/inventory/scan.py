"""One pass over the candidate files: names first, then the content of the kinds of file readers know.

A file's content is read only when its name says a reader knows it, and handed to the reader only
when a fast text prefilter finds a name a detector looks for. What a reader finds depends only on
the bytes and the detectors, so it is kept by git blob id (see InventoryCache).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

from checker.cache import _load, _write_atomically
from checker.inventory.detectors import Detectors
from checker.inventory.files import Candidate
from checker.inventory.javascript import javascript_usages
from checker.inventory.manifests import manifest_kind, manifest_usages
from checker.inventory.python import notebook_usages, python_usages
from checker.inventory.usage import Unread, Usage

_JAVASCRIPT = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")
_LFS = b"version https://git-lfs.github.com/spec/v1"
# Content past this size is not code anyone wrote by hand; it is looked at by name only.
_LARGEST = 8 * 1024 * 1024
_FORMAT = 1


def content_kind(rel: str) -> str | None:
    """Which reader a file of this name goes to, or None when only its name counts."""
    name = rel.rsplit("/", 1)[-1]
    if name.endswith(".py"):
        return "python"
    if name.endswith(".ipynb"):
        return "notebook"
    if name.endswith(_JAVASCRIPT) and not name.endswith(".d.ts"):
        return "javascript"
    return manifest_kind(name)


class _Prefilter:
    """A fast test that a text may hold an import of one of names: a plain search for each name,
    then one expression for the forms an import takes, before any reader parses the text."""

    def __init__(self, names: list[str], forms: str) -> None:
        self.names = [n.encode() for n in sorted(set(names)) if n]
        joined = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
        self.forms = re.compile(forms.format(joined).encode()) if names else None

    def passes(self, text: bytes) -> bool:
        if self.forms is None or not any(name in text for name in self.names):
            return False
        return self.forms.search(text) is not None


def _prefilters(detectors: Detectors) -> dict[str, _Prefilter]:
    modules = sorted(detectors.python_roots())
    quoted = sorted(set(detectors.boto3_services()))
    # import a, b.c / from a.b import / a quoted name (importlib, __import__, a boto3 service).
    python = _Prefilter(
        modules + quoted,
        r"""\bimport[ \t]+(?:[\w., \t]|\\\r?\n)*?\b(?:{0})|\bfrom[ \t]+(?:{0})|['"](?:{0})""",
    )
    # A JavaScript module is named in quotes: 'openai', "@langchain/core".
    javascript = _Prefilter(sorted(detectors.javascript_roots()), r"""['"](?:{0})['"/]""")
    return {"python": python, "notebook": python, "javascript": javascript}


@dataclass
class InventoryCache:
    """What the readers found in each content, by git blob id, for one set of detectors."""

    path: str | None
    detectors: str
    blobs: dict[str, list[object]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def open(cls, directory: str | None, detectors: str) -> InventoryCache:
        path = os.path.join(directory, "inventory.json") if directory else None
        stored = _load(path) if path else None
        blobs = stored.get("blobs") if stored and stored.get("detectors") == [detectors, _FORMAT] else None
        return cls(path, detectors, blobs if type(blobs) is dict else {})

    def get(self, blob: str) -> list[Usage] | Unread | None:
        entry = self.blobs.get(blob)
        if type(entry) is not list:
            return None
        if entry and entry[0] == "unread":
            if len(entry) == 3 and type(entry[1]) is int and type(entry[2]) is str:
                return Unread(entry[1], entry[2])
            return None
        usages = []
        for item in entry:
            if type(item) is not list or len(item) != 4 or [type(v) for v in item] != [int, int, str, str]:
                return None
            usages.append(Usage(*item))  # type: ignore[arg-type]
        return usages

    def put(self, blob: str, found: list[Usage] | Unread) -> None:
        entry: list[object] = ["unread", *found] if isinstance(found, Unread) else [list(u) for u in found]
        self.blobs[blob] = entry  # type: ignore[assignment]
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        try:
            from checker.cache import _STAMP

            _write_atomically(
                self.path, {"stamp": _STAMP, "detectors": [self.detectors, _FORMAT], "blobs": self.blobs}
            )
        except (OSError, ValueError):
            return


def _blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass
class FileResult:
    candidate: Candidate
    usages: list[Usage]
    unread: Unread | None = None


class Scanner:
    """Finds the AI usage of files with one set of detectors, keeping what readers find by blob id."""

    def __init__(self, detectors: Detectors, cache: InventoryCache) -> None:
        self.detectors = detectors
        self.cache = cache
        self._filters = _prefilters(detectors)

    def read_content(self, text: bytes, kind: str) -> list[Usage] | Unread:
        prefilter = self._filters.get(kind)
        if prefilter is not None and not prefilter.passes(text):
            return []
        if b"\0" in text[:8000]:
            return []  # binary: its name is all that counts
        decoded = text.decode("utf-8", "replace")
        if kind == "python":
            return python_usages(decoded, self.detectors)
        if kind == "notebook":
            return notebook_usages(decoded, self.detectors)
        if kind == "javascript":
            return javascript_usages(decoded, self.detectors)
        return manifest_usages(decoded, kind, self.detectors)

    def _content(self, candidate: Candidate, kind: str) -> list[Usage] | Unread:
        if candidate.blob is not None:
            kept = self.cache.get(candidate.blob)
            if kept is not None:
                return kept
        try:
            if os.lstat(candidate.path).st_size > _LARGEST:
                return []
            with open(candidate.path, "rb") as handle:
                text = handle.read()
        except OSError as exc:
            return Unread(1, f"it cannot be read: {exc.strerror}")
        blob = candidate.blob or _blob(text)
        kept = self.cache.get(blob) if candidate.blob is None else None
        if kept is not None:
            return kept
        found = self.read_content(text, kind)
        self.cache.put(blob, found)
        return found

    def _named(self, candidate: Candidate) -> list[Usage]:
        detector = self.detectors.for_file(candidate.rel)
        if detector is None:
            return []
        what = "model file" if detector.id == "model-artifact" else "configuration file"
        try:
            with open(candidate.path, "rb") as handle:
                if handle.read(len(_LFS)) == _LFS:
                    what += " (a Git LFS pointer)"
        except OSError:
            pass  # found by its name, which is all that counts
        return [Usage(1, 1, detector.id, what)]

    def scan(self, candidate: Candidate) -> FileResult:
        usages = self._named(candidate) if self.detectors.names_files else []
        kind = content_kind(candidate.rel)
        if kind is None:
            return FileResult(candidate, usages)
        found = self._content(candidate, kind)
        if isinstance(found, Unread):
            return FileResult(candidate, usages, found)
        return FileResult(candidate, sorted(usages + found))
