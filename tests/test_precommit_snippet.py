"""The README's pre-commit snippet works as copied, and its pinning instruction pins a commit.

A bare repository on disk stands in for github.com/charter-checker/charter: this branch's commit is
pushed to it as main. pre-commit then builds the hook's environment with pip, so these are slow.
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

README = Path(__file__).resolve().parents[1] / "README.md"
PROJECT_ROOT = README.parent
URL = "https://github.com/charter-checker/charter"


def snippet() -> str:
    found = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", README.read_text("utf-8"), re.S)
    assert found is not None
    return found.group(1)


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=git_env(), timeout=900)


def published(tmp_path: Path) -> tuple[Path, str]:
    """A bare repository whose main is this branch's commit, and that commit's id."""
    remote = tmp_path / "charter.git"
    assert run(tmp_path, "git", "init", "-q", "--bare", "--initial-branch=main", str(remote)).returncode == 0
    pushed = run(PROJECT_ROOT, "git", "push", "-q", str(remote), "HEAD:refs/heads/main")
    assert pushed.returncode == 0, pushed.stderr
    commit = run(PROJECT_ROOT, "git", "rev-parse", "HEAD").stdout.strip()
    return remote, commit


@pytest.mark.slow
@installable
def test_the_snippet_pinned_as_the_readme_says_runs_the_hook(tmp_path: Path, days: int) -> None:  # noqa: F811
    remote, commit = published(tmp_path)
    other = WITHOUT_ON_CALL.replace("name: ticket-router", "name: other-router", 1)
    repo = hook_repo(tmp_path / "repo", days, {MANIFEST: WITHOUT_WAIVER, "ai-systems/bad.yaml": other})
    config = repo.root / ".pre-commit-config.yaml"
    config.write_text(snippet().replace(URL, str(remote)), encoding="utf-8")
    assert yaml.safe_load(config.read_text("utf-8"))["repos"][0]["rev"] == "main"

    # What the README says to do next: freeze the branch name into the commit it names.
    frozen = run(repo.root, sys.executable, "-m", "pre_commit", "autoupdate", "--freeze")
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr
    assert yaml.safe_load(config.read_text("utf-8"))["repos"][0]["rev"] == commit

    good = run(repo.root, sys.executable, "-m", "pre_commit", "run", "--files", MANIFEST)
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"^charter\.+Passed$", good.stdout, re.M), good.stdout
    bad = run(repo.root, sys.executable, "-m", "pre_commit", "run", "--files", "ai-systems/bad.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"^ai-systems/bad\.yaml:\d+:\d+: OWN002 error other-router ", bad.stdout, re.M), (
        bad.stdout
    )


@pytest.mark.slow
def test_a_missing_tag_is_what_the_readme_no_longer_pins(tmp_path: Path) -> None:
    remote, _ = published(tmp_path)
    clone = run(tmp_path, "git", "clone", "-q", str(remote), "clone")
    assert clone.returncode == 0, clone.stderr
    # The tag the snippet used to name: checking it out fails as pre-commit's install did.
    missing = run(tmp_path / "clone", "git", "checkout", "-q", "v0.1.0")
    assert missing.returncode != 0
    assert "pathspec 'v0.1.0' did not match" in missing.stderr
    assert "rev: v0.1.0" not in snippet()
