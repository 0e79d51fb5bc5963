"""Ways a pull request might try to get past the governance gate, each tried on a real git repository.

Every test starts from the clean router and its evidence committed on main, makes its change on a
branch the way a pull request would, checks it against main and asserts the exact findings: rule,
file, line, column and whether the change introduced them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from checker.checks import Departure, departures
from checker.cli import main
from checker.commands.check import CheckOptions
from checker.commands.comment import CommentOptions, run_comment
from checker.github import MARKER
from tests.conftest import checked_project
from tests.fake_github import serving
from tests.git_helpers import CLEAN, HEAD_DATE, MANIFEST, Repo, router_repo, value_of, variant, where
from tests.test_git import (
    DIGEST,
    EVIDENCE,
    EVIDENCE_TEXT,
    LOCAL_POLICY,
    LOCAL_RULE,
    MODEL_VERSION,
    POL001_MESSAGE,
    RBK002_AT,
    REBUILT,
    UNDRILLED,
    WITH_BASE,
    change,
    rows,
    run_json,
)
from tests.test_github import PR, environ, report

EVIDENCE_DIR = "evidence/ticket-router"
AS_OF_DATE = dt.date(2026, 11, 23)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """The clean router and its evidence committed on main, checked out on a branch."""
    repo = router_repo(tmp_path / "repo")
    repo.git("checkout", "-q", "-b", "pull-request")
    return repo


def check(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, dict[str, Any]]:
    """charter check --base main as JSON, in the repository's root."""
    return run_json([*WITH_BASE, *args], repo.root, capsys, monkeypatch)


def message(report: dict[str, Any], rule: str) -> str:
    """The message of the one finding of rule."""
    [found] = [f["message"] for f in report["findings"] if f["rule"] == rule]
    return str(found)


