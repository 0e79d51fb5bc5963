"""Pydantic models of the AISystem, Evidence and Directory documents.

They say only what a well-formed document is: types, enums, patterns and no
unknown keys. What must be present for a given tier and stage is left to the
policies, so nearly every field is optional. Attribute names are the YAML keys,
so the ``loc`` of a validation error is the field's path in the document.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from checker.vocabulary import Stage, Tier

_GITHUB_USER = r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?"
_GITHUB_TEAM = _GITHUB_USER + r"/[A-Za-z0-9][A-Za-z0-9_-]*"
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_only(value: object) -> object:
    """Let through only dates and ``YYYY-MM-DD`` strings."""
    # Lax pydantic would also read numbers, timestamps and "1728000000" as dates.
    if isinstance(value, dt.datetime):
        raise PydanticCustomError("date_type", "Input should be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:  # 2026-13-45, 2026-02-30
            why = {"why": str(exc)}
            raise PydanticCustomError("date_type", "Input should be a real date: {why}", why) from None
    if isinstance(value, dt.date):
        return value
    raise PydanticCustomError("date_type", "Input should be an ISO-8601 date (YYYY-MM-DD)")


Name = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"),
    Field(description="Lower-case letters, digits and hyphens, at most 63 characters."),
]
Person = Annotated[
    str,
    StringConstraints(pattern=rf"^(?:{_GITHUB_USER}|{_EMAIL})$"),
    Field(description="A GitHub handle (@user) or an e-mail address."),
]
Handle = Annotated[
    str,
    StringConstraints(pattern=rf"^{_GITHUB_USER}$"),
    Field(description="A GitHub handle (@user)."),
]
Email = Annotated[
    str,
    StringConstraints(pattern=rf"^{_EMAIL}$"),
    Field(description="An e-mail address."),
]
Team = Annotated[
    str,
    StringConstraints(pattern=rf"^{_GITHUB_TEAM}$"),
    Field(description="A GitHub team (@org/team)."),
]
PersonOrTeam = Annotated[
    str,
    StringConstraints(pattern=rf"^(?:{_GITHUB_USER}|{_GITHUB_TEAM}|{_EMAIL})$"),
    Field(description="A GitHub handle (@user), a team (@org/team) or an e-mail address."),
]
# The description also keeps Ref distinct from Text for code that looks for refs by type.
Ref = Annotated[
    str,
    StringConstraints(min_length=1),
    Field(description="A path relative to the repository root, or an https:// URL."),
]
# Control characters are spelt out: the regex engines of pydantic and of JSON Schema validators
# disagree on whether \x1c-\x1f are white space, and no address holds them anyway.
Url = Annotated[
    str,
    StringConstraints(pattern=r"^https?://[^\s\x00-\x1f\x7f-\x9f]+$"),
    Field(description="An http(s) address."),
]
Digest = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+:[0-9a-fA-F]+$"),
    Field(description="A content digest such as sha256:<hex>."),
]
Commit = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-fA-F]{40}$"),
    Field(description="A full 40-character git commit id."),
]
Text = Annotated[str, StringConstraints(min_length=1)]
Date = Annotated[
    dt.date, BeforeValidator(_iso_date_only), Field(description="An ISO-8601 date (YYYY-MM-DD).")
]
# Numbers and booleans are strict so that "15" or "true" in quotes is an error,
# as the published JSON Schema says; floats still accept YAML integers.
Flag = StrictBool
Count = Annotated[StrictInt, Field(ge=0)]
# .inf and .nan are floats to YAML; as a threshold or a baseline they compare with nothing. The
# bounds say so in the JSON Schema, which also refuses there a whole number beyond a double's range.
Number = Annotated[StrictFloat, Field(allow_inf_nan=False, ge=-sys.float_info.max, le=sys.float_info.max)]

EuAiActClass = Literal["prohibited", "high", "limited", "minimal", "out-of-scope"]
EuAiActRole = Literal["provider", "deployer", "importer", "distributor"]
RaciActivity = Literal["retrain", "approve-release", "monitor", "incident", "data-stewardship", "oversight"]
ComponentKind = Literal[
    "model", "service", "rules", "prompt", "human-step", "llm", "retrieval", "tool", "agent"
]
Layer = Literal["ingestion", "feature", "inference", "decision", "postprocess"]
Classification = Literal["public", "internal", "confidential", "restricted"]
RollbackStrategy = Literal[
    "previous-version", "alias-repoint", "flag-off", "fallback-rules", "canary-abort", "manual"
]
ChangeClass = Literal["patch", "minor", "retrain", "major", "substantial"]
ChangeArea = Literal["model", "data", "risk", "oversight", "monitoring", "ownership", "any"]
OversightMode = Literal["in-the-loop", "on-the-loop", "in-command", "none"]
SignalKind = Literal[
    "performance",
    "data-drift",
    "prediction-drift",
    "fairness",
    "override-rate",
    "confidence-shift",
    "edge-cases",
    "latency",
    "other",
]
SignalAction = Literal["ticket", "page", "pause", "rollback", "none"]
Cadence = Literal["daily", "weekly", "monthly", "quarterly"]
ToolType = Literal["function", "api", "mcp"]
ToolPermission = Literal["read", "write", "delete", "execute", "payments", "send-external", "personal-data"]
ToolApproval = Literal["required", "none"]
DisclosureChannel = Literal["ui", "api", "email"]
IncidentSeverity = Literal["minor", "major", "critical"]
PauseAction = Literal["pause", "rollback", "review", "escalate", "retire"]
Outcome = Literal["pass", "findings", "fail"]
FindingStatus = Literal["open", "in-progress", "closed", "accepted"]


class Strict(BaseModel):
    """Base of every document model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class Metadata(Strict):
    """AISystem metadata."""

    name: Name
    title: Text
    description: Text | None = None
    labels: dict[str, str] | None = None


