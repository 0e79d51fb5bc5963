"""Lifecycle, risk and evidence changes a pull request might slip past the gate, on real git repositories.

Every test starts from the clean router and its evidence committed on main, makes its change on a
branch the way a pull request would, checks it against main and asserts the exact findings.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main
from checker.gitrevision import GitRepo
from tests.git_helpers import CLEAN, HEAD_DATE, MANIFEST, Repo, router_repo, value_of, variant, where
from tests.helpers import run_json
from tests.test_git import WITH_BASE, change, rows

AS_OF = dt.date(2026, 11, 23)
EVIDENCE_DIR = "evidence/ticket-router"
RECORD = "docs/decisions/0007-router-to-production.md"
STAGE = "    stage: "
CLASSIFIED_AT = "    classifiedAt: "


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """The clean router and its evidence committed on main, checked out on a branch."""
    repo = router_repo(tmp_path / "repo")
    repo.git("checkout", "-q", "-b", "pull-request")
    return repo


def check(repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """(exit code, JSON report) of charter check --base main in the repository's root."""
    return run_json(WITH_BASE, repo.root, capsys, monkeypatch)


def messages(report: dict[str, Any], rule: str) -> list[str]:
    return [f["message"] for f in report["findings"] if f["rule"] == rule]


def evidence(name: str, activity: str, performed: str, outcome: str = "pass", extra: str = "") -> str:
    return (
        "apiVersion: charter/v1\n"
        "kind: Evidence\n"
        "metadata:\n"
        f"  name: {name}\n"
        "spec:\n"
        "  system: ticket-router\n"
        f"  activity: {activity}\n"
        f"  performedAt: {performed}\n"
        '  performedBy: "@dana"\n'
        f"  outcome: {outcome}\n"
        f"{extra}"
    )


# --- CHG006: a lifecycle stage change is a recorded decision -------------------------------------

EXPERIMENTAL = variant(STAGE + "production", STAGE + "experimental")
CHG006_PREFIX = (
    "ticket-router changed its lifecycle stage without a recorded decision: "
    "the stage went from production to experimental but "
)


def test_a_production_system_downgraded_to_experimental_is_chg006(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As experimental, none of the production rules apply: its maintenance would go unchecked.
    change(repo, EXPERIMENTAL, "The router is experimental again")

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("CHG006", MANIFEST, *value_of(EXPERIMENTAL, STAGE), "new")])
    assert messages(report, "CHG006") == [
        f"{CHG006_PREFIX}this change neither adds nor edits its decision record {RECORD}"
    ]


@pytest.mark.parametrize("how", ["new-record", "edited-record", "uncommitted-record"])
def test_a_stage_change_with_its_decision_recorded_passes(
    how: str, repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = EXPERIMENTAL
    if how == "new-record":
        record = "docs/decisions/0012-router-back-to-experimental.md"
        text = variant(RECORD, record, EXPERIMENTAL)
        repo.write(record, "# The router goes back to experimental\n\nDecided by @dana on 2026-11-21.\n")
    else:
        repo.write(RECORD, repo.read(RECORD) + "\n## 2026-11-21: back to experimental, decided by @dana\n")
    if how == "uncommitted-record":
        repo.write(MANIFEST, text)
    else:
        change(repo, text, "The router is experimental again, as decided")

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])


def _removed(repo: Repo) -> tuple[str, str]:
    return variant(
        f"    decisionRecord: {RECORD}\n", "", EXPERIMENTAL
    ), "spec.lifecycle.decisionRecord is not set"


def _the_manifest(repo: Repo) -> tuple[str, str]:
    return (
        variant(RECORD, MANIFEST, EXPERIMENTAL),
        f"its decision record {MANIFEST} holds Charter documents, not a decision",
    )


def _linked(repo: Repo) -> tuple[str, str]:
    link = "docs/decisions/0012-router-back-to-experimental.md"
    os.symlink("0007-router-to-production.md", repo.root / link)
    return (
        variant(RECORD, link, EXPERIMENTAL),
        f"its decision record {link} is a symbolic link, which is never followed",
    )


def _mode_only(repo: Repo) -> tuple[str, str]:
    os.chmod(repo.root / RECORD, 0o755)
    return EXPERIMENTAL, f"this change neither adds nor edits its decision record {RECORD}"


