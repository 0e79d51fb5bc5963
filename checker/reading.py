"""Reading a project's files, with the cache of parsed files behind this one seam.

Each file is taken from the cache when it still holds, else read afresh (over several processes
when there is much to read) and kept. A file that is only context for the named files keeps only
what the enabled checks read of it (checker.context_fields), kept encoded and decoded only when a
rule looks one of its documents up.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from checker import charter_documents
from checker.cache import FileCache, Record, Route, Summary, record
from checker.cachestore import Signature, signature
from checker.charter_documents import FileProblem, FileResult, Source, route
from checker.checked_files import placed
from checker.context_fields import Keep, cached_fields, context_only, covers
from checker.discovery import Rules
from checker.fanout import Task, fan_out, workers_for
from checker.paths import display_path
from checker.plaindata import Invalid
from checker.stored_results import from_plain, to_plain


class Deferred:
    """The sources of a context file, kept encoded until a rule looks one of them up.

    What the cache kept is checked when decoded; when it is damaged, or its documents are not those
    its routes promised, the file is read again instead.
    """

    __slots__ = ("_sources", "cache", "candidate", "file", "keep", "path", "routes", "text")

    def __init__(self, text: str, routes: tuple[Route, ...], job: _Job, cache: FileCache) -> None:
        self.text, self.routes, self.path, self.file = text, routes, job.path, job.file
        self.candidate, self.keep, self.cache = job.candidate, job.keep, cache
        self._sources: list[Source] | None = None

    def sources(self) -> list[Source]:
        if self._sources is None:
            try:
                found = from_plain(json.loads(self.text), self.file, None).sources
            except (ValueError, RecursionError):  # Invalid, or not JSON
                found = None
            if found is None or tuple(route(s) for s in found) != self.routes:
                self.cache.damaged(self.file, "its entry in the index is not one Charter writes")
                read = charter_documents.read_file(self.path, self.file, self.candidate)
                found = [context_only(s, self.keep or cached_fields()) for s in read.sources]
            elif self.keep is not None:
                found = [context_only(s, self.keep) for s in found]
            self._sources = found
        return self._sources


# A context file taken from the cache: the order it was found in, its name, its routes, its sources.
DeferredFile = tuple[int, str, tuple[Route, ...], Deferred]


@dataclass(frozen=True)
class Reading:
    """How the files of one project are read: where they lie, which are reported, by which rules.

    keep: what the enabled checks read of the files that are only context (see
    checker.context_fields); None when that is what the cache keeps of them.
    """

    root: str
    display_root: str
    rules: Rules
    explicit_files: set[str]
    reported: set[str] | None
    cache: FileCache | None
    keep: Keep | None = None


@dataclass
class Read:
    """What the files of a project hold, in the order they were found.

    order: the place of each source's file among them, by the source's id.
    """

    sources: list[Source] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    deferred: list[DeferredFile] = field(default_factory=list)
    order: dict[int, int] = field(default_factory=dict)


class _Job(NamedTuple):
    """One file of a project to take from the cache or read."""

    path: str
    file: str
    rel: str
    candidate: bool
    # Read only as context: no more than what other files' rules look at is needed.
    light: bool
    sig: Signature | None
    # Whether what is read is to be kept in the cache.
    keeping: bool
    # What the checks read of a context file (Reading.keep), and whether the cache's summaries hold it.
    keep: Keep | None
    summaries: bool


def read_all(reading: Reading, context: list[str], meanwhile: Task[Any] | None = None) -> Read:
    """Read (or take from the cache) each file of context, in order.

    What the cache does not have is read afresh, over several processes when there is much of it;
    this one does meanwhile first (see checker.fanout.fan_out).
    """
    cache = reading.cache
    # Whether the cache's summaries of context files keep all the checks read of them.
    summaries = reading.keep is None or covers(cached_fields(), reading.keep)
    jobs = [_job(reading, path, summaries) for path in context]
    kept = [_kept(job, cache) for job in jobs]
    missing = [job for job, hit in zip(jobs, kept, strict=True) if hit is None]
    if missing:
        # Loaded once here, not in each process that reads.
        import checker.models
        import checker.validate  # noqa: F401
    fresh = iter(fan_out(_fresh, missing, workers_for(len(missing)), meanwhile))
    read = Read()
    for order, (job, hit) in enumerate(zip(jobs, kept, strict=True)):
        if hit is None:
            hit, kept_record = next(fresh)
            if kept_record is not None and cache is not None:
                cache.keep(job.file, kept_record)
        if isinstance(hit, tuple):
            routes, notes, text = hit
            read.notes.extend(notes)
            assert cache is not None  # only the cache gives a summary
            deferred = Deferred(text, routes, job, cache)
            read.deferred.append((order, job.file, routes, deferred))
            continue
        read.problems.extend(placed(reading.rules, job.rel, hit))
        read.notes.extend(hit.notes)
        for source in hit.sources:
            read.order[id(source)] = order
        read.sources.extend(hit.sources)
    return read


def _job(reading: Reading, path: str, summaries: bool) -> _Job:
    root, cache = reading.root, reading.cache
    prefix = root.rstrip(os.sep) + os.sep
    shown = reading.display_root.rstrip(os.sep) + os.sep
    # The same as display_path(path), without a call for the common case.
    simple = path.startswith(shown) and os.sep == "/" and "/../" not in path
    file = path[len(shown) :] if simple else display_path(reading.display_root, path)
    below = path.startswith(prefix)
    rel = (path[len(prefix) :] if below else os.path.relpath(path, root)).replace(os.sep, "/")
    candidate = path in reading.explicit_files or reading.rules.globs.match(rel)
    light = reading.reported is not None and file not in reading.reported
    # A file the cache has no entry for is looked at once, as it is read (see _fresh).
    sig = signature(path) if cache is not None and file in cache.index else None
    keeping = cache is not None and cache.directory is not None
    return _Job(path, file, rel, candidate, light, sig, keeping, reading.keep, summaries)


@contextlib.contextmanager
def uncollected() -> Iterator[None]:
    """Read without the cyclic garbage collector, and keep what was read out of its later passes.

    Its passes over the documents read so far cost a tenth of a cold run; the documents live as
    long as the run and hold no cycles to free, so they are frozen out of its view once read.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _decoded(plain: Any | None, file: str, path: str, cache: FileCache | None) -> FileResult | None:
    """The cached result of file, read at path, or None when the cache had none that holds."""
    if plain is None:
        return None
    try:
        return from_plain(plain, file, path)
    except Invalid as exc:
        if cache is not None:
            cache.damaged(file, f"its kept result is not one Charter writes ({exc})")
        return None


