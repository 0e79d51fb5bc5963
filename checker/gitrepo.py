"""All access to git, through gitpython, in one place."""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=32)
def toplevel(path: str) -> str | None:
    """The root of the git work tree holding path, or None outside git."""
    import git  # gitpython is slow to import; only pay for it when a repository is at hand

    current = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
    probe = current
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            break
        parent = os.path.dirname(probe)
        if parent == probe:
            return None
        probe = parent
    try:
        repo = git.Repo(current, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    try:
        tree = repo.working_tree_dir
        return os.path.realpath(str(tree)) if tree else None
    finally:
        repo.close()


def head_commit(root: str) -> str | None:
    """The commit HEAD points at, or None when there is none yet."""
    import git

    try:
        with git.Repo(root) as repo:
            return str(repo.git.rev_parse("--verify", "-q", "HEAD")) or None
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return None
