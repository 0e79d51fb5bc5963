"""A client of GitHub's REST API, as little of it as the sticky pull-request comment and the approvals need.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any

from checker import __version__

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = f"charter/{__version__} (+https://github.com/charter-checker/charter)"

TIMEOUT = 20.0
MAX_ATTEMPTS = 5
MAX_WAIT = 120.0
MAX_PAGES = 100
PER_PAGE = 100
MAX_REDIRECTS = 3

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
class Response:
    status: int
    headers: Message
    data: Any


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


def positive_id(value: object) -> int | None:
    """An id or number as GitHub gives them: a positive integer, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
