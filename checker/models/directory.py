"""The model of a Directory document: the people and teams that manifests name."""

from __future__ import annotations

from typing import Literal

from checker.models.base import Email, Handle, Person, Strict, Team, Text
from checker.models.evidence import EvidenceMetadata


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
