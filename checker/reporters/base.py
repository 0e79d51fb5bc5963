"""What every reporter is given: the result of the run, and how the reader asked to see it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from checker.characters import shown
from checker.result import RunNote, RunResult

Report = RunResult


@dataclass(frozen=True)
class Output:
    """How a report is written, decided by the command line, never by the reporter.

    color: terminal colours in text; show_fixes: each finding's fix under it in text; annotate: with
    a base, "new" annotates only the findings the change brings, "all" every one; artifact: the name
    of the workflow artifact that holds the full report; run_url: the page of the workflow run.
    """

    color: bool = False
    show_fixes: bool = False
    annotate: Literal["new", "all"] = "new"
    artifact: str = ""
    run_url: str = ""


# As a report is written by default: no colour, one fix a rule, only new findings annotated.
PLAIN = Output()

__all__ = ["PLAIN", "Output", "Report"]


def note_lines(notes: Iterable[RunNote]) -> list[str]:
    """The run's notes as a log shows them: the rules that have the same reason on one line."""
    grouped: dict[str, list[str]] = {}
    for note in notes:
        grouped.setdefault(note.message, []).append(note.rule)
    lines = []
    for message, rules in grouped.items():
        first, *others = (shown(rule) for rule in rules)
        line = f"charter: note: {first} {shown(message)}"
        if len(others) == 1:
            line += f"; so does {others[0]}"
        elif others:
            line += f"; so do {', '.join(others[:-1])} and {others[-1]}"
        lines.append(line)
    return lines
