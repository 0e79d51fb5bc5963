"""Charter's SARIF passes the SARIF Multitool with the SARIF, GitHub and GitHub Advanced Security rules.

The Multitool (npm @microsoft/sarif-multitool, a self-contained program that needs no .NET
installed) is what GitHub points to for checking a file before code scanning ingests it. .ci/run
installs it and names its program in CHARTER_SARIF_MULTITOOL; without it these tests are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.git_helpers import CLEAN, MANIFEST, router_repo

ROOT = Path(__file__).resolve().parents[1]
RULE_KINDS = "Sarif;Gh;Ghas"


def _multitool() -> str | None:
    named = os.environ.get("CHARTER_SARIF_MULTITOOL")
    if named:
        return named if os.access(named, os.X_OK) else None
    return shutil.which("Sarif.Multitool") or shutil.which("sarif-multitool")


MULTITOOL = _multitool()
pytestmark = pytest.mark.skipif(
    MULTITOOL is None,
    reason="the SARIF Multitool is not installed: .ci/run installs the npm package "
    "@microsoft/sarif-multitool (CHARTER_SARIF_MULTITOOL)",
)


def problems(sarif: Path, tmp_path: Path) -> list[tuple[str, str, str]]:
    """(rule, level, message) of every error and warning the Multitool reports on the file."""
    assert MULTITOOL is not None
    log = tmp_path / f"{sarif.stem}.validation.sarif"
    done = subprocess.run(
        [
            MULTITOOL,
            "validate",
            "--rule-kind",
            RULE_KINDS,
            "--log",
            "ForceOverwrite",
            "-o",
            str(log),
            str(sarif),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert log.is_file(), done.stdout + done.stderr
    run: dict[str, Any] = json.loads(log.read_text(encoding="utf-8-sig"))["runs"][0]
    assert all(i.get("executionSuccessful") for i in run.get("invocations", [])), done.stdout
    found = []
    for result in run.get("results", []):
        # A result without a level is a warning (SARIF 3.27.10).
        level = result.get("level", "warning")
        if level in ("error", "warning"):
            found.append((result.get("ruleId", ""), level, json.dumps(result.get("message"))))
    return found


def charter_sarif(cwd: Path, target: Path, *args: str) -> Path:
    subprocess.run(
        ["charter", "check", "--as-of", "2026-11-23", "--format", "sarif", *args],
        cwd=cwd,
        stdout=target.open("w", encoding="utf-8"),
        stderr=subprocess.DEVNULL,
        timeout=300,
    )
    return target


def test_the_examples_sarif_has_no_error_or_warning(tmp_path: Path) -> None:
    # Findings, a waived finding (a suppression) and the run's notes (tool notifications).
    sarif = charter_sarif(ROOT, tmp_path / "examples.sarif", "examples")

    assert problems(sarif, tmp_path) == []


def test_a_change_against_a_base_has_no_error_or_warning(tmp_path: Path) -> None:
    repo = router_repo(tmp_path / "repo")
    repo.git("checkout", "-q", "-b", "change")
    repo.write(MANIFEST, CLEAN.replace("    lastDrill: 2026-10-14\n", "    lastDrill: 2025-01-14\n"))
    sarif = charter_sarif(repo.root, tmp_path / "change.sarif", "--base", "main")
    assert json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]

    assert problems(sarif, tmp_path) == []


def test_the_multitool_catches_what_github_needs(tmp_path: Path) -> None:
    # A check that cannot fail proves nothing: without its help text a rule is a GH2012 error.
    sarif = charter_sarif(ROOT, tmp_path / "examples.sarif", "examples")
    data = json.loads(sarif.read_text(encoding="utf-8"))
    del data["runs"][0]["tool"]["driver"]["rules"][0]["help"]
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(data), encoding="utf-8")

    assert [(rule, level) for rule, level, _ in problems(broken, tmp_path)] == [("GH2012", "error")]
