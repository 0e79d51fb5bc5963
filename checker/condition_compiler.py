"""Compiling the conditions of a rule from its YAML, with the policy file and line of any mistake.

The vocabulary is described in ``checker.conditions``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from checker.conditions import AnyItem, AnyOf, Builtin, Check, Condition, Each, FieldTest, IfThen
from checker.document import Document, FieldPath
from checker.errors import FatalError
from checker.messages import template_problem
from checker.operators import OPERATORS
from checker.values import as_number


def _split(path: str) -> FieldPath:
    return tuple(path.split("."))


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
        if op in ("min", "max") and as_number(arg) is None:
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
