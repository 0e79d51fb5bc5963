"""The repository being checked: which files, which Charter documents, and where refs lead."""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import marshal
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checker.cache import FileCache, Summary, blob_id, signature
from checker.config import Config
from checker.finding import SchemaProblem
from checker.yamlload import MAX_BYTES, Document, load_file

if TYPE_CHECKING:
    from checker.gitrepo import Changes
    from checker.people import People

YAML_SUFFIXES = (".yaml", ".yml")
# Directories no one keeps manifests in, skipped when walking a tree.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".eggs",
        "build",
        "dist",
    }
)
KINDS = ("AISystem", "Evidence", "Directory")
OTHER_KINDS = ("Policy",)


@dataclass
class Source:
    """One Charter document of the repository."""

    file: str
    doc: Document
    kind: str
    name: str | None
    problems: list[SchemaProblem]

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def data(self) -> Any:
        return self.doc.data

    def get(self, *path: str) -> Any:
        value = self.doc.data
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return value


@dataclass
class FileProblem:
    """A file, or one document of it, that could not be read as a Charter document."""

    file: str
    line: int
    column: int
    message: str


class _Deferred:
    """The sources of a context file, kept encoded until a rule looks one of them up."""

    __slots__ = ("_sources", "blob")

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self._sources: list[Source] | None = None

    def sources(self) -> list[Source]:
        if self._sources is None:
            self._sources = _from_plain(marshal.loads(self.blob)).sources
        return self._sources


class _Groups(Mapping[Any, list[Source]]):
    """Sources by the key rules look them up by, in file order; context files decode on first use."""

    def __init__(self) -> None:
        self._pending: dict[Any, list[tuple[int, Any, int]]] = {}
        self._done: dict[Any, list[Source]] = {}

    def add(self, key: Any, order: int, source: Source) -> None:
        self._pending.setdefault(key, []).append((order, source, -1))

    def defer(self, key: Any, order: int, deferred: _Deferred, position: int) -> None:
        self._pending.setdefault(key, []).append((order, deferred, position))

    def _settle(self, key: Any) -> None:
        pending = self._pending.pop(key, None)
        if pending is None:
            return
        pending.sort(key=lambda item: item[0])
        settled = self._done.setdefault(key, [])
        for _, item, position in pending:
            settled.append(item if position < 0 else item.sources()[position])

    def __getitem__(self, key: Any) -> list[Source]:
        self._settle(key)
        return self._done[key]

    def __iter__(self) -> Iterator[Any]:
        for key in list(self._pending):
            self._settle(key)
        return iter(self._done)

    def __len__(self) -> int:
        return len(self._pending.keys() | self._done.keys())


