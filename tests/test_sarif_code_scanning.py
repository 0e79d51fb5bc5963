"""SARIF that GitHub code scanning uses fully: security tags, precision, automation details."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from checker.config import Config
from checker.policy import load_policies
from checker.reporters.sarif import AREAS
from tests.shared_data import SARIF_SCHEMA, needs
from tests.test_report_formats import AS_OF_ARG
from tests.test_reports import EXAMPLES, check


def sarif(capsys: pytest.CaptureFixture[str]) -> str:
    _, out = check(capsys, str(EXAMPLES), "--format", "sarif", *AS_OF_ARG)
    return out


@needs(SARIF_SCHEMA)
def test_the_log_is_valid_against_the_official_schema(capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(json.loads(sarif(capsys)))


def test_every_rule_is_tagged_security_with_its_area_and_tags_have_no_blanks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = json.loads(sarif(capsys))["runs"][0]["tool"]["driver"]["rules"]

    assert {r["id"] for r in rules} == set(load_policies(Config()).rules)
    for rule in rules:
        props = rule["properties"]
        # GitHub reads security-severity only from rules tagged security.
        assert props["tags"][:3] == ["security", AREAS[rule["id"][:3]], "ai-governance"], rule["id"]
        assert all(re.fullmatch(r"\S+", tag) for tag in props["tags"]), props["tags"]
        assert len(set(props["tags"])) == len(props["tags"])
        assert props["precision"] == "very-high"
        assert float(props["security-severity"]) > 0
        # The controls keep their own spelling beside the tags.
        assert [c.replace(" ", "-") for c in props["controls"]] == props["tags"][3:]
    own001 = next(r for r in rules if r["id"] == "OWN001")["properties"]
    assert own001["tags"] == [
        "security",
        "ownership",
        "ai-governance",
        "NIST-AI-RMF-GOVERN-2.1",
        "NIST-AI-RMF-GOVERN-2.3",
        "ISO-42001-A.3.2",
        "EU-AI-Act-Art.17",
    ]


def test_every_rule_of_the_pack_has_an_area() -> None:
    assert {rule_id[:3] for rule_id in load_policies(Config()).rules} <= set(AREAS)


def test_the_run_has_a_stable_automation_id(capsys: pytest.CaptureFixture[str]) -> None:
    first, second = sarif(capsys), sarif(capsys)
    assert first == second
    run = json.loads(first)["runs"][0]
    # A category and no run id: every run of the same workflow updates the same analysis.
    assert run["automationDetails"] == {"id": "charter/"}
