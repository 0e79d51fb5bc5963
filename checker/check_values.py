"""Small readings of document values that the built-in checks share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from checker.conditions import as_date, is_missing


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def blank(value: Any) -> bool:
    return is_missing(value) or (isinstance(value, str) and not value.strip())


def as_written(value: Any) -> Any:
    """value as evidence is compared across revisions: a date the same whether parsed or kept as text."""
    day = as_date(value) if isinstance(value, (dt.date, str)) else None
    return day.isoformat() if day is not None else value
