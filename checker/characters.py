"""Characters that make text read differently from how it looks: invisible, bidi, look-alike, control.

A reviewer approves what a manifest appears to say. A right-to-left override reorders what is shown,
a zero-width space makes two names that look the same differ, and a Cyrillic 'a' (U+0430) among
Latin letters makes one name pass for another. Charter never normalises such text, so a look-alike can borrow
nothing from the name it imitates; this module finds the characters so that the document is refused
with a message that names them.

Invisible, bidirectional and look-alike characters are refused in every key and value. Control
characters (escape, carriage return, ...) are refused in keys, names, ids and people; in other text
they are visible in a review. What cannot be refused (file names, text quoted in findings) is shown
escaped: shown() is the one form in which Charter writes text it did not write itself.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

FieldPath = tuple[str | int, ...]

_PLAIN = re.compile(r"[\t\n\x20-\x7e]*")
_BIDI = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# Letters that render as blank space (Hangul fillers, the blank Braille pattern).
_BLANK_LETTERS = frozenset([0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0])
# Zero-width joiners and non-joiners shape emoji and several scripts; among ASCII they only hide.
_JOINERS = frozenset([0x200C, 0x200D])
# Alphabets with letters that pass for Latin ones: Cyrillic a, e, o, p, c, y, x; Greek o, v; ...
_LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC")
# Styled forms of Latin letters and digits that compatibility normalisation folds to ASCII.
_STYLED = ("FULLWIDTH LATIN", "FULLWIDTH DIGIT", "MATHEMATICAL")
# Characters shown by name rather than as a code.
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
# Everything outside printable ASCII: the only characters that may need a closer look when shown.
_UNUSUAL = re.compile(r"[^\x20-\x7e]")
# What a GitHub Actions runner takes for a workflow command in a line of a job's log: "::" at the
# start of the line after any white space, or the older "##[" anywhere in it. A leading colon is
# escaped even alone, as the text it starts may be followed by a colon of the report's own.
_COMMAND_START = re.compile(r"\A(\s*):")
_OLD_COMMAND = re.compile(r"##\[")


def _code(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def _invisible(char: str) -> bool:
    code = ord(char)
    if code in _BIDI or code in _BLANK_LETTERS:
        return True
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in "\t\n"


def _joins_visible_text(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return all(c and not c.isascii() and not _invisible(c) for c in (before, after))


def _script(char: str) -> str:
    return unicodedata.name(char, "").split(" ", 1)[0]


def _mixed_word(text: str) -> tuple[int, str, str] | None:
    """(position, word, alphabet) of the first letter from another alphabet than its word's first."""
    for match in re.finditer(r"[^\W\d_]+", text):
        word = match.group()
        scripts = [_script(c) for c in word]
        kinds = set(scripts)
        if "LATIN" in kinds and kinds & set(_LOOKALIKE_SCRIPTS):
            first = scripts[0]
            at = next(i for i, s in enumerate(scripts) if s != first)
            return match.start() + at, word, first.title()
    return None


def hidden(char: str) -> bool:
    """Whether char does something other than show a glyph: controls, format characters, separators.

    Surrogates (an undecodable byte of a file name) and noncharacters too: no UTF-8 or XML holds them.
    """
    code = ord(char)
    if code in _BLANK_LETTERS or (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
        return True
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def escape(char: str) -> str:
    """char written as the escape that names it: \\n, \\x1b, \\u202e, \\U000e0001."""
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown(text: str) -> str:
    """text as Charter writes it to any reader: one line, every hidden character escaped, no command.

    A line break, a terminal escape or a right-to-left override in a file name or a quoted value is
    shown as its escape (\\n, \\x1b, \\u202e), so it can neither end the line, act on a terminal nor
    reorder what is read; and text that a CI runner could take for a workflow command (a leading
    colon, or "##[") has its colon or bracket escaped too.
    """
    if not text.isascii() or not text.isprintable():
        text = _UNUSUAL.sub(lambda m: escape(m.group()) if hidden(m.group()) else m.group(), text)
    if ":" in text:
        text = _COMMAND_START.sub(r"\1\\x3a", text)
    if "##[" in text:
        text = _OLD_COMMAND.sub(r"##\\x5b", text)
    return text


def one_line(value: Any) -> str:
    """value as text on one line, as characters.shown() writes it; '' for a missing value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()
    elif isinstance(value, (list, tuple)):
        text = ", ".join(one_line(v) for v in value)
    else:
        text = str(value)
    return shown(text)


def plain(text: str) -> bool:
    """Whether text is printable ASCII, tabs and newlines, which need no closer look."""
    return _PLAIN.fullmatch(text) is not None


def problem(text: str, controls: bool) -> tuple[int, str] | None:
    """Where text first goes wrong and what is wrong there, or None for text that reads as it looks.

    controls: whether control characters are refused too.
    """
    for i, char in enumerate(text):
        code = ord(char)
        if code in _BIDI:
            return i, (
                f"{_code(char)}, a bidirectional control character that can make text display in a "
                "different order from the one it is read in; remove it"
            )
        if unicodedata.category(char) == "Cc" and char not in "\t\n":
            if not controls:
                continue
            return i, f"{_code(char)}, a control character; remove it"
        if code in _JOINERS and _joins_visible_text(text, i):
            continue
        if _invisible(char):
            return i, (
                f"{_code(char)}, an invisible character that makes the text differ from what it looks "
                "like; remove it"
            )
        if unicodedata.name(char, "").startswith(_STYLED):
            plain = unicodedata.normalize("NFKC", char)
            return i, f"{char!r} ({_code(char)}), a look-alike of {plain!r}; write the plain {plain!r}"
    mixed = _mixed_word(text)
    if mixed is not None:
        i, word, alphabet = mixed
        char = text[i]
        return i, (
            f"{char!r} ({_code(char)}) among the {alphabet} letters of {word!r}; letters of different "
            "alphabets that look alike can make one name pass for another: write the word in one alphabet"
        )
    return None


def excerpt(text: str, at: int, width: int = 40) -> str:
    """text quoted with invisible characters escaped, cut around position at when it is long."""
    if len(text) <= width:
        return repr(text)
    start = max(0, min(at - width // 2, len(text) - width))
    piece = text[start : start + width]
    return repr(("..." if start else "") + piece + ("..." if start + width < len(text) else ""))


def walk(data: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, bool, str]]:
    """Every key and string value of data: (path, is a key, the text)."""
    if isinstance(data, dict):
        for key, value in data.items():
            sub = (*path, key)
            if isinstance(key, str):
                yield sub, True, key
            yield from walk(value, sub)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from walk(item, (*path, i))
    elif isinstance(data, str):
        yield path, False, data
