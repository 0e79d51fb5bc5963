"""Reading document values the way conditions do: by field path, absent when empty, dates, display."""

from __future__ import annotations

import datetime as dt
from typing import Any

from checker.document import FieldPath


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


def show(value: Any) -> str:
    """A value as a message names it: booleans as YAML writes them, lists joined with commas."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(show(v) for v in value)
    return str(value)


def as_number(value: Any) -> float | None:
    """The value as a number, or None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
