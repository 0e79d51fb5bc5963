"""What Charter cannot use stops the run or is said, never passed over.

A message template naming an unknown placeholder stops the run when the pack loads; a directory that
cannot be listed is a note of the run; Ctrl-C exits 130; --debug is an option click knows and documents.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import cli, main
from checker.messages import template_problem
from tests.conftest import AS_OF, RULES_DIR
from tests.git_helpers import installed_charter

CHARTER = installed_charter()
AS_OF_ARG = ["--as-of", AS_OF.isoformat()]
MANIFEST = "ai-systems/router.yaml"
CLEAN = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")
PLACEHOLDERS = "detail, field, system"
PURPOSE = "{field: spec.purpose, present: true}"


@pytest.fixture
def tree(fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory outside git whose one manifest passes every rule as of AS_OF, as the cwd."""
    (fixture_repo / MANIFEST).write_text(CLEAN, encoding="utf-8")
    monkeypatch.chdir(fixture_repo)
    return fixture_repo


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *AS_OF_ARG, *args])
    out, err = capsys.readouterr()
    return code, out, err


def local_policy(message: str, condition: str = PURPOSE, params: str = "") -> str:
    """A policy file of one rule with this message, condition and params; the message is on line 9."""
    return (
        "apiVersion: charter/v1\n"
        "kind: Policy\n"
        "metadata: {name: local}\n"
        "rules:\n"
        "  - id: LOC001\n"
        "    name: local-rule\n"
        "    title: A local rule\n"
        "    severity: error\n"
        f"    message: {message}\n"
        "    why: Because.\n"
        "    remediation: Fix it.\n"
        '    controls: ["LOCAL 1"]\n'
        f"    params: {{{params}}}\n"
        "    assert:\n"
        f"      - {condition}\n"
    )


# --- message templates ------------------------------------------------------------------------


def test_a_misspelt_placeholder_in_a_rule_message_stops_the_run_with_its_file_and_line(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "local.yaml").write_text(local_policy('"{sytem} has no purpose"'), encoding="utf-8")

    code, out, err = check(capsys, "--policy", "local.yaml", ".")

    assert (code, out) == (2, "")
    assert err == (
        "charter: error: local.yaml:9: unknown placeholder {sytem} in the message "
        f"(did you mean {{system}}?); known: {PLACEHOLDERS}\n"
    )


def test_a_misspelt_parameter_in_a_condition_message_stops_the_run_with_its_line(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    condition = '{field: spec.purpose, present: true, message: "older than {maxDay} days"}'
    (tree / "local.yaml").write_text(
        local_policy('"{system} is stale"', condition, "maxDays: 30"), encoding="utf-8"
    )

    code, out, err = check(capsys, "--policy", "local.yaml", ".")

    assert (code, out) == (2, "")
    assert err == (
        "charter: error: local.yaml:15: unknown placeholder {maxDay} in the message "
        "(did you mean {maxDays}?); known: detail, field, maxDays, system\n"
    )


def test_a_message_that_is_no_template_stops_the_run(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "local.yaml").write_text(local_policy('"{system has no purpose"'), encoding="utf-8")

    code, out, err = check(capsys, "--policy", "local.yaml", ".")

    assert (code, out) == (2, "")
    assert err == (
        "charter: error: local.yaml:9: the message is not a valid template (expected '}' before end "
        "of string): write {{ and }} for a literal brace\n"
    )


KNOWN = "detail, field, maxDays, system"
PLAIN = "placeholders are plain names"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{system} is late by {maxDays} days: {detail} at {field}", None),
        ("literal {{braces}} and {maxDays:>4}", None),
        ("{0} is late", "the message has a positional placeholder {0}: name one of " + KNOWN),
        ("{} is late", "the message has a positional placeholder {}: name one of " + KNOWN),
        ("{system.__class__}", "the placeholder {system.__class__} reaches into {system}: " + PLAIN),
        ("{maxDays[0]}", "the placeholder {maxDays[0]} reaches into {maxDays}: " + PLAIN),
        (
            "{maxDays:{width}}",
            "the placeholder {maxDays} has a placeholder in its format, which is not supported",
        ),
    ],
)
def test_what_a_template_may_name(text: str, problem: str | None) -> None:
    assert template_problem(text, ["maxDays"]) == problem