def either_reading(
    kept: Callable[[bool], Any | None], file: str, path: str, candidate: bool, cache: FileCache | None = None
) -> FileResult | None:
    """The kept result of file (read at path) as candidate, or read the other way when that was clean.

    Being named (a candidate) changes only how a problem or a note is taken, so a reading of
    Charter documents without either holds for a run that names the file and for one that only
    finds it. A reading with no Charter document does not: named, a file without one is noted.
    """
    result = _decoded(kept(candidate), file, path, cache)
    if result is None:
        other = _decoded(kept(not candidate), file, path, cache)
        if other is not None and other.sources and not other.problems and not other.notes:
            result = other
    return result


def _kept(job: _Job, cache: FileCache | None) -> FileResult | Summary | None:
    """What the cache holds of job's file, as the run needs it; None when it has nothing that holds."""
    if cache is None:
        return None
    if job.light and job.summaries:
        return cache.summary(job.file, job.sig, job.candidate)
    kept = functools.partial(cache.full, job.file, job.sig)
    result = either_reading(kept, job.file, job.path, job.candidate, cache)
    if result is not None and job.light and job.keep is not None:
        # The checks read more of a context file than the cache's summaries keep: its whole
        # result, pruned to what they read, with positions read again from the file when needed.
        result = _pruned(result, job.keep, job.path)
    return result


def _pruned(result: FileResult, keep: Keep, shed: str | None = None) -> FileResult:
    """result with each document reduced to what keep says the checks read of it."""
    sources = [context_only(s, keep) for s in result.sources]
    if shed is not None:
        for source in sources:
            source.doc.shed(shed)
    return FileResult(result.problems, result.notes, sources)


def _fresh(job: _Job) -> tuple[FileResult, Record | None]:
    """job's file read afresh, as the run needs it, and what the cache is to keep of it."""
    path = job.path
    full = charter_documents.read_file(path, job.file, job.candidate)
    # What the cache keeps of a context file never depends on the policies: what every check of
    # Charter's reads; a run whose checks read another part of it prunes it its own way.
    small = _pruned(full, cached_fields()) if job.keeping or (job.light and job.keep is None) else None
    light = None
    if job.light:
        light = small if job.keep is None else _pruned(full, job.keep)
    # Positions are most of a document's memory and are needed only where a finding is: they are
    # read again from the file for the few documents that have one.
    for source in full.sources:
        source.doc.shed(path)
    kept = None
    if job.keeping and small is not None:
        routes = tuple(route(s) for s in small.sources)
        plain, whole = to_plain(small), to_plain(full)
        sig = job.sig if job.sig is not None else full.signature
        kept = record(job.file, sig, job.candidate, routes, small.notes, plain, whole, full.blob)
    return (light if light is not None else full), kept
