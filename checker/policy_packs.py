"""Finding the files of policy packs: the default pack, the configuration's packs and --policy paths.

A pack is a YAML file or a directory of them. Configured packs stay inside the repository and
none is reached through a symbolic link, which Charter never follows.
"""

from __future__ import annotations

import os

from checker.config import Config
from checker.errors import FatalError
from checker.paths import Walked, anchored, shown, walk, within
from checker.resources import data_dir


def default_pack() -> list[str]:
    pack = data_dir("policies")
    return sorted(str(p) for p in pack.iterdir() if p.name.endswith((".yaml", ".yml")))


def pack_files(path: str, entry: str) -> list[str]:
    """The policy file at path, or the YAML files of the directory at path; no symbolic link among them."""
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise FatalError(f"policy path {entry!r} does not exist", path)
    files = sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith((".yaml", ".yml")))
    for file in files:
        if os.path.islink(file):
            raise FatalError("the policy file is a symbolic link, which Charter never follows", display(file))
    return files


def _link_problem(walked: Walked, top: str) -> str:
    if walked.last:
        return "is a symbolic link, which Charter never follows"
    return (
        f"is reached through the symbolic link {shown(walked.link or '', top)}, which Charter never follows"
    )


def configured_pack(config: Config, index: int) -> list[str]:
    """The files of the configuration's index-th policy pack, which stays inside the repository."""
    entry = config.model.policies[index]
    if entry == "default":
        return default_pack()
    directory = os.path.realpath(config.directory)
    # A configuration outside the repository (named with --config) keeps to its own directory.
    top = os.path.realpath(config.top) if config.top else directory
    top = top if within(directory, top) else directory
    walked = walk(os.path.join(config.directory, entry), top)
    problem = None
    if walked.link is not None:
        problem = _link_problem(walked, top)
    elif not within(walked.path, top):
        problem = "leads out of the repository: policy paths stay inside it"
    if problem:
        raise FatalError(
            f"policies[{index}] {entry!r} {problem}", config.file, config.line_of("policies", index)
        )
    return pack_files(walked.path, entry)


def named_packs(paths: list[str], top: str) -> list[str]:
    """The --policy paths, made absolute once each is known to be relative, inside top and not linked."""
    top = os.path.realpath(top)
    found = []
    for path in paths:
        if anchored(path):
            raise FatalError(
                f"--policy {path!r} is absolute: policy paths are relative to the current directory "
                "and stay inside the repository"
            )
        walked = walk(path, top)
        if walked.link is not None:
            raise FatalError(f"--policy {path!r} {_link_problem(walked, top)}")
        if not within(walked.path, top):
            raise FatalError(f"--policy {path!r} leads out of the repository: policy paths stay inside it")
        found.append(walked.path)
    return found


def display(path: str) -> str:
    """path as messages name it: relative to the working directory when it lies below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return path
    return path if rel.startswith("..") else rel
