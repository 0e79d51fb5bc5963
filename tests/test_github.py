"""charter comment and the GitHub client, against a fake GitHub on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from checker.cli import cli
from checker.commands.comment import CommentOptions, run_comment
from checker.errors import FatalError
from checker.gfm import COMMENT_LIMIT, MARKER
from checker.github import API_VERSION, GitHubClient, GitHubError
from checker.github_settings import pull_request_number, settings_from_environ
from checker.pr_comment import fit_comment, utf16_length
from tests.fake_github import TOKEN, FakeGitHub, serving
from tests.git_helpers import installed_charter

PR = 7
REPO = "acme/governance"
# The script installed beside the interpreter running the tests; a version manager's shim on PATH
# would need a shell the test's bare PATH does not offer.
CHARTER = installed_charter()
SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
# Variables a real runner sets that would change what the command does if they leaked in from CI.
RUNNER_VARS = ("GITHUB_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_RUN_ID", "GITHUB_BASE_REF")


@pytest.fixture(autouse=True)
def _local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment would send the fake server's traffic elsewhere.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with serving() as fake:
        yield fake


def event(tmp_path: Path, payload: object, name: str = "event.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def pr_event(tmp_path: Path, number: int = PR) -> str:
    return event(tmp_path, {"action": "synchronize", "number": number, "pull_request": {"number": number}})


def environ(fake: FakeGitHub, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": pr_event(tmp_path),
        "GITHUB_API_URL": fake.api_url,
        **extra,
    }


def report(tmp_path: Path, text: str = "## Charter\n\n1 system checked: passed\n") -> str:
    path = tmp_path / "report.md"
    path.write_text(f"{MARKER}\n{text}", encoding="utf-8")
    return str(path)


def comment(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, list[float], str, str]:
    """Run the command in-process with a recorded sleep: exit code, sleeps, stdout, stderr."""
    sleeps: list[float] = []
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("checker.commands.comment.time", SimpleNamespace(sleep=sleeps.append))
        result = runner.invoke(cli, ["comment", *args], env={**dict.fromkeys(RUNNER_VARS), **env})
    return result.exit_code, sleeps, result.stdout, result.stderr


def post(fake: FakeGitHub, tmp_path: Path, strict: bool = False, **extra: str) -> tuple[int, list[float]]:
    """run_comment with a recorded sleep: exit code and the waits asked for."""
    sleeps: list[float] = []
    code = run_comment(
        CommentOptions(report(tmp_path), strict=strict), environ(fake, tmp_path, **extra), sleeps.append
    )
    return code, sleeps


def test_twenty_runs_leave_exactly_one_comment_among_other_peoples(
    tmp_path: Path, github: FakeGitHub
) -> None:
    github.max_per_page = 4
    for n in range(9):
        github.add(PR, f"Comment {n} from a reviewer")
    github.add(PR, f"Someone quoting the report:\n> {MARKER}")
    github.add(PR + 1, f"{MARKER}\nThe report of another pull request")
    outputs = []
    for run in range(20):
        code, _, stdout, stderr = comment(
            tmp_path, environ(github, tmp_path), report(tmp_path, f"run {run}\n")
        )
        assert (code, stderr) == (0, "")
        outputs.append(stdout)
        github.add(PR, f"Comment after run {run}")

    mine = github.marked(PR, MARKER)
    assert [c["body"] for c in mine] == [f"{MARKER}\nrun 19"]
    assert len(github.comments[PR]) == 9 + 1 + 20 + 1
    assert github.comments[PR + 1][0]["body"] == f"{MARKER}\nThe report of another pull request"
    url = mine[0]["html_url"]
    assert outputs[0] == f"charter: created the report comment on pull request #{PR}: {url}\n"
    assert outputs[1:] == [f"charter: updated the report comment on pull request #{PR}: {url}\n"] * 19
    # The last run found its comment on the third of eight pages, so it read every page up to it.
    pages = [s.query.get("page", ["1"])[0] for s in github.seen if s.method == "GET"][-3:]
    assert pages == ["1", "2", "3"]
    assert all(
        s.query["per_page"] == ["100"] for s in github.seen if s.method == "GET" and "page" not in s.query
    )


@pytest.mark.parametrize(
    "user",
    [
        pytest.param({"login": "mallory", "type": "User"}, id="a-person"),
        pytest.param({"login": "acme", "type": "Organization"}, id="an-organization"),
        pytest.param({"login": "mallory[bot]"}, id="no-type"),
        pytest.param(None, id="no-user"),
    ],
)
def test_a_marked_comment_not_written_by_a_bot_is_left_alone(
    tmp_path: Path, github: FakeGitHub, user: dict[str, str] | None
) -> None:
    forged = f"{MARKER}\n## Charter: passed"
    github.add(PR, forged)["user"] = user

    assert post(github, tmp_path) == (0, [])
    assert post(github, tmp_path) == (0, [])

    # The first run posts its own comment beside the forged one; the second finds its own.
    assert [s.method for s in github.seen] == ["GET", "POST", "GET"]
    [forged_comment, own] = github.comments[PR]
    assert (forged_comment["user"], forged_comment["body"]) == (user, forged)
    assert (own["user"], own["body"]) == (
        {"login": "github-actions[bot]", "type": "Bot"},
        f"{MARKER}\n## Charter\n\n1 system checked: passed",
    )


def test_a_bots_marked_comment_after_a_persons_is_the_one_updated(tmp_path: Path, github: FakeGitHub) -> None:
    github.add(PR, f"{MARKER}\nposted by a person", login="mallory")
    own = github.add(PR, f"{MARKER}\nan earlier run", login="github-actions[bot]")

    assert post(github, tmp_path) == (0, [])

    assert [(s.method, s.path) for s in github.seen] == [
        ("GET", f"/repos/{REPO}/issues/{PR}/comments"),
        ("PATCH", f"/repos/{REPO}/issues/comments/{own['id']}"),
    ]
    assert [c["body"] for c in github.comments[PR]] == [
        f"{MARKER}\nposted by a person",
        f"{MARKER}\n## Charter\n\n1 system checked: passed",
    ]


def test_the_same_report_again_leaves_the_comment_untouched(tmp_path: Path, github: FakeGitHub) -> None:
    assert comment(tmp_path, environ(github, tmp_path), report(tmp_path))[0] == 0
    code, _, stdout, _ = comment(tmp_path, environ(github, tmp_path), report(tmp_path))

    assert code == 0
    assert stdout.startswith(f"charter: the report comment on pull request #{PR} is already up to date: ")
    assert [s.method for s in github.seen] == ["GET", "POST", "GET"]


def test_requests_carry_the_api_headers(tmp_path: Path, github: FakeGitHub) -> None:
    assert post(github, tmp_path) == (0, [])

    for seen in github.seen:
        assert seen.headers["accept"] == "application/vnd.github+json"
        assert seen.headers["x-github-api-version"] == API_VERSION
        assert seen.headers["user-agent"].startswith("charter/")
        assert seen.headers["authorization"] == f"Bearer {TOKEN}"


def test_a_bad_gateway_is_retried(tmp_path: Path, github: FakeGitHub) -> None:
    github.fail(502, method="GET", message="Bad Gateway")

    assert post(github, tmp_path) == (0, [1.0])
    assert [s.method for s in github.seen] == ["GET", "GET", "POST"]
    assert len(github.marked(PR, MARKER)) == 1


def test_a_lost_answer_to_the_creation_does_not_duplicate_the_comment(
    tmp_path: Path, github: FakeGitHub
) -> None:
    github.fail(502, method="POST", apply=True)

    assert post(github, tmp_path) == (0, [1.0])
    # Creating is not safe to repeat: the client looked again, found the comment, and left it.
    assert [s.method for s in github.seen] == ["GET", "POST", "GET"]
    assert len(github.marked(PR, MARKER)) == 1


@pytest.mark.parametrize(
    ("status", "message"), [(429, "Too Many Requests"), (403, SECONDARY)], ids=["429", "403-secondary"]
)
def test_rate_limits_wait_as_long_as_retry_after_says(
    tmp_path: Path, github: FakeGitHub, status: int, message: str
) -> None:
    github.fail(status, method="POST", headers={"Retry-After": "1"}, message=message)

    assert post(github, tmp_path) == (0, [1.0])
    assert [s.method for s in github.seen] == ["GET", "POST", "POST"]
    assert len(github.marked(PR, MARKER)) == 1


def test_a_secondary_rate_limit_without_retry_after_waits_a_minute(
    tmp_path: Path, github: FakeGitHub
) -> None:
    github.fail(403, method="GET", message=SECONDARY)

    assert post(github, tmp_path) == (0, [60.0])


def test_an_exhausted_primary_rate_limit_waits_for_the_reset(github: FakeGitHub) -> None:
    now = 1_800_000_000.0
    reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(now) + 42)}
    github.fail(403, headers=reset, message="API rate limit exceeded")
    sleeps: list[float] = []
    client = GitHubClient(github.api_url, TOKEN, sleep=sleeps.append, clock=lambda: now)

    assert list(client.issue_comments(REPO, PR)) == []
    assert sleeps == [42.0]


def test_a_rate_limit_too_far_away_is_not_waited_for(tmp_path: Path, github: FakeGitHub) -> None:
    github.fail(429, headers={"Retry-After": "3600"}, message="Too Many Requests")
    code, sleeps, stdout, stderr = comment(tmp_path, environ(github, tmp_path), report(tmp_path))

    assert (code, sleeps, stdout) == (0, [], "")
    assert stderr == (
        f"charter: could not comment on pull request #{PR}: GitHub answered 429 Too Many Requests "
        "(Too Many Requests); GitHub asked to wait 3600 seconds, longer than this command waits; "
        "the check's result is not affected\n"
    )


def test_a_missing_permission_is_not_retried(tmp_path: Path, github: FakeGitHub) -> None:
    github.fail(403, method="POST", message="Resource not accessible by integration")
    code, sleeps, _, stderr = comment(tmp_path, environ(github, tmp_path), report(tmp_path))

    assert (code, sleeps) == (0, [])
    assert "403 Forbidden (Resource not accessible by integration)" in stderr
    assert [s.method for s in github.seen] == ["GET", "POST"]


@pytest.mark.parametrize(("strict", "expected"), [(False, 0), (True, 1)])
def test_a_persistent_server_error_is_one_sentence_and_keeps_the_verdict(
    tmp_path: Path, github: FakeGitHub, strict: bool, expected: int
) -> None:
    github.fail(500, times=100, message="Internal Server Error")
    args = ["--strict"] if strict else []
    code, sleeps, stdout, stderr = comment(tmp_path, environ(github, tmp_path), *args, report(tmp_path))

    assert (code, stdout) == (expected, "")
    assert stderr == (
        f"charter: could not comment on pull request #{PR}: GitHub answered 500 Internal Server Error "
        "(Internal Server Error) after 5 attempts; the check's result is not affected\n"
    )
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert len(github.seen) == 5


def test_under_github_actions_a_failure_is_also_a_warning_annotation(
    tmp_path: Path, github: FakeGitHub
) -> None:
    github.fail(500, times=100, message="50% of\nthe servers")
    env = environ(github, tmp_path, GITHUB_ACTIONS="true")
    code, _, stdout, _ = comment(tmp_path, env, report(tmp_path))

    assert code == 0
    assert stdout.startswith(
        "::warning title=Charter::could not comment on pull request #7: GitHub answered 500"
    )
    assert "(50%25 of the servers)" in stdout
    assert stdout.count("\n") == 1


def test_an_oversized_report_is_cut_at_a_line_keeping_the_marker(tmp_path: Path, github: FakeGitHub) -> None:
    lines = [f"| OWN001 | ticket-router-{n} | has no accountable owner — é ✓ |" for n in range(4000)]
    text = "\n".join(["## Charter", "<details><summary>Findings</summary>", "", "```text", *lines, "```"])
    env = environ(github, tmp_path, GITHUB_SERVER_URL="https://github.example", GITHUB_RUN_ID="99")
    code, _, _, stderr = comment(tmp_path, env, report(tmp_path, text))

    assert code == 0
    assert stderr.startswith("charter: note: the report was cut to ")
    body = github.marked(PR, MARKER)[0]["body"]
    assert len(body) < COMMENT_LIMIT and utf16_length(body) < COMMENT_LIMIT
    assert utf16_length(body) > COMMENT_LIMIT - 1000
    head, note = body.split("\n\n> [!NOTE]\n")
    kept = head.split("\n")
    assert kept[:5] == [MARKER, "## Charter", "<details><summary>Findings</summary>", "", "```text"]
    assert kept[-2:] == ["```", "</details>"]
    assert kept[5:-2] == lines[: len(kept) - 7]
    assert note == (
        f"> This report was cut to fit GitHub's limit of 65,536 characters per comment: {len(kept) - 2:,} "
        f"of {len(lines) + 6:,} lines are shown. The full report is in the "
        "[job summary](https://github.example/acme/governance/actions/runs/99)."
    )


def test_fit_comment_adds_a_missing_marker_and_handles_one_huge_line() -> None:
    assert fit_comment("no marker here\r\n") == (f"{MARKER}\nno marker here", False)
    body, cut = fit_comment(f"{MARKER}\n" + "x" * 100_000, limit=1000)
    assert cut and body.startswith(f"{MARKER}\n\n> [!NOTE]\n") and len(body) < 1000


def test_the_token_is_never_shown_even_when_the_server_echoes_it(tmp_path: Path, github: FakeGitHub) -> None:
    github.fail(500, times=100, echo_auth=True)
    code, _, stdout, stderr = comment(
        tmp_path, environ(github, tmp_path, GITHUB_ACTIONS="true"), report(tmp_path)
    )

    assert code == 0
    assert "Bearer ***" in stderr
    assert TOKEN not in stdout + stderr
    client = GitHubClient(github.api_url, TOKEN, sleep=lambda _: None)
    with pytest.raises(GitHubError) as caught:
        list(client.issue_comments(REPO, PR))
    assert TOKEN not in f"{caught.value} {caught.value!r} {caught.value.args}"
    assert TOKEN not in repr(client) + repr(settings_from_environ(environ(github, tmp_path)))


def test_a_rejected_token_is_reported_without_it(tmp_path: Path, github: FakeGitHub) -> None:
    env = environ(github, tmp_path, GITHUB_TOKEN="ghs_SomeoneElsesToken")
    code, _, stdout, stderr = comment(tmp_path, env, report(tmp_path))

    assert code == 0
    assert "401 Unauthorized (Bad credentials)" in stderr
    assert "ghs_SomeoneElsesToken" not in stdout + stderr


def test_a_next_page_on_another_origin_is_not_followed(tmp_path: Path, github: FakeGitHub) -> None:
    github.max_per_page = 2
    for n in range(5):
        github.add(PR, f"Comment {n}")
    github.next_link_origin = "http://127.0.0.1:9"

    assert post(github, tmp_path) == (0, [])
    assert len(github.seen) == 1


def test_every_request_has_a_timeout() -> None:
    with socket.socket() as listener:
        # Accepts connections (the backlog does) and never answers.
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        sleeps: list[float] = []
        client = GitHubClient(
            f"http://127.0.0.1:{listener.getsockname()[1]}",
            TOKEN,
            timeout=0.2,
            max_attempts=2,
            sleep=sleeps.append,
        )
        with pytest.raises(GitHubError, match=r"could not reach http://127\.0\.0\.1:\d+: timed out"):
            list(client.issue_comments(REPO, PR))
    assert sleeps == [1.0]


@pytest.mark.skipif(CHARTER is None, reason="the charter executable is not installed")
def test_github_enterprise_server_under_api_v3(tmp_path: Path) -> None:
    with serving(prefix="/api/v3") as ghes:
        assert ghes.api_url.endswith("/api/v3")
        env = {**environ(ghes, tmp_path), "NO_PROXY": "127.0.0.1", "PATH": str(Path(CHARTER).parent)}
        done = subprocess.run(
            [CHARTER, "comment", "-"],
            input=f"{MARKER}\nfrom standard input\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"charter: created the report comment on pull request #{PR}: https://")
    assert [(s.method, s.path) for s in ghes.seen] == [
        ("GET", f"/api/v3/repos/{REPO}/issues/{PR}/comments"),
        ("POST", f"/api/v3/repos/{REPO}/issues/{PR}/comments"),
    ]
    assert ghes.marked(PR, MARKER)[0]["body"] == f"{MARKER}\nfrom standard input"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"GITHUB_EVENT_NAME": "push"}, "there is no pull request to comment on: the workflow ran for push"),
        (
            {"GITHUB_TOKEN": ""},
            "GITHUB_TOKEN is not set: give this step the workflow's token in its environment",
        ),
        ({"GITHUB_TOKEN": "ghs_bad\ntoken"}, "GITHUB_TOKEN holds characters that no GitHub token has"),
        ({"GITHUB_REPOSITORY": "governance"}, "GITHUB_REPOSITORY must name the repository as owner/name"),
        (
            {"GITHUB_API_URL": "ftp://example.com"},
            "GITHUB_API_URL is not an http(s) address: 'ftp://example.com'",
        ),
        ({"GITHUB_EVENT_PATH": ""}, "GITHUB_EVENT_PATH is not set: run this in a pull request workflow"),
    ],
)
def test_usage_errors_exit_2_with_one_sentence(
    tmp_path: Path, github: FakeGitHub, change: dict[str, str], message: str
) -> None:
    env = environ(github, tmp_path, **change)
    if change.get("GITHUB_EVENT_NAME") == "push":
        env["GITHUB_EVENT_PATH"] = event(tmp_path, {"ref": "refs/heads/main", "commits": []})
    code, _, stdout, stderr = comment(tmp_path, env, report(tmp_path))

    assert (code, stdout) == (2, "")
    assert stderr.startswith(f"charter: error: {message}")
    assert stderr.count("\n") == 1
    assert "ghs_bad" not in stderr
    assert github.seen == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing.md: cannot read the report: No such file or directory"),
        (b"\xff\xfe\x00", "report.md: the report is not UTF-8 text"),
        (b"  \n", "report.md: the report is empty, so there is nothing to comment"),
    ],
)
def test_an_unreadable_report_exits_2(
    tmp_path: Path, github: FakeGitHub, content: bytes | None, message: str
) -> None:
    path = tmp_path / ("missing.md" if content is None else "report.md")
    if content is not None:
        path.write_bytes(content)
    code, _, _, stderr = comment(tmp_path, environ(github, tmp_path), str(path))

    assert code == 2
    assert stderr == f"charter: error: {tmp_path / message}\n"


def test_pr_option_names_the_pull_request(tmp_path: Path, github: FakeGitHub) -> None:
    env = environ(github, tmp_path, GITHUB_EVENT_NAME="workflow_run", GITHUB_EVENT_PATH="")

    assert comment(tmp_path, env, "--pr", "12", report(tmp_path))[0] == 0
    assert len(github.marked(12, MARKER)) == 1


@pytest.mark.parametrize(
    ("payload", "number"),
    [
        ({"number": 3, "pull_request": {"number": 3}}, 3),
        ({"action": "opened", "pull_request": {"number": 4, "base": {"ref": "main"}}}, 4),
        ({"issue": {"number": 5, "pull_request": {"url": "https://api.github.com/x"}}, "comment": {}}, 5),
        ({"issue": {"number": 6}, "comment": {}}, None),
        ({"ref": "refs/heads/main"}, None),
        ({"pull_request": {"number": True}}, None),
        ([], None),
    ],
    ids=[
        "pull_request",
        "pull_request_target",
        "issue_comment-on-pr",
        "issue_comment-on-issue",
        "push",
        "bad-number",
        "not-an-object",
    ],
)
def test_pull_request_number_from_event_payloads(payload: object, number: int | None) -> None:
    assert pull_request_number(payload) == number


def test_settings_default_to_github_com(tmp_path: Path) -> None:
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO, "GITHUB_EVENT_PATH": pr_event(tmp_path, 31)}
    settings = settings_from_environ(env)

    assert (settings.api_url, settings.number, settings.run_url) == ("https://api.github.com", 31, None)
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(FatalError, match="the event payload is not JSON"):
        settings_from_environ({**env, "GITHUB_EVENT_PATH": str(tmp_path / "bad.json")})
