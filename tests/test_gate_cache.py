"""A cache that someone else wrote: whatever is planted in it, nothing runs and the verdict is unchanged.

Each test warms the cache of a real git repository (in .git/charter, where CI restores it), plants a
damaged or hostile file or entry there, and checks that the run gives byte for byte what a run with
--no-cache gives. Planted entries keep the stamp, file name and signature of the real ones, so that it
is the check of their shape, not a stale signature, that refuses them; the file they speak for is then
read again.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import pickle
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import checker.charter_documents
import checker.config
import checker.policy
import checker.reading
from tests.git_helpers import Repo, git_env, init_repo, installed_charter
from tests.helpers import charter

AS_OF = ["--as-of", "2026-11-23"]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# Reported with an error (an expired waiver, WVR001) when the whole repository is checked.
TARGET = "ai-systems/ticket-router.yaml"
# Context of a check of churn-predictor alone: its date decides MNT001's message.
CONTEXT = "evidence/churn-predictor/2026-09-30-dependency-review.yaml"
NAMED = "ai-systems/churn-predictor.yaml"

Outcome = tuple[int, str, str]


@pytest.fixture(scope="module")
def examples_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples committed in a git repository, never checked: the template of repo."""
    repo = init_repo(tmp_path_factory.mktemp("examples") / "repo")
    shutil.copytree(EXAMPLES, repo.root, dirs_exist_ok=True)
    repo.commit("The examples")
    return repo.root


