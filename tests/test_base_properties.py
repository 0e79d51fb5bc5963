"""Property tests of `charter check --base`: generated changes on real git repositories.

A base commit holds the router, its evidence, two neighbours with known findings and generated
files; the change then rewrites, adds and deletes files (generated, mutated, cut or corrupted, as in
test_properties.py) in the working tree. Whatever the change, the check never crashes, every
finding is located and marked new or existing, and the quick base (head's documents with the
changed files as the base had them) reports exactly what the exported base tree reports.

Each example makes a repository and runs the check twice, so the default run keeps to a few dozen
examples; HYPOTHESIS_PROFILE=fuzz runs ten times as many.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from checker import baseline
from tests.git_helpers import HEAD_DATE, MANIFEST, Repo, init_repo
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

EXAMPLES = 400 if settings.default.max_examples >= 1_000 else 40
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


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(change=changes(), cached=st.booleans())
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
