"""Message templates of rules and conditions: what they may name, checked when the pack loads.

A template is filled in with str.format_map: {system}, {detail}, {field} and the rule's own
parameters by name. A name outside those would be printed as it stands in every finding, so a
misspelt placeholder stops the run when the policy is loaded instead.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.policy import Rule

# What every finding's message may name besides the rule's parameters.
PLACEHOLDERS = ("system", "detail", "field")


def template_problem(text: str, params: Iterable[str]) -> str | None:
    """Why text is not a message template over the placeholders and params, or None when it is."""
    known = sorted({*PLACEHOLDERS, *params})
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        return f"the message is not a valid template ({exc}): write {{{{ and }}}} for a literal brace"
    for _, name, spec, _ in parts:
        if name is None:
            continue
        root = re.split(r"[.\[]", name, maxsplit=1)[0]
        if name != root and root in known:
            return f"the placeholder {{{name}}} reaches into {{{root}}}: placeholders are plain names"
        if name not in known:
            return _unknown(name, known)
        if spec and ("{" in spec or "}" in spec):
            return f"the placeholder {{{name}}} has a placeholder in its format, which is not supported"
    return None


def _unknown(name: str, known: list[str]) -> str:
    if not name or name.isdigit():
        return f"the message has a positional placeholder {{{name}}}: name one of {', '.join(known)}"
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {{{close[0]}}}?)" if close else ""
    return f"unknown placeholder {{{name}}} in the message{hint}; known: {', '.join(known)}"


class _Formatter(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def finding_message(rule: Rule, template: str | None, detail: str, system: str | None, path: str) -> str:
    """The message of a finding of rule: its template (or the rule's) filled in, then the detail."""
    text = template or rule.model.message
    values = _Formatter(rule.params)
    values.update(system=system or "the document", detail=detail, field=path)
    try:
        message = text.format_map(values)
    except (ValueError, IndexError, AttributeError):
        message = text
    return message if "{detail}" in text else f"{message}: {detail}"
