"""The assertion vocabulary of policy rules: the condition objects that ``checker.condition_compiler``
builds from YAML, and how they are evaluated.

A condition is a mapping in a rule's ``assert`` (or ``appliesTo.when``) list:

- a field test: ``{field: spec.rollback.runbook, present: true, ref: exists}`` with any of the
  operators in ``checker.operators``; a missing field satisfies every operator but ``present``, and
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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from checker.context_fields import Declared, Reads, reads_of
from checker.document import Document, FieldPath
from checker.finding import field_path
from checker.operators import COUNTS_AS, DESCRIBE, OPERATORS
from checker.values import as_date as as_date  # re-exported: checks read dates as conditions do
from checker.values import is_missing, lookup, show

if TYPE_CHECKING:
    from checker.project import Project
    from checker.run_context import RunContext


@dataclass(frozen=True)
class Failure:
    """A condition that does not hold, at an absolute path of the document."""

    path: FieldPath
    detail: str
    message: str | None = None


@dataclass
class Env:
    """What a condition may look at while it is evaluated for one document.

    run: the project and everything else the run judges it with (see checker.run_context).
    """

    run: RunContext
    doc: Document
    file: str
    system: str | None
    today: dt.date

    @property
    def project(self) -> Project:
        return self.run.project


class Condition(Protocol):
    def failures(self, env: Env, value: Any, base: FieldPath) -> Iterator[Failure]: ...

    def describe(self) -> str: ...

    def checks(self) -> Iterator[Check]:
        """The named checks this condition calls, itself or through the conditions inside it."""
        ...


def checks_in(conds: Iterable[Condition]) -> Iterator[Check]:
    """The named checks the conditions call."""
    for cond in conds:
        yield from cond.checks()


def holds(conds: Sequence[Condition], env: Env, value: Any, base: FieldPath) -> bool:
    return not any(True for c in conds for _ in c.failures(env, value, base))


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
            shown = arg.pattern if isinstance(arg, re.Pattern) else show(arg)
            parts.append(f"{name} {DESCRIBE[op].format(shown)}")
        return " and ".join(parts)

    def checks(self) -> Iterator[Check]:
        return iter(())


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

    def checks(self) -> Iterator[Check]:
        return checks_in((*self.where, *self.conds))


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

    def checks(self) -> Iterator[Check]:
        return checks_in(self.match)


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

    def checks(self) -> Iterator[Check]:
        return checks_in((*self.test, *self.then, *self.otherwise))


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

    def checks(self) -> Iterator[Check]:
        return checks_in(self.options)


CheckFn = Callable[[Env, Any, FieldPath, Mapping[str, Any]], Iterator[Failure]]


@dataclass(frozen=True)
class Builtin:
    """A named check written in Python, with the parameters it accepts and their defaults.

    reads: what it reads of documents other than the one it judges (see checker.context_fields);
    in a run that names some files, the others keep only what the enabled checks declare.
    """

    func: CheckFn
    params: Mapping[str, Any]
    description: str
    reads: Declared = field(default_factory=dict)


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

    def checks(self) -> Iterator[Check]:
        yield self

    def reads(self) -> Reads:
        """What this call of the check reads of documents other than the one it judges."""
        return reads_of(self.builtin.reads, self.params)


def _counts_as(test: FieldTest, base: FieldPath) -> str:
    """Why an absent field let test hold: 'spec.risk.euAiAct.class is not declared, which counts as high'."""
    shown = [
        COUNTS_AS[op].format(arg.pattern if isinstance(arg, re.Pattern) else show(arg))
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
