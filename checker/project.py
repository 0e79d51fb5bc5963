"""The repository being checked: which files, which Charter documents, and where refs lead."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from checker.cache import FileCache, Record, Route, Summary, record
from checker.cachestore import Signature, signature
from checker.config import Config
from checker.discovery import (
    LINK_MODE,
    MODULE_MODE,
    Found,
    Globs,
    Lister,
    Rules,
    walk,
    working_tree,
)
from checker.document import Document
from checker.fanout import fan_out, workers_for
from checker.finding import SchemaProblem
from checker.paths import within
from checker.plaindata import Invalid, decode, encode
from checker.yamlload import load_file

if TYPE_CHECKING:
    from checker.gitrepo import Changes
    from checker.people import People
    from checker.sources import Tree

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
    """A file, or one document of it, that could not be read as a Charter document; rule says why."""

    file: str
    line: int
    column: int
    message: str
    rule: str = "SCH001"


# The rules a problem of reading a file can be (see FileProblem), the only ones a kept result may name.
_FILE_RULES = ("SCH001", "SCH004", "SCH005")


class _Deferred:
    """The sources of a context file, kept encoded until a rule looks one of them up.

    What the cache kept is checked when decoded; when it is damaged, or its documents are not those
    its routes promised, the file is read again instead.
    """

    __slots__ = ("_sources", "cache", "candidate", "file", "path", "routes", "text")

    def __init__(
        self, text: str, routes: tuple[Route, ...], path: str, file: str, candidate: bool, cache: FileCache
    ) -> None:
        self.text, self.routes, self.path, self.file, self.candidate = text, routes, path, file, candidate
        self.cache = cache
        self._sources: list[Source] | None = None

    def sources(self) -> list[Source]:
        if self._sources is None:
            try:
                found = _from_plain(json.loads(self.text), self.file, None).sources
            except (ValueError, RecursionError):  # Invalid, or not JSON
                found = None
            if found is None or tuple(_route(s) for s in found) != self.routes:
                self.cache.damaged(self.file, "its entry in the index is not one Charter writes")
                found = [_context_only(s) for s in _read(self.path, self.file, self.candidate).sources]
            self._sources = found
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
            if position < 0:
                settled.append(item)
            elif position < len(item.sources()):
                settled.append(item.sources()[position])

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
    # The rules the files were found by, for a base revision to be read by the same.
    discovery: Rules | None = None
    # The people directory the rules judge approvals through (the base's when comparing), and the
    # one this project declares; see checker.people.
    people: People | None = None
    own_people: People | None = None
    # The files component sources are read from (checker.sources): this revision's, read on first
    # use, and the base revision's when comparing.
    source_files: Tree | None = None
    base_files: Tree | None = None
    # The pull request the run judges (checker.pullrequest.PullRequestContext); None outside one.
    pull_request: Any = None
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
        if not within(target, root):
            return f"'{ref}' leaves the repository"
        if not self._real_root:
            self._real_root = os.path.realpath(root)
        # Directories are resolved once each; only the last part needs a look of its own.
        parent = self._real_dir(os.path.dirname(target))
        real = os.path.join(parent, os.path.basename(target))
        if os.path.islink(real):
            real = os.path.realpath(real)
        if not within(real, self._real_root):
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


def discovery_rules(config: Config, root: str, paths: list[str]) -> Rules:
    """The rules a walk of root follows for a check of paths under config."""
    model = config.model
    checked = [
        os.path.relpath(os.path.normpath(os.path.abspath(p)), root).replace(os.sep, "/") for p in paths
    ]
    return Rules(Globs(model.manifests or []), Globs(model.evidence or []), model.exclude, checked)


def _printable(text: str) -> bool:
    return 0 < len(text) <= 200 and text.isprintable()


def link_problem(file: str, target: str | None = None) -> FileProblem:
    """SCH004 at a symbolic link; target is what it points to, shown only when safe to print."""
    to = f" to '{target}'" if target is not None and _printable(target) else ""
    return FileProblem(
        file,
        1,
        1,
        f"{file} is a symbolic link{to}: Charter never follows links, so nothing it leads to is checked; "
        "commit the files themselves in its place",
        "SCH004",
    )


def module_problem(file: str) -> FileProblem:
    """SCH004 at a submodule."""
    return FileProblem(
        file,
        1,
        1,
        f"{file} is a git submodule: Charter never reads submodules, so nothing in it is checked; keep "
        "Charter documents in the repository itself",
        "SCH004",
    )


def _outside(rules: Rules, rel: str, source: Source) -> FileProblem | None:
    """SCH005 for a Charter document that lies outside the globs configured for its kind."""
    if source.kind == "Directory":
        # Governance data, neither a manifest nor evidence: either set of globs may hold it.
        globs, key = rules.globs, "manifests or evidence"
    elif source.kind == "AISystem":
        globs, key = rules.manifests, "manifests"
    else:
        globs, key = rules.evidence, "evidence"
    if source.kind not in KINDS or not globs or globs.match(rel):
        return None
    where = ", ".join(globs.patterns)
    doc = source.doc
    message = (
        f"this {source.kind} lies outside the configured {key} globs ({where}): it is checked all the "
        f"same, but move it under them or change the configuration"
    )
    return FileProblem(source.file, doc.line, doc.column, message, "SCH005")


def _placed(rules: Rules, rel: str, result: FileResult) -> list[FileProblem]:
    """The problems of a file read at rel: documents that are not Charter's count only inside the globs."""
    inside = rules.globs.match(rel)
    problems = [p for p in result.problems if p.rule != "SCH005" or inside]
    for source in result.sources:
        problem = _outside(rules, rel, source)
        if problem is not None:
            problems.append(problem)
    return problems


