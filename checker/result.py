"""What one run of the check found: computed once by engine.check, then only formatted by reporters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker.finding import Finding
from checker.policy import PolicySet


@dataclass(frozen=True)
class Summary:
    systems: int
    errors: int
    warnings: int
    infos: int
    waived: int
    passed: bool


@dataclass(frozen=True)
class RunNote:
    """A rule this run could not check, and why: said once for the run, never as a finding."""

    rule: str
    message: str


@dataclass(frozen=True)
class SystemOutcome:
    """One reported AISystem, its findings counted, and the rules the check ran on it.

    name is None for a manifest without a usable name; data is the document as written.
    """

    name: str | None
    file: str
    valid: bool
    data: Any
    summary: Summary
    ran: tuple[str, ...]

    def get(self, *path: str) -> Any:
        value = self.data
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return value


@dataclass(frozen=True)
class WaiverOutcome:
    """One waiver of a reported system, judged the way the check judged it."""

    system: str | None
    file: str
    entry: Mapping[str, Any]
    expires: dt.date | None
    problem: str | None
    waives: int


@dataclass(frozen=True)
class FreshnessRow:
    """How recent the evidence of one maintenance activity is, against what its cadence allows."""

    system: str | None
    task: Mapping[str, Any]
    allowed: int | None
    last: dt.date | None
    evidence: str | None
    age: int | None
    status: str


@dataclass(frozen=True)
class FactChange:
    """One governance fact of a system, before and after the change ("" where it is not declared)."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class SystemChange:
    """What changed in one system's governance facts since the base: added, removed or changed."""

    name: str
    kind: str
    changes: tuple[FactChange, ...]


@dataclass(frozen=True)
class UndeclaredUsage:
    """AI used in a reported file that no declared system covers, as the inventory found it.

    detector is None for a file the inventory could not read; what is then why not.
    """

    file: str
    line: int
    column: int
    detector: str | None
    what: str
    severity: str
    message: str
    status: str | None = None


@dataclass(frozen=True)
class RunResult:
    """Everything a report says about one run."""

    findings: tuple[Finding, ...]
    summary: Summary
    policies: PolicySet
    as_of: dt.date
    commit: str | None
    version: str
    # The lowest severity that fails the check.
    fail_on: str
    notes: tuple[RunNote, ...]
    systems: tuple[SystemOutcome, ...]
    # Each rule's result: fail, waived, pass, note, not checked or disabled.
    rule_results: Mapping[str, str]
    waivers: tuple[WaiverOutcome, ...]
    freshness: tuple[FreshnessRow, ...]
    # With --base: findings of the base that this change fixed, and the base's systems by name.
    fixed: tuple[Finding, ...] = ()
    base_systems: Mapping[str, Any] | None = None
    # With --base: per system, its governance facts that moved since the base.
    governance_diff: tuple[SystemChange, ...] = ()
    # Whether every file was reported (no file named alone on the command line).
    whole: bool = True
    # When the policies changed: the head policies' digest and what they would have said.
    head_policies: tuple[str, Summary] | None = None
    # The AI used in code that no declared system covers, as the inventory's findings report it.
    undeclared: tuple[UndeclaredUsage, ...] = ()
