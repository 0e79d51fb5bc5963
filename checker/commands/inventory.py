"""charter inventory: every AI usage found in the code, grouped by the system that covers it."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

from checker.cache import FileCache
from checker.cachestore import default_directory
from checker.characters import shown
from checker.errors import EXIT_OK, FatalError
from checker.gfm import md
from checker.inventory.take import Inventory, exclusions, take_inventory
from checker.policy import load_policies
from checker.project import Project, build_project
from checker.workspace import open_workspace


@dataclass
class InventoryOptions:
    paths: list[str]
    format: str = "text"
    config: str | None = None
    cache: bool = True


def _usage(file: str, line: int, column: int, detector: str, what: str) -> dict[str, Any]:
    return {"file": file, "line": line, "column": column, "detector": detector, "what": what}


def inventory_data(inventory: Inventory, project: Project, excluded: list[dict[str, str]]) -> dict[str, Any]:
    """The inventory as plain data: usages by system, the undeclared ones, counts per detector."""
    systems: dict[str, list[dict[str, Any]]] = {}
    undeclared: list[dict[str, Any]] = []
    unreadable: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for result in inventory.results:
        if not result.usages and result.unread is None:
            continue
        file = project.display(result.candidate.path)
        owners = inventory.coverage.systems(result.candidate.rel)
        for usage in result.usages:
            counts[usage.detector] += 1
            entry = _usage(file, *usage)
            for owner in owners:
                systems.setdefault(owner, []).append(entry)
            if not owners:
                undeclared.append(entry)
        if result.unread is not None:
            unreadable.append({"file": file, "line": result.unread.line, "reason": result.unread.reason})
    declared = {s.name: s.file for s in project.kind_sources("AISystem") if isinstance(s.name, str)}
    return {
        "systems": [
            {"name": name, "manifest": declared.get(name), "usages": systems.get(name, [])}
            for name in sorted(declared)
        ],
        "undeclared": undeclared,
        "unreadable": unreadable,
        "detectors": {d.id: counts.get(d.id, 0) for d in inventory.detectors.all},
        "excluded": excluded,
    }


def _line(entry: dict[str, Any]) -> str:
    where = f"{entry['file']}:{entry['line']}:{entry['column']}"
    return f"  {shown(where)} {entry['detector']} {shown(entry['what'])}"


def _usages(count: int) -> str:
    return f"{count} usage" if count == 1 else f"{count} usages"


def render_text(data: dict[str, Any]) -> str:
    out = []
    for system in data["systems"]:
        count = _usages(len(system["usages"]))
        out.append(f"{shown(system['name'])} ({shown(system['manifest'] or '')}): {count}")
        out += [_line(entry) for entry in system["usages"]]
    out.append(f"undeclared: {_usages(len(data['undeclared']))}")
    out += [_line(entry) for entry in data["undeclared"]]
    for entry in data["unreadable"]:
        out.append(f"  {shown(entry['file'])}:{entry['line']}: not read: {shown(entry['reason'])}")
    counts = ", ".join(f"{name} {count}" for name, count in data["detectors"].items() if count)
    out.append(f"by detector: {counts or 'nothing detected'}")
    return "\n".join(out) + "\n"


def _table(entries: list[dict[str, Any]]) -> list[str]:
    rows = ["| File | Line | Column | Detector | Usage |", "|---|---|---|---|---|"]
    for entry in entries:
        cells = [entry["file"], entry["line"], entry["column"], entry["detector"], entry["what"]]
        rows.append("| " + " | ".join(md(c) for c in cells) + " |")
    return rows


def render_markdown(data: dict[str, Any]) -> str:
    out = ["# AI inventory", ""]
    for system in data["systems"]:
        out += [f"## {md(system['name'])}", "", f"Declared in {md(system['manifest'])}.", ""]
        out += [*_table(system["usages"]), ""] if system["usages"] else ["No usage detected.", ""]
    out += ["## Undeclared AI", ""]
    out += [*_table(data["undeclared"]), ""] if data["undeclared"] else ["None.", ""]
    out += ["## By detector", "", "| Detector | Usages |", "|---|---|"]
    out += [f"| {md(name)} | {count} |" for name, count in data["detectors"].items()]
    return "\n".join(out) + "\n"


RENDERERS = {
    "text": render_text,
    "json": lambda data: json.dumps(data, indent=2) + "\n",
    "markdown": render_markdown,
}


def run_inventory(options: InventoryOptions) -> int:
    for path in options.paths:
        if not os.path.lexists(path):
            raise FatalError("no such file or directory", path)
    workspace = open_workspace(options.paths, options.config, options.cache)
    policies = load_policies(workspace.config, None, workspace.store)
    cache = FileCache(default_directory(workspace.root, workspace.git_root) if options.cache else None)
    project = build_project(
        [workspace.root], workspace.root, workspace.display_root, workspace.config, set(), cache
    )
    cache.save()
    scopes = [os.path.abspath(p) for p in options.paths]
    taken = take_inventory(project.root, policies, workspace.config, scopes, options.cache)
    inventory = taken.covered_by(project)
    excluded = [{"path": e.path, "reason": e.reason} for e in exclusions(workspace.config)]
    sys.stdout.write(RENDERERS[options.format](inventory_data(inventory, project, excluded)))
    return EXIT_OK
