"""One pass over the candidate files: names first, then the content of the kinds of file readers know.

A file's content is read only when its name says a reader knows it, and handed to the reader only
when a fast text prefilter finds a name a detector looks for. What a reader finds depends only on
the bytes and the detectors, so it is kept by git blob id (see InventoryCache).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import io
import os
import re
import tokenize
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from checker.cachestore import STAMP, load, write_atomically
from checker.inventory.detectors import Detectors
from checker.inventory.files import Candidate
from checker.inventory.manifests import manifest_kind
from checker.inventory.usage import Unread, Usage

_JAVASCRIPT = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte", ".astro")
_LFS = b"version https://git-lfs.github.com/spec/v1"
# Content past this size is not code anyone wrote by hand; it is looked at by name only.
_LARGEST = 8 * 1024 * 1024
_FORMAT = 2
# A Python source's encoding declaration, on its first or second line (PEP 263).
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.M)
# The interpreter of an executable script without a known extension, from its #! line.
_SHEBANG = re.compile(rb"#![ \t]*(?:\S*/)?(?:env[ \t]+(?:-\S+[ \t]+)*)?(\S+)")
_INTERPRETERS = (("python", "python"), ("node", "javascript"), ("deno", "javascript"), ("bun", "javascript"))


def content_kind(rel: str) -> str | None:
    """Which reader a file of this name goes to, or None when only its name counts."""
    name = rel.rsplit("/", 1)[-1]
    if name.endswith((".py", ".pyw")):
        return "python"
    if name.endswith(".ipynb"):
        return "notebook"
    if name.endswith(_JAVASCRIPT) and not name.endswith(".d.ts"):
        return "javascript"
    # pip-tools and others keep requirement files in a directory of that name.
    if name.endswith((".txt", ".in")) and "requirements" in rel.split("/")[:-1]:
        return "requirements"
    return manifest_kind(name)


def is_code(path: str) -> bool:
    """Whether a file named on the command line is code the inventory reads, not a Charter document."""
    rel = path.replace(os.sep, "/")
    return not rel.endswith((".yaml", ".yml")) and content_kind(rel) is not None


def script_kind(head: bytes) -> str | None:
    """Which reader an executable file goes to by the interpreter its first line names, if any."""
    match = _SHEBANG.match(head)
    if match is None:
        return None
    program = match.group(1).decode("utf-8", "replace")
    return next((kind for name, kind in _INTERPRETERS if program.startswith(name)), None)


def _python_text(text: bytes) -> bytes | Unread:
    """A Python source as UTF-8, decoded as its encoding declaration says, as Python reads it."""
    head = b"\n".join(text.split(b"\n", 2)[:2])
    if _COOKIE.search(head) is None:
        return text
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(text).readline)
        if codecs.lookup(encoding).name == "utf-8":
            return text
        return text.decode(encoding).encode("utf-8")
    except (SyntaxError, LookupError, UnicodeError) as exc:
        return Unread(1, f"it declares an encoding Charter cannot read it in ({exc})")


class _Prefilter:
    """A fast test that a text may hold an import of one of names: a plain search for each name,
    then one expression for the forms an import takes, before any reader parses the text."""

    def __init__(self, names: list[str], forms: str) -> None:
        self.names = [n.encode() for n in sorted(set(names)) if n]
        self.forms = re.compile(forms.encode()) if self.names else None

    def passes(self, text: bytes) -> bool:
        if self.forms is None or not any(name in text for name in self.names):
            return False
        return self.forms.search(text) is not None


def _either(names: Iterable[str]) -> str:
    """An expression for any of names, the longest tried first; one that matches nothing if none."""
    found = sorted(set(names), key=len, reverse=True)
    return "|".join(re.escape(n) for n in found) if found else "(?!)"


# Python reads identifiers in their NFKC form, so a name in other letters may import a module.
def _python_passes(prefilter: _Prefilter, text: bytes) -> bool:
    if text.isascii():
        return prefilter.passes(text)
    normal = unicodedata.normalize("NFKC", text.decode("utf-8", "replace"))
    return prefilter.passes(normal.encode("utf-8"))


# A module name spelled with escapes in a JavaScript string after import, from or require.
_ESCAPED = re.compile(rb"""(?:\bimport|\bfrom|\brequire)\s*\(?\s*['"`][^'"`\n]*\\""")


def _prefilters(detectors: Detectors) -> dict[str, _Prefilter]:
    roots = sorted(detectors.python_roots())
    services = sorted(set(detectors.boto3_services()))
    # A string that import_module or __import__ is given starts with a root, or with the start of
    # one when the name is written in pieces ("open" "ai").
    starts = {root[:k] for root in roots for k in range(1, len(root))}
    python = _Prefilter(
        [*roots, *services, "import_module", "__import__"],
        # import a, b.c / from a.b import
        rf"\bimport[ \t]+(?:[\w., \t]|\\\r?\n)*?\b(?:{_either(roots)})|\bfrom[ \t]+(?:{_either(roots)})"
        # import_module("openai"), __import__(name="open" "ai"), import_module bound to another name
        rf"|\b(?:import_module|__import__)\s*\(\s*(?:name\s*=\s*)?[rRbBuU]{{0,2}}['\"]"
        rf"(?:(?:{_either(roots)})|(?:{_either(starts)})['\"])|\bimport_module\s+as\b"
        # a boto3 client's service, by name
        rf"|['\"](?:{_either(services)})['\"]",
    )
    # A JavaScript module is named in quotes: 'openai', "@langchain/core", `openai`.
    modules = sorted(detectors.javascript_roots())
    javascript = _Prefilter(modules, rf"""['"`](?:{_either(modules)})['"`/]""")
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
        stored = load(path) if path else None
        blobs = stored.get("blobs") if stored and stored.get("detectors") == [detectors, _FORMAT] else None
        return cls(path, detectors, blobs if type(blobs) is dict else {})

    def get(self, blob: str, kind: str) -> list[Usage] | Unread | None:
        """What the reader of kind found in the content blob, if kept."""
        entry = self.blobs.get(f"{kind}:{blob}")
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

    def put(self, blob: str, kind: str, found: list[Usage] | Unread) -> None:
        entry: list[object] = ["unread", *found] if isinstance(found, Unread) else [list(u) for u in found]
        self.blobs[f"{kind}:{blob}"] = entry  # type: ignore[assignment]
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        try:
            write_atomically(
                self.path, {"stamp": STAMP, "detectors": [self.detectors, _FORMAT], "blobs": self.blobs}
            )
        except (OSError, ValueError):
            return


def _named_module(found: list[Usage] | Unread) -> list[Usage] | Unread:
    """found, saying of a source that does not parse that it names a module a detector looks for."""
    if isinstance(found, Unread):
        return found._replace(reason=f"{found.reason}, and it names a module a detector looks for")
    return found


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
        self._names_files = detectors.names_files
        # The requirements files scanned, whose -r lines may name more files to read as such.
        self.requirements: list[Candidate] = []

    @functools.cached_property
    def _filters(self) -> dict[str, _Prefilter]:
        return _prefilters(self.detectors)

    def read_content(self, text: bytes, kind: str) -> list[Usage] | Unread:
        # The readers are imported when a file first needs one: most checks name no code at all.
        from checker.inventory.javascript import javascript_usages
        from checker.inventory.manifests import manifest_usages
        from checker.inventory.python import python_usages

        if b"\0" in text[:8000]:
            return []  # binary: its name is all that counts
        if kind == "python":
            source = _python_text(text)
            if isinstance(source, Unread):
                return source
            if not _python_passes(self._filters["python"], source):
                return []
            return _named_module(python_usages(source.decode("utf-8", "replace"), self.detectors))
        if kind == "notebook":
            return self._notebook(text)
        if kind == "javascript":
            if not (self._filters["javascript"].passes(text) or _ESCAPED.search(text)):
                return []
            return javascript_usages(text.decode("utf-8", "replace"), self.detectors)
        return manifest_usages(text.decode("utf-8", "replace"), kind, self.detectors)

    def _notebook(self, text: bytes) -> list[Usage] | Unread:
        """A notebook's usage; its code is tested as Jupyter joins it, escapes and split lines too."""
        from checker.inventory.python import notebook_usages

        prefilter = self._filters["notebook"]
        found = notebook_usages(
            text.decode("utf-8", "replace"),
            self.detectors,
            lambda code: _python_passes(prefilter, code.encode("utf-8")),
        )
        # A notebook Jupyter cannot read runs nothing; it is reported only when it names a module.
        if isinstance(found, Unread) and not _python_passes(prefilter, text):
            return []
        return _named_module(found)

    def _content(self, candidate: Candidate, kind: str) -> list[Usage] | Unread:
        if candidate.blob is not None:
            kept = self.cache.get(candidate.blob, kind)
            if kept is not None:
                return kept
        try:
            # A link is read only once its target is known to be a file of the repository.
            if os.stat(candidate.path).st_size > _LARGEST:
                return []
            with open(candidate.path, "rb") as handle:
                text = handle.read()
        except OSError as exc:
            return Unread(1, f"it cannot be read: {exc.strerror}")
        blob = candidate.blob or _blob(text)
        kept = self.cache.get(blob, kind) if candidate.blob is None else None
        if kept is not None:
            return kept
        found = self.read_content(text, kind)
        self.cache.put(blob, kind, found)
        return found

    def _named(self, candidate: Candidate) -> list[Usage]:
        detector = self.detectors.for_file(candidate.rel)
        if detector is None and candidate.via is not None:
            detector = self.detectors.for_file(candidate.via)
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

    def kind(self, candidate: Candidate) -> str | None:
        """The reader of a file: by its name, the name a link leads to, or a script's interpreter."""
        kind = candidate.kind or content_kind(candidate.rel)
        if kind is None and candidate.via is not None:
            kind = content_kind(candidate.via)
        if kind is None and candidate.executable:
            try:
                with open(candidate.path, "rb") as handle:
                    kind = script_kind(handle.read(256))
            except OSError:
                return None  # read for its name only, as any other file without a reader
        return kind

    def named_like_code(self, rel: str) -> bool:
        """Whether a file of this name has a reader, or a detector that knows it by name."""
        return content_kind(rel) is not None or self.detectors.for_file(rel) is not None

    def includes(self, candidate: Candidate) -> list[str]:
        """The other files a requirements file installs from, as it names them."""
        try:
            with open(candidate.path, "rb") as handle:
                text = handle.read(_LARGEST)
        except OSError:
            return []
        from checker.inventory.manifests import requirement_includes

        return requirement_includes(text.decode("utf-8", "replace"))

    def scan(self, candidate: Candidate) -> FileResult | None:
        """What the file holds; None when nothing was found and nothing stood in the way."""
        usages = self._named(candidate) if self._names_files else []
        kind = self.kind(candidate)
        if kind == "requirements":
            self.requirements.append(candidate)
        if kind is None:
            return FileResult(candidate, usages) if usages else None
        found = self._content(candidate, kind)
        if isinstance(found, Unread):
            return FileResult(candidate, usages, found)
        if not found and not usages:
            return None
        return FileResult(candidate, sorted(usages + found))
