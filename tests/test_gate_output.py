"""Output cannot be hijacked: whatever a repository holds, Charter's output starts no command of its own.

A GitHub Actions runner reads a workflow command from every line of a job's log, standard output
and standard error alike: a line that starts with "::" (after white space), or one that holds the
older "##[" anywhere. ``::stop-commands::TOKEN`` then silences every annotation after it. Terminals
act on escape sequences, and bidirectional controls reorder what a reviewer reads. Each test here
builds a real repository whose file names and values try all of that, and reads what Charter wrote.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from checker import gitrepo
from checker.characters import shown
from checker.cli import main
from checker.commands.comment import CommentOptions, run_comment
from tests.conftest import AS_OF, notes_text
from tests.fake_github import TOKEN, FakeGitHub, serving
from tests.git_helpers import MANIFEST, Repo, git_env, installed_charter, router_repo, variant

CHARTER = installed_charter()
FORMATS = ("text", "json", "markdown", "html", "sarif", "junit", "github")

# Files that are not Charter's and not YAML: each is skipped with a note on standard error.
NOTED = {
    "ai-systems/x\n::stop-commands::tok.yaml": "ai-systems/x\\n::stop-commands::tok.yaml",
    "ai-systems/##[stop-commands]old.yaml": "ai-systems/##\\x5bstop-commands]old.yaml",
    "ai-systems/cr\r::error::cr.yaml": "ai-systems/cr\\r::error::cr.yaml",
    "ai-systems/ls\u2028::warning::ls\u2029.yaml": "ai-systems/ls\\u2028::warning::ls\\u2029.yaml",
    "ai-systems/esc\x1b[2J\x1b]8;;evil\x07link.yaml": "ai-systems/esc\\x1b[2J\\x1b]8;;evil\\x07link.yaml",
    "ai-systems/bidi\u202eevil\u2066\u200b.yaml": "ai-systems/bidi\\u202eevil\\u2066\\u200b.yaml",
    "ai-systems/c1\x85\x9b31m\x7f.yaml": "ai-systems/c1\\x85\\x9b31m\\x7f.yaml",
    "ai-systems/pct%0A::error::pct.yaml": "ai-systems/pct%0A::error::pct.yaml",
}
NOTE = (
    "skipped, not a Charter file and not readable as YAML "
    "(invalid YAML: did not find expected node content (while parsing a flow node))"
)
# The router's manifest, moved to a name that tries every trick at once.
HOSTILE = "ai-systems/r\n::error file=a,line=1::pwned %0A ##[add-mask]x \x1b[31m\u202e.yaml"
HOSTILE_SHOWN = "ai-systems/r\\n::error file=a,line=1::pwned %0A ##\\x5badd-mask]x \\x1b[31m\\u202e.yaml"
# Charter documents at the top, whose names start the lines of the text report.
ROOT_FILES = {
    "::warning::root.yaml": "\\x3a:warning::root.yaml",
    "  ::error::spaced.yaml": "  \\x3a:error::spaced.yaml",
}
STUB = "apiVersion: charter/v1\nkind: AISystem\nmetadata: {{name: {name}}}\n"
# A value quoted in a finding (SCH003 quotes an unknown ref) that tries the old command form.
RUNBOOK = "    runbook: runbooks/router-rollback.md\n"
VALUE = "##[stop-commands]v ::error::v"
VALUE_SHOWN = "##\\x5bstop-commands]v ::error::v"
SCH003 = (
    "ticket-router refers to a file that is not there: spec.rollback.runbook '{}' does not exist in the "
    "repository"
)

# Charter's own annotation: the only line allowed to start a command; no ":" or "," in its properties.
OWN_COMMAND = re.compile(
    r"::(error|warning|notice) file=[^:,]*,line=\d+,col=\d+,title=[A-Z]{3}\d{3} [a-z0-9-]+::.*"
)
# What a terminal or a reader of lines acts on: controls other than the line feed, separators, bidi
# controls, zero-width characters. Not the zero-width joiner: the markdown report puts its own after
# "@" and "#" so that no mention or reference opens (a hostile one is escaped, see shown() below).
RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b\u200c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]"
)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def starts_a_command(line: str) -> bool:
    return line.lstrip().startswith("::") or "##[" in line


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """The router's repository with every hostile name committed, the manifest moved to HOSTILE."""
    repo = router_repo(
        tmp_path_factory.mktemp("hostile-names") / "repo", variant(RUNBOOK, f'    runbook: "{VALUE}"\n')
    )
    for name in NOTED:
        repo.write(name, "a: [\n")
    for i, name in enumerate(ROOT_FILES):
        repo.write(name, STUB.format(name=f"stub-{i}"))
    os.rename(repo.root / MANIFEST, repo.root / HOSTILE)
    repo.commit("Hostile names")
    return repo


