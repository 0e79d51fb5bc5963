"""Custom checks from installed plugins: the entry-point group ``charter.checks``.

An installed distribution declares its checks as entry points, named as policies call them::

    [project.entry-points."charter.checks"]
    no-secrets = "acme_charter:NO_SECRETS"

Each names a ``checker.conditions.Builtin`` (a check function with its parameters and their
defaults, and a description), or a bare check function, which takes no parameters. They join the
built-in checks of ``checker.checks`` in one registry, and a policy names them the same way:
``{check: no-secrets, params: {...}}``. A plugin that cannot be loaded, names no check, or takes
the name of a built-in check or of another plugin's stops the run (exit 2), naming the plugin.

Only installed distributions are asked: nothing a manifest, policy or configuration says is ever
imported. Python's own metadata reader costs a noticeable part of a short run, so it is used only
when some installed distribution declares the group at all (see _declared).
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Mapping
from typing import Any

from checker.checks import BUILTINS
from checker.conditions import Builtin
from checker.errors import FatalError

GROUP = "charter.checks"
CHECK_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


@functools.lru_cache(maxsize=1)
def registry() -> Mapping[str, Builtin]:
    """Every check a policy may name: the built-in ones and those of installed plugins."""
    checks = dict(BUILTINS)
    if not _declared():
        return checks
    from importlib.metadata import entry_points

    owners: dict[str, str] = {}
    for point in sorted(entry_points(group=GROUP), key=lambda p: (p.name, p.value)):
        plugin = _plugin(point)
        if point.name in BUILTINS:
            raise FatalError(f"{plugin} has the name of a built-in check: rename its {GROUP} entry point")
        if point.name in owners:
            raise FatalError(
                f"{plugin} has the name of a check of the plugin {owners[point.name]}: "
                "uninstall one of them or rename an entry point"
            )
        owners[point.name] = _distribution(point)
        checks[point.name] = _load(point, plugin)
    return checks


def _distribution(point: Any) -> str:
    dist = getattr(point, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "an unknown distribution"


def _plugin(point: Any) -> str:
    return f"the plugin check {point.name!r} ({point.value}, from {_distribution(point)})"


def _load(point: Any, plugin: str) -> Builtin:
    """The check the entry point names, or a FatalError that names the plugin."""
    if not CHECK_NAME.fullmatch(point.name):
        raise FatalError(f"{plugin} is not named like a check: lower-case words joined by hyphens")
    try:
        found = point.load()
    except Exception as exc:  # whatever importing someone else's module raises
        raise FatalError(f"{plugin} cannot be loaded: {type(exc).__name__}: {exc}") from None
    if isinstance(found, Builtin):
        if not isinstance(found.params, Mapping) or not callable(found.func):
            raise FatalError(f"{plugin} is a Builtin without a check function or parameters")
        return found
    if callable(found):
        doc = (getattr(found, "__doc__", None) or "").strip()
        return Builtin(found, {}, doc.splitlines()[0] if doc else point.name)
    raise FatalError(f"{plugin} is neither a check function nor a checker.conditions.Builtin")


def _declared() -> bool:
    """Whether an installed distribution may declare the group: False only when none can.

    Reads the entry_points.txt of the distributions on sys.path. Anything this cannot see through
    (a zip or egg on the path, a finder of distributions other than Python's own) counts as a yes,
    and then Python's metadata reader decides.
    """
    if any(_other_finder(finder) for finder in sys.meta_path):
        return True
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as names:
                found = [n.path for n in names if n.name.endswith((".dist-info", ".egg-info", ".egg"))]
        except NotADirectoryError:
            return True
        except OSError:
            continue
        for path in found:
            if path.endswith(".egg") or _names_group(path):
                return True
    return False


def _other_finder(finder: Any) -> bool:
    from importlib.machinery import PathFinder

    return hasattr(finder, "find_distributions") and finder is not PathFinder


def _names_group(metadata: str) -> bool:
    try:
        with open(os.path.join(metadata, "entry_points.txt"), encoding="utf-8", errors="replace") as handle:
            return GROUP in handle.read()
    except OSError:
        return False
