"""The benchmark generator's corpus: every planted defect found by its rule, nothing else flagged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