@dataclass
class Project:
    """Every Charter document found, indexed the way the rules look them up."""

    root: str
    display_root: str
    sources: list[Source] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reported: set[str] | None = None
    rules: Mapping[str, Any] = field(default_factory=dict)
    base: Mapping[str, Any] | None = None
    base_by_file: Mapping[str, Any] = field(default_factory=dict)
    # The base revision's Evidence, for the rule that keeps merged evidence as it was.
    base_evidence: EvidenceBefore | None = None
    # The base revision's systems that the change may have removed, by name, with the file that
    # declared each: all of them, or only those of changed files when the rest of the base is
    # head's own. None: any system of base, known by file only through base_by_file.
    base_leaving: Mapping[str, str] | None = None
    # Which files the change adds or edits since the base revision, for the rules that ask.
    base_changes: Changes | None = None
    # The date each file was first committed, by file name; None outside git.
    first_added: Mapping[str, Any] | None = None
    # The people directory the rules judge approvals through (the base's when comparing), and the
    # one this project declares; see checker.people.
    people: People | None = None
    own_people: People | None = None
    # Context files taken from the cache, in the order they were found, with their routes.
    _deferred: list[tuple[int, str, tuple[tuple[str, Any], ...], _Deferred]] = field(default_factory=list)
    # For a project derived from another at a base revision: paths (from the root of the display,
    # with /) that the base did not have, that only the base had, and folders only the base had.
    _absent: frozenset[str] = frozenset()
    _present: frozenset[str] = frozenset()
    _present_dirs: frozenset[str] = frozenset()
    _absent_dirs: tuple[str, ...] = ()
    _order: dict[int, int] = field(default_factory=dict)
    _refs: dict[str, str | None] = field(default_factory=dict)
    _real_root: str = ""
    _dirs: dict[str, str] = field(default_factory=dict)

    @property
    def systems(self) -> list[Source]:
        return [s for s in self.sources if s.kind == "AISystem"]

    def systems_named(self, name: str) -> list[Source]:
        return self.by_name.get(name, [])

    def index(self) -> None:
        self.by_name: _Groups = _Groups()
        self.evidence: _Groups = _Groups()
        for source in self.sources:
            order = self._order.get(id(source), 0)
            key = _route(source)[1]
            if key is None:
                continue
            if source.kind == "AISystem":
                self.by_name.add(key, order, source)
            else:
                self.evidence.add(key, order, source)
        for order, _, routes, deferred in self._deferred:
            for position, (kind, key) in enumerate(routes):
                if key is None:
                    continue
                groups = self.by_name if kind == "AISystem" else self.evidence
                groups.defer(key, order, deferred, position)

    def sources_in(self, file: str) -> list[Source]:
        """The documents of one file, decoding them from the cache if need be."""
        found = [s for s in self.sources if s.file == file]
        for _, name, _, deferred in self._deferred:
            if name == file:
                found.extend(deferred.sources())
        return found

    def kind_sources(self, kind: str) -> list[Source]:
        """Every document of kind, in the order the files were found, decoding cached ones that hold one."""
        found = [(self._order.get(id(s), 0), s) for s in self.sources if s.kind == kind]
        for order, _, routes, deferred in self._deferred:
            if any(route[0] == kind for route in routes):
                found.extend((order, s) for s in deferred.sources() if s.kind == kind)
        return [s for _, s in sorted(found, key=lambda item: item[0])]

    def files(self) -> list[str]:
        """Every file with a Charter document, once each."""
        names = dict.fromkeys(s.file for s in self.sources)
        names.update(dict.fromkeys(entry[1] for entry in self._deferred))
        return list(names)

    def is_reported(self, file: str) -> bool:
        return self.reported is None or file in self.reported

    def display(self, path: str) -> str:
        prefix = self.display_root.rstrip(os.sep) + os.sep
        if path.startswith(prefix) and os.sep + ".." + os.sep not in path:
            rel = path[len(prefix) :]
        else:
            rel = os.path.relpath(path, self.display_root)
        return rel.replace(os.sep, "/")

    def ref_problem(self, ref: str) -> str | None:
        """Why ref is not a path inside the repository that exists, or None when it is fine."""
        if ref in self._refs:
            return self._refs[ref]
        self._refs[ref] = problem = self._check_ref(ref)
        return problem

    def _check_ref(self, ref: str) -> str | None:
        if ref.startswith("https://"):
            return None
        if "://" in ref:
            return f"'{ref}' is neither a repository path nor an https:// address"
        if os.path.isabs(ref) or ref.startswith(("/", "\\")):
            return f"'{ref}' is an absolute path; refs are relative to the repository root"
        root = os.path.normpath(self.root)
        target = os.path.normpath(os.path.join(root, ref))
        if not _within(target, root):
            return f"'{ref}' leaves the repository"
        if not self._real_root:
            self._real_root = os.path.realpath(root)
        # Directories are resolved once each; only the last part needs a look of its own.
        parent = self._real_dir(os.path.dirname(target))
        real = os.path.join(parent, os.path.basename(target))
        if os.path.islink(real):
            real = os.path.realpath(real)
        if not _within(real, self._real_root):
            return f"'{ref}' leads out of the repository through a symbolic link"
        if self._absent or self._present:
            shown = self.display(target)
            if shown in self._absent or (self._absent_dirs and (shown + "/").startswith(self._absent_dirs)):
                return f"'{ref}' does not exist in the repository"
            if shown in self._present or shown in self._present_dirs:
                return None
        if not os.path.exists(real):
            return f"'{ref}' does not exist in the repository"
        return None

    def _real_dir(self, directory: str) -> str:
        real = self._dirs.get(directory)
        if real is None:
            real = self._dirs[directory] = os.path.realpath(directory)
        return real


def _route(source: Source) -> tuple[str, Any]:
    """(kind, key): how rules look a source up; key None when they never do."""
    if source.kind == "AISystem":
        return (source.kind, source.name if isinstance(source.name, str) else None)
    if source.kind == "Evidence" and source.valid:
        system = source.get("spec", "system")
        return (source.kind, system if isinstance(system, str) else None)
    return (source.kind, None)


