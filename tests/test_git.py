"""`charter check --base` on real git repositories: change rules, new / existing / fixed findings,
evidence dates against commit history, and policy tamper protection."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checker.commands.check import CheckOptions
from tests.conftest import (
    NEEDS_BASE,
    NEEDS_PULL_REQUEST,
    PULL_REQUEST_NOTE,
    checked_context,
    notes_text,
    pull_request_notes_text,
)
from tests.git_helpers import (
    CLEAN,
    HEAD_DATE,
    MANIFEST,
    Repo,
    feature_repo,
    git_env,
    router_repo,
    value_of,
    variant,
    where,
)
from tests.helpers import run, run_json, run_process

AS_OF = ["--as-of", "2026-11-23"]
WITH_BASE = ["--base", "main", *AS_OF]

DIGEST = "sha256:9f2c1e7a4b6d8f0a2c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f"
REBUILT = "sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
ROLLBACK_DIGEST = "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
TARGET = f'target: {{version: 3.1.4, digest: "{ROLLBACK_DIGEST}"}}'
MODEL_VERSION = "      version: "
ON_CALL = "    onCall: https://pager.example.com/support-ml\n"

# The model rebuilt without a new version (CHG001).
REBUILT_SAME_VERSION = variant(DIGEST, REBUILT)
# The model rebuilt as 3.3.0 with the rollback target moved to 3.2.0, but no release entry (CHG002).
BUMPED = variant(
    TARGET,
    f'target: {{version: 3.2.0, digest: "{DIGEST}"}}',
    variant(MODEL_VERSION + "3.2.0", MODEL_VERSION + "3.3.0", REBUILT_SAME_VERSION),
)


def with_release(text: str, approvals: str) -> str:
    """text with a release entry for 3.3.0 appended to spec.releases."""
    entry = (
        "    - version: 3.3.0\n"
        "      date: 2026-11-20\n"
        "      changeClass: retrain\n"
        f"      approvals: [{approvals}]\n"
    )
    return variant("  reviewGates:\n", entry + "  reviewGates:\n", text)


GATE_APPROVALS = (
    '{by: "@dana", role: accountable, date: 2026-11-20}, {by: "@ana", role: ml-review, date: 2026-11-20}'
)
RELEASED = with_release(BUMPED, GATE_APPROVALS)
WITHOUT_ON_CALL = variant(ON_CALL, "")
OWN002_AT = where(WITHOUT_ON_CALL, "ownership:")

Row = tuple[str, str, int, int, Any]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """The clean router committed on main, checked out on a new branch feature."""
    repo = router_repo(tmp_path / "repo")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def rows(report: dict[str, Any]) -> list[Row]:
    """(rule, file, line, column, status) of every finding, status None when there is none."""
    return [(f["rule"], f["file"], f["line"], f["column"], f.get("status")) for f in report["findings"]]


def change(repo: Repo, text: str, message: str = "Change the router") -> None:
    repo.write(MANIFEST, text)
    repo.commit(message, HEAD_DATE)


# --- the change rules ---------------------------------------------------------------------------


def test_a_digest_change_without_a_version_bump_is_a_new_chg001(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    change(repo, REBUILT_SAME_VERSION, "Retrain the router")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [
        ("CHG001", MANIFEST, *value_of(REBUILT_SAME_VERSION, MODEL_VERSION), "new"),
    ]
    [finding] = report["findings"]
    assert finding["path"] == "spec.components[0].version"
    assert finding["severity"] == "error"
    assert "its version stayed 3.2.0;" in finding["message"]
    assert report["summary"] == {
        "systems": 1,
        "errors": 1,
        "warnings": 0,
        "infos": 0,
        "waived": 0,
        "passed": False,
    }


def test_the_installed_executable_reports_the_same_change_byte_for_byte(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    change(repo, REBUILT_SAME_VERSION, "Retrain the router")
    line, column = value_of(REBUILT_SAME_VERSION, MODEL_VERSION)

    for fmt in ("json", "text"):
        _, in_process, _ = run([*WITH_BASE, "--format", fmt], repo.root, capsys, monkeypatch)
        process = run_process(["check", *WITH_BASE, "--format", fmt, "."], repo.root, git_env())
        assert (process.returncode, process.stderr) == (1, pull_request_notes_text() if fmt == "text" else "")
        assert process.stdout == in_process
    assert process.stdout.splitlines() == [
        f"{MANIFEST}:{line}:{column}: CHG001 error ticket-router changed a model artifact without raising "
        "its version: the digest of router-classifier changed but its version stayed 3.2.0; "
        "a new artifact needs a higher version [new]",
        "fix (charter explain RULE says why):",
        "  CHG001 Raise the component's version whenever its artifact digest, provider model or snapshot, or "
        "source files change: semantic versions must rise, other versions must differ.",
        "1 system checked: 1 error, 0 warnings, 0 info, 0 waived; failed (0 fixed by this change)",
    ]


def test_a_version_bump_without_a_release_entry_is_chg002(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    change(repo, BUMPED)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [("CHG002", MANIFEST, *value_of(BUMPED, MODEL_VERSION), "new")]
    assert (
        "router-classifier changed to 3.3.0 but spec.releases has no entry for 3.3.0"
        in report["findings"][0]["message"]
    )


def test_a_release_whose_approvals_miss_the_review_gate_is_chg002(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    one_approval = with_release(BUMPED, '{by: "@dana", role: accountable, date: 2026-11-20}')
    change(repo, one_approval)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    line, column = where(
        one_approval, '      approvals: [{by: "@dana", role: accountable, date: 2026-11-20}]\n'
    )
    assert rows(report) == [("CHG002", MANIFEST, line, column + len("      approvals: "), "new")]
    assert report["findings"][0]["path"] == "spec.releases[1].approvals"


def test_a_release_approved_through_the_gate_with_the_rollback_target_moved_passes(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    change(repo, RELEASED)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])


def test_a_lowered_risk_tier_without_reclassification_is_chg003(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lowered = variant("    tier: high\n", "    tier: medium\n")
    change(repo, lowered)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [("CHG003", MANIFEST, *value_of(lowered, "    classifiedAt: "), "new")]
    assert "the risk tier went from high to medium" in report["findings"][0]["message"]

    # Reclassifying in the same change is what the rule asks for.
    change(repo, variant("    classifiedAt: 2026-02-10\n", "    classifiedAt: 2026-11-20\n", lowered))
    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)
    assert (code, rows(report)) == (0, [])


def test_a_rollback_target_that_is_not_the_base_version_is_rbk003(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stale_target = with_release(
        variant(MODEL_VERSION + "3.2.0", MODEL_VERSION + "3.3.0", REBUILT_SAME_VERSION), GATE_APPROVALS
    )
    change(repo, stale_target)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [("RBK003", MANIFEST, *value_of(stale_target, "target: {version: "), "new")]
    assert "the rollback target should be 3.2.0, not 3.1.4" in report["findings"][0]["message"]


# --- evidence dates against the commit history (MNT003) ---------------------------------------

EVIDENCE = "evidence/ticket-router/2026-11-22-usage-review.yaml"
EVIDENCE_TEXT = (
    "apiVersion: charter/v1\n"
    "kind: Evidence\n"
    "metadata:\n"
    "  name: ticket-router-2026-11-22-usage-review\n"
    "spec:\n"
    "  system: ticket-router\n"
    "  activity: usage-review\n"
    "  performedAt: 2026-11-22\n"
    '  performedBy: "@lee"\n'
    "  outcome: pass\n"
    "  summary: Weekly usage review; nothing to follow up.\n"
)
PERFORMED_AT = value_of(EVIDENCE_TEXT, "  performedAt: ")


def test_evidence_committed_before_the_date_it_claims_is_mnt003(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(EVIDENCE, EVIDENCE_TEXT)
    repo.commit("Usage review", "2026-11-21T15:00:00+00:00")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [("MNT003", EVIDENCE, *PERFORMED_AT, "new")]
    [finding] = report["findings"]
    assert finding["path"] == "spec.performedAt"
    assert finding["system"] == "ticket-router"
    assert (
        f"{EVIDENCE} was first committed on 2026-11-21, before the 2026-11-22 it claims" in finding["message"]
    )

    # Without --base the history is read all the same.
    code, report = run_json(AS_OF, repo.root, capsys, monkeypatch)
    assert code == 1
    assert [r for r in rows(report) if r[0] == "MNT003"] == [("MNT003", EVIDENCE, *PERFORMED_AT, None)]


@pytest.mark.parametrize("staged", [False, True], ids=["untracked", "staged"])
def test_evidence_not_yet_committed_is_judged_on_its_own_dates(
    staged: bool, repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(EVIDENCE, EVIDENCE_TEXT)
    if staged:
        repo.git("add", EVIDENCE)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])


def test_evidence_committed_on_the_day_it_claims_passes(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(EVIDENCE, EVIDENCE_TEXT)
    repo.commit("Usage review", "2026-11-22T00:00:00+00:00")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])


def test_the_commit_date_is_the_committers_own_calendar_day(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 08:30 on the 22nd in Tokyo is still the 21st in UTC: the evidence was committed on the day
    # it claims, as the person who did the work and committed it counts days.
    repo.write(EVIDENCE, EVIDENCE_TEXT)
    repo.commit("Usage review", "2026-11-22T08:30:00+09:00")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)
    assert (code, rows(report)) == (0, [])

    # 20:00 on the 21st in California is already the 22nd in UTC, yet a day before the claim.
    backdated = EVIDENCE.replace("usage-review", "usage-review-2")
    repo.write(backdated, EVIDENCE_TEXT.replace("-usage-review\n", "-usage-review-2\n"))
    repo.commit("Another usage review", "2026-11-21T20:00:00-08:00")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)
    assert code == 1
    assert rows(report) == [("MNT003", backdated, *PERFORMED_AT, "new")]
    assert (
        "was first committed on 2026-11-21, before the 2026-11-22 it claims"
        in report["findings"][0]["message"]
    )


def test_outside_git_mnt003_notes_that_history_is_not_compared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "plain"
    shutil.copytree(Path(__file__).parent / "rules" / "_repo", root)
    (root / "ai-systems").mkdir()
    (root / MANIFEST).write_text(CLEAN, encoding="utf-8")
    (root / EVIDENCE).write_text(EVIDENCE_TEXT, encoding="utf-8")

    code, report = run_json(AS_OF, root, capsys, monkeypatch)

    assert code == 0
    # A note of the run, after those of the change rules that need a base; never a finding.
    assert report["findings"] == []
    assert report["notes"][len(NEEDS_BASE)] == {
        "rule": "MNT003",
        "message": "evidence dates are not compared with commit history outside a git repository",
    }
    assert [n["rule"] for n in report["notes"]] == [*NEEDS_BASE, "MNT003", *NEEDS_PULL_REQUEST]

    code, out, err = run(AS_OF, root, capsys, monkeypatch)
    assert (code, out) == (0, "1 system checked: 0 errors, 0 warnings, 0 info, 0 waived; passed\n")
    assert err == notes_text()
    assert err.splitlines()[1] == (
        "charter: note: MNT003 evidence dates are not compared with commit history outside a git repository"
    )


def test_file_names_that_look_like_dates_or_timestamps_do_not_confuse_the_history(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Committed together and listed before the evidence, as git sorts names.
    repo.write("1795000000", "a file named like a commit timestamp\n")
    repo.write("2026-11-30", "a file named like a date\n")
    repo.write(EVIDENCE, EVIDENCE_TEXT)
    repo.commit("Usage review", "2026-11-21T15:00:00+00:00")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [("MNT003", EVIDENCE, *PERFORMED_AT, "new")]
    assert "first committed on 2026-11-21, before the 2026-11-22" in report["findings"][0]["message"]


# --- policy tamper protection (POL001) ----------------------------------------------------------

UNDRILLED = variant("    lastDrill: 2026-10-14\n", "    lastDrill: 2026-05-01\n")
RBK002_AT = value_of(UNDRILLED, "    lastDrill: ")
POL001_MESSAGE = (
    "{file} differs from the base revision; policy and configuration changes need governance review, "
    "so this check used the base revision's policies; it changes: {what}; to be reviewed by the "
    "governance owners (the configuration names none under governance.approvers)"
)


@pytest.mark.parametrize(
    ("override", "head_infos", "what"),
    [
        pytest.param("{enabled: false}", 0, "RBK002 disabled", id="rule-disabled"),
        pytest.param("{severity: info}", 1, "RBK002 severity error → info", id="severity-softened"),
        pytest.param("{params: {maxDaysHigh: 365}}", 0, "RBK002 maxDaysHigh 90 → 365", id="threshold-raised"),
    ],
)
def test_softening_the_configuration_is_judged_by_the_base_policies(
    override: str,
    head_infos: int,
    what: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = router_repo(tmp_path / "repo")
    repo.write(".charter.yaml", "failOn: error\n")
    repo.commit("Configure charter")
    _, base_run = run_json(AS_OF, repo.root, capsys, monkeypatch)
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(".charter.yaml", f"failOn: error\nrules:\n  RBK002: {override}\n")
    change(repo, UNDRILLED, "Skip the drill and relax the rule that asks for it")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [
        ("POL001", ".charter.yaml", 1, 1, "new"),
        ("RBK002", MANIFEST, *RBK002_AT, "new"),
    ]
    pol001, rbk002 = report["findings"]
    assert (pol001["severity"], pol001["system"], pol001["message"]) == (
        "warning",
        None,
        POL001_MESSAGE.format(file=".charter.yaml", what=what),
    )
    assert rbk002["severity"] == "error"
    # The verdict is the base policies'; what the head's policies would say is shown beside it.
    assert report["policyDigest"] == base_run["policyDigest"]
    assert report["summary"] == {
        "systems": 1,
        "errors": 1,
        "warnings": 1,
        "infos": 0,
        "waived": 0,
        "passed": False,
    }
    head = report["headPolicies"]
    assert head["policyDigest"] != report["policyDigest"]
    assert head["summary"] == {"errors": 0, "warnings": 0, "infos": head_infos, "waived": 0, "passed": True}

    code, out, _ = run(WITH_BASE, repo.root, capsys, monkeypatch)
    assert code == 1
    assert out.splitlines()[-2:] == [
        "1 system checked: 1 error, 1 warning, 0 info, 0 waived; failed (0 fixed by this change)",
        "with the policies of this change instead: 0 errors, 0 warnings; passed",
    ]


LOCAL_POLICY = "policies/local/labels.yaml"
LOCAL_RULE = """apiVersion: charter/v1
kind: Policy
metadata:
  name: local-labels
