"""A Project never changes once built; what a run judges it with is the run's own RunContext."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from checker.commands.check import CheckOptions, prepare
from checker.config import Config
from checker.engine import check, run_context
from checker.policy import load_policies
from checker.project import build_project
from checker.run_context import RunContext
from tests.git_helpers import HEAD_DATE, MANIFEST, router_repo, variant

AS_OF = dt.date(2026, 11, 23)
DIGEST = "sha256:9f2c1e7a4b6d8f0a2c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f"
REBUILT = "sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"


def test_a_built_project_refuses_every_write(tmp_path: Path) -> None:
    repo = router_repo(tmp_path / "repo")
    project = build_project([str(repo.root)], str(repo.root), str(repo.root), Config(), set())

    # Its own fields, and the run's that were once written onto it, alike.
    for name, value in [("sources", ()), ("reported", None), ("base", {}), ("people", None), ("rules", {})]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(project, name, value)
    assert [s.file for s in project.systems] == [MANIFEST]
    assert not hasattr(project, "base")


def test_a_run_context_refuses_every_write(tmp_path: Path) -> None:
    repo = router_repo(tmp_path / "repo")
    project = build_project([str(repo.root)], str(repo.root), str(repo.root), Config(), set())
    context = RunContext(project, load_policies(Config()).rules)

    with pytest.raises(dataclasses.FrozenInstanceError):
        context.history = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        context.rules["SCH001"] = None  # type: ignore[index]


def test_checking_against_a_base_leaves_the_project_as_it_was_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(MANIFEST, variant(DIGEST, REBUILT))
    repo.commit("Retrain the router", HEAD_DATE)
    monkeypatch.chdir(repo.root)

    with prepare(CheckOptions(paths=["."], base="main", as_of=AS_OF)) as run:
        project, policies, baseline, inputs = run
        before = {name: (value, id(value)) for name, value in vars(project).items()}
        result = check(*run)
        after = {name: (value, id(value)) for name, value in vars(project).items()}
        context = run_context(*run)

    assert after.keys() == before.keys()
    assert {name: at for name, (_, at) in after.items()} == {name: at for name, (_, at) in before.items()}
    # The base revision reached the change rules through the context alone.
    assert [f.rule for f in result.findings] == ["CHG001"]
    assert context.baseline is baseline and context.base is baseline.systems
    assert context.history is inputs.history and context.rules == policies.rules
