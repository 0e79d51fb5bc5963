"""People are compared through the directory, a team counts only its members, and governance is governed.

Each test commits the router with tests/rules/_repo (whose governance/people.yaml lists @dana as
dana@acme.example too, @lee as lee@acme.example, and @acme/ml-review as @ana and @dana) on main,
makes a change on a branch the way a pull request would, and checks it with `charter check --base
main`: the exact findings (rule, file, line, column, status) and, where it is the point, the message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.cli import main
from tests.git_helpers import CLEAN, HEAD_DATE, MANIFEST, variant, where
from tests.helpers import run_json
from tests.test_gate_governance import (
    ANA,
    DANA,
    approvals_of,
    check,
    propose,
    rebuilt,
    released,
    self_approved,
    start,
)

PEOPLE = "governance/people.yaml"
SAM = '{by: "@sam", role: ml-review, date: 2026-11-22}'
DANA_BY_EMAIL = "{by: dana@acme.example, role: ml-review, date: 2026-11-22}"
MEMBERS = 'members: ["@ana", "@dana"]'
WAIVER = 'approvedBy: "@sam"'


@pytest.mark.parametrize(
    ("second", "counted"),
    [
        pytest.param(DANA_BY_EMAIL, "", id="one-person-under-two-names"),
        pytest.param(SAM, " (@sam not among them)", id="a-team-approval-from-a-non-member"),
    ],
)
def test_an_approval_counts_once_per_person_and_through_a_team_only_from_a_member(
    second: str,
    counted: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = start(tmp_path)
    head = released(rebuilt(CLEAN), f"{DANA}, {second}")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    assert (code, rows) == (1, [("CHG002", MANIFEST, *approvals_of(head, DANA), "new")])
    assert messages[0].endswith(
        f"release 3.3.0 has 1 approval from the gate's approvers{counted}, the base revision's review "
        "gate for model and data changes requires 2"
    )


def test_two_people_one_a_member_of_the_gates_team_are_two_approvals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    propose(repo, released(rebuilt(CLEAN), f"{DANA}, {ANA}"))
    assert check(repo, capsys, monkeypatch)[:2] == (0, [])


def test_the_technical_owner_by_email_is_still_the_technical_owner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    lee, lee_mail = '{by: "@lee", date: 2026-11-22}', "{by: lee@acme.example, date: 2026-11-22}"
    head = released(rebuilt(CLEAN), f"{lee}, {lee_mail}")

    message = self_approved(repo, head, lee, capsys, monkeypatch)
    assert message.endswith("release 3.3.0 is approved only by @lee, who built or retrained it")


def test_an_owner_cannot_approve_their_own_waiver_under_another_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    head = variant(WAIVER, "approvedBy: lee@acme.example")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    line, column = where(head, "lee@acme.example")
    assert (code, rows) == (1, [("WVR001", MANIFEST, line, column, "new")])
    assert messages[0].endswith(
        "the waiver of MNT001 is approved by lee@acme.example, who asks for it as "
        "spec.ownership.technicalOwner; a waiver needs an approver independent of the system's owners"
    )


def test_a_change_cannot_join_the_team_that_approves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    people = repo.read(PEOPLE)
    joined = variant(MEMBERS, 'members: ["@ana", "@dana", "@sam"]', people)
    repo.write(PEOPLE, joined)
    head = released(rebuilt(CLEAN), f"{DANA}, {SAM}")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    # The base's directory judges the approvals; the directory change itself is POL001.
    assert (code, rows) == (
        1,
        [
            ("CHG002", MANIFEST, *approvals_of(head, DANA), "new"),
            ("POL001", PEOPLE, 1, 1, "new"),
        ],
    )
    assert messages[1] == (
        "the people directory differs "
        "from the base revision: member @sam added to @acme/ml-review; the base revision's directory "
        "judged this check; to be reviewed by the governance owners (the configuration names none "
        "under governance.approvers)"
    )


def test_without_a_directory_a_team_counts_for_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    repo.git("rm", "-q", PEOPLE)
    repo.commit("No directory", HEAD_DATE)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "pull-request")
    repo.git("checkout", "-q", "pull-request")
    head = released(rebuilt(CLEAN), f"{DANA}, {ANA}")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    gate = where(head, '["@dana", "@acme/ml-review"]')
    assert (code, rows) == (
        1,
        [
            ("CHG002", MANIFEST, *approvals_of(head, DANA), "new"),
            ("GAT001", MANIFEST, *gate, "existing"),
        ],
    )
    unknown = "the membership of @acme/ml-review is unknown (there is no people directory)"
    unknown += ", so it counts for nothing"
    assert messages[1].endswith(
        f"review gate 1 names 1 distinct approver but requires 2 approvals; {unknown}"
    )
    assert messages[0].endswith(
        "release 3.3.0 has 1 approval from the gate's approvers (@ana not among them), the base revision's "
        f"review gate for model and data changes requires 2; {unknown}"
    )


def test_a_second_directory_is_sch002_and_not_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    # Sorted after governance/, the copy would otherwise make @sam a reviewer.
    second = variant(MEMBERS, 'members: ["@ana", "@dana", "@sam"]', repo.read(PEOPLE))
    repo.write("zz/people.yaml", second)
    repo.commit("Another directory", HEAD_DATE)

    code, rows, messages = check(repo, capsys, monkeypatch)

    kind = where(second, "kind: Directory")
    assert (code, rows) == (1, [("SCH002", "zz/people.yaml", kind[0], kind[1] + 6, "new")])
    assert messages[0] == (
        "a second people directory is declared: the repository's people directory is "
        "governance/people.yaml:3; a second one is not used"
    )


def test_a_name_the_directory_does_not_know_is_own004(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    head = variant('    businessOwner: "@sam"\n', '    businessOwner: "@zoe"\n')
    head = variant('reviewers: ["@acme/support-leads"]', 'reviewers: ["@acme/night-shift"]', head)
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    owner, team = where(head, '"@zoe"'), where(head, '"@acme/night-shift"')
    # Warnings, and the business owner is governance: a change to it needs an approved release.
    assert code == 1
    assert [r for r in rows if r[0] == "OWN004"] == [
        ("OWN004", MANIFEST, *owner, "new"),
        ("OWN004", MANIFEST, *team, "new"),
    ]
    found = [m for m, r in zip(messages, rows, strict=True) if r[0] == "OWN004"]
    assert found == [
        "ticket-router names someone the people directory does not know: the person @zoe is not in the "
        "people directory governance/people.yaml",
        "ticket-router names someone the people directory does not know: the team @acme/night-shift is "
        "not in the people directory governance/people.yaml",
    ]


def test_pol001_lists_what_a_configuration_change_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    repo.write(".charter.yaml", 'governance: {approvers: ["@acme/ai-governance"], minApprovals: 1}\n')
    repo.commit("Governance approvers")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "pull-request")
    repo.git("checkout", "-q", "pull-request")
    repo.write(
        ".charter.yaml",
        'governance: {approvers: ["@eve"], minApprovals: 1}\n'
        'exclude: ["legacy/**"]\n'
        "rules:\n"
        "  RBK002: {severity: info, params: {maxDaysHigh: 400}}\n"
        "  RMP001: {enabled: false}\n",
    )
    repo.commit("Soften the rules", HEAD_DATE)

    code, rows, messages = check(repo, capsys, monkeypatch)

    assert (code, rows) == (0, [("POL001", ".charter.yaml", 1, 1, "new")])
    assert messages[0] == (
        ".charter.yaml differs from the "
        "base revision; policy and configuration changes need governance review, so this check used the "
        "base revision's policies; it changes: RBK002 severity error → info; RBK002 maxDaysHigh 90 → "
        "400; RMP001 disabled; exclude glob 'legacy/**' added; governance 1 of @acme/ai-governance → 1 "
        "of @eve; to be reviewed by the governance approvers (1 approval of @acme/ai-governance)"
    )


def test_codeowners_makes_the_governance_approvers_own_what_governs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    repo.write(
        ".charter.yaml",
        'policies: [default, policies/local]\ngovernance: {approvers: ["@acme/ai-governance", "@dana"]}\n',
    )
    repo.write(
        "policies/local/extra.yaml",
        "apiVersion: charter/v1\nkind: Policy\nmetadata: {name: local}\nrules: []\n",
    )
    monkeypatch.chdir(repo.root)

    assert main(["codeowners", "--write"]) == 0

    capsys.readouterr()
    owners = "@acme/ai-governance @dana"
    assert repo.read(".github/CODEOWNERS").splitlines()[1:-1] == [
        f"/{MANIFEST} @dana @acme/ml-review",
        "/evidence/ticket-router/ @dana @acme/ml-review",
        f"/.charter.yaml {owners}",
        f"/{PEOPLE} {owners}",
        f"/policies/local/ {owners}",
    ]


def test_a_manifest_named_alone_is_judged_through_the_directory_with_and_without_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the pre-commit hook runs it: the directory is context, read whole or taken from the cache.
    repo = start(tmp_path)
    head = variant(WAIVER, "approvedBy: lee@acme.example")
    repo.write(MANIFEST, head)
    line, column = where(head, "lee@acme.example")

    for _ in range(2):
        code, report = run_json([MANIFEST, "--as-of", "2026-11-23"], repo.root, capsys, monkeypatch)
        found = [(f["rule"], f["file"], f["line"], f["column"]) for f in report["findings"]]
        assert code == 1
        assert ("WVR001", MANIFEST, line, column) in found
        assert [f for f in found if f[0] == "OWN004"] == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param(
            'governance: {approvers: ["acme"]}\n',
            ".charter.yaml:1: governance.approvers[0]: 'acme' is not a GitHub handle (@user), a team "
            "(@org/team) or an e-mail address",
            id="not-a-person",
        ),
        pytest.param(
            "governance: {approvers: []}\n",
            ".charter.yaml:1: governance.approvers names no one: list at least one person or team",
            id="nobody",
        ),
        pytest.param(
            'governance:\n  approvers: ["@dana"]\n  minApproval: 2\n',
            ".charter.yaml:3: unknown key 'governance.minApproval' (did you mean 'minApprovals'?)",
            id="misspelt",
        ),
    ],
)
def test_a_malformed_governance_key_stops_the_run(
    text: str, error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    repo.write(".charter.yaml", text)
    monkeypatch.chdir(repo.root)

    code = main(["check", ".", "--as-of", "2026-11-23"])

    err = capsys.readouterr().err
    assert (code, err) == (2, f"charter: error: {repo.root / error}\n")
