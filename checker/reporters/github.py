"""GitHub Actions workflow commands: one annotation per finding, on the file, line and column.

The runner reads a command from any line of the job's output that starts with ``::``, so every value
is escaped the way the runner unescapes it: ``%``, CR and LF in the message, and ``:`` and ``,``
too in the properties. A manifest's text can then never end a line and start a command of its own.
"""

from __future__ import annotations

from typing import Any

from checker.reporters import model
from checker.reporters.base import Report

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: Any) -> str:
    """A command's message, escaped as the runner expects."""
    text = model.strip_controls(str(value))
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: Any) -> str:
    """A command property's value, escaped as the runner expects."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report, color: bool = False) -> str:
    """One workflow command per finding that is not waived, then the summary line."""
    lines = []
    for f in report.findings:
        if f.waived:
            continue  # accepted for now; the summary line counts it
        rule = report.policies.rules.get(f.rule)
        title = f"{f.rule} {rule.model.name}" if rule else f.rule
        properties = ",".join(
            f"{key}={escape_property(value)}"
            for key, value in (("file", f.file), ("line", f.line), ("col", f.column), ("title", title))
        )
        message = f.message
        if rule is not None:
            message += f"\nFix: {rule.model.remediation}"
        lines.append(f"::{COMMANDS[f.severity]} {properties}::{escape_data(message)}")
    verdict = "passed" if report.summary.passed else "failed"
    lines.append(f"charter: {model.counts(report)}; {verdict}")
    return "\n".join(lines) + "\n"
