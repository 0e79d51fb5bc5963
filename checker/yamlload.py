"""Load YAML files keeping the line and column of every key and value."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from checker import characters

try:  # libyaml's C parser when the wheel ships it; the pure-Python one otherwise
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

Key = str | int
FieldPath = tuple[Key, ...]
Loc = tuple[int, int]

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
# Per file, not per document: a manifest holds a few hundred keys and values, and one file of many
# small documents must cost no more than one large document.
MAX_NODES = 50_000
MAX_DOCUMENTS = 1_000
# Values that aliases repeat: a document that legitimately repeats more is hard to imagine.
MAX_REPEATED = 10_000

_YAML_TAG = "tag:yaml.org,2002:"
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
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
# The tag each plain scalar resolves to, by its text: the same keys and values recur in every file.
_RESOLVED: dict[str, str] = {}
_RESOLVED_MAX = 100_000


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader, with the tag of each plain scalar looked up once per distinct text.

    The parser asks for every node's tag in Python; without path resolvers (the safe loader has
    none) the answer depends on the text alone for a plain scalar, and is the default otherwise.
    """

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if self.yaml_path_resolvers:  # pragma: no cover - none are ever added
            return str(super().resolve(kind, value, implicit))
        if kind is not ScalarNode:
            return _SEQ if kind is SequenceNode else _MAP
        if not implicit[0]:
            return _STR
        tag = _RESOLVED.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_RESOLVED) < _RESOLVED_MAX:
                _RESOLVED[value] = tag
        return tag  # type: ignore[no-any-return]


# How a file that cannot be read as YAML still shows it was meant to be Charter's (block, flow or JSON).
_CHARTER_API = re.compile(r"apiVersion[\"']?\s*:\s*[\"']?charter/")
_CHARTER_API_BYTES = re.compile(_CHARTER_API.pattern.encode())


