from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from checker import gitrepo
from checker.baseline import Base, baseline_of
from checker.commands.check import CheckOptions, prepare
from checker.config import Config, load_config
from checker.engine import PolicyChange, RunInputs, check, guard_policies
from checker.finding import Finding
from checker.gitrepo import Changes
from checker.inventory.take import inventory_for
from checker.policy import load_policies
from checker.project import Project, build_project
from checker.sources import WorkingTree
from checker.yamlload import load_file

AS_OF = dt.date(2026, 11, 23)

# The charter executable installed with the package lives beside the interpreter running the tests,
# which need not be on PATH (a virtual environment used without activating it). Subprocesses that
# call charter by name, as the Action's steps do, find that one and never another on the machine.
_SCRIPTS = os.path.dirname(sys.executable)
os.environ["PATH"] = _SCRIPTS + os.pathsep + os.environ.get("PATH", "")
RULES_DIR = Path(__file__).parent / "rules"
# The rules a run without --base cannot check, and the words each of its notes says.
NEEDS_BASE = sorted(r.id for r in load_policies(Config()).enabled() if r.model.needsBase)
BASE_NOTE = "compares with a base revision: run with --base REF to check it"
HISTORY_NOTE = "evidence dates are not compared with commit history outside a git repository"


def notes_text(history: bool = True) -> str:
    """What a text run without --base writes on stderr about the rules it could not check, once each;
    history: outside git, where MNT003 cannot compare evidence dates with commits."""
    lines = [f"charter: note: {rule} {BASE_NOTE}\n" for rule in NEEDS_BASE]
    return "".join(lines) + (f"charter: note: MNT003 {HISTORY_NOTE}\n" if history else "")


def check_tree(
    root: Path,
    today: dt.date = AS_OF,
    base: dict | None = None,
    base_config: Path | None = None,
    base_file: str | None = None,
    base_text: Path | None = None,
    added: tuple[str, ...] = (),
) -> list[Finding]:
    """Run the policies over a directory through engine.check, as `charter check DIR` does, without git.

    The base revision (when base is given) is root with base_file as base_text has it, and
    base_config as its .charter.yaml. The change edits base_file and adds the files of added.
    """
    config = load_config(None, str(root))
    policies = load_policies(config)
    changes: tuple[PolicyChange, ...] = ()
    if base_config is not None:
        before = load_policies(load_config(str(base_config), None))
        changed = (
            [".charter.yaml"] if base_config.read_bytes() != (root / ".charter.yaml").read_bytes() else []
        )
        policies, found = guard_policies(policies, before, changed)
        changes = tuple(found)
    project = build_project([str(root)], str(root), str(root), config, set())
    # As at commit time: nothing committed yet, evidence judged on its own dates.
    inventory = inventory_for(project, policies, config, [str(root)])
    inputs = RunInputs(today, config.model.failOn, policy_changes=changes, history={}, inventory=inventory)
    if base is None or base_file is None or base_text is None:
        return list(check(project, policies, None, inputs).findings)
    tree = Path(tempfile.mkdtemp(prefix="charter-base-"))
    try:
        shutil.copytree(root, tree, dirs_exist_ok=True, symlinks=True)
        for path in added:
            (tree / path).unlink()
        shutil.copy(base_text, tree / base_file)
        base_project = build_project([str(tree)], str(tree), str(tree), config, set())
        edited = {base_file: "M", **dict.fromkeys(added, "A")}
        baseline = baseline_of(
            Base("0" * 40, policies, frozenset(), base_project, None),
            {base_file},
            Changes(str(root), edited),
            WorkingTree(str(tree)),
        )
        return list(check(project, policies, baseline, inputs).findings)
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def checked_project(options: CheckOptions) -> Project:
    """The project `charter check` judged, after engine.check ran on it exactly as the CLI runs it."""
    with prepare(options) as run:
        check(*run)
        return run[0]


def base_systems(path: Path) -> dict:
    """The AISystems of a file, by name, as a base revision would hold them."""
    loaded = load_file(str(path))
    return {
        d.data["metadata"]["name"]: d.data
        for d in loaded.documents
        if isinstance(d.data, dict) and d.data.get("kind") == "AISystem"
    }


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


# Hypothesis profiles for the property tests (tests/test_properties.py). The default one runs 300
# cases in all (150 per property test), the same ones on every run, so that CI is stable.
# HYPOTHESIS_PROFILE=fuzz runs at least 10,000 cases in all (5,000 per property test), new ones on
# every run. Whole repositories are generated and checked per case, so the speed health checks do
# not apply.
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "default", max_examples=150, derandomize=True, deadline=None, suppress_health_check=_SLOW_IS_FINE
)
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
