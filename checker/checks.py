"""Named built-in checks: what a field test cannot say, written once in Python.

Policies call them as ``{check: NAME, params: {...}}``. The registry ``BUILTINS`` below lists
every one, with what it reads of documents other than the one it judges (see
checker.context_fields); nothing registers itself. The checks live in modules by the documents they read: one
manifest alone (manifest_checks), its components (component_checks), the people directory
(people_checks), evidence (evidence_checks), waivers (waiver_checks), the base revision
(change_checks, release_checks) and a pull request's reviews (gates).
"""

from __future__ import annotations

from checker import change_checks as change
from checker import component_checks as parts
from checker import evidence_checks as evidence
from checker import manifest_checks as manifest
from checker import people_checks as people
from checker import release_checks as release
from checker import waiver_checks as waiver
from checker.conditions import Builtin
from checker.context_fields import PEOPLE, joined
from checker.gates import approvals_reviewed, gates_approved

# What the checks that judge approvals against the base revision's declaration read besides it.
BASE_AND_PEOPLE = joined(change.BASE_LOOKUP, PEOPLE)

BUILTINS: dict[str, Builtin] = {
    "unique-name": Builtin(
        people.unique_name,
        {},
        "the name is unique among AISystems",
        reads=joined({"AISystem": ("metadata.name",)}, PEOPLE),
    ),
    "separation-of-duties": Builtin(
        people.separation_of_duties,
        {"tiers": ["high", "critical"]},
        "releases are approved independently",
        reads=BASE_AND_PEOPLE,
    ),
    "rollback-target-differs": Builtin(
        manifest.rollback_target_differs, {}, "the rollback target differs from the current version"
    ),
    "evaluation-before-release": Builtin(
        manifest.evaluation_before_release, {"kinds": ["model"]}, "evaluations precede their release"
    ),
    "evaluation-after-release": Builtin(
        manifest.evaluation_after_release,
        {"kinds": ["llm", "prompt", "agent"]},
        "evaluations are of the released version that runs",
    ),
    "review-gates": Builtin(
        people.review_gates,
        {"changes": ["model", "data"], "minApprovals": 2},
        "review gates cover changes",
        reads=PEOPLE,
    ),
    "signal-thresholds": Builtin(manifest.signal_thresholds, {}, "signal thresholds are consistent"),
    "people-known": Builtin(
        people.people_known, {}, "every person and team named is in the people directory", reads=PEOPLE
    ),
    "evidence-fresh": Builtin(
        evidence.evidence_fresh,
        {"maxAgeDays": {"daily": 2, "weekly": 8, "monthly": 35, "quarterly": 100}},
        "maintenance evidence is fresh",
        reads=evidence.FRESH_READS,
    ),
    "evidence-consistent": Builtin(
        evidence.evidence_consistent,
        {"openStatuses": ["open", "in-progress"]},
        "evidence is consistent",
        reads=evidence.CONSISTENT_READS,
    ),
    "evidence-kept": Builtin(
        evidence.evidence_kept,
        {},
        "evidence the base revision had is still checked",
        reads=change.BASE_LOOKUP,
    ),
    "evidence-append-only": Builtin(
        evidence.evidence_append_only,
        {"fields": ["system", "activity", "performedAt", "performedBy", "outcome"]},
        "evidence keeps what it proved in the base revision",
        reads=evidence.append_only_reads,
    ),
    "waivers-valid": Builtin(
        waiver.waivers_valid,
        {"maxDays": 180, "requesters": list(waiver.DEFAULT_REQUESTERS)},
        "waivers are valid",
        reads=PEOPLE,
    ),
    "version-bump": Builtin(
        change.version_bump, {}, "a changed artifact has a higher version", reads=change.BASE_LOOKUP
    ),
    "release-recorded": Builtin(
        release.release_recorded, {}, "a version change has an approved release", reads=BASE_AND_PEOPLE
    ),
    "reclassified": Builtin(
        change.reclassified,
        {"maxAgeDays": 30},
        "a lowered tier or new use is recently reclassified",
        reads=change.BASE_LOOKUP,
    ),
    "stage-decided": Builtin(
        change.stage_decided,
        {},
        "a stage change has a decision record the change writes",
        reads=change.BASE_LOOKUP,
    ),
    "rollback-to-base": Builtin(
        change.rollback_to_base, {}, "the rollback target is the base version", reads=change.BASE_LOOKUP
    ),
    "model-pinned": Builtin(
        parts.model_pinned, {"floatingModels": []}, "models are pinned to an exact version or snapshot"
    ),
    "sources-exist": Builtin(parts.sources_exist, {}, "every component source names files"),
    "source-digest": Builtin(parts.source_digest, {}, "a declared digest is that of the source files"),
    "tools-approved": Builtin(parts.tools_approved, {}, "side-effecting tools need a person's approval"),
    "tools-pinned": Builtin(parts.tools_pinned, {}, "tool servers are pinned and agents name their tools"),
    "retrieval-sources": Builtin(
        parts.retrieval_sources, {}, "retrieval indexes name the data sources they hold"
    ),
    "gates-approved": Builtin(
        gates_approved,
        {"independentTiers": ["high", "critical"]},
        "the pull request's reviews approve each governed change through the gates",
        reads=BASE_AND_PEOPLE,
    ),
    "approvals-reviewed": Builtin(
        approvals_reviewed,
        {},
        "each approval the change records is an approval of the pull request",
        reads=BASE_AND_PEOPLE,
    ),
}

__all__ = ["BUILTINS"]