rules:
  - id: LOC001
    name: known-domain
    title: Every system names a domain the governance board knows
    severity: {severity}
    assert:
      - {{field: metadata.labels.domain, oneOf: [{domains}]}}
    message: "{{system}} names a domain the governance board does not know"
    why: Reports and budgets are split by domain.
    remediation: Set metadata.labels.domain to one of the known domains.
    controls: ["ISO-42001 A.3.2"]
"""


@pytest.mark.parametrize(
    ("edit", "what"),
    [
        pytest.param(
            {"severity": "error", "domains": "support, sales, marketing"},
            "LOC001 rewritten (assert)",
            id="domain-allowed",
        ),
        pytest.param(
            {"severity": "info", "domains": "support, sales"},
            "LOC001 severity error → info",
            id="severity-softened",
        ),
    ],
)
def test_editing_a_local_policy_is_judged_by_the_base_policies(
    edit: dict[str, str],
    what: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = feature_repo(
        tmp_path / "repo",
        {
            ".charter.yaml": "policies: [default, policies/local]\n",
            LOCAL_POLICY: LOCAL_RULE.format(severity="error", domains="support, sales"),
        },
        "A local policy",
    )
    marketing = variant("labels: {domain: support}", "labels: {domain: marketing}")
    repo.write(LOCAL_POLICY, LOCAL_RULE.format(**edit))
    change(repo, marketing, "Move the router to marketing")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [
        ("LOC001", MANIFEST, *value_of(marketing, "labels: {domain: "), "new"),
        ("POL001", LOCAL_POLICY, 1, 1, "new"),
    ]
    loc001, pol001 = report["findings"]
    assert loc001["severity"] == "error"
    assert pol001["message"] == POL001_MESSAGE.format(file=LOCAL_POLICY, what=what)
    assert report["headPolicies"]["summary"]["errors"] == 0
    assert report["headPolicies"]["summary"]["passed"] is True

    code, out, _ = run(WITH_BASE, repo.root, capsys, monkeypatch)
    assert code == 1
    assert out.splitlines()[-1] == "with the policies of this change instead: 0 errors, 0 warnings; passed"


def test_adding_a_configuration_the_base_did_not_have_is_pol001(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(".charter.yaml", "rules:\n  RBK002: {enabled: false}\n")
    change(repo, UNDRILLED, "Skip the drill")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [
        ("POL001", ".charter.yaml", 1, 1, "new"),
        ("RBK002", MANIFEST, *RBK002_AT, "new"),
    ]
    assert report["headPolicies"]["summary"]["passed"] is True


def test_an_unchanged_configuration_is_no_policy_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = feature_repo(
        tmp_path / "repo", {".charter.yaml": "rules:\n  RBK002: {severity: warning}\n"}, "Configure charter"
    )
    change(repo, UNDRILLED, "Skip the drill")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 0
    assert rows(report) == [("RBK002", MANIFEST, *RBK002_AT, "new")]
    assert report["findings"][0]["severity"] == "warning"
    assert "headPolicies" not in report
    code, out, _ = run(WITH_BASE, repo.root, capsys, monkeypatch)
    assert "with the policies of this change instead" not in out


# --- new, existing and fixed --------------------------------------------------------------------


def test_a_renamed_manifest_keeps_its_findings_existing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo", WITHOUT_ON_CALL)
    repo.git("checkout", "-q", "-b", "feature")
    (repo.root / "ai-systems" / "support").mkdir()
    repo.git("mv", MANIFEST, "ai-systems/support/ticket-router.yaml")
    repo.commit("Move the router's manifest", HEAD_DATE)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    # No change rule sees a new system, a new version or a lowered tier in a moved file.
    assert rows(report) == [("OWN002", "ai-systems/support/ticket-router.yaml", *OWN002_AT, "existing")]
    code, out, _ = run(WITH_BASE, repo.root, capsys, monkeypatch)
    assert out.splitlines()[-1].endswith("; failed (0 fixed by this change)")


def test_a_renamed_system_is_still_compared_with_its_base(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed = REBUILT_SAME_VERSION.replace("name: ticket-router", "name: support-router")
    repo.write(MANIFEST, renamed)
    for evidence in sorted((repo.root / "evidence" / "ticket-router").iterdir()):
        evidence.write_text(
            evidence.read_text(encoding="utf-8").replace("system: ticket-router", "system: support-router"),
            encoding="utf-8",
        )
    repo.commit("Rename the router and retrain it", HEAD_DATE)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [("CHG001", MANIFEST, *value_of(renamed, MODEL_VERSION), "new")]
    assert report["findings"][0]["system"] == "support-router"

    # The rename alone is no change of version, tier or rollback target.
    change(repo, CLEAN.replace("name: ticket-router", "name: support-router"))
    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)
    assert (code, rows(report)) == (0, [])


MOVED = "ai-systems/routing/router.yaml"


@pytest.mark.parametrize("paths", [["."], ["ai-systems"], [MOVED]], ids=["root", "folder", "file"])
def test_a_manifest_moved_and_rebuilt_is_compared_with_its_base_whatever_is_checked(
    paths: list[str], repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo.root / MOVED).parent.mkdir()
    repo.git("mv", MANIFEST, MOVED)
    repo.write(MOVED, REBUILT_SAME_VERSION)
    repo.commit("File the router in a folder of its own and retrain it", HEAD_DATE)

    code, report = run_json([*WITH_BASE, *paths], repo.root, capsys, monkeypatch)

    # The base file is no longer in the working tree, nor among the files reported: still read whole.
    assert (code, rows(report)) == (
        1,
        [("CHG001", MOVED, *value_of(REBUILT_SAME_VERSION, MODEL_VERSION), "new")],
    )


def test_a_finding_the_change_removes_is_counted_as_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo", WITHOUT_ON_CALL)
    repo.git("checkout", "-q", "-b", "feature")
    change(repo, CLEAN, "Add the on-call route")

    code, out, err = run(WITH_BASE, repo.root, capsys, monkeypatch)

    assert (code, err) == (0, pull_request_notes_text())
    assert out.splitlines() == [
        "1 system checked: 0 errors, 0 warnings, 0 info, 0 waived; passed (1 fixed by this change)"
    ]
    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)
    assert (code, rows(report)) == (0, [])


def test_findings_have_a_status_with_base_and_none_without(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo", WITHOUT_ON_CALL)
    repo.git("checkout", "-q", "-b", "feature")
    rebuilt = variant(DIGEST, REBUILT, WITHOUT_ON_CALL)
    change(repo, rebuilt, "Retrain the router")
    chg001_at = value_of(rebuilt, MODEL_VERSION)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [
        ("OWN002", MANIFEST, *OWN002_AT, "existing"),
        ("CHG001", MANIFEST, *chg001_at, "new"),
    ]
    code, out, _ = run(WITH_BASE, repo.root, capsys, monkeypatch)
    findings = [line for line in out.splitlines() if re.match(r"\S+:\d+:\d+: [A-Z]{3}[0-9]{3} ", line)]
    assert [line.rsplit(" ", 1)[-1] for line in findings] == ["[existing]", "[new]"]

    code, report = run_json(AS_OF, repo.root, capsys, monkeypatch)
    assert code == 1
    # Without a base: no status key at all, and notes (not findings) that the change rules were not run.
    assert all("status" not in f for f in report["findings"])
    assert rows(report) == [("OWN002", MANIFEST, *OWN002_AT, None)]
    assert report["notes"] == [
        {"rule": rule, "message": "compares with a base revision: run with --base REF to check it"}
        for rule in ("CHG001", "CHG002", "CHG003", "CHG004", "CHG005", "CHG006", "POL001", "RBK003")
    ] + [{"rule": rule, "message": PULL_REQUEST_NOTE} for rule in ("GAT002", "GAT003")]


def test_only_the_named_files_are_reported_with_base(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(EVIDENCE, EVIDENCE_TEXT)
    repo.write(MANIFEST, REBUILT_SAME_VERSION)
    repo.commit("Retrain the router; usage review", "2026-11-21T15:00:00+00:00")

    code, report = run_json([*WITH_BASE, EVIDENCE], repo.root, capsys, monkeypatch)
    assert code == 1
    assert rows(report) == [("MNT003", EVIDENCE, *PERFORMED_AT, "new")]

    code, report = run_json([*WITH_BASE, "ai-systems"], repo.root, capsys, monkeypatch)
    assert code == 1
    assert rows(report) == [("CHG001", MANIFEST, *value_of(REBUILT_SAME_VERSION, MODEL_VERSION), "new")]


def test_base_is_compared_from_a_subdirectory(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    change(repo, REBUILT_SAME_VERSION, "Retrain the router")

    code, report = run_json([*WITH_BASE, "."], repo.root / "ai-systems", capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [("CHG001", MANIFEST, *value_of(REBUILT_SAME_VERSION, MODEL_VERSION), "new")]


def test_base_may_be_a_commit_id_a_full_ref_name_or_parent_steps(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = repo.git("rev-parse", "main").strip()
    change(repo, REBUILT_SAME_VERSION, "Retrain the router")
    expected = [("CHG001", MANIFEST, *value_of(REBUILT_SAME_VERSION, MODEL_VERSION), "new")]

    for ref in (base, "refs/heads/main", "HEAD~1"):
        code, report = run_json(["--base", ref, *AS_OF], repo.root, capsys, monkeypatch)
        assert (code, rows(report)) == (1, expected), ref

    code, out, err = run(["--base", base[:12], *AS_OF], repo.root, capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err == (
        f"charter: error: --base '{base[:12]}' looks like an abbreviated commit id, which is not "
        "accepted: pass the full commit id (git rev-parse prints it) or the full ref name (refs/...)\n"
    )


def test_the_base_is_where_the_branch_left_main(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    change(repo, REBUILT_SAME_VERSION, "Retrain the router")
    # main moves on after the branch was made, without the router on it: the pull request is
    # still compared with what it started from, as GitHub shows its diff.
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", MANIFEST)
    repo.commit("Retire the router's manifest", HEAD_DATE)
    repo.git("checkout", "-q", "feature")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [("CHG001", MANIFEST, *value_of(REBUILT_SAME_VERSION, MODEL_VERSION), "new")]


# --- a system the change stops declaring (CHG004) --------------------------------------------------

LEADS = "ai-systems/leads.yaml"
LEADS_TEXT = """apiVersion: charter/v1
kind: AISystem
metadata:
  name: lead-router
  title: Sales lead router
