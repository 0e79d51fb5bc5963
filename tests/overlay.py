"""Manifests written as small patches of one clean manifest (tests/rules/_clean.yaml).

A patch names fields by path (`spec.ownership.accountable`, `spec.components.0.version`: keys and
list indexes joined by dots) and edits the clean manifest's text in place, so every line the patch
does not touch keeps its number and its layout:

    set:     {PATH: VALUE}   the field's value becomes VALUE, written in flow style on the field's own
                             line; a missing field (or list index one past the end) is added after its
                             last sibling
    delete:  [PATH]          the field goes, with the lines it spans (or its text inside {...} / [...])
    lines:   {PATH: TEXT}    the whole lines the field spans become TEXT, verbatim: for YAML that set
                             cannot write (comments, anchors, duplicate keys, broken syntax); a missing
                             field's TEXT is inserted where set would add it
    append:  TEXT            appended after the manifest (more documents, after a `---` line)

Edits are made on the clean text as it stands, so two edits of the same lines are an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class PatchError(ValueError):
    """A patch that names a field the clean manifest does not have, or edits the same text twice."""


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def apply(clean: str, patch: dict) -> str:
    """The clean manifest's text with patch applied (see the module's description)."""
    root = _composed(clean)
    if root is None:
        raise PatchError("the clean manifest is empty")
    unknown = set(patch) - {"set", "delete", "lines", "append"}
    if unknown:
        raise PatchError(f"unknown patch keys: {', '.join(sorted(unknown))}")
    editor = _Editor(clean, root)
    edits = [editor.set(path, value) for path, value in (patch.get("set") or {}).items()]
    edits += [editor.delete(path) for path in patch.get("delete") or []]
    edits += [editor.lines(path, text) for path, text in (patch.get("lines") or {}).items()]
    out = _splice(clean, edits)
    return out + (patch.get("append") or "")


@dataclass(frozen=True)
class Field:
    """A field of the clean manifest as a patch names it, and the whole lines its text spans."""

    path: str
    node: Node
    start: int  # offset of the start of the line where the field starts
    end: int  # offset just past the end of its last line
    in_flow: bool  # an entry of a {...} or [...], sharing its line with others


def fields(clean: str) -> list[Field]:
    """Every field of the clean manifest that a patch can name, parents before their children."""
    root = _composed(clean)
    if root is None:
        return []
    editor = _Editor(clean, root)
    found: list[Field] = []

    def walk(node: Node, prefix: str, in_flow: bool) -> None:
        if isinstance(node, MappingNode):
            steps = [(k.value, v) for k, v in node.value if isinstance(k, ScalarNode)]
        elif isinstance(node, SequenceNode):
            steps = [(str(i), v) for i, v in enumerate(node.value)]
        else:
            return
        inside = in_flow or bool(node.flow_style)
        for step, child in steps:
            path = f"{prefix}.{step}" if prefix else step
            found.append(Field(path, child, *editor._line_span(path, child), inside))
            walk(child, path, inside)

    walk(root, "", False)
    return found


def node_end(node: Node) -> int:
    """The offset just past the text of node."""
    return _end(node)


@functools.lru_cache(maxsize=4)
def _composed(text: str) -> Node | None:
    """The YAML nodes of text, with their positions; read once, never changed."""
    return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def flow(value: object) -> str:
    """value in YAML flow style, one line: strings plain where YAML reads them back as the same
    string and they hold no colon, otherwise double-quoted."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flow(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, str):
        plain = (
            value and not any(c in value for c in ",[]{}#:\"'\n") and not value.startswith(("@", "*", "&"))
        )
        try:
            plain = plain and yaml.safe_load(f"k: {value}") == {"k": value}
        except yaml.YAMLError:
            plain = False
        return value if plain else json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()


def _splice(text: str, edits: list[_Edit]) -> str:
    ordered = sorted(enumerate(edits), key=lambda e: (e[1].start, e[0]))
    out, at = [], 0
    for _, edit in ordered:
        if edit.start < at:
            raise PatchError(f"two edits of the same text at offset {edit.start}")
        out += [text[at : edit.start], edit.text]
        at = edit.end
    return "".join(out) + text[at:]


