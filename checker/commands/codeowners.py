"""charter codeowners: keep the generated block of CODEOWNERS in step with the manifests."""

from __future__ import annotations

import difflib
import os
import sys

from checker.characters import shown
from checker.codeowners import find_codeowners, generated_lines, with_block
from checker.errors import EXIT_FINDINGS, EXIT_OK, FatalError
from checker.people import directories
from checker.project import Project, build_project
from checker.workspace import Workspace, open_workspace


def governed_files(workspace: Workspace, project: Project) -> list[str]:
    """Repository paths of the configuration, the local policy packs and the people directory."""
    root = workspace.git_root or workspace.root
    config = workspace.config
    paths: list[str] = []
    if config.file is not None:
        paths.append(config.file)
    for entry in config.model.policies:
        if entry != "default":
            paths.append(os.path.normpath(os.path.join(config.directory, entry)))
    # A configuration named from outside the repository has no line there.
    found = [_relative(p, root) + ("/" if os.path.isdir(p) else "") for p in paths]
    found = [p for p in found if p != ".." and not p.startswith("../")]
    found.extend(s.file for s in directories(project)[:1])
    return found


def _relative(path: str, root: str) -> str:
    return os.path.relpath(os.path.realpath(path), os.path.realpath(root)).replace(os.sep, "/")


def run_codeowners(paths: list[str], config: str | None, write: bool) -> int:
    workspace = open_workspace(paths, config)
    repo_root = workspace.git_root or workspace.root
    project = build_project([workspace.root], workspace.root, repo_root, workspace.config, set())
    location = find_codeowners(repo_root)
    target = os.path.join(repo_root, location)
    try:
        with open(target, encoding="utf-8") as handle:
            current = handle.read()
    except FileNotFoundError:
        current = ""
    governance = workspace.config.model.governance
    approvers = governance.approvers if governance is not None else ()
    wanted = with_block(current, generated_lines(project, governed_files(workspace, project), approvers))
    if wanted == current:
        print(f"{location} is up to date")
        return EXIT_OK
    if write:
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        try:
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(wanted)
        except OSError as exc:
            raise FatalError(f"cannot write it: {exc.strerror}", location) from None
        print(f"wrote the generated block of {location}")
        return EXIT_OK
    diff = difflib.unified_diff(
        current.splitlines(keepends=True), wanted.splitlines(keepends=True), location, location
    )
    # Manifest paths are in it: a file name must not start a workflow command in a CI log.
    sys.stdout.writelines(shown(line.rstrip("\n")) + "\n" for line in diff)
    print(f"{location} is out of date: run `charter codeowners --write`", file=sys.stderr)
    return EXIT_FINDINGS
