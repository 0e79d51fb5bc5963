"""The model of an Evidence document: proof that one maintenance activity was performed."""

from __future__ import annotations

from typing import Literal

from checker.models.base import Date, Name, Person, PersonOrTeam, Ref, Strict, Text

Outcome = Literal["pass", "findings", "fail"]
FindingStatus = Literal["open", "in-progress", "closed", "accepted"]


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
