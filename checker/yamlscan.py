"""The YAML parser, and what Charter reads from its event stream before or after composing.

The event stream is read to bound a file (depth, documents, keys and values) before anything is
composed, and to say where each alias of a document is when the builder met one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import Node, ScalarNode, SequenceNode

from checker.document import Loc, YamlProblem

try:  # libyaml's C parser when the wheel ships it; the pure-Python one otherwise
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_DEPTH = 64
# Per file, not per document: a manifest holds a few hundred keys and values, and one file of many
# small documents must cost no more than one large document.
MAX_NODES = 50_000
MAX_DOCUMENTS = 1_000
# Values that aliases repeat: a document that legitimately repeats more is hard to imagine.
MAX_REPEATED = 10_000

TAG_STR = "tag:yaml.org,2002:str"
TAG_SEQ = "tag:yaml.org,2002:seq"
TAG_MAP = "tag:yaml.org,2002:map"
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
            return TAG_SEQ if kind is SequenceNode else TAG_MAP
        if not implicit[0]:
            return TAG_STR
        tag = _RESOLVED.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_RESOLVED) < _RESOLVED_MAX:
                _RESOLVED[value] = tag
        return tag  # type: ignore[no-any-return]


def composed(text: str, limit: int | None) -> Iterator[Node]:
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


class AliasBomb(YamlProblem):
    """The document repeats more than MAX_REPEATED values through aliases."""


@dataclass(frozen=True)
class AliasUse:
    at: Loc
    name: str
    anchored: Loc | None


def alias_uses(text: str) -> dict[int, list[AliasUse]]:
    """Every alias of text, by document index, except those a merge key already reports."""
    uses: dict[int, list[AliasUse]] = {}
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
                    uses.setdefault(index, []).append(AliasUse(at, anchor, anchors.get(anchor)))
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


def alias_problem(use: AliasUse) -> YamlProblem:
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


class Crossed(YamlProblem):
    """A bound of the file is crossed: nothing after it is read, whichever parser would allow it."""


def too_many(mark: Any) -> YamlProblem:
    return Crossed(
        f"the file holds more than {MAX_NODES} keys and values, more than any Charter file needs",
        mark.line + 1,
        mark.column + 1,
    )


def _where(event: yaml.Event) -> Loc:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def over_bounds(text: str, start: int = 0) -> tuple[int, YamlProblem] | None:
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
                    return index, Crossed(message + "file needs", *_where(event))
            elif isinstance(event, yaml.NodeEvent):
                # An alias counts as the value it writes, as the builder counts it.
                nodes += 1
                if nodes > MAX_NODES:
                    return index, too_many(event.start_mark)
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    # The root collection is level 0 for the builder, hence MAX_DEPTH + 1.
                    if depth > MAX_DEPTH + 1 and index >= start:
                        message = f"the document is nested more than {MAX_DEPTH} levels deep"
                        return index, Crossed(message, *_where(event))
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


def could_exceed_bounds(text: str) -> bool:
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