class EvidenceBefore:
    """The valid Evidence documents of a base revision, looked up by file or by system and name."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._files: dict[str, list[Source | _Deferred]] | None = None

    def in_file(self, file: str) -> list[tuple[int, Any, Any]]:
        """(index, name, data) of each valid Evidence document of file."""
        if self._files is None:
            # One pass for the whole run: a check with a base asks this of every evidence file.
            self._files = {}
            for source in self.project.sources:
                self._files.setdefault(source.file, []).append(source)
            for _, name, _, deferred in self.project._deferred:
                self._files.setdefault(name, []).append(deferred)
        found: list[tuple[int, Any, Any]] = []
        for entry in self._files.get(file, []):
            for s in entry.sources() if isinstance(entry, _Deferred) else [entry]:
                if s.kind == "Evidence" and s.valid:
                    found.append((s.doc.index, s.name, s.data))
        return found

    def named(self, system: str, name: str) -> tuple[str, Any] | None:
        """(file, data) of the valid Evidence document of system called name, wherever it was."""
        for source in self.project.evidence.get(system, []):
            if source.valid and source.name == name:
                return source.file, source.data
        return None


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


# A directory whose modification time is this close to now may still change within the same tick of
# the file system's clock, so its listing is not kept.
_SETTLED_NS = 3_000_000_000
Listing = tuple[list[str], list[str], list[str]]


def _scan(top: str) -> Listing | None:
    """(YAML files, directories, symbolic links) directly in top, each sorted by name."""
    files, dirs, links = [], [], []
    try:
        with os.scandir(top) as entries:
            for entry in entries:
                name = entry.name
                if entry.is_symlink():
                    links.append(name)
                elif entry.is_dir():
                    dirs.append(name)
                elif name.endswith(YAML_SUFFIXES):
                    files.append(name)
    except OSError:
        return None
    files.sort()
    dirs.sort()
    links.sort()
    return files, dirs, links


def _listing(top: str, cache: FileCache | None) -> Listing | None:
    """The listing of top, from the cache while the directory's modification time says it is the same."""
    if cache is None or cache.directory is None:
        return _scan(top)
    listings = cache.dirs
    try:
        info = os.stat(top)
    except OSError:
        return None
    stamp = (info.st_mtime_ns, info.st_ino)
    kept = listings.get(top)
    if kept is not None and tuple(kept[0]) == stamp:
        return kept[1]  # type: ignore[no-any-return]
    listing = _scan(top)
    if listing is not None and time.time_ns() - info.st_mtime_ns > _SETTLED_NS:
        listings[top] = (stamp, listing)
        cache.dirty = True
    return listing


def _walk(
    top: str, exclude: list[str], root: str, links: set[str], listings: FileCache | None = None
) -> Iterable[str]:
    """The YAML files under top in sorted order; symbolic links (files or directories) go to links."""
    listing = _listing(top, listings)
    if listing is None:
        return
    files, dirs, linked = listing
    prefix = top if top.endswith(os.sep) else top + os.sep
    for name in linked:
        path = prefix + name
        if (name.endswith(YAML_SUFFIXES) or os.path.isdir(path)) and not _excluded(path, exclude, root):
            links.add(path)
    for name in files:
        path = prefix + name
        if not exclude or not _excluded(path, exclude, root):
            yield path
    for name in dirs:
        path = prefix + name
        if name not in SKIP_DIRS and not _excluded(path, exclude, root):
            yield from _walk(path, exclude, root, links, listings)


def _excluded(path: str, patterns: list[str], root: str) -> bool:
    if not patterns:
        return False
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns)


def _globbed(root: str, patterns: list[str], exclude: list[str]) -> list[str]:
    import glob

    found: set[str] = set()
    for pattern in patterns:
        for path in glob.glob(os.path.join(root, pattern), recursive=True):
            if os.path.isfile(path) and not _excluded(path, exclude, root):
                found.add(os.path.normpath(path))
    return sorted(found)


def _document_problem(data: Any) -> str | None:
    if data is None:
        return "the document is empty; a Charter document is a mapping with apiVersion and kind"
    if isinstance(data, list):
        return (
            "the document is a list; a Charter document is a mapping with apiVersion, kind, metadata and spec"
        )
    if not isinstance(data, dict):
        return "the document is a single value; a Charter document is a mapping with apiVersion and kind"
    return None


