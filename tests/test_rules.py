"""Every rule of the default pack against its pass and fail fixtures.

A fixture is tests/rules/<ID>/{pass,fail}/<name>.patch.yaml, a patch of tests/rules/_clean.yaml
(tests/rules/README.md). It gives one file of Charter documents, written as ai-systems/<name>.yaml
into a copy of tests/rules/_repo/ (the files the manifests refer to and the router's maintenance
evidence), and the exact findings expected. The copy is checked as `charter check . --as-of
2026-11-23` checks it, through build_report; a fixture with a base revision, with `--base main` in a
git repository whose main branch holds the base; a fixture approved by someone, in pull request #7
(opened by @mal) whose reviews a fake GitHub on 127.0.0.1 serves. A pass fixture expects nothing.
Every finding must be expected.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from checker.config import Config
from checker.finding import Finding
from checker.policy import load_policies
from tests.conftest import AS_OF, RULES_DIR, check_tree
from tests.fake_github import TOKEN, serving
from tests.git_helpers import init_repo
from tests.rule_fixtures import PATCH_SUFFIX, RuleFixture, fixture_id, fixture_paths, load_fixture

RULE_IDS = sorted(load_policies(Config()).rules)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def fixture_findings(fixture: RuleFixture, root: Path) -> list[Finding]:
    """The findings of `charter check .` over a fixture written into root (a copy of _repo).

    A fixture with a base revision, or approved in a pull request, is checked with `--base main` in
    a git repository whose main branch holds the base (committed on the as-of day, so no evidence
    predates its commit) and whose work tree holds the change."""
    approvers = fixture.approved_by()
    compares = fixture.base is not None or fixture.base_config is not None or approvers is not None
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
    if approvers is None:
        return check_tree(root, AS_OF, "main" if compares else None)
    with pull_request(approvers):
        return check_tree(root, AS_OF, "main")


PULL_REQUEST_HEAD = "9f2c1e7b4a5d6c8e0f1a2b3c4d5e6f708192a3b4"


@contextmanager
def pull_request(approvers: tuple[str, ...]) -> Iterator[None]:
    """A GitHub Actions run for pull request #7 of acme/governance, opened by @mal, whose head the
    approvers approved; its reviews served by a fake GitHub on 127.0.0.1."""
    pull = {"number": 7, "user": {"login": "mal"}, "head": {"sha": PULL_REQUEST_HEAD}}
    payload = json.dumps({"action": "synchronize", "pull_request": pull})
    with tempfile.TemporaryDirectory() as scratch, serving() as github, pytest.MonkeyPatch.context() as patch:
        event = _write(Path(scratch) / "event.json", payload)
        for person in approvers:
            github.review(7, person.removeprefix("@"), "APPROVED", PULL_REQUEST_HEAD)
        for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
            patch.delenv(proxy, raising=False)
        patch.setenv("NO_PROXY", "127.0.0.1,localhost")
        for name, value in {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": "acme/governance",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_API_URL": github.api_url,
        }.items():
            patch.setenv(name, value)
        yield


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
