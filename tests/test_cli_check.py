"""`charter check` end to end: through main(), click's CliRunner and the installed executable."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from checker import __version__
from checker.cli import cli
from tests import helpers
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
from tests.git_helpers import installed_charter, variant, where
from tests.helpers import run

CLEAN = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")
AS_OF_ARG = ["--as-of", AS_OF.isoformat()]
MANIFEST = "ai-systems/router.yaml"
CHARTER = installed_charter()
NOTES_TEXT = notes_text()
FINDING_LINE = re.compile(r"^[^\s:][^:]*:\d+:\d+: [A-Z]{3}[0-9]{3} (error|warning|info) \S.*$")
# The text report's block of fixes: a heading, then one indented line per rule.
FIX_HEADING = "fix (charter explain RULE says why):"
ANSI = "\x1b["
OWN002_FIX = "Set spec.ownership.team (an @org/team) and spec.ownership.onCall (the paging or rota address)."
ON_CALL = "    onCall: https://pager.example.com/support-ml\n"
GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]


WITHOUT_ON_CALL = variant(ON_CALL, "")
OWN002_AT = where(WITHOUT_ON_CALL, "ownership:")


def summary(errors: int, verdict: str, warnings: int = 0, waived: int = 0) -> re.Pattern[str]:
    """The last line of a text report."""
    return re.compile(
        rf"1 system checked: {errors} errors?, {warnings} warnings?, 0 info, {waived} waived; {verdict}"
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A repository (not yet under git) whose one manifest passes every rule as of AS_OF."""
    root = tmp_path / "repo"
    shutil.copytree(RULES_DIR / "_repo", root)
    (root / "ai-systems").mkdir()
    (root / MANIFEST).write_text(CLEAN, encoding="utf-8")
    return root


def git_init(root: Path) -> str:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-q", "-m", "manifests"], check=True)
    return subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()


def process_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(extra)
    return env


