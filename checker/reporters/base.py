"""What every reporter is given: the findings and the facts about the run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checker.engine import Summary
from checker.finding import Finding
from checker.policy import PolicySet


@dataclass
class Report:
    findings: list[Finding]
    summary: Summary
    policies: PolicySet
    as_of: dt.date
    commit: str | None
    version: str