# --- unreadable directories -------------------------------------------------------------------


def _without_permission_override() -> None:
    """In the child: as root, give up the capabilities that read past file permissions."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for cap in (cap_dac_override, cap_dac_read_search):
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def _charter(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHARTER, "the charter executable is not installed beside the interpreter"
    return subprocess.run(
        [CHARTER, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_without_permission_override,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_directory_that_cannot_be_read_is_a_note_with_and_without_the_cache(tree: Path) -> None:
    locked = tree / "ai-systems" / "locked"
    locked.mkdir()
    (locked / "other.yaml").write_text(CLEAN.replace("ticket-router", "other-router"), encoding="utf-8")
    hour_ago = time.time() - 3600
    os.utime(locked, (hour_ago, hour_ago))  # settled, so that its listing is kept in the cache
    readable = _charter(tree, "check", *AS_OF_ARG, ".")
    assert "2 systems checked" in readable.stdout, readable.stderr
    note = "charter: note: ai-systems/locked: skipped, the directory cannot be read (Permission denied)"

    locked.chmod(0)
    try:
        cached = _charter(tree, "check", *AS_OF_ARG, ".")
        fresh = _charter(tree, "check", *AS_OF_ARG, "--no-cache", ".")
    finally:
        locked.chmod(0o755)

    for run in (cached, fresh):
        assert note in run.stderr.splitlines(), run.stderr
        assert run.stdout.startswith("1 system checked: 0 errors"), run.stdout


# --- Ctrl-C -----------------------------------------------------------------------------------


def _waiting_for_input(pid: int) -> bool:
    """Whether the process is blocked reading a pipe (its standard input, here)."""
    try:
        return "pipe" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False


def _interrupt_while_reading(cwd: Path, *args: str) -> tuple[int, str]:
    """Start charter ARGS with a pipe for stdin, send SIGINT once it waits on it: (exit code, stderr)."""
    assert CHARTER, "the charter executable is not installed beside the interpreter"
    process = subprocess.Popen(
        [CHARTER, *args], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not _waiting_for_input(process.pid):
            assert time.monotonic() < deadline and process.poll() is None, "charter never waited for input"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, err.decode()


@pytest.mark.skipif(not Path("/proc/self/wchan").exists(), reason="needs /proc/PID/wchan (Linux)")
def test_ctrl_c_while_a_command_runs_exits_130(tree: Path) -> None:
    code, err = _interrupt_while_reading(tree, "comment", "-")

    assert code == 130
    assert err.splitlines()[-1] == "charter: interrupted"


@pytest.mark.skipif(not Path("/proc/self/wchan").exists(), reason="needs /proc/PID/wchan (Linux)")
def test_ctrl_c_at_a_prompt_exits_130(tree: Path) -> None:
    code, err = _interrupt_while_reading(tree, "init")

    assert code == 130
    assert err.splitlines()[-1] == "charter: interrupted"


def test_end_of_input_at_a_prompt_still_aborts_with_2(tree: Path) -> None:
    assert CHARTER, "the charter executable is not installed beside the interpreter"
    result = subprocess.run(
        [CHARTER, "init"], cwd=tree, input="", capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == "charter: aborted"


# --- --debug ----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["explain", "--help"]])
def test_debug_is_a_documented_option_of_charter_and_of_every_command(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)

    assert result.exit_code == 0
    assert "--debug" in result.output
    assert "Show the traceback of an internal error" in result.output


def _explode(*args: object, **kwargs: object) -> object:
    raise RuntimeError("boom")


@pytest.mark.parametrize("args", [["--debug", "check"], ["check", "--debug"], ["check", ".", "--debug"]])
def test_debug_before_or_after_the_command_shows_the_traceback(
    tree: Path, args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("checker.commands.check.build_project", _explode)

    code = main([*args, *AS_OF_ARG])
    err = capsys.readouterr().err

    assert code == 3
    assert err.startswith("Traceback (most recent call last):")
    assert err.splitlines()[-2] == "charter: internal error: RuntimeError: boom"


def test_debug_is_no_longer_taken_as_a_path(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before --debug was an option it was removed from the arguments by hand; a file named so is a path.
    code, _, err = check(capsys, "--", "--debug")

    assert code == 2
    assert "--debug" in err
