"""A cache of parsed and schema-checked files, so that unchanged files are not read again.

Per file, a summary is kept in one index and the full result as a record in a pack (see
checker.packs); where the cache lives and how its files are written is checker.cachestore. A
restored CI cache may have been written by anyone, so every value read back is checked for shape
and type: anything unexpected is a miss, and the file is read again.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from typing import Any

from checker.cachestore import STAMP, Signature, dump, load, other_version, same, stamped, write_atomically
from checker.packs import MAX_PACKS, Packs, place


def _parsed(text: Any) -> Any:
    """The value of the JSON text, or None for anything else."""
    if type(text) is not str:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


# What the index holds of a file that is only context for the named files: for each Charter document
# in it, (kind, the key it is looked up by: a system's name or the system evidence is about), the
# notes it gave, and the rest as JSON text, decoded only for the few documents a run looks up.
# Each entry is a mapping of text and booleans only, which the garbage collector does not track: the
# index of a large repository would otherwise be a hundred thousand lists it walks again and again.
Route = tuple[str, str | None]
Summary = tuple[tuple[Route, ...], list[str], str]
# A directory of the working tree: its YAML files, directories, symbolic links, submodules, and
# what it is ("" for an ordinary directory, "empty", or "repository" when it holds .git).
Listing = tuple[list[str], list[str], list[str], list[str], str]
_WHATS = ("", "empty", "repository")


def _routes_text(routes: tuple[Route, ...]) -> str | None:
    """Routes as the index keeps them: kind, then = and the key or - for none, all joined by NUL.

    Cheaper to read back than JSON for each of thousands of files; None when a part holds a NUL.
    """
    parts = [part for kind, key in routes for part in (kind, "-" if key is None else "=" + key)]
    return None if any("\0" in part for part in parts) else "\0".join(parts)


def _routes(text: Any) -> tuple[Route, ...] | None:
    if type(text) is not str:
        return None
    if not text:
        return ()
    parts = text.split("\0")
    if len(parts) % 2:
        return None
    routes: list[Route] = []
    for kind, key in zip(parts[::2], parts[1::2], strict=True):
        if key == "-":
            routes.append((kind, None))
        elif key[:1] == "=":
            routes.append((kind, key[1:]))
        else:
            return None
    return tuple(routes)


def _texts(stored: Any) -> bool:
    return type(stored) is list and all(type(s) is str for s in stored)


_NOT_NAMES = frozenset({"", ".", ".."})


def _split(text: Any) -> list[str] | None:
    """The names of a kept listing, joined with NUL; None unless text is text."""
    if type(text) is not str:
        return None
    return text.split("\0") if text else []


def _names(stored: list[str] | None, suffixes: tuple[str, ...] | None = None) -> bool:
    """Whether stored is a sorted list of plain names, each ending with one of suffixes if given.

    None of them leaves its directory.
    """
    if stored is None:
        return False
    if not stored:
        return True
    joined = "\0".join(stored)
    return (
        os.sep not in joined
        and (os.altsep is None or os.altsep not in joined)
        and _NOT_NAMES.isdisjoint(stored)
        and stored == sorted(stored)
        and (suffixes is None or all(map(str.endswith, stored, itertools.repeat(suffixes, len(stored)))))
    )


@dataclass(frozen=True)
class Record:
    """What the cache keeps of one file read afresh, made wherever the file was read (see keep)."""

    sig: Signature
    candidate: bool
    routes: str
    notes: str
    # The context summary, as JSON text.
    kept: str
    blob: str
    # The full result, as its record in a pack.
    data: bytes


def record(
    file: str,
    sig: Signature | None,
    candidate: bool,
    routes: tuple[Route, ...],
    notes: list[str],
    plain: Any,
    full: Any,
    blob: str,
) -> Record | None:
    """What the cache keeps of file: its context summary (plain) and full result, both plain data.

    None when there is nothing it can keep: no signature, or routes it cannot write.
    """
    text = _routes_text(routes)
    if sig is None or text is None:
        return None
    stored = {"stamp": STAMP, "file": file, "sig": [*sig], "candidate": candidate, "blob": blob}
    return Record(
        sig,
        candidate,
        text,
        "[]" if not notes else json.dumps(notes),
        dump(plain).decode(),
        blob,
        dump({**stored, "result": full}),
    )


class FileCache:
    """Per file: a summary kept in one index, and the full result as a record in a pack.

    Everything read back is checked for shape and type, and belongs to the file whose name, size,
    modification time and inode it states; anything else is a miss, and the file is read again.
    """

    def __init__(self, directory: str | None) -> None:
        self.directory = directory
        self.index: dict[str, Any] = {}
        # Directory listings by path: modification time, inode, and the names of YAML files,
        # directories and links, each joined with NUL.
        self.dirs: dict[str, Any] = {}
        self.dirty = False
        # What was found damaged, by file ("" for the index): never used, and said in a note.
        self.damage: dict[str, str] = {}
        self.packs = Packs(directory) if directory is not None else None
        if directory is None:
            return
        path = os.path.join(directory, "index.json")
        stored = load(path)
        if stored is not None and type(stored.get("files")) is dict and type(stored.get("dirs")) is dict:
            self.index, self.dirs = stored["files"], stored["dirs"]
        elif stored is not None or (os.path.exists(path) and not other_version(path)):
            self.damaged("", "its index is not one Charter wrote")

    def damaged(self, file: str, why: str) -> None:
        """Take note that what the cache kept of file is damaged; the file is then read again."""
        self.damage.setdefault(file, why)

    def notes(self) -> list[str]:
        """What the run says about a damaged cache: once, with the first thing found."""
        if not self.damage:
            return []
        file, why = next(iter(self.damage.items()))
        others = len(self.damage) - 1
        what = f"{file}: {why}" if file else why
        more = f", and {others} other file{'s' if others > 1 else ''}" if others else ""
        return [f"the cache in {self.directory} is damaged ({what}{more}): what it kept was read again"]

    def summary(self, file: str, sig: Signature | None, candidate: bool) -> Summary | None:
        """The cached summary of file, when its signature and reading are the same."""
        entry = self.index.get(file)
        if sig is None or entry is None:
            return None
        get = entry.get if type(entry) is dict else None
        if get is None or not all(type(get(k)) is int for k in ("size", "mtime", "inode")):
            self.damaged(file, "its entry in the index is not one Charter writes")
            return None
        if (get("size"), get("mtime"), get("inode")) != sig or get("named") is not candidate:
            return None  # another version of the file, or read another way
        plain, notes = get("kept"), get("notes")
        notes = [] if notes == "[]" else _parsed(notes)
        found = _routes(get("routes"))
        if type(plain) is not str or found is None or not _texts(notes):
            self.damaged(file, "its entry in the index is not one Charter writes")
            return None
        return found, notes, plain

    def _record(self, file: str, key: str) -> dict[str, Any] | None:
        """The record of file that its index entry places at key, when it is file's."""
        entry = self.index.get(file)
        if self.packs is None or type(entry) is not dict or key not in entry:
            return None
        where = place(entry[key])
        if where is None:
            self.damaged(file, "the index gives a place no record can be at")
            return None
        stored = stamped(self.packs.read(where))
        if stored is None or stored.get("file") != file or type(stored.get("candidate")) is not bool:
            self.damaged(file, f"{where[0]} does not hold its record where the index says")
            return None
        return stored

    def full(self, file: str, sig: Signature | None, candidate: bool) -> Any | None:
        """The cached full result of file as plain data, when its signature and reading are the same."""
        if self.directory is None or sig is None or self.summary(file, sig, candidate) is None:
            return None
        stored = self._record(file, "at")
        if stored is None:
            return None
        if not same(stored.get("sig"), sig) or stored["candidate"] is not candidate:
            self.damaged(file, "its record is not of the file as the index says it was read")
            return None
        return stored.get("result")

    def previous(self, file: str, blob: str, candidate: bool) -> Any | None:
        """The full result of file as it was when its content had the git blob id blob.

        Each file keeps the version before its latest change: usually what a base revision has.
        """
        for key in ("at", "before"):
            stored = self._record(file, key)
            if stored is not None and stored["candidate"] is candidate and stored.get("blob") == blob:
                return stored.get("result")
        return None

    def keep(self, file: str, record: Record) -> None:
        """Keep what record holds of file: the summary in the index, the full result in the run's pack."""
        if self.packs is None:
            return
        at = self.packs.write(record.data)
        if at is None:
            return  # a read-only checkout still gets its answer, just not faster next time
        old = self.index.get(file)
        old = old if type(old) is dict else {}
        # The version before the latest change stays, for a base revision that still has it.
        before = old.get("at") if old.get("blob") != record.blob else old.get("before")
        self.index[file] = {
            "size": record.sig[0],
            "mtime": record.sig[1],
            "inode": record.sig[2],
            "named": record.candidate,
            "routes": record.routes,
            "notes": record.notes,
            "kept": record.kept,
            "blob": record.blob,
            "at": at,
            **({"before": before} if place(before) is not None else {}),
        }
        self.dirty = True

    def listing(self, top: str, stamp: tuple[int, int], suffixes: tuple[str, ...]) -> Listing | None:
        """The kept listing of the directory top, when its modification time and inode are stamp.

        Its files all end with one of suffixes, and no name leaves the directory.
        """
        kept = self.dirs.get(top)
        if type(kept) is not dict or kept.get("mtime") != stamp[0] or kept.get("inode") != stamp[1]:
            return None
        files, dirs, links = _split(kept.get("files")), _split(kept.get("dirs")), _split(kept.get("links"))
        modules, what = _split(kept.get("modules")), kept.get("what")
        if not (_names(files, suffixes) and _names(dirs) and _names(links) and _names(modules)):
            return None
        if what not in _WHATS:
            return None
        return files, dirs, links, modules, what  # type: ignore[return-value]

    def keep_listing(self, top: str, stamp: tuple[int, int], listing: Listing) -> None:
        # Names are joined with NUL, which no file name can hold.
        files, dirs, links, modules = ("\0".join(names) for names in listing[:4])
        self.dirs[top] = {
            "mtime": stamp[0],
            "inode": stamp[1],
            "files": files,
            "dirs": dirs,
            "links": links,
            "modules": modules,
            "what": listing[4],
        }
        self.dirty = True

    def save(self) -> None:
        """Write the index once, after the run's pack is complete, and drop packs nothing names."""
        if self.directory is None or self.packs is None or not self.dirty:
            return
        named = self._gathered()
        self.packs.close()
        try:
            index = os.path.join(self.directory, "index.json")
            write_atomically(index, {"stamp": STAMP, "files": self.index, "dirs": self.dirs})
        except (OSError, ValueError):
            return
        self.dirty = False
        self.packs.finish(named)

    def _gathered(self) -> set[str]:
        """The packs the index names, after moving every live record into this run's pack if too many."""
        assert self.packs is not None
        places = [
            (entry, key, where)
            for entry in self.index.values()
            if type(entry) is dict
            for key in ("at", "before")
            if (where := place(entry.get(key))) is not None
        ]
        named = {where[0] for _, _, where in places}
        if len(named) <= MAX_PACKS:
            return named
        named = set()
        for entry, key, where in places:
            moved = self.packs.gather(where)
            if moved is None:
                entry.pop(key, None)
            else:
                entry[key] = moved
                named.add(moved[0])
        return named
