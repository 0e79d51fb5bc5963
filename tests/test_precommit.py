"""The `charter` pre-commit hook, installed from this repository and run by the real pre-commit.

`pre-commit try-repo` builds the hook's environment from the repository with pip (PyPI access is
needed), so these tests are marked slow: a plain `pytest` leaves them out, `-m slow` runs only them
(.ci/run runs both).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import AS_OF, RULES_DIR, check_tree
from tests.git_helpers import BASE_DATE, CLEAN, MANIFEST, Repo, git_env, init_repo, variant, where

pytest.importorskip("pre_commit", reason="pre-commit is in the test extra: pip install -e '.[test]'")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# What try-repo installs: the package, its data and the hook definition.
HOOK_SOURCES = ["checker", "policies", "templates", "pyproject.toml", ".pre-commit-hooks.yaml"]
DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
WITHOUT_WAIVER = CLEAN[: CLEAN.index("  waivers:\n")]
WITHOUT_ON_CALL = variant("    onCall: https://pager.example.com/support-ml\n", "", WITHOUT_WAIVER)
AUDIT = "evidence/ticket-router/2026-10-01-audit.yaml"


def _left_out_by_try_repo() -> str | None:
    """Why try-repo could not install this working tree, or None when it can."""
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "--", *HOOK_SOURCES],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=git_env(),
    )
    if listed.returncode != 0:
        return f"{PROJECT_ROOT} is not a git repository, which pre-commit try-repo needs"
    untracked = listed.stdout.split()
    if untracked:
        # try-repo copies tracked and staged files only; the hook would be installed without these.
        return f"try-repo would leave out untracked files (git add them): {', '.join(untracked)}"
    return None


LEFT_OUT = _left_out_by_try_repo()
installable = pytest.mark.skipif(LEFT_OUT is not None, reason=str(LEFT_OUT))


def moved(text: str, days: int) -> str:
    """text with every ISO date in it moved by days."""
    return DATE.sub(lambda m: (dt.date.fromisoformat(m[1]) + dt.timedelta(days=days)).isoformat(), text)


@pytest.fixture
def days() -> int:
    """How far to move the fixtures' dates: the hook judges them as of the real day, in UTC."""
    return (dt.datetime.now(dt.timezone.utc).date() - AS_OF).days


def hook_repo(root: Path, days: int, manifests: dict[str, str]) -> Repo:
    """The files of tests/rules/_repo and the given manifests, dated as if today were AS_OF."""
    shutil.copytree(RULES_DIR / "_repo", root)
    for evidence in (root / "evidence").rglob("*.yaml"):
        evidence.write_text(moved(evidence.read_text(encoding="utf-8"), days), encoding="utf-8")
    repo = init_repo(root)
    for path, text in manifests.items():
        repo.write(path, moved(text, days))
    repo.commit("Manifests and evidence", moved(BASE_DATE, days))
    return repo


def try_repo(repo: Repo, *files: str, hook: str = "charter") -> subprocess.CompletedProcess[str]:
    """pre-commit try-repo PROJECT_ROOT HOOK --files FILES, in repo."""
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(PROJECT_ROOT), hook, "--files", *files],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env=git_env(),
        timeout=900,
    )


def finding_lines(output: str) -> list[str]:
    """The file:line:col: RULE lines of the hook's output."""
    return [line for line in output.splitlines() if re.match(r"^\S+:\d+:\d+: [A-Z]{3}[0-9]{3} ", line)]


@pytest.mark.slow
@installable
def test_the_hook_fails_on_a_bad_manifest_with_its_finding(tmp_path: Path, days: int) -> None:
    repo = hook_repo(tmp_path / "repo", days, {MANIFEST: WITHOUT_ON_CALL})
    line, column = where(WITHOUT_ON_CALL, "ownership:")

    result = try_repo(repo, MANIFEST)

    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^charter\.+Failed$", result.stdout, re.MULTILINE), result.stdout
    assert "- exit code: 1" in result.stdout
    [finding] = finding_lines(result.stdout)
    assert finding.startswith(f"{MANIFEST}:{line}:{column}: OWN002 error ticket-router ")


