"""Where the data shipped with Charter lives: the default policy pack and the report templates."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """checker/<name> in an installed wheel, <repository>/<name> in a source checkout."""
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Charter's {name} directory is missing from this installation")
