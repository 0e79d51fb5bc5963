"""Policy packs: loading rule files, applying configuration overrides, compiling rules."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from checker.condition_compiler import Compiler
from checker.conditions import Condition, Env, holds
from checker.config import Config, RuleOverride
from checker.document import Document, FieldPath
from checker.engine_rules import ENGINE_RULES, EngineRule
from checker.errors import FatalError
from checker.finding import SEVERITY_RANK, field_path
from checker.plugins import registry
from checker.policy_packs import configured_pack, display, pack_files
from checker.policy_packs import named_packs as named_packs  # re-exported: the check command names packs
from checker.prepared import Prepared
from checker.vocabulary import Kind, Severity, Stage, Tier
from checker.yamlload import load_file

# The rule's fields as checker.governance_models states and validates them; a run uses these plain
# copies, which need no pydantic (tests/test_schema_source.py proves that they agree).


@dataclass(frozen=True)
class AppliesTo:
    kind: Kind | list[Kind] = "AISystem"
    stage: list[Stage] | None = None
    tier: list[Tier] | None = None
    when: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class RuleExample:
    fail: str
    fix: str


@dataclass(frozen=True)
class RuleSpec:
    """One rule as its policy file states it, after validation (see checker.governance_models)."""

    id: str
    name: str
    title: str
    severity: Severity
    message: str
    why: str
    remediation: str
    controls: list[str]
    severityByTier: dict[Tier, Severity] | None = None
    appliesTo: AppliesTo = field(default_factory=AppliesTo)
    assert_: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    waivable: bool = True
    needsBase: bool = False
    engine: str | None = None
    needsPullRequest: bool = False
    example: RuleExample | None = None
    # The rule as plain JSON-ready data, what the policy digest is computed over (not in the schema).
    plain: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, metadata={"schema": False})

    @classmethod
    def from_plain(cls, full: dict[str, Any], plain: dict[str, Any]) -> RuleSpec:
        values = {k: v for k, v in full.items() if k not in ("assert", "appliesTo", "example")}
        example = full.get("example")
        return cls(
            **values,
            assert_=full.get("assert") or [],
            appliesTo=AppliesTo(**full["appliesTo"]),
            example=RuleExample(**example) if example else None,
            plain=plain,
        )


@dataclass(frozen=True)
class ParsedPolicy:
    """One Policy document of a file: its name, its rules, and where to locate their keys."""

    name: str
    rules: list[RuleSpec]
    index: int


@dataclass
class Rule:
    """A rule with the configuration applied and its conditions compiled."""

    model: RuleSpec
    source: str
    policy: str
    severity: Severity
    enabled: bool
    params: dict[str, Any]
    enforce_after: dt.date | None
    applies_when: tuple[Condition, ...]
    conditions: tuple[Condition, ...]

    @property
    def id(self) -> str:
        return self.model.id

    def severity_for(self, tier: str | None, today: dt.date, overridden: bool) -> str:
        """The severity of a finding for a system of this tier, on this day."""
        severity: str = self.severity
        by_tier = self.model.severityByTier
        if not overridden and by_tier and tier in by_tier:
            severity = by_tier[tier]  # type: ignore[index]
        if self.enforce_after and today < self.enforce_after and SEVERITY_RANK[severity] > 1:
            severity = "warning"
        return severity

    def covers(self, kind: str) -> bool:
        """Whether documents of kind are within the rule's scope."""
        scope = self.model.appliesTo.kind
        return kind in scope if isinstance(scope, list) else kind == scope

    def applies(self, env: Env, kind: str, stage: Any, tier: Any) -> bool:
        scope = self.model.appliesTo
        if not self.covers(kind):
            return False
        if scope.stage is not None and stage not in scope.stage:
            return False
        if scope.tier is not None and tier not in scope.tier:
            return False
        return holds(self.applies_when, env, env.doc.data, ())

    def public(self) -> dict[str, Any]:
        """The effective rule as plain data: what the policy digest is computed over."""
        data = dict(self.model.plain)
        # Which built-in behaviour a rule takes names Charter's code, not a setting of the rule.
        data.pop("engine", None)
        data.update(severity=self.severity, enabled=self.enabled, params=self.params)
        if self.enforce_after:
            data["enforceAfter"] = self.enforce_after.isoformat()
        return data


