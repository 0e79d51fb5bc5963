"""Values as plain JSON and back, exactly, with a check that what comes back has the expected shape.

The cache stores what it keeps this way: JSON holds no code and names none, so a damaged or planted
file can at worst be refused. JSON lacks dates and mappings with number keys, which YAML data has, so
those are written as text with a NUL prefix (and text that itself starts with NUL gets one more):
`\\0d2026-01-31` is a date, `\\0i7` the key 7, `\\0s\\0...` the text `\\0...`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from typing import Any, Literal, Union

# YAML data is at most 64 levels deep; a cached value adds a few levels of its own around it.
MAX_DEPTH = 80
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT = re.compile(r"-?[0-9]{1,30}")


class Invalid(ValueError):
    """Stored data that does not have the shape it must have."""


def encode(value: Any) -> Any:
    """value (YAML data, or dataclasses of it) as JSON-ready data."""
    kind = type(value)
    if kind is str:
        return "\0s" + value if value[:1] == "\0" else value
    if kind is dict:
        return {_key(k): encode(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [encode(v) for v in value]
    if value is None or kind is bool or kind is int or kind is float:
        return value
    if kind is dt.date:
        return "\0d" + value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    raise TypeError(f"cannot store a {kind.__name__}")


def as_json(value: Any) -> Any:
    """What encode() makes of a value that JSON has no form for, where the rest is left as it is
    (see json_ready): a date."""
    if type(value) is dt.date:
        return "\0d" + value.isoformat()
    raise TypeError(f"cannot store a {type(value).__name__}")


def json_ready(data: Any, plain: bool, number_keys: bool) -> Any:
    """YAML data of a document as encode() makes it, for an encoder that falls back on as_json.

    Data read from plain text (no NUL to escape) without a whole number as a key is left as it is:
    its dates are all that encode() would change, and as_json changes them the same way.
    """
    return data if plain and not number_keys else encode(data)


def _key(key: Any) -> str:
    if type(key) is str:
        return "\0s" + key if key[:1] == "\0" else key
    if type(key) is int:
        return f"\0i{key}"
    raise TypeError(f"cannot store a {type(key).__name__} key")


def _text(value: str) -> Any:
    """A stored string that starts with NUL: a date, a number key or escaped text."""
    tag, rest = value[1:2], value[2:]
    if tag == "s":
        return rest
    if tag == "d" and _DATE.fullmatch(rest):
        try:
            return dt.date.fromisoformat(rest)
        except ValueError:
            pass
    if tag == "i" and _INT.fullmatch(rest):
        return int(rest)
    raise Invalid("an unknown tag in stored text")


def decode(value: Any, depth: int = 0) -> Any:
    """YAML data from what encode() made of it; Invalid for anything encode() cannot have made."""
    kind = type(value)
    if kind is str:
        return _text(value) if value[:1] == "\0" else value
    if depth > MAX_DEPTH:
        raise Invalid("stored data nested too deeply")
    if kind is dict:
        out = {}
        for k, v in value.items():
            key = _text(k) if k[:1] == "\0" else k
            if type(key) is not str and type(key) is not int:
                raise Invalid("a stored key that is neither text nor a whole number")
            out[key] = decode(v, depth + 1)
        if len(out) != len(value):
            raise Invalid("two stored keys that are the same")
        return out
    if kind is list:
        return [decode(v, depth + 1) for v in value]
    if value is None or kind is bool or kind is int or kind is float:
        return value
    raise Invalid("a stored value of an unknown type")


def conform(value: Any, hint: Any, depth: int = 0) -> Any:
    """The value of type hint (a dataclass, a typing form or a plain type) that encode() made value of.

    Invalid when value is not exactly what encoding such a value gives.
    """
    if depth > MAX_DEPTH:
        raise Invalid("stored data nested too deeply")
    if hint is Any:
        return decode(value, depth)
    origin = typing.get_origin(hint)
    if origin is Literal:
        decoded = decode(value, depth)
        if decoded in hint.__args__ and type(decoded) in {type(a) for a in hint.__args__}:
            return decoded
        raise Invalid("a stored value that is not one of those allowed")
    if origin is Union or origin is types.UnionType:
        for option in hint.__args__:
            try:
                return conform(value, option, depth)
            except Invalid:
                continue
        raise Invalid("a stored value of none of the allowed types")
    if origin is list or origin is tuple:
        if type(value) is not list:
            raise Invalid("a stored list that is not a list")
        item = hint.__args__[0]
        items = [conform(v, item, depth + 1) for v in value]
        return items if origin is list else tuple(items)
    if origin is dict:
        if type(value) is not dict:
            raise Invalid("a stored mapping that is not a mapping")
        key_hint, value_hint = hint.__args__
        out = {conform(k, key_hint, depth + 1): conform(v, value_hint, depth + 1) for k, v in value.items()}
        if len(out) != len(value):
            raise Invalid("two stored keys that are the same")
        return out
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _instance(value, hint, depth)
    if hint is type(None):
        if value is None:
            return None
    elif hint is str or hint is dt.date:
        decoded = decode(value, depth) if type(value) is str else None
        if type(decoded) is hint:
            return decoded
    elif type(value) is hint:
        return value
    raise Invalid(f"a stored value that is not {getattr(hint, '__name__', hint)}")


def _instance(value: Any, cls: type, depth: int) -> Any:
    if type(value) is not dict:
        raise Invalid(f"a stored {cls.__name__} that is not a mapping")
    hints = _hints(cls)
    if not value.keys() <= hints.keys():
        raise Invalid(f"a stored {cls.__name__} with unknown fields")
    try:
        return cls(**{name: conform(v, hints[name], depth + 1) for name, v in value.items()})
    except TypeError:  # a required field is missing
        raise Invalid(f"a stored {cls.__name__} with fields missing") from None


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        every = typing.get_type_hints(cls)
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        hints = _HINTS[cls] = {f.name: every[f.name] for f in fields if f.init}
    return hints
