"""Helpers shared by the test modules: running charter in-process or as the installed executable,
and property tests in two sizes. Real git repositories are made with tests/git_helpers.py."""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings

from checker import gitrepo
from checker.cli import main
from tests.git_helpers import installed_charter

# --- charter, in-process and as a process --------------------------------------------------------


def charter(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """charter ARGS through main(), as the console script runs it: exit code, stdout, stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run(
    args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """charter check ARGS through main(), in cwd."""
    monkeypatch.chdir(cwd)
    return charter(capsys, "check", *args)


def run_json(
    args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, Any]]:
    """charter check ARGS --format json in cwd: exit code and the report; nothing on stderr."""
    code, out, err = run([*args, "--format", "json"], cwd, capsys, monkeypatch)
    assert err == ""
    return code, json.loads(out)


def check_findings(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    """The findings of charter check ARGS --format json in this directory, on the date --as-of fixes."""
    code, out, err = charter(capsys, "check", *args, "--format", "json", "--as-of", "2026-11-23")
    assert code in (0, 1), err
    findings: list[dict[str, object]] = json.loads(out)["findings"]
    return findings


def facts_listed(out: str) -> list[str]:
    """The facts charter init listed, one a line as '  RULE detail'."""
    return [line[2:] for line in out.splitlines() if line.startswith("  ")]


def as_facts(findings: list[dict[str, object]]) -> list[str]:
    """findings as charter init lists the facts they ask for: 'RULE detail'."""
    return [f"{f['rule']} {str(f['message']).split(': ', 1)[-1]}" for f in findings]


def in_process(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """charter ARGS through main() in cwd, its output captured, for a test that needs no process of
    its own: the exit code, stdout and stderr as the executable's process would give them.

    env: the whole environment of the run (this process's by default)."""
    gitrepo.toplevel.cache_clear()
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        patch.chdir(cwd)
        if env is not None:
            for name in set(os.environ) - set(env):
                patch.delenv(name)
            for name, value in env.items():
                patch.setenv(name, value)
        code = main(list(args))
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def run_process(
    args: list[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    preexec_fn: Callable[[], object] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The installed charter executable in a real process (env: its whole environment, this
    process's by default; preexec_fn: run in the child before charter starts), for what only a
    process shows: exit status, signals, terminals, PATH, permissions."""
    executable = installed_charter()
    assert executable, "charter is not installed beside the test interpreter (pip install -e .)"
    return subprocess.run(
        [executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=dict(os.environ if env is None else env),
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


# --- property tests in two sizes -----------------------------------------------------------------


def property_test(
    *, share: float = 1.0, examples: Sequence[Mapping[str, Any]] = (), **strategies: Any
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A hypothesis test of body over strategies (keyword arguments, as for given), plus examples,
    each a mapping of the same arguments that is always tried first.

    It runs share of the loaded profile's examples (conftest.py: a few dozen by default); full_size
    makes its twin with the full profile's, marked slow."""

    def decorate(body: Callable[..., None]) -> Callable[..., None]:
        test = _sized(body, strategies, examples, settings.default.max_examples * share)
        test.property_parts = (body, strategies, examples, share)  # type: ignore[attr-defined]
        return test

    return decorate


def full_size(test: Callable[..., None]) -> Callable[..., None]:
    """The twin of a property_test with the full profile's number of examples (or the fuzz
    profile's, when that is loaded), marked slow: left out of a plain `pytest`, run by .ci/run."""
    body, strategies, examples, share = test.property_parts  # type: ignore[attr-defined]
    count = max(settings.get_profile("full").max_examples, settings.default.max_examples)
    return pytest.mark.slow(_sized(body, strategies, examples, count * share))


def _sized(
    body: Callable[..., None], strategies: dict[str, Any], examples: Sequence[Mapping[str, Any]], count: float
) -> Callable[..., None]:
    test = given(**strategies)(body)
    for arguments in examples:
        test = example(**arguments)(test)
    return settings(max_examples=max(1, round(count)))(test)