def check(root: Path, *args: str) -> Run:
    """charter check in-process, in root, with standard output and error captured."""
    gitrepo.toplevel.cache_clear()
    out, err = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        patch.chdir(root)
        patch.delenv("GITHUB_ACTIONS", raising=False)
        code = main(["check", "--as-of", AS_OF.isoformat(), *args])
    return Run(code, out.getvalue(), err.getvalue())


def installed(root: Path, *args: str, **env: str) -> Run:
    """The installed charter executable, in root."""
    assert CHARTER is not None, "charter is not installed beside the test interpreter"
    environ = {k: v for k, v in git_env().items() if k not in ("GITHUB_ACTIONS", "NO_COLOR")}
    result = subprocess.run(
        [CHARTER, *args], cwd=root, env={**environ, **env}, capture_output=True, text=True, encoding="utf-8"
    )
    return Run(result.returncode, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def outputs(repo: Repo) -> dict[str, Run]:
    return {fmt: check(repo.root, "--format", fmt) for fmt in FORMATS}


def expected_notes(fmt: str) -> list[str]:
    """The notes on stderr: the files skipped, and in text the rules that need --base."""
    skipped = [f"charter: note: {name}: {NOTE}" for name in NOTED.values()]
    return sorted(skipped + (notes_text(history=False).splitlines() if fmt == "text" else []))


# --- github --------------------------------------------------------------------------------------


def test_in_github_actions_only_charters_own_annotations_start_a_command(repo: Repo) -> None:
    run = installed(repo.root, "check", "--as-of", AS_OF.isoformat(), GITHUB_ACTIONS="true")
    assert run.code == 1
    lines = run.stdout.splitlines() + run.stderr.splitlines()
    assert [line for line in lines if starts_a_command(line) and not OWN_COMMAND.fullmatch(line)] == []
    assert "##[" not in run.stdout + run.stderr
    assert sorted(run.stderr.splitlines()) == expected_notes("github")
    # The annotation stays on the file it is about: properties escaped, the message on one line.
    sch003 = next(line for line in lines if "title=SCH003" in line)
    file = HOSTILE_SHOWN.replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    assert sch003 == (
        f"::error file={file},line=65,col=14,title=SCH003 ref-missing::{SCH003.format(VALUE_SHOWN)}"
        "%0AFix: Add the file at the path given, or correct the path; use an https:// address for documents "
        "kept elsewhere."
    )
    # The summary, then the rules this run could not check, logged as plain lines after it.
    run_notes = notes_text(history=False).splitlines()
    assert run.stdout.splitlines()[-len(run_notes) - 1 :] == [
        "charter: 3 systems checked: 5 errors, 0 warnings, 0 info, 0 waived; failed",
        *run_notes,
    ]


def test_the_github_format_in_process_writes_the_same_lines(outputs: dict[str, Run], repo: Repo) -> None:
    run = installed(repo.root, "check", "--format", "github", "--as-of", AS_OF.isoformat())
    assert (outputs["github"].stdout, sorted(outputs["github"].stderr.splitlines())) == (
        run.stdout,
        sorted(run.stderr.splitlines()),
    )


# --- every format --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_writes_a_line_that_starts_a_command(outputs: dict[str, Run], fmt: str) -> None:
    run = outputs[fmt]
    assert run.code == 1
    lines = run.stdout.splitlines() + run.stderr.splitlines()
    own = [line for line in lines if fmt == "github" and OWN_COMMAND.fullmatch(line)]
    assert [line for line in lines if starts_a_command(line) and line not in own] == []
    assert "##[" not in run.stdout + run.stderr
    assert sorted(run.stderr.splitlines()) == expected_notes(fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_writes_a_raw_control_character(outputs: dict[str, Run], fmt: str) -> None:
    assert RAW.search(outputs[fmt].stdout) is None
    assert RAW.search(outputs[fmt].stderr) is None


def test_text_shows_each_name_escaped_at_the_start_of_its_line(outputs: dict[str, Run]) -> None:
    lines = outputs["text"].stdout.splitlines()
    assert f"{HOSTILE_SHOWN}:65:14: SCH003 error {SCH003.format(VALUE_SHOWN)}" in lines
    # The two documents at the top start their lines with an escaped colon.
    files = {m.group(1) for m in map(re.compile(r"(.*?\.yaml):\d+:\d+: ").match, lines) if m}
    assert files >= {HOSTILE_SHOWN, *ROOT_FILES.values()}


def test_text_in_colour_writes_only_charters_own_escape_sequences(repo: Repo) -> None:
    run = installed(repo.root, "check", "--color", "always", "--as-of", AS_OF.isoformat())
    assert run.code == 1
    assert set(re.findall("\x1b[^m]*m", run.stdout)) == {
        "\x1b[0m",
        "\x1b[1m",
        "\x1b[2m",
        "\x1b[31m",
    }
    assert RAW.search(re.sub("\x1b\\[[0-9]+m", "", run.stdout)) is None
    assert f"{HOSTILE_SHOWN}:65:14:" in run.stdout
    assert sorted(run.stderr.splitlines()) == expected_notes("text")


def test_json_keeps_the_exact_name_and_writes_it_with_escapes(outputs: dict[str, Run]) -> None:
    raw = outputs["json"].stdout
    escaped = (
        '"file": "ai-systems/r\\n::error file=a,line=1::pwned %0A ##\\u005badd-mask]x \\u001b[31m'
        '\\u202e.yaml"'
    )
    assert raw.count(escaped) >= 1
    message = SCH003.format("##\\u005bstop-commands]v ::error::v")
    assert f'"message": "{message}"' in raw
    findings = json.loads(raw)["findings"]
    sch003 = next(f for f in findings if f["rule"] == "SCH003")
    assert (sch003["file"], sch003["message"]) == (HOSTILE, SCH003.format(VALUE))


def test_sarif_locates_the_exact_name_and_shows_it_escaped(outputs: dict[str, Run]) -> None:
    run = json.loads(outputs["sarif"].stdout)["runs"][0]
    sch003 = next(r for r in run["results"] if r["ruleId"] == "SCH003")
    assert sch003["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "ai-systems/r%0A%3A%3Aerror%20file%3Da%2Cline%3D1%3A%3Apwned%20%250A%20%23%23%5Badd-mask%5Dx%20%1B%5B31m"
        "%E2%80%AE.yaml"
    )
    assert sch003["message"]["text"] == SCH003.format("##\\\\x5bstop-commands\\]v ::error::v")


def test_markdown_shows_the_name_escaped_in_its_cell(outputs: dict[str, Run]) -> None:
    zwj = "\u200d"
    where = (
        f"ai-systems/r\\\\n::error file=a,line=1::pwned %0A \\#{zwj}\\#{zwj}\\\\x5badd-mask\\]x \\\\x1b\\[31m"
        "\\\\u202e.yaml:65:14"
    )
    row = next(line for line in outputs["markdown"].stdout.splitlines() if "**SCH003**" in line)
    assert row.startswith(f"| ❌ error | **SCH003** ref-missing | {where} | ")


def test_html_shows_the_name_escaped(outputs: dict[str, Run]) -> None:
    assert HOSTILE_SHOWN.replace("/", "/<wbr>") in outputs["html"].stdout


def test_junit_shows_the_name_escaped_on_every_line(outputs: dict[str, Run]) -> None:
    root = ET.fromstring(outputs["junit"].stdout.encode())
    # Each failure's text opens with the finding's file, line and column.
    located = re.compile(r"(.*?\.yaml):\d+:\d+: ")
    cases = {
        (c.get("name"), match.group(1))
        for c in root.iter("testcase")
        for f in c.iter("failure")
        if (match := located.match(f.text or ""))
    }
    assert ("SCH003 ref-missing", HOSTILE_SHOWN) in cases
    assert {file for name, file in cases if name == "SCH001 document-malformed"} >= set(ROOT_FILES.values())
    assert HOSTILE_SHOWN in {s.get("file") for s in root.iter("testsuite")}


# --- notes and errors ----------------------------------------------------------------------------


def test_an_undecodable_file_name_is_shown_escaped_not_a_crash(tmp_path: Path) -> None:
    repo = router_repo(tmp_path / "repo")
    (repo.root / os.fsdecode(b"ai-systems/bad\xff.yaml")).write_text("a: [\n", encoding="utf-8")
    run = check(repo.root, "--no-cache")
    assert (run.code, run.stderr) == (
        0,
        f"charter: note: ai-systems/bad\\udcff.yaml: {NOTE}\n" + notes_text(history=False),
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["check", "no\n::stop-commands::t"],
            "charter: error: no\\n::stop-commands::t: no such file or directory",
        ),
        (
            ["check", "--config", "##[stop-commands]c.yaml"],
            "charter: error: ##\\x5bstop-commands]c.yaml: the configuration file does not exist",
        ),
        (["check", "::error::x\x1b[2J"], "charter: error: \\x3a:error::x\\x1b[2J: no such file or directory"),
    ],
)
def test_an_error_quoting_a_hostile_name_is_one_escaped_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    run = installed(tmp_path, *args, GITHUB_ACTIONS="true")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr.startswith(message)
    assert run.stderr.count("\n") == 1 and not any(starts_a_command(line) for line in run.stderr.splitlines())