def _same_address(repo: Repo) -> tuple[str, str]:
    url = "https://wiki.example.com/decisions/router"
    base = variant(RECORD, url)
    repo.git("checkout", "-q", "main")
    change(repo, base, "The decision lives in the wiki")
    repo.git("checkout", "-q", "pull-request")
    repo.git("merge", "-q", "--ff-only", "main")
    return (
        variant(STAGE + "production", STAGE + "experimental", base),
        f"its decision record {url} is the address the base revision named",
    )


@pytest.mark.parametrize(
    "attempt",
    [_removed, _the_manifest, _linked, _mode_only, _same_address],
    ids=[
        "record-removed",
        "record-is-the-manifest",
        "record-is-a-link",
        "record-mode-changed",
        "same-address",
    ],
)
def test_a_stage_change_without_a_new_decision_is_chg006(
    attempt: Any, repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text, why = attempt(repo)
    change(repo, text, "The router is experimental again")

    code, report = check(repo, capsys, monkeypatch)

    assert code == 1
    assert [r for r in rows(report) if r[0] == "CHG006"] == [
        ("CHG006", MANIFEST, *value_of(text, STAGE), "new")
    ]
    assert messages(report, "CHG006") == [CHG006_PREFIX + why]


def test_a_stage_change_with_a_new_address_passes(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = variant(RECORD, "https://wiki.example.com/decisions/router-back-to-experimental", EXPERIMENTAL)
    change(repo, text, "The router is experimental again, as the wiki records")

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])


# --- CHG003: a lowered tier needs a recent reclassification ----------------------------------------


@pytest.mark.parametrize(
    ("classified", "why"),
    [
        pytest.param(
            "2026-02-11",
            "spec.risk.classifiedAt 2026-02-11 is 285 days before 2026-11-23; the reclassification "
            "must be at most 30 days old",
            id="moved-one-day",
        ),
        pytest.param("2026-12-01", "spec.risk.classifiedAt 2026-12-01 is in the future", id="in-the-future"),
    ],
)
def test_a_lowered_tier_with_an_old_or_future_classification_is_chg003(
    classified: str,
    why: str,
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = variant("    tier: high", "    tier: medium", variant("2026-02-10", classified))
    change(repo, text, "The router is medium risk")

    code, report = check(repo, capsys, monkeypatch)

    assert code == 1
    assert [r for r in rows(report) if r[0] == "CHG003"] == [
        ("CHG003", MANIFEST, *value_of(text, CLASSIFIED_AT), "new")
    ]
    assert messages(report, "CHG003") == [
        "ticket-router changed its risk basis without reclassifying: the risk tier went from high to "
        f"medium but {why}"
    ]


def test_a_lowered_tier_reclassified_this_month_passes(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = variant("    tier: high", "    tier: medium", variant("2026-02-10", "2026-10-24"))
    change(repo, text, "The router is medium risk, reclassified")

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])


# --- CHG005: merged evidence is not deleted --------------------------------------------------------

OLDER_REVIEW = f"{EVIDENCE_DIR}/2026-11-13-usage-review.yaml"
OLDER_REVIEW_TEXT = evidence("ticket-router-2026-11-13-usage-review", "usage-review", "2026-11-13")


@pytest.fixture
def reviewed(repo: Repo) -> Repo:
    """The router with an older usage review merged on main beside the newer one."""
    repo.git("checkout", "-q", "main")
    repo.write(OLDER_REVIEW, OLDER_REVIEW_TEXT)
    repo.commit("The usage review of 2026-11-13")
    repo.git("checkout", "-q", "pull-request")
    repo.git("merge", "-q", "--ff-only", "main")
    return repo


def _deleted(repo: Repo) -> str:
    repo.git("rm", "-q", OLDER_REVIEW)
    return f"{OLDER_REVIEW} in the base revision"


def _hidden(repo: Repo) -> str:
    # Renamed to a suffix the check does not read: gone from the evidence as surely as deleted.
    repo.git("mv", OLDER_REVIEW, OLDER_REVIEW.replace(".yaml", ".yaml.txt"))
    return f"{OLDER_REVIEW} in the base revision"


