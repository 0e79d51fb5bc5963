"""Which files a check reads and which it reports, and the problems of where they lie.

A walk of the tree (checker.discovery) finds the files under the configured globs; the paths the
check names join them. Symbolic links and submodules where Charter documents are expected are
SCH004, Charter documents outside the globs of their kind (and other documents inside them) SCH005.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple

from checker.cache import FileCache
from checker.charter_documents import KINDS, FileProblem, FileResult, Source
from checker.config import Config
from checker.discovery import Found, Globs, Lister, Rules, walk, working_tree
from checker.paths import display_path, within


class Checked(NamedTuple):
    """The files to read, in the order they were found, and what finding them said.

    reported: the files the check reports on (as findings name them); None for every file.
    """

    context: list[str]
    reported: set[str] | None
    problems: list[FileProblem]
    notes: list[str]


def discovery_rules(config: Config, root: str, paths: list[str]) -> Rules:
    """The rules a walk of root follows for a check of paths under config."""
    model = config.model
    checked = [
        os.path.relpath(os.path.normpath(os.path.abspath(p)), root).replace(os.sep, "/") for p in paths
    ]
    return Rules(Globs(model.manifests or []), Globs(model.evidence or []), model.exclude, checked)


def checked_files(
    paths: list[str],
    root: str,
    display_root: str,
    rules: Rules,
    cache: FileCache | None = None,
    tree: Lister | None = None,
    gitlinks: Callable[[list[str]], set[str]] | None = None,
) -> Checked:
    """The files a check of paths reads under root, found by rules.

    tree lists the directories of a commit's tree exported at root (see discovery.GitTree); without
    it the working tree is listed, and gitlinks says which of its empty directories are submodules.
    """
    lister = tree or working_tree(cache)
    found = walk(rules, root, lister)
    if found.empty and gitlinks is not None:
        modules = gitlinks([os.path.join(root, *rel.split("/")) for rel in found.empty])
        found.modules.extend(rel for rel in found.empty if os.path.join(root, *rel.split("/")) in modules)
    prefix = root.rstrip(os.sep) + os.sep
    context = [prefix + rel.replace("/", os.sep) for rel in found.files]
    _add_named(paths, root, rules, lister, tree is not None, found, context)
    problems, notes = _link_findings(root, display_root, found, rules, tree is None)
    for rel, why in found.unreadable:
        where = display_path(display_root, os.path.normpath(os.path.join(root, *rel.split("/"))))
        notes.append(f"{where}: skipped, the directory cannot be read ({why})")
    reported = None
    if paths and paths != [root]:
        met = context + [prefix + rel.replace("/", os.sep) for rel in found.links + found.modules]
        reported = _reported(paths, display_root, met)
    return Checked(context, reported, problems, notes)


def _add_named(
    paths: list[str],
    root: str,
    rules: Rules,
    lister: Lister,
    exported: bool,
    found: Found,
    context: list[str],
) -> None:
    """Add to context (and to found's links) what the named paths hold that the walk of root did not meet.

    exported: root is a commit's tree, where a path named in the working tree may not exist.
    """
    seen = set(context)
    for path in paths:
        full = os.path.normpath(os.path.abspath(path))
        if exported and not os.path.lexists(full):
            continue  # named in the working tree; the base revision has no such path
        if os.path.islink(full):
            # Named on the command line: reported as the link it is, never read.
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if rel not in found.links:
                found.links.append(rel)
        elif os.path.isdir(full):
            if not within(full, root):
                # Outside the root (and its globs): walked as the checked path it is.
                outer = walk(rules, full, lister, os.path.relpath(full, root))
                found.links.extend(outer.links)
                found.modules.extend(outer.modules)
                found.unreadable.extend(outer.unreadable)
                for rel in outer.files:
                    extra = os.path.normpath(os.path.join(root, *rel.split("/")))
                    if extra not in seen:
                        seen.add(extra)
                        context.append(extra)
        elif full not in seen:
            seen.add(full)
            context.append(full)


def _reported(paths: list[str], display_root: str, met: list[str]) -> set[str]:
    """The files of met that lie at or below one of the named paths, as findings name them."""
    reported: set[str] = set()
    for path in paths:
        full = os.path.normpath(os.path.abspath(path))
        inside = full + os.sep
        reported.update(display_path(display_root, p) for p in met if p == full or p.startswith(inside))
    return reported


def _printable(text: str) -> bool:
    return 0 < len(text) <= 200 and text.isprintable()


def link_problem(file: str, target: str | None = None) -> FileProblem:
    """SCH004 at a symbolic link; target is what it points to, shown only when safe to print."""
    to = f" to '{target}'" if target is not None and _printable(target) else ""
    return FileProblem(
        file,
        1,
        1,
        f"{file} is a symbolic link{to}: Charter never follows links, so nothing it leads to is checked; "
        "commit the files themselves in its place",
        "SCH004",
    )


def module_problem(file: str) -> FileProblem:
    """SCH004 at a submodule."""
    return FileProblem(
        file,
        1,
        1,
        f"{file} is a git submodule: Charter never reads submodules, so nothing in it is checked; keep "
        "Charter documents in the repository itself",
        "SCH004",
    )


def _link_findings(
    root: str, display_root: str, found: Found, rules: Rules, working: bool
) -> tuple[list[FileProblem], list[str]]:
    """SCH004 for each link and submodule where Charter documents are expected, a note for the others."""
    problems: list[FileProblem] = []
    notes: list[str] = []
    for rel in sorted(set(found.links)):
        path = os.path.normpath(os.path.join(root, *rel.split("/")))
        file = display_path(display_root, path)
        if not rules.guards(rel):
            notes.append(f"{file}: skipped, a symbolic link is never followed")
            continue
        target = None
        if working:
            try:
                target = os.readlink(path)
            except OSError:
                target = None
        problems.append(link_problem(file, target))
    for rel in sorted(set(found.modules)):
        file = display_path(display_root, os.path.normpath(os.path.join(root, *rel.split("/"))))
        if rules.guards(rel):
            problems.append(module_problem(file))
        else:
            notes.append(f"{file}: skipped, a submodule is never read")
    return problems, notes


def _outside(rules: Rules, rel: str, source: Source) -> FileProblem | None:
    """SCH005 for a Charter document that lies outside the globs configured for its kind."""
    if source.kind == "Directory":
        # Governance data, neither a manifest nor evidence: either set of globs may hold it.
        globs, key = rules.globs, "manifests or evidence"
    elif source.kind == "AISystem":
        globs, key = rules.manifests, "manifests"
    else:
        globs, key = rules.evidence, "evidence"
    if source.kind not in KINDS or not globs or globs.match(rel):
        return None
    where = ", ".join(globs.patterns)
    doc = source.doc
    message = (
        f"this {source.kind} lies outside the configured {key} globs ({where}): it is checked all the "
        f"same, but move it under them or change the configuration"
    )
    return FileProblem(source.file, doc.line, doc.column, message, "SCH005")


def placed(rules: Rules, rel: str, result: FileResult) -> list[FileProblem]:
    """The problems of a file read at rel: documents that are not Charter's count only inside the globs."""
    inside = rules.globs.match(rel)
    problems = [p for p in result.problems if p.rule != "SCH005" or inside]
    for source in result.sources:
        problem = _outside(rules, rel, source)
        if problem is not None:
            problems.append(problem)
    return problems
