"""The rules Charter reports by itself rather than through a rule's conditions: one registry.

A rule of the pack takes one of these roles with `engine: ROLE`; Python code finds the rule by its
role (PolicySet.engine_rule), never by its id, so a pack may number its rules as it likes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.context_fields import PEOPLE, Declared
from checker.departures import DEPARTURE_READS
from checker.inventory.coverage import CLAIM_READS
from checker.waiver_checks import DEFAULT_REQUESTERS, waiver_reads

# What the evidence freshness the report shows reads of each reported system's evidence.
FRESHNESS_READS = {"Evidence": ("spec.activity", "spec.performedAt")}


@dataclass(frozen=True)
class EngineRule:
    """What the engine does for a rule of this role.

    conditions: the rule also has assert conditions, checked like any other rule's.
    required: a policy set without a rule of this role is refused.
    always: the rule cannot be disabled.
    reads: what the engine reads for the rule of documents other than the one a finding is about,
    given the rule's parameters (see checker.context_fields); pack_params: the parameters the
    default pack gives the rule, for what the cache keeps of context documents.
    """

    role: str
    # The id of the default pack's rule of this role, for messages about a pack that lacks it.
    default: str
    what: str
    conditions: bool = False
    required: bool = False
    always: bool = False
    reads: Declared = field(default_factory=dict)
    pack_params: Mapping[str, Any] = field(default_factory=dict)


ENGINE_RULES: dict[str, EngineRule] = {
    rule.role: rule
    for rule in (
        EngineRule(
            "schema",
            "SCH001",
            "documents and files Charter cannot read as what they should be",
            required=True,
            always=True,
        ),
        EngineRule(
            "links",
            "SCH004",
            "symbolic links and submodules where Charter documents are expected",
            always=True,
        ),
        EngineRule(
            "placement",
            "SCH005",
            "Charter documents out of place, and other documents among them",
            always=True,
        ),
        EngineRule(
            "policy-change",
            "POL001",
            "policy, configuration and directory files that differ from the base",
            reads=PEOPLE,
        ),
        EngineRule(
            "departures",
            "CHG004",
            "base systems the change no longer declares inside the checked paths",
            reads=DEPARTURE_READS,
        ),
        EngineRule(
            "waivers",
            "WVR001",
            "the waivers that waive other rules' findings",
            conditions=True,
            required=True,
            reads=waiver_reads,
            pack_params={"requesters": list(DEFAULT_REQUESTERS)},
        ),
        EngineRule(
            "freshness",
            "MNT001",
            "maintenance evidence no older than its cadence allows",
            conditions=True,
            reads=FRESHNESS_READS,
        ),
        EngineRule("history", "MNT003", "evidence dates compared with commit history", conditions=True),
        EngineRule(
            "inventory", "INV001", "AI used in code that no declared system covers", reads=CLAIM_READS
        ),
        EngineRule("code-claims", "INV002", "spec.code globs that match no file", reads=CLAIM_READS),
    )
}