# --- duplicate keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "first", "second", "key"),
    [
        pytest.param(
            "    tier: high\n",
            "    tier: high\n    tier: low\n",
            "tier: high",
            "tier: low",
            "tier",
            id="tier",
        ),
        pytest.param(
            "    tier: high\n",
            "    tier: high\n    'tier': low\n",
            "tier: high",
            "'tier': low",
            "tier",
            id="quoted-key",
        ),
        pytest.param(
            "  monitoring:\n",
            "  oversight: {mode: none}\n  monitoring:\n",
            "oversight:\n    mode: in-the-loop",
            "oversight: {mode: none}",
            "oversight",
            id="second-oversight-block",
        ),
        pytest.param(
            "    stage: production\n",
            "    stage: production\n    ? stage\n    : experimental\n",
            "stage: production",
            "stage\n    : experimental",
            "stage",
            id="explicit-key",
        ),
    ],
)
def test_a_duplicate_key_with_a_weaker_value_is_refused(
    old: str,
    new: str,
    first: str,
    second: str,
    key: str,
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    weakened = variant(old, new)
    change(repo, weakened, "Relax the router")

    code, report = check(repo, capsys, monkeypatch)

    # The document is refused as a whole, so no rule reads either value; SCH001 cannot be waived.
    first_line, _ = where(weakened, first)
    second_line, second_column = where(weakened, second)
    assert (code, rows(report)) == (1, [("SCH001", MANIFEST, second_line, second_column, "new")])
    assert message(report, "SCH001") == (
        f"duplicate key '{key}' (first at line {first_line}, again at line {second_line})"
    )


def test_a_second_document_redeclaring_the_system_is_refused(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lowered = variant("    tier: high\n", "    tier: low\n    classifiedAt: 2026-11-22\n")
    lowered = variant("    classifiedAt: 2026-02-10\n", "", lowered)
    doubled = CLEAN + "---\n" + lowered
    change(repo, doubled, "Declare the router again, at a low tier")

    code, report = check(repo, capsys, monkeypatch)

    # Both declarations are reported: neither is the router the base had more than the other.
    second = CLEAN.count("\n") + 1 + where(lowered, "name: ticket-router")[0]
    assert (code, rows(report)) == (
        1,
        [
            ("SCH002", MANIFEST, *value_of(CLEAN, "  name: "), "new"),
            ("SCH002", MANIFEST, second, 9, "new"),
        ],
    )


def test_a_duplicate_date_in_new_evidence_is_refused(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = variant(
        "  performedAt: 2026-11-22\n", "  performedAt: 2026-08-01\n  performedAt: 2026-11-22\n", EVIDENCE_TEXT
    )
    repo.write(EVIDENCE, text)
    repo.commit("Usage review", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("SCH001", EVIDENCE, *where(text, "performedAt: 2026-11-22"), "new")])
    assert message(report, "SCH001") == "duplicate key 'performedAt' (first at line 8, again at line 9)"


# --- waivers -------------------------------------------------------------------------------------

WAIVER = (
    '    - {rule: MNT001, reason: Q4 audit moved to January by the audit board, approvedBy: "@sam", '
    "expires: 2027-01-31, ticket: GOV-118}\n"
)
DRILL_WAIVER = "rule: RBK002, reason: Drill moved, approvedBy: {by}, expires: 2027-01-31, ticket: GOV-120"


def waive(waiver: str, text: str = UNDRILLED) -> str:
    """text with one more waiver, written as a flow mapping, after the existing MNT001 waiver."""
    return variant(WAIVER, WAIVER + "    - {" + waiver + "}\n", text)


def approved_by(text: str, approver: str) -> tuple[int, int]:
    """Line and column of the value of the one approvedBy that names approver."""
    line, column = where(text, f"approvedBy: {approver},")
    return line, column + len("approvedBy: ")


@pytest.mark.parametrize(
    ("approver", "owners", "field"),
    [
        pytest.param('"@dana"', CLEAN, "spec.ownership.accountable", id="accountable"),
        pytest.param('"@DaNa"', CLEAN, "spec.ownership.accountable", id="accountable-other-case"),
        pytest.param('"@Lee"', CLEAN, "spec.ownership.technicalOwner", id="technical-owner"),
        pytest.param(
            "Dana.Ortiz@Example.com",
            variant('    accountable: "@dana"\n', "    accountable: dana.ortiz@example.com\n"),
            "spec.ownership.accountable",
            id="accountable-by-email",
        ),
    ],
)
def test_a_waiver_approved_by_the_owners_who_ask_for_it_is_wvr001(
    approver: str,
    owners: str,
    field: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = router_repo(tmp_path / "repo", owners)
    repo.git("checkout", "-q", "-b", "pull-request")
    undrilled = variant("    lastDrill: 2026-10-14\n", "    lastDrill: 2026-05-01\n", owners)
    waived = waive(DRILL_WAIVER.format(by=approver), undrilled)
    change(repo, waived, "Skip the drill and waive it ourselves")

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (
        1,
        [
            ("RBK002", MANIFEST, *RBK002_AT, "new"),
            ("WVR001", MANIFEST, *approved_by(waived, approver), "new"),
        ],
    )
    assert message(report, "WVR001") == (
        "ticket-router has an invalid waiver: the waiver of RBK002 is approved by "
        f"{approver.strip(chr(34))}, who asks for it as {field}; a waiver needs an approver independent "
        "of the system's owners"
    )


def test_a_self_approved_waiver_waives_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    change(repo, waive(DRILL_WAIVER.format(by='"@dana"')), "Skip the drill and waive it ourselves")

    code, report = check(repo, capsys, monkeypatch)

    assert code == 1
    assert [(f["rule"], f["waived"]) for f in report["findings"]] == [("RBK002", False), ("WVR001", False)]
    assert report["summary"]["waived"] == 0


def value(text: str, key_and_value: str) -> tuple[int, int]:
    """Line and column of the value in 'key: value', which must occur in text exactly once."""
    key = key_and_value.split(": ", 1)[0]
    line, column = where(text, key_and_value)
    return line, column + len(key) + 2


def the_waiver(text: str, _: str) -> tuple[int, int]:
    """Where the added waiver's mapping starts: a missing field is reported at its closest parent."""
    return where(text, "{rule: RBK002")


SAM = '"@sam"'


@pytest.mark.parametrize(
    ("waiver", "at", "locate", "why"),
    [
        *(
            pytest.param(
                f"rule: {rule}, reason: Accepted for now, approvedBy: {SAM}, expires: 2027-01-31",
                f"rule: {rule}",
                value,
                f"{rule} cannot be waived",
                id=f"not-waivable-{rule}",
            )
            for rule in ("SCH001", "SCH002", "RSK002", "POL001", "WVR001")
        ),
        pytest.param(
            f"rule: RBK002, reason: Drill moved, approvedBy: {SAM}, expires: 2029-11-23, ticket: GOV-120",
            "expires: 2029-11-23",
            value,
            "the waiver of RBK002 expires 2029-11-23, more than 180 days ahead",
            id="years-ahead",
        ),
        pytest.param(
            f"rule: RBK002, reason: Drill moved, approvedBy: {SAM}, expires: 2027-05-23, ticket: GOV-120",
            "expires: 2027-05-23",
            value,
            "the waiver of RBK002 expires 2027-05-23, more than 180 days ahead",
            id="181-days-ahead",
        ),
        pytest.param(
            f"rule: RBK002, reason: Drill moved, approvedBy: {SAM}, expires: 2026-11-22, ticket: GOV-120",
            "expires: 2026-11-22",
            value,
            "the waiver of RBK002 expired on 2026-11-22 and waives nothing",
            id="expired",
        ),
        pytest.param(
            f"rule: RBK002, approvedBy: {SAM}, expires: 2027-01-31, ticket: GOV-120",
            "",
            the_waiver,
            "the waiver of RBK002 has no reason",
            id="no-reason",
        ),
        pytest.param(
            f'rule: RBK002, reason: "   ", approvedBy: {SAM}, expires: 2027-01-31, ticket: GOV-120',
            'reason: "   "',
            value,
            "the waiver of RBK002 has no reason",
            id="blank-reason",
        ),
        pytest.param(
            "rule: RBK002, reason: Drill moved, expires: 2027-01-31, ticket: GOV-120",
            "",
            the_waiver,
            "the waiver of RBK002 has no approvedBy",
            id="no-approver",
        ),
        pytest.param(
            f"rule: RBK002, reason: Drill moved, approvedBy: {SAM}, ticket: GOV-120",
            "",
            the_waiver,
            "the waiver of RBK002 has no expires",
            id="no-expiry",
        ),
        *(
            pytest.param(
                f"rule: {rule}, reason: Drill moved, approvedBy: {SAM}, expires: 2027-01-31",
                f"rule: {rule}",
                value,
                f"the waiver names '{rule}', which is not a rule of the policy set",
                id=f"unknown-rule-{rule}",
            )
            for rule in ("RBK009", "rbk002", "RBK02")
        ),
    ],
)
def test_an_invalid_waiver_is_wvr001_and_waives_nothing(
    waiver: str,
    at: str,
    locate: Any,
    why: str,
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waived = waive(waiver)
    change(repo, waived, "Skip the drill and waive it")

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (
        1,
        [("RBK002", MANIFEST, *RBK002_AT, "new"), ("WVR001", MANIFEST, *locate(waived, at), "new")],
    )
    assert message(report, "WVR001") == f"ticket-router has an invalid waiver: {why}"
    assert [f["waived"] for f in report["findings"]] == [False, False]
    assert report["summary"]["waived"] == 0


def test_a_waiver_without_a_ticket_is_valid(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rule, a reason, an independent approver and a near expiry are what a waiver needs.
    change(repo, waive(f"rule: RBK002, reason: Drill moved, approvedBy: {SAM}, expires: 2027-01-31"))

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [("RBK002", MANIFEST, *RBK002_AT, "new")])
    assert report["findings"][0]["waived"] is True
    assert report["summary"]["waived"] == 1


# --- renaming and moving a system -----------------------------------------------------------------

MOVED = "ai-systems/support/queue-router.yaml"


def rename_and_move(repo: Repo, text: str, name: str = "queue-router") -> str:
    """Move the router's manifest to MOVED as text renamed to name, its evidence following it."""
    renamed = variant("  name: ticket-router\n", f"  name: {name}\n", text)
    repo.git("mv", MANIFEST, "ai-systems/router-moving.yaml")
    (repo.root / MOVED).parent.mkdir(parents=True)
    repo.git("mv", "ai-systems/router-moving.yaml", MOVED)
    repo.write(MOVED, renamed)
    for evidence in sorted((repo.root / EVIDENCE_DIR).iterdir()):
        text = evidence.read_text(encoding="utf-8")
        evidence.write_text(variant("system: ticket-router", f"system: {name}", text), encoding="utf-8")
    repo.commit(f"Rename the router to {name} and move it", HEAD_DATE)
    return renamed


def test_renaming_and_moving_a_system_at_once_keeps_its_history(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Neither its name nor its file leads back to the base; its model component still does.
    renamed = rename_and_move(repo, variant(DIGEST, REBUILT))

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("CHG001", MOVED, *value_of(renamed, MODEL_VERSION), "new")])
    assert report["findings"][0]["system"] == "queue-router"
    assert message(report, "CHG001").endswith(
        "the digest of router-classifier changed but its version stayed 3.2.0; "
        "a new artifact needs a higher version"
    )


def test_renaming_and_moving_a_system_does_not_hide_a_lowered_tier(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed = rename_and_move(repo, variant("    tier: high\n", "    tier: medium\n"))

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("CHG003", MOVED, *value_of(renamed, "    classifiedAt: "), "new")])
    assert "the risk tier went from high to medium" in message(report, "CHG003")


def test_a_rename_and_move_alone_changes_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rename_and_move(repo, CLEAN)

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])