def run_process(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed charter executable, in a real process."""
    return helpers.run_process(["check", *args], cwd, process_env(**env), timeout=120)


def run_in_terminal(args: list[str], cwd: Path, **env: str) -> tuple[int, str]:
    """The installed charter executable with a pseudo-terminal as its standard output."""
    import pty  # POSIX only; the one test that needs it is skipped elsewhere

    assert CHARTER
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [CHARTER, "check", *args],
        cwd=cwd,
        env=process_env(**env),
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.DEVNULL,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO once the process has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(timeout=120), b"".join(chunks).decode().replace("\r\n", "\n")


def invoke(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """charter check ARGS through click's CliRunner; the command's exit code is its return value."""
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(cli, ["check", *args], standalone_mode=False)


def line_of(out: str, rule: str) -> str:
    """The one line of a text report with a finding of rule."""
    [line] = [line for line in out.splitlines() if f": {rule} " in line]
    return line


def finding_lines(out: str) -> list[str]:
    """The findings of a text report: the lines before its fixes and its summary line."""
    lines = out.splitlines()[:-1]
    return lines[: lines.index(FIX_HEADING)] if FIX_HEADING in lines else lines


def findings_of(out: str) -> list[dict[str, object]]:
    return list(json.loads(out)["findings"])


# --- exit codes --------------------------------------------------------------------------------


def test_a_clean_tree_passes_through_main(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, as_json, json_err = run([*AS_OF_ARG, "--format", "json"], tree, capsys, monkeypatch)
    report = json.loads(as_json)
    code, out, err = run([*AS_OF_ARG], tree, capsys, monkeypatch)

    assert code == 0
    # Every rule that compares with a base revision, and MNT003 outside git, is a note of the run,
    # not a finding: nothing in the list, nothing counted.
    assert report["findings"] == []
    assert report["notes"] == [{"rule": rule, "message": BASE_NOTE} for rule in NEEDS_BASE] + [
        {"rule": "MNT003", "message": HISTORY_NOTE}
    ] + [{"rule": rule, "message": PULL_REQUEST_NOTE} for rule in NEEDS_PULL_REQUEST]
    assert out == "1 system checked: 0 errors, 0 warnings, 0 info, 0 waived; passed\n"
    assert err == NOTES_TEXT
    # Other formats carry the notes themselves; stderr stays for what goes wrong.
    assert json_err == ""


def test_a_clean_tree_passes_through_the_cli_runner(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke([*AS_OF_ARG, "."], tree, monkeypatch)

    assert result.exception is None
    assert result.return_value == 0
    assert summary(0, "passed").fullmatch(result.stdout.splitlines()[-1])
    assert result.stderr == NOTES_TEXT


def test_a_clean_tree_passes_through_the_installed_executable_and_python_m(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, in_process, _ = run([*AS_OF_ARG, "."], tree, capsys, monkeypatch)
    by_script = run_process([*AS_OF_ARG, "."], tree)
    by_module = subprocess.run(
        [sys.executable, "-m", "checker", "check", *AS_OF_ARG, "."],
        cwd=tree,
        capture_output=True,
        text=True,
        env=process_env(),
        timeout=120,
    )

    for result in (by_script, by_module):
        assert (result.returncode, result.stderr) == (0, NOTES_TEXT)
        assert result.stdout == in_process
    assert summary(0, "passed").fullmatch(in_process.splitlines()[-1])


def test_findings_exit_1(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")

    code, out, _ = run([*AS_OF_ARG, "."], tree, capsys, monkeypatch)
    process = run_process([*AS_OF_ARG, "."], tree)
    result = invoke([*AS_OF_ARG, "."], tree, monkeypatch)

    for exit_code, output in (
        (code, out),
        (process.returncode, process.stdout),
        (result.return_value, result.stdout),
    ):
        assert exit_code == 1
        assert line_of(output, "OWN002").startswith(
            f"{MANIFEST}:{OWN002_AT[0]}:{OWN002_AT[1]}: OWN002 error ticket-router "
        )
        assert output.splitlines()[-3:-1] == [FIX_HEADING, f"  OWN002 {OWN002_FIX}"]
        assert summary(1, "failed").fullmatch(output.splitlines()[-1])


def test_a_missing_path_exits_2(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run([*AS_OF_ARG, "nope.yaml"], tree, capsys, monkeypatch)
    assert (code, out, err) == (2, "", "charter: error: nope.yaml: no such file or directory\n")

    # Invoking the click group directly gives the same exit code and message.
    result = invoke([*AS_OF_ARG, "nope.yaml"], tree, monkeypatch)
    assert result.return_value == 2
    assert "charter: error: nope.yaml: no such file or directory" in result.output

    process = run_process([*AS_OF_ARG, "ai-systems", "nope"], tree)
    assert (process.returncode, process.stdout, process.stderr) == (
        2,
        "",
        "charter: error: nope: no such file or directory\n",
    )


def test_a_bad_as_of_date_exits_2(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(["--as-of", "2026-02-30", "."], tree, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert "Invalid value for '--as-of': '2026-02-30' is not a date in the form YYYY-MM-DD" in err
    assert "Traceback" not in err


def test_an_unknown_configuration_key_exits_2_naming_file_line_and_key(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tree / ".charter.yaml"
    config.write_text("failOn: error\nrulez:\n  OWN002: {severity: warning}\n", encoding="utf-8")

    code, out, err = run([*AS_OF_ARG, "."], tree, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert err == f"charter: error: {config}:2: unknown key 'rulez' (did you mean 'rules'?)\n"


def test_an_unknown_rule_id_in_the_configuration_exits_2(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tree / ".charter.yaml"
    config.write_text("failOn: error\nrules:\n  OWN02: {severity: warning}\n", encoding="utf-8")

    code, out, err = run([*AS_OF_ARG, "."], tree, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert err == f"charter: error: {config}:3: unknown rule id 'OWN02' (did you mean 'OWN002'?)\n"


def test_an_unknown_rule_parameter_in_the_configuration_exits_2(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tree / ".charter.yaml"
    config.write_text("rules:\n  RBK002:\n    params: {maxDays: 30}\n", encoding="utf-8")

    code, out, err = run([*AS_OF_ARG, "."], tree, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert err.startswith(f"charter: error: {config}:3: rule RBK002 has no parameter 'maxDays'")


POLICY_HEAD = "apiVersion: charter/v1\nkind: Policy\nmetadata: {name: local}\nrules:\n"


def test_a_malformed_policy_exits_2_with_its_file_and_line(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tree / "local-policy.yaml"
    policy.write_text(
        POLICY_HEAD + "  - id: LOC001\n    name: local-rule\n    title: A local rule\n    severity: fatal\n",
        encoding="utf-8",
    )

    code, out, err = run([*AS_OF_ARG, "--policy", policy.name, "."], tree, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert err.startswith(f"charter: error: {policy}:8: rules[0].severity: ")
    assert "Traceback" not in err


def test_a_policy_that_is_not_yaml_exits_2_with_its_file_and_line(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tree / "broken-policy.yaml"
    policy.write_text(POLICY_HEAD + "  - {id: LOC001, name: [oops\n", encoding="utf-8")

    code, out, err = run([*AS_OF_ARG, "--policy", policy.name, "."], tree, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert err == (
        f"charter: error: {policy}:6: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence at line 5, column 24)\n"
    )


def _explode(*args: object, **kwargs: object) -> object:
    raise RuntimeError("boom")


def test_an_internal_error_exits_3_with_one_line_and_no_traceback(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("checker.commands.check.build_project", _explode)

    code, out, err = run([*AS_OF_ARG, "."], tree, capsys, monkeypatch)

    assert (code, out) == (3, "")
    lines = err.splitlines()
    assert lines[0] == "charter: internal error: RuntimeError: boom"
    assert "please report it" in lines[1] and "--debug" in lines[1]
    assert len(lines) == 2
    assert "Traceback" not in err


def test_an_internal_error_shows_the_traceback_with_debug(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("checker.commands.check.build_project", _explode)

    code, _, err = run([*AS_OF_ARG, "--debug", "."], tree, capsys, monkeypatch)

    assert code == 3
    assert err.startswith("Traceback (most recent call last):")
    assert 'raise RuntimeError("boom")' in err
    assert "charter: internal error: RuntimeError: boom" in err


def test_an_internal_error_in_a_real_process_exits_3(tree: Path) -> None:
    script = (
        "import sys\n"
        "import checker.commands.check as check\n"
        "def explode(*args, **kwargs):\n"
        "    raise KeyError('spec')\n"
        "check.build_project = explode\n"
        "from checker.cli import main\n"
        "sys.exit(main(['check', '--as-of', '2026-11-23', '.']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tree,
        capture_output=True,
        text=True,
        env=process_env(),
        timeout=120,
    )

    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr.splitlines()[0] == "charter: internal error: KeyError: 'spec'"
    assert "Traceback" not in result.stderr


def test_the_click_group_itself_exits_with_the_check_exit_code(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")
    monkeypatch.chdir(tree)

    assert CliRunner().invoke(cli, ["check", *AS_OF_ARG, "."]).exit_code == 1
    assert CliRunner().invoke(cli, ["check", *AS_OF_ARG, "nope"]).exit_code == 2


# --- JSON output -------------------------------------------------------------------------------


def test_json_output_has_the_documented_shape(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")

    code, out, _ = run([*AS_OF_ARG, "--format", "json", "."], tree, capsys, monkeypatch)
    report = json.loads(out)

    assert code == 1
    assert list(report) == ["tool", "asOf", "commit", "policyDigest", "summary", "notes", "findings"]
    assert report["tool"] == {"name": "charter", "version": __version__}
    assert report["asOf"] == "2026-11-23"
    assert report["commit"] is None
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", report["policyDigest"])
    assert list(report["summary"]) == ["systems", "errors", "warnings", "infos", "waived", "passed"]
    assert report["summary"] == {
        "systems": 1,
        "errors": 1,
        "warnings": 0,
        "infos": 0,
        "waived": 0,
        "passed": False,
    }
    keys = [
        "rule",
        "name",
        "severity",
        "system",
        "file",
        "line",
        "column",
        "path",
        "message",
        "remediation",
        "controls",
        "waived",
    ]
    # Without --base there is no "status" at all, not even null.
    assert all(list(f) == keys for f in report["findings"])
    count = len(NEEDS_BASE) + 1 + len(NEEDS_PULL_REQUEST)
    assert [list(note) for note in report["notes"]] == [["rule", "message"]] * count
    [finding] = findings_of(out)
    assert {
        k: finding[k] for k in ("rule", "name", "severity", "system", "file", "line", "column", "path")
    } == {
        "rule": "OWN002",
        "name": "team-or-on-call-missing",
        "severity": "error",
        "system": "ticket-router",
        "file": MANIFEST,
        "line": OWN002_AT[0],
        "column": OWN002_AT[1],
        "path": "spec.ownership.onCall",
    }
    assert finding["waived"] is False
    assert isinstance(finding["remediation"], str) and finding["remediation"]
    assert finding["controls"] and all(isinstance(c, str) for c in finding["controls"])


def test_json_findings_are_sorted_by_file_line_column_and_rule(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = variant("    tier: high", "    tier: hihg", WITHOUT_ON_CALL)
    broken = variant("  rollback:\n", "  rolback:\n", broken)
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")
    (tree / "ai-systems" / "a-first.yaml").write_text(
        broken.replace("ticket-router", "first-router"), encoding="utf-8"
    )
    last = variant("stage: production", "stage: prod").replace("ticket-router", "last-router")
    (tree / "ai-systems" / "z-last.yaml").write_text(last, encoding="utf-8")
    (tree / "evidence" / "late.yaml").write_text(
        "apiVersion: charter/v1\nkind: Evidence\nmetadata: {name: late}\nspec:\n  system: ticket-router\n"
        "  activity: audit\n  performedAt: 2026-12-01\n  performedBy: '@dana'\n  outcome: pass\n",
        encoding="utf-8",
    )

    code, out, _ = run([*AS_OF_ARG, "--format", "json", "."], tree, capsys, monkeypatch)
    report = json.loads(out)
    order = [(f["file"], f["line"], f["column"], f["rule"]) for f in report["findings"]]

    assert code == 1
    assert order == sorted(order)
    assert [(f["file"], f["line"], f["column"], f["rule"]) for f in findings_of(out)] == [
        ("ai-systems/a-first.yaml", *where(broken, "hihg"), "SCH001"),
        ("ai-systems/a-first.yaml", *where(broken, "rolback"), "SCH001"),
        ("ai-systems/router.yaml", *OWN002_AT, "OWN002"),
        ("ai-systems/z-last.yaml", *where(last, "prod\n"), "SCH001"),
        ("evidence/late.yaml", 7, 16, "MNT003"),
    ]


def test_json_names_the_commit_inside_git(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    head = git_init(tree)

    code, out, _ = run([*AS_OF_ARG, "--format", "json", "."], tree, capsys, monkeypatch)

    assert code == 0
    assert json.loads(out)["commit"] == head


def test_the_same_inputs_give_byte_identical_output(tree: Path) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")
    for fmt in ("json", "text"):
        first = subprocess.run(
            [CHARTER or "charter", "check", *AS_OF_ARG, "--format", fmt, "."],
            cwd=tree,
            capture_output=True,
            env=process_env(),
            timeout=120,
        )
        second = subprocess.run(
            [CHARTER or "charter", "check", *AS_OF_ARG, "--format", fmt, "."],
            cwd=tree,
            capture_output=True,
            env=process_env(),
            timeout=120,
        )
        assert first.returncode == second.returncode == 1
        assert first.stdout == second.stdout


def test_output_json_is_written_beside_the_text_report(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")
    target = tree.parent / "report.json"

    code, text, _ = run([*AS_OF_ARG, "--output-json", str(target), "."], tree, capsys, monkeypatch)
    _, as_json, _ = run([*AS_OF_ARG, "--format", "json", "."], tree, capsys, monkeypatch)

    assert code == 1
    assert all(FINDING_LINE.match(line) for line in finding_lines(text))
    assert target.read_text(encoding="utf-8") == as_json


def test_an_output_file_that_cannot_be_written_exits_2(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tree / "no-such-dir" / "report.json"

    code, _, err = run([*AS_OF_ARG, "--output-json", str(target), "."], tree, capsys, monkeypatch)

    assert code == 2
    assert err == f"charter: error: {target}: cannot write the json report: No such file or directory\n"


# --- configuration -----------------------------------------------------------------------------


def severities(out: str) -> dict[str, str]:
    return {str(f["rule"]): str(f["severity"]) for f in findings_of(out)}


def test_fail_on_warning_and_a_severity_override(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")
    (tree / ".charter.yaml").write_text("rules:\n  OWN002: {severity: warning}\n", encoding="utf-8")

    code, out, _ = run([*AS_OF_ARG, "--format", "json", "."], tree, capsys, monkeypatch)
    assert code == 0
    assert severities(out) == {"OWN002": "warning"}
    assert json.loads(out)["summary"]["passed"] is True

    code, out, _ = run(
        [*AS_OF_ARG, "--format", "json", "--fail-on", "warning", "."], tree, capsys, monkeypatch
    )
    assert code == 1
    assert json.loads(out)["summary"]["passed"] is False

    (tree / ".charter.yaml").write_text(
        "failOn: warning\nrules:\n  OWN002: {severity: warning}\n", encoding="utf-8"
    )
    code, _, _ = run([*AS_OF_ARG, "."], tree, capsys, monkeypatch)
    assert code == 1
    code, _, _ = run([*AS_OF_ARG, "--fail-on", "error", "."], tree, capsys, monkeypatch)
    assert code == 0


def test_a_disabled_rule_reports_nothing(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")
    (tree / ".charter.yaml").write_text("rules:\n  OWN002: {enabled: false}\n", encoding="utf-8")

    code, out, _ = run([*AS_OF_ARG, "--format", "json", "."], tree, capsys, monkeypatch)

    assert code == 0
    assert findings_of(out) == []


def test_enforce_after_makes_an_error_a_warning_until_its_date(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")
    (tree / ".charter.yaml").write_text("rules:\n  OWN002: {enforceAfter: 2027-01-01}\n", encoding="utf-8")

    code, out, _ = run([*AS_OF_ARG, "--format", "json", "."], tree, capsys, monkeypatch)
    assert code == 0
    assert severities(out)["OWN002"] == "warning"

    code, out, _ = run(["--as-of", "2026-12-31", "--format", "json", "."], tree, capsys, monkeypatch)
    assert severities(out)["OWN002"] == "warning"

    code, out, _ = run(["--as-of", "2027-01-01", "--format", "json", "."], tree, capsys, monkeypatch)
    assert code == 1
    assert severities(out)["OWN002"] == "error"


def test_params_override_changes_a_threshold(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    drill = where(CLEAN, "2026-10-14")  # 40 days before AS_OF
    (tree / ".charter.yaml").write_text("rules:\n  RBK002: {params: {maxDaysHigh: 60}}\n", encoding="utf-8")
    code, out, _ = run([*AS_OF_ARG, "--format", "json", "."], tree, capsys, monkeypatch)
    assert (code, findings_of(out)) == (0, [])

    (tree / ".charter.yaml").write_text("rules:\n  RBK002: {params: {maxDaysHigh: 30}}\n", encoding="utf-8")
    code, out, _ = run([*AS_OF_ARG, "--format", "json", "."], tree, capsys, monkeypatch)
    [finding] = findings_of(out)
    assert code == 1
    assert (finding["rule"], finding["line"], finding["column"], finding["path"]) == (
        "RBK002",
        *drill,
        "spec.rollback.lastDrill",
    )
    assert "40 days old (2026-10-14), at most 30 allowed" in str(finding["message"])


# --- text output -------------------------------------------------------------------------------


def test_text_lines_are_file_line_column_rule_message(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = variant("  rollback:\n", "  rolback:\n", WITHOUT_ON_CALL)
    (tree / MANIFEST).write_text(text, encoding="utf-8")

    code, out, _ = run([*AS_OF_ARG, "."], tree, capsys, monkeypatch)
    lines = out.splitlines()

    assert code == 1
    assert all(FINDING_LINE.match(line) for line in finding_lines(out))
    line, column = where(text, "rolback")
    assert (
        f"{MANIFEST}:{line}:{column}: SCH001 error unknown key 'rolback' at spec.rolback; "
        "did you mean 'rollback'?"
    ) in lines
    assert summary(1, "failed").fullmatch(lines[-1])
    assert ANSI not in out


def test_control_characters_from_a_manifest_never_reach_the_terminal(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = variant("  rollback:\n", '  "\\e[2J\\e[31mrolback\\u202e\\nX":\n')
    (tree / MANIFEST).write_text(text, encoding="utf-8")

    code, out, _ = run([*AS_OF_ARG, "."], tree, capsys, monkeypatch)

    line, column = where(text, '"\\e[2J')
    # The key is refused and shown escaped: the report quotes it with backslashes, not the characters.
    message = (
        "the key '\\x1b[2J\\x1b[31mrolback\\u202e\\nX' in spec contains U+001B, a control character; "
        "remove it"
    )
    assert code == 1
    assert line_of(out, "SCH001") == f"{MANIFEST}:{line}:{column}: SCH001 error {message}"
    code, out, _ = run([*AS_OF_ARG, "--format", "json", "."], tree, capsys, monkeypatch)
    assert findings_of(out)[0]["message"] == message


def test_no_colour_unless_asked_for_or_on_a_terminal(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")

    assert ANSI not in run_process([*AS_OF_ARG, "."], tree).stdout
    assert ANSI not in invoke([*AS_OF_ARG, "."], tree, monkeypatch).output
    assert ANSI not in run([*AS_OF_ARG, "--color", "auto", "."], tree, capsys, monkeypatch)[1]

    coloured = run_process([*AS_OF_ARG, "--color", "always", "."], tree).stdout
    assert f"\x1b[1m{MANIFEST}:{OWN002_AT[0]}:{OWN002_AT[1]}:\x1b[0m \x1b[31mOWN002 error\x1b[0m " in coloured
    # Colour is for the terminal report only; JSON stays JSON.
    as_json = run_process([*AS_OF_ARG, "--color", "always", "--format", "json", "."], tree).stdout
    assert ANSI not in as_json
    json.loads(as_json)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_colour_on_a_terminal_unless_no_color_is_set(tree: Path) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")

    code, on_terminal = run_in_terminal([*AS_OF_ARG, "."], tree)
    assert code == 1
    assert "\x1b[31mOWN002 error\x1b[0m" in on_terminal

    code, no_color = run_in_terminal([*AS_OF_ARG, "."], tree, NO_COLOR="1")
    assert code == 1
    assert ANSI not in no_color
    assert f"{MANIFEST}:{OWN002_AT[0]}:{OWN002_AT[1]}: OWN002 error " in no_color

    _, never = run_in_terminal([*AS_OF_ARG, "--color", "never", "."], tree)
    assert ANSI not in never


# --- which paths are shown ---------------------------------------------------------------------


def test_paths_are_relative_to_the_git_root_wherever_charter_runs(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")
    git_init(tree)
    expected = f"{MANIFEST}:{OWN002_AT[0]}:{OWN002_AT[1]}: OWN002 error "

    for cwd, path in (
        (tree, "."),
        (tree / "ai-systems", "."),
        (tree / "ai-systems", "router.yaml"),
        (tree.parent, str(tree)),
    ):
        code, out, _ = run([*AS_OF_ARG, path], cwd, capsys, monkeypatch)
        assert code == 1, (cwd, path)
        assert line_of(out, "OWN002").startswith(expected), (cwd, path)
        # Refs resolve from the repository root, wherever the check was started.
        assert " SCH003 " not in out


def test_paths_are_relative_to_the_current_directory_outside_git(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")

    code, out, _ = run([*AS_OF_ARG, "ai-systems/router.yaml"], tree, capsys, monkeypatch)
    assert code == 1
    assert line_of(out, "OWN002").startswith(f"{MANIFEST}:{OWN002_AT[0]}:{OWN002_AT[1]}: OWN002 error ")

    # From the directory above, with the configuration marking where the repository starts.
    (tree / ".charter.yaml").write_text("failOn: error\n", encoding="utf-8")
    code, out, _ = run([*AS_OF_ARG, "repo"], tree.parent, capsys, monkeypatch)
    assert code == 1
    assert line_of(out, "OWN002").startswith(f"repo/{MANIFEST}:{OWN002_AT[0]}:{OWN002_AT[1]}: OWN002 error ")
    assert " SCH003 " not in out


# --- pre-commit: only the files passed, judged with the whole repository -----------------------


WITHOUT_WAIVER = CLEAN[: CLEAN.index("  waivers:\n")]


def test_only_the_named_file_is_reported_but_uniqueness_sees_the_whole_repository(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_WAIVER, encoding="utf-8")
    twin = variant(ON_CALL, "", WITHOUT_WAIVER)
    (tree / "ai-systems" / "twin.yaml").write_text(twin, encoding="utf-8")
    git_init(tree)

    code, out, _ = run([*AS_OF_ARG, "--format", "json", MANIFEST], tree, capsys, monkeypatch)
    findings = findings_of(out)

    assert code == 1
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in findings] == [
        ("SCH002", MANIFEST, *where(WITHOUT_WAIVER, "ticket-router")),
    ]
    assert "ai-systems/twin.yaml" in str(findings[0]["message"])
    assert json.loads(out)["summary"]["systems"] == 1


def test_evidence_elsewhere_in_the_repository_counts_for_the_named_manifest(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_WAIVER, encoding="utf-8")
    git_init(tree)

    code, out, _ = run([*AS_OF_ARG, "--format", "json", MANIFEST], tree, capsys, monkeypatch)
    assert (code, findings_of(out)) == (0, [])

    (tree / "evidence" / "ticket-router" / "2026-10-01-audit.yaml").unlink()
    code, out, _ = run([*AS_OF_ARG, "--format", "json", MANIFEST], tree, capsys, monkeypatch)
    assert code == 1
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in findings_of(out)] == [
        ("MNT001", MANIFEST, *where(WITHOUT_WAIVER, "{activity: audit"))
    ]


def test_a_named_evidence_file_is_judged_against_the_manifests_it_was_not_passed_with(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / MANIFEST).write_text(WITHOUT_ON_CALL, encoding="utf-8")
    evidence = "evidence/ticket-router/2026-11-21-unknown.yaml"
    (tree / evidence).write_text(
        "apiVersion: charter/v1\nkind: Evidence\nmetadata: {name: unknown}\nspec:\n  system: ticket-router\n"
        "  activity: fairness-audit\n  performedAt: 2026-11-21\n  performedBy: '@dana'\n  outcome: pass\n",
        encoding="utf-8",
    )
    git_init(tree)

    code, out, _ = run(
        [*AS_OF_ARG, "--format", "json", evidence, "evidence/ticket-router/2026-10-01-audit.yaml"],
        tree,
        capsys,
        monkeypatch,
    )
    findings = findings_of(out)

    # The manifest's own OWN002 is not reported: it was not passed.
    assert code == 1
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in findings] == [("MNT003", evidence, 6, 13)]
    assert "'fairness-audit' is not a maintenance activity of ticket-router" in str(findings[0]["message"])
