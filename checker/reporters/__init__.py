"""Reporters: each renders the same list of findings in one format."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from checker.reporters.base import Output, Report

Renderer = Callable[[Report, Output], str]

# Each format's module is imported only when that format is written: the templates and their
# engine stay out of a pre-commit run that prints text.
_RENDERERS = {
    "text": ("checker.reporters.text", "render_text"),
    "json": ("checker.reporters.json", "render_json"),
    "markdown": ("checker.reporters.markdown", "render_markdown_format"),
    "html": ("checker.reporters.html", "render_html"),
    "sarif": ("checker.reporters.sarif", "render_sarif"),
    "junit": ("checker.reporters.junit", "render_junit"),
    "github": ("checker.reporters.github", "render_github"),
}


class _Reporters(Mapping[str, Renderer]):
    def __getitem__(self, name: str) -> Renderer:
        module, function = _RENDERERS[name]
        renderer: Renderer = getattr(importlib.import_module(module), function)
        return renderer

    def __iter__(self) -> Iterator[str]:
        return iter(_RENDERERS)

    def __len__(self) -> int:
        return len(_RENDERERS)


REPORTERS: Mapping[str, Renderer] = _Reporters()

__all__ = ["REPORTERS", "Output", "Renderer", "Report"]
