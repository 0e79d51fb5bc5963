"""Built-in checks of waivers: a waivable rule, a reason, an independent approver and a near expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from checker.check_values import as_list, blank
from checker.conditions import Env, Failure, as_date, is_missing, lookup
from checker.context_fields import PEOPLE, Reads, joined
from checker.document import FieldPath
from checker.people import People

if TYPE_CHECKING:
    from checker.policy import PolicySet
    from checker.run_context import RunContext

# The fields that name the people who ask for a system's waivers, unless the rule says otherwise.
DEFAULT_REQUESTERS = ("spec.ownership.accountable", "spec.ownership.technicalOwner")


def waiver_reads(params: Mapping[str, Any]) -> Reads:
    """What judging a system's waivers reads of it where it is only context: the waivers and the
    fields that name who asks for them (the requesters parameter), and the people directory."""
    requesters = params.get("requesters")
    named = tuple(f for f in requesters if isinstance(f, str)) if isinstance(requesters, list) else ()
    return joined(PEOPLE, {"AISystem": ("spec.waivers", *named)})


def waiver_requesters(system: Any, fields: Iterable[str], people: People) -> dict[str, str]:
    """The people who ask for a system's waivers, resolved, with the field that names each."""
    found: dict[str, str] = {}
    for name in fields:
        person = lookup(system, tuple(name.split(".")))
        if isinstance(person, str):
            found.setdefault(people.resolve(person), name)
    return found


def waiver_problem(
    waiver: Any,
    rules: Mapping[str, Any],
    today: dt.date,
    max_days: int,
    requesters: Mapping[str, str] | None = None,
    people: People | None = None,
) -> tuple[str, str] | None:
    """(field, why) when a waiver is not valid, None when it waives its rule.

    requesters: the system's owners (see waiver_requesters), who may not approve their own waivers;
    people resolves the approver to compare with them.
    """
    if not isinstance(waiver, dict):
        return ("", "a waiver must be a mapping")
    rule_id = waiver.get("rule")
    if is_missing(rule_id):
        return ("", "the waiver names no rule")
    rule = rules.get(str(rule_id))
    if rule is None:
        return ("rule", f"the waiver names '{rule_id}', which is not a rule of the policy set")
    if not rule.model.waivable:
        return ("rule", f"{rule_id} cannot be waived")
    for key in ("reason", "approvedBy", "expires"):
        if blank(waiver.get(key)):
            return (key, f"the waiver of {rule_id} has no {key}")
    role = (requesters or {}).get((people or People()).resolve(str(waiver["approvedBy"])))
    if role is not None:
        return (
            "approvedBy",
            f"the waiver of {rule_id} is approved by {waiver['approvedBy']}, who asks for it as "
            f"{role}; a waiver needs an approver independent of the system's owners",
        )
    expires = as_date(waiver.get("expires"))
    if expires is None:
        return ("expires", f"the waiver of {rule_id} has no valid expiry date")
    if expires < today:
        return ("expires", f"the waiver of {rule_id} expired on {expires.isoformat()} and waives nothing")
    if (expires - today).days > max_days:
        return (
            "expires",
            f"the waiver of {rule_id} expires {expires.isoformat()}, more than {max_days} days ahead",
        )
    return None


def waivers_valid(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Every waiver names a waivable rule, a reason, an independent approver and a near expiry."""
    people = env.run.people
    requesters = waiver_requesters(value, params["requesters"], people)
    for i, waiver in enumerate(as_list(lookup(value, ("spec", "waivers")))):
        rules = env.run.rules
        problem = waiver_problem(waiver, rules, env.today, int(params["maxDays"]), requesters, people)
        if problem is not None:
            key, why = problem
            path: FieldPath = ("spec", "waivers", i, key) if key else ("spec", "waivers", i)
            yield Failure(path, why)


def valid_waivers(
    run: RunContext, names: Iterable[str], today: dt.date, policies: PolicySet
) -> dict[str, set[str]]:
    """The rules each of the named systems validly waives."""
    wvr = policies.engine_rule("waivers")
    assert wvr is not None  # load_policies refuses a set without one
    max_days = int(wvr.params.get("maxDays", 180))
    fields = wvr.params.get("requesters", ())
    waived: dict[str, set[str]] = {}
    people = run.people
    for name in names:
        for source in run.project.systems_named(name):
            if not source.valid:
                continue
            requesters = waiver_requesters(source.data, fields, people)
            for waiver in source.get("spec", "waivers") or []:
                if waiver_problem(waiver, policies.rules, today, max_days, requesters, people) is None:
                    waived.setdefault(name, set()).add(str(waiver["rule"]))
    return waived
