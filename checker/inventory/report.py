"""The "Undeclared AI" section of the HTML and markdown reports: INV001's findings, by file."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from checker.finding import Finding

# More rows than this are counted, not listed: the findings table lists them all anyway.
LISTED = 50


class UndeclaredRow(NamedTuple):
    file: str
    line: int
    column: int
    severity: str
    message: str


def undeclared(findings: Iterable[Finding]) -> list[UndeclaredRow]:
    """AI usage no declared system covers, as the reports list it."""
    return [
        UndeclaredRow(f.file, f.line, f.column, f.severity, f.message)
        for f in findings
        if f.rule == "INV001" and not f.waived
    ]
