"""The README stays true: its commands, its rule table and its policy example."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from checker.commands.rules import rules_markdown
from checker.config import Config
from checker.policy import load_policies
from tests.conftest import RULES_DIR, check_tree

README = Path(__file__).resolve().parents[1] / "README.md"


def _text() -> str:
    return README.read_text(encoding="utf-8")


def test_first_lines_are_the_two_setup_commands() -> None:
    commands = [line.strip() for line in _text().splitlines()[1:5] if line.strip()]
    assert commands == [
        "pip install . && charter check examples --as-of 2026-11-23",
        'pip install -e ".[test]" && pytest',
    ]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    # A fresh virtual environment, the test extra at the newest versions, then the README's command.
    assert 'python3 -m venv "$venv"' in ci
    assert 'pip install --quiet --disable-pip-version-check --upgrade -e ".[test]"' in ci
    assert "python -m pytest" in ci
    assert 'pip install -e ".[test]" && pytest' in _text()


def test_rule_table_matches_the_default_pack() -> None:
    match = re.search(r"<!-- rules:start -->\n(.*)<!-- rules:end -->", _text(), flags=re.S)
    assert match is not None
    assert match.group(1) == rules_markdown(load_policies(Config()))


def test_every_rule_id_of_the_pack_is_in_the_table() -> None:
    ids = set(re.findall(r"^\| ([A-Z]{3}[0-9]{3}) \|", _text(), flags=re.M))
    assert ids == set(load_policies(Config()).rules)


def test_policy_example_loads_and_catches_long_retention(fixture_repo: Path) -> None:
    block = re.search(r"## Writing policies.*?```yaml\n(.*?)```", _text(), flags=re.S)
    assert block is not None
    (fixture_repo / "policies" / "local").mkdir(parents=True)
    (fixture_repo / "policies" / "local" / "local.yaml").write_text(block.group(1), encoding="utf-8")
    (fixture_repo / ".charter.yaml").write_text("policies: [default, policies/local]\n", encoding="utf-8")
    manifest = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")
    manifest = manifest.replace("retentionDays: 180}", "retentionDays: 900}")
    (fixture_repo / "ai-systems" / "router.yaml").write_text(manifest, encoding="utf-8")
    shutil.rmtree(fixture_repo / "evidence")

    findings = check_tree(fixture_repo)

    local = [(f.rule, f.severity, f.line, f.column) for f in findings if f.rule == "ACM001"]
    assert local == [("ACM001", "warning", 51, 116)]
    assert yaml.safe_load(block.group(1))["rules"][0]["id"] == "ACM001"
