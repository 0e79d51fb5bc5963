from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from checker import gitrepo
from checker.commands.check import CheckOptions, build_report, prepare
from checker.config import Config
from checker.engine import check, run_context
from checker.finding import Finding
from checker.policy import load_policies
from checker.run_context import RunContext

AS_OF = dt.date(2026, 11, 23)

# The charter executable installed with the package lives beside the interpreter running the tests,
# which need not be on PATH (a virtual environment used without activating it). Subprocesses that
# call charter by name, as the Action's steps do, find that one and never another on the machine.
_SCRIPTS = os.path.dirname(sys.executable)
os.environ["PATH"] = _SCRIPTS + os.pathsep + os.environ.get("PATH", "")
RULES_DIR = Path(__file__).parent / "rules"
# The rules a run without --base cannot check, and the words each of its notes says.
# The rules that verify a pull request's reviews say so instead, outside a pull request.
NEEDS_PULL_REQUEST = sorted(r.id for r in load_policies(Config()).enabled() if r.model.needsPullRequest)
NEEDS_BASE = sorted(
    r.id for r in load_policies(Config()).enabled() if r.model.needsBase and r.id not in NEEDS_PULL_REQUEST
)
BASE_NOTE = "compares with a base revision: run with --base REF to check it"
HISTORY_NOTE = "evidence dates are not compared with commit history outside a git repository"
PULL_REQUEST_NOTE = "verifies approvals in the reviews on GitHub, so it runs only in pull requests"


def note_line(rules: list[str], message: str) -> str:
    """The line of stderr that gives the rules' shared reason: the first rule with it, then the others."""
    first, *others = rules
    if len(others) > 1:
        return f"charter: note: {first} {message}; so do {', '.join(others[:-1])} and {others[-1]}\n"
    return f"charter: note: {first} {message}" + (f"; so does {others[0]}" if others else "") + "\n"


def notes_text(history: bool = True) -> str:
    """What a text run without --base writes on stderr about the rules it could not check;
    history: outside git, where MNT003 cannot compare evidence dates with commits."""
    history_line = f"charter: note: MNT003 {HISTORY_NOTE}\n" if history else ""
    return note_line(NEEDS_BASE, BASE_NOTE) + history_line + pull_request_notes_text()


def pull_request_notes_text() -> str:
    """What a text run outside a pull request writes about the rules that verify one's reviews."""
    return note_line(NEEDS_PULL_REQUEST, PULL_REQUEST_NOTE)


def check_tree(root: Path, today: dt.date = AS_OF, base: str | None = None) -> list[Finding]:
    """The findings of `charter check . --as-of TODAY [--base BASE]` run in root: build_report, as the
    command line calls it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        return list(build_report(CheckOptions(paths=["."], as_of=today, base=base)).findings)


def checked_context(options: CheckOptions) -> RunContext:
    """The context `charter check` judges head's documents in, after engine.check ran as the CLI runs it."""
    with prepare(options) as run:
        check(*run)
        return run_context(*run)


@pytest.fixture(autouse=True)
def _fresh_git_lookups() -> Iterator[None]:
    # The repository root is cached per directory; tests create and remove repositories.
    gitrepo.toplevel.cache_clear()
    yield
    gitrepo.toplevel.cache_clear()


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    # Inside GitHub Actions `charter check` writes annotations by default; tests expect the text report.
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    # Nor is a test's run a pull request's, whatever the workflow running the tests was started for.
    monkeypatch.delenv("GITHUB_EVENT_NAME", raising=False)
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)


@pytest.fixture(autouse=True)
def _cache_in_a_temporary_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Every test, and every charter process it starts, caches under the test session's own directory.
    monkeypatch.setenv("CHARTER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "charter-cache"))
    monkeypatch.delenv("CHARTER_NO_CACHE", raising=False)


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Path:
    """An empty repository holding every file the rule fixtures refer to."""
    shutil.copytree(RULES_DIR / "_repo", tmp_path, dirs_exist_ok=True)
    (tmp_path / "ai-systems").mkdir()
    return tmp_path


# Hypothesis profiles for the property tests (tests/test_properties.py, tests/test_base_properties.py,
# written with tests.helpers.property_test). The default one runs 25 cases per property test, the
# same ones on every run; "full" is the size of the twins that tests.helpers.full_size marks slow
# (150 cases per property test, run by .ci/run and `pytest -m slow`). HYPOTHESIS_PROFILE=fuzz runs
# at least 10,000 cases in all (5,000 per property test), new ones on every run. Whole repositories
# are generated and checked per case, so the speed health checks do not apply.
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "default", max_examples=25, derandomize=True, deadline=None, suppress_health_check=_SLOW_IS_FINE
)
settings.register_profile("full", settings.get_profile("default"), max_examples=150)
# Registering "default" replaces Hypothesis's own, which every other profile starts from: the fuzz
# profile says outright that it draws new cases and keeps the failing ones in .hypothesis/.
settings.register_profile(
    "fuzz",
    max_examples=5_000,
    derandomize=False,
    database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
    deadline=None,
    suppress_health_check=_SLOW_IS_FINE,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
