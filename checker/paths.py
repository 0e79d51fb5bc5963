"""Paths that the configuration and the command line name: relative, inside the repository, never a link."""

from __future__ import annotations

import os
import re
from typing import NamedTuple

# Anchored on any system: /x and \x at a root, C:x and C:\x on a drive.
_ANCHORED = re.compile(r"^(?:[/\\]|[A-Za-z]:)")
_SEPARATORS = re.compile(r"[/\\]")


def anchored(text: str) -> bool:
    """Whether text names a path from a root or a drive rather than from a directory."""
    return bool(_ANCHORED.match(text)) or os.path.isabs(text)


def climbs(text: str) -> bool:
    """Whether text has a '..' part, with either separator."""
    return ".." in _SEPARATORS.split(text)


def within(path: str, top: str) -> bool:
    """Whether path is top or lies below it (both as they are, no link resolved)."""
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def display_path(display_root: str, path: str) -> str:
    """path as findings name files: from display_root, with /."""
    prefix = display_root.rstrip(os.sep) + os.sep
    if path.startswith(prefix) and os.sep + ".." + os.sep not in path:
        rel = path[len(prefix) :]
    else:
        rel = os.path.relpath(path, display_root)
    return rel.replace(os.sep, "/")


class Walked(NamedTuple):
    """Where opening a path ends up, and the first symbolic link met on the way (None: none)."""

    path: str
    link: str | None = None
    # The link is the last part, the file or directory named itself.
    last: bool = False


def walk(path: str, top: str | None) -> Walked:
    """Follow path part by part as the system would, stopping at a symbolic link at or below top.

    Part by part, '..' after a link leaves the link's target, not the directory that holds the
    link, just as the system does. The path itself is never a link; links on the way above top (a
    checkout reached through a linked home directory) are followed, and all of them with no top.
    """
    full = os.path.join(os.getcwd(), path)
    drive, rest = os.path.splitdrive(full)
    parts = [p for p in _SEPARATORS.split(rest) if p not in ("", ".")]
    top = os.path.realpath(top) if top is not None else None
    current = drive + os.sep
    for index, part in enumerate(parts):
        if part == "..":
            current = os.path.dirname(current)
            continue
        step = os.path.join(current, part)
        if os.path.islink(step):
            last = index == len(parts) - 1
            if last or (top is not None and within(current, top)):
                return Walked(step, step, last)
            step = os.path.realpath(step)
        current = step
    return Walked(current)


def shown(path: str, top: str | None) -> str:
    """path as an error names it: from top when it lies there, else as it is."""
    if top is not None:
        top = os.path.realpath(top)
        if within(path, top) and path != top:
            return os.path.relpath(path, top).replace(os.sep, "/")
    return path
