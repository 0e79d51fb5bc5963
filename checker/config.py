"""The configuration: .charter.yaml or [tool.charter] in pyproject.toml."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Literal

from checker.document import Document
from checker.errors import FatalError
from checker.finding import field_path
from checker.paths import anchored, climbs, shown, walk
from checker.prepared import Prepared, prepared
from checker.vocabulary import FailOn, Severity
from checker.yamlload import load_file

CONFIG_NAME = ".charter.yaml"


# Plain copies of the models of checker.governance_models, which a run uses without pydantic
# (tests/test_schema_source.py proves that they agree).


@dataclass(frozen=True)
class RuleOverride:
    """What the configuration changes about one rule (None: left as the policy says)."""

    severity: Severity | None = None
    enabled: bool | None = None
    params: dict[str, Any] | None = None
    enforceAfter: dt.date | None = None


@dataclass(frozen=True)
class Governance:
    """Who must approve a change to the policies, the configuration or the people directory."""

    approvers: tuple[str, ...]
    minApprovals: int = 1


@dataclass(frozen=True)
class Approvals:
    """Which of a pull request's approvals count: staleAfterPush keep also counts earlier commits'."""

    staleAfterPush: Literal["dismiss", "keep"] = "dismiss"


@dataclass(frozen=True)
class Exclusion:
    """A path the inventory leaves out, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class InventorySettings:
    """What the inventory detects beside the pack's detectors, and the paths it leaves out."""

    # Plain data, checked by checker.inventory.detectors, which knows the pack's detectors they amend.
    detectors: tuple[dict[str, Any], ...] | None = None
    exclude: tuple[Exclusion, ...] | None = None


@dataclass
class Settings:
    """The validated keys of a configuration file, with their defaults."""

    manifests: list[str] | None = None
    evidence: list[str] | None = None
    exclude: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=lambda: ["default"])
    failOn: FailOn = "error"
    rules: dict[str, RuleOverride] = field(default_factory=dict)
    # A repository with no AISystem at all passes only when the configuration says it may.
    allowEmpty: bool = False
    governance: Governance | None = None
    approvals: Approvals = field(default_factory=Approvals)
    # What the inventory detects and leaves out (see checker.inventory).
    inventory: InventorySettings | None = None


def _settings(plain: dict[str, Any]) -> Settings:
    rules = {k: RuleOverride(**v) for k, v in plain.get("rules", {}).items()}
    found = plain.get("governance")
    governance = Governance(tuple(found["approvers"]), found["minApprovals"]) if found else None
    approvals = Approvals(**(plain.get("approvals") or {}))
    inventory = _inventory(plain)
    return Settings(
        **{**plain, "rules": rules, "governance": governance, "approvals": approvals, "inventory": inventory}
    )


def _inventory(plain: dict[str, Any]) -> InventorySettings | None:
    found = plain.get("inventory")
    if found is None:
        return None
    detectors, exclude = found.get("detectors"), found.get("exclude")
    return InventorySettings(
        tuple(detectors) if detectors is not None else None,
        tuple(Exclusion(e["path"], e["reason"]) for e in exclude) if exclude is not None else None,
    )


@dataclass
class Config:
    """The effective configuration and where it came from."""

    model: Settings = field(default_factory=Settings)
    file: str | None = None
    doc: Document | None = None
    # Policy directories are relative to the directory holding the configuration.
    directory: str = "."
    # The repository whose files the configuration's paths must stay among; None outside git.
    top: str | None = None

    def line_of(self, *path: str | int) -> int | None:
        if self.doc is None and self.file is not None and not self.file.endswith(".toml"):
            # Validated earlier and taken from the cache: positions are read only when needed.
            self.doc = _first_document(self.file)
        return self.doc.locate_key(tuple(path))[0] if self.doc is not None else None


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _validate(data: Any, file: str, doc: Document | None) -> dict[str, Any]:
    """The configuration's keys as plain data with defaults, or a FatalError at the faulty key."""
    from pydantic import ValidationError

    from checker.governance_models import (
        ApprovalsModel,
        ConfigModel,
        GovernanceModel,
        InventoryExclude,
        InventoryModel,
    )
    from checker.governance_models import RuleOverride as RuleOverrideModel

    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FatalError("the configuration must be a mapping", file, 1)
    try:
        return ConfigModel.model_validate(data).model_dump()
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = doc.locate_key(loc)[0] if doc is not None else None
        name = field_path(loc)
        if err["type"] == "extra_forbidden":
            parent = (
                ConfigModel
                if len(loc) == 1
                else GovernanceModel
                if loc[0] == "governance"
                else ApprovalsModel
                if loc[0] == "approvals"
                else (InventoryModel if len(loc) == 2 else InventoryExclude)
                if loc[0] == "inventory"
                else RuleOverrideModel
            )
            hint = _suggest(str(loc[-1]), list(parent.model_fields))
            raise FatalError(f"unknown key {name!r}{hint}", file, line) from None
        if err["type"] == "too_short" and loc == ("governance", "approvers"):
            raise FatalError(f"{name} names no one: list at least one person or team", file, line) from None
        if err["type"] == "string_pattern_mismatch" and loc[0] == "governance":
            why = f"{err['input']!r} is not a GitHub handle (@user), a team (@org/team) or an e-mail address"
            raise FatalError(f"{name}: {why}", file, line) from None
        raise FatalError(f"{name}: {err['msg']}", file, line) from None


