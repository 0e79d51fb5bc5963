"""The patches rule fixtures are written as (tests/overlay.py) and the loader of both fixture formats."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests import overlay, rule_patch
from tests.rule_fixtures import fixture_paths, load_fixture

CLEAN = """\
kind: AISystem
spec:
  ownership:
    team: "@acme/ml"
    accountable: "@dana"
  logging: {inputs: true, outputs: true}
  signals:
    - {name: accuracy, owner: "@lee"}
    - {name: drift, owner: "@lee"}
  tags: [a, b]
"""


def _patched(**patch: object) -> str:
    return overlay.apply(CLEAN, patch)


@pytest.mark.parametrize(
    ("patch", "old", "new"),
    [
        ({"set": {"spec.ownership.accountable": "@kim"}}, '"@dana"', '"@kim"'),
        ({"set": {"spec.logging.outputs": False}}, "outputs: true}", "outputs: false}"),
        ({"set": {"spec.signals.1.name": "input drift"}}, "name: drift", "name: input drift"),
        ({"set": {"spec.tags.0": "x: y"}}, "[a, b]", '["x: y", b]'),
        (
            {"set": {"spec.ownership.since": dt.date(2026, 1, 2)}},
            '"@dana"\n',
            '"@dana"\n    since: 2026-01-02\n',
        ),
        ({"set": {"spec.logging.fields": ["id"]}}, "outputs: true}", "outputs: true, fields: [id]}"),
        (
            {"set": {"spec.signals.2": {"name": "bias"}}},
            'drift, owner: "@lee"}\n',
            'drift, owner: "@lee"}\n    - {name: bias}\n',
        ),
        ({"set": {"spec.tags.2": 3}}, "[a, b]", "[a, b, 3]"),
        ({"delete": ["spec.logging.inputs"]}, "{inputs: true, outputs: true}", "{outputs: true}"),
        ({"delete": ["spec.logging.outputs"]}, "{inputs: true, outputs: true}", "{inputs: true}"),
        ({"delete": ["spec.ownership.accountable"]}, '    accountable: "@dana"\n', ""),
        (
            {"delete": ["spec.ownership"]},
            '  ownership:\n    team: "@acme/ml"\n    accountable: "@dana"\n',
            "",
        ),
        ({"delete": ["spec.signals.0"]}, '    - {name: accuracy, owner: "@lee"}\n', ""),
        ({"delete": ["spec.tags.1"]}, "[a, b]", "[a]"),
        (
            {"lines": {"spec.ownership.team": "    team: a\n    team: b"}},
            '    team: "@acme/ml"\n',
            "    team: a\n    team: b\n",
        ),
        ({"lines": {"spec.ownership.x": "    x: &a 1\n"}}, '"@dana"\n', '"@dana"\n    x: &a 1\n'),
        ({"append": "---\nkind: Evidence\n"}, "[a, b]\n", "[a, b]\n---\nkind: Evidence\n"),
    ],
)
def test_a_patch_edits_only_the_text_it_names(patch: dict, old: str, new: str) -> None:
    assert CLEAN.count(old) == 1
    assert overlay.apply(CLEAN, patch) == CLEAN.replace(old, new)


def test_a_patch_keeps_every_other_line_as_it_was() -> None:
    out = _patched(set={"spec.ownership.accountable": "@kim"}, delete=["spec.signals.0"])
    expected = CLEAN.replace('"@dana"', '"@kim"').replace('    - {name: accuracy, owner: "@lee"}\n', "")
    assert out == expected


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"set": {"spec.owner.team": "x"}}, "spec.owner.team: the clean manifest has no spec.owner"),
        (
            {"delete": ["spec.ownership.lead"]},
            "spec.ownership.lead: the clean manifest has no spec.ownership.lead",
        ),
        ({"set": {"spec.tags.5": "x"}}, "spec.tags.5: the clean manifest has no spec.tags.5"),
        ({"set": {"spec.tags.0": "x"}, "delete": ["spec.tags"]}, "two edits of the same text at offset"),
        ({"sett": {}}, "unknown patch keys: sett"),
    ],
)
def test_a_patch_that_does_not_fit_the_clean_manifest_is_an_error(patch: dict, message: str) -> None:
    with pytest.raises(overlay.PatchError, match=message):
        overlay.apply(CLEAN, patch)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain words", "plain words"),
        ("@dana", '"@dana"'),
        ("3", '"3"'),
        ("yes", '"yes"'),
        ("", '""'),
        (True, "true"),
        (None, "null"),
        (0.5, "0.5"),
        ({"a": [1, "b, c"]}, '{a: [1, "b, c"]}'),
    ],
)
def test_values_are_written_in_flow_style_and_read_back_the_same(value: object, text: str) -> None:
    assert overlay.flow(value) == text


def test_a_whole_file_fixture_reads_as_its_patch_does_and_converts_back_to_it(tmp_path: Path) -> None:
    """Fixtures written as whole files (NAME.yaml with NAME.base.yaml, NAME.charter.yaml and
    NAME.base.charter.yaml beside it) read the same as the patches they were converted to, and
    `python -m tests.rule_patch` turns each back into a patch that reads the same again."""
    patched = [load_fixture(p) for p in fixture_paths() if p.name.endswith(".patch.yaml")]
    assert [f for f in patched if f.base] and [f for f in patched if f.config and f.base_config]
    for fixture in patched:
        folder = tmp_path / fixture.rule / fixture.outcome
        folder.mkdir(parents=True, exist_ok=True)
        whole = folder / f"{fixture.name}.yaml"
        whole.write_text(fixture.manifest, encoding="utf-8")
        for suffix, text in (
            (".base.yaml", fixture.base),
            (".charter.yaml", fixture.config),
            (".base.charter.yaml", fixture.base_config),
        ):
            if text is not None:
                (folder / f"{fixture.name}{suffix}").write_text(text, encoding="utf-8")
        assert load_fixture(whole) == fixture

        assert load_fixture(rule_patch.convert(whole)) == fixture
        assert [p.name for p in folder.iterdir() if p.name.startswith(f"{fixture.name}.")] == [
            f"{fixture.name}.patch.yaml"
        ]


@pytest.mark.parametrize(
    ("old", "new", "patch"),
    [
        ('"@dana"', '"@kim"', {"set": {"spec.ownership.accountable": "@kim"}}),
        ("outputs: true}", "outputs: false}", {"set": {"spec.logging.outputs": False}}),
        ("outputs: true}", "outputs: true, fields: [id]}", {"set": {"spec.logging.fields": ["id"]}}),
        ('    - {name: accuracy, owner: "@lee"}\n', "", {"delete": ["spec.signals.0"]}),
        (
            '"@dana"\n',
            '"@dana"\n    since: 2026-01-02\n    lead: "@kim"\n',
            {"set": {"spec.ownership.since": dt.date(2026, 1, 2), "spec.ownership.lead": "@kim"}},
        ),
        (
            '    team: "@acme/ml"\n',
            "    team: a\n    team: b\n",
            {"lines": {"spec.ownership.team": "    team: a\n    team: b\n"}},
        ),
        (
            'drift, owner: "@lee"}\n',
            'drift, owner: "@lee"}\n    - name: bias\n      owner: "@kim"\n',
            {"lines": {"spec.signals.2": '    - name: bias\n      owner: "@kim"\n'}},
        ),
        ("[a, b]\n", "[a, b]\n---\nkind: Evidence\n", {"append": "---\nkind: Evidence\n"}),
    ],
)
def test_a_whole_file_becomes_the_plainest_patch_that_gives_it_back(old: str, new: str, patch: dict) -> None:
    text = CLEAN.replace(old, new)
    assert rule_patch.patch_of(CLEAN, text) == patch
    assert overlay.apply(CLEAN, patch) == text


def test_a_file_unlike_the_clean_manifest_becomes_a_patch_all_the_same() -> None:
    text = "kind: Evidence\nspec: {system: ticket-router}\n"
    patch = rule_patch.patch_of(CLEAN, text)
    assert patch == {"delete": ["kind", "spec"], "append": text}
    assert overlay.apply(CLEAN, patch) == text


def test_a_patch_fixture_with_an_unknown_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "OWN001" / "fail" / "typo.patch.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("# expect: OWN001 19:3\ndelet: [spec.ownership.accountable]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape("typo.patch.yaml: unknown keys delet")):
        load_fixture(path)