def build_project(
    paths: list[str],
    root: str,
    display_root: str,
    config: Config,
    explicit_files: set[str],
    cache: FileCache | None = None,
    tree: Lister | None = None,
    gitlinks: Callable[[list[str]], set[str]] | None = None,
) -> Project:
    """Find and load every Charter document of the repository at root.

    tree lists the directories of a commit's tree exported at root (see discovery.GitTree); without
    it the working tree is listed, and gitlinks says which of its empty directories are submodules.
    """
    project = Project(root=root, display_root=display_root)
    rules = project.discovery = discovery_rules(config, root, paths)
    found = walk(rules, root, tree or working_tree(cache))
    if found.empty and gitlinks is not None:
        modules = gitlinks([os.path.join(root, *rel.split("/")) for rel in found.empty])
        found.modules.extend(rel for rel in found.empty if os.path.join(root, *rel.split("/")) in modules)
    prefix = root.rstrip(os.sep) + os.sep
    context = [prefix + rel.replace("/", os.sep) for rel in found.files]
    seen = set(context)
    for path in paths:
        full = os.path.normpath(os.path.abspath(path))
        if tree is not None and not os.path.lexists(full):
            continue  # named in the working tree; the base revision has no such path
        if os.path.islink(full):
            # Named on the command line: reported as the link it is, never read.
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if rel not in found.links:
                found.links.append(rel)
        elif os.path.isdir(full):
            if not within(full, root):
                # Outside the root (and its globs): walked as the checked path it is.
                outer = walk(rules, full, tree or working_tree(cache), os.path.relpath(full, root))
                found.links.extend(outer.links)
                found.modules.extend(outer.modules)
                found.unreadable.extend(outer.unreadable)
                for rel in outer.files:
                    extra = os.path.normpath(os.path.join(root, *rel.split("/")))
                    if extra not in seen:
                        seen.add(extra)
                        context.append(extra)
        elif full not in seen:
            seen.add(full)
            context.append(full)
    _link_findings(project, found, rules, tree is None)
    for rel, why in found.unreadable:
        where = project.display(os.path.normpath(os.path.join(root, *rel.split("/"))))
        project.notes.append(f"{where}: skipped, the directory cannot be read ({why})")

    if paths and paths != [root]:
        reported: set[str] = set()
        met = context + [prefix + rel.replace("/", os.sep) for rel in found.links + found.modules]
        for path in paths:
            full = os.path.normpath(os.path.abspath(path))
            inside = full + os.sep
            reported.update(project.display(p) for p in met if p == full or p.startswith(inside))
        project.reported = reported

    with _uncollected():
        _read_all(project, context, rules, explicit_files, cache)
    project.index()
    return project


@contextlib.contextmanager
def _uncollected() -> Iterator[None]:
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


def _read_all(
    project: Project, context: list[str], rules: Rules, explicit_files: set[str], cache: FileCache | None
) -> None:
    """Read (or take from the cache) each file of context, in order, into project.

    What the cache does not have is read afresh, over several processes when there is much of it.
    """
    jobs = [_job(project, path, rules, explicit_files, cache) for path in context]
    kept = [_kept(job, cache) for job in jobs]
    missing = [job for job, hit in zip(jobs, kept, strict=True) if hit is None]
    if missing:
        # Loaded once here, not in each process that reads.
        import checker.validate  # noqa: F401
    fresh = iter(fan_out(_fresh, missing, workers_for(len(missing))))
    for order, (job, hit) in enumerate(zip(jobs, kept, strict=True)):
        if hit is None:
            hit, record = next(fresh)
            if record is not None and cache is not None:
                cache.keep(job.file, record)
        if isinstance(hit, tuple):
            routes, notes, text = hit
            project.notes.extend(notes)
            assert cache is not None  # only the cache gives a summary
            deferred = _Deferred(text, routes, job.path, job.file, job.candidate, cache)
            project._deferred.append((order, job.file, routes, deferred))
            continue
        project.problems.extend(_placed(rules, job.rel, hit))
        project.notes.extend(hit.notes)
        for source in hit.sources:
            project._order[id(source)] = order
        project.sources.extend(hit.sources)


