"""Every rule of the default pack against its pass and fail fixtures.

A fixture is tests/rules/<ID>/{pass,fail}/<name>.yaml: one file of Charter documents, checked as
ai-systems/<name>.yaml inside a copy of tests/rules/_repo/ (the files the manifests refer to and the
router's maintenance evidence) as of 2026-11-23. Comment lines state the exact findings expected:

    # expect: OWN001 22:3                       in the fixture file itself
    # expect: MNT003 evidence/x/y.yaml:7:13     in a file of _repo

A pass fixture expects nothing. Every finding must be expected.
A file <name>.base.yaml beside a fixture holds the base revision of the fixture's own file, for the
rules that compare; a comment line "# adds: PATH" says the change adds that file (a decision record,
say), which the test writes into the repository. A comment line "# approved-by: @a @b" checks the
change in pull request #7 (opened by @mal) whose reviews on GitHub approve it by those people.
<name>.charter.yaml becomes the repository's .charter.yaml, and <name>.base.charter.yaml the base
revision's, for the policy-change rule. A comment line `# link: PATH -> TARGET` makes PATH (in the
repository) a symbolic link to TARGET, which need not exist: links are never followed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from checker.config import Config
from checker.policy import load_policies
from tests.conftest import RULES_DIR, base_systems, check_tree, recorded_pull_request

EXPECT = re.compile(r"^# expect: ([A-Z]{3}[0-9]{3}) (?:(\S+):)?(\d+):(\d+)\s*$")
LINK = re.compile(r"^# link: (\S+) -> (\S+)\s*$")
ADDS = re.compile(r"^# adds: (\S+)\s*$")
APPROVED = re.compile(r"^# approved-by:(.*)$")
RULE_IDS = sorted(load_policies(Config()).rules)


def _fixtures() -> list[object]:
    cases = []
    for rule_dir in sorted(p for p in RULES_DIR.iterdir() if re.fullmatch(r"[A-Z]{3}[0-9]{3}", p.name)):
        for outcome in ("pass", "fail"):
            for path in sorted((rule_dir / outcome).glob("*.yaml")):
                if not path.name.endswith((".base.yaml", ".charter.yaml")):
                    cases.append(pytest.param(path, id=f"{rule_dir.name}/{outcome}/{path.stem}"))
    return cases


def _expected(path: Path, target: str) -> set[tuple[str, str, int, int]]:
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT.match(line)
        if match:
            rule, file, row, col = match.groups()
            found.add((rule, file or target, int(row), int(col)))
    return found


@pytest.mark.parametrize("fixture", _fixtures())
def test_fixture(fixture: Path, fixture_repo: Path) -> None:
    rule_id, outcome = fixture.parent.parent.name, fixture.parent.name
    target = f"ai-systems/{fixture.name}"
    shutil.copy(fixture, fixture_repo / target)
    base_file = fixture.with_name(fixture.stem + ".base.yaml")
    base = base_systems(base_file) if base_file.exists() else None
    config = fixture.with_name(fixture.stem + ".charter.yaml")
    if config.exists():
        shutil.copy(config, fixture_repo / ".charter.yaml")
    base_config = fixture.with_name(fixture.stem + ".base.charter.yaml")
    for line in fixture.read_text(encoding="utf-8").splitlines():
        link = LINK.match(line)
        if link:
            (fixture_repo / link[1]).parent.mkdir(parents=True, exist_ok=True)
            (fixture_repo / link[1]).symlink_to(link[2])
    added = tuple(m.group(1) for m in map(ADDS.match, fixture.read_text(encoding="utf-8").splitlines()) if m)
    for path in added:
        (fixture_repo / path).parent.mkdir(parents=True, exist_ok=True)
        (fixture_repo / path).write_text(f"# {path}\n\nWritten by the change.\n", encoding="utf-8")

    approved = [m.group(1).split() for m in map(APPROVED.match, fixture.read_text("utf-8").splitlines()) if m]
    findings = check_tree(
        fixture_repo,
        base=base,
        base_config=base_config if base_config.exists() else None,
        base_file=target,
        base_text=base_file if base_file.exists() else None,
        added=added,
        pull_request=recorded_pull_request(approved[0]) if approved else None,
    )

    got = {(f.rule, f.file, f.line, f.column) for f in findings}
    expected = _expected(fixture, target)
    assert got == expected
    if outcome == "fail":
        assert any(rule == rule_id for rule, *_ in expected), f"{fixture} expects no {rule_id} finding"
    else:
        assert not expected


def test_every_rule_has_pass_and_fail_fixtures() -> None:
    for rule_id in RULE_IDS:
        for outcome in ("pass", "fail"):
            folder = RULES_DIR / rule_id / outcome
            fixtures = [
                p for p in folder.glob("*.yaml") if not p.name.endswith((".base.yaml", ".charter.yaml"))
            ]
            assert fixtures, f"{rule_id} has no {outcome} fixture in {folder}"


def test_clean_reference_manifest_passes(fixture_repo: Path) -> None:
    shutil.copy(RULES_DIR / "_clean.yaml", fixture_repo / "ai-systems" / "clean.yaml")
    assert check_tree(fixture_repo) == []
