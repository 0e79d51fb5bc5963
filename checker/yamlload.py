"""Load YAML files keeping the line and column of every key and value."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml's C parser when the wheel ships it; the pure-Python one otherwise
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Key = str | int
FieldPath = tuple[Key, ...]
Loc = tuple[int, int]

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SAFE_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:binary",
}
_constructor = yaml.SafeLoader("")


class YamlProblem(Exception):
    """A problem in one document, with its 1-based position."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Document:
    """One YAML document: plain Python data plus where each part was written."""

    data: Any
    index: int
    line: int
    column: int
    keys: dict[FieldPath, Loc] = field(default_factory=dict)
    values: dict[FieldPath, Loc] = field(default_factory=dict)
    # Problems that leave the document readable (a duplicate key, a merge key, a foreign tag): it
    # stays known by name but is not checked further.
    problems: list[YamlProblem] = field(default_factory=list)

    def locate(self, path: FieldPath) -> Loc:
        """Position of the value at path, or of the closest parent that exists."""
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
        return self.keys.get(path) or self.locate(path)


@dataclass
class LoadedFile:
    """The documents of one file and the problems that stopped any of them."""

    documents: list[Document]
    problems: list[YamlProblem]
    mentions_charter: bool


def _mark(node: Node) -> Loc:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag not in _SAFE_TAGS:
        raise YamlProblem(f"the tag {tag!r} is not allowed: Charter documents hold plain data", *_mark(node))
    try:
        value = _constructor.yaml_constructors[tag](_constructor, node)
    except (ValueError, OverflowError, yaml.YAMLError):
        # An impossible date such as 2026-13-45 stays text; the schema then names the field.
        return node.value
    if isinstance(value, dt.datetime):
        return node.value
    return value


class _Builder:
    """Turns a composed node graph into data and positions, within fixed bounds."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.count = 0

    def build(self, node: Node, path: FieldPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(
                f"the document expands to more than {MAX_NODES} values (aliases repeated too often?)",
                *_mark(node),
            )
        if depth > MAX_DEPTH:
            raise YamlProblem(f"the document is nested more than {MAX_DEPTH} levels deep", *_mark(node))
        self.doc.values[path] = _mark(node)
        if isinstance(node, ScalarNode):
            try:
                return _scalar(node)
            except YamlProblem as problem:
                self.doc.problems.append(problem)
                return node.value
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        raise YamlProblem("unsupported YAML node", *_mark(node))  # pragma: no cover

    def _mapping(self, node: MappingNode, path: FieldPath, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.doc.problems.append(YamlProblem(
                    "merge keys (<<) are not allowed in Charter documents: they can hide or override "
                    "values; write the keys out",
                    *_mark(key_node),
                ))
                continue
            if not isinstance(key_node, ScalarNode):
                self.doc.problems.append(YamlProblem("a mapping key must be a plain scalar", *_mark(key_node)))
                continue
            try:
                key = _scalar(key_node)
            except YamlProblem as problem:
                self.doc.problems.append(problem)
                key = key_node.value
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = key_node.value
            sub = (*path, key)
            if key in out:
                # Keep the first value: the document is reported, and never judged on either value.
                first = self.doc.keys[sub]
                self.doc.problems.append(YamlProblem(
                    f"duplicate key {key!r} (first at line {first[0]}, again at line "
                    f"{key_node.start_mark.line + 1})",
                    *_mark(key_node),
                ))
                continue
            self.doc.keys[sub] = _mark(key_node)
            out[key] = self.build(value_node, sub, depth + 1)
        return out


def _problem_from(exc: yaml.YAMLError) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"invalid YAML: {problem}"
    if context:
        text += f" ({context})"
    if mark is None:
        return YamlProblem(text, 1, 1)
    return YamlProblem(text, mark.line + 1, mark.column + 1)


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlProblem(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded)", line, column
        ) from None


def _documents(text: str) -> Iterator[Node]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node
    finally:
        loader.dispose()


def load_text(text: str) -> LoadedFile:
    """Parse every document of text; a problem stops only the document it is in and what follows."""
    documents: list[Document] = []
    problems: list[YamlProblem] = []
    index = 0
    try:
        for node in _documents(text):
            doc = Document(None, index, *_mark(node))
            try:
                doc.data = _Builder(doc).build(node, (), 0)
            except YamlProblem as problem:
                problems.append(problem)
            else:
                documents.append(doc)
            index += 1
    except yaml.YAMLError as exc:
        problems.append(_problem_from(exc))
    except RecursionError:
        problems.append(YamlProblem(f"the document is nested more than {MAX_DEPTH} levels deep", 1, 1))
    return LoadedFile(documents, problems, "charter/" in text)


def load_file(path: str) -> LoadedFile:
    """Read and parse one file, refusing what is too large, binary or behind a link."""
    try:
        if os.path.islink(path):
            raise YamlProblem("the file is a symbolic link: Charter does not follow links", 1, 1)
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise YamlProblem(
                f"the file is {size / 1048576:.1f} MiB, over the {MAX_BYTES // 1048576} MiB limit for "
                "Charter documents",
                1,
                1,
            )
        with open(path, "rb") as handle:
            raw = handle.read()
        text = _decode(raw)
    except YamlProblem as problem:
        return LoadedFile([], [problem], True)
    return load_text(text)