def test_a_usage_error_quoting_what_was_typed_starts_no_command(tmp_path: Path) -> None:
    run = installed(tmp_path, "check", "--format", "x\n::stop-commands::t\n##[error]e")
    assert run.code == 2
    assert run.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--format': 'x\\n::stop-commands::t\\n##\\x5berror]e' is not one of "
        "'text', 'json', 'markdown', 'html', 'sarif', 'junit', 'github'."
    )
    assert not any(starts_a_command(line) for line in run.stderr.splitlines())


# --- charter comment -----------------------------------------------------------------------------


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with serving() as fake:
        yield fake


def test_a_hostile_answer_from_the_server_is_one_escaped_warning(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    github.fail(500, times=100, message="\x1b[2J ##[stop-commands]t\n::error::x 100%")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 7, "pull_request": {"number": 7}}), encoding="utf-8")
    report = tmp_path / "report.md"
    report.write_text("<!-- charter:report -->\n## Charter\n", encoding="utf-8")
    environ = {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "acme/governance",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": github.api_url,
        "GITHUB_ACTIONS": "true",
    }
    assert run_comment(CommentOptions(str(report)), environ, lambda seconds: None) == 0
    out, err = capsys.readouterr()
    reason = (
        "could not comment on pull request #7: GitHub answered 500 Internal Server Error "
        "(\\x1b[2J ##\\x5bstop-commands]t ::error::x 100%) after 5 attempts; "
        "the check's result is not affected"
    )
    assert err == f"charter: {reason}\n"
    assert out == f"::warning title=Charter::{reason.replace('%', '%25')}\n"


