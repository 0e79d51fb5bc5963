"""What one file holds: its Charter documents with their schema problems, and what kept it from being read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checker.document import Document
from checker.finding import SchemaProblem
from checker.yamlload import load_file

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
FILE_RULES = ("SCH001", "SCH004", "SCH005")


@dataclass
class FileResult:
    """What one file contributes to a project."""

    problems: list[FileProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    # The git blob id of the bytes read (see checker.cache.blob_id), for the cache.
    blob: str = ""
    # The file's size, modification time and inode when it was read, for the cache; None if unread.
    signature: tuple[int, int, int] | None = None


def route(source: Source) -> tuple[str, Any]:
    """(kind, key): how rules look a source up; key None when they never do."""
    if source.kind == "AISystem":
        return (source.kind, source.name if isinstance(source.name, str) else None)
    if source.kind == "Evidence" and source.valid:
        system = source.get("spec", "system")
        return (source.kind, system if isinstance(system, str) else None)
    return (source.kind, None)


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


def read_file(path: str, file: str, candidate: bool) -> FileResult:
    # The schema models are imported only when a file has to be validated: not at all when every
    # file a run needs comes from the cache.
    from checker.validate import schema_problems

    # The positions below the first levels are read again for the few documents with a finding.
    loaded = load_file(path, positions=False)
    result = FileResult(blob=loaded.blob, signature=loaded.signature)
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
