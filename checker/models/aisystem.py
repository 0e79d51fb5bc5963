"""The model of an AISystem document: what a system is for, who answers for it, how it is run."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt

from checker.models.base import (
    Cadence,
    Count,
    Date,
    Digest,
    Flag,
    Name,
    Number,
    Person,
    PersonOrTeam,
    Ref,
    Strict,
    Team,
    Text,
    Url,
)
from checker.models.component import Component
from checker.vocabulary import Stage, Tier

EuAiActClass = Literal["prohibited", "high", "limited", "minimal", "out-of-scope"]
EuAiActRole = Literal["provider", "deployer", "importer", "distributor"]
RaciActivity = Literal["retrain", "approve-release", "monitor", "incident", "data-stewardship", "oversight"]
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
DisclosureChannel = Literal["ui", "api", "email"]
IncidentSeverity = Literal["minor", "major", "critical"]
PauseAction = Literal["pause", "rollback", "review", "escalate", "retire"]


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
