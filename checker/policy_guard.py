"""Changes to governance (policies, configuration, the people directory), judged as the base revision
says: a change never judges itself with the rules it brings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from checker.charter_documents import Source
from checker.config import Governance, Settings
from checker.governance import directory_differences, policy_differences
from checker.policy import PolicySet


@dataclass(frozen=True)
class PolicyChange:
    """A policy, configuration or directory file that differs from the base revision.

    governance: the base revision's governance approvers, who are to review the change.
    """

    file: str
    detail: str
    governance: Governance | None = None


def guard_policies(
    head: PolicySet,
    base: PolicySet,
    changed_files: Iterable[str],
    base_settings: Settings | None = None,
    head_settings: Settings | None = None,
) -> tuple[PolicySet, list[PolicyChange]]:
    """The policies to judge a change with: the base's whenever the change touches them.

    The first policy-change finding lists what the change does to the effective rules and configuration,
    and every one names who must review it (the base's governance approvers).
    """
    changes = [
        PolicyChange(
            file,
            f"{file} differs from the base revision; policy and configuration changes need governance "
            "review, so this check used the base revision's policies",
        )
        for file in sorted(changed_files)
    ]
    if not changes and head.digest() == base.digest():
        return head, []
    if not changes:
        changes = [
            PolicyChange(
                ".",
                "the effective policies differ from the base revision's; "
                "this check used the base revision's policies",
            )
        ]
    differences = policy_differences(base, head, base_settings, head_settings)
    what = f"; it changes: {'; '.join(differences)}" if differences else ""
    governance = base_settings.governance if base_settings is not None else None
    first = PolicyChange(changes[0].file, changes[0].detail + what, governance)
    return base, [first, *(PolicyChange(c.file, c.detail, governance) for c in changes[1:])]


def directory_change(
    before: Source | None, after: Source | None, base_settings: Settings | None
) -> PolicyChange | None:
    """The policy change of a change to the people directory, which decides who approves; None if none."""
    differences = directory_differences(
        before.data if before is not None else None, after.data if after is not None else None
    )
    if not differences:
        return None
    where = after if after is not None else before
    assert where is not None
    return PolicyChange(
        where.file,
        f"the people directory differs from the base revision: {'; '.join(differences)}; the base "
        "revision's directory judged this check",
        base_settings.governance if base_settings is not None else None,
    )
