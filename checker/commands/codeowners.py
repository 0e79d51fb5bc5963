"""charter codeowners: keep the generated block of CODEOWNERS in step with the manifests."""

from __future__ import annotations

import difflib
import os
import sys

from checker.characters import shown
from checker.codeowners import find_codeowners, generated_lines, with_block
from checker.errors import EXIT_FINDINGS, EXIT_OK, FatalError
from checker.project import build_project
from checker.workspace import open_workspace


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
    wanted = with_block(current, generated_lines(project))
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
