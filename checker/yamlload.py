"""Load YAML files keeping the line and column of every key and value.

A file is read within bounds (checker.yamlscan), built into plain data with positions
(checker.yamlbuild), and given back as documents (checker.document) and the problems that stopped
any of them.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from typing import Any, BinaryIO

import yaml

from checker import characters
from checker.document import Document, Loc, YamlProblem
from checker.yamlbuild import Builder, build_document, start
from checker.yamlscan import (
    MAX_DEPTH,
    AliasBomb,
    AliasUse,
    Crossed,
    alias_problem,
    alias_uses,
    composed,
    could_exceed_bounds,
    over_bounds,
)

MAX_BYTES = 5 * 1024 * 1024

# How a file that cannot be read as YAML still shows it was meant to be Charter's (block, flow or JSON).
_CHARTER_API = re.compile(r"apiVersion[\"']?\s*:\s*[\"']?charter/")
_CHARTER_API_BYTES = re.compile(_CHARTER_API.pattern.encode())


@dataclass
class LoadedFile:
    """The documents of one file and the problems that stopped any of them."""

    documents: list[Document]
    problems: list[YamlProblem]
    mentions_charter: bool
    # The id git gives the bytes read (see checker.cachestore.blob_id); empty when none were.
    blob: str = ""
    # The size, modification time and inode the file had when it was read (see
    # checker.cachestore.signature); None when it could not be read.
    signature: tuple[int, int, int] | None = None


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


def load_text(text: str, origin: str | None = None) -> LoadedFile:
    """Parse every document of text; a problem stops only the document it is in and what follows.

    With origin, the file text was read from, only the first levels' positions are kept: the others
    are read again from there when a finding needs them (see Document.locate).
    """
    documents: list[Document] = []
    problems: list[YamlProblem] = []
    index = 0
    checked = could_exceed_bounds(text)
    over = over_bounds(text) if checked else None
    aliases: dict[int, list[AliasUse]] | None = None
    counted = 0
    plain = "\\" not in text and characters.plain(text)
    try:
        for node in composed(text, over[0] if over else None):
            doc = Document(None, index, *start(node), plain=plain)
            # Without a '*' no alias repeats a value, and unchecked text cannot cross the bound of
            # nodes (see could_exceed_bounds): the builder then needs to count nothing.
            builder = Builder(doc, counted, checked or "*" in text, MAX_DEPTH + 1 if origin is None else 2)
            try:
                doc.data = build_document(builder, node, origin)
            except YamlProblem as problem:
                if isinstance(problem, AliasBomb):
                    # Where the repetition starts says more than where the count ran out.
                    aliases = alias_uses(text) if aliases is None else aliases
                    if aliases.get(index):
                        problem = AliasBomb(problem.message, *aliases[index][0].at)
                problems.append(problem)
                if isinstance(problem, Crossed):
                    # As when the event stream finds it first: the same documents are kept whether
                    # or not the parser could compose this one.
                    break
            else:
                if builder.aliased:
                    aliases = alias_uses(text) if aliases is None else aliases
                    doc.problems.extend(alias_problem(use) for use in aliases.get(index, ()))
                    doc.problems.sort(key=lambda p: (p.line, p.column))
                documents.append(doc)
            counted = builder.count
            index += 1
    except (yaml.YAMLError, RecursionError) as exc:
        # A parser's own limits (libyaml's nesting depth, the pure-Python composer's recursion) may
        # stop a document that crosses Charter's: then Charter's bound is what the file is told.
        over = over_bounds(text, index) if not checked else None
        if over is None:
            problems.append(_problem_from(exc, text))
    if over:
        problems.append(over[1])
    return LoadedFile(documents, problems, _CHARTER_API.search(text) is not None)


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
        raw = _read_within(path, info.st_size)
        if type(raw) is int:
            with os.fdopen(os.open(path, _OPEN_FLAGS), "rb") as handle:
                # Large YAML that is not Charter's (data, generated specs) is skipped, not reported.
                return LoadedFile([], [_too_large(raw)], _scan_for_charter(handle))
    except OSError as exc:
        return LoadedFile([], [YamlProblem(f"the file cannot be read: {exc.strerror}", 1, 1)], True)
    except YamlProblem as problem:
        return LoadedFile([], [problem], True)
    assert type(raw) is bytes
    blob = hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()
    signature = (info.st_size, info.st_mtime_ns, info.st_ino)
    try:
        text = _decode(raw)
    except YamlProblem as problem:
        return LoadedFile([], [problem], _mentions_charter(raw), blob, signature)
    loaded = load_text(text, None if positions else path)
    loaded.blob, loaded.signature = blob, signature
    return loaded


# Opening the file named, never what a link put there since it was looked at, and without waiting
# on a FIFO put there instead.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_OPEN_FLAGS |= getattr(os, "O_BINARY", 0)


def _read_within(path: str, size: int) -> bytes | int:
    """The bytes of the file at path, whose directory entry gives size; their count when over the limit.

    Reads what the size says and one byte more, which catches a file that has grown since.
    """
    if size > MAX_BYTES:
        return size
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise YamlProblem("not a regular file: Charter reads only plain files", 1, 1)
        data = os.read(fd, size + 1)
        if len(data) <= size:  # a read shorter than asked: the end of a regular file
            return data
        # The file has grown since it was looked at: read on, to one byte past the limit.
        parts, read = [data], len(data)
        while read <= MAX_BYTES and (more := os.read(fd, MAX_BYTES + 1 - read)):
            parts.append(more)
            read += len(more)
    finally:
        os.close(fd)
    return read if read > MAX_BYTES else b"".join(parts)


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
