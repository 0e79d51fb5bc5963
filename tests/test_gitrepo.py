"""Reading the work tree root and HEAD from git's own files, checked against git itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from checker import gitrepo
from tests.git_helpers import HEAD_DATE, Repo, init_repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = init_repo(tmp_path / "repo")
    repo.write("a.yaml", "a: 1\n")
    repo.commit("first")
    return repo


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def test_branch_head_is_read_from_a_loose_ref(repo: Repo) -> None:
    assert (repo.root / ".git" / "refs" / "heads" / "main").is_file()
    assert gitrepo.head_commit(str(repo.root)) == head(repo)


def test_branch_head_is_read_from_packed_refs(repo: Repo) -> None:
    repo.git("pack-refs", "--all")
    assert not (repo.root / ".git" / "refs" / "heads" / "main").exists()
    assert gitrepo.head_commit(str(repo.root)) == head(repo)


def test_detached_head(repo: Repo) -> None:
    first = head(repo)
    repo.write("b.yaml", "b: 1\n")
    second = repo.commit("second")
    repo.git("checkout", "-q", "--detach", first)
    assert gitrepo.head_commit(str(repo.root)) == first != second


def test_a_branch_without_commits_has_no_head(tmp_path: Path) -> None:
    empty = init_repo(tmp_path / "empty")
    assert gitrepo.toplevel(str(empty.root)) == str(empty.root.resolve())
    assert gitrepo.head_commit(str(empty.root)) is None


def test_linked_work_tree(repo: Repo, tmp_path: Path) -> None:
    other = Repo(tmp_path / "other")
    repo.git("worktree", "add", "-q", "-b", "side", str(other.root))
    other.write("c.yaml", "c: 1\n")
    other.commit("on the side")
    assert (other.root / ".git").is_file()
    assert gitrepo.toplevel(str(other.root / "c.yaml")) == str(other.root.resolve())
    assert gitrepo.head_commit(str(other.root)) == head(other) != head(repo)


def test_toplevel_from_a_subdirectory_and_outside_git(repo: Repo, tmp_path: Path) -> None:
    (repo.root / "deep" / "er").mkdir(parents=True)
    assert gitrepo.toplevel(str(repo.root / "deep" / "er")) == str(repo.root.resolve())
    outside = tmp_path / "plain"
    outside.mkdir()
    assert gitrepo.toplevel(str(outside)) is None


def test_a_dot_git_that_is_not_a_repository_is_passed_over(repo: Repo) -> None:
    inner = repo.root / "vendored"
    (inner / ".git").mkdir(parents=True)  # an empty leftover, not a repository
    assert gitrepo.toplevel(str(inner)) == str(repo.root.resolve())


def test_history_asks_git_only_when_read(repo: Repo) -> None:
    repo.write("b.yaml", "b: 1\n")
    repo.commit("second", date=HEAD_DATE)
    history = gitrepo.History(str(repo.root), "", ["a.yaml", "b.yaml"])
    assert history._dates is None
    assert dict(history) == {"a.yaml": dt.date(2026, 11, 21), "b.yaml": dt.date(2026, 11, 22)}
    assert history.get("missing.yaml") is None
