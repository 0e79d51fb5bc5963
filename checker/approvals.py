"""Who really approved a pull request, from its reviews on GitHub, and who is in a GitHub team.

Outside a pull request there is nothing to read (NotInPullRequest). Inside one, a failure to read
the reviews raises ApprovalsUnavailable: an approval set that could not be read is never taken for
an empty one.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from checker.errors import FatalError
from checker.github import GitHubClient, GitHubError, Sleep
from checker.github_settings import api_from_environ, settings_from_environ

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_review", "pull_request_target")
StaleAfterPush = Literal["dismiss", "keep"]
MembershipState = Literal["member", "not-member", "unknown"]

# The review states that change where a reviewer stands; COMMENTED and PENDING leave it as it was.
_DECISIVE = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?")
_TEAM = re.compile(r"@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9_.-]{1,100})")


class ApprovalsUnavailable(Exception):
    """A pull request's approvals could not be read; the text never holds the token."""


@dataclass(frozen=True)
class NotInPullRequest:
    """The run is not for a pull request, so there are no reviews to verify; reason says what it is."""

    reason: str


@dataclass(frozen=True)
class PullRequestEvent:
    """The pull request a run is for, from the event payload; author is '@login'."""

    event: str
    repository: str
    number: int
    head_sha: str
    author: str


@dataclass(frozen=True)
class PullRequestApprovals:
    """The reviewers ('@login') whose standing review approves the pull request, and why others do not."""

    number: int
    head_sha: str
    author: str
    approvers: frozenset[str]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Membership:
    """Whether a person ('@login') is an active member of a team ('@org/slug'); unknown says why in note."""

    team: str
    user: str
    state: MembershipState
    note: str = ""

    @property
    def member(self) -> bool:
        return self.state == "member"


def pull_request_event(environ: Mapping[str, str]) -> PullRequestEvent | NotInPullRequest:
    """The pull request of a GitHub Actions run; ApprovalsUnavailable when it is one but cannot be read."""
    name = environ.get("GITHUB_EVENT_NAME", "").strip()
    path = environ.get("GITHUB_EVENT_PATH", "")
    if name and name not in PULL_REQUEST_EVENTS:
        return NotInPullRequest(f"the workflow ran for {name}, not for a pull request")
    if not path:
        if name:
            raise ApprovalsUnavailable(f"GITHUB_EVENT_PATH is not set, though the workflow ran for {name}")
        return NotInPullRequest("this is not a GitHub Actions run for a pull request")
    try:
        with open(path, encoding="utf-8") as handle:
            payload = json.load(handle)
    except OSError as exc:
        raise ApprovalsUnavailable(f"cannot read the event payload {path}: {exc.strerror}") from None
    except ValueError:
        raise ApprovalsUnavailable(f"the event payload {path} is not JSON") from None
    pull = payload.get("pull_request") if isinstance(payload, dict) else None
    if not name and not isinstance(pull, dict):
        return NotInPullRequest("the event payload is not about a pull request")
    event = name or "pull_request"
    if not isinstance(pull, dict):
        raise ApprovalsUnavailable(f"the {event} event payload {path} has no pull_request")
    number, head, user = pull.get("number"), pull.get("head"), pull.get("user")
    sha = head.get("sha") if isinstance(head, dict) else None
    login = user.get("login") if isinstance(user, dict) else None
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise ApprovalsUnavailable(f"the {event} event payload {path} has no pull_request.number")
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        raise ApprovalsUnavailable(f"the {event} event payload {path} has no pull_request.head.sha")
    if not isinstance(login, str) or not _LOGIN.fullmatch(login):
        raise ApprovalsUnavailable(f"the {event} event payload {path} has no pull_request.user.login")
    repository = environ.get("GITHUB_REPOSITORY", "").strip()
    return PullRequestEvent(event, repository, number, sha, f"@{login}")