spec:
  purpose:
    intendedUse: Route inbound sales leads to one of six account teams.
  lifecycle: {stage: experimental}
  ownership:
    team: "@acme/sales-ml"
    accountable: "@ana"
  risk:
    tier: low
    rationale: A misrouted lead reaches a colleague one hop later.
    classifiedBy: "@sam"
    classifiedAt: 2026-09-20
    euAiAct: {class: minimal, role: deployer}
  components:
    - name: lead-classifier
      kind: model
      version: 0.3.0
  logging: {inputs: true, outputs: true, fields: [requestId, modelVersion], retentionDays: 30}
"""
LEADS_GONE = (
    f"lead-router, declared in {LEADS} in the base revision, is no longer declared anywhere in the repository"
)
ROUTER_FOREIGN = (
    f"ticket-router, declared in {MANIFEST} in the base revision, is no longer checked: {MANIFEST} no "
    "longer holds it as a charter/v1 AISystem"
)


def two_systems(tmp_path: Path, config: str | None = None) -> Repo:
    """The router and the lead router (and config as .charter.yaml) committed on main, on a branch."""
    repo = router_repo(tmp_path / "repo")
    repo.write(LEADS, LEADS_TEXT)
    if config is not None:
        repo.write(".charter.yaml", config)
    repo.commit("The lead router")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def findings_of(report: dict[str, Any], rule: str) -> list[tuple[str | None, str, str]]:
    """(system, severity, message) of each finding of rule."""
    return [(f["system"], f["severity"], f["message"]) for f in report["findings"] if f["rule"] == rule]


def test_a_named_file_reports_only_the_systems_it_declared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_systems(tmp_path)
    repo.write(MANIFEST, variant("kind: AISystem\n", "kind: Policy\n"))
    repo.git("rm", "-q", LEADS)
    repo.commit("Make the router a policy and delete the lead router", HEAD_DATE)
    router_at = value_of(CLEAN, "  name: ")

    code, report = run_json([*WITH_BASE, MANIFEST], repo.root, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("CHG004", MANIFEST, *router_at, "new")])
    assert findings_of(report, "CHG004") == [("ticket-router", "error", ROUTER_FOREIGN)]

    code, report = run_json([*WITH_BASE, "ai-systems"], repo.root, capsys, monkeypatch)

    assert (code, rows(report)) == (
        1,
        [("CHG004", LEADS, 1, 1, "new"), ("CHG004", MANIFEST, *router_at, "new")],
    )
    assert findings_of(report, "CHG004") == [
        ("lead-router", "error", LEADS_GONE),
        ("ticket-router", "error", ROUTER_FOREIGN),
    ]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        pytest.param("{severity: warning}", [("lead-router", "warning", LEADS_GONE)], id="severity"),
        pytest.param("{enabled: false}", [], id="disabled"),
        pytest.param("{params: {removableStages: [retired, experimental]}}", [], id="experimental-removable"),
    ],
)
def test_chg004_follows_the_reviewed_configuration(
    override: str,
    expected: list[tuple[str, str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = two_systems(tmp_path, f"rules:\n  CHG004: {override}\n")
    repo.git("rm", "-q", LEADS)
    repo.commit("Delete the lead router", HEAD_DATE)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert (code, findings_of(report, "CHG004")) == (0, expected)
    assert [r[1:] for r in rows(report)] == [(LEADS, 1, 1, "new")] * len(expected)


def test_a_system_deleted_with_a_configuration_change_is_chg004_under_the_base_policies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_systems(tmp_path)
    repo.write(".charter.yaml", "rules:\n  CHG004: {enabled: false}\n")
    repo.git("rm", "-q", LEADS)
    repo.commit("Delete the lead router and switch off the rule that reports it", HEAD_DATE)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert (code, rows(report)) == (
        1,
        [("POL001", ".charter.yaml", 1, 1, "new"), ("CHG004", LEADS, 1, 1, "new")],
    )
    assert findings_of(report, "CHG004") == [("lead-router", "error", LEADS_GONE)]
    # The change's own configuration would have let it through: shown, not used.
    assert report["headPolicies"]["summary"] == {
        "errors": 0,
        "warnings": 0,
        "infos": 0,
        "waived": 0,
        "passed": True,
    }


def test_only_the_systems_of_changed_files_are_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_systems(tmp_path)
    change(repo, REBUILT_SAME_VERSION, "Retrain the router")
    monkeypatch.chdir(repo.root)
    options = CheckOptions(paths=["."], base="main", as_of=dt.date(2026, 11, 23))

    quick = checked_context(options)

    # Every other file is head's own, so no system of it can be missing.
    assert quick is not None and quick.base_leaving == {"ticket-router": MANIFEST}

    repo.write(".charter.yaml", "failOn: error\n")
    repo.commit("Configure charter", HEAD_DATE)

    exported = checked_context(options)

    # With the configuration changed the whole base is read, and any of its systems may be gone.
    assert exported is not None
    assert exported.base_leaving == {"ticket-router": MANIFEST, "lead-router": LEADS}


# --- what --base cannot use --------------------------------------------------------------------


def test_base_outside_git_exits_2_with_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "plain"
    shutil.copytree(Path(__file__).parent / "rules" / "_repo", root)
    (root / "ai-systems").mkdir()
    (root / MANIFEST).write_text(CLEAN, encoding="utf-8")

    code, out, err = run(WITH_BASE, root, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert err == "charter: error: --base compares with a git revision, but this is not a git repository\n"


def test_an_unknown_base_exits_2_with_one_sentence(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(["--base", "origin/nope", *AS_OF], repo.root, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert err == (
        "charter: error: unknown revision 'origin/nope': no branch, remote-tracking branch or tag "
        "has that name; fetch it first\n"
    )

    process = run_process(["check", "--base", "origin/nope", *AS_OF], repo.root, git_env())
    assert (process.returncode, process.stdout, process.stderr) == (2, "", err)

    # In GitHub Actions a missing base is most often a checkout without history.
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, err = run(["--base", "origin/nope", *AS_OF], repo.root, capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err == (
        "charter: error: unknown revision 'origin/nope': no branch, remote-tracking branch or tag "
        "has that name; fetch it first (actions/checkout needs fetch-depth: 0)\n"
    )


def test_base_in_a_repository_without_commits_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "fresh"
    shutil.copytree(Path(__file__).parent / "rules" / "_repo", root)
    (root / "ai-systems").mkdir()
    (root / MANIFEST).write_text(CLEAN, encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, env=git_env(), check=True)

    code, out, err = run(WITH_BASE, root, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert err == (
        "charter: error: unknown revision 'main': no branch, remote-tracking branch or tag has that "
        "name; fetch it first\n"
    )

    # Without --base, a repository with no commits yet is checked like any other.
    code, report = run_json(AS_OF, root, capsys, monkeypatch)
    assert code == 0
    assert report["commit"] is None
    assert report["findings"] == []
    assert [n["rule"] for n in report["notes"]] == [*NEEDS_BASE, *NEEDS_PULL_REQUEST]


def test_a_configuration_change_cannot_exclude_the_manifests_it_is_judged_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = feature_repo(tmp_path / "repo", {".charter.yaml": "failOn: error\n"}, "Configure charter")
    repo.write(".charter.yaml", 'failOn: error\nexclude: ["ai-systems/**", "evidence/**"]\n')
    change(repo, UNDRILLED, "Skip the drill and stop checking the router")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert (code, rows(report)) == (
        1,
        [("POL001", ".charter.yaml", 1, 1, "new"), ("RBK002", MANIFEST, *RBK002_AT, "new")],
    )


def test_a_configuration_change_cannot_relax_fail_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = feature_repo(
        tmp_path / "repo",
        {".charter.yaml": "failOn: warning\nrules:\n  RBK002: {severity: warning}\n"},
        "Configure charter",
    )
    repo.write(".charter.yaml", "failOn: error\nrules:\n  RBK002: {severity: warning}\n")
    change(repo, UNDRILLED, "Skip the drill and let warnings pass")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert rows(report) == [("POL001", ".charter.yaml", 1, 1, "new"), ("RBK002", MANIFEST, *RBK002_AT, "new")]
    assert (code, report["summary"]["passed"]) == (1, False)


def test_deleting_the_configuration_keeps_the_base_policies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = feature_repo(
        tmp_path / "repo",
        {
            ".charter.yaml": "policies: [default, policies/local]\n",
            LOCAL_POLICY: LOCAL_RULE.format(severity="error", domains="support, sales"),
        },
        "A local policy",
    )
    repo.git("rm", "-q", "-r", ".charter.yaml", "policies")
    marketing = variant("labels: {domain: support}", "labels: {domain: marketing}")
    change(repo, marketing, "Move the router to marketing and drop the rule against it")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [
        ("POL001", ".charter.yaml", 1, 1, "new"),
        ("LOC001", MANIFEST, *value_of(marketing, "labels: {domain: "), "new"),
        ("POL001", LOCAL_POLICY, 1, 1, "new"),
    ]
    assert report["headPolicies"]["summary"]["passed"] is True


PYPROJECT = '[project]\nname = "router-governance"\nversion = "{version}"\n'


def test_a_pyproject_change_outside_tool_charter_is_no_policy_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = feature_repo(
        tmp_path / "repo",
        {"pyproject.toml": PYPROJECT.format(version="1.0") + '\n[tool.charter]\nfailOn = "warning"\n'},
        "Configure charter in pyproject.toml",
    )
    repo.write("pyproject.toml", PYPROJECT.format(version="1.1") + '\n[tool.charter]\nfailOn = "warning"\n')
    repo.commit("Release 1.1", HEAD_DATE)

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])
    assert "headPolicies" not in report


def test_adding_a_tool_charter_section_to_pyproject_is_pol001(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = feature_repo(
        tmp_path / "repo",
        {"pyproject.toml": PYPROJECT.format(version="1.0")},
        "Package the governance tooling",
    )
    repo.write(
        "pyproject.toml", PYPROJECT.format(version="1.0") + "\n[tool.charter.rules.RBK002]\nenabled = false\n"
    )
    change(repo, UNDRILLED, "Skip the drill and the rule that asks for it")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [
        ("RBK002", MANIFEST, *RBK002_AT, "new"),
        ("POL001", "pyproject.toml", 1, 1, "new"),
    ]


def test_a_broken_base_configuration_names_the_repository_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo")
    repo.write(".charter.yaml", "failOn: error\nrulez: {}\n")
    base = repo.commit("A misspelt configuration")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(".charter.yaml", "failOn: error\n")
    repo.commit("Fix the configuration", HEAD_DATE)

    code, out, err = run(WITH_BASE, repo.root, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert err == (
        "charter: error: .charter.yaml:2: unknown key 'rulez' (did you mean 'rules'?) "
        f"(in the base revision {base[:12]})\n"
    )


def test_files_git_archive_would_leave_out_are_part_of_the_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kept out of release tarballs; the base is still everything that was committed.
    repo = feature_repo(
        tmp_path / "repo",
        {".gitattributes": "docs/ export-ignore\nai-systems/ export-ignore\n"},
        "Slimmer release archives",
    )
    change(repo, REBUILT_SAME_VERSION, "Retrain the router")

    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)
    assert code == 1
    assert rows(report) == [("CHG001", MANIFEST, *value_of(REBUILT_SAME_VERSION, MODEL_VERSION), "new")]

    code, out, _ = run(WITH_BASE, repo.root, capsys, monkeypatch)
    assert out.splitlines()[-1] == (
        "1 system checked: 1 error, 0 warnings, 0 info, 0 waived; failed (0 fixed by this change)"
    )


def test_every_base_system_is_read_once(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading the base tree twice made each base system a duplicate of itself (SCH002), which the
    # head then "fixed".
    code, out, err = run(WITH_BASE, repo.root, capsys, monkeypatch)

    assert (code, err) == (0, pull_request_notes_text())
    assert (
        out == "1 system checked: 0 errors, 0 warnings, 0 info, 0 waived; passed (0 fixed by this change)\n"
    )


# --- the benchmark corpus ----------------------------------------------------------------------

GEN_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_corpus.py"
SEMVER_LINE = re.compile(r"^      version: (\d+)\.(\d+)\.(\d+)$", re.MULTILINE)


@pytest.mark.skipif(not GEN_CORPUS.is_file(), reason=f"the benchmark generator is not at {GEN_CORPUS}")
def test_in_the_benchmark_corpus_only_the_changed_system_has_new_findings(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(GEN_CORPUS), str(corpus), "--systems", "60", "--git", "--commits", "5"],
        check=True,
        capture_output=True,
        env=git_env(),
        timeout=300,
    )
    planted: dict[str, list[str]] = json.loads((corpus / "planted-defects.json").read_text(encoding="utf-8"))
    on_main = run_process(["check", ".", *AS_OF, "--format", "json"], corpus, git_env())
    assert on_main.returncode == 1, on_main.stderr
    before = json.loads(on_main.stdout)["findings"]

    # Bump the model of a system without defects, with no release entry and the rollback target
    # left where it was.
    manifest = sorted(p for p in (corpus / "ai-systems").rglob("*.yaml") if p.stem not in planted)[0]
    name = manifest.stem
    file = manifest.relative_to(corpus).as_posix()
    text = manifest.read_text(encoding="utf-8")
    [match] = SEMVER_LINE.finditer(text)
    bumped = f"{match[1]}.{int(match[2]) + 1}.0"
    changed = text[: match.start(1)] + bumped + text[match.end(3) :]
    repo = Repo(corpus)
    repo.git("checkout", "-q", "-b", "retrain")
    repo.write(file, changed)
    repo.commit(f"{name}: retrain", "2026-11-23T12:00:00+00:00")

    result = run_process(["check", ".", "--base", "main", *AS_OF, "--format", "json"], corpus, git_env())

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert [r for r in rows(report) if r[4] != "existing"] == [
        ("CHG002", file, *value_of(changed, "      version: "), "new"),
        ("RBK003", file, *value_of(changed, "    target: {version: "), "new"),
    ]
    assert {f["system"] for f in report["findings"] if f["status"] == "new"} == {name}
    # Everything else is what main had, and every planted defect is among it.
    existing = [
        (f["rule"], f["system"], f["file"], f["line"], f["column"])
        for f in report["findings"]
        if f["status"] == "existing"
    ]
    assert existing == [(f["rule"], f["system"], f["file"], f["line"], f["column"]) for f in before]
    assert {(system, rule) for system, rules in planted.items() for rule in rules} <= {
        (system, rule) for rule, system, *_ in existing
    }


def test_a_configuration_named_with_config_is_read_from_the_base_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = "governance/charter.yaml"
    repo = feature_repo(tmp_path / "repo", {config: "failOn: error\n"}, "Configure charter")
    repo.write(config, "failOn: error\nrules:\n  RBK002: {enabled: false}\n")
    change(repo, UNDRILLED, "Skip the drill")

    code, report = run_json([*WITH_BASE, "--config", config], repo.root, capsys, monkeypatch)

    assert code == 1
    assert rows(report) == [
        ("RBK002", MANIFEST, *RBK002_AT, "new"),
        ("POL001", config, 1, 1, "new"),
    ]