@dataclass
class PolicySet:
    rules: dict[str, Rule]
    overridden: frozenset[str]
    files: list[str]

    def enabled(self) -> Iterator[Rule]:
        return (r for r in self.rules.values() if r.enabled)

    def engine_rule(self, role: str) -> Rule | None:
        """The rule that takes an engine role (see checker.engine_rules), if the set has one."""
        return next((r for r in self.rules.values() if r.model.engine == role), None)

    def digest(self) -> str:
        payload = json.dumps([r.public() for r in self.rules.values()], sort_keys=True, default=str)
        return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()


def _validate_policy(path: str) -> list[ParsedPolicy]:
    """The Policy documents of path, validated, or a FatalError at the first mistake."""
    from pydantic import ValidationError

    from checker.governance_models import PolicyModel
    from checker.validate import model_at

    loaded = load_file(path)
    if loaded.problems:
        problem = loaded.problems[0]
        raise FatalError(problem.message, path, problem.line)
    parsed: list[ParsedPolicy] = []
    for doc in loaded.documents:
        if not isinstance(doc.data, dict) or doc.data.get("kind") != "Policy":
            continue
        if doc.problems:
            # A duplicate key, merge key or foreign tag would change a rule unseen.
            raise FatalError(doc.problems[0].message, path, doc.problems[0].line)
        try:
            policy = PolicyModel.model_validate(doc.data)
        except ValidationError as exc:
            # A misspelt key also shows up as a missing one; the misspelling is the useful report.
            err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
            loc: FieldPath = tuple(err["loc"])
            line = doc.locate(loc)[0]
            if err["type"] == "extra_forbidden":
                parent = model_at(PolicyModel, loc[:-1])
                known = [f.alias or n for n, f in parent.model_fields.items()] if parent else []
                close = difflib.get_close_matches(str(loc[-1]), known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise FatalError(f"unknown key {field_path(loc)!r}{hint}", path, line) from None
            raise FatalError(f"{field_path(loc)}: {err['msg']}", path, line) from None
        seen: set[str] = set()
        for i, rule in enumerate(policy.rules):
            if rule.id in seen:
                line = doc.locate(("rules", i, "id"))[0]
                raise FatalError(f"rule id {rule.id} is defined twice", display(path), line)
            seen.add(rule.id)
        rules = [
            (
                rule.model_dump(by_alias=True),
                rule.model_dump(mode="json", by_alias=True, exclude_none=True),
            )
            for rule in policy.rules
        ]
        parsed.append(ParsedPolicy(policy.metadata.name, [RuleSpec.from_plain(*r) for r in rules], doc.index))
    return parsed


def _parse_policy(path: str, store: Prepared | None) -> list[ParsedPolicy]:
    """The Policy documents of path: from the store when the file is unchanged since validation."""
    if store is not None:
        cached = store.get("policy", path, list[ParsedPolicy])
        if cached is not None:
            return cached  # type: ignore[no-any-return]
    parsed = _validate_policy(path)
    if store is not None:
        store.put("policy", path, parsed)
    return parsed


def _located(path: str, index: int) -> Document:
    """A document of path whose positions are read only if a compile error needs one."""
    doc = Document(None, index, 1, 1)
    doc.shed(path)
    return doc


@dataclass(frozen=True)
class _Stated:
    """A rule as its pack states it, and where: the file, its Policy document and the rule's index."""

    spec: RuleSpec
    doc: Document
    path: str
    policy: str
    index: int


def load_policies(config: Config, extra: list[str] | None = None, store: Prepared | None = None) -> PolicySet:
    """Load every configured pack; later packs override rules of earlier ones by id."""
    stated, files = _read_packs(config, extra or [], store)
    _check_override_ids(config, stated)
    rules = {rule_id: _compile_rule(config, stated[rule_id]) for rule_id in sorted(stated)}
    overridden = frozenset(k for k, o in config.model.rules.items() if o.severity)
    policies = PolicySet(rules, overridden, files)
    _check_roles(policies)
    return policies


def _read_packs(
    config: Config, extra: list[str], store: Prepared | None
) -> tuple[dict[str, _Stated], list[str]]:
    """Every rule of the packs by id, a later pack's rule replacing an earlier one's; and the files read."""
    # extra: absolute paths, as named_packs gives them, read after the configuration's packs.
    entries = list(config.model.policies) + list(extra)
    stated: dict[str, _Stated] = {}
    files: list[str] = []
    for index, entry in enumerate(entries):
        configured = index < len(config.model.policies)
        for path in configured_pack(config, index) if configured else pack_files(entry, entry):
            files.append(path)
            for policy in _parse_policy(path, store):
                doc = _located(path, policy.index)
                for i, rule in enumerate(policy.rules):
                    stated[rule.id] = _Stated(rule, doc, path, policy.name, i)
    return stated, files


def _check_override_ids(config: Config, stated: dict[str, _Stated]) -> None:
    """Every rule the configuration overrides is a rule of the packs."""
    for rule_id in config.model.rules:
        if rule_id not in stated:
            close = difflib.get_close_matches(rule_id, list(stated), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise FatalError(
                f"unknown rule id {rule_id!r}{hint}", config.file, config.line_of("rules", rule_id)
            )


def _compile_rule(config: Config, stated: _Stated) -> Rule:
    """One rule with the configuration's override applied and its conditions compiled."""
    model, doc, path, rule_id = stated.spec, stated.doc, stated.path, stated.spec.id
    override = config.model.rules.get(rule_id)
    params = _rule_params(config, model, override)
    enabled = True if override is None or override.enabled is None else override.enabled
    base: FieldPath = ("rules", stated.index)
    role = _engine_role(model, doc, path, base)
    if not enabled and role is not None and role.always:
        raise FatalError(f"{rule_id} cannot be disabled", config.file, config.line_of("rules", rule_id))
    compiler = Compiler(display(path), doc, params, registry())
    if not model.assert_ and (role is None or role.conditions):
        raise FatalError(f"rule {rule_id} has no assert", display(path), doc.locate_key(base)[0])
    compiler.template(model.message, (*base, "message"))
    return Rule(
        model=model,
        source=path,
        policy=stated.policy,
        severity=(override.severity if override and override.severity else model.severity),
        enabled=enabled,
        params=params,
        enforce_after=override.enforceAfter if override else None,
        applies_when=compiler.many(model.appliesTo.when, (*base, "appliesTo", "when")),
        conditions=compiler.many(model.assert_, (*base, "assert")),
    )


def _rule_params(config: Config, model: RuleSpec, override: RuleOverride | None) -> dict[str, Any]:
    """The rule's parameters with the configuration's values, a mapping merged into the default one."""
    params = dict(model.params)
    if override is None or not override.params:
        return params
    for key, value in override.params.items():
        if key not in params:
            known = ", ".join(sorted(params)) or "none"
            raise FatalError(
                f"rule {model.id} has no parameter {key!r} (its parameters: {known})",
                config.file,
                config.line_of("rules", model.id, "params", key),
            )
        if isinstance(params[key], dict) and isinstance(value, dict):
            value = {**params[key], **value}
        params[key] = value
    return params


def _engine_role(model: RuleSpec, doc: Document, path: str, base: FieldPath) -> EngineRule | None:
    """The engine role the rule takes, if any; a FatalError at its line when no such role exists."""
    if model.engine is None:
        return None
    role = ENGINE_RULES.get(model.engine)
    if role is None:
        known = ", ".join(ENGINE_RULES)
        line = doc.locate_key((*base, "engine"))[0]
        raise FatalError(
            f"rule {model.id} has no engine role {model.engine!r} (roles: {known})", display(path), line
        )
    return role


def _check_roles(policies: PolicySet) -> None:
    """Each engine role is taken by one rule at most, and the required ones by exactly one."""
    taken: dict[str, str] = {}
    for rule in policies.rules.values():
        role = rule.model.engine
        if role is not None and role in taken:
            raise FatalError(
                f"rules {taken[role]} and {rule.id} both take the engine role {role!r}", rule.source
            )
        if role is not None:
            taken[role] = rule.id
    for engine in ENGINE_RULES.values():
        if engine.required and engine.role not in taken:
            raise FatalError(f"the policy set has no rule {engine.default}: include the default pack")