class YamlProblem(Exception):
    """A problem in one document, with its 1-based position."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[type[YamlProblem], tuple[str, int, int]]:
        return (YamlProblem, (self.message, self.line, self.column))


@dataclass
class Document:
    """One YAML document: plain Python data plus where each part was written."""

    data: Any
    index: int
    line: int
    column: int
    keys: dict[FieldPath, Loc] = field(default_factory=dict)
    values: dict[FieldPath, Loc] = field(default_factory=dict)
    # Problems that leave the document readable (a duplicate key, a merge key, a foreign tag, an
    # alias): it stays known by name but is not checked further.
    problems: list[YamlProblem] = field(default_factory=list)

    # Set when the positions were shed to save memory: the file and index to read them from again.
    origin: tuple[str, int] | None = None

    # How each plain scalar that YAML reads as something other than text (yes, 3.10, 2026-01-01)
    # was written, so that a field expecting text can say what to quote.
    written: dict[FieldPath, str] = field(default_factory=dict)

    # Whether the text it was read from is printable ASCII, tabs and line feeds, with no backslash
    # to escape anything else: then so is every key and value, and none needs a closer look.
    plain: bool = False

    def shed(self, path: str) -> None:
        """Drop the positions; the first locate() reads them again from the file at path."""
        self.keys, self.values, self.written, self.origin = {}, {}, {}, (path, self.index)

    def _restore(self) -> None:
        if self.origin is None:
            return
        path, index = self.origin
        self.origin = None
        positions = _reread(path).get(index)
        if positions is not None:
            self.keys, self.values, self.written = positions

    def spelling(self, path: FieldPath) -> str | None:
        """How the scalar at path was written, when YAML read it as something other than text."""
        self._restore()
        return self.written.get(path)

    def locate(self, path: FieldPath) -> Loc:
        """Position of the value at path, or of the closest parent that exists."""
        self._restore()
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
        self._restore()
        return self.keys.get(path) or self.locate(path)


_Positions = tuple[dict[FieldPath, Loc], dict[FieldPath, Loc], dict[FieldPath, str]]
# The positions of the file read again last, by document index: the documents of one file with
# findings then cost one read between them, not one each.
_reread_last: tuple[tuple[str, tuple[int, ...]], dict[int, _Positions]] | None = None


def _reread(path: str) -> dict[int, _Positions]:
    global _reread_last
    try:
        info = os.lstat(path)
        identity = (path, (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns))
    except OSError:
        return {}
    if _reread_last is None or _reread_last[0] != identity:
        loaded = load_file(path).documents
        _reread_last = (identity, {doc.index: (doc.keys, doc.values, doc.written) for doc in loaded})
    return _reread_last[1]


@dataclass
class LoadedFile:
    """The documents of one file and the problems that stopped any of them."""

    documents: list[Document]
    problems: list[YamlProblem]
    mentions_charter: bool
    # The id git gives the bytes read (see checker.cache.blob_id); empty when none were.
    blob: str = ""


def _mark(node: Node) -> Loc:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _tag_problem(node: Node) -> YamlProblem:
    # Shown the way it was written: !!binary, not tag:yaml.org,2002:binary.
    tag = "!!" + node.tag[len(_YAML_TAG) :] if node.tag.startswith(_YAML_TAG) else node.tag
    message = (
        f"the tag {tag!r} is not allowed: Charter documents hold only plain text, numbers, booleans, "
        "dates, lists and mappings; remove the tag"
    )
    return YamlProblem(message, *_mark(node))


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag
    if tag == _STR:
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


class _Crossed(YamlProblem):
    """A bound of the file is crossed: nothing after it is read, whichever parser would allow it."""


class _AliasBomb(YamlProblem):
    """The document repeats more than MAX_REPEATED values through aliases."""


class _Unplaced(Exception):
    """A duplicate key met where positions are not kept: its document is built again with them."""


class _Builder:
    """Turns a composed node graph into data and positions, within fixed bounds."""

    def __init__(self, doc: Document, counted: int, guarded: bool = True, deep: int = MAX_DEPTH + 1) -> None:
        self.doc = doc
        # Unguarded for text that can neither repeat values through aliases nor cross the bound of
        # nodes (see load_text): nothing then needs counting or remembering.
        self.guarded = guarded
        # Positions are kept down to this depth: the first levels alone when the rest is read
        # again from the file if ever needed (see load_file).
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
                raise _AliasBomb(
                    f"the document expands to more than {MAX_REPEATED} values through aliases (an alias "
                    "bomb); Charter documents do not allow aliases",
                    *_mark(node),
                )
        else:
            self.seen.add(id(node))

    def _tick(self, node: Node) -> None:
        # Keys count like values, as on the event stream (_over_bounds), which usually stops first.
        self.count += 1
        if self.count > MAX_NODES:
            raise _too_many(node.start_mark)

    def build(self, node: Node, path: FieldPath | None, depth: int) -> Any:
        if self.guarded:
            self._tick(node)
        if depth > MAX_DEPTH:
            raise _Crossed(f"the document is nested more than {MAX_DEPTH} levels deep", *_mark(node))
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
            if node.tag != _SEQ:
                self.doc.problems.append(_tag_problem(node))
            if path is None or depth >= self.deep:
                return [self.build(item, None, depth + 1) for item in node.value]
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _MAP:
                self.doc.problems.append(_tag_problem(node))
            return self._mapping(node, path, depth)
        raise YamlProblem("unsupported YAML node", *_mark(node))  # pragma: no cover

    def _merge_key(self, node: MappingNode, key_node: Node, value_node: Node, path: FieldPath | None) -> None:
        """A merge key is refused: a problem of the document, or of the file when it hides the apiVersion."""
        if not path and "apiVersion" not in _keys(node) and _hides_charter(value_node):
            # Merging nothing would leave a document without its apiVersion, which is then
            # not Charter's and never checked: the file is reported instead.
            raise YamlProblem(
                "merge keys (<<) are not allowed in Charter documents: this one hides the "
                "document's apiVersion; write the keys out",
                *_mark(key_node),
            )
        self.doc.problems.append(
            YamlProblem(
                "merge keys (<<) are not allowed in Charter documents: they can hide or override "
                "values; write the keys out",
                *_mark(key_node),
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
                problem = YamlProblem("a mapping key must be a plain scalar", *_mark(key_node))
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
                        *_mark(key_node),
                    )
                )
                continue
            if sub is not None:
                mark = key_node.start_mark
                self.doc.keys[sub] = (mark.line + 1, mark.column + 1)
            out[key] = self.build(value_node, sub, depth + 1)
        return out


@dataclass(frozen=True)
class _AliasUse:
    at: Loc
    name: str
    anchored: Loc | None


def _alias_uses(text: str) -> dict[int, list[_AliasUse]]:
    """Every alias of text, by document index, except those a merge key already reports."""
    uses: dict[int, list[_AliasUse]] = {}
    anchors: dict[str, Loc] = {}
    # One entry per open collection: [is a mapping, next node is a key, the key is <<, merge list].
    stack: list[list[bool]] = []
    index = -1
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                index += 1
                anchors = {}
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            merged = bool(stack) and stack[-1][3]
            if stack and stack[-1][0]:
                top = stack[-1]
                if top[1]:
                    plain = isinstance(event, yaml.ScalarEvent) and not event.style
                    top[2] = plain and event.value == "<<"  # type: ignore[attr-defined]
                else:
                    merged = top[2]
                top[1] = not top[1]
            mark = event.start_mark
            at = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            if isinstance(event, yaml.AliasEvent):
                if not merged:
                    anchor = str(event.anchor)
                    uses.setdefault(index, []).append(_AliasUse(at, anchor, anchors.get(anchor)))
                continue
            if event.anchor is not None:
                anchors[str(event.anchor)] = at
            if isinstance(event, yaml.MappingStartEvent):
                stack.append([True, True, False, False])
            elif isinstance(event, yaml.SequenceStartEvent):
                stack.append([False, False, False, merged])
    except yaml.YAMLError:
        pass  # composing reports it
    finally:
        loader.dispose()
    return uses


def _alias_problem(use: _AliasUse) -> YamlProblem:
    where = (
        f"the value anchored at line {use.anchored[0]}, column {use.anchored[1]}"
        if use.anchored
        else f"the value anchored as &{use.name}"
    )
    return YamlProblem(
        f"the alias *{use.name} repeats {where}: Charter documents do not allow aliases, because a "
        "change to the anchored value would silently change this one too; write the value out",
        *use.at,
    )


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


def _problem_from(exc: Exception, text: str) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    message = f"invalid YAML: {problem}"
    if context and context.startswith("found duplicate anchor") and context_mark is not None:
        message = (
            "invalid YAML: an anchor is defined a second time here, first at line "
            f"{context_mark.line + 1}, column {context_mark.column + 1}"
        )
    elif context and context_mark is not None and _at(context_mark) != _at(mark):
        # Where the construct began: an unclosed bracket is found only where the file ends.
        message += f" ({context} at line {context_mark.line + 1}, column {context_mark.column + 1})"
    elif context:
        message += f" ({context})"
    if mark is None:
        return YamlProblem(message, 1, 1)
    if text[mark.index : mark.index + 1] == "\t":
        message += "; YAML is indented with spaces, not tabs"
    elif problem == "mapping values are not allowed in this context":
        message += "; if ': ' is part of a value, put the value in quotes, otherwise check the indentation"
    return YamlProblem(message, mark.line + 1, mark.column + 1)


def _at(mark: Any) -> Loc | None:
    return (mark.line, mark.column) if mark is not None else None


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlProblem("the file is UTF-16 text; Charter reads UTF-8: save the file as UTF-8", 1, 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        # Columns count characters, as the parser's do; what precedes the bad byte is valid UTF-8.
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8")) + 1
        raise YamlProblem(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded)", line, column
        ) from None


def _too_many(mark: Any) -> YamlProblem:
    return _Crossed(
        f"the file holds more than {MAX_NODES} keys and values, more than any Charter file needs",
        mark.line + 1,
        mark.column + 1,
    )


def _where(event: yaml.Event) -> Loc:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _over_bounds(text: str, start: int = 0) -> tuple[int, YamlProblem] | None:
    """The index of the first document that crosses a bound, and where it does.

    The composer recurses once per level (in C with libyaml: a few hundred thousand '[' crash the
    process), libyaml's scanner slows down with depth, and every node is composed before anything
    can count them (a 5 MB flow list of numbers takes most of a gigabyte; 5 MB of tiny documents,
    several). So depth, documents and nodes are bounded on the event stream first, which stops
    right where a bound is crossed. Depth is judged in the documents from index start on (the
    builder has judged the ones before); documents and nodes are counted over the whole file.
    """
    crossed = _first_crossing(text, start)
    if isinstance(crossed, yaml.MarkedYAMLError) and crossed.problem_mark is not None:
        # The parser reads ahead up to a line (1024 characters) of tokens, so an error there, or a
        # parser's own nesting limit (newer libyaml stops at 1000 levels), can come before a bound
        # crossed earlier in the text. Read again up to the error, the bound is found whatever
        # the parser.
        crossed = _first_crossing(text[: crossed.problem_mark.index], start)
    return None if crossed is None or isinstance(crossed, yaml.YAMLError) else crossed


def _first_crossing(text: str, start: int) -> tuple[int, YamlProblem] | yaml.YAMLError | None:
    loader = _Loader(text)
    depth = 0
    nodes = 0
    index = -1
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                index += 1
                if index == MAX_DOCUMENTS:
                    message = f"the file holds more than {MAX_DOCUMENTS} documents, more than any Charter "
                    return index, _Crossed(message + "file needs", *_where(event))
            elif isinstance(event, yaml.NodeEvent):
                # An alias counts as the value it writes, as the builder counts it.
                nodes += 1
                if nodes > MAX_NODES:
                    return index, _too_many(event.start_mark)
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    # The root collection is level 0 for the builder, hence MAX_DEPTH + 1.
                    if depth > MAX_DEPTH + 1 and index >= start:
                        message = f"the document is nested more than {MAX_DEPTH} levels deep"
                        return index, _Crossed(message, *_where(event))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        return exc  # composing reports it, with the documents before it
    finally:
        loader.dispose()
    return None


# Below this many flow or compact openers, composing is safe and fast whatever the nesting.
_OPENERS_SAFE = 2000
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")


def _could_exceed_bounds(text: str) -> bool:
    """Whether text might nest or grow enough to need the event-stream check before composing.

    Each level of flow or compact nesting needs an opener ('[', '{', '- ', '? '); each level of block
    nesting needs more indentation, which the size limit caps at a few thousand levels that libyaml
    composes in milliseconds (or refuses, or the pure-Python composer cannot recurse into: then the
    check runs after all). Every key or value but the first needs a line break, a comma or an
    opener, shared at most by a key and its value, and every document but the first a '---' or a
    '...'. So most text skips the extra parse.
    """
    openers = text.count("[") + text.count("{") + text.count("- ") + text.count("? ")
    if openers >= _OPENERS_SAFE:
        return True
    # Each marker takes three characters, so only long text needs them counted.
    if len(text) > 3 * MAX_DOCUMENTS and text.count("---") + text.count("...") + 1 > MAX_DOCUMENTS:
        return True
    separators = openers + text.count(",") + sum(text.count(b) for b in _LINE_BREAKS)
    return 2 * (separators + 1) > MAX_NODES


def _documents(text: str, limit: int | None) -> Iterator[Node]:
    """The composed documents of text, at most limit of them."""
    loader = _Loader(text)
    count = 0
    try:
        while (limit is None or count < limit) and loader.check_node():
            node = loader.get_node()
            if node is not None:
                count += 1
                yield node
    finally:
        loader.dispose()


def load_text(text: str, origin: str | None = None) -> LoadedFile:
    """Parse every document of text; a problem stops only the document it is in and what follows.

    With origin, the file text was read from, only the first levels' positions are kept: the others
    are read again from there when a finding needs them (see Document.locate).
    """
    documents: list[Document] = []
    problems: list[YamlProblem] = []
    index = 0
    checked = _could_exceed_bounds(text)
    over = _over_bounds(text) if checked else None
    aliases: dict[int, list[_AliasUse]] | None = None
    counted = 0
    plain = "\\" not in text and characters.plain(text)
    try:
        for node in _documents(text, over[0] if over else None):
            doc = Document(None, index, *_mark(node), plain=plain)
            # Without a '*' no alias repeats a value, and unchecked text cannot cross the bound of
            # nodes (see _could_exceed_bounds): the builder then needs to count nothing.
            builder = _Builder(doc, counted, checked or "*" in text, MAX_DEPTH + 1 if origin is None else 2)
            try:
                doc.data = _build(builder, node, origin)
            except YamlProblem as problem:
                if isinstance(problem, _AliasBomb):
                    # Where the repetition starts says more than where the count ran out.
                    aliases = _alias_uses(text) if aliases is None else aliases
                    if aliases.get(index):
                        problem = _AliasBomb(problem.message, *aliases[index][0].at)
                problems.append(problem)
                if isinstance(problem, _Crossed):
                    # As when the event stream finds it first: the same documents are kept whether
                    # or not the parser could compose this one.
                    break
            else:
                if builder.aliased:
                    aliases = _alias_uses(text) if aliases is None else aliases
                    doc.problems.extend(_alias_problem(use) for use in aliases.get(index, ()))
                    doc.problems.sort(key=lambda p: (p.line, p.column))
                documents.append(doc)
            counted = builder.count
            index += 1
    except (yaml.YAMLError, RecursionError) as exc:
        # A parser's own limits (libyaml's nesting depth, the pure-Python composer's recursion) may
        # stop a document that crosses Charter's: then Charter's bound is what the file is told.
        over = _over_bounds(text, index) if not checked else None
        if over is None:
            problems.append(_problem_from(exc, text))
    if over:
        problems.append(over[1])
    return LoadedFile(documents, problems, _CHARTER_API.search(text) is not None)


def _build(builder: _Builder, node: Node, origin: str | None) -> Any:
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


def _scan_for_charter(handle: BinaryIO) -> bool:
    """Whether the bytes from handle's position on name a Charter apiVersion, read in bounded chunks."""
    tail = b""
    while chunk := handle.read(1 << 16):
        window = tail + chunk
        if _CHARTER_API_BYTES.search(window):
            return True
        tail = window[-256:]
    return False


