"""The one sticky pull-request comment: its body cut to fit GitHub's limit, found and updated in place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.gfm import COMMENT_LIMIT, MARKER
from checker.github import GitHubClient, GitHubError, positive_id


@dataclass(frozen=True)
class Outcome:
    """What happened to the sticky comment: created, updated or unchanged."""

    action: str
    url: str


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
            and positive_id(comment.get("id"))
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


def _html_url(comment: dict[str, Any]) -> str:
    url = comment.get("html_url")
    return url if isinstance(url, str) else ""
