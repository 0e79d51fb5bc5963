"""GitHub's REST API, as little of it as the sticky pull-request comment and the approvals need.

Built on urllib so that commenting adds no dependency. Every request has a timeout, failures
that are worth another try are retried a bounded number of times, and the token never appears
in anything this module returns or raises.
"""

from __future__ import annotations

import http.client
import json
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any

from checker import __version__
from checker.errors import FatalError
from checker.gfm import COMMENT_LIMIT, MARKER

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = f"charter/{__version__} (+https://github.com/charter-checker/charter)"

TIMEOUT = 20.0
MAX_ATTEMPTS = 5
MAX_WAIT = 120.0
MAX_PAGES = 100
PER_PAGE = 100
MAX_REDIRECTS = 3

_TOKEN = re.compile(r"[\x21-\x7e]+")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="([^"]*)"')
_REDIRECTS = {301, 302, 303, 307, 308}

Sleep = Callable[[float], None]


class GitHubError(Exception):
    """GitHub refused a request or could not be reached; the text never holds the token.

    ambiguous is true when a request that is not safe to repeat may still have taken effect.
    """

    def __init__(self, message: str, status: int | None = None, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.ambiguous = ambiguous


@dataclass(frozen=True)
class Settings:
    """Where to comment, read from the variables GitHub Actions sets."""

    token: str = field(repr=False)
    repository: str
    number: int
    api_url: str = DEFAULT_API_URL
    run_url: str | None = None


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    data: Any


@dataclass(frozen=True)
class Outcome:
    """What happened to the sticky comment: created, updated or unchanged."""

    action: str
    url: str


def settings_from_environ(environ: Mapping[str, str], number: int | None = None) -> Settings:
    """The comment's target from GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH and GITHUB_API_URL."""
    token, api_url = api_from_environ(environ)
    repository = environ.get("GITHUB_REPOSITORY", "").strip()
    if not _REPOSITORY.fullmatch(repository):
        raise FatalError("GITHUB_REPOSITORY must name the repository as owner/name")
    if number is None:
        number = _event_number(environ)
    server, run_id = environ.get("GITHUB_SERVER_URL", "").rstrip("/"), environ.get("GITHUB_RUN_ID", "")
    run_url = f"{server}/{repository}/actions/runs/{run_id}" if server and run_id.isdigit() else None
    return Settings(token, repository, number, api_url, run_url)


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
        return _positive(pull.get("number"))
    issue = payload.get("issue")
    # An issue_comment event is about a pull request only when its issue carries a pull_request link.
    if isinstance(issue, dict) and issue.get("pull_request"):
        return _positive(issue.get("number"))
    return None


def _positive(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units: never less than in code points, so a limit met here holds for both."""
    return len(text.encode("utf-16-le")) // 2


def fit_comment(report: str, limit: int = COMMENT_LIMIT, run_url: str | None = None) -> tuple[str, bool]:
    """The comment body for a report: starts with the marker, cut at a line boundary to stay under limit.

    Returns the body and whether it was cut.
    """
    text = report.replace("\r\n", "\n").strip("\n")
    if not text.lstrip().startswith(MARKER):
        text = f"{MARKER}\n{text}"
    if utf16_length(text) < limit:
        return text, False
    lines = text.split("\n")
    where = f"the [job summary]({run_url})" if run_url else "the job summary of this workflow run"

    def note(shown: int) -> str:
        return (
            f"\n\n> [!NOTE]\n> This report was cut to fit GitHub's limit of {limit:,} characters per "
            f"comment: {shown:,} of {len(lines):,} lines are shown. The full report is in {where}."
        )

    # The longest prefix of whole lines that leaves room for the note, then fewer lines while the
    # fences and <details> blocks it must close still do not fit.
    budget = limit - 1 - utf16_length(note(len(lines)))
    used, count = 0, 0
    for line in lines:
        used += utf16_length(line) + 1
        if used > budget:
            break
        count += 1
    for shown in range(count, 0, -1):
        kept = lines[:shown]
        body = "\n".join([*kept, *_closers(kept)]) + note(shown)
        if utf16_length(body) < limit:
            return body, True
    return MARKER + note(1), True


def _closers(lines: list[str]) -> list[str]:
    """Lines that close a code fence or <details> blocks left open where the report was cut."""
    fence = ""
    depth = 0
    for line in lines:
        stripped = line.lstrip()
        if fence:
            if stripped.startswith(fence):
                fence = ""
        elif stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        else:
            depth += stripped.count("<details") - stripped.count("</details>")
    return ([fence] if fence else []) + ["</details>"] * max(depth, 0)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hands redirects back to the client, which follows them only on the API's own origin.

    urllib would otherwise forward the Authorization header to wherever a redirect points.
    """

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class GitHubClient:
    """A REST client for one API root (github.com's or a GitHub Enterprise Server's /api/v3)."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        timeout: float = TIMEOUT,
        max_attempts: int = MAX_ATTEMPTS,
        max_wait: float = MAX_WAIT,
        sleep: Sleep = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self._opener = urllib.request.build_opener(_NoRedirects)

    def __repr__(self) -> str:
        return f"GitHubClient({self.api_url!r})"

    def redact(self, text: str) -> str:
        """text with the token masked, for anything that came back from the server."""
        return text.replace(self._token, "***") if self._token else text

    def url(self, path: str, **query: str | int) -> str:
        """The absolute address of an API path such as /repos/o/r/issues/1/comments."""
        address = self.api_url + path
        return f"{address}?{urllib.parse.urlencode(query)}" if query else address

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after the attempt-th failure that gave no advice: 1, 2, 4, ... at most 30."""
        return float(min(2 ** (attempt - 1), 30))

    def request(self, method: str, url: str, payload: object = None, *, idempotent: bool = True) -> Response:
        """Send one request, retrying server errors and rate limits; GitHubError when it cannot succeed.

        A request that is not idempotent is retried only when GitHub says it did not process it
        (rate limits); after a server error or a lost connection it raises an ambiguous error.
        """
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        for attempt in range(1, self.max_attempts + 1):
            try:
                status, headers, raw = self._send(method, url, data)
            except GitHubError as exc:
                if not (exc.ambiguous and idempotent) or attempt == self.max_attempts:
                    raise
                self.sleep(self.backoff(attempt))
                continue
            if status < 400:
                return Response(status, headers, _json(raw))
            wait = self._retry_delay(status, headers, raw, attempt, idempotent)
            if wait is None or isinstance(wait, str) or attempt == self.max_attempts:
                raise self._error(status, raw, attempt, wait if isinstance(wait, str) else "")
            self.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(self, method: str, url: str, data: bytes | None) -> tuple[int, Message, bytes]:
        """One HTTP exchange, following redirects on the same origin only."""
        for _ in range(MAX_REDIRECTS + 1):
            if not self.same_origin(url):
                raise GitHubError(
                    f"refusing to send the token to {_origin(url)}, which is not the API's origin"
                )
            request = urllib.request.Request(url, data=data, method=method, headers=self._headers(data))
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    return response.status, response.headers, response.read()
            except urllib.error.HTTPError as exc:
                status, headers, raw = exc.code, exc.headers, _read(exc)
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", None) or exc
                raise GitHubError(
                    self.redact(f"could not reach {_origin(url)}: {reason}"), ambiguous=True
                ) from None
            location = headers.get("Location")
            if status not in _REDIRECTS or not location:
                return status, headers, raw
            url = urllib.parse.urljoin(url, location)
        raise GitHubError(f"GitHub redirected more than {MAX_REDIRECTS} times")

    def _headers(self, data: bytes | None) -> dict[str, str]:
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self._token}",
            "User-Agent": USER_AGENT,
            "X-GitHub-Api-Version": API_VERSION,
        }
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        return headers

    def same_origin(self, url: str) -> bool:
        """Whether url is on the API's scheme, host and port, where the token may be sent."""
        return _origin(url) == _origin(self.api_url)

    def _retry_delay(
        self, status: int, headers: Message, raw: bytes, attempt: int, idempotent: bool
    ) -> float | str | None:
        """Seconds to wait before the next attempt, None not to retry, or why waiting is not worth it."""
        advised = _retry_after(headers, self.clock())
        if status in (403, 429):
            message = _message(raw).lower()
            if advised is None and headers.get("x-ratelimit-remaining") == "0":
                reset = headers.get("x-ratelimit-reset", "")
                advised = max(0.0, float(reset) - self.clock()) if reset.isdigit() else None
            if advised is None and (status == 429 or "rate limit" in message):
                # GitHub asks for at least a minute when a secondary limit gives no time.
                advised = 60.0 * 2 ** (attempt - 1)
            if advised is None:
                return None  # a plain 403: missing permission, which no retry fixes
        elif status >= 500 and idempotent:
            advised = self.backoff(attempt) if advised is None else advised
        else:
            return None
        if advised > self.max_wait:
            return f"GitHub asked to wait {math.ceil(advised)} seconds, longer than this command waits"
        return float(math.ceil(advised))

    def _error(self, status: int, raw: bytes, attempts: int, why: str) -> GitHubError:
        reason = http.client.responses.get(status, "")
        text = f"GitHub answered {status} {reason}".rstrip()
        message = " ".join(_message(raw).split())[:300]
        if message:
            text += f" ({message})"
        if attempts > 1:
            text += f" after {attempts} attempts"
        if why:
            text += f"; {why}"
        return GitHubError(self.redact(text), status, ambiguous=status >= 500)

    def paginate(self, url: str) -> Iterator[Any]:
        """Every item of a list endpoint, following the Link header's next page."""
        for _ in range(MAX_PAGES):
            response = self.request("GET", url)
            if not isinstance(response.data, list):
                raise GitHubError(f"GitHub answered {response.status} with something that is not a list")
            yield from response.data
            following = _next_link(response.headers.get("Link", ""))
            if following is None:
                return
            following = urllib.parse.urljoin(url, following)
            if not self.same_origin(following):
                raise GitHubError(f"the next page is on {_origin(following)}, not on the API's origin")
            url = following
        raise GitHubError(f"more than {MAX_PAGES} pages of results; stopped reading")

    def issue_comments(self, repository: str, number: int) -> Iterator[dict[str, Any]]:
        """The comments of an issue or pull request, oldest first."""
        path = f"/repos/{_quote(repository)}/issues/{number}/comments"
        for item in self.paginate(self.url(path, per_page=PER_PAGE)):
            if isinstance(item, dict):
                yield item

    def create_comment(self, repository: str, number: int, body: str) -> dict[str, Any]:
        path = f"/repos/{_quote(repository)}/issues/{number}/comments"
        return _object(self.request("POST", self.url(path), {"body": body}, idempotent=False), "the comment")

    def update_comment(self, repository: str, comment_id: int, body: str) -> dict[str, Any]:
        path = f"/repos/{_quote(repository)}/issues/comments/{comment_id}"
        return _object(self.request("PATCH", self.url(path), {"body": body}), "the comment")

    def pull_request_reviews(self, repository: str, number: int) -> Iterator[Any]:
        """Every review of a pull request, oldest first, as GitHub lists them."""
        path = f"/repos/{_quote(repository)}/pulls/{number}/reviews"
        return self.paginate(self.url(path, per_page=PER_PAGE))

    def team_membership(self, org: str, team_slug: str, username: str) -> dict[str, Any]:
        """A user's membership of an organization's team; GitHubError (404) when GitHub shows none."""
        names = (urllib.parse.quote(name, safe="") for name in (org, team_slug, username))
        path = "/orgs/{}/teams/{}/memberships/{}".format(*names)
        return _object(self.request("GET", self.url(path)), "the membership")


