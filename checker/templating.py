"""Rendering the jinja2 templates in templates/; callers pass values already escaped for the output."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from checker.resources import data_dir


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates are named like report.html.j2: the format's extension comes before ".j2".
        autoescape=jinja2.select_autoescape(["html", "htm", "xml", "html.j2", "xml.j2"]),
    )


def render(template: str, **context: Any) -> str:
    """The text of templates/<template> with context."""
    return _environment().get_template(template).render(**context)