class Purpose(Strict):
    """What the system is for and whom it affects."""

    intendedUse: Text
    outOfScope: list[Text] | None = None
    affectedPersons: list[Text] | None = None
    interactsWithPeople: Flag | None = None
    generatesContent: Flag | None = None


class Lifecycle(Strict):
    """Where the system stands in its life."""

    stage: Stage
    since: Date | None = None
    decisionRecord: Ref | None = None


class RaciEntry(Strict):
    """Who is responsible and accountable for one activity."""

    activity: RaciActivity
    responsible: list[PersonOrTeam] | None = None
    accountable: Person | None = None
    consulted: list[PersonOrTeam] | None = None
    informed: list[PersonOrTeam] | None = None


class Ownership(Strict):
    """The people and team who answer for the system."""

    team: Team | None = None
    accountable: Person | None = None
    technicalOwner: Person | None = None
    businessOwner: Person | None = None
    onCall: Url | None = None
    raci: list[RaciEntry] | None = None


class EuAiAct(Strict):
    """Classification under the EU AI Act."""

    class_: EuAiActClass | None = Field(default=None, alias="class")
    role: EuAiActRole | None = None


class ImpactAssessment(Strict):
    """Where the impact assessment lives and when it lapses."""

    ref: Ref | None = None
    expires: Date | None = None


class Decisions(Strict):
    """The nature of the decisions the system makes."""

    affectsIndividuals: Flag | None = None
    automated: Flag | None = None
    reversible: Flag | None = None


class Risk(Strict):
    """Risk classification."""

    tier: Tier
    rationale: Text | None = None
    classifiedBy: Person | None = None
    classifiedAt: Date | None = None
    euAiAct: EuAiAct | None = None
    impactAssessment: ImpactAssessment | None = None
    decisions: Decisions | None = None


class Artifact(Strict):
    """Where a component's build lives, pinned by digest."""

    uri: Text | None = None
    digest: Digest | None = None


class Interface(Strict):
    """The contract a component serves."""

    protocol: Text | None = None
    # "schema" would shadow a BaseModel method, so it is aliased like "class".
    schema_: Ref | None = Field(default=None, alias="schema")
    version: Text | None = None


class Dataset(Strict):
    """One versioned dataset used in training."""

    name: Text
    version: Text | None = None


class Training(Strict):
    """What is needed to reproduce a model."""

    pipeline: Ref | None = None
    commit: Commit | None = None
    config: Ref | None = None
    datasets: list[Dataset] | None = None
    seed: Count | None = None
    environment: Ref | None = None


