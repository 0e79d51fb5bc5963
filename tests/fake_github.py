"""A stand-in for GitHub's comment, review and team-membership endpoints on 127.0.0.1, with failures."""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "ghs_FakeToken0123456789abcdefABCDEF"

_LIST = re.compile(r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments")
_ONE = re.compile(r"/repos/([^/]+)/([^/]+)/issues/comments/(\d+)")
_REVIEWS = re.compile(r"/repos/([^/]+)/([^/]+)/pulls/(\d+)/reviews")
_MEMBERSHIP = re.compile(r"/orgs/([^/]+)/teams/([^/]+)/memberships/([^/]+)")


@dataclass
class Failure:
    """An answer given instead of the real one to the next matching requests.

    apply: do the real work first, then answer with the failure (a response lost on the way back).
    echo_auth: put the request's Authorization header in the error message, as a careless proxy might.
    """

    status: int
    method: str | None = None
    path: str | None = None
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "Server Error"
    apply: bool = False
    echo_auth: bool = False


@dataclass
class Seen:
    """A request as the server got it and the answer it gave; header names in lower case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int = 0
    response: Any = None
    response_headers: dict[str, str] = field(default_factory=dict)


class FakeGitHub:
    """Comments and reviews of one repository's pull requests, and team memberships, under an optional
    path prefix (/api/v3 for GHES)."""

    def __init__(self, prefix: str = "", max_per_page: int = 100, token: str = TOKEN) -> None:
        self.prefix = prefix
        self.max_per_page = max_per_page
        self.token = token
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.reviews: dict[int, list[dict[str, Any]]] = {}
        # (org, team slug) -> {login: "active" or "pending"}; teams in forbidden answer 403.
        self.teams: dict[tuple[str, str], dict[str, str]] = {}
        self.forbidden: set[tuple[str, str]] = set()
        self.failures: list[Failure] = []
        self.seen: list[Seen] = []
        self.next_link_origin: str | None = None
        self._next_id = 1000
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.api_url = f"http://127.0.0.1:{self.port}{prefix}"

    def start(self) -> None:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, number: int, body: str, login: str = "octocat") -> dict[str, Any]:
        """Store a comment as if someone had posted it."""
        with self._lock:
            return self._create(number, body, login)

    def review(self, number: int, login: str, state: str, commit_id: str | None) -> dict[str, Any]:
        """Store a review as GitHub lists it, with every field its API description requires."""
        with self._lock:
            self._next_id += 1
            html = f"https://github.example/acme/governance/pull/{number}"
            api = f"https://api.github.example/repos/acme/governance/pulls/{number}"
            review = {
                "id": self._next_id,
                "node_id": f"PRR_{self._next_id}",
                "user": _user(login),
                "body": "",
                "state": state,
                "html_url": f"{html}#pullrequestreview-{self._next_id}",
                "pull_request_url": api,
                "_links": {"html": {"href": html}, "pull_request": {"href": api}},
                "commit_id": commit_id,
                "author_association": "MEMBER",
            }
            if state != "PENDING":
                review["submitted_at"] = "2026-11-30T12:00:00Z"
            self.reviews.setdefault(number, []).append(review)
            return review

    def fail(self, status: int, **kwargs: Any) -> None:
        self.failures.append(Failure(status, **kwargs))

    def marked(self, number: int, marker: str) -> list[dict[str, Any]]:
        return [c for c in self.comments.get(number, []) if c["body"].startswith(marker)]

    def _create(self, number: int, body: str, login: str) -> dict[str, Any]:
        self._next_id += 1
        comment = {
            "id": self._next_id,
            "body": body,
            "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
            "html_url": f"https://github.example/acme/governance/pull/{number}#issuecomment-{self._next_id}",
        }
        self.comments.setdefault(number, []).append(comment)
        return comment

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def do_PATCH(self) -> None:
                fake._serve(self, "PATCH")

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        with self._lock:
            self.seen.append(
                Seen(
                    method,
                    parts.path,
                    urllib.parse.parse_qs(parts.query),
                    {k.lower(): v for k, v in handler.headers.items()},
                )
            )
            seen = self.seen[-1]
            failure = next(
                (
                    f
                    for f in self.failures
                    if f.method in (None, method) and f.path in (None, *parts.path.split("/")) and f.times > 0
                ),
                None,
            )
            if failure is not None:
                failure.times -= 1
            if failure is not None and not failure.apply:
                self._fail(handler, failure, seen)
                return
            if handler.headers.get("Authorization") != f"Bearer {self.token}":
                self._send(handler, 401, {"message": "Bad credentials"}, seen=seen)
                return
            status, payload, headers = self._route(method, parts.path, parts.query, raw)
            if failure is not None:
                self._fail(handler, failure, seen)
                return
            self._send(handler, status, payload, headers, seen)

    def _route(self, method: str, path: str, query: str, raw: bytes) -> tuple[int, Any, dict[str, str]]:
        if not path.startswith(self.prefix + "/"):
            return 404, {"message": "Not Found"}, {}
        path = path[len(self.prefix) :]
        listing, single = _LIST.fullmatch(path), _ONE.fullmatch(path)
        reviews, membership = _REVIEWS.fullmatch(path), _MEMBERSHIP.fullmatch(path)
        if listing and method == "GET":
            items = self.comments.get(int(listing.group(3)), [])
            return self._page(items, path, urllib.parse.parse_qs(query))
        if reviews and method == "GET":
            items = self.reviews.get(int(reviews.group(3)), [])
            return self._page(items, path, urllib.parse.parse_qs(query))
        if membership and method == "GET":
            return self._membership(*(urllib.parse.unquote(part) for part in membership.groups()))
        if listing and method == "POST":
            body = json.loads(raw)["body"]
            return 201, self._create(int(listing.group(3)), body, "github-actions[bot]"), {}
        if single and method == "PATCH":
            wanted = int(single.group(3))
            for comments in self.comments.values():
                for comment in comments:
                    if comment["id"] == wanted:
                        comment["body"] = json.loads(raw)["body"]
                        return 200, comment, {}
            return 404, {"message": "Not Found"}, {}
        return 404, {"message": "Not Found"}, {}

    def _membership(self, org: str, slug: str, login: str) -> tuple[int, Any, dict[str, str]]:
        team = (org.lower(), slug.lower())
        if team in self.forbidden:
            return 403, {"message": "Resource not accessible by integration"}, {}
        state = {k.lower(): v for k, v in self.teams.get(team, {}).items()}.get(login.lower())
        if state is None:
            return 404, {"message": "Not Found"}, {}
        url = f"https://api.github.example/teams/1/memberships/{login}"
        return 200, {"url": url, "role": "member", "state": state}, {}

    def _page(
        self, items: list[dict[str, Any]], path: str, query: dict[str, list[str]]
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = min(int(query.get("per_page", ["30"])[0]), self.max_per_page)
        page = int(query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // per_page))
        headers = {}
        if page < last:
            origin = self.next_link_origin or f"http://127.0.0.1:{self.port}"
            base = f"{origin}{self.prefix}{path}"
            headers["Link"] = (
                f'<{base}?per_page={per_page}&page={page + 1}>; rel="next", '
                f'<{base}?per_page={per_page}&page={last}>; rel="last"'
            )
        return 200, items[(page - 1) * per_page : page * per_page], headers

    def _fail(self, handler: BaseHTTPRequestHandler, failure: Failure, seen: Seen) -> None:
        message = failure.message
        if failure.echo_auth:
            message += f": {handler.headers.get('Authorization')}"
        self._send(handler, failure.status, {"message": message}, failure.headers, seen)

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
        seen: Seen | None = None,
    ) -> None:
        if seen is not None:
            seen.status, seen.response, seen.response_headers = status, payload, dict(headers or {})
        data = json.dumps(payload).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)


def _user(login: str) -> dict[str, Any]:
    """A user as GitHub embeds one in a review."""
    api, web = f"https://api.github.example/users/{login}", f"https://github.example/{login}"
    return {
        "login": login,
        "id": sum(map(ord, login)),
        "node_id": f"U_{login}",
        "avatar_url": f"https://avatars.github.example/{login}",
        "gravatar_id": "",
        "url": api,
        "html_url": web,
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Bot" if login.endswith("[bot]") else "User",
        "site_admin": False,
    }


@contextmanager
def serving(**kwargs: Any) -> Iterator[FakeGitHub]:
    """A running FakeGitHub, stopped on exit."""
    fake = FakeGitHub(**kwargs)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
