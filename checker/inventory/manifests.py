"""Dependency manifests: requirements*.txt, pyproject.toml, Pipfile and package.json naming AI packages."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator

from checker.inventory.detectors import Detectors
from checker.inventory.usage import Unread, Usage

# A requirement starts with its name (PEP 508); options (-r, -e, --hash) and URLs are not names.
_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def manifest_kind(name: str) -> str | None:
    """Which manifest a file of this base name is, or None."""
    if name.startswith("requirements") and name.endswith((".txt", ".in")):
        return "requirements"
    return {"pyproject.toml": "pyproject", "Pipfile": "pipfile", "package.json": "package"}.get(name)


# The project an address installs, in its #egg= fragment (pip's editable and VCS requirements).
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
# Another requirements file a line installs: -r FILE, --requirement FILE or --requirement=FILE.
_INCLUDE = re.compile(r"\s*(?:-r|--requirement)(?:\s*=\s*|\s+|(?=[^\s-]))(\S+)")


def requirement_includes(text: str) -> list[str]:
    """The files a requirements file installs from as well, as it names them."""
    return [m.group(1) for row in text.splitlines() if (m := _INCLUDE.match(row.split(" #", 1)[0]))]


def _requirements(text: str, detectors: Detectors) -> Iterator[Usage]:
    for number, row in enumerate(text.splitlines(), 1):
        code = row.split(" #", 1)[0]
        egg = _EGG.search(code)
        if code.lstrip().startswith("#"):
            continue
        if egg is not None or code.lstrip().startswith("-"):
            # An option, or an address: only what an egg= fragment names is a project's name.
            found = detectors.for_package(egg.group(1)) if egg else None
            if egg and found is not None:
                yield Usage(number, egg.start(1) + 1, found.id, f"dependency {egg.group(1)}")
            continue
        match = _REQUIREMENT.match(code)
        found = detectors.for_package(match.group(1)) if match else None
        if match and found is not None:
            yield Usage(number, match.start(1) + 1, found.id, f"dependency {match.group(1)}")


def _locate(lines: list[str], needle: re.Pattern[str], start: int = 0) -> tuple[int, int]:
    """The 1-based line and column of the first group that needle matches at or after line start."""
    for index in range(start, len(lines)):
        match = needle.search(lines[index])
        if match:
            group = next(g for g in range(1, len(match.groups()) + 1) if match.group(g) is not None)
            return index + 1, match.start(group) + 1
    return 1, 1


def _toml_names(data: dict[str, object], kind: str) -> Iterator[str]:
    """The names of every dependency a pyproject.toml or Pipfile declares."""
    tables: list[object] = []
    specs: list[object] = []
    if kind == "pipfile":
        tables += [data.get("packages"), data.get("dev-packages")]
    else:
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        assert isinstance(project, dict)
        specs += [project.get("dependencies")]
        optional = project.get("optional-dependencies")
        specs += list(optional.values()) if isinstance(optional, dict) else []
        groups = data.get("dependency-groups")
        specs += list(groups.values()) if isinstance(groups, dict) else []
        tool = data.get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        if isinstance(poetry, dict):
            tables += [poetry.get("dependencies"), poetry.get("dev-dependencies")]
            poetry_groups = poetry.get("group")
            if isinstance(poetry_groups, dict):
                tables += [g.get("dependencies") for g in poetry_groups.values() if isinstance(g, dict)]
    for table in tables:
        yield from (k for k in table if isinstance(k, str)) if isinstance(table, dict) else ()
    for spec in specs:
        for entry in spec if isinstance(spec, list) else []:
            match = _NAME.match(entry) if isinstance(entry, str) else None
            if match:
                yield match.group(0)


def _toml(text: str, kind: str, detectors: Detectors) -> list[Usage] | Unread:
    # Imported here: a check that reads no TOML file never loads the parser.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Unread(getattr(exc, "lineno", 1) or 1, f"it is not valid TOML: {exc}")
    lines = text.splitlines()
    found = []
    for name in dict.fromkeys(_toml_names(data, kind)):
        detector = detectors.for_package(name)
        if detector is None:
            continue
        # As a key (name = "...") or at the start of a quoted requirement ("name>=1").
        escaped = re.escape(name)
        needle = re.compile(rf"""^\s*["']?({escaped})["']?\s*=|["']({escaped})(?![A-Za-z0-9._-])""")
        line, column = _locate(lines, needle)
        found.append(Usage(line, column, detector.id, f"dependency {name}"))
    return sorted(found)


_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def _package_json(text: str, detectors: Detectors) -> list[Usage] | Unread:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return Unread(getattr(exc, "lineno", 1), f"it is not valid JSON: {exc}")
    if not isinstance(data, dict):
        return []
    lines = text.splitlines()
    found = []
    for section in _SECTIONS:
        packages = data.get(section)
        if not isinstance(packages, dict):
            continue
        begin = _locate(lines, re.compile(rf'("){re.escape(section)}"\s*:'))[0] - 1
        for name, spec in packages.items():
            detector = detectors.for_package(name)
            if detector is not None:
                line, column = _locate(lines, re.compile(rf'"({re.escape(name)})"\s*:'), begin)
                found.append(Usage(line, column, detector.id, f"dependency {name}"))
            # "alias": "npm:package@range" installs package under another name.
            real = _npm_alias(spec)
            detector = detectors.for_package(real) if real else None
            if real and detector is not None:
                needle = re.compile(rf'"{re.escape(name)}"\s*:\s*"npm:({re.escape(real)})')
                line, column = _locate(lines, needle, begin)
                found.append(Usage(line, column, detector.id, f"dependency {real} (as {name})"))
    return sorted(found)


def _npm_alias(spec: object) -> str | None:
    """The package an npm alias ("npm:name@range") installs, or None."""
    if not isinstance(spec, str) or not spec.startswith("npm:"):
        return None
    name = spec[4:]
    at = name.find("@", 1)  # a scoped package's name starts with @
    return (name[:at] if at > 0 else name) or None


def manifest_usages(text: str, kind: str, detectors: Detectors) -> list[Usage] | Unread:
    """The AI packages a dependency manifest of this kind names, at the name."""
    if kind == "requirements":
        return list(_requirements(text, detectors))
    if kind == "package":
        return _package_json(text, detectors)
    return _toml(text, kind, detectors)
