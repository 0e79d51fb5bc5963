"""The assertion vocabulary of policy rules, compiled from YAML into condition objects.

A condition is a mapping in a rule's ``assert`` (or ``appliesTo.when``) list:

- a field test: ``{field: spec.rollback.runbook, present: true, ref: exists}`` with any of the
  operators in ``OPERATORS``; a missing field satisfies every operator but ``present``, and
  ``matches`` must match the whole value;
- ``{each: LIST, where: [...], assert: [...]}``: the conditions hold for every item that matches;
- ``{any: LIST, match: [...]}``: at least one item matches;
- ``{if: [...], then: [...], else: [...]}`` and ``{anyOf: [...]}``;
- ``{check: NAME, params: {...}}``: a named check from ``checker.checks`` or an installed plugin.

Any argument may be ``{param: NAME}``, read from the rule's parameters (which the
configuration may override).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from checker.errors import FatalError
from checker.finding import field_path
from checker.messages import template_problem
from checker.yamlload import Document, FieldPath

if TYPE_CHECKING:
    from checker.project import Project


@dataclass(frozen=True)
class Failure:
    """A condition that does not hold, at an absolute path of the document."""

    path: FieldPath
    detail: str
    message: str | None = None


@dataclass
class Env:
    """What a condition may look at while it is evaluated for one document."""

    project: Project
    doc: Document
    file: str
    system: str | None
    today: dt.date


class Condition(Protocol):
    def failures(self, env: Env, value: Any, base: FieldPath) -> Iterator[Failure]: ...

    def describe(self) -> str: ...


def holds(conds: Sequence[Condition], env: Env, value: Any, base: FieldPath) -> bool:
    return not any(True for c in conds for _ in c.failures(env, value, base))


def lookup(value: Any, parts: FieldPath) -> Any:
    """The value at parts below value, or None when any step is missing."""
    for part in parts:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return None
    return value


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v) for v in value)
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


# Each operator: (value, argument, env, field) -> detail when the test fails, else None.
OpFn = Callable[[Any, Any, Env, str], "str | None"]


def _op_equals(v: Any, a: Any, env: Env, f: str) -> str | None:
    return None if v == a else f"{f} is {_show(v)}, expected {_show(a)}"


def _op_not_equals(v: Any, a: Any, env: Env, f: str) -> str | None:
    return None if v != a else f"{f} must not be {_show(a)}"


def _op_one_of(v: Any, a: Any, env: Env, f: str) -> str | None:
    return None if v in a else f"{f} is {_show(v)}, expected one of: {_show(a)}"


def _op_not_one_of(v: Any, a: Any, env: Env, f: str) -> str | None:
    return None if v not in a else f"{f} must not be {_show(v)}"


def _op_matches(v: Any, a: Any, env: Env, f: str) -> str | None:
    if isinstance(v, str) and a.fullmatch(v):
        return None
    return f"{f} ({_show(v)}) does not match {a.pattern}"


def _op_min_items(v: Any, a: Any, env: Env, f: str) -> str | None:
    n = len(v) if isinstance(v, (list, dict)) else 0
    return None if n >= a else f"{f} has {n} item{'s' if n != 1 else ''}, at least {a} required"


def _op_max_items(v: Any, a: Any, env: Env, f: str) -> str | None:
    n = len(v) if isinstance(v, (list, dict)) else 0
    return None if n <= a else f"{f} has {n} items, at most {a} allowed"


def _op_min(v: Any, a: Any, env: Env, f: str) -> str | None:
    n = _number(v)
    return None if n is not None and n >= a else f"{f} is {_show(v)}, at least {_show(a)} required"


def _op_max(v: Any, a: Any, env: Env, f: str) -> str | None:
    n = _number(v)
    return None if n is not None and n <= a else f"{f} is {_show(v)}, at most {_show(a)} allowed"


def _op_max_age_days(v: Any, a: Any, env: Env, f: str) -> str | None:
    d = as_date(v)
    if d is None:
        return f"{f} ({_show(v)}) is not a date"
    age = (env.today - d).days
    if age < 0:
        # A date that has not come yet proves nothing about recency.
        return f"{f} ({d.isoformat()}) is in the future"
    return None if age <= a else f"{f} is {age} days old ({d.isoformat()}), at most {a} allowed"


def _op_not_past(v: Any, a: Any, env: Env, f: str) -> str | None:
    d = as_date(v)
    if d is None:
        return f"{f} ({_show(v)}) is not a date"
    if not a or d >= env.today:
        return None
    return f"{f} ({d.isoformat()}) is in the past"


def _op_not_future(v: Any, a: Any, env: Env, f: str) -> str | None:
    d = as_date(v)
    if d is None:
        return f"{f} ({_show(v)}) is not a date"
    if not a or d <= env.today:
        return None
    return f"{f} ({d.isoformat()}) is in the future"


def _op_contains(v: Any, a: Any, env: Env, f: str) -> str | None:
    return None if isinstance(v, list) and a in v else f"{f} does not include {_show(a)}"


def _op_contains_all(v: Any, a: Any, env: Env, f: str) -> str | None:
    have = v if isinstance(v, list) else []
    missing = [x for x in a if x not in have]
    return None if not missing else f"{f} does not include {_show(missing)}"


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

_DESCRIBE = {
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


def _split(path: str) -> FieldPath:
    return tuple(path.split("."))


class _LazyName:
    """A field's dotted name, rendered when a message needs it."""

    __slots__ = ("base", "field")

    def __init__(self, base: FieldPath, field: FieldPath) -> None:
        self.base = base
        self.field = field

    def __str__(self) -> str:
        return field_path((*self.base, *self.field))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


