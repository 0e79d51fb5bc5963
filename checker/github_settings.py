"""Where Charter comments and how it reaches GitHub's API, from the variables GitHub Actions sets."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

from checker.errors import FatalError
from checker.github import DEFAULT_API_URL, positive_id

_TOKEN = re.compile(r"[\x21-\x7e]+")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Settings:
    """Where to comment, read from the variables GitHub Actions sets."""

    token: str = field(repr=False)
    repository: str
    number: int
    api_url: str = DEFAULT_API_URL
    run_url: str | None = None


def settings_from_environ(environ: Mapping[str, str], number: int | None = None) -> Settings:
    """The comment's target from GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH and GITHUB_API_URL."""
    token, api_url = api_from_environ(environ)
    repository = environ.get("GITHUB_REPOSITORY", "").strip()
    if not _REPOSITORY.fullmatch(repository):
        raise FatalError("GITHUB_REPOSITORY must name the repository as owner/name")
    if number is None:
        number = _event_number(environ)
    return Settings(token, repository, number, api_url, run_url(environ) or None)


def run_url(environ: Mapping[str, str]) -> str:
    """The page of the GitHub Actions run, from the variables the runner sets; '' when incomplete."""
    server = environ.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY", "").strip()
    run_id = environ.get("GITHUB_RUN_ID", "")
    if not (server and repository and run_id.isdigit()):
        return ""
    return f"{server}/{repository}/actions/runs/{run_id}"


def api_from_environ(environ: Mapping[str, str]) -> tuple[str, str]:
    """The token and the API root from GITHUB_TOKEN and GITHUB_API_URL; FatalError when unusable."""
    token = environ.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise FatalError("GITHUB_TOKEN is not set: give this step the workflow's token in its environment")
    if not _TOKEN.fullmatch(token):
        # Checked here so that no HTTP library ever quotes the token back in a header error.
        raise FatalError("GITHUB_TOKEN holds characters that no GitHub token has")
    api_url = (environ.get("GITHUB_API_URL") or DEFAULT_API_URL).strip().rstrip("/")
    parts = urllib.parse.urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FatalError(f"GITHUB_API_URL is not an http(s) address: {api_url!r}")
    return token, api_url


def _event_number(environ: Mapping[str, str]) -> int:
    path = environ.get("GITHUB_EVENT_PATH", "")
    if not path:
        raise FatalError(
            "GITHUB_EVENT_PATH is not set: run this in a pull request workflow or name one with --pr"
        )
    try:
        with open(path, encoding="utf-8") as handle:
            payload = json.load(handle)
    except OSError as exc:
        raise FatalError(f"cannot read the event payload: {exc.strerror}", path) from None
    except ValueError:
        raise FatalError("the event payload is not JSON", path) from None
    number = pull_request_number(payload)
    if number is None:
        event = environ.get("GITHUB_EVENT_NAME") or "this event"
        raise FatalError(f"there is no pull request to comment on: the workflow ran for {event}")
    return number


def pull_request_number(payload: object) -> int | None:
    """The pull request an event is about (pull_request, pull_request_target, issue_comment), or None."""
    if not isinstance(payload, dict):
        return None
    pull = payload.get("pull_request")
    if isinstance(pull, dict):
        return positive_id(pull.get("number"))
    issue = payload.get("issue")
    # An issue_comment event is about a pull request only when its issue carries a pull_request link.
    if isinstance(issue, dict) and issue.get("pull_request"):
        return positive_id(issue.get("number"))
    return None
