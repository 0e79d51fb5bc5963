"""The base of every document model, and the kinds of value their fields share.

Each constrained value carries a description, which a schema error quotes for the pattern it breaks
(see checker.validate).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

_GITHUB_USER = r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?"
_GITHUB_TEAM = _GITHUB_USER + r"/[A-Za-z0-9][A-Za-z0-9_-]*"
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_only(value: object) -> object:
    """Let through only dates and ``YYYY-MM-DD`` strings."""
    # Lax pydantic would also read numbers, timestamps and "1728000000" as dates.
    if isinstance(value, dt.datetime):
        raise PydanticCustomError("date_type", "Input should be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:  # 2026-13-45, 2026-02-30
            why = {"why": str(exc)}
            raise PydanticCustomError("date_type", "Input should be a real date: {why}", why) from None
    if isinstance(value, dt.date):
        return value
    raise PydanticCustomError("date_type", "Input should be an ISO-8601 date (YYYY-MM-DD)")


Name = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"),
    Field(description="Lower-case letters, digits and hyphens, at most 63 characters."),
]
Person = Annotated[
    str,
    StringConstraints(pattern=rf"^(?:{_GITHUB_USER}|{_EMAIL})$"),
    Field(description="A GitHub handle (@user) or an e-mail address."),
]
Handle = Annotated[
    str,
    StringConstraints(pattern=rf"^{_GITHUB_USER}$"),
    Field(description="A GitHub handle (@user)."),
]
Email = Annotated[
    str,
    StringConstraints(pattern=rf"^{_EMAIL}$"),
    Field(description="An e-mail address."),
]
Team = Annotated[
    str,
    StringConstraints(pattern=rf"^{_GITHUB_TEAM}$"),
    Field(description="A GitHub team (@org/team)."),
]
PersonOrTeam = Annotated[
    str,
    StringConstraints(pattern=rf"^(?:{_GITHUB_USER}|{_GITHUB_TEAM}|{_EMAIL})$"),
    Field(description="A GitHub handle (@user), a team (@org/team) or an e-mail address."),
]
# The description also keeps Ref distinct from Text for code that looks for refs by type.
Ref = Annotated[
    str,
    StringConstraints(min_length=1),
    Field(description="A path relative to the repository root, or an https:// URL."),
]
# Control characters are spelt out: the regex engines of pydantic and of JSON Schema validators
# disagree on whether \x1c-\x1f are white space, and no address holds them anyway.
Url = Annotated[
    str,
    StringConstraints(pattern=r"^https?://[^\s\x00-\x1f\x7f-\x9f]+$"),
    Field(description="An http(s) address."),
]
Digest = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+:[0-9a-fA-F]+$"),
    Field(description="A content digest such as sha256:<hex>."),
]
Commit = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-fA-F]{40}$"),
    Field(description="A full 40-character git commit id."),
]
Text = Annotated[str, StringConstraints(min_length=1)]
Date = Annotated[
    dt.date, BeforeValidator(_iso_date_only), Field(description="An ISO-8601 date (YYYY-MM-DD).")
]
# Numbers and booleans are strict so that "15" or "true" in quotes is an error,
# as the published JSON Schema says; floats still accept YAML integers.
Flag = StrictBool
Count = Annotated[StrictInt, Field(ge=0)]
# .inf and .nan are floats to YAML; as a threshold or a baseline they compare with nothing. The
# bounds say so in the JSON Schema, which also refuses there a whole number beyond a double's range.
Number = Annotated[StrictFloat, Field(allow_inf_nan=False, ge=-sys.float_info.max, le=sys.float_info.max)]

# How often a recurring activity, or a retrieval index's refresh, comes round.
Cadence = Literal["daily", "weekly", "monthly", "quarterly"]


class Strict(BaseModel):
    """Base of every document model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")
