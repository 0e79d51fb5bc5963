"""One schema source: the plain copies a run uses agree with the pydantic models, field by field.

Policies and the configuration are validated by the models of checker.governance_models; a run
works with dataclass copies of them (checker.policy, checker.config), which need no pydantic. Each
pair has the same fields, the same types (a model standing for its copy, a tuple in a frozen copy
for a list) and the same defaults; each closed set of words is defined once, in checker.vocabulary.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import types
import typing
from typing import Annotated, Any

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

import checker
from checker import config, governance_models, policy, vocabulary

PAIRS: list[tuple[type[BaseModel], type]] = [
    (governance_models.AppliesTo, policy.AppliesTo),
    (governance_models.RuleExample, policy.RuleExample),
    (governance_models.RuleModel, policy.RuleSpec),
    (governance_models.RuleOverride, config.RuleOverride),
    (governance_models.GovernanceModel, config.Governance),
    (governance_models.ApprovalsModel, config.Approvals),
    (governance_models.InventoryExclude, config.Exclusion),
    (governance_models.InventoryModel, config.InventorySettings),
    (governance_models.ConfigModel, config.Settings),
]
COPY_OF = dict(PAIRS)
MISSING = object()


def _normal(hint: Any) -> Any:
    """hint with the constraints that only validation applies left out and each model as its copy."""
    if hint in COPY_OF:
        return COPY_OF[hint]
    origin = typing.get_origin(hint)
    if origin is Annotated:
        return _normal(typing.get_args(hint)[0])
    if origin is None or origin is typing.Literal:
        return hint
    args = tuple(_normal(a) for a in typing.get_args(hint) if a is not Ellipsis)
    if origin is tuple:
        return list[args[0]]  # type: ignore[valid-type]
    if origin in (typing.Union, types.UnionType):
        return typing.Union[args]  # noqa: UP007 - built from a tuple
    return origin[args]


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: v for k, v in dataclasses.asdict(value).items() if k != "plain"}
    return value


def _model_fields(model: type[BaseModel]) -> dict[str, tuple[Any, Any]]:
    """Each field's type and default (MISSING when required) as the model declares them."""
    fields = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            default = info.default_factory()  # type: ignore[call-arg]
        else:
            default = MISSING if info.default is PydanticUndefined else info.default
        fields[name] = (_normal(info.annotation), _plain(default))
    return fields


def _copy_fields(copy: type) -> dict[str, tuple[Any, Any]]:
    hints = typing.get_type_hints(copy)
    fields = {}
    for f in dataclasses.fields(copy):
        if f.metadata.get("schema", True) is False:
            continue
        if f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = MISSING if f.default is dataclasses.MISSING else f.default
        fields[f.name] = (_normal(hints[f.name]), _plain(default))
    return fields


@pytest.mark.parametrize(("model", "copy"), PAIRS, ids=[c.__name__ for _, c in PAIRS])
def test_each_plain_copy_has_the_fields_types_and_defaults_of_its_model(
    model: type[BaseModel], copy: type
) -> None:
    assert _copy_fields(copy) == _model_fields(model)


def test_a_field_added_to_a_model_alone_is_noticed() -> None:
    class Wider(governance_models.RuleOverride):
        reason: str | None = None

    assert _model_fields(Wider) != _copy_fields(config.RuleOverride)
    assert set(_model_fields(Wider)) - set(_copy_fields(config.RuleOverride)) == {"reason"}


def test_a_changed_type_or_default_is_noticed() -> None:
    @dataclasses.dataclass(frozen=True)
    class Narrower:
        severity: str | None = None
        enabled: bool | None = True
        params: dict[str, Any] | None = None
        enforceAfter: Any = None

    theirs, ours = _model_fields(governance_models.RuleOverride), _copy_fields(Narrower)
    assert {k for k in theirs if theirs[k] != ours[k]} == {"severity", "enabled", "enforceAfter"}


def test_a_validated_rule_becomes_its_copy_with_every_field() -> None:
    raw = {
        "id": "LOC001",
        "name": "local-rule",
        "title": "A local rule",
        "severity": "error",
        "severityByTier": {"low": "info"},
        "appliesTo": {"kind": ["AISystem", "Evidence"], "stage": ["production"], "tier": ["high"]},
        "assert": [{"field": "spec", "present": True}],
        "params": {"maxDays": 3},
        "message": "{system} is late",
        "why": "Because.",
        "remediation": "Fix it.",
        "controls": ["LOCAL 1"],
        "waivable": False,
        "needsBase": True,
        "example": {"fail": "a", "fix": "b"},
    }
    model = governance_models.RuleModel.model_validate(raw)

    spec = policy.RuleSpec.from_plain(model.model_dump(by_alias=True), {})

    assert _plain(spec) == model.model_dump()
    assert spec.assert_ == raw["assert"] and spec.appliesTo.kind == ["AISystem", "Evidence"]


VOCABULARY = {name: getattr(vocabulary, name) for name in ("Severity", "FailOn", "Stage", "Tier", "Kind")}


def _checker_modules() -> list[Any]:
    names = [m.name for m in pkgutil.walk_packages(checker.__path__, "checker.")]
    return [importlib.import_module(n) for n in names if not n.endswith("__main__")]


def test_each_closed_set_of_words_is_defined_once() -> None:
    for module in _checker_modules():
        for name, words in VOCABULARY.items():
            found = getattr(module, name, words)
            assert found is words, f"{module.__name__}.{name} is defined again instead of imported"
