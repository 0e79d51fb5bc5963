"""Reporters: each renders the same list of findings in one format."""

from __future__ import annotations

from collections.abc import Callable

from checker.reporters.base import Report
from checker.reporters.json import render_json
from checker.reporters.text import render_text

Renderer = Callable[[Report, bool], str]

REPORTERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
}

__all__ = ["REPORTERS", "Renderer", "Report"]
