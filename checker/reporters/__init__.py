"""Reporters: each renders the same list of findings in one format."""

from __future__ import annotations

from collections.abc import Callable

from checker.reporters.base import Report
from checker.reporters.github import render_github
from checker.reporters.html import render_html
from checker.reporters.json import render_json
from checker.reporters.junit import render_junit
from checker.reporters.markdown import render_markdown_format
from checker.reporters.sarif import render_sarif
from checker.reporters.text import render_text

Renderer = Callable[[Report, bool], str]

REPORTERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown_format,
    "html": render_html,
    "sarif": render_sarif,
    "junit": render_junit,
    "github": render_github,
}

__all__ = ["REPORTERS", "Renderer", "Report"]
