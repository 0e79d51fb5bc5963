"""Where the reference schemas are: shared/data beside the repository, or CHARTER_SHARED_DATA."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(os.environ.get("CHARTER_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
SARIF_SCHEMA = DATA / "sarif-schema-2.1.0.json"
JUNIT_XSD = DATA / "junit-10.xsd"


def needs(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not path.is_file(), reason=f"{path.name} is not at {path} (shared/data beside the repository)"
    )