def _cut_from_a_shared_file(repo: Repo) -> str:
    # Both reviews merged in one file on main; the change keeps the newer one only.
    shared = f"{EVIDENCE_DIR}/usage-reviews.yaml"
    newer = f"{EVIDENCE_DIR}/2026-11-20-usage-review.yaml"
    repo.git("checkout", "-q", "main")
    repo.write(shared, OLDER_REVIEW_TEXT + "---\n" + repo.read(newer))
    repo.git("rm", "-q", OLDER_REVIEW, newer)
    repo.commit("One file for the usage reviews")
    repo.git("checkout", "-q", "pull-request")
    repo.git("merge", "-q", "--ff-only", "main")
    repo.write(shared, repo.read(shared).split("---\n", 1)[1])
    return f"{shared} in the base revision"


@pytest.mark.parametrize(
    "how", [_deleted, _hidden, _cut_from_a_shared_file], ids=["deleted", "renamed-away", "cut-from-a-file"]
)
def test_deleting_merged_evidence_is_chg005(
    how: Any, reviewed: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    where_it_was = how(reviewed)
    reviewed.commit("Tidy the evidence", HEAD_DATE)

    code, report = check(reviewed, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("CHG005", MANIFEST, *value_of(CLEAN, "  name: "), "new")])
    assert messages(report, "CHG005") == [
        "merged evidence of ticket-router was deleted: ticket-router-2026-11-13-usage-review "
        f"({where_it_was}) is no longer among the checked evidence; evidence is append-only"
    ]


def test_moving_merged_evidence_is_no_deletion(
    reviewed: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (reviewed.root / "evidence" / "archive").mkdir()
    reviewed.git("mv", OLDER_REVIEW, "evidence/archive/2026-11-13-usage-review.yaml")
    reviewed.commit("Archive the older review", HEAD_DATE)

    code, report = check(reviewed, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])


# --- MNT003: evidence first added in a merge commit -----------------------------------------------

MERGED = f"{EVIDENCE_DIR}/2026-11-22-audit.yaml"
MERGED_TEXT = evidence("ticket-router-2026-11-22-audit", "audit", "2026-11-22")


def merge_adding_evidence(repo: Repo) -> None:
    """A merge into the pull request, dated 2026-11-21, that itself adds evidence claiming 2026-11-22."""
    repo.git("checkout", "-q", "-b", "side")
    repo.write("runbooks/router-rollback.md", repo.read("runbooks/router-rollback.md") + "\nStep 4.\n")
    repo.commit("Runbook step", HEAD_DATE)
    repo.git("checkout", "-q", "pull-request")
    repo.write("runbooks/router-incident.md", repo.read("runbooks/router-incident.md") + "\nPage @lee.\n")
    repo.commit("Incident contact", HEAD_DATE)
    merged_on = "2026-11-21T12:00:00+00:00"
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side", date=merged_on)
    repo.write(MERGED, MERGED_TEXT)
    repo.git("add", MERGED)
    repo.git("commit", "-q", "--no-verify", "-m", "Merge side", date=merged_on)


def test_evidence_added_by_a_merge_commit_before_its_date_is_mnt003(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    merge_adding_evidence(repo)

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("MNT003", MERGED, *value_of(MERGED_TEXT, "  performedAt: "), "new")])
    assert messages(report, "MNT003") == [
        f"evidence for ticket-router is not consistent: {MERGED} was first committed on 2026-11-21, "
        "before the 2026-11-22 it claims"
    ]


def test_first_added_dates_a_file_by_its_earliest_addition_across_merges(repo: Repo) -> None:
    merge_adding_evidence(repo)
    side_file = "evidence/ticket-router/side.yaml"
    repo.git("checkout", "-q", "-b", "other", "main")
    repo.write(side_file, evidence("ticket-router-side", "audit", "2026-11-01"))
    repo.commit("Side evidence", "2026-11-01T09:00:00+00:00")
    repo.git("checkout", "-q", "pull-request")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge other", "other", date="2026-11-22T18:00:00+00:00")

    with GitRepo(str(repo.root)) as git:
        everything = git.first_added("evidence")
        named = git.first_added("", [MERGED, side_file])

    for dates in (everything, named):
        assert dates[MERGED] == dt.date(2026, 11, 21)
        # Added on a side branch and merged later: first committed when the side branch did.
        assert dates[side_file] == dt.date(2026, 11, 1)


