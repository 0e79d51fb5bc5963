"""The README's pre-commit snippet works as copied: it names a release tag, and that tag installs the hook.

A bare repository on disk stands in for github.com/charter-checker/charter: this branch's commit is
pushed to it as main and tagged there as the release that pyproject.toml names, as RELEASING.md
says to tag it (never in this repository). pre-commit then builds the hook's environment with pip,
so the test that runs the hook is slow.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.git_helpers import MANIFEST, git_env
from tests.test_precommit import WITHOUT_ON_CALL, WITHOUT_WAIVER, days, hook_repo, installable  # noqa: F401
from tests.test_release import TAG, VERSION, release_problems

README = Path(__file__).resolve().parents[1] / "README.md"
PROJECT_ROOT = README.parent
URL = "https://github.com/charter-checker/charter"
PRE_COMMIT = (sys.executable, "-m", "pre_commit")


def snippet() -> str:
    found = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", README.read_text("utf-8"), re.S)
    assert found is not None
    return found.group(1)


def run(cwd: Path, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """args in cwd; home, when given, is pre-commit's own cache of hook repositories."""
    env = git_env() if home is None else {**git_env(), "PRE_COMMIT_HOME": str(home)}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)


def published(tmp_path: Path, tagged: bool = True) -> tuple[Path, str]:
    """A bare repository whose main is this branch's commit, tagged as the release when tagged,
    and that commit's id."""
    remote = tmp_path / "charter.git"
    assert run(tmp_path, "git", "init", "-q", "--bare", "--initial-branch=main", str(remote)).returncode == 0
    pushed = run(PROJECT_ROOT, "git", "push", "-q", str(remote), "HEAD:refs/heads/main")
    assert pushed.returncode == 0, pushed.stderr
    commit = run(PROJECT_ROOT, "git", "rev-parse", "HEAD").stdout.strip()
    if tagged:
        tag = run(remote, "git", "tag", "-a", TAG, "-m", f"Charter {VERSION}", "main")
        assert tag.returncode == 0, tag.stderr
    return remote, commit


def configured(root: Path, remote: Path) -> Path:
    """The README's snippet as root's .pre-commit-config.yaml, with the stand-in for the project's URL."""
    config = root / ".pre-commit-config.yaml"
    config.write_text(snippet().replace(URL, str(remote)), encoding="utf-8")
    assert yaml.safe_load(config.read_text("utf-8"))["repos"][0]["rev"] == TAG
    return config


@pytest.mark.slow
@installable
def test_the_snippet_as_copied_installs_the_release_tag_and_runs_the_hook(
    tmp_path: Path,
    days: int,  # noqa: F811
) -> None:
    remote, commit = published(tmp_path)
    # The tag is the release RELEASING.md describes: annotated, on main, at this version.
    assert release_problems(remote, TAG) == []
    other = WITHOUT_ON_CALL.replace("name: ticket-router", "name: other-router", 1)
    repo = hook_repo(tmp_path / "repo", days, {MANIFEST: WITHOUT_WAIVER, "ai-systems/bad.yaml": other})
    config = configured(repo.root, remote)
    home = tmp_path / "pre-commit-home"

    good = run(repo.root, *PRE_COMMIT, "run", "--files", MANIFEST, home=home)
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"^charter\.+Passed$", good.stdout, re.M), good.stdout
    bad = run(repo.root, *PRE_COMMIT, "run", "--files", "ai-systems/bad.yaml", home=home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"^ai-systems/bad\.yaml:\d+:\d+: OWN002 error other-router ", bad.stdout, re.M), (
        bad.stdout
    )

    # What the README says keeps the pin current: the tag is the newest release, so autoupdate keeps
    # it, and --freeze writes the id of the tag, which names this commit.
    updated = run(repo.root, *PRE_COMMIT, "autoupdate", home=home)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert yaml.safe_load(config.read_text("utf-8"))["repos"][0]["rev"] == TAG
    frozen = run(repo.root, *PRE_COMMIT, "autoupdate", "--freeze", home=home)
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr
    tag_id = run(remote, "git", "rev-parse", f"refs/tags/{TAG}").stdout.strip()
    assert f"rev: {tag_id}  # frozen: {TAG}\n" in config.read_text("utf-8")
    assert run(remote, "git", "rev-parse", f"{tag_id}^{{commit}}").stdout.strip() == commit


@pytest.mark.slow
def test_without_the_tag_the_snippet_cannot_install(tmp_path: Path) -> None:
    # What the issue was: the snippet named a tag nobody had made. pre-commit fails before building
    # anything, naming the tag.
    remote, _ = published(tmp_path, tagged=False)
    repo = tmp_path / "repo"
    repo.mkdir()
    assert run(repo, "git", "init", "-q", "-b", "main").returncode == 0
    (repo / "a.yaml").write_text("a: 1\n", encoding="utf-8")
    configured(repo, remote)
    assert run(repo, "git", "add", ".").returncode == 0
    done = run(repo, *PRE_COMMIT, "run", "--all-files", home=tmp_path / "home")
    assert done.returncode != 0, done.stdout
    assert f"pathspec '{TAG}' did not match" in done.stdout + done.stderr
