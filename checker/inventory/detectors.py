"""What counts as AI usage: the detectors of the pack's inventory rule, amended by the configuration."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.config import Config
from checker.discovery import glob_regex
from checker.engine_rules import ENGINE_RULES
from checker.errors import FatalError
from checker.policy import PolicySet

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_KEYS = ("python", "javascript", "packages", "boto3", "files")


def normalized(package: str) -> str:
    """A package name as registries compare them: lower case, runs of - _ . as one -."""
    return re.sub(r"[-_.]+", "-", package).lower()


def _names_regex(names: Iterable[str], separator: str, fold: bool = False) -> re.Pattern[str] | None:
    """Whole names, or any name below them (after separator); a trailing * stands for any suffix."""
    parts = []
    for name in names:
        if name.endswith("*"):
            parts.append(re.escape(name[:-1]) + r"[^\s]*")
        else:
            parts.append(re.escape(name) + (f"(?:{re.escape(separator)}.*)?" if separator else ""))
    if not parts:
        return None
    return re.compile("(?:" + "|".join(parts) + r")\Z", re.I if fold else 0)


@dataclass(frozen=True)
class Detector:
    """One kind of AI usage: an id, a description and what it matches.

    The expressions that test names are compiled when first needed: a check of a few named files
    may need none of them.
    """

    id: str
    description: str
    python: tuple[str, ...] = ()
    javascript: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    boto3: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    @classmethod
    def build(cls, plain: Mapping[str, Any]) -> Detector:
        lists = {key: tuple(plain.get(key) or ()) for key in _KEYS}
        return cls(id=plain["id"], description=plain["description"], **lists)

    @functools.cached_property
    def _python(self) -> re.Pattern[str] | None:
        return _names_regex(self.python, ".")

    @functools.cached_property
    def _javascript(self) -> re.Pattern[str] | None:
        # A module below a JavaScript package is package/path; a scoped package is @scope/name.
        return _names_regex(self.javascript, "/")

    @functools.cached_property
    def _packages(self) -> re.Pattern[str] | None:
        return _names_regex([normalized(p) for p in self.packages], "", fold=True)

    @functools.cached_property
    def _files(self) -> re.Pattern[str] | None:
        files = "|".join(f"(?:{glob_regex(p)})" for p in self.files)
        return re.compile(f"(?s:{files})\\Z") if files else None

    def python_module(self, module: str) -> bool:
        return self._python is not None and self._python.match(module) is not None

    def javascript_module(self, module: str) -> bool:
        return self._javascript is not None and self._javascript.match(module) is not None

    def package(self, name: str) -> bool:
        return self._packages is not None and self._packages.match(normalized(name)) is not None

    def file(self, rel: str) -> bool:
        return self._files is not None and self._files.match(rel) is not None


@dataclass
class Detectors:
    """Every detector of a run, with the names a text prefilter looks for."""

    all: tuple[Detector, ...]
    digest: str
    # One expression for every detector's file globs, built when first needed.
    _any_file: Any = field(default=None, compare=False, repr=False)

    def python_roots(self) -> set[str]:
        """The first part of every Python module a detector names (what an import must mention)."""
        return {re.split(r"[.*]", m)[0] for d in self.all for m in d.python if re.split(r"[.*]", m)[0]}

    def javascript_roots(self) -> set[str]:
        return {m.rstrip("*") for d in self.all for m in d.javascript if m.rstrip("*")}

    def boto3_services(self) -> dict[str, Detector]:
        return {service: d for d in self.all for service in d.boto3}

    def for_python(self, module: str) -> Detector | None:
        return next((d for d in self.all if d.python_module(module)), None)

    def for_javascript(self, module: str) -> Detector | None:
        return next((d for d in self.all if d.javascript_module(module)), None)

    def for_package(self, name: str) -> Detector | None:
        return next((d for d in self.all if d.package(name)), None)

    def for_file(self, rel: str) -> Detector | None:
        if self._any_file is None:
            self._any_file = _file_test([p for d in self.all for p in d.files])
        if not self._any_file(rel):
            return None
        return next((d for d in self.all if d.file(rel)), None)

    @property
    def names_files(self) -> bool:
        return any(d.files for d in self.all)


def _file_test(globs: list[str]) -> Any:
    """A fast test that a path may match one of globs: by the end of its name when every glob's last
    part is a literal name or * and a literal ending, else by one expression for them all."""
    if not globs:
        return lambda _: False
    matches = re.compile("(?s:" + "|".join(f"(?:{glob_regex(p)})" for p in globs) + ")\\Z").match
    endings = []
    for glob in globs:
        last = glob.rsplit("/", 1)[-1]
        literal = last[1:] if last.startswith("*") else last
        if not literal or re.search(r"[*?\[]", literal):
            return lambda rel: matches(rel) is not None
        endings.append(literal if last.startswith("*") else "/" + last)
    suffixes = tuple(endings)
    return lambda rel: ("/" + rel).endswith(suffixes) and matches(rel) is not None


def _problem(entry: Any) -> str | None:
    """Why a detector entry is malformed, or None."""
    if not isinstance(entry, dict):
        return "a detector is a mapping with id, description and what it matches"
    unknown = sorted(set(entry) - {"id", "description", "enabled", *_KEYS})
    if unknown:
        return f"unknown detector key {unknown[0]!r} (known: id, description, enabled, {', '.join(_KEYS)})"
    if not isinstance(entry.get("id"), str) or not _ID.fullmatch(entry["id"]):
        return "a detector's id is lower-case letters, digits and hyphens"
    if "enabled" in entry and not isinstance(entry["enabled"], bool):
        return f"detector {entry['id']}: enabled is true or false"
    for key in _KEYS:
        value = entry.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            return f"detector {entry['id']}: {key} is a list of names"
    return None


def _merge(found: dict[str, dict[str, Any]], entries: Any, where: str, line_of: Any) -> None:
    if not isinstance(entries, list):
        raise FatalError("the detectors are a list", where, line_of(None))
    for index, entry in enumerate(entries):
        problem = _problem(entry)
        if problem is None and entry["id"] not in found and not isinstance(entry.get("description"), str):
            problem = f"detector {entry['id']} has no description"
        if problem is not None:
            raise FatalError(problem, where, line_of(index))
        # The configuration amends a detector of the pack by id, or adds one.
        merged = {**found.get(entry["id"], {}), **entry}
        found[entry["id"]] = merged


def load_detectors(policies: PolicySet, config: Config) -> Detectors:
    """The detectors of the inventory rule's parameters, then the configuration's inventory.detectors."""
    rule = policies.engine_rule("inventory")
    if rule is None:
        raise FatalError(
            f"the policy set has no rule {ENGINE_RULES['inventory'].default}, which holds the detectors: "
            "include the default pack"
        )
    found: dict[str, dict[str, Any]] = {}
    _merge(found, rule.params.get("detectors", []), rule.source, lambda index: None)
    settings = config.model.inventory
    configured = list(settings.detectors or ()) if settings is not None else None
    if configured:
        _merge(
            found,
            configured,
            config.file or ".charter.yaml",
            lambda index: config.line_of("inventory", "detectors", *(() if index is None else (index,))),
        )
    plain = [entry for entry in found.values() if entry.get("enabled", True)]
    digest = hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:16]
    return Detectors(tuple(Detector.build(entry) for entry in plain), digest)
