"""The benchmark generator's corpus: every planted defect found by its rule, nothing else flagged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import checker.charter_documents
import checker.engine
import checker.fanout
import checker.reading
from checker.cli import main

GENERATOR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_corpus.py"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not GENERATOR.exists():
        pytest.skip(f"the benchmark generator is not at {GENERATOR}")
    out = tmp_path_factory.mktemp("corpus") / "repo"
    subprocess.run(
        [sys.executable, str(GENERATOR), str(out), "--systems", "120"], check=True, capture_output=True
    )
    return out


def test_planted_defects_reported_by_their_rules(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(corpus)
    code = main(["check", ".", "--as-of", "2026-11-23", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    planted: dict[str, list[str]] = json.loads((corpus / "planted-defects.json").read_text())

    flagged: dict[str, set[str]] = {}
    for finding in report["findings"]:
        if finding["severity"] != "info" and not finding["waived"]:
            flagged.setdefault(finding["system"], set()).add(finding["rule"])

    assert planted, "the generator planted no defects"
    assert code == 1
    assert report["summary"]["systems"] == 120
    assert flagged == {name: set(rules) for name, rules in planted.items()}


def test_clean_corpus_systems_pass_when_defects_are_excluded(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = json.loads((corpus / "planted-defects.json").read_text())
    clean = next(p for p in sorted((corpus / "ai-systems").rglob("*.yaml")) if p.stem not in planted)
    monkeypatch.chdir(corpus)
    code = main(["check", str(clean.relative_to(corpus)), "--as-of", "2026-11-23", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    # A clean system has no finding at all; what this run could not check (no base) is a run note.
    assert (code, report["findings"]) == (0, [])
    assert report["summary"]["systems"] == 1
    assert {note["rule"] for note in report["notes"]} >= {"CHG001", "CHG002"}


def logged(step: Callable[..., Any], log: Path) -> Callable[..., Any]:
    """step, writing its name and the process it runs in to log each time it runs."""

    def run(*args: Any) -> Any:
        with log.open("a", encoding="utf-8") as out:
            out.write(f"{step.__name__} {os.getpid()}\n")
        return step(*args)

    return run


@pytest.mark.skipif(not checker.fanout._FORKS, reason="work is spread over processes on Linux only")
def test_read_and_checked_over_several_processes_the_report_is_the_same(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(corpus)
    log = tmp_path / "where.log"
    judged = checker.engine.Checker._findings_of
    monkeypatch.setattr(
        checker.charter_documents, "read_file", logged(checker.charter_documents.read_file, log)
    )
    monkeypatch.setattr(checker.engine.Checker, "_findings_of", logged(judged, log))
    runs = []
    for workers in (1, 3):
        for module in (checker.reading, checker.engine):
            monkeypatch.setattr(module, "workers_for", lambda *args, workers=workers: workers)
        code = main(["check", ".", "--as-of", "2026-11-23", "--format", "json", "--no-cache"])
        steps = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
        log.unlink()
        runs.append((code, capsys.readouterr(), sorted(step for step, _ in steps)))
        # Every file read, and every document judged, by that many processes.
        for name in ("read_file", "_findings_of"):
            assert len({pid for step, pid in steps if step == name}) == workers
    alone, spread = runs
    assert spread == alone
    assert alone[2].count("read_file") > 700
