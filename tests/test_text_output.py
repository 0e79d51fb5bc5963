"""The text report reads like a linter's: the severity on every finding, each failing rule's fix once."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import notes_text
from tests.test_reports import CLEAN, LAST_DRILL, MANIFEST, OLD_DRILL, ON_CALL, repository, variant

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
HEADING = "fix (charter explain RULE says why):"
OWN002_FIX = "Set spec.ownership.team (an @org/team) and spec.ownership.onCall (the paging or rota address)."
RBK002_FIX = (
    "Run the rollback drill, update the runbook with what you learned, and set spec.rollback.lastDrill."
)
# A copy of the first under another name: the same two findings, and its copy of the first's MNT001
# waiver waives the maintenance it has no evidence for.
SECOND = "ai-systems/second.yaml"


def run_charter(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["charter", "check", "--as-of", "2026-11-23", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def two_failing(tmp_path: Path) -> Path:
    """Two systems that each lack an on-call route and a recent rollback drill."""
    broken = variant(CLEAN, (ON_CALL, ""), (LAST_DRILL, OLD_DRILL))
    second = broken.replace("name: ticket-router", "name: second-router", 1)
    return repository(tmp_path / "repo", {MANIFEST: broken, SECOND: second})


def test_the_readme_example_is_what_the_first_command_prints() -> None:
    block = re.search(
        r"```text\n\$ (charter check examples --as-of 2026-11-23)\n(.*?)```", README.read_text("utf-8"), re.S
    )
    assert block is not None
    done = subprocess.run(
        ["charter", *block.group(1).split()[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1
    # The notes on stderr, then the findings, fixes and summary on stdout, exactly as shown.
    assert done.stderr + done.stdout == block.group(2)
    assert not any(line.startswith("charter: note:") for line in done.stdout.splitlines())


def test_every_finding_names_its_severity_and_each_rule_fix_comes_once(two_failing: Path) -> None:
    done = run_charter(two_failing)

    assert done.returncode == 1
    lines = done.stdout.splitlines()
    fixes = lines.index(HEADING)
    findings = [line for line in lines[:fixes] if not line.endswith("(waived)")]
    assert [line.split(" ")[1:3] for line in findings] == [
        ["OWN002", "error"],
        ["RBK002", "error"],
        ["OWN002", "error"],
        ["RBK002", "error"],
    ]
    assert [line.split(": ", 1)[0] for line in findings] == [
        f"{MANIFEST}:19:3",
        f"{MANIFEST}:67:16",
        f"{SECOND}:19:3",
        f"{SECOND}:67:16",
    ]
    # The rules that need --base are notes of the run on stderr, not findings; they ask for no fix.
    assert done.stderr == notes_text(history=False)
    assert lines[fixes + 1 : -1] == [f"  OWN002 {OWN002_FIX}", f"  RBK002 {RBK002_FIX}"]
    # Waived findings (MNT001) say so and ask for no fix either.
    waived = [line for line in lines[:fixes] if line.endswith("(waived)")]
    assert len(waived) == 5 and all(line.split(" ")[1:3] == ["MNT001", "error"] for line in waived)
    assert lines[-1] == "2 systems checked: 4 errors, 0 warnings, 0 info, 5 waived; failed"


def test_without_colour_the_severities_still_differ(tmp_path: Path) -> None:
    low = variant(CLEAN, ("tier: high", "tier: low"), (ON_CALL, ""))
    root = repository(tmp_path / "repo", {MANIFEST: low})

    done = run_charter(root, "--color", "never")

    assert "\x1b[" not in done.stdout
    [own002] = [line for line in done.stdout.splitlines() if ": OWN002 " in line]
    assert own002.startswith(f"{MANIFEST}:19:3: OWN002 warning ticket-router ")


def test_colour_tints_the_rule_and_severity_and_the_fix_block_stays_plain_text(two_failing: Path) -> None:
    done = run_charter(two_failing, "--color", "always")

    assert f"\x1b[1m{MANIFEST}:19:3:\x1b[0m \x1b[31mOWN002 error\x1b[0m ticket-router " in done.stdout
    assert f"\x1b[1m{HEADING}\x1b[0m\n  \x1b[1mOWN002\x1b[0m {OWN002_FIX}\n" in done.stdout


def test_a_clean_run_prints_no_fixes(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {MANIFEST: CLEAN})

    done = run_charter(root)

    assert done.returncode == 0
    assert HEADING not in done.stdout
    assert done.stdout.splitlines()[-1] == "1 system checked: 0 errors, 0 warnings, 0 info, 0 waived; passed"


def test_the_same_inputs_give_the_same_bytes(two_failing: Path) -> None:
    first, second = run_charter(two_failing), run_charter(two_failing, "--no-cache")
    assert first.stdout == second.stdout
    assert first.stdout.encode() == second.stdout.encode()


def test_show_fixes_writes_each_findings_fix_under_it_and_no_list_after(two_failing: Path) -> None:
    done = run_charter(two_failing, "--show-fixes", "--color", "never")

    assert done.returncode == 1
    lines = [line for line in done.stdout.splitlines() if not line.endswith("(waived)")]
    assert HEADING not in lines
    assert [
        line.split(": ", 1)[0] if ": OWN002 " in line or ": RBK002 " in line else line for line in lines
    ] == [
        f"{MANIFEST}:19:3",
        f"  fix: {OWN002_FIX}",
        f"{MANIFEST}:67:16",
        f"  fix: {RBK002_FIX}",
        f"{SECOND}:19:3",
        f"  fix: {OWN002_FIX}",
        f"{SECOND}:67:16",
        f"  fix: {RBK002_FIX}",
        "2 systems checked: 4 errors, 0 warnings, 0 info, 5 waived; failed",
    ]
    # Waived findings ask for nothing: no fix line follows one.
    every = done.stdout.splitlines()
    after_waived = [after for line, after in itertools.pairwise(every) if "(waived)" in line]
    assert after_waived and not any(after.startswith("  fix:") for after in after_waived)


def test_show_fixes_in_colour_dims_only_the_label(two_failing: Path) -> None:
    done = run_charter(two_failing, "--show-fixes", "--color", "always")

    assert "\x1b[31mOWN002 error\x1b[0m ticket-router " in done.stdout
    assert f"\n  \x1b[2mfix:\x1b[0m {OWN002_FIX}\n" in done.stdout
