"""A file's result as the cache keeps it: plain data, and back, checked for exactly its shape."""

from __future__ import annotations

from typing import Any

from checker.charter_documents import FILE_RULES, FileProblem, FileResult, Source
from checker.document import Document
from checker.finding import SchemaProblem
from checker.plaindata import Invalid, decode, encode, json_ready


def to_plain(result: FileResult) -> list[Any]:
    """result as plain data, for an encoder that falls back on plaindata.as_json; the file it belongs
    to is not repeated."""
    sources = [
        [
            s.kind,
            s.name,
            [[encode(p.path), p.message, p.line, p.column] for p in s.problems],
            json_ready(s.doc.data, s.doc.plain, s.doc.number_keys),
            [s.doc.index, s.doc.line, s.doc.column],
            [[encode(path), *loc] for path, loc in s.doc.keys.items()],
            [[encode(path), *loc] for path, loc in s.doc.values.items()],
        ]
        for s in result.sources
    ]
    return [[[p.line, p.column, p.message, p.rule] for p in result.problems], result.notes, sources]


def from_plain(plain: Any, file: str, shed: str | None) -> FileResult:
    """The result of file that to_plain made plain; Invalid unless plain has exactly its shape.

    With shed, the path to read positions from when a finding needs them.
    """
    problems, notes, sources = _parts(plain, 3)
    result = FileResult(notes=_texts(notes))
    for problem in _items(problems):
        line, column, message, rule = _parts(problem, 4)
        if rule not in FILE_RULES:
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
