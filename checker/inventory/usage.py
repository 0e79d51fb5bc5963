"""One detected use of AI in a file."""

from __future__ import annotations

from typing import NamedTuple


class Usage(NamedTuple):
    """Where a detector matched: 1-based line and column, and what it saw (an import, a dependency)."""

    line: int
    column: int
    detector: str
    what: str


class Unread(NamedTuple):
    """A file a reader could not make sense of, and why: reported, never passed over in silence."""

    line: int
    reason: str