class Evaluation(Strict):
    """The evaluation of a component version."""

    report: Ref | None = None
    date: Date | None = None


class Provider(Strict):
    """The vendor that hosts a model, and the exact model and snapshot the system calls."""

    name: Text
    model: Text
    snapshot: Text | None = None
    region: Text | None = None
    dataRetention: Text | None = None
    terms: Url | None = None


class ToolServer(Strict):
    """Where a tool runs: a package at a version, a command that starts it, or an address."""

    package: Text | None = None
    version: Text | None = None
    command: Text | None = None
    url: Url | None = None


class Tool(Strict):
    """Something the system can invoke, and what invoking it may do."""

    type: ToolType
    server: ToolServer | None = None
    permissions: list[ToolPermission] | None = None
    approval: ToolApproval | None = None


class Component(Strict):
    """A model or service, versioned and with an interface."""

    name: Name
    kind: ComponentKind
    layer: Layer | None = None
    version: Text | None = None
    artifact: Artifact | None = None
    supplier: Text | None = None
    interface: Interface | None = None
    training: Training | None = None
    evaluation: Evaluation | None = None
    provider: Provider | None = None
    source: Annotated[
        list[Ref] | None,
        Field(description="Repository files (paths or globs) whose content is the component."),
    ] = None
    tool: Tool | None = None
    tools: Annotated[
        list[Name] | None, Field(description="For an agent: the tool components it may call.")
    ] = None
    sources: Annotated[
        list[Text] | None, Field(description="For a retrieval index: the spec.data entries it holds.")
    ] = None
    refresh: Cadence | None = None


class Logging(Strict):
    """What is logged and for how long."""

    inputs: Flag | None = None
    outputs: Flag | None = None
    fields: list[Text] | None = None
    retentionDays: Count | None = None


class DataSource(Strict):
    """A data source and its governance."""

    name: Text
    owner: PersonOrTeam | None = None
    classification: Classification | None = None
    personalData: Flag | None = None
    legalBasis: Text | None = None
    validation: Ref | None = None
    access: list[PersonOrTeam] | None = None
    assumptions: list[Text] | None = None
    knownBias: list[Text] | None = None


class RollbackTarget(Strict):
    """The last known good version."""

    version: Text | None = None
    digest: Digest | None = None


class Rollback(Strict):
    """How to return to the last known good version."""

    strategy: RollbackStrategy | None = None
    target: RollbackTarget | None = None
    runbook: Ref | None = None
    owner: PersonOrTeam | None = None
    rtoMinutes: Count | None = None
    lastDrill: Date | None = None


class Approval(Strict):
    """One sign-off on a release."""

    by: Person
    role: Text | None = None
    date: Date | None = None


class Release(Strict):
    """One entry of the append-only change log."""

    version: Text
    date: Date | None = None
    changeClass: ChangeClass | None = None
    approvals: list[Approval] | None = None


class ReviewGate(Strict):
    """Who must approve which kind of change."""

    changes: list[ChangeArea] | None = None
    approvers: list[PersonOrTeam] | None = None
    minApprovals: Annotated[StrictInt, Field(ge=1)] | None = None


class Oversight(Strict):
    """Human oversight of the system's decisions."""

    mode: OversightMode | None = None
    appliesWhen: Text | None = None
    reviewers: list[PersonOrTeam] | None = None
    overrideLogging: Flag | None = None
    stopMechanism: Text | None = None
    appealChannel: Url | None = None


class Signal(Strict):
    """One monitored signal with its thresholds."""

    name: Text
    kind: SignalKind
    metric: Text | None = None
    baseline: Number | None = None
    warn: Number | None = None
    critical: Number | None = None
    owner: PersonOrTeam | None = None
    action: SignalAction | None = None


class Monitoring(Strict):
    """Where the system is watched and what is watched."""

    dashboard: Url | None = None
    signals: list[Signal] | None = None


class MaintenanceActivity(Strict):
    """A recurring activity proved by evidence files."""

    activity: Text
    cadence: Cadence
    owner: PersonOrTeam | None = None
    automated: Ref | None = None