def load_file(path: str, positions: bool = True) -> LoadedFile:
    """Read and parse one file, refusing what is too large, binary or behind a link.

    Without positions, only those of the first levels are kept until a finding needs the others.
    """
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            raise YamlProblem("the file is a symbolic link: Charter does not follow links", 1, 1)
        if not stat.S_ISREG(info.st_mode):
            # A FIFO or a device could block or never end.
            raise YamlProblem("not a regular file: Charter reads only plain files", 1, 1)
        with open(path, "rb") as handle:
            # One byte past the limit catches files whose size the directory entry understates.
            raw = handle.read(MAX_BYTES + 1) if info.st_size <= MAX_BYTES else b""
            if info.st_size > MAX_BYTES or len(raw) > MAX_BYTES:
                handle.seek(0)
                # Large YAML that is not Charter's (data, generated specs) is skipped, not reported.
                problem = _too_large(max(info.st_size, len(raw)))
                return LoadedFile([], [problem], _scan_for_charter(handle))
    except OSError as exc:
        return LoadedFile([], [YamlProblem(f"the file cannot be read: {exc.strerror}", 1, 1)], True)
    except YamlProblem as problem:
        return LoadedFile([], [problem], True)
    blob = hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()
    try:
        text = _decode(raw)
    except YamlProblem as problem:
        return LoadedFile([], [problem], _mentions_charter(raw), blob)
    loaded = load_text(text, None if positions else path)
    loaded.blob = blob
    return loaded


def _mentions_charter(raw: bytes) -> bool:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _CHARTER_API.search(raw.decode("utf-16", "replace")) is not None
    return _CHARTER_API_BYTES.search(raw) is not None


def _too_large(size: int) -> YamlProblem:
    return YamlProblem(
        f"the file is {size / 1048576:.1f} MiB, over the {MAX_BYTES // 1048576} MiB limit for "
        "Charter documents",
        1,
        1,
    )
