"""The operators of a field test: what each checks, and how a rule's explanation words it.

Each operator takes the field's value, the rule's argument, the evaluation environment and the
field's dotted name, and returns why the test fails, or None when it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from checker.values import as_date, as_number, show

if TYPE_CHECKING:
    from checker.conditions import Env

# Each operator: (value, argument, env, field) -> detail when the test fails, else None.
OpFn = Callable[[Any, Any, "Env", str], "str | None"]


def _op_equals(v: Any, a: Any, env: Env, f: str) -> str | None:
    return None if v == a else f"{f} is {show(v)}, expected {show(a)}"


def _op_not_equals(v: Any, a: Any, env: Env, f: str) -> str | None:
    return None if v != a else f"{f} must not be {show(a)}"


def _op_one_of(v: Any, a: Any, env: Env, f: str) -> str | None:
    return None if v in a else f"{f} is {show(v)}, expected one of: {show(a)}"


def _op_not_one_of(v: Any, a: Any, env: Env, f: str) -> str | None:
    return None if v not in a else f"{f} must not be {show(v)}"


def _op_matches(v: Any, a: Any, env: Env, f: str) -> str | None:
    if isinstance(v, str) and a.fullmatch(v):
        return None
    return f"{f} ({show(v)}) does not match {a.pattern}"


def _op_min_items(v: Any, a: Any, env: Env, f: str) -> str | None:
    n = len(v) if isinstance(v, (list, dict)) else 0
    return None if n >= a else f"{f} has {n} item{'s' if n != 1 else ''}, at least {a} required"


def _op_max_items(v: Any, a: Any, env: Env, f: str) -> str | None:
    n = len(v) if isinstance(v, (list, dict)) else 0
    return None if n <= a else f"{f} has {n} items, at most {a} allowed"


def _op_min(v: Any, a: Any, env: Env, f: str) -> str | None:
    n = as_number(v)
    return None if n is not None and n >= a else f"{f} is {show(v)}, at least {show(a)} required"


def _op_max(v: Any, a: Any, env: Env, f: str) -> str | None:
    n = as_number(v)
    return None if n is not None and n <= a else f"{f} is {show(v)}, at most {show(a)} allowed"


def _op_max_age_days(v: Any, a: Any, env: Env, f: str) -> str | None:
    d = as_date(v)
    if d is None:
        return f"{f} ({show(v)}) is not a date"
    age = (env.today - d).days
    if age < 0:
        # A date that has not come yet proves nothing about recency.
        return f"{f} ({d.isoformat()}) is in the future"
    return None if age <= a else f"{f} is {age} days old ({d.isoformat()}), at most {a} allowed"


def _op_not_past(v: Any, a: Any, env: Env, f: str) -> str | None:
    d = as_date(v)
    if d is None:
        return f"{f} ({show(v)}) is not a date"
    if not a or d >= env.today:
        return None
    return f"{f} ({d.isoformat()}) is in the past"


def _op_not_future(v: Any, a: Any, env: Env, f: str) -> str | None:
    d = as_date(v)
    if d is None:
        return f"{f} ({show(v)}) is not a date"
    if not a or d <= env.today:
        return None
    return f"{f} ({d.isoformat()}) is in the future"


def _op_contains(v: Any, a: Any, env: Env, f: str) -> str | None:
    return None if isinstance(v, list) and a in v else f"{f} does not include {show(a)}"


def _op_contains_all(v: Any, a: Any, env: Env, f: str) -> str | None:
    have = v if isinstance(v, list) else []
    missing = [x for x in a if x not in have]
    return None if not missing else f"{f} does not include {show(missing)}"


def _op_ref(v: Any, a: Any, env: Env, f: str) -> str | None:
    if not isinstance(v, str):
        return None
    if "\x00" in v:
        # No file name holds a NUL character, and the operating system refuses to look one up.
        return f"{f} contains a NUL character, which no repository path can hold"
    problem = env.project.ref_problem(v)
    return None if problem is None else f"{f} {problem}"


OPERATORS: dict[str, OpFn] = {
    "equals": _op_equals,
    "notEquals": _op_not_equals,
    "oneOf": _op_one_of,
    "notOneOf": _op_not_one_of,
    "matches": _op_matches,
    "minItems": _op_min_items,
    "maxItems": _op_max_items,
    "min": _op_min,
    "max": _op_max,
    "maxAgeDays": _op_max_age_days,
    "notPast": _op_not_past,
    "notFuture": _op_not_future,
    "contains": _op_contains,
    "containsAll": _op_contains_all,
    "ref": _op_ref,
}

# How a test reads as a requirement, in failure messages and `charter explain`: "... is at least {}".
DESCRIBE = {
    "equals": "is {}",
    "notEquals": "is not {}",
    "oneOf": "is one of {}",
    "notOneOf": "is not one of {}",
    "matches": "matches {}",
    "minItems": "has at least {} items",
    "maxItems": "has at most {} items",
    "min": "is at least {}",
    "max": "is at most {}",
    "maxAgeDays": "is at most {} days old",
    "notPast": "is not in the past",
    "notFuture": "is not in the future",
    "contains": "includes {}",
    "containsAll": "includes {}",
    "ref": "refers to a file that exists",
}


# How an operator reads when an absent field satisfied it: "... which counts as high".
COUNTS_AS = {
    "equals": "{}",
    "notEquals": "anything but {}",
    "oneOf": "one of {}",
    "notOneOf": "none of {}",
    "matches": "matching {}",
    "minItems": "at least {} items",
    "maxItems": "at most {} items",
    "min": "at least {}",
    "max": "at most {}",
    "maxAgeDays": "at most {} days old",
    "notPast": "not in the past",
    "notFuture": "not in the future",
    "contains": "including {}",
    "containsAll": "including {}",
    "ref": "a file that exists",
}
