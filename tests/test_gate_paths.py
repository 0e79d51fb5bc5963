"""The gate's own inputs: the base revision, the configuration and the policies, each named so that a
pull request cannot swap it for one of its own. Every attack is tried on a real git repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.git_helpers import MANIFEST, Repo, router_repo, value_of
from tests.test_git import AS_OF, MODEL_VERSION, REBUILT_SAME_VERSION, change, rows, run, run_json

CHG001 = ("CHG001", MANIFEST, *value_of(REBUILT_SAME_VERSION, MODEL_VERSION), "new")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """The clean router committed on main; a pull request on a branch retrains it without a new version."""
    repo = router_repo(tmp_path / "repo")
    repo.git("update-ref", "refs/remotes/origin/main", "main")
    repo.git("checkout", "-q", "-b", "pull-request")
    change(repo, REBUILT_SAME_VERSION, "Retrain the router")
    return repo


def refused(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> str:
    """charter check ARGS in the repository's root, which must stop with exit 2: its error message."""
    code, out, err = run([*args, *AS_OF], repo.root, capsys, monkeypatch)
    assert (code, out) == (2, ""), err
    assert err.startswith("charter: error: ") and err.count("\n") == 1, err
    return err.removeprefix("charter: error: ").removesuffix("\n")


# --- the base revision --------------------------------------------------------------------------


def test_the_gate_sees_the_change_against_main(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for base in ("main", "origin/main", repo.git("rev-parse", "main").strip()):
        code, report = run_json(["--base", base, *AS_OF], repo.root, capsys, monkeypatch)
        assert (code, rows(report)) == (1, [CHG001]), base


def test_a_tag_named_like_the_base_branch_cannot_stand_in_for_it(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # git itself prefers a tag to a branch of the same name: the change would be compared with itself.
    repo.git("tag", "main", "HEAD")

    assert refused(repo, capsys, monkeypatch, "--base", "main") == (
        "--base 'main' is ambiguous: it names the branch refs/heads/main and the tag refs/tags/main; "
        "pass the full ref name (refs/...) or a full commit id"
    )
    code, report = run_json(["--base", "refs/heads/main", *AS_OF], repo.root, capsys, monkeypatch)
    assert (code, rows(report)) == (1, [CHG001])


def test_a_local_branch_named_like_the_remote_one_cannot_stand_in_for_it(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # git prefers refs/heads/origin/main to refs/remotes/origin/main.
    repo.git("branch", "origin/main", "HEAD")

    assert refused(repo, capsys, monkeypatch, "--base", "origin/main") == (
        "--base 'origin/main' is ambiguous: it names the branch refs/heads/origin/main and the "
        "remote-tracking branch refs/remotes/origin/main; pass the full ref name (refs/...) or a full "
        "commit id"
    )


def test_a_branch_named_like_an_abbreviated_id_cannot_stand_in_for_the_commit(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # git takes a ref of that name before an object whose id starts so.
    short = repo.git("rev-parse", "--short=12", "main").strip()
    repo.git("branch", short, "HEAD")

    assert refused(repo, capsys, monkeypatch, "--base", short) == (
        f"--base '{short}' looks like an abbreviated commit id, which is not accepted: pass the full "
        "commit id (git rev-parse prints it) or the full ref name (refs/...)"
    )
