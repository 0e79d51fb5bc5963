"""Taking the inventory of a project: every AI usage under the checked paths, and who covers it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from checker.cache import default_directory
from checker.config import Config, Exclusion
from checker.errors import FatalError
from checker.gitrepo import toplevel
from checker.inventory.coverage import Coverage, coverage_of
from checker.inventory.detectors import Detectors, load_detectors
from checker.inventory.files import Candidate, candidates
from checker.inventory.scan import FileResult, InventoryCache, Scanner
from checker.paths import anchored, climbs
from checker.policy import PolicySet
from checker.project import Project


def exclusions(config: Config) -> list[Exclusion]:
    """The configuration's inventory.exclude, each relative and inside the repository."""
    found = []
    settings = config.model.inventory
    for index, entry in enumerate((settings.exclude or ()) if settings is not None else ()):
        path = entry.path
        if anchored(path) or climbs(path):
            raise FatalError(
                f"inventory.exclude[{index}].path {path!r} must be relative to the directory holding the "
                "configuration and stay inside it",
                config.file,
                config.line_of("inventory", "exclude", index, "path"),
            )
        found.append(Exclusion(path.strip("/"), entry.reason))
    return found


@dataclass
class Inventory:
    """What the inventory found: each file looked at with its usages, and the coverage of systems."""

    results: list[FileResult]
    coverage: Coverage
    detectors: Detectors
    # Every file of the repository (from its root, with /) that a spec.code glob may match.
    files: list[Candidate]
    scanner: Scanner
    git_root: str | None
    # The repository root that paths (Candidate.rel) and globs are relative to.
    root: str

    def detector(self, detector_id: str) -> Any:
        return next((d for d in self.detectors.all if d.id == detector_id), None)


def take_inventory(
    project: Project, policies: PolicySet, config: Config, paths: list[str], cache: bool = True
) -> Inventory:
    """Scan the files under paths (absolute; only those files when every one is a file)."""
    detectors = load_detectors(policies, config)
    excluded = [*config.model.exclude, *(e.path for e in exclusions(config))]
    root = project.root
    git_root = toplevel(root)
    named = bool(paths) and all(not os.path.isdir(p) for p in paths)
    scopes = [os.path.normpath(p) for p in paths] or [root]
    scanned = candidates(root, git_root, scopes, excluded, named)
    every = candidates(root, git_root, [root], excluded) if named or scopes != [root] else scanned
    directory = default_directory(root, git_root) if cache else None
    store = InventoryCache.open(directory, detectors.digest)
    scanner = Scanner(detectors, store)
    results = [scanner.scan(c) for c in scanned]
    store.save()
    return Inventory(results, coverage_of(project), detectors, every, scanner, git_root, root)


def inventory_for(
    project: Project, policies: PolicySet, config: Config, paths: list[str], cache: bool = True
) -> Inventory | None:
    """The inventory a check judges, or None when the policies run neither of its rules."""
    rules = [policies.engine_rule("inventory"), policies.engine_rule("code-claims")]
    if not any(rule is not None and rule.enabled for rule in rules):
        return None
    return take_inventory(project, policies, config, paths, cache)
