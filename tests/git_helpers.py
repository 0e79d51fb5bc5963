"""Real git repositories for tests: a fixed identity, fixed dates and no user configuration."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import RULES_DIR

# After the newest evidence of tests/rules/_repo (2026-11-20) and before the as-of date.
BASE_DATE = "2026-11-21T09:00:00+00:00"
HEAD_DATE = "2026-11-22T09:00:00+00:00"
MANIFEST = "ai-systems/router.yaml"
CLEAN = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")


def git_env(date: str = BASE_DATE) -> dict[str, str]:
    """The environment for git: this process's, without any GIT_ variable or user configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Committer",
        GIT_COMMITTER_EMAIL="committer@example.com",
        GIT_AUTHOR_DATE=date,
        GIT_COMMITTER_DATE=date,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


@dataclass
class Repo:
    """A work tree with the few git operations the tests need."""

    root: Path

    def git(self, *args: str, date: str = BASE_DATE) -> str:
        result = subprocess.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args],
            cwd=self.root,
            env=git_env(date),
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def write(self, path: str, text: str) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
        return target

    def read(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def commit(self, message: str, date: str = BASE_DATE) -> str:
        """Commit everything in the work tree; the commit's sha."""
        self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "-m", message, date=date)
        return self.git("rev-parse", "HEAD").strip()


def init_repo(root: Path) -> Repo:
    """An empty repository whose first branch is main."""
    root.mkdir(parents=True, exist_ok=True)
    repo = Repo(root)
    repo.git("init", "-q", "-b", "main")
    return repo


def router_repo(root: Path, manifest: str = CLEAN) -> Repo:
    """tests/rules/_repo plus the router's manifest, committed on main.

    The first repository of each manifest is made with git and kept as a template for the rest of
    the test session; the others are copies of it, .git and all: with the fixed identity and dates
    the commits are the same ones git would make again."""
    if root.exists() and any(root.iterdir()):
        return _new_router_repo(root, manifest)
    template = _TEMPLATES.get(manifest)
    if template is None or not template.is_dir():
        template = Path(tempfile.mkdtemp(prefix="charter-template-")) / "repo"
        _new_router_repo(template, manifest)
        _TEMPLATES[manifest] = template
    shutil.copytree(template, root, symlinks=True, dirs_exist_ok=True)
    return Repo(root)


_TEMPLATES: dict[str, Path] = {}


def _new_router_repo(root: Path, manifest: str) -> Repo:
    shutil.copytree(RULES_DIR / "_repo", root, dirs_exist_ok=True)
    repo = init_repo(root)
    repo.write(MANIFEST, manifest)
    repo.commit("The ticket router and its evidence")
    return repo


@atexit.register
def _remove_templates() -> None:
    for template in _TEMPLATES.values():
        shutil.rmtree(template.parent, ignore_errors=True)


def where(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of needle, which must occur in text exactly once."""
    assert text.count(needle) == 1, f"{needle!r} is not in the text exactly once"
    at = text.index(needle)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def value_of(text: str, prefix: str) -> tuple[int, int]:
    """Line and column just after prefix (a key and its ": "), which must occur exactly once."""
    line, column = where(text, prefix)
    return line, column + len(prefix)


def variant(old: str, new: str, text: str = CLEAN) -> str:
    """text with old, which occurs exactly once, replaced by new."""
    assert text.count(old) == 1, f"{old!r} is not in the text exactly once"
    return text.replace(old, new)


def installed_charter() -> str | None:
    """The charter executable installed beside the interpreter running the tests, or None."""
    scripts = Path(sys.executable).parent
    for name in ("charter", "charter.exe"):
        if (scripts / name).is_file():
            return str(scripts / name)
    return None


def feature_repo(root: Path, files: dict[str, str], message: str) -> Repo:
    """router_repo with files (path: text) committed on main as message, checked out on a new
    branch feature."""
    repo = router_repo(root)
    for path, text in files.items():
        repo.write(path, text)
    repo.commit(message)
    repo.git("checkout", "-q", "-b", "feature")
    return repo