def _job(
    project: Project, path: str, rules: Rules, explicit_files: set[str], cache: FileCache | None
) -> _Job:
    root = project.root
    prefix = root.rstrip(os.sep) + os.sep
    shown = project.display_root.rstrip(os.sep) + os.sep
    # The same as project.display(path), without a call for the common case.
    simple = path.startswith(shown) and os.sep == "/" and "/../" not in path
    file = path[len(shown) :] if simple else project.display(path)
    below = path.startswith(prefix)
    rel = (path[len(prefix) :] if below else os.path.relpath(path, root)).replace(os.sep, "/")
    candidate = path in explicit_files or rules.globs.match(rel)
    light = project.reported is not None and file not in project.reported
    sig = signature(path) if cache is not None else None
    keeping = cache is not None and cache.directory is not None
    return _Job(path, file, rel, candidate, light, sig, keeping)


def _link_findings(project: Project, found: Found, rules: Rules, working: bool) -> None:
    """SCH004 for each link and submodule where Charter documents are expected, a note for the others."""
    root = project.root
    for rel in sorted(set(found.links)):
        path = os.path.normpath(os.path.join(root, *rel.split("/")))
        file = project.display(path)
        if not rules.guards(rel):
            project.notes.append(f"{file}: skipped, a symbolic link is never followed")
            continue
        target = None
        if working:
            try:
                target = os.readlink(path)
            except OSError:
                target = None
        project.problems.append(link_problem(file, target))
    for rel in sorted(set(found.modules)):
        file = project.display(os.path.normpath(os.path.join(root, *rel.split("/"))))
        if rules.guards(rel):
            project.problems.append(module_problem(file))
        else:
            project.notes.append(f"{file}: skipped, a submodule is never read")


