"""The inventory's rules as findings: AI usage no system covers, and a spec.code glob matching no file."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator

from checker.finding import Finding, field_path
from checker.gitrepo import Changes, blob_contents
from checker.inventory.coverage import Claim, Coverage, base_coverage, claim_regex, claims_of
from checker.inventory.scan import FileResult, content_kind, script_kind
from checker.inventory.take import Inventory
from checker.inventory.usage import Unread, Usage
from checker.messages import finding_message
from checker.policy import PolicySet, Rule
from checker.project import Project
from checker.result import UndeclaredUsage
from checker.run_context import RunContext

Key = tuple[str, str]


def _status(changes: Changes, path: str) -> str | None:
    """How the change touched path: its own status, or that of the link or new folder it lies below."""
    status = changes.paths.get(path)
    if status is None and changes.folders and path.startswith(changes.folders):
        return "A"
    # A file read through a link to a directory is changed as the link is: git lists only the link.
    at = path.rfind("/")
    while status is None and at > 0:
        status = changes.paths.get(path[:at])
        at = path.rfind("/", 0, at)
    return status


def _base_usages(inventory: Inventory, changes: Changes, covered: Coverage) -> Counter[Key]:
    """The undeclared usage the base revision had in the files the change edits or removes.

    Usage in a file that a base system covered was not undeclared then, so it is not counted.
    """
    found: Counter[Key] = Counter()
    # Each base file read, as (blob, kind): the same content may be in more than one file.
    wanted: list[tuple[str, str]] = []
    for path, status in changes.paths.items():
        if status == "A":
            continue
        rel = _rel(inventory, changes, path)
        if covered.systems(rel):
            continue
        named = inventory.detectors.for_file(rel)
        if named is not None:
            found[(named.id, "model file" if named.id == "model-artifact" else "configuration file")] += 1
        # A file without an extension may be a script, known by its first line.
        kind = content_kind(rel) or ("" if "." not in rel.rsplit("/", 1)[-1] else None)
        blob = changes.base_blobs.get(path)
        if kind is not None and blob is not None:
            wanted.append((blob, kind))
    cache = inventory.scanner.cache
    missing = [blob for blob, kind in wanted if not kind or cache.get(blob, kind) is None]
    texts = blob_contents(changes.root, missing) if missing else {}
    for blob, maybe in wanted:
        kind = maybe or script_kind(texts.get(blob, b"")[:256]) or ""
        if not kind:
            continue
        kept = cache.get(blob, kind)
        if kept is None and blob in texts:
            kept = inventory.scanner.read_content(texts[blob], kind)
            cache.put(blob, kind, kept)
        if isinstance(kept, Unread):
            found[_UNREAD] += 1
        for usage in kept if isinstance(kept, list) else []:
            found[_key(usage)] += 1
    return found


# What an unreadable file counts as, when the base revision's undeclared usage is compared.
_UNREAD: Key = ("", "not read")


def _key(usage: Usage) -> Key:
    what = usage.what.removesuffix(" (a Git LFS pointer)")
    return (usage.detector, what)


def _usage_detail(inventory: Inventory, usage: Usage) -> str:
    detector = inventory.detector(usage.detector)
    about = f"{detector.description}, " if detector is not None else ""
    return f"{usage.what} is AI usage that no system's code covers ({about}detector {usage.detector})"


def _unread_detail(unread: Unread) -> str:
    return f"{unread.reason[:1].upper()}{unread.reason[1:]}, so Charter cannot tell whether it uses AI"


def _undeclared(inventory: Inventory) -> Iterator[tuple[FileResult, Usage | Unread]]:
    for result in inventory.results:
        if not result.usages and result.unread is None:
            continue
        if inventory.coverage.systems(result.candidate.rel):
            continue
        for usage in result.usages:
            yield result, usage
        if result.unread is not None:
            yield result, result.unread


def _inv001(
    rule: Rule, inventory: Inventory, run: RunContext, today: dt.date, overridden: bool
) -> list[tuple[Finding, UndeclaredUsage]]:
    """Each undeclared usage; under --base new (and of the added severity) when the change made it so.

    A change makes usage undeclared when it adds the usage to a file no system covers (a file it
    adds, or edits), or leaves a file no longer covered that a base system covered: moving it out of
    a system's globs, or narrowing them.
    """
    changes = run.base_changes
    before = base_coverage(run.base or {}) if changes is not None else None
    base = (
        _base_usages(inventory, changes, before) if changes is not None and before is not None else Counter()
    )
    severity = rule.severity_for(None, today, overridden)
    out = []
    for result, found in _undeclared(inventory):
        file = run.project.display(result.candidate.path)
        status = None
        level = severity
        if changes is not None and before is not None:
            git_path = os.path.relpath(result.candidate.path, changes.root).replace(os.sep, "/")
            key = _key(found) if isinstance(found, Usage) else _UNREAD
            edited = _status(changes, git_path) in ("A", "M")
            if edited and base[key] > 0:
                base[key] -= 1
                status = "existing"
            elif edited or before.systems(result.candidate.rel):
                status, level = "new", str(rule.params.get("addedSeverity", severity))
            else:
                status = "existing"
        detail = _usage_detail(inventory, found) if isinstance(found, Usage) else _unread_detail(found)
        column = found.column if isinstance(found, Usage) else 1
        message = finding_message(rule, None, detail, None, "")
        finding = Finding(rule.id, level, file, found.line, column, "", message, None, status=status)
        detector, what = (found.detector, found.what) if isinstance(found, Usage) else (None, found.reason)
        row = UndeclaredUsage(file, found.line, column, detector, what, level, message, status)
        out.append((finding, row))
    return out


# Up to this many files named on the command line are read for their claims one by one; more are
# read with every other system's.
_FEW = 64


def _reported_claims(inventory: Inventory, project: Project) -> list[Claim]:
    """The claims of the reported systems, without reading every system's when only a few are."""
    reported = project.reported
    if reported is None or len(reported) > _FEW:
        return [c for c in inventory.coverage.claims if project.is_reported(c.file)]
    sources = [s for file in sorted(reported) for s in project.sources_in(file)]
    return [c for s in sources if s.kind == "AISystem" and s.valid for c in claims_of(s)]


