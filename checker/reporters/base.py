"""What every reporter is given: the findings and the facts about the run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.engine import RunNote, Summary
from checker.finding import Finding
from checker.policy import PolicySet
from checker.project import Project


@dataclass
class Report:
    findings: list[Finding]
    summary: Summary
    policies: PolicySet
    as_of: dt.date
    commit: str | None
    version: str
    # With --base: findings of the base that this change fixed, and the base's systems by name.
    fixed: list[Finding] = field(default_factory=list)
    base_systems: Mapping[str, Any] | None = None
    # When policies changed: the head policies' digest and what they would have said.
    head_policies: tuple[str, Summary] | None = None
    project: Project | None = None
    # The lowest severity that fails the check, so that reports can say which systems fail.
    fail_on: str = "error"
    # The rules this run could not check (no base revision, no history): said once, not as findings.
    notes: list[RunNote] = field(default_factory=list)
