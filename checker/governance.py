"""What a governance change changes: the effective rules, the configuration and the people directory.

POL001 lists these differences so that the reviewers of a change to the policies see what it does,
not only which file it touches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from checker.config import Governance, Settings
from checker.policy import PolicySet, Rule

# Directory entries by lower-cased handle: (the handle as written, its e-mail addresses or members).
Entries = dict[str, tuple[str, list[str]]]


def _shown(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _rule(rule_id: str, before: Rule, after: Rule) -> Iterator[str]:
    if before.enabled != after.enabled:
        yield f"{rule_id} {'enabled' if after.enabled else 'disabled'}"
    if before.severity != after.severity:
        yield f"{rule_id} severity {before.severity} → {after.severity}"
    for name in sorted(before.params.keys() | after.params.keys()):
        then, now = before.params.get(name), after.params.get(name)
        if then != now:
            yield f"{rule_id} {name} {_shown(then)} → {_shown(now)}"
    if before.enforce_after != after.enforce_after:
        then_day = before.enforce_after.isoformat() if before.enforce_after else "none"
        now_day = after.enforce_after.isoformat() if after.enforce_after else "none"
        yield f"{rule_id} enforceAfter {then_day} → {now_day}"
    if before.model.plain != after.model.plain and before.model.plain and after.model.plain:
        fields = sorted(
            k
            for k in before.model.plain.keys() | after.model.plain.keys()
            if k not in ("severity", "params") and before.model.plain.get(k) != after.model.plain.get(k)
        )
        if fields:
            yield f"{rule_id} rewritten ({', '.join(fields)})"


def _listed(what: str, before: Iterable[str], after: Iterable[str]) -> Iterator[str]:
    then, now = list(before), list(after)
    yield from (f"{what} {item!r} added" for item in now if item not in then)
    yield from (f"{what} {item!r} removed" for item in then if item not in now)


def _governance(value: Governance | None) -> str:
    if value is None:
        return "none"
    return f"{value.minApprovals} of {', '.join(value.approvers)}"


def policy_differences(
    before: PolicySet, after: PolicySet, then: Settings | None, now: Settings | None
) -> list[str]:
    """Every difference between the base's effective rules and configuration and the change's."""
    found: list[str] = []
    for rule_id in sorted(before.rules.keys() | after.rules.keys()):
        old, new = before.rules.get(rule_id), after.rules.get(rule_id)
        if old is None:
            found.append(f"rule {rule_id} added")
        elif new is None:
            found.append(f"rule {rule_id} removed")
        else:
            found.extend(_rule(rule_id, old, new))
    if then is not None and now is not None:
        found.extend(_listed("policy pack", then.policies, now.policies))
        for key in ("manifests", "evidence", "exclude"):
            found.extend(_listed(f"{key} glob", getattr(then, key) or [], getattr(now, key) or []))
        if then.failOn != now.failOn:
            found.append(f"failOn {then.failOn} → {now.failOn}")
        if then.inventory != now.inventory:
            found.append("inventory configuration (detectors or exclusions) changed")
        if then.governance != now.governance:
            found.append(f"governance {_governance(then.governance)} → {_governance(now.governance)}")
        if then.approvals != now.approvals:
            found.append(
                f"approvals.staleAfterPush {then.approvals.staleAfterPush} → {now.approvals.staleAfterPush}"
            )
    return found


def _listed_by_handle(data: Any, section: str, field: str) -> Entries:
    """Each entry of a directory's section (people or teams) by handle, lower-cased: (handle as
    written, the texts of its field: a person's e-mail addresses or a team's members)."""
    spec = data.get("spec") if isinstance(data, dict) else None
    found: Entries = {}
    for entry in (spec.get(section) if isinstance(spec, dict) else None) or []:
        handle = entry.get("handle") if isinstance(entry, dict) else None
        if isinstance(handle, str):
            values = [v for v in entry.get(field) or [] if isinstance(v, str)]
            found.setdefault(handle.lower(), (handle, values))
    return found


def _entries(
    what: str, before: dict[str, tuple[str, list[str]]], after: dict[str, tuple[str, list[str]]], item: str
) -> Iterator[str]:
    for name in sorted(before.keys() | after.keys()):
        if name not in before:
            listed = ", ".join(after[name][1])
            yield f"{what} {after[name][0]} added" + (f" ({item}s {listed})" if listed else "")
        elif name not in after:
            yield f"{what} {before[name][0]} removed"
        else:
            handle, then, now = after[name][0], before[name][1], after[name][1]
            low_then, low_now = {x.lower() for x in then}, {x.lower() for x in now}
            yield from (f"{item} {x} added to {handle}" for x in now if x.lower() not in low_then)
            yield from (f"{item} {x} removed from {handle}" for x in then if x.lower() not in low_now)


def directory_differences(before: Any, after: Any) -> list[str]:
    """The people, e-mail addresses, teams and members a change adds to or removes from the directory."""
    found = list(
        _entries(
            "person",
            _listed_by_handle(before, "people", "emails"),
            _listed_by_handle(after, "people", "emails"),
            "e-mail address",
        )
    )
    found.extend(
        _entries(
            "team",
            _listed_by_handle(before, "teams", "members"),
            _listed_by_handle(after, "teams", "members"),
            "member",
        )
    )
    return found


def reviewers(governance: Governance | None) -> str:
    """Who must review a governance change, as the base's configuration names them."""
    if governance is None:
        return "the governance owners (the configuration names none under governance.approvers)"
    count = f"{governance.minApprovals} approval{'' if governance.minApprovals == 1 else 's'}"
    return f"the governance approvers ({count} of {', '.join(governance.approvers)})"
