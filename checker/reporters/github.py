"""GitHub Actions workflow commands: one annotation per finding, on the file, line and column.

The runner reads a command from any line of the job's output that starts with ``::`` (or holds the
older ``##[``). command() is the one way Charter writes a workflow command: every value is first
shown as characters.shown() shows it (one line, no command of its own) and then escaped the way the
runner unescapes it: ``%`` in the message, and ``:`` and ``,`` too in the properties. Only the line
breaks between the lines Charter passes become ``%0A``.

The run's notes (rules it could not check) follow the summary as plain log lines.

With --base, only new findings are annotated unless CHARTER_ANNOTATE is ``all`` (the action's
``annotate`` input): on a large repository the existing ones would bury what the change added,
and they are all in the job summary and the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.characters import shown
from checker.reporters import model
from checker.reporters.base import PLAIN, Output, Report, note_lines

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


def render_github(report: Report, output: Output = PLAIN) -> str:
    """One workflow command per finding that is not waived (new ones only, with a base), then the summary."""
    only_new = report.base_systems is not None and output.annotate == "new"
    lines = []
    skipped = 0
    for f in report.findings:
        if f.waived:
            continue  # accepted for now; the summary line counts it
        if only_new and f.status != "new":
            skipped += 1
            continue
        rule = report.policies.rules.get(f.rule)
        title = f"{f.rule} {rule.model.name}" if rule else f.rule
        properties = {"file": f.file, "line": f.line, "col": f.column, "title": title}
        message = [f.message, f"Fix: {rule.model.remediation}"] if rule is not None else [f.message]
        lines.append(command(COMMANDS[f.severity], properties, *message))
    verdict = "passed" if report.summary.passed else "failed"
    lines.append(f"charter: {model.counts(report)}; {verdict}")
    # In the log, not as annotations: a note asks for nothing on any line of the change.
    lines += note_lines(report.notes)
    if skipped:
        lines.append(
            f"charter: {model.plural(skipped, 'existing finding')} of the base not annotated; "
            "the report has every finding (--annotate all annotates them too)"
        )
    return "\n".join(lines) + "\n"
