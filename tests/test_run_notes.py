"""What a run could not check is said once for the run, in every format's own place, never as a finding.

Without --base the rules that compare with a base revision cannot run, and outside git MNT003 cannot
compare evidence dates with commits. Each is one note of the run: a line on stderr in text, the
header in markdown and HTML, `notes` in JSON, `toolExecutionNotifications` in SARIF, nothing in
JUnit; no count includes them.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import (
    AS_OF,
    BASE_NOTE,
    HISTORY_NOTE,
    NEEDS_BASE,
    NEEDS_PULL_REQUEST,
    PULL_REQUEST_NOTE,
    RULES_DIR,
    notes_text,
)
from tests.conftest import pull_request_notes_text as notes_text_pr
from tests.git_helpers import CLEAN, MANIFEST, router_repo
from tests.helpers import charter
from tests.test_report_formats import SARIF_SCHEMA, needs_schema

AS_OF_ARG = ["--as-of", AS_OF.isoformat()]
# Outside git: every rule that needs a base, in id order, then MNT003, then the rules that verify a
# pull request's reviews.
NOTES = (
    [(rule, BASE_NOTE) for rule in NEEDS_BASE]
    + [("MNT003", HISTORY_NOTE)]
    + [(rule, PULL_REQUEST_NOTE) for rule in NEEDS_PULL_REQUEST]
)
PASSED = "1 system checked: 0 errors, 0 warnings, 0 info, 0 waived"


@pytest.fixture
def plain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory outside git with the router's clean manifest and its evidence, as the cwd."""
    root = tmp_path / "plain"
    shutil.copytree(RULES_DIR / "_repo", root)
    (root / "ai-systems").mkdir()
    (root / MANIFEST).write_text(CLEAN, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return charter(capsys, "check", *AS_OF_ARG, *args)


def test_text_writes_each_note_once_on_stderr_and_counts_none(
    plain: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = check(capsys)

    assert (code, out) == (0, f"{PASSED}; passed\n")
    # The rules with the same reason share a line, in the order of the rules.
    assert err == (
        f"charter: note: {NEEDS_BASE[0]} {BASE_NOTE}; "
        f"so do {', '.join(NEEDS_BASE[1:-1])} and {NEEDS_BASE[-1]}\n"
        f"charter: note: MNT003 {HISTORY_NOTE}\n"
        f"charter: note: GAT002 {PULL_REQUEST_NOTE}; so does GAT003\n"
    )
    assert err == notes_text()


def test_json_carries_the_notes_beside_the_findings(plain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, "--format", "json")

    report = json.loads(out)
    assert (code, err) == (0, "")
    assert report["notes"] == [{"rule": rule, "message": message} for rule, message in NOTES]
    assert report["findings"] == []
    assert report["summary"]["infos"] == 0


def test_markdown_says_the_notes_under_the_summary(plain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, "--format", "markdown")

    assert (code, err) == (0, "")
    top = [
        "## ✅ Charter: passed",
        "",
        f"{PASSED}.",
        "",
        "Not checked by this run:",
        "",
        *(f"- **{rule}** {message}" for rule, message in NOTES),
        "",
        "No findings.",
    ]
    assert out.splitlines()[1 : 1 + len(top)] == top


def test_html_says_the_notes_in_the_header(plain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, "--format", "html")

    assert (code, err) == (0, "")
    header = out[out.index('<header class="masthead">') : out.index("</header>")]
    assert '<p class="run-notes">Not checked by this run:</p>' in header
    assert re.findall(r'<li><span class="mono">(\w+)</span> ([^<]*)</li>', header) == NOTES
    # Nowhere else: no finding row names the rules that did not run.
    rest = out[out.index("</header>") :]
    assert BASE_NOTE not in rest and HISTORY_NOTE not in rest


def sarif_notes(log: dict) -> list[tuple[str, int, str, str]]:
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    return [
        (n["associatedRule"]["id"], n["associatedRule"]["index"], n["level"], n["message"]["text"])
        for n in invocation.get("toolExecutionNotifications", [])
    ]


def test_sarif_makes_each_note_a_tool_notification_not_a_result(
    plain: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = check(capsys, "--format", "sarif")

    assert (code, err) == (0, "")
    log = json.loads(out)
    run = log["runs"][0]
    assert run["results"] == []
    index = {rule["id"]: i for i, rule in enumerate(run["tool"]["driver"]["rules"])}
    assert sarif_notes(log) == [(rule, index[rule], "note", f"{rule} {message}") for rule, message in NOTES]


@needs_schema
def test_sarif_with_notes_is_valid(plain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = check(capsys, "--format", "sarif")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(json.loads(out))


def test_github_logs_each_note_after_the_summary_and_annotates_none(
    plain: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = check(capsys, "--format", "github")

    assert (code, err) == (0, "")
    assert out == f"charter: {PASSED}; passed\n" + notes_text()
    assert not any(line.startswith("::") for line in out.splitlines())


def test_junit_has_no_notes(plain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, "--format", "junit")

    assert (code, err) == (0, "")
    assert HISTORY_NOTE not in out and BASE_NOTE not in out
    root = ET.fromstring(out.encode())
    assert [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None] == []
    # The rules that need a base are skipped test cases, as they always were, and MNT003 passes.
    cases = {c.get("name", "").split(" ")[0]: c for c in root.iter("testcase")}
    assert all(cases[rule].find("skipped") is not None for rule in NEEDS_BASE)
    assert list(cases["MNT003"]) == []


def test_with_a_base_only_the_pull_request_rules_are_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo")
    repo.git("checkout", "-q", "-b", "change")
    monkeypatch.chdir(repo.root)
    base = ["--base", "main"]

    # Every rule runs but those that verify a pull request's reviews, which only a pull request has.
    expected = [{"rule": rule, "message": PULL_REQUEST_NOTE} for rule in NEEDS_PULL_REQUEST]
    assert check(capsys, *base) == (0, f"{PASSED}; passed (0 fixed by this change)\n", notes_text_pr())
    assert json.loads(check(capsys, *base, "--format", "json")[1])["notes"] == expected
    sarif = sarif_notes(json.loads(check(capsys, *base, "--format", "sarif")[1]))
    assert [(rule, text) for rule, _, _, text in sarif] == [
        (rule, f"{rule} {PULL_REQUEST_NOTE}") for rule in NEEDS_PULL_REQUEST
    ]
