"""Turn composed YAML nodes into plain data, keeping where each key and value was written.

Only plain data is built: text, numbers, booleans, dates, lists and mappings. A tag, a merge key, a
duplicate key or an alias is a problem of its document, which stays readable but is not checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from checker.document import Document, FieldPath, Loc, YamlProblem
from checker.yamlscan import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_REPEATED,
    TAG_MAP,
    TAG_SEQ,
    TAG_STR,
    AliasBomb,
    Crossed,
    too_many,
)

_YAML_TAG = "tag:yaml.org,2002:"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DECIMAL_FLOAT = re.compile(
    r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
# Not !!binary: no field holds bytes, and base64 would hide a value (an approver, a digest) from
# whoever reviews the change.
_SAFE_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}
_constructor = yaml.SafeLoader("")


def start(node: Node) -> Loc:
    """The 1-based line and column where node begins."""
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _tag_problem(node: Node) -> YamlProblem:
    # Shown the way it was written: !!binary, not tag:yaml.org,2002:binary.
    tag = "!!" + node.tag[len(_YAML_TAG) :] if node.tag.startswith(_YAML_TAG) else node.tag
    message = (
        f"the tag {tag!r} is not allowed: Charter documents hold only plain text, numbers, booleans, "
        "dates, lists and mappings; remove the tag"
    )
    return YamlProblem(message, *start(node))


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag
    if tag == TAG_STR:
        return node.value
    if tag not in _SAFE_TAGS:
        raise _tag_problem(node)
    # YAML 1.1 reads 0x1F, 017 (octal), 1_000 and 1:30 (base 60) as numbers a reviewer may misread;
    # they stay text, so that a number field says how to write them and a text field keeps them.
    if tag == _INT and not _DECIMAL_INT.fullmatch(node.value):
        return node.value
    if tag == _FLOAT and not _DECIMAL_FLOAT.fullmatch(node.value):
        return node.value
    try:
        value = _constructor.yaml_constructors[tag](_constructor, node)
    except (ValueError, OverflowError, KeyError, AttributeError, yaml.YAMLError):
        # An impossible date such as 2026-13-45, or a value its explicit tag cannot hold (!!bool maybe,
        # !!timestamp soon), stays text; the schema then names the field.
        return node.value
    if isinstance(value, dt.datetime):
        return node.value
    return value


class _Unplaced(Exception):
    """A duplicate key met where positions are not kept: its document is built again with them."""


class Builder:
    """Turns a composed node graph into data and positions, within fixed bounds."""

    def __init__(self, doc: Document, counted: int, guarded: bool = True, deep: int = MAX_DEPTH + 1) -> None:
        self.doc = doc
        # Unguarded for text that can neither repeat values through aliases nor cross the bound of
        # nodes (see checker.yamlload.load_text): nothing then needs counting or remembering.
        self.guarded = guarded
        # Positions are kept down to this depth: the first levels alone when the rest is read
        # again from the file if ever needed (see checker.yamlload.load_file).
        self.deep = deep
        # The file's documents share one budget of nodes, as on the event stream.
        self.count = self.counted = counted
        # An alias is the same node met again (an anchor always comes first); its own position is
        # only in the event stream. Everything built again is counted, to stop alias bombs early.
        self.seen: set[int] = set()
        self.repeated = 0

    def everywhere(self) -> None:
        """Start the document again, keeping every position this time."""
        self.doc.keys, self.doc.values, self.doc.written, self.doc.problems = {}, {}, {}, []
        self.count, self.seen, self.repeated = self.counted, set(), 0
        self.deep = MAX_DEPTH + 1

    @property
    def aliased(self) -> bool:
        return self.repeated > 0

    def _meet(self, node: Node) -> None:
        if id(node) in self.seen:
            self.repeated += 1
            if self.repeated > MAX_REPEATED:
                raise AliasBomb(
                    f"the document expands to more than {MAX_REPEATED} values through aliases (an alias "
                    "bomb); Charter documents do not allow aliases",
                    *start(node),
                )
        else:
            self.seen.add(id(node))

    def _tick(self, node: Node) -> None:
        # Keys count like values, as on the event stream (yamlscan.over_bounds), which usually stops first.
        self.count += 1
        if self.count > MAX_NODES:
            raise too_many(node.start_mark)

    def build(self, node: Node, path: FieldPath | None, depth: int) -> Any:
        if self.guarded:
            self._tick(node)
        if depth > MAX_DEPTH:
            raise Crossed(f"the document is nested more than {MAX_DEPTH} levels deep", *start(node))
        if self.guarded:
            self._meet(node)
        if path is not None:
            mark = node.start_mark
            self.doc.values[path] = (mark.line + 1, mark.column + 1)
        if isinstance(node, ScalarNode):
            try:
                value = _scalar(node)
            except YamlProblem as problem:
                self.doc.problems.append(problem)
                return node.value
            if path is not None and not isinstance(value, str) and node.value:
                self.doc.written[path] = node.value
            return value
        # A tag on a list or mapping (!!python/object:..., !!set, !custom) asks for something other
        # than plain data: report it, and read the contents as the plain list or mapping they are.
        if isinstance(node, SequenceNode):
            if node.tag != TAG_SEQ:
                self.doc.problems.append(_tag_problem(node))
            if path is None or depth >= self.deep:
                return [self.build(item, None, depth + 1) for item in node.value]
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != TAG_MAP:
                self.doc.problems.append(_tag_problem(node))
            return self._mapping(node, path, depth)
        raise YamlProblem("unsupported YAML node", *start(node))  # pragma: no cover

    def _merge_key(self, node: MappingNode, key_node: Node, value_node: Node, path: FieldPath | None) -> None:
        """A merge key is refused: a problem of the document, or of the file when it hides the apiVersion."""
        if not path and "apiVersion" not in _keys(node) and _hides_charter(value_node):
            # Merging nothing would leave a document without its apiVersion, which is then
            # not Charter's and never checked: the file is reported instead.
            raise YamlProblem(
                "merge keys (<<) are not allowed in Charter documents: this one hides the "
                "document's apiVersion; write the keys out",
                *start(key_node),
            )
        self.doc.problems.append(
            YamlProblem(
                "merge keys (<<) are not allowed in Charter documents: they can hide or override "
                "values; write the keys out",
                *start(key_node),
            )
        )

    def _mapping(self, node: MappingNode, path: FieldPath | None, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._merge_key(node, key_node, value_node, path)
                continue
            if self.guarded:
                self._tick(key_node)
            if not isinstance(key_node, ScalarNode):
                problem = YamlProblem("a mapping key must be a plain scalar", *start(key_node))
                self.doc.problems.append(problem)
                continue
            if self.guarded:
                self._meet(key_node)
            try:
                key = _scalar(key_node)
            except YamlProblem as problem:
                self.doc.problems.append(problem)
                key = key_node.value
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = key_node.value
            elif type(key) is int:
                self.doc.number_keys = True
            sub = (*path, key) if path is not None and depth < self.deep else None
            if key in out:
                if sub is None:
                    raise _Unplaced  # the first one's line is needed: built again with every position
                # Neither value is used: the document is reported, and never judged on either one,
                # so a later, weaker value (tier: low after tier: high) cannot slip through.
                first = self.doc.keys[sub]
                self.doc.problems.append(
                    YamlProblem(
                        f"duplicate key {key!r} (first at line {first[0]}, again at line "
                        f"{key_node.start_mark.line + 1})",
                        *start(key_node),
                    )
                )
                continue
            if sub is not None:
                mark = key_node.start_mark
                self.doc.keys[sub] = (mark.line + 1, mark.column + 1)
            out[key] = self.build(value_node, sub, depth + 1)
        return out


def _pairs(node: Node) -> Iterator[tuple[str, Node]]:
    """The plain keys and their values that a mapping writes, or that a merge of mappings brings in."""
    for mapping in node.value if isinstance(node, SequenceNode) else [node]:
        if isinstance(mapping, MappingNode):
            for key, value in mapping.value:
                if isinstance(key, ScalarNode) and key.tag != _MERGE:
                    yield key.value, value


def _keys(node: Node) -> set[str]:
    return {key for key, _ in _pairs(node)}


def _hides_charter(merged: Node) -> bool:
    """Whether a merge key brings in a Charter apiVersion."""
    return any(
        key == "apiVersion" and isinstance(value, ScalarNode) and value.value.startswith("charter/")
        for key, value in _pairs(merged)
    )


def build_document(builder: Builder, node: Node, origin: str | None) -> Any:
    """The data of node, with every position after all when a duplicate key needs one not kept.

    A document that keeps only the first levels' positions reads the others from origin.
    """
    try:
        data = builder.build(node, (), 0)
    except _Unplaced:
        builder.everywhere()
        return builder.build(node, (), 0)
    if origin is not None and builder.deep <= MAX_DEPTH:
        builder.doc.origin = (origin, builder.doc.index)
    return data
