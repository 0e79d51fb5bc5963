"""The terminal report: file:line:col: RULE message, one finding a line."""

from __future__ import annotations

import re

from checker.reporters.base import Report

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# Line breaks to a terminal or to a reader of lines (U+2028 and U+2029 too), and tabs.
_BREAKS = re.compile("[\r\n\t\u2028\u2029]")
_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD, _DIM, _RESET, _GREEN = "\x1b[1m", "\x1b[2m", "\x1b[0m", "\x1b[32m"


def clean(text: str) -> str:
    """Strip terminal control characters and bidi overrides, and keep a finding on one line."""
    return _CONTROL.sub("", _BREAKS.sub(" ", text))


def render_text(report: Report, color: bool = False) -> str:
    lines = []
    for f in report.findings:
        where = f"{clean(f.file)}:{f.line}:{f.column}:"
        tag = f"{f.rule}"
        note = " (waived)" if f.waived else ""
        status = f" [{f.status}]" if f.status else ""
        if color:
            tint = _DIM if f.waived else _COLORS[f.severity]
            tail = f"{_DIM}{note}{status}{_RESET}"
            lines.append(f"{_BOLD}{where}{_RESET} {tint}{tag}{_RESET} {clean(f.message)}{tail}")
        else:
            lines.append(f"{where} {tag} {clean(f.message)}{note}{status}")
    s = report.summary
    verdict = "passed" if s.passed else "failed"
    counts = (
        f"{s.systems} system{'s' if s.systems != 1 else ''} checked: "
        f"{s.errors} error{'s' if s.errors != 1 else ''}, "
        f"{s.warnings} warning{'s' if s.warnings != 1 else ''}, {s.infos} info, {s.waived} waived; {verdict}"
    )
    if report.base_systems is not None:
        counts += f" ({len(report.fixed)} fixed by this change)"
    if color:
        counts = f"{_BOLD}{_GREEN if s.passed else _COLORS['error']}{counts}{_RESET}"
    lines.append(counts)
    if report.head_policies is not None:
        _, head = report.head_policies
        lines.append(
            "with the policies of this change instead: "
            f"{head.errors} error{'s' if head.errors != 1 else ''}, "
            f"{head.warnings} warning{'s' if head.warnings != 1 else ''}; "
            f"{'passed' if head.passed else 'failed'}"
        )
    return "\n".join(lines) + "\n"
