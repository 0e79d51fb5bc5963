"""JavaScript and TypeScript: import, export ... from, import() and require() of a module by name.

One scan reads comments, strings and template literals as the tokens they are, so that a module
name inside a comment or a string is never taken for an import.
"""

from __future__ import annotations

import re

from checker.inventory.detectors import Detectors
from checker.inventory.usage import Usage

_NOT_AFTER = r"(?<![\w$.])"
# A module name in quotes, escapes included; a call's may be a template literal with no substitution.
_SPEC = r"""(?P<q{n}>[{quotes}])(?P<m{n}>(?:\\.|[^'"`$\n\\])+)(?P=q{n})"""
_TOKENS = re.compile(
    "|".join(
        [
            r"(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))",
            # import x from 'm'; import {a, b} from "m"; import type T from 'm'; import 'm'
            _NOT_AFTER
            + r"(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?"
            + _SPEC.format(n=1, quotes="'\""),
            # require('m'), import('m'), require(`m`)
            _NOT_AFTER + r"(?:require|import)\s*\(\s*" + _SPEC.format(n=2, quotes="'\"`") + r"\s*\)",
            r"""(?P<string>'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)""",
        ]
    ),
    re.S,
)


_ESCAPE = re.compile(r"\\(?:u\{([0-9A-Fa-f]+)\}|u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|(.))", re.S)


def _unescaped(text: str) -> str:
    """A string literal's content as JavaScript reads it: \\u, \\u{...} and \\x escapes decoded."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2) or match.group(3)
        if code is None:
            return match.group(4)
        return chr(int(code, 16)) if int(code, 16) <= 0x10FFFF else ""

    return _ESCAPE.sub(one, text) if "\\" in text else text


def javascript_usages(text: str, detectors: Detectors) -> list[Usage]:
    """The AI modules a JavaScript or TypeScript source imports or requires, at the module name."""
    found = []
    line, line_start, seen = 1, 0, 0
    for match in _TOKENS.finditer(text):
        group = "m1" if match.group("m1") is not None else "m2" if match.group("m2") is not None else None
        if group is None:
            continue
        module = _unescaped(match.group(group))
        detector = detectors.for_javascript(module)
        if detector is None:
            continue
        start = match.start(group)
        line += text.count("\n", seen, start)
        line_start = text.rfind("\n", 0, start) + 1
        seen = start
        found.append(Usage(line, start - line_start + 1, detector.id, f"import {module}"))
    return found