class _Editor:
    def __init__(self, text: str, root: Node) -> None:
        self.text = text
        self.root = root

    def set(self, path: str, value: object) -> _Edit:
        parent, key, node = self._find(path)
        if node is not None:
            return _Edit(node.start_mark.index, _end(node), flow(value))
        item = flow(value) if isinstance(parent, SequenceNode) else f"{flow(key)}: {flow(value)}"
        if parent.flow_style:
            at = _end(parent) - 1  # before the closing bracket
            return _Edit(at, at, (", " if parent.value else "") + item)
        return self._insert_line(parent, ("- " if isinstance(parent, SequenceNode) else "") + item)

    def delete(self, path: str) -> _Edit:
        parent, _, node = self._find(path, must_exist=True)
        if not parent.flow_style:
            return _Edit(*self._line_span(path, node), "")
        starts = [_entry_start(parent, i) for i in range(len(parent.value))]
        ends = [_end(_entry_value(parent, i)) for i in range(len(parent.value))]
        i = [_entry_value(parent, j) for j in range(len(parent.value))].index(node)
        if i + 1 < len(starts):
            return _Edit(starts[i], starts[i + 1], "")
        return _Edit(ends[i - 1] if i else starts[i], ends[i], "")

    def lines(self, path: str, text: str) -> _Edit:
        text = text if text.endswith("\n") or not text else text + "\n"
        parent, _, node = self._find(path)
        if node is None:
            return self._insert_line(parent, text.removesuffix("\n"), indent=False)
        return _Edit(*self._line_span(path, node), text)

    def _find(self, path: str, must_exist: bool = False) -> tuple[Node, object, Node | None]:
        """The node holding the last step of path, that step, and its value (None when missing)."""
        steps = path.split(".")
        node: Node = self.root
        for depth, step in enumerate(steps):
            parent = node
            found = _child(parent, step)
            if found is None:
                if depth < len(steps) - 1 or must_exist or not _addable(parent, step):
                    raise PatchError(f"{path}: the clean manifest has no {'.'.join(steps[: depth + 1])}")
                return parent, step, None
            node = found
        return parent, steps[-1], node

    def _line_span(self, path: str, node: Node) -> tuple[int, int]:
        """From the start of the line where the field starts to the end of its last line."""
        parent, key, _ = self._find(path)
        first = node if isinstance(parent, SequenceNode) else _key_node(parent, key)
        start = self.text.rfind("\n", 0, first.start_mark.index) + 1
        end = self.text.find("\n", _end(node) - 1)
        return start, len(self.text) if end < 0 else end + 1

    def _insert_line(self, parent: Node, line: str, indent: bool = True) -> _Edit:
        """line as a new last entry of the block collection parent."""
        first = parent.value[0]
        first_node = first[0] if isinstance(parent, MappingNode) else first
        column = first_node.start_mark.column
        if isinstance(parent, SequenceNode):
            column = self.text.rfind("-", 0, first_node.start_mark.index) - (
                self.text.rfind("\n", 0, first_node.start_mark.index) + 1
            )
        at = self.text.find("\n", _end(parent) - 1) + 1
        return _Edit(at, at, (" " * column if indent else "") + line + "\n")


def _child(node: Node, step: str) -> Node | None:
    if isinstance(node, MappingNode):
        return next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == step), None)
    if isinstance(node, SequenceNode) and step.isdigit() and int(step) < len(node.value):
        return node.value[int(step)]
    return None


def _addable(parent: Node, step: str) -> bool:
    if isinstance(parent, SequenceNode):
        return step.isdigit() and int(step) == len(parent.value)
    return isinstance(parent, MappingNode)


def _key_node(parent: Node, key: object) -> Node:
    return next(k for k, _ in parent.value if k.value == key)


def _entry_start(parent: Node, i: int) -> int:
    entry = parent.value[i]
    return (entry[0] if isinstance(parent, MappingNode) else entry).start_mark.index


def _entry_value(parent: Node, i: int) -> Node:
    entry = parent.value[i]
    return entry[1] if isinstance(parent, MappingNode) else entry


def _end(node: Node) -> int:
    """Where the text of node ends: a block collection's own end mark lies past the next line's
    indentation, so it ends where its last entry does."""
    if isinstance(node, ScalarNode) or node.flow_style or not node.value:
        return node.end_mark.index
    last = node.value[-1]
    return _end(last[1] if isinstance(node, MappingNode) else last)
