"""The gate's own inputs: the base revision, the configuration and the policies, each named so that a
pull request cannot swap it for one of its own. Every attack is tried on a real git repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.cli import main
from tests.git_helpers import HEAD_DATE, MANIFEST, Repo, router_repo, value_of
from tests.helpers import run, run_json
from tests.test_git import AS_OF, LOCAL_RULE, MODEL_VERSION, REBUILT_SAME_VERSION, change, rows

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


# --- the configuration and the policies ----------------------------------------------------------

# What a pull request would like its configuration to say: the rule that catches it switched off.
LAX_YAML = "failOn: error\nrules:\n  CHG001: {enabled: false}\n"
LAX_TOML = "[tool.charter]\nrules = {CHG001 = {enabled = false}}\n"
GUARDED = "failOn: error\npolicies: [default]\n"


def outside(tmp_path: Path, name: str, text: str) -> Path:
    """A file outside the repository, which no check of it may read."""
    target = tmp_path / "elsewhere" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def guarded(repo: Repo) -> None:
    """repo with a configuration merged on main, under the pull request's change."""
    repo.git("checkout", "-q", "main")
    repo.write(".charter.yaml", GUARDED)
    repo.commit("Configure Charter")
    repo.git("checkout", "-q", "pull-request")
    repo.git("rebase", "-q", "main")


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_a_linked_pyproject_cannot_stand_in_for_a_deleted_configuration(
    where: str,
    repo: Repo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guarded(repo)
    if where == "inside":
        repo.write("docs/settings.toml", LAX_TOML)
        target = Path("docs/settings.toml")
    else:
        target = outside(tmp_path, "settings.toml", LAX_TOML)
    (repo.root / ".charter.yaml").unlink()
    (repo.root / "pyproject.toml").symlink_to(target)
    repo.commit("Move the configuration to pyproject.toml", HEAD_DATE)

    assert refused(repo, capsys, monkeypatch, "--base", "main") == (
        f"{repo.root.resolve() / 'pyproject.toml'}: pyproject.toml is a symbolic link, which Charter "
        "never follows: use the file itself"
    )


def test_a_linked_configuration_is_refused(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    guarded(repo)
    (repo.root / ".charter.yaml").unlink()
    (repo.root / ".charter.yaml").symlink_to(outside(tmp_path, "lax.yaml", LAX_YAML))
    repo.commit("Share the configuration", HEAD_DATE)
    message = (
        f"{repo.root.resolve() / '.charter.yaml'}: the configuration is a symbolic link, which Charter "
        "never follows: use the file itself"
    )

    assert refused(repo, capsys, monkeypatch, "--base", "main") == message
    # Named on the command line, it is refused all the same, also from outside the repository.
    assert refused(repo, capsys, monkeypatch, "--config", ".charter.yaml") == message.replace(
        str(repo.root.resolve() / ".charter.yaml"), ".charter.yaml"
    )
    (tmp_path / "shared.yaml").symlink_to(tmp_path / "elsewhere" / "lax.yaml")
    assert refused(repo, capsys, monkeypatch, "--config", str(tmp_path / "shared.yaml")) == (
        f"{tmp_path / 'shared.yaml'}: the configuration is a symbolic link, which Charter never follows: "
        "use the file itself"
    )


def test_a_configuration_reached_through_a_linked_directory_is_refused(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    team = outside(tmp_path, "team/.charter.yaml", LAX_YAML).parent
    outside(tmp_path, "team/router.yaml", REBUILT_SAME_VERSION)
    (repo.root / "team").symlink_to(team, target_is_directory=True)
    repo.commit("Link the team's directory", HEAD_DATE)
    through = "the configuration is reached through the symbolic link team, which Charter never follows"

    assert refused(repo, capsys, monkeypatch, "--base", "main", "--config", "team/.charter.yaml") == (
        f"team/.charter.yaml: {through}"
    )
    # ".." after a link climbs from the link's target, as the system reads it: this names the
    # team's configuration, not one in the repository's root.
    (repo.root / "inner").symlink_to(outside(tmp_path, "team/inner/.keep", "").parent)
    assert refused(repo, capsys, monkeypatch, "--config", "inner/../.charter.yaml") == (
        "inner/../.charter.yaml: the configuration is reached through the symbolic link inner, which "
        "Charter never follows"
    )
    # Found by looking up from a path given through the link.
    assert refused(repo, capsys, monkeypatch, "--base", "main", "team") == (
        f"{repo.root.resolve() / 'team' / '.charter.yaml'}: {through}"
    )


def test_a_linked_policy_pack_is_refused(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = outside(tmp_path, "pack/lax.yaml", "not: read\n").parent
    repo.write(".charter.yaml", "failOn: error\npolicies:\n  - default\n  - policies/local\n")
    (repo.root / "policies").mkdir()
    (repo.root / "policies" / "local").symlink_to(pack, target_is_directory=True)
    repo.commit("A local pack", HEAD_DATE)

    assert refused(repo, capsys, monkeypatch, "--base", "main") == (
        f"{repo.root.resolve() / '.charter.yaml'}:4: policies[1] 'policies/local' is a symbolic link, "
        "which Charter never follows"
    )
    (repo.root / "policies" / "local").unlink()
    (repo.root / "policies" / "local").mkdir()
    (repo.root / "policies" / "local" / "lax.yaml").symlink_to(pack / "lax.yaml")
    assert refused(repo, capsys, monkeypatch, "--base", "main") == (
        "policies/local/lax.yaml: the policy file is a symbolic link, which Charter never follows"
    )


def test_policy_paths_in_the_configuration_stay_inside_the_repository(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = outside(tmp_path, "pack/lax.yaml", "not: read\n").parent
    config = repo.root.resolve() / ".charter.yaml"
    repo.write(".charter.yaml", f"policies:\n  - default\n  - {pack}\n")
    assert refused(repo, capsys, monkeypatch) == (
        f"{config}:3: policies[1] '{pack}' is absolute: policy paths are relative to the directory "
        "holding the configuration and stay inside the repository"
    )
    repo.write(".charter.yaml", "policies: [default, ../elsewhere/pack]\n")
    assert refused(repo, capsys, monkeypatch) == (
        f"{config}:1: policies[1] '../elsewhere/pack' leads out of the repository: policy paths stay "
        "inside it"
    )
    # Inside the repository, a path that climbs is as good as any other.
    repo.write("governance/pack/labels.yaml", LOCAL_RULE.format(severity="error", domains="sales"))
    repo.write("ai-systems/.charter.yaml", "policies: [default, ../governance/pack]\n")
    monkeypatch.chdir(repo.root / "ai-systems")
    assert main(["rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)["rules"]
    assert [r["policy"] for r in rules if r["id"] == "LOC001"] == ["local-labels"]


def test_policy_paths_on_the_command_line_stay_inside_the_repository(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = outside(tmp_path, "lax.yaml", "not: read\n")
    (repo.root / "linked.yaml").symlink_to(policy)

    for path, problem in [
        (
            str(policy),
            "is absolute: policy paths are relative to the current directory and stay inside the repository",
        ),
        ("../elsewhere/lax.yaml", "leads out of the repository: policy paths stay inside it"),
        ("linked.yaml", "is a symbolic link, which Charter never follows"),
    ]:
        assert refused(repo, capsys, monkeypatch, "--policy", path) == f"--policy {path!r} {problem}"


@pytest.mark.parametrize(
    ("key", "glob", "problem"),
    [
        ("manifests", "/**/*.yaml", "is absolute"),
        ("manifests", "ROOT/*.yaml", "is absolute"),
        ("evidence", "../../**", "climbs out with '..'"),
        ("evidence", "evidence/../../elsewhere/*.yaml", "climbs out with '..'"),
        ("manifests", "..\\\\elsewhere\\\\*.yaml", "climbs out with '..'"),
        ("manifests", "\\\\elsewhere\\\\*.yaml", "is absolute"),
        ("exclude", "C:/elsewhere/**", "is absolute"),
        ("exclude", "c:elsewhere", "is absolute"),
    ],
)
def test_configuration_globs_stay_inside_the_repository(
    key: str,
    glob: str,
    problem: str,
    repo: Repo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = outside(tmp_path, "secret.yaml", REBUILT_SAME_VERSION.replace("ticket-router", "secret-value"))
    glob = glob.replace("ROOT", str(secret.parent))
    repo.write(".charter.yaml", f'failOn: error\n{key}:\n  - "ai-systems/*.yaml"\n  - "{glob}"\n')
    shown = glob.replace("\\\\", "\\")

    assert refused(repo, capsys, monkeypatch, "--base", "main") == (
        f"{repo.root.resolve() / '.charter.yaml'}:4: {key}[1] {shown!r} {problem}: configuration globs "
        "are relative to the directory holding the configuration and stay inside the repository"
    )