# --- the one escaped form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text: 100% fine", "plain text: 100% fine"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("\x00\x1b[31m\x7f\x85\x9b", "\\x00\\x1b[31m\\x7f\\x85\\x9b"),
        (
            "\u2028\u2029\u202e\u2066\u200b\u200d\ufeff\u061c",
            "\\u2028\\u2029\\u202e\\u2066\\u200b\\u200d\\ufeff\\u061c",
        ),
        ("\U000e0041 tag, \udcff surrogate, \uffff", "\\U000e0041 tag, \\udcff surrogate, \\uffff"),
        ("::error::x", "\\x3a:error::x"),
        (" \u3000::warning::x", " \u3000\\x3a:warning::x"),
        (":lone", "\\x3alone"),
        ("mid ::error::x", "mid ::error::x"),
        ("a ##[error]b ##[c", "a ##\\x5berror]b ##\\x5bc"),
        ("\n::stop-commands::t", "\\n::stop-commands::t"),
        ("é ünïcödé ✓ 中文 👩‍💻", "é ünïcödé ✓ 中文 👩\\u200d💻"),
    ],
)
def test_shown_escapes_what_acts_and_leaves_what_reads(text: str, expected: str) -> None:
    assert shown(text) == expected


def test_json_escapes_hidden_characters_beyond_the_basic_plane_as_surrogate_pairs() -> None:
    from checker.reporters.json import dumps

    text = dumps({"a": "\U000e0041\u202e##[x", "b": "é"})
    assert text == '{\n  "a": "\\udb40\\udc41\\u202e##\\u005bx",\n  "b": "é"\n}'
    assert json.loads(text) == {"a": "\U000e0041\u202e##[x", "b": "é"}


def test_codeowners_refuses_a_hostile_manifest_name_and_shows_it_escaped(tmp_path: Path) -> None:
    # CODEOWNERS cannot hold such a name, so no diff is shown; the error names the file escaped.
    repo = router_repo(tmp_path / "repo")
    os.rename(repo.root / MANIFEST, repo.root / "ai-systems/esc\x1b[2J\u202e.yaml")
    run = installed(repo.root, "codeowners")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == (
        "charter: error: ai-systems/esc\\x1b[2J\\u202e.yaml has a control or line-separating character "
        "in its name, which CODEOWNERS cannot express; rename it\n"
    )
    assert RAW.search(run.stderr) is None
