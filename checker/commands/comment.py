"""charter comment: create or update the one sticky pull-request comment from a markdown report."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

from checker.characters import shown
from checker.errors import EXIT_OK, FatalError
from checker.github import GitHubClient, GitHubError, Sleep
from checker.github_settings import settings_from_environ
from checker.pr_comment import fit_comment, sticky_comment
from checker.reporters.github import command

# Distinct from the check's own codes in meaning, though it shares the value of "findings": the
# comment could not be posted and --strict asked for that to fail the step.
EXIT_NOT_POSTED = 1


@dataclass
class CommentOptions:
    report: str
    strict: bool = False
    number: int | None = None


def read_report(name: str) -> str:
    """The report's text, from a file or from standard input for '-'."""
    label = "standard input" if name == "-" else name
    try:
        if name == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(name, "rb") as handle:
                raw = handle.read()
    except AttributeError:
        raise FatalError("cannot read the report: there is no standard input") from None
    except OSError as exc:
        raise FatalError(f"cannot read the report: {exc.strerror or exc}", label) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FatalError("the report is not UTF-8 text", label) from None
    if not text.strip():
        raise FatalError("the report is empty, so there is nothing to comment", label)
    return text


def run_comment(
    options: CommentOptions, environ: Mapping[str, str] | None = None, sleep: Sleep | None = None
) -> int:
    """Post or update the comment; a GitHub failure is reported and, unless strict, leaves exit 0."""
    environ = os.environ if environ is None else environ
    text = read_report(options.report)
    settings = settings_from_environ(environ, options.number)
    body, cut = fit_comment(text, run_url=settings.run_url)
    if cut:
        print(
            f"charter: note: the report was cut to {len(body):,} characters to fit GitHub's comment limit",
            file=sys.stderr,
        )
    client = GitHubClient(settings.api_url, settings.token, sleep=sleep or time.sleep)
    try:
        outcome = sticky_comment(client, settings.repository, settings.number, body)
    except GitHubError as exc:
        reason = " ".join(str(exc).split())
        sentence = (
            f"could not comment on pull request #{settings.number}: {reason}; "
            "the check's result is not affected"
        )
        print(f"charter: {shown(sentence)}", file=sys.stderr)
        if environ.get("GITHUB_ACTIONS") == "true":
            # Also shown on the run's summary page, where a log line would go unnoticed.
            print(command("warning", {"title": "Charter"}, sentence))
        return EXIT_NOT_POSTED if options.strict else EXIT_OK
    what = f"the report comment on pull request #{settings.number}"
    done = f"{what} is already up to date" if outcome.action == "unchanged" else f"{outcome.action} {what}"
    url = client.redact(outcome.url)
    print(f"charter: {done}: {shown(url)}" if url else f"charter: {done}")
    return EXIT_OK