@pytest.fixture
def repo(examples_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """The examples as a git repository whose cache lives where it would by default: .git/charter."""
    repo = Repo(tmp_path / "repo")
    shutil.copytree(examples_repo, repo.root, symlinks=True)
    monkeypatch.delenv("CHARTER_CACHE_DIR")
    monkeypatch.chdir(repo.root)
    return repo


class Marker:
    """Unpickled, creates the file at path: proof that a planted pickle ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (str(self.path), "w"))


def check(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    return charter(capsys, "check", *AS_OF, "--format", "json", *args)


def noted(outcome: Outcome, expected: Outcome, damage: str) -> None:
    """outcome is expected, and then says once that the cache was damaged: damage, and what it was."""
    code, out, err = outcome
    assert (code, out) == expected[:2]
    assert err.startswith(expected[2])
    (note,) = err[len(expected[2]) :].splitlines()
    said = rf"charter: note: the cache in \S+ is damaged \({re.escape(damage)}.*\)"
    assert re.fullmatch(said + ": what it kept was read again", note), note


def cache_root(repo: Repo) -> Path:
    return repo.root / ".git" / "charter"


def own_cache(repo: Repo) -> Path:
    """The cache of this repository's files, beside those of other repositories' runs."""
    (found,) = (p for p in cache_root(repo).iterdir() if p.is_dir())
    return found


def index_file(repo: Repo) -> Path:
    return own_cache(repo) / "index.json"


def entry_file(repo: Repo, file: str) -> Path:
    """Where earlier versions kept the full result of file, one file each."""
    name = hashlib.sha256(os.fsencode(file)).hexdigest()
    return own_cache(repo) / "files" / name[:2] / f"{name}.json"


# A pack of planted records, named as the cache names its own.
PLANTED = "pack-00000000000000ff.json"


def entry_bytes(repo: Repo, file: str) -> bytes:
    """The full result of file as its pack holds it."""
    name, offset, length = load(index_file(repo))["files"][file]["at"]
    return (own_cache(repo) / name).read_bytes()[offset : offset + length]


def load_entry(repo: Repo, file: str) -> Any:
    return json.loads(entry_bytes(repo, file))


def plant_entry(repo: Repo, file: str, data: bytes) -> None:
    """data as the full result of file: a record of a pack of its own, where the index places it."""
    pack = own_cache(repo) / PLANTED
    offset = pack.stat().st_size if pack.exists() else 0
    with pack.open("ab") as out:
        out.write(data + b"\n")
    index = load(index_file(repo))
    index["files"][file]["at"] = [PLANTED, offset, len(data)]
    save(index_file(repo), index)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def save(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value), encoding="utf-8")


def reading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the next runs read from disk, in order."""
    files: list[str] = []
    original = checker.charter_documents.read_file

    def counted(path: str, file: str, candidate: bool) -> checker.charter_documents.FileResult:
        files.append(file)
        return original(path, file, candidate)

    monkeypatch.setattr(checker.charter_documents, "read_file", counted)
    return files


def warm(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    """The run with the cache off, after which a run fills the cache; both must agree."""
    expected = check(capsys, "--no-cache", *args)
    assert check(capsys, *args) == expected
    return expected


def test_a_planted_pickle_or_marshal_file_never_runs(repo: Repo, tmp_path: Path) -> None:
    charter = installed_charter()
    command = [charter] if charter else [sys.executable, "-m", "checker"]
    env = {k: v for k, v in git_env().items() if k != "CHARTER_CACHE_DIR"}

    def run(*args: str) -> Outcome:
        done = subprocess.run(
            [*command, "check", *AS_OF, "--format", "json", *args],
            cwd=repo.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        return done.returncode, done.stdout, done.stderr

    expected = run("--no-cache", ".")
    assert run(".") == expected
    marker = tmp_path / "ran"
    payload = pickle.dumps(Marker(marker))
    code = marshal.dumps(compile(f"open({str(marker)!r}, 'w')", "planted", "exec"))
    shared, own = cache_root(repo), own_cache(repo)
    # Where earlier versions kept pickle and marshal files, and every file the cache keeps now.
    planted = {
        shared / "prepared.pickle": payload,
        own / "index.marshal": code,
        entry_file(repo, TARGET).with_suffix(".pickle"): payload,
        entry_file(repo, NAMED).with_suffix(".pickle"): payload,
    }
    for kept in shared.rglob("*.json"):
        planted[kept] = payload if len(planted) % 2 else code
    for path, content in planted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)

    noted(run("."), expected, "its index is not one Charter wrote")
    assert run(NAMED) == run("--no-cache", NAMED)
    assert not marker.exists()
    # The cache was written again, as plain JSON.
    assert isinstance(load(index_file(repo)), dict)


def _result(entry: dict[str, Any], change: Callable[[Any], Any]) -> dict[str, Any]:
    return {**entry, "result": change(entry["result"])}


def _source(change: Callable[[list[Any]], None]) -> Callable[[Any], Any]:
    def changed(result: Any) -> Any:
        change(result[2][0])
        return result

    return changed


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def _set(index: int, value: Any) -> Callable[[list[Any]], None]:
    def changed(source: list[Any]) -> None:
        source[index] = value

    return changed


def _data(key: str, value: Any) -> Callable[[list[Any]], None]:
    def changed(source: list[Any]) -> None:
        source[3]["spec"][key] = value

    return changed


# Ways to damage the full result of TARGET, each keeping its stamp, name and signature.
ENTRIES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "not a mapping": lambda entry: [entry],
    "result not a list": lambda entry: _result(entry, lambda result: {"sources": result}),
    "a source cut short": lambda entry: _result(entry, _source(lambda source: source.pop())),
    "kind not text": lambda entry: _result(entry, _source(_set(0, 7))),
    "name not text": lambda entry: _result(entry, _source(_set(1, ["ticket-router"]))),
    "position not a list": lambda entry: _result(entry, _source(_set(4, 5))),
    "line as text": lambda entry: _result(entry, _source(_set(4, [0, "1", 1]))),
    "negative line": lambda entry: _result(entry, _source(_set(4, [0, -1, 1]))),
    "huge line": lambda entry: _result(entry, _source(_set(4, [0, 10**40, 1]))),
    "fractional column": lambda entry: _result(entry, _source(_set(4, [0, 1, 1.5]))),
    "true as a position": lambda entry: _result(entry, _source(_set(4, [0, True, 1]))),
    "problem without a message": lambda entry: _result(entry, _source(_set(2, [[["spec"], 1, 1]]))),
    "problem path of a mapping": lambda entry: _result(entry, _source(_set(2, [[{"a": 1}, "m", 1, 1]]))),
    "unknown tag in the data": lambda entry: _result(entry, _source(_data("owner", "\0xpickle"))),
    "impossible date": lambda entry: _result(entry, _source(_data("released", "\0d2026-13-45"))),
    "date of another form": lambda entry: _result(entry, _source(_data("released", "\0d20261231"))),
    "number key out of range": lambda entry: _result(entry, _source(_data("k", {"\0i" + "9" * 40: 1}))),
    "the same key twice": lambda entry: _result(entry, _source(_data("k", {"\0i1": 1, "\0i01": 2}))),
    "data nested too deeply": lambda entry: _result(entry, _source(_data("k", _deep(200)))),
    "positions of a mapping": lambda entry: _result(entry, _source(_set(5, {"metadata": [3, 1]}))),
    "claims another file": lambda entry: {**entry, "file": "ai-systems/fraud-rules.yaml"},
    "signature as text": lambda entry: {**entry, "sig": [str(n) for n in entry["sig"]]},
    "read another way": lambda entry: {**entry, "candidate": not entry["candidate"]},
    "another version": lambda entry: {**entry, "stamp": [entry["stamp"][0], 1]},
}


@pytest.mark.parametrize("damage", ENTRIES.values(), ids=ENTRIES.keys())
def test_a_damaged_full_result_is_read_again(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[dict[str, Any]], Any],
) -> None:
    expected = warm(capsys, ".")
    assert expected[0] == 1 and '"rule": "WVR001"' in expected[1]
    plant_entry(repo, TARGET, json.dumps(damage(load_entry(repo, TARGET))).encode())
    read = reading(monkeypatch)
    noted(check(capsys, "."), expected, f"{TARGET}: ")
    assert read == [TARGET]
    # Read again, the file's result is kept afresh: the next run finds nothing damaged.
    assert check(capsys, ".") == expected


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b'{"stamp": ["0.1.0", 7], "file": "ai-systems/ticket-router.yaml", "result": [[], [',
        b'{"stamp": 1e999999, "result": ' + b"9" * 5000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"stamp": NaN}',
        '{"file": "\udcff"}'.encode("utf-8", "surrogatepass"),
        b"\xff\xfe{}",
    ],
    ids=["empty", "truncated", "huge numbers", "nested too deeply", "NaN", "lone surrogate", "not UTF-8"],
)
def test_a_full_result_that_is_not_json_is_read_again(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: bytes
) -> None:
    expected = warm(capsys, ".")
    plant_entry(repo, TARGET, text)
    read = reading(monkeypatch)
    noted(check(capsys, "."), expected, f"{TARGET}: {PLANTED} does not hold its record where the index says")
    assert read == [TARGET]