@dataclass(frozen=True)
class FieldTest:
    field: FieldPath
    present: bool | None
    ops: tuple[tuple[str, Any], ...]
    message: str | None

    def failures(self, env: Env, value: Any, base: FieldPath) -> Iterator[Failure]:
        v = lookup(value, self.field)
        if is_missing(v):
            if self.present:
                where = (*base, *self.field)
                state = "is missing" if v is None else "is empty"
                yield Failure(where, f"{field_path(where)} {state}", self.message)
            return
        if self.present is False:
            where = (*base, *self.field)
            yield Failure(where, f"{field_path(where)} must not be set", self.message)
            return
        for op, arg in self.ops:
            # The operator names the field only when it fails, so the name is rendered only then.
            detail = OPERATORS[op](v, arg, env, _LazyName(base, self.field))  # type: ignore[arg-type]
            if detail is not None:
                yield Failure((*base, *self.field), detail, self.message)

    def describe(self) -> str:
        name = field_path(self.field) or "the item"
        parts = []
        if self.present:
            parts.append(f"{name} is set")
        elif self.present is False:
            parts.append(f"{name} is not set")
        for op, arg in self.ops:
            shown = arg.pattern if isinstance(arg, re.Pattern) else _show(arg)
            parts.append(f"{name} {_DESCRIBE[op].format(shown)}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Each:
    field: FieldPath
    where: tuple[Condition, ...]
    conds: tuple[Condition, ...]

    def failures(self, env: Env, value: Any, base: FieldPath) -> Iterator[Failure]:
        items = lookup(value, self.field)
        if not isinstance(items, list):
            return
        for i, item in enumerate(items):
            at = (*base, *self.field, i)
            if holds(self.where, env, item, at):
                reasons = assumptions(self.where, env, item, at)
                for cond in self.conds:
                    yield from because(cond.failures(env, item, at), reasons)

    def describe(self) -> str:
        return f"every item of {field_path(self.field)} satisfies its conditions"


@dataclass(frozen=True)
class AnyItem:
    field: FieldPath
    match: tuple[Condition, ...]
    message: str | None

    def failures(self, env: Env, value: Any, base: FieldPath) -> Iterator[Failure]:
        items = lookup(value, self.field)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if holds(self.match, env, item, (*base, *self.field, i)):
                    return
        where = (*base, *self.field)
        wanted = " and ".join(c.describe() for c in self.match) or "any item"
        yield Failure(where, f"{field_path(where)} has no item where {wanted}", self.message)

    def describe(self) -> str:
        return f"some item of {field_path(self.field)} matches"


@dataclass(frozen=True)
class IfThen:
    test: tuple[Condition, ...]
    then: tuple[Condition, ...]
    otherwise: tuple[Condition, ...]

    def failures(self, env: Env, value: Any, base: FieldPath) -> Iterator[Failure]:
        if holds(self.test, env, value, base):
            reasons = assumptions(self.test, env, value, base)
            for cond in self.then:
                yield from because(cond.failures(env, value, base), reasons)
        else:
            for cond in self.otherwise:
                yield from cond.failures(env, value, base)

    def describe(self) -> str:
        return "the conditional holds"


@dataclass(frozen=True)
class AnyOf:
    options: tuple[Condition, ...]
    message: str | None

    def failures(self, env: Env, value: Any, base: FieldPath) -> Iterator[Failure]:
        first: Failure | None = None
        for cond in self.options:
            failed = next(iter(cond.failures(env, value, base)), None)
            if failed is None:
                return
            first = first or failed
        if first is not None:
            alternatives = "; or ".join(c.describe() for c in self.options)
            yield Failure(first.path, f"none of these holds: {alternatives}", self.message)

    def describe(self) -> str:
        return " or ".join(c.describe() for c in self.options)


CheckFn = Callable[[Env, Any, FieldPath, Mapping[str, Any]], Iterator[Failure]]


@dataclass(frozen=True)
class Builtin:
    """A named check written in Python, with the parameters it accepts and their defaults."""

    func: CheckFn
    params: Mapping[str, Any]
    description: str


@dataclass(frozen=True)
class Check:
    name: str
    builtin: Builtin
    params: Mapping[str, Any]
    message: str | None

    def failures(self, env: Env, value: Any, base: FieldPath) -> Iterator[Failure]:
        for failure in self.builtin.func(env, value, base, self.params):
            if self.message and failure.message is None:
                yield Failure(failure.path, failure.detail, self.message)
            else:
                yield failure

    def describe(self) -> str:
        return self.builtin.description


_COUNTS_AS = {
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


def _counts_as(test: FieldTest, base: FieldPath) -> str:
    """Why an absent field let test hold: 'spec.risk.euAiAct.class is not declared, which counts as high'."""
    shown = [
        _COUNTS_AS[op].format(arg.pattern if isinstance(arg, re.Pattern) else _show(arg))
        for op, arg in test.ops
    ]
    return f"{field_path((*base, *test.field))} is not declared, which counts as {' and '.join(shown)}"


def assumptions(conds: Sequence[Condition], env: Env, value: Any, base: FieldPath) -> tuple[str, ...]:
    """Why conditions that hold hold only because a field is absent, one reason per such field.

    A missing field satisfies every operator but ``present``, so a rule for high-risk systems holds
    a system that never declared its class. The reasons say so; conditions that hold on what the
    document declares give none.
    """
    reasons: list[str] = []
    for cond in conds:
        for reason in _assumed(cond, env, value, base):
            if reason not in reasons:
                reasons.append(reason)
    return tuple(reasons)


def _assumed(cond: Condition, env: Env, value: Any, base: FieldPath) -> tuple[str, ...]:
    if isinstance(cond, FieldTest):
        vacuous = cond.ops and not cond.present and is_missing(lookup(value, cond.field))
        return (_counts_as(cond, base),) if vacuous else ()
    if isinstance(cond, AnyOf):
        holding = [c for c in cond.options if holds((c,), env, value, base)]
        found = [assumptions((c,), env, value, base) for c in holding]
        # One option that holds on declared values is reason enough.
        return () if not found or not all(found) else found[0]
    if isinstance(cond, IfThen):
        if holds(cond.test, env, value, base):
            return assumptions((*cond.test, *cond.then), env, value, base)
        return assumptions(cond.otherwise, env, value, base)
    return ()


def because(failures: Iterator[Failure], reasons: tuple[str, ...]) -> Iterator[Failure]:
    """The failures, each saying which absent fields made its condition apply."""
    if not reasons:
        yield from failures
        return
    suffix = f" (applies because {'; and '.join(reasons)})"
    for failure in failures:
        yield Failure(failure.path, failure.detail + suffix, failure.message)


class Compiler:
    """Compiles condition mappings, reporting mistakes with the policy file and line."""

    def __init__(self, file: str, doc: Document, params: Mapping[str, Any], builtins: Mapping[str, Builtin]):
        self.file = file
        self.doc = doc
        self.params = params
        self.builtins = builtins

    def fail(self, path: FieldPath, message: str) -> FatalError:
        return FatalError(message, self.file, self.doc.locate_key(path)[0])

    def template(self, text: str, path: FieldPath) -> None:
        """A FatalError at path when text names a placeholder a finding's message cannot fill in."""
        problem = template_problem(text, self.params)
        if problem is not None:
            raise self.fail(path, problem)

    def _arg(self, raw: Any, path: FieldPath) -> Any:
        if isinstance(raw, dict) and set(raw) == {"param"}:
            name = raw["param"]
            if name not in self.params:
                raise self.fail(path, f"unknown parameter {name!r}: declare it in the rule's params")
            return self.params[name]
        return raw

    def many(self, raw: Any, path: FieldPath) -> tuple[Condition, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            raise self.fail(path, "expected a list of conditions")
        return tuple(self.one(item, (*path, i)) for i, item in enumerate(raw))

    def one(self, raw: Any, path: FieldPath) -> Condition:
        if not isinstance(raw, dict):
            raise self.fail(path, "a condition must be a mapping")
        message = raw.get("message")
        if message is not None and not isinstance(message, str):
            raise self.fail((*path, "message"), "message must be a string")
        if message is not None:
            self.template(message, (*path, "message"))
        if "field" in raw or any(k in OPERATORS or k in ("present", "absent") for k in raw):
            return self._field_test(raw, path, message)
        if "each" in raw:
            self._keys(raw, path, {"each", "where", "assert"})
            return Each(
                self._path(raw["each"], (*path, "each")),
                self.many(raw.get("where"), (*path, "where")),
                self.many(raw.get("assert"), (*path, "assert")),
            )
        if "any" in raw:
            self._keys(raw, path, {"any", "match", "message"})
            return AnyItem(
                self._path(raw["any"], (*path, "any")), self.many(raw.get("match"), (*path, "match")), message
            )
        if "if" in raw:
            self._keys(raw, path, {"if", "then", "else"})
            return IfThen(
                self.many(raw["if"], (*path, "if")),
                self.many(raw.get("then"), (*path, "then")),
                self.many(raw.get("else"), (*path, "else")),
            )
        if "anyOf" in raw:
            self._keys(raw, path, {"anyOf", "message"})
            return AnyOf(self.many(raw["anyOf"], (*path, "anyOf")), message)
        if "check" in raw:
            return self._check(raw, path, message)
        raise self.fail(path, "a condition needs one of: field, each, any, if, anyOf, check")

    def _keys(self, raw: dict[str, Any], path: FieldPath, allowed: set[str]) -> None:
        for key in raw:
            if key not in allowed:
                raise self.fail((*path, key), f"unknown key {key!r} in this condition")

    def _path(self, raw: Any, path: FieldPath) -> FieldPath:
        if not isinstance(raw, str) or not re.fullmatch(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*", raw):
            raise self.fail(path, f"{raw!r} is not a field path such as spec.ownership.team")
        return _split(raw)

    def _field_test(self, raw: dict[str, Any], path: FieldPath, message: str | None) -> FieldTest:
        present: bool | None = None
        ops: list[tuple[str, Any]] = []
        for key, value in raw.items():
            arg = self._arg(value, (*path, key))
            if key in ("field", "message"):
                continue
            if key == "present":
                if not isinstance(arg, bool):
                    raise self.fail((*path, key), "present takes true or false")
                present = arg
            elif key == "absent":
                if arg is not True:
                    raise self.fail((*path, key), "absent takes true")
                present = False
            elif key in OPERATORS:
                ops.append((key, self._validate(key, arg, (*path, key))))
            else:
                known = ", ".join(["present", "absent", *OPERATORS])
                raise self.fail((*path, key), f"unknown operator {key!r}; known operators: {known}")
        target = self._path(raw["field"], (*path, "field")) if "field" in raw else ()
        return FieldTest(target, present, tuple(ops), message)

    def _validate(self, op: str, arg: Any, path: FieldPath) -> Any:
        if op == "matches":
            if not isinstance(arg, str):
                raise self.fail(path, "matches takes a regular expression")
            try:
                return re.compile(arg)
            except re.error as exc:
                raise self.fail(path, f"invalid regular expression: {exc}") from None
        if op in ("oneOf", "notOneOf", "containsAll") and not isinstance(arg, list):
            raise self.fail(path, f"{op} takes a list")
        if op in ("minItems", "maxItems", "maxAgeDays") and (
            isinstance(arg, bool) or not isinstance(arg, int)
        ):
            raise self.fail(path, f"{op} takes a whole number")
        if op in ("min", "max") and _number(arg) is None:
            raise self.fail(path, f"{op} takes a number")
        if op in ("notPast", "notFuture") and not isinstance(arg, bool):
            raise self.fail(path, f"{op} takes true or false")
        if op == "ref" and arg != "exists":
            raise self.fail(path, "ref takes the value exists")
        return arg

    def _check(self, raw: dict[str, Any], path: FieldPath, message: str | None) -> Check:
        self._keys(raw, path, {"check", "params", "message"})
        name = raw["check"]
        builtin = self.builtins.get(name) if isinstance(name, str) else None
        if builtin is None:
            known = ", ".join(sorted(self.builtins))
            raise self.fail(
                (*path, "check"),
                f"unknown check {name!r}, neither built in nor from an installed plugin; known: {known}",
            )
        given = raw.get("params") or {}
        if not isinstance(given, dict):
            raise self.fail((*path, "params"), "params must be a mapping")
        params = dict(builtin.params)
        for key, value in given.items():
            if key not in builtin.params:
                raise self.fail((*path, "params", key), f"check {name!r} has no parameter {key!r}")
            params[key] = self._arg(value, (*path, "params", key))
        return Check(name, builtin, params, message)
