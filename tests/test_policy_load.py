"""Loading policy packs with the configuration's overrides: the mistakes that stop the run, and merging."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.config import load_config
from checker.errors import FatalError
from checker.policy import PolicySet, load_policies

RULE = """\
apiVersion: charter/v1
kind: Policy
metadata: {name: extra}
rules:
  - id: XYZ001
    name: owner-named
    title: Every system names its owner
    severity: error
    message: "{system} names no owner"
    why: Someone has to answer for the system.
    remediation: Set spec.ownership.team.
    controls: ["ISO-42001 A.3.2"]
"""
ASSERT = "    assert:\n      - {field: spec.ownership.team, present: true}\n"


def load(root: Path, config: str, pack: str | None = None) -> PolicySet:
    if pack is not None:
        (root / "extra").mkdir()
        (root / "extra" / "rules.yaml").write_text(pack, encoding="utf-8")
    (root / ".charter.yaml").write_text(config, encoding="utf-8")
    return load_policies(load_config(None, str(root)))


def test_a_rule_of_the_schema_cannot_be_disabled(tmp_path: Path) -> None:
    with pytest.raises(FatalError) as caught:
        load(tmp_path, "policies: [default]\nrules:\n  SCH001: {enabled: false}\n")

    assert (caught.value.message, caught.value.line) == ("SCH001 cannot be disabled", 3)
    assert caught.value.file == str(tmp_path / ".charter.yaml")


def test_an_unknown_engine_role_is_reported_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    pack = RULE + "    engine: bogus\n" + ASSERT

    with pytest.raises(FatalError) as caught:
        load(tmp_path, "policies: [default, extra]\n", pack)

    assert caught.value.message.startswith("rule XYZ001 has no engine role 'bogus' (roles: schema, links, ")
    assert (caught.value.file, caught.value.line) == ("extra/rules.yaml", 13)


def test_a_rule_without_assert_is_reported_at_the_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    with pytest.raises(FatalError) as caught:
        load(tmp_path, "policies: [default, extra]\n", RULE)

    assert (caught.value.message, caught.value.file, caught.value.line) == (
        "rule XYZ001 has no assert",
        "extra/rules.yaml",
        5,
    )


def test_a_mapping_parameter_is_merged_key_by_key(tmp_path: Path) -> None:
    policies = load(tmp_path, "policies: [default]\nrules:\n  MNT001: {params: {maxAgeDays: {weekly: 10}}}\n")

    assert policies.rules["MNT001"].params["maxAgeDays"] == {
        "daily": 2,
        "weekly": 10,
        "monthly": 35,
        "quarterly": 100,
    }


def test_a_later_pack_replaces_a_rule_of_the_same_id(tmp_path: Path) -> None:
    pack = RULE.replace("XYZ001", "OWN002").replace("severity: error", "severity: info") + ASSERT

    policies = load(tmp_path, "policies: [default, extra]\n", pack)

    replaced = policies.rules["OWN002"]
    assert (replaced.policy, replaced.severity, replaced.source) == (
        "extra",
        "info",
        str(tmp_path / "extra" / "rules.yaml"),
    )
    assert policies.files[-1] == str(tmp_path / "extra" / "rules.yaml")
