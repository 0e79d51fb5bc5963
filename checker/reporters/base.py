"""What every reporter is given: the result of the run, and how the reader asked to see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from checker.result import RunResult

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
