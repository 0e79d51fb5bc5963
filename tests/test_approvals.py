"""A pull request's real approvals and GitHub team membership, against a fake GitHub on 127.0.0.1.

Every request the client sends and every answer the fake gives are checked against GitHub's
OpenAPI description when it is installed (see tests/github_openapi.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checker.approvals import (
    ApprovalsUnavailable,
    Membership,
    NotInPullRequest,
    PullRequestApprovals,
    TeamMemberships,
    client_from_environ,
    pull_request_approvals,
)
from checker.github import GitHubClient
from tests.fake_github import TOKEN, FakeGitHub, Seen, serving
from tests.github_openapi import UNAVAILABLE, description

PR = 7
REPO = "acme/governance"
HEAD = "9f2c1e7b4a5d6c8e0f1a2b3c4d5e6f708192a3b4"
OLD = "1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d"
SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."


@pytest.fixture(autouse=True)
def _local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment would send the fake server's traffic elsewhere.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(params=["", "/api/v3"], ids=["github.com", "enterprise-server"])
def github(request: pytest.FixtureRequest) -> Iterator[FakeGitHub]:
    with serving(prefix=request.param) as fake:
        yield fake
        spec = description()
        if spec is not None:
            problems = [p for seen in fake.seen for p in spec.problems(seen, fake.prefix)]
            assert problems == []


def payload(event: str, author: str = "lee", head: str = HEAD) -> dict[str, Any]:
    """The parts of a webhook payload that Charter reads, with a few neighbours for realism."""
    pull = {
        "number": PR,
        "state": "open",
        "user": {"login": author, "type": "User"},
        "head": {"sha": head, "ref": "feature/retrain"},
        "base": {"sha": OLD, "ref": "main"},
    }
    data: dict[str, Any] = {"pull_request": pull, "repository": {"full_name": REPO}}
    if event == "pull_request_review":
        data["action"] = "submitted"
        data["review"] = {"id": 80, "state": "approved", "commit_id": head, "user": {"login": "dana"}}
    else:
        data["action"] = "synchronize"
    return data


def environ(fake: FakeGitHub, tmp_path: Path, event: str = "pull_request", **data: Any) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(data or payload(event)), encoding="utf-8")
    return {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_API_URL": fake.api_url,
    }


def approvals(
    fake: FakeGitHub, tmp_path: Path, waits: list[float] | None = None, **kwargs: Any
) -> PullRequestApprovals:
    sleep = (waits if waits is not None else []).append
    found = pull_request_approvals(environ(fake, tmp_path), sleep=sleep, **kwargs)
    assert isinstance(found, PullRequestApprovals)
    return found


def test_150_reviews_are_read_over_two_pages(tmp_path: Path, github: FakeGitHub) -> None:
    for index in range(149):
        github.review(PR, f"reviewer-{index:03}", "COMMENTED", HEAD)
    github.review(PR, "dana", "APPROVED", HEAD)

    found = approvals(github, tmp_path)

    assert found == PullRequestApprovals(PR, HEAD, "@lee", frozenset({"@dana"}), ())
    reviews = f"{github.prefix}/repos/acme/governance/pulls/{PR}/reviews"
    assert [(s.path, s.query) for s in github.seen] == [
        (reviews, {"per_page": ["100"]}),
        (reviews, {"per_page": ["100"], "page": ["2"]}),
    ]
    assert all(s.headers["authorization"] == f"Bearer {TOKEN}" for s in github.seen)


def test_the_latest_decisive_review_of_each_reviewer_stands(tmp_path: Path, github: FakeGitHub) -> None:
    github.review(PR, "dana", "APPROVED", HEAD)
    github.review(PR, "dana", "CHANGES_REQUESTED", HEAD)
    github.review(PR, "ana", "CHANGES_REQUESTED", HEAD)
    github.review(PR, "ana", "APPROVED", HEAD)
    # A comment or a draft after an approval leaves the approval standing.
    github.review(PR, "ana", "COMMENTED", HEAD)
    github.review(PR, "ana", "PENDING", None)
    github.review(PR, "Omar", "APPROVED", HEAD)
    github.review(PR, "omar", "DISMISSED", HEAD)
    github.review(PR, "kim", "APPROVED", HEAD)["user"] = None

    assert approvals(github, tmp_path).approvers == frozenset({"@ana"})


def test_a_dismissed_approval_approves_nothing(tmp_path: Path, github: FakeGitHub) -> None:
    github.review(PR, "dana", "DISMISSED", HEAD)
    github.review(PR, "dana", "COMMENTED", HEAD)

    found = approvals(github, tmp_path)

    assert (found.approvers, found.notes) == (frozenset(), ())


@pytest.mark.parametrize(
    ("stale", "approvers", "note"),
    [
        (
            "dismiss",
            frozenset(),
            "@dana approved an earlier commit (1b2c3d4e5f60), not the head 9f2c1e7b4a5d: "
            "it counts once they approve again",
        ),
        (
            "keep",
            frozenset({"@dana"}),
            "@dana approved an earlier commit (1b2c3d4e5f60); "
            "it counts because approvals.staleAfterPush is keep",
        ),
    ],
)
def test_an_approval_of_an_older_commit(
    tmp_path: Path, github: FakeGitHub, stale: Any, approvers: frozenset[str], note: str
) -> None:
    github.review(PR, "dana", "APPROVED", OLD)
    github.review(PR, "dana", "COMMENTED", HEAD)

    found = approvals(github, tmp_path, stale_after_push=stale)

    assert (found.approvers, found.notes) == (approvers, (note,))


def test_the_authors_own_approval_never_counts(tmp_path: Path, github: FakeGitHub) -> None:
    github.review(PR, "Lee", "APPROVED", HEAD)
    github.review(PR, "dana", "APPROVED", HEAD)

    found = approvals(github, tmp_path, stale_after_push="keep")

    assert found.approvers == frozenset({"@dana"})
    assert found.notes == ("@Lee opened the pull request, so their approval does not count",)


def test_a_502_is_retried(tmp_path: Path, github: FakeGitHub) -> None:
    github.review(PR, "dana", "APPROVED", HEAD)
    github.fail(502, path="reviews", message="Bad Gateway")
    waits: list[float] = []

    assert approvals(github, tmp_path, waits).approvers == frozenset({"@dana"})
    assert (waits, [s.status for s in github.seen]) == ([1.0], [502, 200])


def test_a_secondary_rate_limit_waits_as_long_as_github_asks(tmp_path: Path, github: FakeGitHub) -> None:
    github.review(PR, "dana", "APPROVED", HEAD)
    github.fail(403, path="reviews", message=SECONDARY, headers={"Retry-After": "7"})
    github.fail(429, path="reviews", headers={"x-ratelimit-remaining": "0", "Retry-After": "3"})
    waits: list[float] = []

    assert approvals(github, tmp_path, waits).approvers == frozenset({"@dana"})
    assert (waits, [s.status for s in github.seen]) == ([7.0, 3.0], [403, 429, 200])


def test_reviews_that_cannot_be_read_are_an_error_never_no_approvals(
    tmp_path: Path, github: FakeGitHub
) -> None:
    github.review(PR, "dana", "APPROVED", HEAD)
    github.fail(502, path="reviews", times=5, message="Bad Gateway")
    waits: list[float] = []

    with pytest.raises(ApprovalsUnavailable) as raised:
        pull_request_approvals(environ(github, tmp_path), sleep=waits.append)

    assert str(raised.value) == (
        "could not read the reviews of pull request #7: GitHub answered 502 Bad Gateway (Bad Gateway) "
        "after 5 attempts"
    )
    assert waits == [1.0, 2.0, 4.0, 8.0]


def test_a_next_page_elsewhere_is_an_error_and_gets_no_token(tmp_path: Path, github: FakeGitHub) -> None:
    for index in range(101):
        github.review(PR, f"reviewer-{index:03}", "APPROVED", HEAD)
    with serving() as elsewhere:
        github.next_link_origin = f"http://localhost:{elsewhere.port}"
        with pytest.raises(ApprovalsUnavailable, match="the next page is on http://localhost"):
            pull_request_approvals(environ(github, tmp_path), sleep=[].append)
        assert elsewhere.seen == []


def test_the_token_is_never_printed(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    github.fail(401, path="reviews", message="Bad credentials", echo_auth=True)
    github.fail(403, path="memberships", message="Forbidden", echo_auth=True)
    env = environ(github, tmp_path)

    with pytest.raises(ApprovalsUnavailable) as raised:
        pull_request_approvals(env, sleep=[].append)
    client = client_from_environ(env, sleep=[].append)
    assert client is not None
    membership = TeamMemberships(client).lookup("@acme/ml-review", "@dana")
    # A 500 that echoes the header reaches the message through another branch.
    github.fail(500, path="memberships", times=5, message="Oops", echo_auth=True)
    failed = TeamMemberships(client).lookup("@acme/ml-review", "@ana")

    shown = "\n".join(
        [
            str(raised.value),
            repr(raised.value),
            repr(client),
            repr(membership),
            repr(failed),
            *capsys.readouterr(),
        ]
    )
    assert "Bearer ***" in str(raised.value)
    assert "Bearer ***" in failed.note
    assert TOKEN not in shown


@pytest.mark.parametrize("event", ["pull_request_review", "pull_request_target", "pull_request"])
def test_every_pull_request_event_is_read(tmp_path: Path, github: FakeGitHub, event: str) -> None:
    github.review(PR, "dana", "APPROVED", HEAD)

    found = pull_request_approvals(environ(github, tmp_path, event), sleep=[].append)

    assert found == PullRequestApprovals(PR, HEAD, "@lee", frozenset({"@dana"}), ())


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"GITHUB_EVENT_NAME": "push"}, "the workflow ran for push, not for a pull request"),
        ({"GITHUB_EVENT_NAME": "schedule"}, "the workflow ran for schedule, not for a pull request"),
        (
            {"GITHUB_EVENT_NAME": "", "GITHUB_EVENT_PATH": ""},
            "this is not a GitHub Actions run for a pull request",
        ),
    ],
)
def test_outside_a_pull_request_there_is_nothing_to_read(
    tmp_path: Path, github: FakeGitHub, changes: dict[str, str], reason: str
) -> None:
    env = {**environ(github, tmp_path), **changes}

    assert pull_request_approvals(env, sleep=[].append) == NotInPullRequest(reason)
    assert github.seen == []


def test_a_payload_without_a_pull_request_outside_actions_is_not_one(
    tmp_path: Path, github: FakeGitHub
) -> None:
    env = {**environ(github, tmp_path, ref="refs/heads/main"), "GITHUB_EVENT_NAME": ""}

    assert pull_request_approvals(env) == NotInPullRequest("the event payload is not about a pull request")


def broken(tmp_path: Path, fake: FakeGitHub, name: str) -> dict[str, str]:
    data = payload("pull_request_review")
    if name == "no-head":
        del data["pull_request"]["head"]["sha"]
    elif name == "short-head":
        data["pull_request"]["head"]["sha"] = "9f2c1e7"
    elif name == "no-author":
        data["pull_request"]["user"] = None
    elif name == "no-pull-request":
        del data["pull_request"]
    env = environ(fake, tmp_path, "pull_request_review", **data)
    if name == "not-json":
        Path(env["GITHUB_EVENT_PATH"]).write_text("{", encoding="utf-8")
    elif name == "no-payload":
        env["GITHUB_EVENT_PATH"] = ""
    elif name == "no-token":
        del env["GITHUB_TOKEN"]
    elif name == "api-url":
        env["GITHUB_API_URL"] = "file:///etc"
    return env


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no-head", "the pull_request_review event payload {path} has no pull_request.head.sha"),
        ("short-head", "the pull_request_review event payload {path} has no pull_request.head.sha"),
        ("no-author", "the pull_request_review event payload {path} has no pull_request.user.login"),
        ("no-pull-request", "the pull_request_review event payload {path} has no pull_request"),
        ("not-json", "the event payload {path} is not JSON"),
        ("no-payload", "GITHUB_EVENT_PATH is not set, though the workflow ran for pull_request_review"),
        (
            "no-token",
            "cannot read the reviews of pull request #7: GITHUB_TOKEN is not set: "
            "give this step the workflow's token in its environment",
        ),
        (
            "api-url",
            "cannot read the reviews of pull request #7: GITHUB_API_URL is not an http(s) address: 'file:///etc'",
        ),
    ],
)
def test_a_pull_request_run_that_cannot_be_read_fails_closed(
    tmp_path: Path, github: FakeGitHub, name: str, message: str
) -> None:
    env = broken(tmp_path, github, name)

    with pytest.raises(ApprovalsUnavailable) as raised:
        pull_request_approvals(env, sleep=[].append)

    assert str(raised.value) == message.format(path=tmp_path / "event.json")
    assert github.seen == []


def memberships(fake: FakeGitHub) -> TeamMemberships:
    return TeamMemberships(GitHubClient(fake.api_url, TOKEN, sleep=[].append))


def test_team_membership(github: FakeGitHub) -> None:
    github.teams[("acme", "ml-review")] = {"Ana": "active", "omar": "pending"}
    github.forbidden.add(("acme", "ai-governance"))
    teams = memberships(github)

    assert [
        teams.lookup("@acme/ml-review", "@ana"),
        teams.lookup("@acme/ml-review", "@omar"),
        teams.lookup("@acme/ml-review", "@dana"),
        teams.lookup("@acme/ai-governance", "@ana"),
        teams.lookup("@acme/ml-review", "dana@acme.example"),
        teams.lookup("ml-review", "@ana"),
    ] == [
        Membership("@acme/ml-review", "@ana", "member"),
        Membership(
            "@acme/ml-review",
            "@omar",
            "not-member",
            "@omar has not accepted the invitation to @acme/ml-review",
        ),
        Membership(
            "@acme/ml-review",
            "@dana",
            "unknown",
            "GitHub shows no membership of @dana in @acme/ml-review: not a member, "
            "or the team is not visible to the token",
        ),
        Membership(
            "@acme/ai-governance",
            "@ana",
            "unknown",
            "the token may not read the members of @acme/ai-governance (403)",
        ),
        Membership(
            "@acme/ml-review",
            "dana@acme.example",
            "unknown",
            "dana@acme.example is not a GitHub login, so GitHub cannot tell",
        ),
        Membership("ml-review", "@ana", "unknown", "ml-review is not a GitHub team (@org/team)"),
    ]
    prefix = f"{github.prefix}/orgs/acme/teams"
    assert [s.path for s in github.seen] == [
        f"{prefix}/ml-review/memberships/ana",
        f"{prefix}/ml-review/memberships/omar",
        f"{prefix}/ml-review/memberships/dana",
        f"{prefix}/ai-governance/memberships/ana",
    ]


def test_team_membership_is_asked_once(github: FakeGitHub) -> None:
    github.teams[("acme", "ml-review")] = {"ana": "active"}
    teams = memberships(github)

    assert teams.lookup("@acme/ml-review", "@ana").member
    assert teams.lookup("@Acme/ML-Review", "@Ana").member
    assert len(github.seen) == 1


def test_team_membership_survives_a_rate_limit_and_a_dead_server(github: FakeGitHub) -> None:
    github.teams[("acme", "ml-review")] = {"ana": "active"}
    github.fail(403, path="memberships", message=SECONDARY, headers={"Retry-After": "2"})
    waits: list[float] = []
    teams = TeamMemberships(GitHubClient(github.api_url, TOKEN, sleep=waits.append))

    assert teams.lookup("@acme/ml-review", "@ana") == Membership("@acme/ml-review", "@ana", "member")
    assert waits == [2.0]
    github.fail(503, path="memberships", times=5, message="Service Unavailable")
    assert teams.lookup("@acme/ml-review", "@dana") == Membership(
        "@acme/ml-review",
        "@dana",
        "unknown",
        "could not ask GitHub whether @dana is in @acme/ml-review: GitHub answered 503 Service Unavailable "
        "(Service Unavailable) after 5 attempts",
    )


def test_no_token_means_no_client() -> None:
    assert client_from_environ({}) is None
    assert client_from_environ({"GITHUB_TOKEN": "has space"}) is None


def test_the_openapi_check_catches_what_github_would_never_send() -> None:
    spec = description()
    if spec is None:
        pytest.skip(UNAVAILABLE)
    reviews = "/repos/acme/governance/pulls/7/reviews"
    listing = "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"
    with serving() as fake:
        good = fake.review(PR, "dana", "APPROVED", HEAD)
    bad = {key: value for key, value in good.items() if key != "commit_id"}
    exchanges = [
        Seen("GET", reviews, {"per_page": ["100"]}, {}, 200, [good]),
        Seen("GET", reviews, {"per_page": ["many"], "since": ["x"]}, {}, 200, [bad]),
        Seen(
            "GET",
            "/orgs/acme/teams/t/memberships/ana",
            {},
            {},
            200,
            {"url": "u", "role": "member", "state": "x"},
        ),
        Seen("GET", reviews, {}, {}, 200, [], {"Link": "page=2"}),
        Seen("DELETE", reviews, {}, {}, 204, None),
        Seen("GET", "/repos/acme/governance/reviews", {}, {}, 200, []),
    ]

    assert [spec.problems(seen) for seen in exchanges] == [
        [],
        [
            f"{listing} query per_page: 'many' is not of type 'integer' at []",
            f"{listing}: undeclared query parameter since",
            f"{listing} answer 200: 'commit_id' is a required property at [0]",
        ],
        [
            "GET /orgs/{org}/teams/{team_slug}/memberships/{username} answer 200: "
            "'x' is not one of ['active', 'pending'] at ['state']"
        ],
        [f"{listing}: malformed Link header 'page=2'"],
        [
            "DELETE /repos/acme/governance/pulls/7/reviews: GitHub's API has no DELETE on "
            "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"
        ],
        ["GET /repos/acme/governance/reviews: no such path in GitHub's API"],
    ]