# Globs are matched against paths from the directory holding the configuration, which never hold
# "..", so a glob with ".." could only ever reach outside it.
_GLOBS = ("manifests", "evidence", "exclude")


def _check_paths(config: Config) -> Config:
    """config, once its globs and policy paths are known to be relative: a FatalError otherwise."""
    model = config.model
    for key in (*_GLOBS, "policies"):
        for index, entry in enumerate(getattr(model, key) or []):
            if anchored(entry):
                problem = "is absolute"
            elif climbs(entry) and key != "policies":
                problem = "climbs out with '..'"
            else:
                continue
            what = "policy paths" if key == "policies" else "configuration globs"
            raise FatalError(
                f"{key}[{index}] {entry!r} {problem}: {what} are relative to the directory holding the "
                "configuration and stay inside the repository",
                config.file,
                config.line_of(key, index),
            )
    return config


def _own_file(path: str, top: str | None, what: str) -> None:
    """A FatalError when path is a symbolic link or is reached through one (at or below top)."""
    walked = walk(path, top)
    if walked.link is None:
        return
    if walked.last:
        raise FatalError(f"{what} is a symbolic link, which Charter never follows: use the file itself", path)
    raise FatalError(
        f"{what} is reached through the symbolic link {shown(walked.link, top)}, which Charter never follows",
        path,
    )


def _first_document(path: str) -> Document | None:
    loaded = load_file(path)
    problems = loaded.problems or [p for doc in loaded.documents for p in doc.problems]
    if problems:
        # A duplicate key, merge key or foreign tag would change the configuration unseen.
        raise FatalError(problems[0].message, path, problems[0].line)
    return loaded.documents[0] if loaded.documents else None


def _from_yaml(path: str, store: Prepared) -> Config:
    directory = os.path.dirname(os.path.abspath(path))
    settings = store.get("config", path, Settings)
    if settings is not None:
        return Config(settings, path, None, directory)
    doc = _first_document(path)
    settings = _settings(_validate(doc.data if doc else None, path, doc))
    store.put("config", path, settings)
    return Config(settings, path, doc, directory)


def _from_pyproject(path: str, store: Prepared | None = None) -> Config | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FatalError(f"cannot read it: {exc}", path) from None
    section = data.get("tool", {}).get("charter")
    if section is None:
        return None
    settings = store.get("config", path, Settings) if store is not None else None
    if settings is None:
        settings = _settings(_validate(section, path, None))
        if store is not None:
            store.put("config", path, settings)
    return Config(settings, path, None, os.path.dirname(os.path.abspath(path)))


def _present(path: str) -> bool:
    """A file, or a symbolic link, which loading refuses rather than the lookup passing it by."""
    return os.path.isfile(path) or os.path.islink(path)


def find_config_dir(start: str, stop: str | None) -> str | None:
    """The nearest directory from start up to stop that holds a configuration."""
    current = os.path.abspath(start)
    stop = os.path.abspath(stop) if stop else None
    while True:
        if _present(os.path.join(current, CONFIG_NAME)):
            return current
        pyproject = os.path.join(current, "pyproject.toml")
        # A linked pyproject.toml is not read to see whether it configures Charter.
        if os.path.islink(pyproject) or (
            os.path.isfile(pyproject) and _from_pyproject(pyproject) is not None
        ):
            return current
        parent = os.path.dirname(current)
        if current == stop or parent == current:
            return None
        current = parent


def load_config(
    explicit: str | None, directory: str | None, store: Prepared | None = None, top: str | None = None
) -> Config:
    """--config FILE, else the configuration found in directory, else the defaults.

    top is the repository: no configuration file may be a symbolic link or be reached through one
    below it, and the policy paths of a configuration inside it stay inside it.
    """
    store = store or prepared(None, enabled=False)
    config = Config()
    if explicit:
        _own_file(explicit, top, "the configuration")
        if not os.path.isfile(explicit):
            raise FatalError("the configuration file does not exist", explicit)
        if explicit.endswith(".toml"):
            found = _from_pyproject(explicit, store)
            if found is None:
                raise FatalError("it has no [tool.charter] section", explicit)
            config = found
        else:
            config = _from_yaml(explicit, store)
    elif directory:
        yaml_path = os.path.join(directory, CONFIG_NAME)
        pyproject = os.path.join(directory, "pyproject.toml")
        if _present(yaml_path):
            _own_file(yaml_path, top, "the configuration")
            config = _from_yaml(yaml_path, store)
        elif _present(pyproject):
            _own_file(pyproject, top, "pyproject.toml")
            config = _from_pyproject(pyproject, store) or config
    config.top = top
    return _check_paths(config)