def find_comment(client: GitHubClient, repository: str, number: int) -> dict[str, Any] | None:
    """The oldest comment of the pull request that a bot wrote starting with the marker, or None.

    Anyone can post a comment that starts with the marker. Only one written by a bot (the workflow
    token's github-actions[bot], or an app's) is taken for the report: a person's is never edited.
    """
    for comment in client.issue_comments(repository, number):
        body, user = comment.get("body"), comment.get("user")
        by_bot = isinstance(user, dict) and user.get("type") == "Bot"
        if (
            by_bot
            and isinstance(body, str)
            and body.lstrip().startswith(MARKER)
            and _positive(comment.get("id"))
        ):
            return comment
    return None


def sticky_comment(client: GitHubClient, repository: str, number: int, body: str) -> Outcome:
    """Update the pull request's marked comment in place, or create it when there is none."""
    for attempt in range(1, client.max_attempts + 1):
        existing = find_comment(client, repository, number)
        if existing is not None:
            if existing.get("body") == body:
                return Outcome("unchanged", _html_url(existing))
            return Outcome("updated", _html_url(client.update_comment(repository, existing["id"], body)))
        try:
            return Outcome("created", _html_url(client.create_comment(repository, number, body)))
        except GitHubError as exc:
            # The comment may exist even though the answer was lost: look again before another try.
            if not exc.ambiguous or attempt == client.max_attempts:
                raise
            client.sleep(client.backoff(attempt))
    raise AssertionError("unreachable: the last attempt returns or raises")


def _quote(repository: str) -> str:
    owner, _, name = repository.partition("/")
    return f"{urllib.parse.quote(owner, safe='')}/{urllib.parse.quote(name, safe='')}"


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    except ValueError:
        port = -1  # a malformed port matches no origin the token may go to
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _next_link(header: str) -> str | None:
    for target, rel in _LINK.findall(header):
        if "next" in rel.split():
            return target
    return None


def _retry_after(headers: Message, now: float) -> float | None:
    """Seconds from a Retry-After header, in either of its forms (delay or HTTP date)."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def _read(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read()
    except OSError:
        return b""


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise GitHubError("GitHub answered with something that is not JSON") from None


def _message(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else ""


def _object(response: Response, what: str) -> dict[str, Any]:
    if not isinstance(response.data, dict):
        raise GitHubError(f"GitHub answered {response.status} without {what}")
    return response.data


def _html_url(comment: dict[str, Any]) -> str:
    url = comment.get("html_url")
    return url if isinstance(url, str) else ""