class Incident(Strict):
    """One recorded incident."""

    id: Text
    detectedAt: Date | None = None
    severity: IncidentSeverity | None = None
    serious: Flag | None = None
    postmortem: Ref | None = None


class Incidents(Strict):
    """Incident handling and history."""

    runbook: Ref | None = None
    log: list[Incident] | None = None


class Objective(Strict):
    """A KPI the system is meant to move."""

    kpi: Text | None = None
    target: Text | None = None


class PausePoint(Strict):
    """A condition under which the system is stopped or reconsidered."""

    trigger: Text | None = None
    action: PauseAction | None = None
    owner: PersonOrTeam | None = None


class Roadmap(Strict):
    """Objectives, pause points and the next reassessment."""

    objectives: list[Objective] | None = None
    pausePoints: list[PausePoint] | None = None
    nextReassessment: Date | None = None


class Waiver(Strict):
    """A time-boxed exception to one rule."""

    rule: str | None = None
    reason: Text | None = None
    approvedBy: Person | None = None
    expires: Date | None = None
    ticket: Text | None = None


class Transparency(Strict):
    """How people are told they deal with an AI system or its content."""

    disclosure: Text | None = None
    where: list[DisclosureChannel] | None = None


class AISystemSpec(Strict):
    """The body of an AISystem document."""

    purpose: Purpose
    lifecycle: Lifecycle
    code: Annotated[
        list[Text] | None,
        Field(description="Globs of the repository paths that hold the system's code."),
    ] = None
    ownership: Ownership | None = None
    risk: Risk
    components: list[Component] | None = None
    logging: Logging | None = None
    data: list[DataSource] | None = None
    rollback: Rollback | None = None
    releases: list[Release] | None = None
    reviewGates: list[ReviewGate] | None = None
    oversight: Oversight | None = None
    monitoring: Monitoring | None = None
    maintenance: list[MaintenanceActivity] | None = None
    incidents: Incidents | None = None
    roadmap: Roadmap | None = None
    waivers: list[Waiver] | None = None
    transparency: Transparency | None = None


class AISystem(Strict):
    """An AI system declared in the repository."""

    apiVersion: Literal["charter/v1"]
    kind: Literal["AISystem"]
    metadata: Metadata
    spec: AISystemSpec


class EvidenceMetadata(Strict):
    """Evidence metadata."""

    name: Name
    labels: dict[str, str] | None = None
    description: Text | None = None


class EvidenceFinding(Strict):
    """Something a maintenance activity found that needs follow-up."""

    id: Text
    description: Text | None = None
    owner: PersonOrTeam | None = None
    due: Date | None = None
    status: FindingStatus | None = None


class EvidenceSpec(Strict):
    """The body of an Evidence document."""

    system: Name
    activity: Text
    performedAt: Date
    performedBy: Person | None = None
    outcome: Outcome | None = None
    summary: Text | None = None
    findings: list[EvidenceFinding] | None = None
    artifacts: list[Ref] | None = None


class Evidence(Strict):
    """Proof that one maintenance activity of a system was performed."""

    apiVersion: Literal["charter/v1"]
    kind: Literal["Evidence"]
    metadata: EvidenceMetadata
    spec: EvidenceSpec


class DirectoryPerson(Strict):
    """One person: the handle they are known by and the e-mail addresses that name them too."""

    handle: Handle
    name: Text | None = None
    emails: list[Email] | None = None


class DirectoryTeam(Strict):
    """One team and the people who belong to it."""

    handle: Team
    members: list[Person] | None = None


class DirectorySpec(Strict):
    """The body of a Directory document."""

    people: list[DirectoryPerson] | None = None
    teams: list[DirectoryTeam] | None = None


class Directory(Strict):
    """Who the people and teams named in manifests, evidence and waivers are."""

    apiVersion: Literal["charter/v1"]
    kind: Literal["Directory"]
    metadata: EvidenceMetadata
    spec: DirectorySpec


DOCUMENT_MODELS: dict[str, type[BaseModel]] = {
    "AISystem": AISystem,
    "Evidence": Evidence,
    "Directory": Directory,
}