# --- MNT001: failed maintenance counts only with its follow-up -------------------------------------

FAILED = f"{EVIDENCE_DIR}/2026-11-22-dependency-review.yaml"


UNWAIVED = CLEAN[: CLEAN.index("  waivers:\n")]


@pytest.fixture
def overdue(repo: Repo) -> Repo:
    """The router on main, without waivers, its dependency review last done on 2026-09-30: MNT001."""
    repo.git("checkout", "-q", "main")
    repo.write(MANIFEST, UNWAIVED)
    repo.git("rm", "-q", f"{EVIDENCE_DIR}/2026-11-05-dependency-review.yaml")
    repo.write(
        f"{EVIDENCE_DIR}/2026-09-30-dependency-review.yaml",
        evidence("ticket-router-2026-09-30-dependency-review", "dependency-review", "2026-09-30"),
    )
    repo.commit("The dependency review of September")
    repo.git("checkout", "-q", "pull-request")
    repo.git("merge", "-q", "--ff-only", "main")
    return repo


DEPENDENCY_REVIEW = "{activity: dependency-review"


@pytest.mark.parametrize(
    ("findings", "why"),
    [
        pytest.param("", "failed and lists no findings to follow up", id="no-findings"),
        pytest.param(
            "  findings: [{id: F-1, description: Pin the tokenizer, due: 2026-12-15, status: open}]\n",
            "failed and its finding F-1 has no owner",
            id="finding-without-owner",
        ),
        pytest.param(
            '  findings: [{id: F-1, description: Pin the tokenizer, owner: "@lee", status: open}]\n',
            "failed and its finding F-1 has no due date",
            id="finding-without-due-date",
        ),
    ],
)
def test_failed_maintenance_without_follow_up_does_not_count_as_done(
    findings: str,
    why: str,
    overdue: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = "ticket-router-2026-11-22-dependency-review"
    overdue.write(FAILED, evidence(name, "dependency-review", "2026-11-22", "fail", findings))
    overdue.commit("The dependency review failed", HEAD_DATE)

    code, report = check(overdue, capsys, monkeypatch)

    assert (code, rows(report)) == (
        1,
        [("MNT001", MANIFEST, *where(UNWAIVED, DEPENDENCY_REVIEW), "existing")],
    )
    assert messages(report, "MNT001") == [
        "ticket-router has maintenance without recent evidence: the last evidence of the monthly "
        f"dependency-review is 54 days old ({EVIDENCE_DIR}/2026-09-30-dependency-review.yaml, 2026-09-30); "
        f"at most 35 allowed; {FAILED} (2026-11-22) does not count: it {why}"
    ]


def test_failed_maintenance_with_owned_findings_counts_as_done(
    overdue: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    follow_up = (
        '  findings: [{id: F-1, description: Pin the tokenizer, owner: "@lee", due: 2026-12-15, '
        "status: open}]\n"
    )
    name = "ticket-router-2026-11-22-dependency-review"
    overdue.write(FAILED, evidence(name, "dependency-review", "2026-11-22", "fail", follow_up))
    overdue.commit("The dependency review failed; @lee follows up", HEAD_DATE)

    code, report = check(overdue, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])


def test_failed_evidence_read_as_context_counts_with_its_follow_up(
    overdue: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the pre-commit hook runs: the manifest named, the evidence read only as context.
    follow_up = '  findings: [{id: F-1, owner: "@lee", due: 2026-12-15, status: open}]\n'
    name = "ticket-router-2026-11-22-dependency-review"
    overdue.write(FAILED, evidence(name, "dependency-review", "2026-11-22", "fail", follow_up))
    overdue.commit("The dependency review failed; @lee follows up", HEAD_DATE)

    code, report = run_json([MANIFEST, "--as-of", "2026-11-23"], overdue.root, capsys, monkeypatch)

    assert code == 0
    assert [r for r in rows(report) if r[0] == "MNT001"] == []


def test_charter_explain_has_a_page_for_chg006(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code = main(["explain", "CHG006"])

    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[:4] == [
        "CHG006 (stage-changed-without-decision)",
        "",
        "What it checks",
        "  A lifecycle stage change comes with the decision record it adds or edits.",
    ]
    assert "  Needs a base: yes; it compares with the revision given by --base" in out.splitlines()
