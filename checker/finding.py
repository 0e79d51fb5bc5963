"""The one finding type every rule produces and every reporter renders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


class Finding(NamedTuple):
    """One problem: which rule, where, and what it says."""

    rule: str
    severity: str
    file: str
    line: int
    column: int
    path: str
    message: str
    system: str | None = None
    waived: bool = False
    status: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.rule, self.message)


def field_path(path: tuple[str | int, ...]) -> str:
    """Render ('spec', 'components', 0, 'version') as spec.components[0].version."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class SchemaProblem:
    """A document that is not well-formed, at a field."""

    path: tuple[str | int, ...]
    message: str
    line: int
    column: int
