"""Reading the work tree root and HEAD from git's own files, checked against git itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from checker import gitlisting, gitrepo, gitrevision
from checker.errors import FatalError
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


# --- resolving --base ----------------------------------------------------------------------------


@pytest.fixture
def two(repo: Repo) -> tuple[str, str]:
    """repo with a second commit on main: (first, second)."""
    first = head(repo)
    repo.write("b.yaml", "b: 1\n")
    return first, repo.commit("second")


def resolve(repo: Repo, rev: str, on_actions: bool = False) -> str:
    with gitrevision.GitRepo(str(repo.root)) as git:
        return git.resolve(rev, on_actions)


def refused(repo: Repo, rev: str, on_actions: bool = False) -> str:
    with pytest.raises(FatalError) as caught:
        resolve(repo, rev, on_actions)
    assert caught.value.file is None
    return caught.value.message


def test_full_ids_refs_and_parent_steps_resolve(repo: Repo, two: tuple[str, str]) -> None:
    first, second = two
    repo.git("update-ref", "refs/remotes/origin/main", first)
    repo.git("tag", "-a", "-m", "annotated", "v1", first)
    repo.git("update-ref", "refs/pull/3/merge", second)
    assert {
        rev: resolve(repo, rev)
        for rev in (
            second,
            second.upper(),
            f"{second}~1",
            "main",
            "main~1",
            "main^",
            "main^1~0",
            "origin/main",
            "v1",
            "refs/tags/v1",
            "refs/pull/3/merge",
            "HEAD",
            "HEAD~1",
        )
    } == {
        second: second,
        second.upper(): second,
        f"{second}~1": first,
        "main": second,
        "main~1": first,
        "main^": first,
        "main^1~0": first,
        "origin/main": first,
        "v1": first,
        "refs/tags/v1": first,
        "refs/pull/3/merge": second,
        "HEAD": second,
        "HEAD~1": first,
    }


def test_a_tag_named_like_the_branch_is_ambiguous(repo: Repo, two: tuple[str, str]) -> None:
    first, _ = two
    repo.git("tag", "main", first)
    assert refused(repo, "main") == (
        "--base 'main' is ambiguous: it names the branch refs/heads/main and the tag refs/tags/main; "
        "pass the full ref name (refs/...) or a full commit id"
    )
    assert refused(repo, "main~1").startswith("--base 'main~1' is ambiguous: ")
    assert resolve(repo, "refs/heads/main") == head(repo) != resolve(repo, "refs/tags/main") == first


def test_ambiguity_counts_even_when_both_point_at_the_same_commit(repo: Repo) -> None:
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    repo.git("branch", "origin/main")
    repo.git("tag", "origin/main")
    assert refused(repo, "origin/main") == (
        "--base 'origin/main' is ambiguous: it names the branch refs/heads/origin/main, the "
        "remote-tracking branch refs/remotes/origin/main and the tag refs/tags/origin/main; "
        "pass the full ref name (refs/...) or a full commit id"
    )


def test_a_branch_named_head_makes_head_ambiguous(repo: Repo) -> None:
    repo.git("update-ref", "refs/heads/HEAD", "HEAD")
    assert refused(repo, "HEAD") == (
        "--base 'HEAD' is ambiguous: it names HEAD and the branch refs/heads/HEAD; "
        "pass the full ref name (refs/...) or a full commit id"
    )


def test_a_branch_named_like_a_commit_id_does_not_shadow_it(repo: Repo, two: tuple[str, str]) -> None:
    first, second = two
    repo.git("update-ref", f"refs/heads/{first}", second)
    assert resolve(repo, first) == first


def test_abbreviated_ids_and_names_that_look_like_one_are_refused_with_what_to_pass(
    repo: Repo, two: tuple[str, str]
) -> None:
    first, _ = two
    repo.git("branch", "cafe", first)
    for rev in (first[:12], f"{first[:7]}~1", "cafe", first + "0"):
        assert refused(repo, rev) == (
            f"--base {rev!r} looks like an abbreviated commit id, which is not accepted: pass the full "
            "commit id (git rev-parse prints it) or the full ref name (refs/...)"
        )
    assert resolve(repo, "refs/heads/cafe") == first


@pytest.mark.parametrize(
    "rev",
    ["main@{1}", "@{upstream}", ":/second", "main:a.yaml", "main^{tree}", "main..HEAD", "-p", "a b", ""],
)
def test_other_revision_syntax_is_refused_with_what_to_pass(repo: Repo, rev: str) -> None:
    assert refused(repo, rev) == (
        f"--base {rev!r} is neither a commit id nor a ref name: pass a full commit id (git rev-parse "
        "prints it), or a branch, remote-tracking branch or tag name, optionally followed by ~N or ^N"
    )


def test_unknown_revisions_say_why_and_mention_checkout_only_in_actions(repo: Repo) -> None:
    missing = "0" * 40
    blob = repo.git("rev-parse", "HEAD:a.yaml").strip()
    repo.git("tag", "blob", blob)
    assert refused(repo, "origin/nope") == (
        "unknown revision 'origin/nope': no branch, remote-tracking branch or tag has that name; "
        "fetch it first"
    )
    assert refused(repo, "origin/nope", on_actions=True) == (
        "unknown revision 'origin/nope': no branch, remote-tracking branch or tag has that name; "
        "fetch it first (actions/checkout needs fetch-depth: 0)"
    )
    assert refused(repo, missing) == (
        f"unknown revision '{missing}': this repository has no commit with that id; fetch it first"
    )
    assert refused(repo, blob) == (
        f"unknown revision '{blob}': this repository has no commit with that id; fetch it first"
    )
    assert refused(repo, "main~5", on_actions=True) == (
        "unknown revision 'main~5': main has no such ancestor here; "
        "fetch it first (actions/checkout needs fetch-depth: 0)"
    )
    assert refused(repo, "blob") == "unknown revision 'blob': blob does not point at a commit"


def test_the_listing_begun_early_is_what_git_says_of_the_work_tree(repo: Repo) -> None:
    repo.write("b.yaml", "b: 1\n")
    repo.commit("second")
    repo.write("a.yaml", "a: 2\n")  # changed since the index
    repo.write("new.py", "import openai\n")  # untracked
    repo.write(".gitignore", "ignored.py\n")
    repo.write("ignored.py", "import openai\n")
    blob = repo.git("rev-parse", "HEAD:b.yaml").strip()

    begun = gitlisting.GitListing(str(repo.root), ["."])
    listed = begun.result()
    begun.close()

    assert listed.tracked["b.yaml"] == ("100644", blob)
    assert sorted(listed.tracked) == ["a.yaml", "b.yaml"]
    assert listed.modified == frozenset({"a.yaml"})
    assert sorted(listed.untracked) == [".gitignore", "new.py"]
    assert gitlisting.listed_files(str(repo.root), ["."]) == listed


def test_a_listing_git_refuses_stops_the_run_with_gits_reason(repo: Repo) -> None:
    with pytest.raises(FatalError) as refused:
        gitlisting.listed_files(str(repo.root), ["../elsewhere"])
    assert str(refused.value) == (
        f"{repo.root}: git ls-files failed: fatal: ../elsewhere: '../elsewhere' is outside repository "
        f"at '{repo.root}'"
    )