def test_renaming_moving_and_renaming_every_component_leaves_the_old_system_gone(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing ties the new system to the old one, so the old one is reported as gone.
    unrelated = variant(
        "registry.example.com/router", "registry.example.com/queues", variant(DIGEST, REBUILT)
    )
    rename_and_move(repo, unrelated.replace("router-classifier", "queue-classifier"))

    code, report = check(repo, capsys, monkeypatch)

    # Its evidence, pointed at the new system, is then evidence of one system claimed by another.
    files = sorted(p.relative_to(repo.root).as_posix() for p in (repo.root / EVIDENCE_DIR).glob("*.yaml"))
    relabelled = [("CHG005", file, 6, 11, "new") for file in files]
    assert len(relabelled) == 5
    assert (code, rows(report)) == (1, [("CHG004", MANIFEST, 1, 1, "new"), *relabelled])
    assert message(report, "CHG004") == (
        f"ticket-router, declared in {MANIFEST} in the base revision, is no longer declared anywhere "
        "in the repository"
    )


# --- a system that leaves the checked manifests ---------------------------------------------------

NAME_AT = value_of(CLEAN, "  name: ")
WAS = f"ticket-router, declared in {MANIFEST} in the base revision,"


def _without_evidence(repo: Repo) -> None:
    repo.git("rm", "-q", "-r", EVIDENCE_DIR)


def deleted(repo: Repo) -> Departure:
    repo.git("rm", "-q", MANIFEST)
    return Departure(
        "ticket-router", MANIFEST, 1, 1, f"{WAS} is no longer declared anywhere in the repository"
    )


def moved_to(target: str) -> Any:
    def move(repo: Repo) -> Departure:
        (repo.root / target).parent.mkdir(parents=True, exist_ok=True)
        repo.git("mv", MANIFEST, target)
        why = f"{WAS} is no longer checked: it moved to {target}, which is not among the checked files"
        return Departure("ticket-router", target, *NAME_AT, why)

    move.__name__ = f"moved to {target}"
    return move


def rewritten(old: str, new: str) -> Any:
    def rewrite(repo: Repo) -> Departure:
        repo.write(MANIFEST, variant(old, new))
        why = f"{WAS} is no longer checked: {MANIFEST} no longer holds it as a charter/v1 AISystem"
        return Departure("ticket-router", MANIFEST, *NAME_AT, why)

    return rewrite


def linked(repo: Repo) -> Departure:
    # The link leads to a copy whose drill is overdue, in a file no check reads.
    repo.write("archive/router.txt", UNDRILLED)
    repo.git("rm", "-q", MANIFEST)
    (repo.root / MANIFEST).parent.mkdir(exist_ok=True)
    os.symlink("../archive/router.txt", repo.root / MANIFEST)
    why = f"{WAS} is no longer checked: {MANIFEST} is now a symbolic link, which is never followed"
    return Departure("ticket-router", MANIFEST, 1, 1, why)


LEAVING = [
    pytest.param(deleted, id="deleted"),
    pytest.param(moved_to("dist/router.yaml"), id="moved-into-a-skipped-directory"),
    pytest.param(moved_to("ai-systems/router.YAML"), id="renamed-to-an-upper-case-suffix"),
    pytest.param(moved_to("ai-systems/router.yaml.txt"), id="renamed-to-another-suffix"),
    pytest.param(
        rewritten("apiVersion: charter/v1\n", "apiVersion: acme.example/v1\n"), id="other-api-version"
    ),
    pytest.param(rewritten("kind: AISystem\n", "kind: Policy\n"), id="kind-policy"),
    pytest.param(linked, id="symbolic-link"),
]


def leave(repo: Repo, how: Any) -> Departure:
    expected = how(repo)
    _without_evidence(repo)
    repo.commit("Stop checking the router", HEAD_DATE)
    return expected  # type: ignore[no-any-return]


def test_deleting_a_manifest_orphans_its_evidence_which_mnt003_reports(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.git("rm", "-q", MANIFEST)
    repo.commit("Delete the router's manifest", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    evidence = sorted(p.relative_to(repo.root).as_posix() for p in (repo.root / EVIDENCE_DIR).iterdir())
    assert len(evidence) == 5
    assert code == 1
    assert [r for r in rows(report) if r[0] == "MNT003"] == [
        ("MNT003", file, 6, 11, "new") for file in evidence
    ]
    assert {f["message"] for f in report["findings"] if f["rule"] == "MNT003"} == {
        "evidence for ticket-router is not consistent: no AISystem named 'ticket-router' exists in the "
        "repository"
    }


@pytest.mark.parametrize("how", LEAVING)
def test_departures_say_which_system_left_and_where_its_file_went(
    how: Any, repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = leave(repo, how)
    monkeypatch.chdir(repo.root)

    project = checked_project(CheckOptions(paths=["."], base="main", as_of=AS_OF_DATE))

    assert departures(project, ["retired"], ["."]) == [expected]


@pytest.mark.parametrize("how", LEAVING)
def test_a_system_that_leaves_the_checked_manifests_is_chg004(
    how: Any, repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = leave(repo, how)

    monkeypatch.chdir(repo.root)
    code = main(["check", *WITH_BASE, "--format", "json"])
    out, err = capsys.readouterr()
    report = json.loads(out)

    departure = ("CHG004", expected.file, expected.line, expected.column, "new")
    # The link is also an error of its own (SCH004), as any link where manifests are kept is.
    link = [("SCH004", MANIFEST, 1, 1, "new")] if how is linked else []
    assert (code, rows(report)) == (1, [departure, *link])
    assert err == ""
    [finding] = [f for f in report["findings"] if f["rule"] == "CHG004"]
    assert (finding["system"], finding["severity"], finding["message"]) == (
        "ticket-router",
        "error",
        expected.detail,
    )


GLOBS = 'manifests: ["ai-systems/**/*.yaml", "governance/*.yaml"]\nevidence: ["evidence/**/*.yaml"]\n'


def with_globs(tmp_path: Path) -> Repo:
    """The router with a configuration naming where manifests and evidence live, on a branch."""
    repo = router_repo(tmp_path / "repo")
    repo.write(".charter.yaml", GLOBS)
    repo.commit("Say where manifests live")
    repo.git("checkout", "-q", "-b", "pull-request")
    return repo


def test_a_manifest_moved_outside_the_globs_is_still_checked_when_the_tree_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = with_globs(tmp_path)
    (repo.root / "legacy").mkdir()
    repo.git("mv", MANIFEST, "legacy/router.yaml")
    repo.write("legacy/router.yaml", variant(DIGEST, REBUILT))
    repo.commit("Retrain the router and file it under legacy", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch, ".")

    chg001 = value_of(variant(DIGEST, REBUILT), MODEL_VERSION)
    start = where(CLEAN, "apiVersion: charter/v1")
    assert (code, rows(report)) == (
        1,
        [("SCH005", "legacy/router.yaml", *start, "new"), ("CHG001", "legacy/router.yaml", *chg001, "new")],
    )


def test_departures_outside_the_checked_paths_are_found_where_they_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = with_globs(tmp_path)
    (repo.root / "legacy").mkdir()
    repo.git("mv", MANIFEST, "legacy/router.yaml")
    repo.commit(
        "File the router under legacy, where neither the globs nor the checked paths reach", HEAD_DATE
    )
    monkeypatch.chdir(repo.root)

    project = checked_project(CheckOptions(paths=["ai-systems", "evidence"], base="main", as_of=AS_OF_DATE))

    why = f"{WAS} is no longer checked: it moved to legacy/router.yaml, which is not among the checked files"
    expected = Departure("ticket-router", "legacy/router.yaml", *NAME_AT, why)
    assert departures(project, ["retired"], ["ai-systems", "evidence"]) == [expected]
    # A system the base kept outside the checked paths is no departure of this check.
    assert departures(project, ["retired"], ["evidence"]) == []


def test_a_manifest_moved_outside_the_globs_and_the_checked_paths_is_chg004(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = with_globs(tmp_path)
    (repo.root / "legacy").mkdir()
    repo.git("mv", MANIFEST, "legacy/router.yaml")
    repo.write("legacy/router.yaml", UNDRILLED)
    repo.commit("Skip the drill and file the router where no check looks", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch, "ai-systems", "evidence")

    assert (code, [r for r in rows(report) if r[0] != "MNT003"]) == (
        1,
        [("CHG004", "legacy/router.yaml", *NAME_AT, "new")],
    )


def test_a_system_retired_in_the_base_may_be_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo", variant("    stage: production\n", "    stage: retired\n"))
    repo.git("checkout", "-q", "-b", "pull-request")
    repo.git("rm", "-q", MANIFEST)
    _without_evidence(repo)
    repo.commit("Remove the retired router", HEAD_DATE)
    monkeypatch.chdir(repo.root)

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])
    built = checked_project(CheckOptions(paths=["."], base="main", as_of=AS_OF_DATE))
    assert departures(built, ["retired"], ["."]) == []
    # Retiring is what lets a system go: at production it would have been a departure.
    assert [d.system for d in departures(built, [], ["."])] == ["ticket-router"]


# --- policy and configuration edits in the same change --------------------------------------------
# tests/test_git.py covers softening, disabling and re-parametrising a rule in .charter.yaml,
# excluding the manifests, relaxing failOn, editing or deleting a local policy and a pyproject
# section; these are the other ways in.


def configured(tmp_path: Path, config: str, files: dict[str, str] | None = None) -> Repo:
    """The router with config as its .charter.yaml (and files) committed on main, on a branch."""
    repo = router_repo(tmp_path / "repo")
    repo.write(".charter.yaml", config)
    for path, text in (files or {}).items():
        repo.write(path, text)
    repo.commit("Configure charter")
    repo.git("checkout", "-q", "-b", "pull-request")
    return repo


def policy(rule: str) -> str:
    """A policy file holding rule, a YAML list item."""
    return f"apiVersion: charter/v1\nkind: Policy\nmetadata:\n  name: relaxed\nrules:\n{rule}"


def default_rule(rule_id: str) -> str:
    """The default pack's text of one rule, as a list item."""
    pack = (Path(__file__).parents[1] / "policies" / "rollback.yaml").read_text(encoding="utf-8")
    start = pack.index(f"  - id: {rule_id}\n")
    end = pack.find("\n  - id: ", start + 1)
    return pack[start : end + 1 if end >= 0 else len(pack)]


RELAXED_DRILL = policy(default_rule("RBK002").replace("maxDaysHigh: 90", "maxDaysHigh: 900"))
LOCAL = "policies: [default, policies/local]\n"


def test_a_new_file_in_a_local_pack_cannot_override_a_default_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = configured(tmp_path, LOCAL, {LOCAL_POLICY: LOCAL_RULE.format(severity="error", domains="support")})
    # Later packs override by id: the new file would redefine RBK002 with a drill every 900 days.
    repo.write("policies/local/relaxed.yaml", RELAXED_DRILL)
    change(repo, UNDRILLED, "Skip the drill and give the rule a longer interval")

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (
        1,
        [
            ("RBK002", MANIFEST, *RBK002_AT, "new"),
            ("POL001", "policies/local/relaxed.yaml", 1, 1, "new"),
        ],
    )
    what = "RBK002 maxDaysHigh 90 → 900"
    assert message(report, "POL001") == POL001_MESSAGE.format(file="policies/local/relaxed.yaml", what=what)
    assert report["headPolicies"]["summary"]["passed"] is True


def test_a_policy_document_among_the_manifests_is_no_policy(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the configured packs are policies; a Policy document anywhere else is not read as one.
    repo.write("ai-systems/relaxed.yaml", RELAXED_DRILL)
    change(repo, UNDRILLED, "Skip the drill and drop a relaxed rule beside the manifest")

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("RBK002", MANIFEST, *RBK002_AT, "new")])
    assert "headPolicies" not in report


def test_a_pack_named_with_policy_is_read_from_the_base_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = default_rule("RBK002").replace("RBK002", "ACM002").replace("rollback-not-drilled", "acme-drill")
    repo = configured(tmp_path, "failOn: error\n", {"governance/acme.yaml": policy(acme)})
    repo.write("governance/acme.yaml", policy(acme.replace("maxDaysHigh: 90", "maxDaysHigh: 900")))
    change(repo, UNDRILLED, "Skip the drill and relax the organisation's own rule")

    code, report = check(repo, capsys, monkeypatch, "--policy", "governance/acme.yaml")

    assert (code, rows(report)) == (
        1,
        [
            ("ACM002", MANIFEST, *RBK002_AT, "new"),
            ("RBK002", MANIFEST, *RBK002_AT, "new"),
            ("POL001", "governance/acme.yaml", 1, 1, "new"),
        ],
    )


@pytest.mark.parametrize(
    ("config", "waiver"),
    [
        pytest.param(
            "failOn: error\nrules:\n  RBK002: {enforceAfter: 2027-06-01}\n", None, id="enforce-later"
        ),
        pytest.param(
            "failOn: error\nrules:\n  WVR001: {params: {maxDays: 3650}}\n",
            f"rule: RBK002, reason: Drill moved, approvedBy: {SAM}, expires: 2029-11-23",
            id="waivers-for-years",
        ),
        pytest.param(
            "failOn: error\nrules:\n  WVR001: {params: {requesters: []}}\n",
            'rule: RBK002, reason: Drill moved, approvedBy: "@dana", expires: 2027-01-31',
            id="owners-approve-their-own-waivers",
        ),
    ],
)
def test_a_configuration_change_cannot_loosen_the_rules_it_is_judged_by(
    config: str,
    waiver: str | None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = configured(tmp_path, "failOn: error\n")
    repo.write(".charter.yaml", config)
    text = waive(waiver) if waiver else UNDRILLED
    change(repo, text, "Skip the drill and loosen the configuration")

    code, report = check(repo, capsys, monkeypatch)

    expected = [("POL001", ".charter.yaml", 1, 1, "new"), ("RBK002", MANIFEST, *RBK002_AT, "new")]
    if waiver is not None:
        at = value(text, "expires: 2029-11-23") if "2029" in waiver else approved_by(text, '"@dana"')
        expected.append(("WVR001", MANIFEST, *at, "new"))
    assert (code, rows(report)) == (1, expected)
    assert [f["severity"] for f in report["findings"][1:]] == ["error"] * (len(expected) - 1)
    # What the loosened configuration would have let through is shown, not used.
    assert report["headPolicies"]["summary"]["passed"] is True


def test_dropping_the_default_pack_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = configured(tmp_path, "failOn: error\n")
    repo.write(".charter.yaml", "failOn: error\npolicies: [policies/local]\n")
    repo.write(LOCAL_POLICY, LOCAL_RULE.format(severity="error", domains="support"))
    change(repo, UNDRILLED, "Skip the drill and keep only the local rules")
    monkeypatch.chdir(repo.root)

    code = main(["check", *WITH_BASE])

    # A configuration error fails the step (exit 2); nothing passes for want of rules.
    assert (code, capsys.readouterr()) == (
        2,
        ("", "charter: error: the policy set has no rule SCH001: include the default pack\n"),
    )


def test_a_configuration_added_beside_the_checked_manifests_is_pol001(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checking ai-systems/ alone, the nearest configuration would be this new one.
    repo.write("ai-systems/.charter.yaml", "rules:\n  RBK002: {enabled: false}\n")
    change(repo, UNDRILLED, "Skip the drill and switch the rule off next to the manifest")

    code, report = check(repo, capsys, monkeypatch, "ai-systems")

    assert code == 1
    assert [r for r in rows(report) if r[4] == "new"] == [
        ("POL001", "ai-systems/.charter.yaml", 1, 1, "new"),
        ("RBK002", MANIFEST, *RBK002_AT, "new"),
    ]


# --- evidence --------------------------------------------------------------------------------------


def evidence(name: str, system: str, activity: str, performed: str) -> str:
    """An Evidence document that passed."""
    return (
        "apiVersion: charter/v1\n"
        "kind: Evidence\n"
        "metadata:\n"
        f"  name: {name}\n"
        "spec:\n"
        f"  system: {system}\n"
        f"  activity: {activity}\n"
        f"  performedAt: {performed}\n"
        '  performedBy: "@sam"\n'
        "  outcome: pass\n"
        "  summary: Nothing to follow up.\n"
    )


@pytest.mark.parametrize(
    ("system", "activity", "at", "why"),
    [
        pytest.param(
            "ticket-routr",
            "audit",
            "  system: ",
            "no AISystem named 'ticket-routr' exists in the repository",
            id="no-such-system",
        ),
        pytest.param(
            "ticket-router",
            "bias-audit",
            "  activity: ",
            "'bias-audit' is not a maintenance activity of ticket-router (its activities: "
            "observability-check, usage-review, model-performance-review, dependency-review, audit, "
            "retrospective)",
            id="no-such-activity",
        ),
    ],
)
def test_evidence_for_something_that_does_not_exist_is_mnt003(
    system: str,
    activity: str,
    at: str,
    why: str,
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file = f"evidence/{system}/2026-11-22-{activity}.yaml"
    text = evidence(f"{system}-2026-11-22-{activity}", system, activity, "2026-11-22")
    repo.write(file, text)
    repo.commit("Evidence", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("MNT003", file, *value_of(text, at), "new")])
    assert message(report, "MNT003") == f"evidence for {system} is not consistent: {why}"


def test_a_commit_dated_ahead_does_not_make_future_evidence_pass(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Committed "on" the day it claims, which has not come yet: the commit date is the author's word.
    file = f"{EVIDENCE_DIR}/2026-12-01-audit.yaml"
    text = evidence("ticket-router-2026-12-01-audit", "ticket-router", "audit", "2026-12-01")
    repo.write(file, text)
    repo.commit("Next month's audit", "2026-12-01T09:00:00+00:00")

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (1, [("MNT003", file, *value_of(text, "  performedAt: "), "new")])
    assert message(report, "MNT003") == (
        "evidence for ticket-router is not consistent: performedAt 2026-12-01 is in the future"
    )


def test_evidence_a_change_adds_within_days_of_the_work_passes(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    file = f"{EVIDENCE_DIR}/2026-11-16-audit.yaml"
    repo.write(file, evidence("ticket-router-2026-11-16-audit", "ticket-router", "audit", "2026-11-16"))
    repo.commit("The audit", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    assert (code, rows(report)) == (0, [])


# --- merged evidence rewritten in place ------------------------------------------------------------

USAGE_REVIEW = f"{EVIDENCE_DIR}/2026-11-20-usage-review.yaml"


def relabelled(repo: Repo) -> str:
    """The merged usage review of 2026-11-20, claimed as the next day's audit."""
    text = repo.read(USAGE_REVIEW)
    return text.replace("activity: usage-review", "activity: audit").replace(
        "performedAt: 2026-11-20", "performedAt: 2026-11-21"
    )


def rewrite_messages(where: str = "") -> list[str]:
    prefix = "evidence for ticket-router was rewritten in place: "
    return [
        f"{prefix}spec.activity was 'usage-review' in the base revision{where} and is now 'audit'",
        f"{prefix}spec.performedAt was '2026-11-20' in the base revision{where} and is now '2026-11-21'",
    ]


@pytest.mark.parametrize("switched_off", [False, True], ids=["evidence-only", "with-the-rule-switched-off"])
def test_merged_evidence_relabelled_as_an_audit_is_chg005(
    switched_off: bool, repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = relabelled(repo)
    repo.write(USAGE_REVIEW, text)
    if switched_off:
        # The same change tries to turn the rule off: it is judged by the base's policies.
        repo.write(".charter.yaml", "rules:\n  CHG005: {enabled: false}\n")
    repo.commit("The quarterly audit", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    # The relabelled file was the only usage review, so that activity is now overdue too.
    overdue = ("MNT001", MANIFEST, where(CLEAN, "{activity: usage-review")[0], 7, "new")
    policy_change = [("POL001", ".charter.yaml", 1, 1, "new")] if switched_off else []
    assert code == 1
    assert [r for r in rows(report) if r[0] != "CHG005"] == [*policy_change, overdue]
    assert [r for r in rows(report) if r[0] == "CHG005"] == [
        ("CHG005", USAGE_REVIEW, *value_of(text, "  activity: "), "new"),
        ("CHG005", USAGE_REVIEW, *value_of(text, "  performedAt: "), "new"),
    ]
    assert [f["message"] for f in report["findings"] if f["rule"] == "CHG005"] == rewrite_messages()


def test_merged_evidence_moved_and_relabelled_is_chg005(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = relabelled(repo)
    moved = f"{EVIDENCE_DIR}/2026-11-21-audit.yaml"
    repo.git("mv", USAGE_REVIEW, moved)
    repo.write(moved, text)
    repo.commit("The quarterly audit, filed under its new name", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)

    assert code == 1
    assert [r for r in rows(report) if r[0] == "CHG005"] == [
        ("CHG005", moved, *value_of(text, "  activity: "), "new"),
        ("CHG005", moved, *value_of(text, "  performedAt: "), "new"),
    ]
    assert [f["message"] for f in report["findings"] if f["rule"] == "CHG005"] == rewrite_messages(
        f" (in {USAGE_REVIEW})"
    )


def test_following_up_merged_evidence_is_no_rewrite(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = repo.read(USAGE_REVIEW).replace(
        "nothing to follow up.", "traffic from the German queue doubled; see the appended report."
    )
    repo.write(
        USAGE_REVIEW,
        text.replace("[reports/router-2026-11.md]", "[reports/router-2026-11.md, reports/router-3.2.0.md]"),
    )
    repo.commit("Follow up the usage review", HEAD_DATE)

    code, report = check(repo, capsys, monkeypatch)
    assert (code, rows(report)) == (0, [])


# --- the pull-request comment ----------------------------------------------------------------------


def test_a_marked_comment_someone_else_posted_is_not_taken_for_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Posted before the check ran, it would be updated in place and stay its author's to edit.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    forged = f"{MARKER}\n## ✅ Charter: passed\n"
    with serving() as github:
        github.add(PR, forged, login="mallory")

        code = run_comment(CommentOptions(report(tmp_path)), environ(github, tmp_path), lambda _: None)

        assert code == 0
        assert [(c["user"]["login"], c["body"]) for c in github.comments[PR]] == [
            ("mallory", forged),
            ("github-actions[bot]", f"{MARKER}\n## Charter\n\n1 system checked: passed"),
        ]