def approvers(
    reviews: Iterable[object], head_sha: str, author: str, stale_after_push: StaleAfterPush = "dismiss"
) -> tuple[frozenset[str], tuple[str, ...]]:
    """The reviewers whose latest decisive review approves head_sha (any commit with keep), and notes."""
    latest: dict[str, tuple[str, str, str | None]] = {}
    for review in reviews:
        if not isinstance(review, dict):
            raise ApprovalsUnavailable("GitHub listed a review that is not an object")
        state, user, commit = review.get("state"), review.get("user"), review.get("commit_id")
        login = user.get("login") if isinstance(user, dict) else None
        # A deleted account's reviews have no user: they approve nothing and block nothing.
        if state in _DECISIVE and isinstance(login, str) and login:
            latest[login.lower()] = (login, state, commit if isinstance(commit, str) else None)
    found: set[str] = set()
    notes: list[str] = []
    for login, state, commit in sorted(latest.values(), key=lambda entry: entry[0].lower()):
        handle = f"@{login}"
        if state != "APPROVED":
            continue
        if handle.lower() == author.lower():
            notes.append(f"{handle} opened the pull request, so their approval does not count")
            continue
        if commit != head_sha:
            which = f"an earlier commit ({commit[:12]})" if commit else "a commit that no longer exists"
            if stale_after_push != "keep":
                notes.append(
                    f"{handle} approved {which}, not the head {head_sha[:12]}: "
                    "it counts once they approve again"
                )
                continue
            notes.append(f"{handle} approved {which}; it counts because approvals.staleAfterPush is keep")
        found.add(handle)
    return frozenset(found), tuple(notes)


def read_approvals(
    client: GitHubClient, event: PullRequestEvent, stale_after_push: StaleAfterPush = "dismiss"
) -> PullRequestApprovals:
    """The approvals of event's pull request, from all pages of its reviews."""
    try:
        reviews = list(client.pull_request_reviews(event.repository, event.number))
    except GitHubError as exc:
        raise ApprovalsUnavailable(
            f"could not read the reviews of pull request #{event.number}: {' '.join(str(exc).split())}"
        ) from None
    found, notes = approvers(reviews, event.head_sha, event.author, stale_after_push)
    return PullRequestApprovals(event.number, event.head_sha, event.author, found, notes)


def pull_request_approvals(
    environ: Mapping[str, str], stale_after_push: StaleAfterPush = "dismiss", sleep: Sleep = time.sleep
) -> PullRequestApprovals | NotInPullRequest:
    """The approvals of the run's pull request, NotInPullRequest, or ApprovalsUnavailable when unreadable."""
    event = pull_request_event(environ)
    if isinstance(event, NotInPullRequest):
        return event
    try:
        settings = settings_from_environ(environ, event.number)
    except FatalError as exc:
        raise ApprovalsUnavailable(
            f"cannot read the reviews of pull request #{event.number}: {exc.message}"
        ) from None
    client = GitHubClient(settings.api_url, settings.token, sleep=sleep)
    return read_approvals(client, event, stale_after_push)


def client_from_environ(environ: Mapping[str, str], sleep: Sleep = time.sleep) -> GitHubClient | None:
    """A client for GITHUB_API_URL with GITHUB_TOKEN, or None when there is no usable token."""
    try:
        token, api_url = api_from_environ(environ)
    except FatalError:
        return None
    return GitHubClient(api_url, token, sleep=sleep)


@dataclass
class TeamMemberships:
    """Team membership from GitHub, asked once per team and person; never raises."""

    client: GitHubClient
    _known: dict[tuple[str, str], Membership] = field(default_factory=dict, repr=False)

    def lookup(self, team: str, user: str) -> Membership:
        """Whether user ('@login') is an active member of team ('@org/slug')."""
        key = (team.lower(), user.lower())
        if key not in self._known:
            self._known[key] = team_membership(self.client, team, user)
        return self._known[key]


def team_membership(client: GitHubClient, team: str, user: str) -> Membership:
    """Ask GitHub whether user is an active member of team; unknown with a note when it cannot tell."""
    parsed, login = _TEAM.fullmatch(team), user[1:] if user.startswith("@") else ""
    if parsed is None:
        return Membership(team, user, "unknown", f"{team} is not a GitHub team (@org/team)")
    if not _LOGIN.fullmatch(login):
        return Membership(team, user, "unknown", f"{user} is not a GitHub login, so GitHub cannot tell")
    try:
        data = client.team_membership(parsed.group(1), parsed.group(2), login)
    except GitHubError as exc:
        if exc.status == 404:
            note = (
                f"GitHub shows no membership of {user} in {team}: not a member, "
                "or the team is not visible to the token"
            )
        elif exc.status == 403:
            note = f"the token may not read the members of {team} (403)"
        else:
            note = f"could not ask GitHub whether {user} is in {team}: {' '.join(str(exc).split())}"
        return Membership(team, user, "unknown", note)
    state = data.get("state")
    if state == "active":
        return Membership(team, user, "member")
    if state == "pending":
        return Membership(team, user, "not-member", f"{user} has not accepted the invitation to {team}")
    return Membership(team, user, "unknown", f"GitHub gave {user}'s membership of {team} no known state")
