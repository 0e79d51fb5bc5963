"""What every reporter is given: the result of the run, and nothing else."""

from __future__ import annotations

from checker.result import RunResult

Report = RunResult

__all__ = ["Report"]
