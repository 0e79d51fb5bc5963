"""The schema of the files governance owners write: policy packs and the configuration.

Only validation needs these pydantic models. What a run uses afterwards is plain data: the
dataclass copies of these models in checker.policy and checker.config, with the same fields, types
and defaults (tests/test_schema_source.py compares them field by field), so a run whose policy and
configuration files are unchanged since they were last validated never imports pydantic.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from checker.vocabulary import FailOn, Kind, Severity, Stage, Tier

RULE_ID = r"^[A-Z]{3}[0-9]{3}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AppliesTo(_Strict):
    kind: Kind | list[Kind] = "AISystem"
    stage: list[Stage] | None = None
    tier: list[Tier] | None = None
    when: list[dict[str, Any]] | None = None


class RuleExample(_Strict):
    fail: str
    fix: str


class RuleModel(_Strict):
    """One rule as a governance owner writes it."""

    id: str = Field(pattern=RULE_ID)
    name: str = Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
    title: str
    severity: Severity
    severityByTier: dict[Tier, Severity] | None = None
    appliesTo: AppliesTo = Field(default_factory=AppliesTo)
    assert_: list[dict[str, Any]] = Field(default_factory=list, alias="assert")
    params: dict[str, Any] = Field(default_factory=dict)
    message: str
    why: str
    remediation: str
    controls: list[str] = Field(min_length=1)
    waivable: bool = True
    needsBase: bool = False
    # The role of a rule Charter reports by itself (see checker.engine_rules).
    engine: str | None = None
    # Checked only in a pull request's run, against its reviews on GitHub (checker.pullrequest).
    needsPullRequest: bool = False
    example: RuleExample | None = None


class PolicyMetadata(_Strict):
    name: str
    description: str | None = None


class PolicyModel(_Strict):
    apiVersion: Literal["charter/v1"]
    kind: Literal["Policy"]
    metadata: PolicyMetadata
    rules: list[RuleModel]


class RuleOverride(BaseModel):
    """What the configuration may change about one rule."""

    model_config = ConfigDict(extra="forbid")

    severity: Severity | None = None
    enabled: bool | None = None
    params: dict[str, Any] | None = None
    enforceAfter: dt.date | None = None


# The people and team patterns of the document models (checker.models), kept in one line here so
# that loading the configuration does not import the document models.
_PERSON_OR_TEAM = (
    r"^(?:@[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?(?:/[A-Za-z0-9][A-Za-z0-9_-]*)?"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$"
)


class GovernanceModel(BaseModel):
    """Who reviews changes to the policies, the configuration and the people directory."""

    model_config = ConfigDict(extra="forbid")

    approvers: list[Annotated[str, Field(pattern=_PERSON_OR_TEAM)]] = Field(min_length=1)
    minApprovals: int = Field(default=1, ge=1, strict=True)


class ApprovalsModel(BaseModel):
    """Which of a pull request's approvals count."""

    model_config = ConfigDict(extra="forbid")

    # dismiss: only approvals of the head commit count; keep: approvals of earlier commits count too.
    staleAfterPush: Literal["dismiss", "keep"] = "dismiss"


class InventoryExclude(BaseModel):
    """A path the inventory leaves out, and why."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class InventoryModel(BaseModel):
    """The inventory's configuration: detectors added or amended by id, and paths left out."""

    model_config = ConfigDict(extra="forbid")

    # Checked by checker.inventory.detectors, which knows the pack's detectors they amend.
    detectors: list[dict[str, Any]] | None = None
    exclude: list[InventoryExclude] | None = None


class ConfigModel(BaseModel):
    """The keys a configuration file may hold."""

    model_config = ConfigDict(extra="forbid")

    manifests: list[str] | None = None
    evidence: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)
    policies: list[str] = Field(default_factory=lambda: ["default"])
    failOn: FailOn = "error"
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    allowEmpty: bool = False
    governance: GovernanceModel | None = None
    approvals: ApprovalsModel = Field(default_factory=ApprovalsModel)
    inventory: InventoryModel | None = None
