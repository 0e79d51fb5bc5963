"""Markdown escaping, the comment marker and GitHub's size limit: each defined once, in checker.gfm."""

from __future__ import annotations

import re
from pathlib import Path

from checker.gfm import COMMENT_LIMIT, MARKER, md, table_cell

CHECKER = Path(__file__).resolve().parent.parent / "checker"


def _sources() -> dict[str, str]:
    return {str(p.relative_to(CHECKER)): p.read_text(encoding="utf-8") for p in CHECKER.rglob("*.py")}


def test_the_marker_and_the_limit_are_written_in_one_module() -> None:
    marker = [name for name, text in _sources().items() if "charter:report" in text]
    limit = [name for name, text in _sources().items() if re.search(r"\b65_?536\b", text)]
    assert (marker, limit) == (["gfm.py"], ["gfm.py"])
    assert (MARKER, COMMENT_LIMIT) == ("<!-- charter:report -->", 65536)


def test_markdown_escaping_lives_in_one_module() -> None:
    # A backslash put before a pipe is markdown escaping, and only checker.gfm writes it.
    escaping = [name for name, text in _sources().items() if '"\\\\|"' in text]
    assert escaping == ["gfm.py"]


def test_a_table_cell_keeps_charters_markup_and_stays_one_cell() -> None:
    assert table_cell("`a|b` \\ c\nd") == "`a\\|b` \\\\ c d"


def test_document_text_cannot_open_markup_a_mention_or_a_link() -> None:
    assert md("[x](https://e.example) @dana #7 <b>") == (
        "\\[x\\]\\(https:\u200d//e.example\\) @\u200ddana \\#\u200d7 &lt;b&gt;"
    )
