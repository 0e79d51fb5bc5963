"""Characters that make text read differently from how it looks: invisible, bidi, look-alike, control.

A reviewer approves what a manifest appears to say. A right-to-left override reorders what is shown,
a zero-width space makes two names that look the same differ, and a Cyrillic 'a' (U+0430) among
Latin letters makes one name pass for another. Charter never normalises such text, so a look-alike can borrow
nothing from the name it imitates; this module finds the characters so that the document is refused
with a message that names them.

Invisible, bidirectional and look-alike characters are refused in every key and value. Control
characters (escape, carriage return, ...) are refused in keys, names, ids and people; in other text
they are visible in a review and every report escapes them.
"""

from __future__ import annotations

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
