"""Hiding from discovery: links, submodules, moves and mistyped documents, each tried on a real repository.

Every test starts from the clean router and its evidence committed on main, with a configuration
naming where manifests and evidence live, makes its change on a branch the way a pull request
would, and checks it against main: the exact findings, and that nothing behind a link is read.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main
from checker.config import load_config
from checker.discovery import GitTree
from checker.gitrepo import gitlinks
from checker.gitrevision import GitRepo
from checker.project import Project, build_project
from tests.git_helpers import (
    CLEAN,
    HEAD_DATE,
    MANIFEST,
    Repo,
    installed_charter,
    router_repo,
    value_of,
    variant,
    where,
)
from tests.helpers import run_json
from tests.test_git import DIGEST, MODEL_VERSION, REBUILT, UNDRILLED, WITH_BASE, rows

GLOBS = 'manifests: ["ai-systems/**/*.yaml", "governance/*.yaml"]\nevidence: ["evidence/**/*.yaml"]\n'
START = where(CLEAN, "apiVersion: charter/v1")
LINKED = (
    "{file} is a symbolic link{to}: Charter never follows links, so nothing it leads to is checked; "
    "commit the files themselves in its place"
)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """The router with a configuration naming where manifests and evidence live, on a branch."""
    repo = router_repo(tmp_path / "repo")
    repo.write(".charter.yaml", GLOBS)
    repo.commit("Say where manifests live")
    repo.git("checkout", "-q", "-b", "pull-request")
    return repo


def check(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, dict[str, Any]]:
    """charter check --base main as JSON, in the repository's root."""
    return run_json([*WITH_BASE, *args], repo.root, capsys, monkeypatch)