@pytest.mark.slow
@installable
def test_the_hook_passes_on_a_good_manifest_whose_evidence_is_in_other_files(
    tmp_path: Path, days: int
) -> None:
    # Without its waiver the manifest passes MNT001 only through the evidence files, not passed.
    repo = hook_repo(tmp_path / "repo", days, {MANIFEST: WITHOUT_WAIVER})

    result = try_repo(repo, MANIFEST)

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^charter\.+Passed$", result.stdout, re.MULTILINE), result.stdout
    assert finding_lines(result.stdout) == []


@pytest.mark.slow
@installable
def test_a_manifest_checked_alone_still_sees_the_rest_of_the_repository(tmp_path: Path, days: int) -> None:
    twin = "ai-systems/twin.yaml"
    repo = hook_repo(tmp_path / "repo", days, {MANIFEST: WITHOUT_WAIVER, twin: WITHOUT_ON_CALL})
    repo.git("rm", "-q", AUDIT)
    repo.commit("Drop the audit evidence", moved(BASE_DATE, days))

    result = try_repo(repo, MANIFEST)

    assert result.returncode == 1, result.stdout + result.stderr
    # The twin's own OWN002 is not reported: only the file passed is.
    assert [line.split(" ", 2)[:2] for line in finding_lines(result.stdout)] == [
        [f"{MANIFEST}:{':'.join(map(str, where(WITHOUT_WAIVER, 'ticket-router')))}:", "SCH002"],
        [f"{MANIFEST}:{':'.join(map(str, where(WITHOUT_WAIVER, '{activity: audit')))}:", "MNT001"],
    ]
    assert f"is also used by {twin}:" in result.stdout


@pytest.mark.parametrize("shift", [0, 1, 400])
def test_fixtures_moved_to_another_day_pass_on_that_day(shift: int, tmp_path: Path) -> None:
    # What the hook tests rely on to run on any day: the clean router stays clean when every date
    # in it and in its evidence moves by the same number of days.
    root = tmp_path / "repo"
    shutil.copytree(RULES_DIR / "_repo", root)
    for evidence in (root / "evidence").rglob("*.yaml"):
        evidence.write_text(moved(evidence.read_text(encoding="utf-8"), shift), encoding="utf-8")
    (root / "ai-systems").mkdir()
    (root / MANIFEST).write_text(moved(WITHOUT_WAIVER, shift), encoding="utf-8")

    findings = check_tree(root, AS_OF + dt.timedelta(days=shift))

    assert [f for f in findings if not f.message.endswith("run with --base REF to check it")] == []
    assert moved("lastDrill: 2026-10-14, at 2026-11-21T09:00:00+00:00", 10) == (
        "lastDrill: 2026-10-24, at 2026-12-01T09:00:00+00:00"
    )


@pytest.mark.slow
@installable
def test_the_inventory_hook_reads_only_the_changed_code(tmp_path: Path, days: int) -> None:
    code = variant("\nspec:\n", '\nspec:\n  code: ["services/router/**"]\n', WITHOUT_WAIVER)
    repo = hook_repo(tmp_path / "repo", days, {MANIFEST: code})
    repo.write("services/router/app.py", "import openai\n")
    repo.write("services/other/bot.py", "from anthropic import Anthropic\n")
    repo.write("services/other/old.py", "import torch\n")  # unchanged: not named, not read
    repo.commit("Services", moved(BASE_DATE, days))

    result = try_repo(repo, "services/router/app.py", "services/other/bot.py", hook="charter-inventory")

    # A warning: the hook reports it and passes; under --base, usage a change adds is an error.
    assert result.returncode == 0, result.stdout + result.stderr
    assert finding_lines(result.stdout) == [
        "services/other/bot.py:1:6: INV001 warning from anthropic import is AI usage that no system's "
        "code covers (Anthropic API client, detector anthropic)"
    ]
