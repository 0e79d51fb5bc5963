"""Every rule of the default pack against its pass and fail fixtures.

A fixture is tests/rules/<ID>/{pass,fail}/<name>.patch.yaml, a patch of tests/rules/_clean.yaml, or
<name>.yaml, a whole file; tests/rules/README.md describes both. Either gives one file of Charter
documents, checked as ai-systems/<name>.yaml inside a copy of tests/rules/_repo/ (the files the
manifests refer to and the router's maintenance evidence) as of 2026-11-23, and the exact findings
expected. A pass fixture expects nothing. Every finding must be expected.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.config import Config
from checker.policy import load_policies
from tests.conftest import RULES_DIR, base_systems, check_tree
from tests.rule_fixtures import PATCH_SUFFIX, RuleFixture, fixture_id, fixture_paths, load_fixture

RULE_IDS = sorted(load_policies(Config()).rules)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def check_fixture(fixture: RuleFixture, repo: Path, elsewhere: Path) -> list:
    """The findings of a fixture written into repo (a copy of _repo); elsewhere holds its base."""
    _write(repo / fixture.target, fixture.manifest)
    if fixture.config is not None:
        _write(repo / ".charter.yaml", fixture.config)
    for link, target in fixture.links():
        (repo / link).parent.mkdir(parents=True, exist_ok=True)
        (repo / link).symlink_to(target)
    for path in fixture.adds():
        _write(repo / path, f"# {path}\n\nWritten by the change.\n")
    base = None if fixture.base is None else _write(elsewhere / "base.yaml", fixture.base)
    base_config = fixture.base_config
    return check_tree(
        repo,
        base=base_systems(base) if base else None,
        base_config=None if base_config is None else _write(elsewhere / "base.charter.yaml", base_config),
        base_file=fixture.target,
        base_text=base,
        added=fixture.adds(),
    )


@pytest.mark.parametrize("path", [pytest.param(p, id=fixture_id(p)) for p in fixture_paths()])
def test_fixture(path: Path, fixture_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    fixture = load_fixture(path)
    findings = check_fixture(fixture, fixture_repo, tmp_path_factory.mktemp("base"))

    got = {(f.rule, f.file, f.line, f.column) for f in findings}
    expected = fixture.expected()
    assert got == expected
    if fixture.outcome == "fail":
        assert any(rule == fixture.rule for rule, *_ in expected), f"{path} expects no {fixture.rule} finding"
    else:
        assert not expected


def test_every_rule_has_pass_and_fail_fixtures() -> None:
    ids = [fixture_id(p) for p in fixture_paths()]
    for rule_id in RULE_IDS:
        for outcome in ("pass", "fail"):
            assert any(i.startswith(f"{rule_id}/{outcome}/") for i in ids), (
                f"{rule_id} has no {outcome} fixture in {RULES_DIR / rule_id / outcome}"
            )


def test_every_fixture_is_a_patch_of_the_clean_manifest() -> None:
    rule_files = RULES_DIR.glob("[A-Z][A-Z][A-Z][0-9][0-9][0-9]/*/*.yaml")
    whole = sorted(str(p.relative_to(RULES_DIR)) for p in rule_files if not p.name.endswith(PATCH_SUFFIX))
    assert not whole, (
        f"{len(whole)} files under tests/rules are whole-file fixtures or their siblings, not patches "
        f"of _clean.yaml: {', '.join(whole)}. Rewrite them as patches with `python -m tests.rule_patch` "
        "(tests/rules/README.md)."
    )


def test_clean_reference_manifest_passes(fixture_repo: Path) -> None:
    shutil.copy(RULES_DIR / "_clean.yaml", fixture_repo / "ai-systems" / "clean.yaml")
    assert check_tree(fixture_repo) == []
