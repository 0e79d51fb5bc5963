"""The cache's packs: a cold run writes few files once, and a place the index gives is never trusted."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

import checker.cache
import checker.charter_documents
import checker.fanout
import checker.packs
import checker.reading
from checker.cli import main
from tests.git_helpers import Repo, init_repo
from tests.test_gate_cache import reading

AS_OF = ["--as-of", "2026-11-23"]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# Reported with an error (an expired waiver, WVR001) when the whole repository is checked.
TARGET = "ai-systems/ticket-router.yaml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    repo = init_repo(tmp_path / "repo")
    shutil.copytree(EXAMPLES, repo.root, dirs_exist_ok=True)
    repo.commit("The examples")
    monkeypatch.setenv("CHARTER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(repo.root)
    return repo


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", *AS_OF, "--format", "json", *args])
    return code, capsys.readouterr().out


def own_cache(repo: Repo) -> Path:
    (found,) = (p for p in (repo.root.parent / "cache").iterdir() if p.is_dir())
    return found


def packs(repo: Repo) -> list[Path]:
    return sorted(own_cache(repo).glob("pack-*.json"))


def index(repo: Repo) -> Any:
    return json.loads((own_cache(repo) / "index.json").read_text(encoding="utf-8"))


def expire_waiver(repo: Repo) -> None:
    """Fix TARGET's expired waiver: a change of one file."""
    target = repo.root / TARGET
    target.write_text(
        target.read_text(encoding="utf-8").replace("expires: 2026-11-01", "expires: 2026-12-01"),
        encoding="utf-8",
    )


def test_a_cold_run_writes_one_index_one_pack_and_the_inventory(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = check(capsys, ".")
    assert cold == check(capsys, "--no-cache", ".")
    files = sorted(p.name for p in own_cache(repo).rglob("*"))
    (pack,) = packs(repo)
    # The inventory keeps what it found in the code (by blob id and detectors) in a file of its own.
    assert files == sorted(["index.json", pack.name, "inventory.json"])
    records = pack.read_bytes().splitlines()
    assert len(records) == len(index(repo)["files"])
    # A warm run reads no file and writes nothing.
    before = {p: p.stat().st_mtime_ns for p in own_cache(repo).iterdir()}
    read = reading(monkeypatch)
    assert check(capsys, ".") == cold
    assert read == []
    assert {p: p.stat().st_mtime_ns for p in own_cache(repo).iterdir()} == before


def test_a_change_adds_a_pack_of_the_changed_file_alone(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    check(capsys, ".")
    (first,) = packs(repo)
    expire_waiver(repo)
    read = reading(monkeypatch)
    after = check(capsys, ".")
    assert read == [TARGET]
    assert after == check(capsys, "--no-cache", ".")
    (second,) = (p for p in packs(repo) if p != first)
    (record,) = second.read_bytes().splitlines()
    assert json.loads(record)["file"] == TARGET
    # The version before the change stays where it was, for a base revision that has it.
    entry = index(repo)["files"][TARGET]
    assert entry["at"][0] == second.name and entry["before"][0] == first.name


def test_records_spread_over_too_many_packs_are_gathered_into_one(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    check(capsys, ".")
    monkeypatch.setattr(checker.cache, "MAX_PACKS", 1)
    monkeypatch.setattr(checker.packs, "_GRACE_SECONDS", -1)
    expire_waiver(repo)
    after = check(capsys, ".")
    (pack,) = packs(repo)
    entries = index(repo)["files"]
    assert {entry["at"][0] for entry in entries.values()} == {pack.name}
    assert entries[TARGET]["before"][0] == pack.name
    assert after == check(capsys, "--no-cache", ".")
    read = reading(monkeypatch)
    assert check(capsys, ".") == after
    assert read == []


# Places the index may give for TARGET's record, none of them that record.
PLACES: dict[str, Any] = {
    "outside the cache": ["../index.json", 0, 10],
    "not a pack's name": ["index.json", 0, 10],
    "a pack that is not there": ["pack-0123456789abcdef.json", 0, 10],
    "negative offset": [None, -1, 10],
    "length beyond any record": [None, 0, 10**12],
    "past the end": [None, 10**9, 10],
    "half a record": [None, 0, 5],
    "offset as a float": [None, 0.0, 10],
    "offset as a boolean": [None, True, 10],
    "not a list": "pack-0123456789abcdef.json",
    "too short": [None, 0],
}


@pytest.mark.parametrize("where", PLACES.values(), ids=PLACES.keys())
def test_a_damaged_place_is_read_again(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: Any
) -> None:
    expected = check(capsys, ".")
    stored = index(repo)
    if isinstance(where, list) and where[0] is None:
        where = [packs(repo)[0].name, *where[1:]]
    stored["files"][TARGET]["at"] = where
    (own_cache(repo) / "index.json").write_text(json.dumps(stored), encoding="utf-8")
    read = reading(monkeypatch)
    assert check(capsys, ".") == expected
    assert read == [TARGET]


def reading_where(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Each file the next runs read from disk, and the process that read it, appended to log."""
    original = checker.charter_documents.read_file

    def logged(path: str, file: str, candidate: bool) -> checker.charter_documents.FileResult:
        with log.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {file}\n")
        time.sleep(0.02)  # slow enough that every process takes some of the files
        return original(path, file, candidate)

    monkeypatch.setattr(checker.charter_documents, "read_file", logged)


@pytest.mark.skipif(not checker.fanout._FORKS, reason="files are read over several processes on Linux only")
def test_a_cold_run_spread_over_processes_reads_each_file_once_and_keeps_one_pack(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    alone = check(capsys, "--no-cache", ".")
    monkeypatch.setattr(checker.reading, "workers_for", lambda *args: 3)
    log = tmp_path / "read.log"
    reading_where(monkeypatch, log)
    assert check(capsys, ".") == alone
    read = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    files = sorted(file for _, file in read)
    assert len(files) > 6 and files == sorted(set(files)) == sorted(index(repo)["files"])
    assert len({pid for pid, _ in read}) == 3
    # What the other processes read is kept by this one, in the run's one pack, and holds.
    (pack,) = packs(repo)
    assert len(pack.read_bytes().splitlines()) == len(files)
    log.unlink()
    assert check(capsys, ".") == alone
    assert not log.exists()
    assert check(capsys, TARGET) == check(capsys, "--no-cache", TARGET)


def test_what_a_run_read_is_kept_when_the_run_stops_with_an_error(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Evidence without any manifest: every file is read, then the run is refused.
    shutil.rmtree(repo.root / "ai-systems")
    code = main(["check", *AS_OF, "."])
    assert code == 2
    assert capsys.readouterr().err.startswith("charter: error: .charter.yaml: no AISystem found: ")
    evidence = sorted(p.relative_to(repo.root).as_posix() for p in (repo.root / "evidence").rglob("*.yaml"))
    assert evidence and set(evidence) <= set(index(repo)["files"])
