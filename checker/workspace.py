"""Where a run happens: the repository root, the configuration, and how paths are shown."""

from __future__ import annotations

import os
from dataclasses import dataclass

from checker import gitrepo
from checker.config import Config, find_config_dir, load_config
from checker.prepared import Prepared, prepared


@dataclass
class Workspace:
    """root: where configured globs and refs start; display_root: what file names are relative to."""

    root: str
    display_root: str
    git_root: str | None
    config: Config
    # Validated policy and configuration files kept between runs.
    store: Prepared


def open_workspace(paths: list[str], config_file: str | None, cache: bool = True) -> Workspace:
    """Find the repository and configuration that the given paths belong to."""
    start = os.path.abspath(paths[0]) if paths else os.getcwd()
    start_dir = start if os.path.isdir(start) else os.path.dirname(start)
    git_root = gitrepo.toplevel(start_dir)
    cwd = os.getcwd()
    # Outside git the current directory stands for the repository when the paths lie inside it.
    fallback = git_root or (cwd if _inside(start_dir, cwd) else start_dir)
    store = prepared(git_root, cache)
    # Outside git the configuration's own directory stands for the repository its paths stay in.
    if config_file:
        config = load_config(config_file, None, store, git_root)
        root = fallback
    else:
        found = find_config_dir(start_dir, git_root)
        config = load_config(None, found, store, git_root)
        root = found or fallback
    display_root = git_root or os.getcwd()
    return Workspace(os.path.realpath(root), os.path.realpath(display_root), git_root, config, store)


def _inside(path: str, directory: str) -> bool:
    path, directory = os.path.realpath(path), os.path.realpath(directory)
    return os.path.commonpath([path, directory]) == directory
