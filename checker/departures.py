"""The base revision's systems that a change no longer declares where Charter looks, and where they went."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from checker.change_checks import BASE_LOOKUP, closest, departed, leaving
from checker.conditions import lookup
from checker.context_fields import Reads, joined
from checker.yamlload import MAX_BYTES, load_file

if TYPE_CHECKING:
    from checker.run_context import RunContext

# What the departures rule reads of the base revision's systems besides finding them: the stage,
# at which a system may leave.
DEPARTURE_READS: Reads = joined(BASE_LOOKUP, {"AISystem": ("spec.lifecycle.stage",)})


class Departure(NamedTuple):
    """A system of the base revision that the change no longer declares where Charter looks."""

    system: str
    file: str
    line: int
    column: int
    detail: str


def _declaring(path: str, name: str) -> tuple[int, int, bool] | None:
    """(line, column, read by Charter) of the document of path whose metadata.name is name."""
    for doc in load_file(path).documents:
        data = doc.data
        if isinstance(data, dict) and lookup(data, ("metadata", "name")) == name:
            line, column = doc.locate(("metadata", "name"))
            return line, column, data.get("apiVersion") == "charter/v1" and data.get("kind") == "AISystem"
    return None


def _files(root: str) -> Iterator[str]:
    """Every file under root in sorted order, outside .git; linked directories are not entered."""
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        yield from (os.path.join(top, f) for f in sorted(files))


def _whereabouts(root: str, name: str, was: str | None) -> tuple[str, int, int, str] | None:
    """Where the repository declares the system now (path, line, column, why it is not checked)."""
    old = os.path.join(root, was) if was is not None else None
    if old is not None and os.path.islink(old):
        return old, 1, 1, "is now a symbolic link, which is never followed"
    # Its old file first, then any file that mentions the name: a rare departure is worth a walk.
    needle = name.encode("utf-8")
    for path in itertools.chain([old] if old is not None else [], _files(root)):
        if not os.path.isfile(path) or os.path.islink(path) or os.path.getsize(path) > MAX_BYTES:
            continue
        with open(path, "rb") as handle:
            if needle not in handle.read():
                continue
        found = _declaring(path, name)
        if found is not None:
            line, column, read = found
            why = "is not among the checked files" if read else "no longer holds it as a charter/v1 AISystem"
            return path, line, column, why
    return None


def _under(file: str, paths: Iterable[str]) -> bool:
    return any(p == "." or file == p or file.startswith(p.rstrip("/") + "/") for p in paths)


def departures(run: RunContext, removable: Iterable[str], checked: Iterable[str]) -> list[Departure]:
    """The base's systems that left the checked paths without being retired, and where each went.

    checked: the paths the check was given, relative to the repository root like finding files. A
    system whose base stage is in removable may leave. One carried on by a system of the change that
    is new by name and by file but shares its components has not left: it was renamed and moved.
    """
    stages, paths = set(removable), list(checked)
    project = run.project
    files = leaving(run)
    gone = {
        name: data
        for name, data in departed(run).items()
        if lookup(data, ("spec", "lifecycle", "stage")) not in stages
        and _under(files.get(name) or ".", paths)
    }
    if gone and run.base is not None:
        for source in project.systems:
            if source.name not in run.base and source.file not in run.base_by_file:
                gone.pop(closest(source.data, gone) or "", None)
    out = []
    for name in sorted(gone):
        was = files.get(name)
        said = f"{name}, declared in {was} in the base revision," if was else f"{name} of the base revision"
        found = _whereabouts(project.display_root, name, was)
        if found is None:
            detail = f"{said} is no longer declared anywhere in the repository"
            out.append(Departure(name, was or ".", 1, 1, detail))
            continue
        path, line, column, why = found
        file = project.display(path)
        moved = f"it moved to {file}, which" if file != was else f"{file}"
        out.append(Departure(name, file, line, column, f"{said} is no longer checked: {moved} {why}"))
    return out
