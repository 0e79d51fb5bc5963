"""GitHub Actions workflow commands: one annotation per finding, on the file, line and column.

The runner reads a command from any line of the job's output that starts with ``::`` (or holds the
older ``##[``). command() is the one way Charter writes a workflow command: every value is first
shown as characters.shown() shows it (one line, no command of its own) and then escaped the way the
runner unescapes it: ``%`` in the message, and ``:`` and ``,`` too in the properties. Only the line
breaks between the lines Charter passes become ``%0A``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.characters import shown
from checker.reporters import model
from checker.reporters.base import Report

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: Any) -> str:
    """One line of a command's message, escaped as the runner expects."""
    return shown(str(value)).replace("%", "%25")


def escape_property(value: Any) -> str:
    """A command property's value, escaped as the runner expects."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: Mapping[str, Any], *lines: Any) -> str:
    """The workflow command ::name properties::lines, its message on as many lines as given."""
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    data = "%0A".join(escape_data(line) for line in lines)
    return f"::{name} {listed}::{data}" if listed else f"::{name}::{data}"


def render_github(report: Report, color: bool = False) -> str:
    """One workflow command per finding that is not waived, then the summary line."""
    lines = []
    for f in report.findings:
        if f.waived:
            continue  # accepted for now; the summary line counts it
        rule = report.policies.rules.get(f.rule)
        title = f"{f.rule} {rule.model.name}" if rule else f.rule
        properties = {"file": f.file, "line": f.line, "col": f.column, "title": title}
        message = [f.message, f"Fix: {rule.model.remediation}"] if rule is not None else [f.message]
        lines.append(command(COMMANDS[f.severity], properties, *message))
    verdict = "passed" if report.summary.passed else "failed"
    lines.append(f"charter: {model.counts(report)}; {verdict}")
    return "\n".join(lines) + "\n"