def test_text_that_looks_like_a_stored_tag_stays_as_written(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # NUL and a letter start every tagged value the cache writes; a manifest can hold the same text.
    text = (repo.root / "ai-systems/fraud-rules.yaml").read_text(encoding="utf-8")
    tagged = text.replace("name: fraud-rules", 'name: "\\0sfraud-rules"', 1)
    tagged = tagged.replace("tier: ", 'note: "\\0d2026-01-01"\n    tier: ', 1)
    assert tagged.count("\\0") == 2
    repo.write("ai-systems/tagged.yaml", tagged)
    expected = warm(capsys, ".")
    assert "\\u0000sfraud-rules" in expected[1]
    assert check(capsys, ".") == expected
    assert check(capsys, NAMED) == check(capsys, "--no-cache", NAMED)


def test_an_entry_of_another_file_is_not_believed(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = warm(capsys, ".")
    # A clean manifest's index entry and result put in place of the one with an error.
    clean = "ai-systems/fraud-rules.yaml"
    index = load(index_file(repo))
    index["files"][TARGET] = index["files"][clean]
    save(index_file(repo), index)
    read = reading(monkeypatch)
    # Its size, time and inode are another file's: no more than an entry for another version.
    assert check(capsys, ".") == expected
    assert read == [TARGET]
    # Placed as the target's, with the target's signature, it still names another file.
    entry = load_entry(repo, clean)
    kept = load(index_file(repo))["files"][TARGET]
    entry["sig"] = [kept["size"], kept["mtime"], kept["inode"]]
    plant_entry(repo, TARGET, json.dumps(entry).encode())
    noted(check(capsys, "."), expected, f"{TARGET}: {PLANTED} does not hold its record where the index says")
    assert read == [TARGET, TARGET]


def test_a_changed_file_is_never_taken_from_its_entry(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    warm(capsys, ".")
    target = repo.root / TARGET
    text = target.read_text(encoding="utf-8")
    # The same size, and the expired waiver fixed: only the content tells the two apart.
    fixed = text.replace("expires: 2026-11-01", "expires: 2026-12-01")
    assert fixed != text and len(fixed) == len(text)
    target.write_text(fixed, encoding="utf-8")
    read = reading(monkeypatch)
    after = check(capsys, ".")
    assert after == check(capsys, "--no-cache", ".")
    assert '"rule": "WVR001"' not in after[1]
    assert read[0] == TARGET
    # An entry saying the file is the old one, one nanosecond off its signature, is not believed either.
    entry = load_entry(repo, TARGET)
    index = load(index_file(repo))
    kept = index["files"][TARGET]
    kept["mtime"] += 1
    entry["sig"] = [kept["size"], kept["mtime"], kept["inode"]]
    save(index_file(repo), index)
    plant_entry(repo, TARGET, json.dumps(entry).encode())
    assert check(capsys, ".") == after


def _summary(change: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], None]:
    def changed(index: dict[str, Any]) -> None:
        index["files"][CONTEXT] = change(index["files"][CONTEXT])

    return changed


def _kept(change: Callable[[Any], Any]) -> Callable[[dict[str, Any]], Any]:
    """The summary with its kept documents (JSON text) changed."""
    return lambda entry: {**entry, "kept": json.dumps(change(json.loads(entry["kept"])))}


def _other_system(kept: Any) -> Any:
    kept[2][0][3]["spec"]["system"] = "ticket-router"
    return kept


def _with(key: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda entry: {**entry, key: value}


# Ways to damage the index entry of CONTEXT, decoded only when a rule looks its documents up.
SUMMARIES: dict[str, Callable[[dict[str, Any]], None]] = {
    "entry not a mapping": _summary(lambda entry: [entry]),
    "entry without its documents": _summary(lambda entry: {k: v for k, v in entry.items() if k != "kept"}),
    "route without a key": _summary(_with("routes", "Evidence")),
    "route key unmarked": _summary(_with("routes", "Evidence\0churn-predictor")),
    "routes not text": _summary(_with("routes", [["Evidence", "churn-predictor"]])),
    "notes not text": _summary(_with("notes", "[1]")),
    "notes not JSON": _summary(_with("notes", "[")),
    "size as text": _summary(lambda entry: {**entry, "size": str(entry["size"])}),
    "kept documents not text": _summary(_with("kept", [[], [], []])),
    "kept documents truncated": _summary(lambda entry: {**entry, "kept": entry["kept"][:40]}),
    "kept documents of another system": _summary(_kept(_other_system)),
    "kept documents missing": _summary(_kept(lambda kept: [kept[0], kept[1], []])),
    "kept documents not a list": _summary(_kept(lambda kept: {"kept": kept})),
    "files not a mapping": lambda index: index.update(files=list(index["files"].items())),
    "another version": lambda index: index.update(stamp=["0.0.1", 1]),
}


@pytest.mark.parametrize("damage", SUMMARIES.values(), ids=SUMMARIES.keys())
def test_a_damaged_summary_is_read_again(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[dict[str, Any]], None],
) -> None:
    warm(capsys, ".")
    expected = check(capsys, "--no-cache", NAMED)
    assert "the last evidence of the monthly dependency-review is 54 days old" in expected[1]
    index = load(index_file(repo))
    damage(index)
    save(index_file(repo), index)
    read = reading(monkeypatch)
    outcome = check(capsys, NAMED)
    assert CONTEXT in read
    if index["stamp"] != load(index_file(repo))["stamp"]:
        assert outcome == expected  # another version's cache: nothing damaged, only not used
    else:
        whole = type(index["files"]) is not dict
        noted(outcome, expected, "its index is not one Charter wrote" if whole else f"{CONTEXT}: ")


def test_the_index_that_is_not_json_is_read_again(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    warm(capsys, ".")
    expected = check(capsys, "--no-cache", NAMED)
    text = index_file(repo).read_bytes()
    for damaged in (text[: len(text) // 2], text.replace(b"[", b"{", 1), b"\x00" * 64):
        index_file(repo).write_bytes(damaged)
        noted(check(capsys, NAMED), expected, "its index is not one Charter wrote")


def test_a_planted_directory_listing_leads_nowhere(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo.root / ".charter.yaml").unlink()  # walk the tree, whose listings are kept
    past = os.stat(repo.root).st_mtime - 60
    for directory in [repo.root, *(p for p in repo.root.rglob("*") if p.is_dir())]:
        os.utime(directory, (past, past))
    expected = warm(capsys, ".")
    outside = tmp_path / "outside.yaml"
    outside.write_text((repo.root / TARGET).read_text(encoding="utf-8"), encoding="utf-8")
    index = load(index_file(repo))
    systems = str(repo.root / "ai-systems")
    kept = index["dirs"][systems]
    files = kept["files"]
    plants = [
        {"files": "../../outside.yaml\0" + files},
        {"files": files + "\0outside.json"},
        {"files": files + "\0\0"},
        {"dirs": ".."},
        {"dirs": "/"},
        {"files": "\0".join(reversed(files.split("\0")))},
        {"links": None},
        {"files": ["outside.yaml"]},
    ]
    read = reading(monkeypatch)
    for plant in plants:
        index["dirs"][systems] = {**kept, **plant}
        save(index_file(repo), index)
        assert check(capsys, ".") == expected
    assert not any("outside" in file for file in read)


def damage_prepared(
    repo: Repo, kind: str, pick: Callable[[dict[str, Any]], str], damage: Callable[[Any], Any]
) -> str:
    """Damages what validation made of one file of kind ("config" or "policy") in prepared.json,
    the file pick chooses among the entries; its path."""
    stored = load(cache_root(repo) / "prepared.json")
    entries = stored["entries"][kind]
    path = pick(entries)
    entries[path][1] = damage(entries[path][1])
    save(cache_root(repo) / "prepared.json", stored)
    return path


def recorded(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, at: int) -> list[str]:
    """The files module.name validates from now on: the argument at position at of each call."""
    files: list[str] = []
    original = getattr(module, name)

    def validate(*args: Any) -> Any:
        files.append(args[at])
        return original(*args)

    monkeypatch.setattr(module, name, validate)
    return files


# Ways to damage what validation made of the configuration and the policies.
PREPARED: dict[str, Callable[[Any], Any]] = {
    "failOn a list": lambda config: {**config, "failOn": ["never"]},
    "an unknown setting": lambda config: {**config, "skip": True},
    "severity out of range": lambda config: {**config, "rules": {"WVR001": {"severity": "silent"}}},
    "enabled as text": lambda config: {**config, "rules": {"WVR001": {"enabled": "no"}}},
    "date as text": lambda config: {**config, "rules": {"WVR001": {"enforceAfter": "2027-01-01"}}},
    "globs not a list": lambda config: {**config, "manifests": "nothing/*.yaml"},
}


@pytest.mark.parametrize("damage", PREPARED.values(), ids=PREPARED.keys())
def test_a_damaged_configuration_is_validated_again(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[Any], Any],
) -> None:
    expected = warm(capsys, ".")
    path = damage_prepared(repo, "config", lambda paths: next(iter(paths)), damage)
    validated = recorded(monkeypatch, checker.config, "_validate", 1)
    assert check(capsys, ".") == expected
    assert validated == [path]


def _rule(change: Callable[[dict[str, Any]], Any]) -> Callable[[Any], Any]:
    def changed(policies: Any) -> Any:
        policies[0]["rules"][0] = change(policies[0]["rules"][0])
        return policies

    return changed


POLICIES: dict[str, Callable[[Any], Any]] = {
    "severity out of range": _rule(lambda rule: {**rule, "severity": "silent"}),
    "an unknown field": _rule(lambda rule: {**rule, "run": "import os"}),
    "a field missing": _rule(lambda rule: {k: v for k, v in rule.items() if k != "id"}),
    "conditions not a list": _rule(lambda rule: {**rule, "assert_": "true"}),
    "tier out of range": _rule(lambda rule: {**rule, "severityByTier": {"none": "info"}}),
    "applies to a number": _rule(lambda rule: {**rule, "appliesTo": {"kind": 5}}),
    "rules not a list": lambda policies: [{**policies[0], "rules": {}}],
    "index as text": lambda policies: [{**policies[0], "index": "0"}],
}


@pytest.mark.parametrize("damage", POLICIES.values(), ids=POLICIES.keys())
def test_a_damaged_policy_is_validated_again(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[Any], Any],
) -> None:
    expected = warm(capsys, ".")
    path = damage_prepared(
        repo, "policy", lambda paths: next(p for p in paths if p.endswith("maintenance.yaml")), damage
    )
    validated = recorded(monkeypatch, checker.policy, "_validate_policy", 0)
    assert check(capsys, ".") == expected
    assert validated == [path]