def _classify(doc: Document) -> tuple[str, str | None, str] | None:
    """(kind, problem, field at fault) for a Charter document; None for one that is not Charter's."""
    data = doc.data
    if not isinstance(data, dict):
        return None
    api = data.get("apiVersion")
    if not isinstance(api, str) or not api.startswith("charter/"):
        return None
    kind = data.get("kind")
    if api != "charter/v1":
        problem = f"unknown apiVersion '{api}'; this version of Charter reads charter/v1"
        return (str(kind), problem, "apiVersion")
    if kind in OTHER_KINDS:
        return None
    if kind not in KINDS:
        import difflib

        close = difflib.get_close_matches(str(kind), KINDS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problem = (
            f"unknown kind '{kind}'{hint}; Charter documents are AISystem, Evidence, Directory or Policy"
        )
        return (str(kind), problem, "kind")
    return (kind, None, "")


def build_project(
    paths: list[str],
    root: str,
    display_root: str,
    config: Config,
    explicit_files: set[str],
    cache: FileCache | None = None,
) -> Project:
    """Find and load every Charter document of the repository at root."""
    project = Project(root=root, display_root=display_root)
    model = config.model
    configured = (model.manifests or []) + (model.evidence or [])
    # A set: the same link is met again when a named directory lies inside the root.
    links: set[str] = set()
    listings = cache
    if configured:
        context = _globbed(root, configured, model.exclude)
        candidates = set(context)
    else:
        context = list(_walk(root, model.exclude, root, links, listings))
        candidates = set()
    seen = set(context)
    for path in paths:
        full = os.path.normpath(os.path.abspath(path))
        if os.path.isdir(full) and not os.path.islink(full):
            for found in _walk(full, model.exclude, root, links, listings):
                if found not in seen:
                    seen.add(found)
                    context.append(found)
        elif os.path.isdir(full):
            links.add(full)
        elif full not in seen:
            seen.add(full)
            context.append(full)
    candidates |= explicit_files
    # A link named on the command line is loaded, and refused there with a finding instead.
    for link in sorted(links - seen):
        project.notes.append(f"{project.display(link)}: skipped, a symbolic link is never followed")

    if paths and paths != [root]:
        reported: set[str] = set()
        for path in paths:
            full = os.path.normpath(os.path.abspath(path))
            prefix = full + os.sep
            reported.update(project.display(p) for p in context if p == full or p.startswith(prefix))
        project.reported = reported

    shown = project.display_root.rstrip(os.sep) + os.sep
    for order, path in enumerate(context):
        # The same as project.display(path), without a call for the common case.
        simple = path.startswith(shown) and os.sep == "/" and "/../" not in path
        file = path[len(shown) :] if simple else project.display(path)
        # Files read only as context need no more than what other files' rules look at.
        light = project.reported is not None and file not in project.reported
        entry = _cached_or_read(project, path, file, path in candidates, light, cache)
        if isinstance(entry, tuple):
            routes, notes, blob = entry
            project.notes.extend(notes)
            project._deferred.append((order, file, routes, _Deferred(blob)))
            continue
        project.problems.extend(entry.problems)
        project.notes.extend(entry.notes)
        for source in entry.sources:
            project._order[id(source)] = order
        project.sources.extend(entry.sources)
    project.index()
    return project


@dataclass
class FileResult:
    """What one file contributes to a project."""

    problems: list[FileProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


# The fields that other files' rules and the engine read from a document that is only context
# (reports show reported files only); None keeps the whole value.
_CONTEXT_FIELDS: dict[str, dict[str, Any]] = {
    "AISystem": {
        "metadata": {"name": None},
        "spec": {
            "risk": {"tier": None},
            "ownership": {"accountable": None, "technicalOwner": None},
            "maintenance": {"activity": None, "cadence": None},
            "waivers": None,
        },
    },
    "Evidence": {
        "spec": {
            "system": None,
            "activity": None,
            "performedAt": None,
            "performedBy": None,
            "outcome": None,
            "findings": {"id": None, "owner": None, "due": None},
        }
    },
}


def _prune(value: Any, keep: dict[str, Any] | None) -> Any:
    if keep is None:
        return value
    if isinstance(value, list):
        return [_prune(item, keep) for item in value]
    if not isinstance(value, dict):
        return value
    return {k: _prune(v, keep[k]) for k, v in value.items() if k in keep}


def _context_only(source: Source) -> Source:
    """source reduced to what is read of a document that is only context."""
    doc = source.doc
    small = Document(_prune(doc.data, _CONTEXT_FIELDS.get(source.kind)), doc.index, doc.line, doc.column)
    for path in (("metadata",), ("metadata", "name")):
        if path in doc.keys:
            small.keys[path] = doc.keys[path]
        if path in doc.values:
            small.values[path] = doc.values[path]
    return Source(source.file, small, source.kind, source.name, source.problems)


def _plain(value: Any) -> Any:
    """value with dates as ISO text, as context readers take them (through as_date)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _to_plain(result: FileResult) -> tuple[Any, ...]:
    sources = [
        (
            s.file,
            s.kind,
            s.name,
            [(p.path, p.message, p.line, p.column) for p in s.problems],
            _plain(s.doc.data),
            (s.doc.index, s.doc.line, s.doc.column),
            s.doc.keys,
            s.doc.values,
        )
        for s in result.sources
    ]
    problems = [(p.file, p.line, p.column, p.message) for p in result.problems]
    return (problems, result.notes, sources)


def _from_plain(plain: Any) -> FileResult:
    problems, notes, sources = plain
    result = FileResult([FileProblem(*p) for p in problems], list(notes))
    for file, kind, name, found, data, (index, line, column), keys, values in sources:
        doc = Document(data, index, line, column, keys, values)
        result.sources.append(Source(file, doc, kind, name, [SchemaProblem(*p) for p in found]))
    return result


def _either_reading(kept: Callable[[bool], Any | None], candidate: bool) -> Any | None:
    """The kept result of a file read as candidate, or read the other way when that was clean.

    Being named (a candidate) changes only how a problem or a note is taken, so a reading without
    either holds for a run that names the file and for one that only finds it.
    """
    result = kept(candidate)
    if result is None:
        other = kept(not candidate)
        if other is not None and not other.problems and not other.notes:
            result = other
    return result


def _cached_or_read(
    project: Project, path: str, file: str, candidate: bool, light: bool, cache: FileCache | None
) -> FileResult | Summary:
    sig = signature(path) if cache is not None else None
    if cache is not None:
        if light:
            summary = cache.summary(file, sig, candidate)
            if summary is not None:
                return summary
        else:
            hit = _either_reading(lambda named: cache.full(file, sig, named), candidate)
            if hit is not None:
                return hit  # type: ignore[no-any-return]
    full = _read(project, path, file, candidate)
    small = None
    if light or cache is not None:
        small = FileResult(full.problems, full.notes, [_context_only(s) for s in full.sources])
    # Positions are most of a document's memory and are needed only where a finding is: they are
    # read again from the file for the few documents that have one.
    for source in full.sources:
        source.doc.shed(path)
    if cache is not None and small is not None:
        routes = tuple(_route(s) for s in small.sources)
        blob = blob_id(path, MAX_BYTES) if cache.directory is not None else None
        cache.put(file, sig, candidate, routes, small.notes, _to_plain(small), full, blob or "")
    return small if light and small is not None else full


def _read(project: Project, path: str, file: str, candidate: bool) -> FileResult:
    # The schema models are imported only when a file has to be validated: not at all when every
    # file a run needs comes from the cache.
    from checker.validate import schema_problems

    result = FileResult()
    loaded = load_file(path)
    if loaded.problems and (candidate or loaded.mentions_charter):
        for unreadable in loaded.problems:
            result.problems.append(FileProblem(file, unreadable.line, unreadable.column, unreadable.message))
    elif loaded.problems:
        why = loaded.problems[0].message
        result.notes.append(f"{file}: skipped, not a Charter file and not readable as YAML ({why})")
    if not loaded.documents and not loaded.problems and candidate:
        result.notes.append(f"{file}: empty, no Charter document in it")
    for doc in loaded.documents:
        shape = _document_problem(doc.data)
        if shape is not None:
            if candidate or loaded.mentions_charter:
                result.problems.append(FileProblem(file, doc.line, doc.column, shape))
            continue
        classified = _classify(doc)
        if classified is None:
            continue
        kind, problem, at = classified
        metadata = doc.data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        # A name that is not text (a date, a number, a list) is a schema problem of its own; the
        # source is then known by no name, as the cache and every lookup take names as text.
        name = name if isinstance(name, str) else None
        if problem is not None:
            line, column = doc.locate((at,))
            result.sources.append(Source(file, doc, kind, name, [SchemaProblem((), problem, line, column)]))
            continue
        found = [SchemaProblem((), p.message, p.line, p.column) for p in doc.problems]
        result.sources.append(Source(file, doc, kind, name, found + schema_problems(kind, doc)))
    return result


def derive(
    head: Project,
    changes: Mapping[str, str],
    folders: tuple[str, ...],
    base_text: Callable[[str], bytes | None],
    known: Callable[[str, bool], Any | None],
    config: Config,
    scratch: str,
) -> Project:
    """The project as it was at a base revision that differs from head only in the changed files.

    changes maps each path (as head shows it) that differs from the base to A (only head has it),
    M (both have it) or D (only the base has it). Every other file is the same at both, so its
    documents are head's own; the base's version of a changed file comes from base_text, read as
    known(file, candidate) says when the cache still has it. Files in folders (ending in /) are
    head's only.
    """

    def differs(file: str) -> bool:
        return file in changes or (bool(folders) and file.startswith(folders))

    model = config.model
    patterns = (model.manifests or []) + (model.evidence or [])
    # Files in the order a walk of the base tree meets them, so that where two files declare the
    # same name, the first is the one the exported base would take.
    present = {file for _, file, _, _ in head._deferred} | {s.file for s in head.sources}
    present |= {file for file, status in changes.items() if status != "A"}
    orders = {file: i for i, file in enumerate(sorted(present, key=_glob_key if patterns else _walk_key))}
    base = Project(root=head.root, display_root=head.display_root, reported=head.reported)
    base.first_added = head.first_added
    for source in head.sources:
        if not differs(source.file):
            base.sources.append(source)
            base._order[id(source)] = orders[source.file]
    base.problems = [p for p in head.problems if not differs(p.file)]
    base._deferred = [(orders[e[1]], *e[1:]) for e in head._deferred if not differs(e[1])]
    last = len(orders) + 1
    for file, status in sorted(changes.items()):
        if status == "A" or not _discoverable(file, base, patterns, model.exclude):
            continue
        text = base_text(file)
        if text is None:
            continue
        path = os.path.join(scratch, *file.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(text)
        # As a walk of the exported base tree reads it: named by a pattern, or found on the way.
        candidate = bool(patterns)
        result = _either_reading(functools.partial(known, file), candidate)
        if result is not None:
            # Parsed when the working tree last had this content: positions are read from the copy.
            for source in result.sources:
                source.doc.shed(path)
        else:
            result = _read(base, path, file, candidate)
        # Kept whole even when head has no reported file by this name: a system that moved is
        # compared with the base's by name, wherever the base declared it.
        order = orders.get(file, last)
        for source in result.sources:
            base._order[id(source)] = order
        base.sources.extend(result.sources)
        base.problems.extend(result.problems)
    base._absent = frozenset(f for f, status in changes.items() if status == "A")
    base._absent_dirs = folders
    base._present = frozenset(f for f, status in changes.items() if status == "D")
    base._present_dirs = frozenset(
        "/".join(parts[:i]) for parts in (f.split("/") for f in base._present) for i in range(1, len(parts))
    )
    base.index()
    return base


def _walk_key(file: str) -> list[tuple[int, str]]:
    """Where _walk meets file: a directory's files first, then its subdirectories, each sorted."""
    parts = file.split("/")
    return [(1, part) for part in parts[:-1]] + [(0, parts[-1])]


def _glob_key(file: str) -> str:
    """Where _globbed meets file: sorted by path."""
    return file.replace("/", os.sep)


def _discoverable(file: str, project: Project, patterns: list[str], exclude: list[str]) -> bool:
    """Whether a run would find file (shown relative to the display root) in the repository."""
    if not file.endswith(YAML_SUFFIXES):
        return False
    path = os.path.normpath(os.path.join(project.display_root, *file.split("/")))
    if not _within(path, os.path.normpath(project.root)) or _excluded(path, exclude, project.root):
        return False
    rel = os.path.relpath(path, project.root).replace(os.sep, "/")
    if not patterns:
        return not any(part in SKIP_DIRS for part in rel.split("/")[:-1])
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.replace("**/", "")) for p in patterns)
