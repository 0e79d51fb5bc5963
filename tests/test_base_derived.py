"""--base reads only the changed files from git when policies and configuration are untouched.

Each case is checked twice: the quick way (head's documents with the changed files as the base had
them) and by exporting the whole base tree, which is what a change to the policies needs. Both must
give the same report, finding by finding, new or existing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from checker import baseline
from checker.cli import main
from tests.git_helpers import CLEAN, HEAD_DATE, MANIFEST, Repo, router_repo, variant

AS_OF = ["--as-of", "2026-11-23"]
EVIDENCE = "evidence/ticket-router/2026-11-20-usage-review.yaml"


def report(capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[int, list[tuple[str, ...]], int]:
    code = main(["check", *AS_OF, "--format", "json", "--base", "main", *paths])
    data = json.loads(capsys.readouterr().out)
    rows = sorted(
        (f["rule"], f["file"], str(f["line"]), str(f["column"]), f["status"], f["message"])
        for f in data["findings"]
    )
    return code, rows, data["summary"].get("fixed", 0)


def both_ways(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *paths: str
) -> tuple[int, list[tuple[str, ...]], int]:
    monkeypatch.chdir(repo.root)
    calls: list[str] = []
    real = baseline.derive_base

    def spy(*args: object, **kwargs: object) -> baseline.Base:
        calls.append("derived")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(baseline, "derive_base", spy)
    quick = report(capsys, *paths)
    assert calls == ["derived"]
    monkeypatch.setattr(baseline, "touches_policies", lambda *_: True)
    exported = report(capsys, *paths)
    assert quick == exported
    return quick


def modify(repo: Repo) -> None:
    repo.write(MANIFEST, variant("      version: 3.2.0", "      version: 3.3.0"))


def delete_evidence(repo: Repo) -> None:
    (repo.root / EVIDENCE).unlink()


def add_evidence(repo: Repo) -> None:
    text = (repo.root / EVIDENCE).read_text(encoding="utf-8")
    repo.write(EVIDENCE.replace("2026-11-20", "2026-11-22"), text.replace("2026-11-20", "2026-11-22"))


def rewrite_evidence(repo: Repo) -> None:
    text = (repo.root / EVIDENCE).read_text(encoding="utf-8")
    repo.write(EVIDENCE, text.replace("outcome: pass", "outcome: findings"))


def move_and_rewrite_evidence(repo: Repo) -> None:
    rewrite_evidence(repo)
    (repo.root / EVIDENCE).rename(repo.root / EVIDENCE.replace("2026-11-20", "moved"))


def rename_manifest(repo: Repo) -> None:
    (repo.root / MANIFEST).rename(repo.root / "ai-systems" / "router-renamed.yaml")


def delete_runbook(repo: Repo) -> None:
    (repo.root / "runbooks" / "router-rollback.md").unlink()


def ignored_manifest(repo: Repo) -> None:
    repo.write(".gitignore", "scratch/\n")
    repo.write("scratch/copy.yaml", CLEAN)


def branch_commit(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "change")
    modify(repo)
    repo.commit("bump the model", date=HEAD_DATE)


@pytest.mark.parametrize(
    "change",
    [
        modify,
        delete_evidence,
        add_evidence,
        rewrite_evidence,
        move_and_rewrite_evidence,
        rename_manifest,
        delete_runbook,
        ignored_manifest,
        branch_commit,
    ],
)
def test_the_quick_base_agrees_with_the_exported_one(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Repo], None],
) -> None:
    repo = router_repo(tmp_path / "repo")
    change(repo)
    code, rows, _ = both_ways(repo, capsys, monkeypatch)
    assert code in (0, 1)
    statuses = {row[4] for row in rows}
    assert statuses <= {"new", "existing"}


@pytest.mark.parametrize(
    ("change", "file", "was"),
    [
        (rewrite_evidence, EVIDENCE, ""),
        (move_and_rewrite_evidence, EVIDENCE.replace("2026-11-20", "moved"), f" (in {EVIDENCE})"),
    ],
)
def test_rewritten_evidence_is_found_with_either_base(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Repo], None],
    file: str,
    was: str,
) -> None:
    repo = router_repo(tmp_path / "repo")
    change(repo)
    code, rows, _ = both_ways(repo, capsys, monkeypatch)
    message = (
        f"evidence for ticket-router was rewritten in place: spec.outcome was 'pass' in the base revision"
        f"{was} and is now 'findings'"
    )
    assert code == 1
    assert [row for row in rows if row[0] == "CHG005"] == [("CHG005", file, "10", "12", "new", message)]


def test_a_bumped_version_is_new_and_the_rest_existing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo")
    modify(repo)
    code, rows, fixed = both_ways(repo, capsys, monkeypatch)
    new = [row[:5] for row in rows if row[4] == "new"]
    assert code == 1 and fixed == 0
    assert new == [
        ("CHG002", MANIFEST, "39", "16", "new"),
        ("RBK003", MANIFEST, *new[1][2:4], "new"),
    ]


def test_a_deleted_runbook_is_a_new_finding_of_the_unchanged_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo")
    delete_runbook(repo)
    _, rows, _ = both_ways(repo, capsys, monkeypatch)
    assert [row[:5] for row in rows if row[4] == "new"] == [("SCH003", MANIFEST, "65", "14", "new")]


def test_one_named_file_with_a_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo")
    modify(repo)
    delete_evidence(repo)
    _, rows, _ = both_ways(repo, capsys, monkeypatch, MANIFEST)
    assert {row[1] for row in rows} == {MANIFEST}
    assert ("CHG002", MANIFEST, "39", "16", "new") in [row[:5] for row in rows]


def test_a_base_version_checked_before_is_not_parsed_again(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    repo = router_repo(tmp_path / "repo")
    probe = (
        "import sys\n"
        "from checker.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print('loaded:', sorted(m for m in ('pydantic',) if m in sys.modules))\n"
    )
    env = {**os.environ, "CHARTER_CACHE_DIR": str(tmp_path / "cache")}

    def run(*args: str) -> str:
        command = [sys.executable, "-c", probe, "check", *AS_OF, *args]
        return subprocess.run(command, cwd=repo.root, env=env, capture_output=True, text=True).stdout

    run(MANIFEST)  # the hook before the change: the base version enters the cache
    modify(repo)
    run(MANIFEST)  # ... and after it: the new version, the old one kept beside it
    quick = run(MANIFEST, "--base", "main")
    assert "loaded: []" in quick
    assert "CHG002" in quick and "[new]" in quick
    cold = run(MANIFEST, "--base", "main", "--no-cache")
    assert "loaded: ['pydantic']" in cold
    assert cold.replace("['pydantic']", "[]") == quick
