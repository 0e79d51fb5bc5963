"""Refs resolved through directory listings: the same answer as a look at each path on its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker.places import Places
from checker.project import Project

OUT = "leads out of the repository through a symbolic link"
REFS = [
    "docs/runbook.md",
    "docs/decision.md",
    "docs/missing.md",
    "docs/inside-link.md",
    "docs/outside-link.md",
    "docs/dangling.md",
    "docs/nested/deep.md",
    "docs/nested",
    "linked-out/report.md",
    "linked-out/missing.md",
    "linked-in/runbook.md",
    "linked-in/missing.md",
    "nowhere/runbook.md",
    "docs/../docs/runbook.md",
    "docs/../../outside/report.md",
    ".",
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "report.md").write_text("# outside\n", encoding="utf-8")
    root = tmp_path / "repo"
    (root / "docs" / "nested").mkdir(parents=True)
    for name in ("runbook.md", "decision.md"):
        (root / "docs" / name).write_text(f"# {name}\n", encoding="utf-8")
    (root / "docs" / "nested" / "deep.md").write_text("# deep\n", encoding="utf-8")
    (root / "docs" / "inside-link.md").symlink_to(root / "docs" / "runbook.md")
    (root / "docs" / "outside-link.md").symlink_to(outside / "report.md")
    (root / "docs" / "dangling.md").symlink_to(root / "docs" / "gone.md")
    (root / "linked-out").symlink_to(outside, target_is_directory=True)
    (root / "linked-in").symlink_to(root / "docs", target_is_directory=True)
    return root


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_refs_asked_together_are_answered_as_each_alone(tree: Path) -> None:
    alone = {ref: Project(str(tree), str(tree)).ref_problem(ref) for ref in REFS}
    together = Project(str(tree), str(tree))
    # Asked twice over, so that every directory is listed and the listings answer the second time.
    assert {ref: together.ref_problem(ref) for ref in REFS} == alone
    assert {ref: together._check_ref(ref) for ref in REFS} == alone
    assert alone == {
        "docs/runbook.md": None,
        "docs/decision.md": None,
        "docs/missing.md": "'docs/missing.md' does not exist in the repository",
        "docs/inside-link.md": None,
        "docs/outside-link.md": f"'docs/outside-link.md' {OUT}",
        "docs/dangling.md": "'docs/dangling.md' does not exist in the repository",
        "docs/nested/deep.md": None,
        "docs/nested": None,
        "linked-out/report.md": f"'linked-out/report.md' {OUT}",
        "linked-out/missing.md": f"'linked-out/missing.md' {OUT}",
        "linked-in/runbook.md": None,
        "linked-in/missing.md": "'linked-in/missing.md' does not exist in the repository",
        "nowhere/runbook.md": "'nowhere/runbook.md' does not exist in the repository",
        "docs/../docs/runbook.md": None,
        "docs/../../outside/report.md": "'docs/../../outside/report.md' leaves the repository",
        ".": None,
    }


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_directory_is_listed_the_second_time_and_never_above_the_root(tree: Path) -> None:
    places = Places(str(tree))
    docs = places.real_dir(str(tree / "docs"))
    assert places.is_link(docs, "outside-link.md") is None  # the first time: looked at alone
    assert places.is_link(docs, "outside-link.md") is True
    assert places.is_link(docs, "runbook.md") is False
    assert places.is_link(docs, "missing.md") is None
    assert places.real_dir(str(tree / "linked-in")) == str(tree / "docs")
    assert places.real_dir(str(tree / "linked-in" / "nested")) == str(tree / "docs" / "nested")
    above = str(tree.parent)
    for _ in range(3):
        assert places.is_link(above, "outside") is None


def test_a_directory_that_cannot_be_listed_leaves_each_path_to_a_look_of_its_own(tmp_path: Path) -> None:
    places = Places(str(tmp_path))
    gone = str(tmp_path / "gone")
    assert [places.is_link(gone, "file.md") for _ in range(3)] == [None, None, None]