def _inv002(
    rule: Rule, inventory: Inventory, run: RunContext, today: dt.date, overridden: bool
) -> list[Finding]:
    project = run.project
    out = []
    # Only the reported systems' globs are judged; the repository is listed only when there are some.
    claims = [c for c in _reported_claims(inventory, project) if c.path[1] == "code"]
    for claim in Coverage(claims).unmatched(inventory.files) if claims else []:
        source = next((s for s in project.sources_in(claim.file) if s.name == claim.system), None)
        line, column = source.doc.locate(claim.path) if source is not None else (1, 1)
        detail = f"{field_path(claim.path)} {claim.glob!r} matches no file"
        message = finding_message(rule, None, detail, claim.system, field_path(claim.path))
        severity = rule.severity_for(None, today, overridden)
        status = _claim_status(run, claim, inventory) if run.base_changes is not None else None
        out.append(
            Finding(
                rule.id,
                severity,
                claim.file,
                line,
                column,
                field_path(claim.path),
                message,
                claim.system,
                status=status,
            )
        )
    return out


def _claim_status(run: RunContext, claim: Claim, inventory: Inventory) -> str:
    """existing when the base declared the same glob and it matched nothing there either; else new."""
    changes = run.base_changes
    assert changes is not None
    before = (run.base or {}).get(claim.system)
    spec = before.get("spec") if isinstance(before, dict) else None
    globs = spec.get("code") if isinstance(spec, dict) else None
    if not isinstance(globs, list) or claim.glob not in globs:
        return "new"
    regex = claim_regex(claim.glob)
    added = {_rel(inventory, changes, p) for p, status in changes.paths.items() if status == "A"}
    removed = [_rel(inventory, changes, p) for p, status in changes.paths.items() if status == "D"]
    base_files = [rel for rel in inventory.files if rel not in added] + removed
    return "new" if any(regex.match(rel) for rel in base_files) else "existing"


def _rel(inventory: Inventory, changes: Changes, path: str) -> str:
    """A path from the work tree's root as a path from the repository root the globs start at."""
    full = os.path.join(changes.root, *path.split("/"))
    return os.path.relpath(full, inventory.root).replace(os.sep, "/")


def judge_inventory(
    inventory: Inventory, run: RunContext, policies: PolicySet, today: dt.date
) -> tuple[list[Finding], tuple[UndeclaredUsage, ...]]:
    """The findings of the inventory's rules, and the undeclared usage they report, by file."""
    out = []
    undeclared: list[UndeclaredUsage] = []
    usage, claims = policies.engine_rule("inventory"), policies.engine_rule("code-claims")
    if usage is not None and usage.enabled:
        found = _inv001(usage, inventory, run, today, usage.id in policies.overridden)
        out += [finding for finding, _ in found]
        undeclared += [row for _, row in found]
    if claims is not None and claims.enabled:
        out += _inv002(claims, inventory, run, today, claims.id in policies.overridden)
    inventory.scanner.cache.save()
    order = sorted(undeclared, key=lambda u: (u.file, u.line, u.column, u.detector or "", u.what))
    return sorted(out, key=Finding.sort_key), tuple(order)
