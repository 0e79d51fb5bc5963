"""GitHub-flavoured markdown: the one way Charter makes text inert in it, and GitHub's comment bounds.

Manifest text reaches people who did not write it, so every value is made inert before it is
placed in markdown: punctuation is backslash-escaped, ``<``, ``>`` and ``&`` become entities, and a
zero-width joiner (U+200D) is put after ``@``, ``#`` and the ``GH-`` of an issue reference and
inside ``://`` and ``www.``. The joiner, rather than a code span, because GitHub finds
@-mentions, issue references and bare links in the rendered text, after markdown escapes are gone;
a joiner breaks the match wherever the text stands (table cells included, where a code span would
still split on ``|``) and reads exactly as before.
"""

from __future__ import annotations

import re
from typing import Any

from checker.characters import one_line

# The first line of Charter's sticky pull-request comment, by which it finds the comment again.
MARKER = "<!-- charter:report -->"
# GitHub refuses a comment or a job summary longer than this many characters.
COMMENT_LIMIT = 65_536

ZWJ = "\u200d"
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "@": "@" + ZWJ,
    "#": "\\#" + ZWJ,
    **{c: "\\" + c for c in "\\`*_[]()!|~$"},
}
_SPECIAL = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")
_SCHEME = re.compile("://")
_WWW = re.compile(r"(?i)\b(www)\.")
_ISSUE = re.compile(r"(?i)\b(gh)-(?=[0-9])")


def md(value: Any) -> str:
    """value as inert markdown text on one line: no link, image, HTML or mention can open."""
    text = one_line(value)
    text = _SCHEME.sub(":" + ZWJ + "//", text)
    text = _WWW.sub(r"\1" + ZWJ + ".", text)
    text = _ISSUE.sub(r"\1-" + ZWJ, text)
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text)


def table_cell(text: str) -> str:
    """Charter's own text (never a document's) as one cell of a markdown table: its markup kept."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