@dataclass
class FileResult:
    """What one file contributes to a project."""

    problems: list[FileProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    # The git blob id of the bytes read (see checker.cachestore.blob_id), for the cache.
    blob: str = ""


# The fields that other files' rules and the engine read from a document that is only context
# (reports show reported files only); None keeps the whole value.
_CONTEXT_FIELDS: dict[str, dict[str, Any]] = {
    "AISystem": {
        "metadata": {"name": None},
        "spec": {
            "risk": {"tier": None},
            "ownership": {"accountable": None, "technicalOwner": None},
            "maintenance": {"activity": None, "cadence": None},
            "components": {"name": None, "refresh": None, "training": {"pipeline": None}, "source": None},
            "waivers": None,
            # The code a system claims, for the inventory (checker.inventory.coverage).
            "code": None,
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


def _to_plain(result: FileResult) -> list[Any]:
    """result as plain data; the file it belongs to is not repeated."""
    sources = [
        [
            s.kind,
            s.name,
            [[encode(p.path), p.message, p.line, p.column] for p in s.problems],
            encode(s.doc.data),
            [s.doc.index, s.doc.line, s.doc.column],
            [[encode(path), *loc] for path, loc in s.doc.keys.items()],
            [[encode(path), *loc] for path, loc in s.doc.values.items()],
        ]
        for s in result.sources
    ]
    return [[[p.line, p.column, p.message, p.rule] for p in result.problems], result.notes, sources]


def _from_plain(plain: Any, file: str, shed: str | None) -> FileResult:
    """The result of file that _to_plain made plain; Invalid unless plain has exactly its shape.

    With shed, the path to read positions from when a finding needs them.
    """
    problems, notes, sources = _parts(plain, 3)
    result = FileResult(notes=_texts(notes))
    for problem in _items(problems):
        line, column, message, rule = _parts(problem, 4)
        if rule not in _FILE_RULES:
            raise Invalid("a stored file problem of an unknown rule")
        result.problems.append(FileProblem(file, _number(line), _number(column), _text(message), rule))
    for source in _items(sources):
        kind, name, found, data, where, keys, values = _parts(source, 7)
        index, line, column = (_number(n) for n in _parts(where, 3))
        doc = Document(decode(data), index, line, column)
        doc.keys, doc.values = _positions(keys), _positions(values)
        if shed is not None:
            doc.shed(shed)
        schema = []
        for problem in _items(found):
            path, message, at_line, at_column = _parts(problem, 4)
            schema.append(SchemaProblem(_path(path), _text(message), _number(at_line), _number(at_column)))
        named = None if name is None else _text(name)
        result.sources.append(Source(file, doc, _text(kind), named, schema))
    return result


def _items(value: Any) -> list[Any]:
    if type(value) is not list:
        raise Invalid("a stored list that is not a list")
    return value  # type: ignore[no-any-return]


def _parts(value: Any, count: int) -> list[Any]:
    if type(value) is not list or len(value) != count:
        raise Invalid(f"a stored entry that is not {count} values")
    return value  # type: ignore[no-any-return]


def _text(value: Any) -> str:
    """Messages, names and notes are stored as they are: only data and field paths carry tags."""
    if type(value) is not str:
        raise Invalid("a stored text that is not text")
    return value  # type: ignore[no-any-return]


def _texts(value: Any) -> list[str]:
    return [_text(v) for v in _items(value)]


def _number(value: Any) -> int:
    """A line, column or index: no file Charter reads has more than a few million of them."""
    if type(value) is not int or not 0 <= value < 2**31:
        raise Invalid("a stored position that is not a small whole number")
    return value  # type: ignore[no-any-return]


def _path(value: Any) -> tuple[str | int, ...]:
    parts = decode(_items(value))
    if not all(type(p) is str or type(p) is int for p in parts):
        raise Invalid("a stored field path with a part that is neither text nor a number")
    return tuple(parts)


def _positions(value: Any) -> dict[tuple[str | int, ...], tuple[int, int]]:
    found = {}
    for item in _items(value):
        path, line, column = _parts(item, 3)
        found[_path(path)] = (_number(line), _number(column))
    return found


def _decoded(plain: Any | None, file: str, path: str, cache: FileCache | None) -> FileResult | None:
    """The cached result of file, read at path, or None when the cache had none that holds."""
    if plain is None:
        return None
    try:
        return _from_plain(plain, file, path)
    except Invalid as exc:
        if cache is not None:
            cache.damaged(file, f"its kept result is not one Charter writes ({exc})")
        return None


def _either_reading(
    kept: Callable[[bool], Any | None], file: str, path: str, candidate: bool, cache: FileCache | None = None
) -> FileResult | None:
    """The kept result of file (read at path) as candidate, or read the other way when that was clean.

    Being named (a candidate) changes only how a problem or a note is taken, so a reading without
    either holds for a run that names the file and for one that only finds it.
    """
    result = _decoded(kept(candidate), file, path, cache)
    if result is None:
        other = _decoded(kept(not candidate), file, path, cache)
        if other is not None and not other.problems and not other.notes:
            result = other
    return result


def _kept(job: _Job, cache: FileCache | None) -> FileResult | Summary | None:
    """What the cache holds of job's file, as the run needs it; None when it has nothing that holds."""
    if cache is None:
        return None
    if job.light:
        return cache.summary(job.file, job.sig, job.candidate)
    kept = functools.partial(cache.full, job.file, job.sig)
    return _either_reading(kept, job.file, job.path, job.candidate, cache)


def _fresh(job: _Job) -> tuple[FileResult, Record | None]:
    """job's file read afresh, as the run needs it, and what the cache is to keep of it."""
    path = job.path
    full = _read(path, job.file, job.candidate)
    small = None
    if job.light or job.keeping:
        small = FileResult(full.problems, full.notes, [_context_only(s) for s in full.sources])
    # Positions are most of a document's memory and are needed only where a finding is: they are
    # read again from the file for the few documents that have one.
    for source in full.sources:
        source.doc.shed(path)
    kept = None
    if job.keeping and small is not None:
        routes = tuple(_route(s) for s in small.sources)
        plain, whole = _to_plain(small), _to_plain(full)
        kept = record(job.file, job.sig, job.candidate, routes, small.notes, plain, whole, full.blob)
    return (small if job.light and small is not None else full), kept


def _foreign(file: str, doc: Document) -> FileProblem | None:
    """SCH005 for a document whose apiVersion is not Charter's, at the apiVersion or the document."""
    api = doc.data.get("apiVersion")
    if isinstance(api, str) and api.startswith("charter/"):
        return None
    if api is None:
        line, column, said = doc.line, doc.column, "has no apiVersion"
    else:
        line, column = doc.locate(("apiVersion",))
        shown = str(api)
        said = f"has apiVersion '{shown[:60]}{'...' if len(shown) > 60 else ''}', not charter/v1"
    message = (
        f"the document {said}, so Charter would skip it, yet it lies under the configured manifest or "
        "evidence globs, where every document is a Charter document"
    )
    return FileProblem(file, line, column, message, "SCH005")


def _read(path: str, file: str, candidate: bool) -> FileResult:
    # The schema models are imported only when a file has to be validated: not at all when every
    # file a run needs comes from the cache.
    from checker.validate import schema_problems

    # The positions below the first levels are read again for the few documents with a finding.
    loaded = load_file(path, positions=False)
    result = FileResult(blob=loaded.blob)
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
            foreign = _foreign(file, doc)
            if foreign is not None:
                # Kept whatever the reading: it counts only for a file under the globs (see _placed).
                result.problems.append(foreign)
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
    modes: Mapping[str, str],
    scratch: str,
) -> Project:
    """The project as it was at a base revision that differs from head only in the changed files.

    changes maps each path (as head shows it) that differs from the base to A (only head has it),
    M (both have it) or D (only the base has it), and modes gives the base's git mode of each M or D
    path. Every other file is the same at both, so its documents are head's own; the base's version
    of a changed file comes from base_text, read as known(file, candidate) says when the cache still
    has it. Files in folders (ending in /) are head's only. Which changed files the base has is
    decided by the rules head was discovered by, as a walk of the base's tree would.
    """

    def differs(file: str) -> bool:
        # A folder itself counts too: an untracked repository inside the tree is listed as one.
        return file in changes or (bool(folders) and (file + "/").startswith(folders))

    rules = head.discovery
    assert rules is not None, "derive needs a project found by build_project"
    # Files in the order a walk of the base tree meets them, so that where two files declare the
    # same name, the first is the one the exported base would take.
    present = {file for _, file, _, _ in head._deferred} | {s.file for s in head.sources}
    present |= {file for file, status in changes.items() if status != "A"}
    orders = {file: i for i, file in enumerate(sorted(present, key=_walk_key))}
    base = Project(root=head.root, display_root=head.display_root, reported=head.reported)
    base.first_added = head.first_added
    base.discovery = rules
    for source in head.sources:
        if not differs(source.file):
            base.sources.append(source)
            base._order[id(source)] = orders[source.file]
    base.problems = [p for p in head.problems if not differs(p.file)]
    base._deferred = [(orders[e[1]], *e[1:]) for e in head._deferred if not differs(e[1])]
    last = len(orders) + 1
    root = os.path.normpath(head.root)
    for file, status in sorted(changes.items()):
        if status == "A":
            continue
        path = os.path.normpath(os.path.join(head.display_root, *file.split("/")))
        if not within(path, root):
            continue
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        mode = modes.get(file)
        if mode in (LINK_MODE, MODULE_MODE):
            parts = rel.split("/")
            met = all(rules.enters("/".join(parts[:i])) for i in range(1, len(parts)))
            if met and not rules.passes_by(rel) and rules.guards(rel):
                base.problems.append(link_problem(file) if mode == LINK_MODE else module_problem(file))
            continue
        if not rules.finds(rel):
            continue
        text = base_text(file)
        if text is None:
            continue
        copy = os.path.join(scratch, *file.split("/"))
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        with open(copy, "wb") as handle:
            handle.write(text)
        # As a walk of the exported base tree reads it: named by a pattern, or found on the way.
        candidate = rules.globs.match(rel)
        # Parsed when the working tree last had this content: positions are read from the copy.
        result = _either_reading(functools.partial(known, file), file, copy, candidate)
        if result is None:
            result = _read(copy, file, candidate)
        # Kept whole even when head has no reported file by this name: a system that moved is
        # compared with the base's by name, wherever the base declared it.
        order = orders.get(file, last)
        for source in result.sources:
            base._order[id(source)] = order
        base.sources.extend(result.sources)
        base.problems.extend(_placed(rules, rel, result))
    base._absent = frozenset(f for f, status in changes.items() if status == "A")
    base._absent_dirs = folders
    base._present = frozenset(f for f, status in changes.items() if status == "D")
    base._present_dirs = frozenset(
        "/".join(parts[:i]) for parts in (f.split("/") for f in base._present) for i in range(1, len(parts))
    )
    base.index()
    return base


def _walk_key(file: str) -> list[tuple[int, str]]:
    """Where a walk meets file: a directory's files first, then its subdirectories, each sorted."""
    parts = file.split("/")
    return [(1, part) for part in parts[:-1]] + [(0, parts[-1])]
