"""The pull request a run of `charter check` judges: read once, asked by the rules that need it.

Outside a pull request there is none, and the rules that verify approvals (needsPullRequest) are
not evaluated. Inside one, its reviews are read from GitHub the first time a rule asks, and team
membership is asked of GitHub before the people directory. Whatever cannot be read is kept as the
reason, so that every rule that needed it reports an error rather than a pass.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from checker.approvals import (
    ApprovalsUnavailable,
    NotInPullRequest,
    PullRequestApprovals,
    PullRequestEvent,
    StaleAfterPush,
    TeamMemberships,
    client_from_environ,
    pull_request_event,
    read_approvals,
)
from checker.config import Governance, Settings
from checker.errors import FatalError
from checker.github import GitHubClient, Sleep
from checker.people import People, is_team, key

if TYPE_CHECKING:
    from checker.policy import PolicySet


@dataclass
class PullRequestContext:
    """The run's pull request: its event (None when the payload is unreadable), reviews and teams.

    problem says why the approvals cannot be read, when that is known before asking GitHub.
    """

    event: PullRequestEvent | None
    client: GitHubClient | None
    stale_after_push: StaleAfterPush = "dismiss"
    problem: str | None = None
    # What the run should say about how it decided, once each (team membership the token could not read).
    notes: list[str] = field(default_factory=list)
    _approvals: PullRequestApprovals | None = field(default=None, repr=False)

    @property
    def number(self) -> str:
        """The pull request as messages name it."""
        return f"pull request #{self.event.number}" if self.event is not None else "the pull request"

    def approvals(self) -> PullRequestApprovals:
        """The pull request's approvals, read once; ApprovalsUnavailable when they cannot be read."""
        if self.problem is not None:
            raise ApprovalsUnavailable(self.problem)
        if self._approvals is None:
            assert self.event is not None and self.client is not None
            try:
                self._approvals = read_approvals(self.client, self.event, self.stale_after_push)
            except ApprovalsUnavailable as exc:
                self.problem = str(exc)
                raise
        return self._approvals

    def approvers(self, people: People) -> set[str]:
        """The people (as people resolves them) whose reviews approve the pull request."""
        return {people.resolve(login) for login in self.approvals().approvers}

    def people(self, directory: People) -> People:
        """directory, with team membership asked of GitHub first when the token can read it."""
        if self.client is None:
            return directory
        return GitHubPeople(
            directory.file,
            directory._names,
            directory._teams,
            memberships=TeamMemberships(self.client),
            notes=self.notes,
        )

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


@dataclass
class GitHubPeople(People):
    """The directory's people; a team's members as GitHub says, the directory's when GitHub cannot tell."""

    memberships: TeamMemberships | None = None
    notes: list[str] = field(default_factory=list)

    def is_member(self, person: str, team: str) -> bool | None:
        person = self.resolve(person)
        if self.memberships is not None and is_team(team) and person.startswith("@") and not is_team(person):
            found = self.memberships.lookup(team, person)
            if found.state != "unknown":
                return found.member
            where = (
                f"the people directory {self.file} decided it"
                if key(team) in self._teams
                else "the people directory does not list the team either, so it counts for nothing"
            )
            note = f"team membership from GitHub: {found.note}; {where}"
            if note not in self.notes:
                self.notes.append(note)
        return super().is_member(person, team)


def pull_request_context(
    environ: Mapping[str, str], stale_after_push: StaleAfterPush = "dismiss", sleep: Sleep | None = None
) -> PullRequestContext | None:
    """The run's pull request from the GitHub Actions environment; None outside a pull request.

    sleep waits between retries (time.sleep, looked up when the run starts, by default).
    """
    try:
        event = pull_request_event(environ)
    except ApprovalsUnavailable as exc:
        return PullRequestContext(None, None, stale_after_push, str(exc))
    if isinstance(event, NotInPullRequest):
        return None
    client = client_from_environ(environ, sleep or time.sleep)
    problem = None
    if client is None:
        problem = (
            f"cannot read the reviews of pull request #{event.number}: GITHUB_TOKEN is not set or "
            "unusable; give the check step the workflow's token (permissions: pull-requests: read)"
        )
    elif not event.repository:
        problem = f"cannot read the reviews of pull request #{event.number}: GITHUB_REPOSITORY is not set"
    return PullRequestContext(event, client, stale_after_push, problem)


def governance_approval(
    context: PullRequestContext, governance: Governance | None, people: People
) -> tuple[bool, str]:
    """(approved, what to say) for a governance change in the pull request of context.

    The governance approvers count like a gate: people directly, teams through their members;
    the pull request's author never counts (GitHub does not let them approve it).
    """
    if governance is None:
        return False, "no governance approvers are configured (governance.approvers), so no approval counts"
    try:
        approvers = context.approvers(people)
    except ApprovalsUnavailable as exc:
        return False, f"its approval cannot be verified: {exc}"
    direct = {people.resolve(n) for n in governance.approvers if not is_team(n)}
    teams = [n for n in governance.approvers if is_team(n)]
    counted = sorted(a for a in approvers if a in direct or any(people.is_member(a, t) for t in teams))
    listed = ", ".join(governance.approvers)
    if len(counted) >= governance.minApprovals:
        return True, f"approved in {context.number} by {', '.join(counted)} for the governance approvers"
    has = f"has {len(counted)}" + (f" ({', '.join(counted)})" if counted else "")
    wanted = f"{governance.minApprovals} approval{'' if governance.minApprovals == 1 else 's'}"
    return False, f"needs {wanted} from {listed} in {context.number}; {has}"


def for_run(
    settings: Settings, policies: PolicySet, compared: bool, environ: Mapping[str, str]
) -> PullRequestContext | None:
    """The pull request of a `charter check` run, read from the GitHub Actions environment.

    settings is the configuration that judges the run (the base's when the change touches it), so a
    change cannot relax which approvals count. In a pull request the approvals are verified against
    the base revision: without one the run stops rather than pass unverified.
    """
    context = pull_request_context(environ, settings.approvals.staleAfterPush)
    if context is None:
        return None
    if not compared and any(rule.model.needsPullRequest for rule in policies.enabled()):
        raise FatalError(
            f"{context.number} is judged against its base revision, but no --base was given: "
            "run with --base set to the pull request's base commit"
        )
    return context
