"""The registry of engine rules, and where rule ids may be written in Python."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.config import Config
from checker.engine_rules import ENGINE_RULES
from checker.policy import load_policies

PACKAGE = Path(__file__).parent.parent / "checker"
PACK = load_policies(Config())


def test_every_engine_role_is_taken_by_the_default_pack_rule_it_names() -> None:
    assert {role: PACK.engine_rule(role).id for role in ENGINE_RULES} == {  # type: ignore[union-attr]
        role: rule.default for role, rule in ENGINE_RULES.items()
    }


@pytest.mark.parametrize("path", sorted((PACKAGE / "reporters").glob("*.py")), ids=lambda p: p.name)
def test_reporters_never_name_a_rule_id(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert [rule for rule in PACK.rules if re.search(rf"\b{rule}\b", text)] == []


@pytest.mark.parametrize(
    "module", ["engine.py", "outcomes.py", "result.py", "baseline.py", "comparison.py", "commands/check.py"]
)
def test_the_run_finds_engine_rules_by_role_not_by_id(module: str) -> None:
    text = (PACKAGE / module).read_text(encoding="utf-8")
    assert re.findall(r"\b[A-Z]{3}[0-9]{3}\b", text) == []
