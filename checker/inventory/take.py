"""Taking the inventory of a project: every AI usage under the checked paths, and who covers it."""

from __future__ import annotations

import functools
import os
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from checker.cachestore import default_directory
from checker.config import Config, Exclusion
from checker.errors import FatalError
from checker.gitlisting import GitListing
from checker.gitrepo import toplevel
from checker.inventory.coverage import Coverage, coverage_of
from checker.inventory.detectors import Detectors, load_detectors
from checker.inventory.files import Candidate, Listing, candidates, pathspecs, walked
from checker.inventory.scan import FileResult, InventoryCache, Scanner, content_kind
from checker.inventory.usage import Unread
from checker.paths import anchored, climbs, within
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
    # The project whose systems cover the files (see covered_by); None until it is known.
    project: Project | None
    detectors: Detectors
    # Lists every file of the repository, when it is more than the files looked at.
    listing: Callable[[], Listing]
    scanner: Scanner
    git_root: str | None
    # The repository root that paths (Candidate.rel) and globs are relative to.
    root: str

    def covered_by(self, project: Project) -> Inventory:
        """This inventory, its files' coverage read from the systems project declares."""
        return replace(self, project=project)

    @functools.cached_property
    def coverage(self) -> Coverage:
        """Which declared system's code each file is, worked out when first needed."""
        if self.project is None:
            raise ValueError("the inventory's coverage is asked for before the project is known")
        return coverage_of(self.project)

    @functools.cached_property
    def files(self) -> list[str]:
        """Every file of the repository (from its root, with /) that a spec.code glob may match."""
        return self.listing().rels

    def detector(self, detector_id: str) -> Any:
        return next((d for d in self.detectors.all if d.id == detector_id), None)


def take_inventory(
    root: str,
    policies: PolicySet,
    config: Config,
    paths: list[str],
    cache: bool = True,
    begun: GitListing | None = None,
) -> Inventory:
    """Scan the files under paths (absolute; only those files when every one is a file) of the
    repository at root; which system covers each is known once it is bound to a project (covered_by).

    begun: git's listing of the files under paths, started by begin_listing.
    """
    detectors = load_detectors(policies, config)
    excluded = [*config.model.exclude, *(e.path for e in exclusions(config))]
    git_root = toplevel(root)
    named = _only_files(paths)
    scopes = [os.path.normpath(p) for p in paths] or [root]
    directory = default_directory(root, git_root) if cache else None
    store = InventoryCache.open(directory, detectors.digest)
    scanner = Scanner(detectors, store)
    listed = candidates(root, git_root, scopes, excluded, named, scanner.named_like_code, begun)

    @functools.cache
    def every() -> Listing:
        # Listed again only when asked for: most checks of a few named files never need it.
        if named or scopes != [root]:
            return candidates(root, git_root, [root], excluded, wanted=scanner.named_like_code)
        return listed

    top = os.path.realpath(git_root or root)
    results, scanned = _through_links(listed, every, top, root, scanner)
    results += _with_includes(scanner, scanned, listed, root)
    store.save()
    results.sort(key=lambda r: r.candidate.rel)
    return Inventory(results, None, detectors, every, scanner, git_root, root)


def _through_links(
    listed: Listing, every: Callable[[], Listing], top: str, root: str, scanner: Scanner
) -> tuple[list[FileResult], list[Candidate]]:
    """The listed files to scan, links replaced by what they lead to, and the links that cannot be read."""
    results: list[FileResult] = []
    scanned: list[Candidate] = []
    own: _Own | None = None
    for candidate in listed.wanted:
        if not candidate.link:
            scanned.append(candidate)
            continue
        if own is None:
            # The files looked at on their own: what a link leads to needs no second look there.
            links = {c.rel for c in every().wanted if c.link}
            own = _Own(set(every().rels) - links, links)
        for found in _followed(candidate, own, top, root, scanner):
            if isinstance(found, FileResult):
                results.append(found)
            else:
                scanned.append(found)
    return results, scanned


# Links followed within links, at most: a deeper chain is reported as unread.
_DEPTH = 4


@dataclass(frozen=True)
class _Own:
    """What the inventory looks at where it is: the files, and the links it follows from there."""

    files: set[str]
    links: set[str]