def charter(repo: Repo, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The installed charter as a separate process, which a test can stop if it runs away."""
    executable = installed_charter()
    assert executable is not None, "charter is not installed beside the test interpreter"
    return subprocess.run(
        [executable, "check", "--as-of", "2026-11-23", "--format", "json", *args],
        cwd=repo.root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CHARTER_NO_CACHE": "1"},
    )


def messages(report: dict[str, Any], rule: str) -> list[str]:
    return [f["message"] for f in report["findings"] if f["rule"] == rule]


# --- links and submodules -----------------------------------------------------------------------


def test_a_manifest_moved_behind_a_linked_directory_under_the_glob_is_sch004_and_not_read(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The manifest moves into a skipped directory, with its drill now overdue, and a link under the
    # manifest glob leads to it: read through the link, it would pass for one under the globs.
    (repo.root / "dist").mkdir()
    repo.git("mv", MANIFEST, "dist/router.yaml")
    repo.write("dist/router.yaml", UNDRILLED)
    os.symlink("../dist", repo.root / "ai-systems" / "team")
    repo.commit("File the router under dist, reached from ai-systems/team", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    assert code == 1
    assert [r for r in rows(report) if r[0] == "SCH004"] == [("SCH004", "ai-systems/team", 1, 1, "new")]
    assert messages(report, "SCH004") == [LINKED.format(file="ai-systems/team", to=" to '../dist'")]
    # Nothing was read through the link: no finding names a file behind it.
    assert not [f for f in report["findings"] if f["file"].startswith("ai-systems/team/")]
    assert [r[:2] for r in rows(report) if r[0] == "CHG004"] == [("CHG004", "dist/router.yaml")]


def test_two_links_to_their_own_directory_end_quickly(repo: Repo) -> None:
    # a -> . and b -> . make every path through them a path again: followed, the walk never ends.
    os.symlink(".", repo.root / "ai-systems" / "a")
    os.symlink(".", repo.root / "ai-systems" / "b")
    repo.commit("Two links to themselves", HEAD_DATE)

    result = charter(repo, "--base", "main", timeout=60)

    assert result.returncode == 1, result.stderr
    found = [(f["rule"], f["file"], f["line"], f["column"]) for f in json.loads(result.stdout)["findings"]]
    assert found == [("SCH004", "ai-systems/a", 1, 1), ("SCH004", "ai-systems/b", 1, 1)]


def test_a_link_to_a_directory_outside_the_repository_is_never_read(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = variant("name: ticket-router", "name: secret-system-4711")
    (outside / "system.yaml").write_text(
        variant("    tier: high\n", "    tier: high\n    tier: low\n", secret)
    )
    os.symlink(outside, repo.root / "ai-systems" / "elsewhere")
    repo.commit("Manifests from a directory outside the repository", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("SCH004", "ai-systems/elsewhere", 1, 1, "new")])
    assert messages(report, "SCH004") == [LINKED.format(file="ai-systems/elsewhere", to=f" to '{outside}'")]
    assert "secret-system-4711" not in json.dumps(report)


def test_a_link_target_that_is_not_safe_to_print_is_not_shown(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    os.symlink("../x\n::stop-commands::token", repo.root / "ai-systems" / "fraud.yaml")
    repo.commit("A link whose target holds a line break", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("SCH004", "ai-systems/fraud.yaml", 1, 1, "new")])
    assert messages(report, "SCH004") == [LINKED.format(file="ai-systems/fraud.yaml", to="")]


def test_a_submodule_under_the_manifest_glob_is_sch004_whether_or_not_it_is_checked_out(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A gitlink, as `git submodule add` records it; a checkout that does not fetch submodules leaves
    # an empty directory in its place.
    commit = repo.git("rev-parse", "HEAD").strip()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{commit},ai-systems/vendor")
    repo.git("commit", "-q", "--no-verify", "-m", "Manifests from another repository", date=HEAD_DATE)
    (repo.root / "ai-systems" / "vendor").mkdir()

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("SCH004", "ai-systems/vendor", 1, 1, "new")])
    assert messages(report, "SCH004") == [
        "ai-systems/vendor is a git submodule: Charter never reads submodules, so nothing in it is "
        "checked; keep Charter documents in the repository itself"
    ]


def test_a_repository_checked_out_inside_the_manifests_is_sch004_and_not_read(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    nested = repo.root / "ai-systems" / "vendor"
    nested.mkdir()
    (nested / ".git").write_text("gitdir: ../../.git/modules/vendor\n", encoding="utf-8")
    (nested / "router.yaml").write_text(variant("name: ticket-router", "name: secret-system-4711"))

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("SCH004", "ai-systems/vendor", 1, 1, "new")])
    assert "secret-system-4711" not in json.dumps(report)


def test_a_link_the_base_already_had_is_an_existing_finding(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.git("checkout", "-q", "main")
    os.symlink("../docs", repo.root / "ai-systems" / "docs")
    repo.commit("A link among the manifests", HEAD_DATE)
    repo.git("checkout", "-q", "-b", "next")

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("SCH004", "ai-systems/docs", 1, 1, "existing")])


# --- documents out of place ---------------------------------------------------------------------


def test_a_new_manifest_with_a_mistyped_api_version_is_sch005(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = variant(
        "name: ticket-router",
        "name: fraud-scorer",
        variant("apiVersion: charter/v1", "apiVersion: charter.v1"),
    )
    repo.write("ai-systems/fraud.yaml", text)
    repo.commit("A new system that no rule reads", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    at = where(text, "charter.v1")
    assert (code, rows(report)) == (1, [("SCH005", "ai-systems/fraud.yaml", *at, "new")])
    assert messages(report, "SCH005") == [
        "the document has apiVersion 'charter.v1', not charter/v1, so Charter would skip it, yet it lies "
        "under the configured manifest or evidence globs, where every document is a Charter document"
    ]


def test_a_manifest_without_an_api_version_under_the_glob_is_sch005(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("ai-systems/fraud.yaml", "kind: AISystem\nmetadata:\n  name: fraud-scorer\n")
    repo.commit("A new system with no apiVersion", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("SCH005", "ai-systems/fraud.yaml", 1, 1, "new")])


def test_a_manifest_moved_out_of_the_globs_is_sch005_and_then_bumped_is_still_compared(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first pull request only moves the manifest out of the globs.
    (repo.root / "legacy").mkdir()
    repo.git("mv", MANIFEST, "legacy/router.yaml")
    repo.commit("File the router under legacy", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("SCH005", "legacy/router.yaml", *START, "new")])
    assert messages(report, "SCH005") == [
        "this AISystem lies outside the configured manifests globs (ai-systems/**/*.yaml, "
        "governance/*.yaml): it is checked all the same, but move it under them or change the configuration"
    ]

    # Merged all the same, the next one retrains the model without a release: still compared.
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "pull-request")
    repo.git("checkout", "-q", "-b", "retrain")
    repo.write("legacy/router.yaml", variant(DIGEST, REBUILT))
    repo.commit("Retrain the router", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    chg001 = value_of(variant(DIGEST, REBUILT), MODEL_VERSION)
    assert code == 1
    assert rows(report) == [
        ("SCH005", "legacy/router.yaml", *START, "existing"),
        ("CHG001", "legacy/router.yaml", *chg001, "new"),
    ]


# --- nothing at all -----------------------------------------------------------------------------


def test_a_repository_with_no_systems_is_a_usage_error_naming_where_charter_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".charter.yaml").write_text(GLOBS, encoding="utf-8")
    monkeypatch.chdir(root)

    code = main(["check", "--as-of", "2026-11-23"])
    out, err = capsys.readouterr()

    assert (code, out) == (2, "")
    assert err == (
        "charter: error: .charter.yaml: no AISystem found: Charter looked in ai-systems/**/*.yaml, "
        "governance/*.yaml, evidence/**/*.yaml, . (set allowEmpty: true in the configuration when the "
        "repository has no AI systems yet)\n"
    )

    (root / ".charter.yaml").write_text(GLOBS + "allowEmpty: true\n", encoding="utf-8")
    assert main(["check", "--as-of", "2026-11-23"]) == 0


@pytest.mark.parametrize(
    ("header", "rule", "where"),
    [
        ("apiVersion: charter/v1\nkind: AISytem\n", "SCH001", (2, 7)),
        ("apiVersion: charter/v2\nkind: AISystem\n", "SCH001", (1, 13)),
    ],
)
def test_a_lone_manifest_charter_cannot_recognise_is_a_finding_not_an_empty_repository(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    header: str,
    rule: str,
    where: tuple[int, int],
) -> None:
    # A misspelt kind or an unknown apiVersion may be the only system there is: it is shown as what
    # is wrong with it, never as a repository with nothing to check.
    root = tmp_path / "repo"
    (root / "ai-systems").mkdir(parents=True)
    (root / "ai-systems" / "x.yaml").write_text(header + "metadata:\n  name: x\n", encoding="utf-8")
    monkeypatch.chdir(root)

    code = main(["check", "--as-of", "2026-11-23", "--format", "json"])
    out, _ = capsys.readouterr()

    found = [(f["rule"], f["file"], f["line"], f["column"]) for f in json.loads(out)["findings"]]
    assert (code, found) == (1, [(rule, "ai-systems/x.yaml", *where)])


# --- one discovery for both trees ---------------------------------------------------------------


@pytest.mark.parametrize("paths", [["."], ["ai-systems", "evidence"], ["legacy"], ["ai-systems/router.yaml"]])
@pytest.mark.parametrize("globs", [True, False])
def test_the_working_tree_and_its_commit_are_discovered_alike(
    repo: Repo, tmp_path: Path, paths: list[str], globs: bool
) -> None:
    if not globs:
        repo.git("rm", "-q", ".charter.yaml")
    # Every kind of entry the rules tell apart: links to files, directories and themselves, a
    # submodule, skipped and hidden directories, a glob leading into a skipped one, and a document
    # outside the globs.
    os.symlink("../docs", repo.root / "ai-systems" / "docs")
    os.symlink(".", repo.root / "ai-systems" / "again")
    os.symlink("router.yaml", repo.root / "ai-systems" / "copy.yml")
    os.symlink("decisions", repo.root / "docs" / "latest")
    other = variant("name: ticket-router", "name: other-system")
    for place in ("dist/a.yaml", "ai-systems/build/b.yaml", "ai-systems/.hidden/c.yaml", "legacy/d.yaml"):
        repo.write(place, other.replace("other-system", place.replace("/", "-").replace(".", "-")))
    repo.write("legacy/notes.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    repo.git("add", "-A")
    submodule = "160000,4b825dc642cb6eb9a060e54bf8d69288fbee4904,ai-systems/vendor"
    repo.git("update-index", "--add", "--cacheinfo", submodule)
    (repo.root / "ai-systems" / "vendor").mkdir()
    commit = repo.commit("Every kind of entry")
    config = load_config(None, str(repo.root))
    scratch = tmp_path / "scratch"

    head = build_project(
        [str(repo.root / p) for p in paths], str(repo.root), str(repo.root), config, set(), gitlinks=gitlinks
    )
    with GitRepo(str(repo.root)) as git:
        git.export(commit, str(scratch))
        tree = GitTree(str(scratch), git.tree_entries(commit))
    base = build_project(
        [str(scratch / p) for p in paths], str(scratch), str(scratch), config, set(), tree=tree
    )

    def seen(project: Project) -> tuple[list[str], list[tuple[str, str, int, int]], list[str]]:
        problems = sorted((p.rule, p.file, p.line, p.column) for p in project.problems)
        return project.files(), problems, project.notes

    assert seen(base) == seen(head)
    # Where documents are kept: under the globs, or with none anywhere in the checked paths.
    kept = ["ai-systems/again", "ai-systems/copy.yml", "ai-systems/docs", "ai-systems/vendor"]
    expected = {
        (True, "."): kept,
        (False, "."): [*kept[:3], "ai-systems/vendor", "docs/latest"],
        (False, "ai-systems"): kept,
        (False, "legacy"): ["ai-systems/copy.yml"],
        (False, "ai-systems/router.yaml"): ["ai-systems/copy.yml"],
    }
    shown = sorted(p.file for p in head.problems if p.rule == "SCH004")
    assert shown == expected.get((globs, paths[0]), kept)


@pytest.mark.parametrize(
    ("place", "expected"),
    [("evidence/people.yaml", []), ("ai-systems/people.yaml", []), ("docs/people.yaml", ["SCH005"])],
)
def test_the_people_directory_belongs_under_either_set_of_globs(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    place: str,
    expected: list[str],
) -> None:
    people = (repo.root / "governance" / "people.yaml").read_text(encoding="utf-8")
    repo.git("mv", "governance/people.yaml", place)
    repo.commit("Keep the people directory elsewhere", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    found = [
        (f["rule"], f["file"], f["line"], f["column"]) for f in report["findings"] if f["rule"] == "SCH005"
    ]
    assert found == [(rule, place, *where(people, "apiVersion: charter/v1")) for rule in expected]
    assert code == (1 if expected else 0)
