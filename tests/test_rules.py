"""Every rule of the default pack against its pass and fail fixtures.

A fixture is tests/rules/<ID>/{pass,fail}/<name>.patch.yaml, a patch of tests/rules/_clean.yaml
(tests/rules/README.md). It gives one file of Charter documents, written as ai-systems/<name>.yaml
into a copy of tests/rules/_repo/ (the files the manifests refer to and the router's maintenance
evidence), and the exact findings expected. The copy is checked as `charter check . --as-of
2026-11-23` checks it, through build_report; a fixture with a base revision, with `--base main` in a
git repository whose main branch holds the base. A pass fixture expects nothing. Every finding must
be expected.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.config import Config
from checker.finding import Finding
from checker.policy import load_policies
from tests.conftest import AS_OF, RULES_DIR, check_tree
from tests.git_helpers import init_repo
from tests.rule_fixtures import PATCH_SUFFIX, RuleFixture, fixture_id, fixture_paths, load_fixture

RULE_IDS = sorted(load_policies(Config()).rules)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def fixture_findings(fixture: RuleFixture, root: Path) -> list[Finding]:
    """The findings of `charter check .` over a fixture written into root (a copy of _repo).

    A fixture with a base revision is checked with `--base main` in a git repository whose main
    branch holds the base (committed on the as-of day, so no evidence predates its commit) and
    whose work tree holds the change."""
    compares = fixture.base is not None or fixture.base_config is not None
    if compares:
        repo = init_repo(root)
        _write(root / fixture.target, fixture.base if fixture.base is not None else fixture.manifest)
        config = fixture.base_config if fixture.base_config is not None else fixture.config
        if config is not None:
            _write(root / ".charter.yaml", config)
        repo.commit("The base revision", f"{AS_OF.isoformat()}T09:00:00+00:00")
    _write(root / fixture.target, fixture.manifest)
    if fixture.config is not None:
        _write(root / ".charter.yaml", fixture.config)
    for link, target in fixture.links():
        (root / link).parent.mkdir(parents=True, exist_ok=True)
        (root / link).symlink_to(target)
    for path in fixture.adds():
        _write(root / path, f"# {path}\n\nWritten by the change.\n")
    return check_tree(root, AS_OF, "main" if compares else None)


@pytest.mark.parametrize("path", [pytest.param(p, id=fixture_id(p)) for p in fixture_paths()])
def test_fixture(path: Path, fixture_repo: Path) -> None:
    fixture = load_fixture(path)
    findings = fixture_findings(fixture, fixture_repo)

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
