"""Property tests of `charter check --base`: generated changes on real git repositories.

A base commit holds the router, its evidence, two neighbours with known findings and generated
files; the change then rewrites, adds and deletes files (generated, mutated, cut or corrupted, as in
test_properties.py) in the working tree. Whatever the change, the check never crashes, every
finding is located and marked new or existing, and the quick base (head's documents with the
changed files as the base had them) reports exactly what the exported base tree reports.

Each example makes a repository and runs the check twice, so these properties run a quarter and an
eighth of the profile's examples: a few in every `pytest` run, 40 and 20 in their twins (`..._full`,
marked slow), and over a thousand with HYPOTHESIS_PROFILE=fuzz.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import note
from hypothesis import strategies as st

from checker import baseline
from tests.git_helpers import BASE_DATE, CLEAN, HEAD_DATE, MANIFEST, Repo, init_repo
from tests.helpers import full_size, property_test
from tests.test_properties import (
    BAD_EVIDENCE,
    BAD_MANIFEST,
    RULE_ID,
    GeneratedFile,
    Run,
    _lines,
    build_repository,
    check,
    fresh_directory,
    generated_files,
)

USAGE_REVIEW = "evidence/ticket-router/2026-11-20-usage-review.yaml"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("base-properties")


@dataclass(frozen=True)
class Change:
    base: list[GeneratedFile]
    head: list[GeneratedFile]
    deleted: list[str]


@st.composite
def changes(draw: st.DrawFn) -> Change:
    """Generated files in the base, and a change that rewrites, adds and deletes files."""
    base = draw(generated_files())
    head = draw(generated_files())
    # The same paths as the base's files are rewrites; others are additions.
    deletable = sorted({f.path for f in base} | {MANIFEST, USAGE_REVIEW, BAD_MANIFEST, BAD_EVIDENCE})
    deleted = draw(st.lists(st.sampled_from(deletable), unique=True, max_size=2))
    return Change(base, head, deleted)


def rows(run: Run) -> list[tuple[object, ...]]:
    return [
        (f["rule"], f["file"], f["line"], f["column"], f.get("status"), f["message"]) for f in run.findings
    ]


@property_test(share=40 / 150, change=changes(), cached=st.booleans())
def test_any_change_against_its_base_is_checked_the_same_either_way(
    scratch: Path, change: Change, cached: bool
) -> None:
    with fresh_directory(scratch) as place:
        root = place / "repo"
        build_repository(root, change.base)
        repo: Repo = init_repo(root)
        repo.commit("The base")
        for path in change.deleted:
            (root / path).unlink(missing_ok=True)
        for generated in change.head:
            (root / generated.path).parent.mkdir(parents=True, exist_ok=True)
            (root / generated.path).write_bytes(generated.content)
        repo.git("add", "-A")
        repo.git("commit", "-q", "--allow-empty", "--no-verify", "-m", "The change", date=HEAD_DATE)

        cache = [] if cached else ["--no-cache"]
        environment = {"CHARTER_CACHE_DIR": str(place / "cache")}
        with mock.patch.object(baseline, "derive_base", wraps=baseline.derive_base) as derived:
            quick = check(root, *cache, "--base", "HEAD~1", ".", **environment)
        assert derived.call_count == 1, quick.err
        with mock.patch.object(baseline, "touches_policies", return_value=True):
            exported = check(root, *cache, "--base", "HEAD~1", ".", **environment)

        note(f"quick: exit {quick.code}\n{quick.err}\nexported: exit {exported.code}\n{exported.err}")
        for run in (quick, exported):
            assert run.code in (0, 1), run.err
            assert "Traceback" not in run.err
        for finding in quick.findings:
            assert RULE_ID.fullmatch(finding["rule"]), finding
            assert (root / finding["file"]).is_file() or finding["rule"] == "CHG004", finding
            if (root / finding["file"]).is_file():
                assert 1 <= finding["line"] <= _lines((root / finding["file"]).read_bytes()), finding
            assert finding["column"] >= 1, finding
            assert finding.get("status") in ("new", "existing"), finding
        assert rows(quick) == rows(exported)
        assert quick.code == exported.code


# --- links, submodules, moves across the globs and component renames ------------------------------

GLOBS = 'manifests: ["ai-systems/**/*.yaml"]\nevidence: ["evidence/**/*.yaml"]\n'
ROUTER_PLACES = (MANIFEST, "legacy/router.yaml", "ai-systems/team/router.yaml")
STEPS = (
    "link-a-manifest",
    "link-a-directory",
    "link-outside-the-globs",
    "link-to-itself",
    "submodule",
    "unlink-everything",
    "move-out-of-the-globs",
    "move-into-a-subdirectory",
    "move-back",
    "rename-a-component",
    "retrain",
    "mistype-an-api-version",
)


@dataclass(frozen=True)
class Shape:
    globs: bool
    paths: tuple[str, ...]
    base: tuple[str, ...]
    head: tuple[str, ...]


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    """A configuration, the checked paths, and the steps that make the base and then the change."""
    steps = st.lists(st.sampled_from(STEPS), max_size=4).map(tuple)
    paths = st.sampled_from([(".",), ("ai-systems", "evidence"), ("ai-systems",)])
    return Shape(draw(st.booleans()), draw(paths), draw(steps), draw(steps))


def _router(root: Path) -> Path | None:
    return next(
        (root / p for p in ROUTER_PLACES if (root / p).is_file() and not (root / p).is_symlink()), None
    )


def _move(repo: Repo, to: str) -> None:
    router = _router(repo.root)
    if router is not None and router != repo.root / to:
        (repo.root / to).parent.mkdir(parents=True, exist_ok=True)
        router.rename(repo.root / to)


def _step(repo: Repo, step: str, commit: str) -> None:
    root = repo.root
    links = {
        "link-a-manifest": ("ai-systems/copy.yaml", "router.yaml"),
        "link-a-directory": ("ai-systems/docs", "../docs"),
        "link-outside-the-globs": ("docs/latest", "decisions"),
        "link-to-itself": ("ai-systems/again", "."),
    }
    if step in links:
        path, target = links[step]
        if not os.path.lexists(root / path):
            os.symlink(target, root / path)
    elif step == "submodule":
        repo.git("update-index", "--add", "--cacheinfo", f"160000,{commit},ai-systems/vendor")
        (root / "ai-systems" / "vendor").mkdir(exist_ok=True)
    elif step == "unlink-everything":
        for path, _ in links.values():
            if os.path.islink(root / path):
                os.unlink(root / path)
        repo.git("rm", "-q", "--cached", "--ignore-unmatch", "ai-systems/vendor")
        if (root / "ai-systems" / "vendor").is_dir():
            os.rmdir(root / "ai-systems" / "vendor")
    elif step.startswith("move"):
        _move(
            repo,
            {"move-out-of-the-globs": ROUTER_PLACES[1], "move-back": ROUTER_PLACES[0]}.get(
                step, ROUTER_PLACES[2]
            ),
        )
    elif step == "mistype-an-api-version":
        text = CLEAN.replace("name: ticket-router", "name: fraud-scorer").replace("charter/v1", "charter.v1")
        (root / "ai-systems" / "fraud.yaml").write_text(text, encoding="utf-8")
    else:
        router = _router(root)
        if router is not None:
            old, new = {
                "rename-a-component": ("name: router-classifier", "name: router-ranker"),
                "retrain": ("sha256:9f2c1e7a", "sha256:0e0e0e0e"),
            }[step]
            router.write_text(router.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def _commit(repo: Repo, steps: tuple[str, ...], message: str, date: str) -> None:
    repo.git("add", "-A")
    for step in steps:
        # A submodule may name any commit: it is never fetched or read.
        _step(repo, step, "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
        repo.git("add", "-A")
    repo.git("commit", "-q", "--allow-empty", "--no-verify", "-m", message, date=date)


@property_test(share=20 / 150, shape=shapes(), cached=st.booleans())
def test_links_submodules_moves_and_renames_are_checked_the_same_either_way(
    scratch: Path, shape: Shape, cached: bool
) -> None:
    with fresh_directory(scratch) as place:
        root = place / "repo"
        build_repository(root, [])
        if shape.globs:
            (root / ".charter.yaml").write_text(GLOBS, encoding="utf-8")
        repo: Repo = init_repo(root)
        _commit(repo, shape.base, "The base", BASE_DATE)
        _commit(repo, shape.head, "The change", HEAD_DATE)

        cache = [] if cached else ["--no-cache"]
        environment = {"CHARTER_CACHE_DIR": str(place / "cache")}
        args = [*cache, "--base", "HEAD~1", *shape.paths]
        with mock.patch.object(baseline, "derive_base", wraps=baseline.derive_base) as derived:
            quick = check(root, *args, **environment)
        assert derived.call_count == 1, quick.err
        with mock.patch.object(baseline, "touches_policies", return_value=True):
            exported = check(root, *args, **environment)

        note(
            f"quick: exit {quick.code}\n{quick.out}\n{quick.err}\n"
            f"exported: exit {exported.code}\n{exported.out}\n{exported.err}"
        )
        for run in (quick, exported):
            assert run.code in (0, 1), run.err
            assert "Traceback" not in run.err
        assert rows(quick) == rows(exported)
        assert quick.code == exported.code
        # Whatever the steps, nothing behind a link or in a submodule is ever reported on.
        for finding in quick.findings:
            assert not finding["file"].startswith(
                ("ai-systems/docs/", "ai-systems/again/", "ai-systems/vendor/")
            )


test_any_change_against_its_base_is_checked_the_same_either_way_full = full_size(
    test_any_change_against_its_base_is_checked_the_same_either_way
)
test_links_submodules_moves_and_renames_are_checked_the_same_either_way_full = full_size(
    test_links_submodules_moves_and_renames_are_checked_the_same_either_way
)