def _followed(
    link: Candidate, own: _Own, top: str, root: str, scanner: Scanner, chain: tuple[str, ...] = ()
) -> Iterator[Candidate | FileResult]:
    """What a link leads to that the inventory does not look at on its own, known by the link's path.

    A link to a file or directory that is looked at on its own adds nothing: that is judged where it
    is, and so is a link met in a linked directory that is itself followed where it is, or that
    leads back to a directory the chain of links is already in (links to their own directory would
    otherwise lead to each other without end). chain: the directories (real paths) that the links
    followed to get here lead to. A link named like code that leads nowhere, or out of the
    repository, cannot be read; what lies outside the repository is no part of it, so other such
    links are passed over.
    """
    try:
        target = os.path.realpath(link.path, strict=True)
    except (OSError, RuntimeError):
        if scanner.named_like_code(link.rel):
            yield FileResult(link, [], Unread(1, "it is a symbolic link to nothing"))
        return
    if not within(target, top):
        if scanner.named_like_code(link.rel):
            reason = "it is a symbolic link to outside the repository, which Charter never follows"
            yield FileResult(link, [], Unread(1, reason))
        return
    via = os.path.relpath(target, root).replace(os.sep, "/")
    if os.path.isfile(target):
        if via not in own.files:
            yield Candidate(link.path, link.rel, via=via)
        return
    if not os.path.isdir(target) or any(within(walking, target) for walking in chain):
        return
    for inner in walked(root, target, link.rel):
        sub = inner.rel[len(link.rel) + 1 :]
        path = os.path.join(link.path, *sub.split("/"))
        if inner.link and f"{via}/{sub}" in own.links:
            continue
        if inner.link and len(chain) < _DEPTH:
            yield from _followed(inner._replace(path=path), own, top, root, scanner, (*chain, target))
        elif inner.link:
            reason = "it is a symbolic link behind too many others"
            yield FileResult(inner._replace(path=path), [], Unread(1, reason))
        elif f"{via}/{sub}" not in own.files:
            yield inner._replace(path=path, via=f"{via}/{sub}")


def _with_includes(
    scanner: Scanner, scanned: list[Candidate], listed: Listing, root: str
) -> list[FileResult]:
    """What each candidate holds, and each listed file a requirements file installs from, read as one.

    Only the files in which something was found, or that could not be read, are kept.
    """
    results = {}
    for candidate in scanned:
        result = scanner.scan(candidate)
        if result is not None:
            results[candidate.rel] = result
    todo = list(scanner.requirements)
    read = {c.rel for c in todo}
    files = set(listed.rels) if todo else set()
    while todo:
        current = todo.pop()
        for ref in scanner.includes(current):
            rel = posixpath.normpath(posixpath.join(posixpath.dirname(current.rel), ref))
            # A file read by a reader of its own kind is read as that, not again.
            if rel in read or rel not in files or content_kind(rel) is not None:
                continue
            read.add(rel)
            included = Candidate(os.path.join(root, *rel.split("/")), rel, kind="requirements")
            result = scanner.scan(included)
            if result is not None:
                results[rel] = result
            todo.append(included)
    return list(results.values())


def _only_files(paths: list[str]) -> bool:
    """Whether paths name files one by one (the pre-commit case), which alone are looked at."""
    return bool(paths) and all(not os.path.isdir(p) for p in paths)


def _runs(policies: PolicySet) -> bool:
    """Whether the policies run either of the inventory's rules."""
    rules = [policies.engine_rule("inventory"), policies.engine_rule("code-claims")]
    return any(rule is not None and rule.enabled for rule in rules)


def begin_listing(root: str, policies: PolicySet, paths: list[str]) -> GitListing | None:
    """Git's listing of the files under paths (absolute), started now so that git walks the work
    tree while the documents are read; None when no listing will be asked for (neither rule runs,
    no git, or only named files)."""
    git_root = toplevel(root)
    if git_root is None or not _runs(policies) or _only_files(paths):
        return None
    return GitListing(git_root, pathspecs(git_root, [os.path.normpath(p) for p in paths] or [root]))


def inventory_for(
    root: str,
    policies: PolicySet,
    config: Config,
    paths: list[str],
    cache: bool = True,
    begun: GitListing | None = None,
) -> Inventory | None:
    """The inventory a check judges, of the repository at root, or None when the policies run
    neither of its rules."""
    if not _runs(policies):
        return None
    return take_inventory(root, policies, config, paths, cache, begun)
