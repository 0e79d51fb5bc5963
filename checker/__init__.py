"""Charter: policy-as-code checks for AI-system manifests kept in git."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

DISTRIBUTION = "charter-checker"
UNKNOWN_VERSION = "0+unknown"


def _version() -> str:
    """The version of the installed distribution, which pyproject.toml's `version` alone sets.

    The metadata is found as importlib.metadata finds it, the first distribution of this name along
    sys.path, but without importing it where the path holds plain directories: that import costs a
    short run (pre-commit on one file) a quarter of its start-up. Anything else asks
    importlib.metadata itself. A source tree used without installing it (PYTHONPATH pointing at it)
    has no metadata; the pyproject.toml beside the package then says the version. Without either,
    the version is reported as unknown rather than guessed.
    """
    found = _metadata_version()
    if found is None:
        from importlib import metadata

        try:
            found = metadata.version(DISTRIBUTION)
        except metadata.PackageNotFoundError:
            found = _source_version()
    return found or UNKNOWN_VERSION


def _metadata_version() -> str | None:
    """The Version header of the first metadata of this distribution on sys.path, read directly; None
    when it is not there or when sys.path holds what only importlib.metadata can read."""
    if any(_other_finder(finder) for finder in sys.meta_path):
        return None
    wanted = re.sub(r"[-_.]+", "_", DISTRIBUTION)
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as names:
                found = sorted(
                    n.path
                    for n in names
                    if n.name.endswith((".dist-info", ".egg-info"))
                    and re.sub(r"[-_.]+", "_", n.name.split("-", 1)[0].removesuffix(".egg-info")).lower()
                    == wanted
                )
        except NotADirectoryError:
            return None
        except OSError:
            continue
        for path in found:
            return _header_version(path)
    return None


def _other_finder(finder: object) -> bool:
    """Whether finder may list distributions that no directory on sys.path shows."""
    from importlib.machinery import PathFinder

    return hasattr(finder, "find_distributions") and finder is not PathFinder


def _header_version(path: str) -> str | None:
    """The Version header of a .dist-info's METADATA or an .egg-info's PKG-INFO (a directory or a file)."""
    name = "METADATA" if path.endswith(".dist-info") else "PKG-INFO"
    file = path if os.path.isfile(path) else os.path.join(path, name)
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    break
                if line.startswith("Version:"):
                    return line.partition(":")[2].strip() or None
    except OSError:
        pass
    return None


def _source_version() -> str | None:
    """The version in the pyproject.toml beside the package, when it is this distribution's."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as file:
            project = tomllib.load(file).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    version = project.get("version") if project.get("name") == DISTRIBUTION else None
    return version if isinstance(version, str) and version else None


__version__ = _version()
