"""`charter check` in a pull request: GAT002, GAT003 and POL001 against the reviews GitHub recorded.

Each test is a real git repository (the router of tests/rules/_repo on main, a change on a branch)
checked with --base main in a GitHub Actions environment whose API is a fake GitHub on 127.0.0.1.
Every request and answer is checked against GitHub's OpenAPI description when it is installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main
from tests.conftest import AS_OF
from tests.fake_github import TOKEN, FakeGitHub, serving
from tests.git_helpers import CLEAN, MANIFEST, Repo, router_repo, variant, where
from tests.github_openapi import description

OLD = "1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d"
SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
DATA_OLD = "      knownBias: [Under-represents phone transcripts]"
DATA_NEW = "      knownBias: [Under-represents phone transcripts, Over-represents email]"
DATA_CHANGE = variant(DATA_OLD, DATA_NEW)
DATA_AT = where(DATA_CHANGE, "- name: tickets")
GATE = "needs 2 approvals from @dana, @acme/ml-review for the data change"
GOVERNANCE = 'governance: {approvers: ["@acme/ai-governance"], minApprovals: 1}\n'


@pytest.fixture(autouse=True)
def _local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with serving() as fake:
        fake.teams[("acme", "ml-review")] = {"ana": "active", "dana": "active"}
        yield fake
        spec = description()
        if spec is not None:
            assert [p for seen in fake.seen for p in spec.problems(seen, fake.prefix)] == []


def pull_request(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake: FakeGitHub,
    manifest: str,
    author: str = "mal",
    event: str = "pull_request",
    base_config: str | None = None,
    config: str | None = None,
    base_manifest: str = CLEAN,
) -> Repo:
    """The router on main, the change on a branch as the pull request's head, run in its environment."""
    repo = router_repo(tmp_path / "repo", base_manifest)
    if base_config is not None:
        repo.write(".charter.yaml", base_config)
        repo.commit("Governance configuration")
    repo.git("checkout", "-q", "-b", "change")
    repo.write(MANIFEST, manifest)
    if config is not None:
        repo.write(".charter.yaml", config)
    head = repo.commit("The change")
    payload: dict[str, Any] = {
        "action": "submitted" if event == "pull_request_review" else "synchronize",
        "pull_request": {"number": 7, "user": {"login": author}, "head": {"sha": head}},
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    for name, value in {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "acme/governance",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_API_URL": fake.api_url,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(repo.root)
    return repo


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def check(capsys: pytest.CaptureFixture[str], *rules: str) -> tuple[int, list[tuple[Any, ...]], list[Any]]:
    """(exit code, the findings of rules as (rule, severity, line, column, message), the run's notes)."""
    code = main(["check", "--as-of", AS_OF.isoformat(), "--base", "main", "--format", "json", "."])
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    report = json.loads(out)
    found = [
        (f["rule"], f["severity"], f["line"], f["column"], f["message"])
        for f in report["findings"]
        if f["rule"] in rules
    ]
    return code, found, report["notes"]


def test_missing_approvals_fail_gat002(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    repo = pull_request(tmp_path, monkeypatch, github, DATA_CHANGE)
    github.review(7, "dana", "APPROVED", head(repo))

    code, found, notes = check(capsys, "GAT002", "GAT003")

    assert code == 1
    assert found == [("GAT002", "error", *DATA_AT, f"ticket-router {GATE}; has 1 (@dana)")]
    assert notes == []


def test_two_approvals_of_the_head_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    repo = pull_request(tmp_path, monkeypatch, github, DATA_CHANGE)
    github.review(7, "dana", "APPROVED", head(repo))
    github.review(7, "ana", "APPROVED", head(repo))

    assert check(capsys, "GAT002", "GAT003") == (0, [], [])
    # The reviews are read once, and ana's membership of the team is asked of GitHub.
    paths = [s.path for s in github.seen]
    assert paths.count("/repos/acme/governance/pulls/7/reviews") == 1
    assert "/orgs/acme/teams/ml-review/memberships/ana" in paths


def test_an_approval_by_a_non_member_of_the_gate_team_does_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    repo = pull_request(tmp_path, monkeypatch, github, DATA_CHANGE)
    github.teams[("acme", "ml-review")]["omar"] = "pending"
    github.review(7, "dana", "APPROVED", head(repo))
    github.review(7, "omar", "APPROVED", head(repo))

    code, found, notes = check(capsys, "GAT002")

    assert code == 1
    assert found == [
        (
            "GAT002",
            "error",
            *DATA_AT,
            f"ticket-router {GATE}; has 1 (@dana); @omar approved but is not among the gate's approvers",
        )
    ]
    assert notes == []


def test_an_approval_of_an_older_commit_does_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    repo = pull_request(tmp_path, monkeypatch, github, DATA_CHANGE)
    github.review(7, "dana", "APPROVED", head(repo))
    github.review(7, "ana", "APPROVED", OLD)

    code, found, _ = check(capsys, "GAT002")

    assert code == 1
    assert found == [
        (
            "GAT002",
            "error",
            *DATA_AT,
            f"ticket-router {GATE}; has 1 (@dana); @ana approved an earlier commit (1b2c3d4e5f60), not the "
            f"head {head(repo)[:12]}: it counts once they approve again",
        )
    ]


def test_stale_approvals_count_when_the_base_configuration_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    keep = "approvals: {staleAfterPush: keep}\n"
    repo = pull_request(tmp_path, monkeypatch, github, DATA_CHANGE, base_config=keep)
    github.review(7, "dana", "APPROVED", head(repo))
    github.review(7, "ana", "APPROVED", OLD)

    assert check(capsys, "GAT002") == (0, [], [])


def test_approved_then_changes_requested_by_the_same_reviewer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    repo = pull_request(tmp_path, monkeypatch, github, DATA_CHANGE)
    github.review(7, "dana", "APPROVED", head(repo))
    github.review(7, "ana", "APPROVED", head(repo))
    github.review(7, "ana", "CHANGES_REQUESTED", head(repo))

    code, found, _ = check(capsys, "GAT002")

    assert (code, found) == (1, [("GAT002", "error", *DATA_AT, f"ticket-router {GATE}; has 1 (@dana)")])


def test_the_pull_request_authors_approval_does_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    repo = pull_request(tmp_path, monkeypatch, github, DATA_CHANGE, author="ana")
    github.review(7, "dana", "APPROVED", head(repo))
    github.review(7, "ana", "APPROVED", head(repo))

    code, found, _ = check(capsys, "GAT002")

    assert code == 1
    assert found == [
        (
            "GAT002",
            "error",
            *DATA_AT,
            f"ticket-router {GATE}; has 1 (@dana); @ana opened the pull request, so their approval does "
            "not count",
        )
    ]


def test_150_reviews_over_two_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    repo = pull_request(tmp_path, monkeypatch, github, DATA_CHANGE)
    github.review(7, "dana", "APPROVED", head(repo))
    for index in range(148):
        github.review(7, f"reviewer-{index:03}", "COMMENTED", head(repo))
    # The approval that makes the second one is on the second page.
    github.review(7, "ana", "APPROVED", head(repo))

    assert check(capsys, "GAT002") == (0, [], [])
    pages = [s.query for s in github.seen if s.path.endswith("/reviews")]
    assert pages == [{"per_page": ["100"]}, {"per_page": ["100"], "page": ["2"]}]


MODEL_CHANGE = variant(
    "  releases:\n    - version: 3.2.0\n",
    "  releases:\n    - version: 3.3.0\n      date: 2026-11-22\n      changeClass: retrain\n"
    '      approvals: [{by: lee@acme.example}, {by: "@dana"}]\n    - version: 3.2.0\n',
    variant("      version: 3.2.0\n", "      version: 3.3.0\n"),
)


def test_the_technical_owners_email_does_not_approve_a_high_tier_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    gate = 'approvers: ["@dana", "lee@acme.example", "@acme/ml-review"]'
    base = variant('approvers: ["@dana", "@acme/ml-review"]', gate)
    change = variant('approvers: ["@dana", "@acme/ml-review"]', gate, MODEL_CHANGE)
    repo = pull_request(tmp_path, monkeypatch, github, change, base_manifest=base)
    github.review(7, "dana", "APPROVED", head(repo))
    github.review(7, "lee", "APPROVED", head(repo))
    text = repo.read(MANIFEST)

    code, found, _ = check(capsys, "GAT002", "GAT003")

    assert code == 1
    assert found == [
        (
            "GAT002",
            "error",
            *where(text, "- name: router-classifier"),
            "ticket-router needs 2 approvals from @dana, lee@acme.example, @acme/ml-review for the model "
            "change; has 1 (@dana); @lee does not count, as the technical owner or retrain responsible of "
            "a high-tier system",
        )
    ]


WAIVER = (
    '    - {rule: RSK003, reason: Reassessment booked with the risk board, approvedBy: "@sam", '
    "expires: 2027-02-15}\n"
)
WAIVER_ADDED = CLEAN + WAIVER


def test_a_waiver_added_in_the_pull_request_needs_its_approvers_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    repo = pull_request(tmp_path, monkeypatch, github, WAIVER_ADDED, event="pull_request_review")
    github.review(7, "dana", "APPROVED", head(repo))

    code, found, _ = check(capsys, "GAT002", "GAT003")

    assert code == 1
    line = WAIVER_ADDED.count("\n")
    assert found == [
        (
            "GAT003",
            "error",
            line,
            WAIVER.index('"@sam"') + 1,
            "ticket-router: the waiver of RSK003 names @sam as its approver, but @sam has not approved "
            "pull request #7",
        )
    ]

    github.review(7, "sam", "APPROVED", head(repo))
    assert check(capsys, "GAT002", "GAT003") == (0, [], [])


POLICY_CHANGE = GOVERNANCE + "rules:\n  MNT002: {severity: warning}\n"
POLICY_DETAIL = (
    ".charter.yaml differs from the base revision; policy and configuration changes need governance "
    "review, so this check used the base revision's policies; it changes: MNT002 severity error → "
    "warning; to be reviewed by the governance approvers (1 approval of @acme/ai-governance)"
)


def test_a_policy_change_is_an_error_until_the_governance_approvers_approve_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    github.teams[("acme", "ai-governance")] = {"sam": "active"}
    repo = pull_request(tmp_path, monkeypatch, github, CLEAN, base_config=GOVERNANCE, config=POLICY_CHANGE)
    github.review(7, "dana", "APPROVED", head(repo))

    code, found, notes = check(capsys, "POL001")

    assert code == 1
    assert found == [
        (
            "POL001",
            "error",
            1,
            1,
            f"{POLICY_DETAIL}; needs 1 approval from @acme/ai-governance in pull request #7; has 0",
        )
    ]
    # The directory does not list the team: GitHub alone says who is in it; its 404 is said once.
    assert notes == [
        {
            "rule": "GAT002",
            "message": "team membership from GitHub: GitHub shows no membership of @dana in "
            "@acme/ai-governance: not a member, or the team is not visible to the token; the people "
            "directory does not list the team either, so it counts for nothing",
        }
    ]

    github.review(7, "sam", "APPROVED", head(repo))
    code, found, _ = check(capsys, "POL001")

    assert code == 0
    assert found == [
        (
            "POL001",
            "info",
            1,
            1,
            f"{POLICY_DETAIL}; approved in pull request #7 by @sam for the governance approvers",
        )
    ]


def test_a_403_on_team_membership_falls_back_to_the_directory_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    repo = pull_request(tmp_path, monkeypatch, github, DATA_CHANGE)
    github.forbidden.add(("acme", "ml-review"))
    github.review(7, "dana", "APPROVED", head(repo))
    github.review(7, "ana", "APPROVED", head(repo))

    code, found, notes = check(capsys, "GAT002")

    assert (code, found) == (0, [])
    assert notes == [
        {
            "rule": "GAT002",
            "message": f"team membership from GitHub: the token may not read the members of {team} (403); "
            "the people directory governance/people.yaml decided it",
        }
        for team in ["@acme/ml-review"]
    ]


@pytest.mark.parametrize(
    ("failure", "why"),
    [
        (
            {"status": 502, "message": "Bad Gateway", "times": 5, "echo_auth": True},
            "GitHub answered 502 Bad Gateway (Bad Gateway: Bearer ***) after 5 attempts",
        ),
        (
            {"status": 403, "message": SECONDARY, "headers": {"Retry-After": "600"}, "echo_auth": True},
            f"GitHub answered 403 Forbidden ({SECONDARY}: Bearer ***); GitHub asked to wait 600 seconds, "
            "longer than this command waits",
        ),
    ],
    ids=["502", "secondary-rate-limit"],
)
def test_reviews_that_cannot_be_read_fail_closed_without_the_token(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    github: FakeGitHub,
    failure: dict[str, Any],
    why: str,
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)
    repo = pull_request(tmp_path, monkeypatch, github, DATA_CHANGE)
    github.review(7, "dana", "APPROVED", head(repo))
    github.review(7, "ana", "APPROVED", head(repo))
    github.fail(path="reviews", **failure)

    code, found, _ = check(capsys, "GAT002")

    assert code == 1
    assert found == [
        (
            "GAT002",
            "error",
            *DATA_AT,
            "ticket-router has a data change that the base revision's review gate for @dana, "
            f"@acme/ml-review must approve, but could not read the reviews of pull request #7: {why}",
        )
    ]
    assert waits == ([1.0, 2.0, 4.0, 8.0] if failure["status"] == 502 else [])


def test_a_pull_request_run_without_a_base_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    pull_request(tmp_path, monkeypatch, github, DATA_CHANGE)

    code = main(["check", "--as-of", AS_OF.isoformat(), "."])
    out, err = capsys.readouterr()

    assert (code, out) == (2, "")
    assert err == (
        "charter: error: pull request #7 is judged against its base revision, but no --base was given: "
        "run with --base set to the pull request's base commit\n"
    )
    assert github.seen == []


def test_without_a_token_a_pull_request_run_fails_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    pull_request(tmp_path, monkeypatch, github, DATA_CHANGE)
    monkeypatch.delenv("GITHUB_TOKEN")

    code, found, _ = check(capsys, "GAT002")

    assert code == 1
    assert found == [
        (
            "GAT002",
            "error",
            *DATA_AT,
            "ticket-router has a data change that the base revision's review gate for @dana, "
            "@acme/ml-review must approve, but cannot read the reviews of pull request #7: GITHUB_TOKEN "
            "is not set or unusable; give the check step the workflow's token (permissions: "
            "pull-requests: read)",
        )
    ]
