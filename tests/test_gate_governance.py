"""A change is approved by the governance the base revision accepted, and its components are its model.

Each test commits a router on main, makes a change on a branch the way a pull request would, and
checks it with `charter check --base main`: the exact findings (rule, file, line, column, status)
and, where it is the point, the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.git_helpers import CLEAN, HEAD_DATE, MANIFEST, Repo, router_repo, value_of, variant, where
from tests.helpers import run, run_json
from tests.test_git import DIGEST, GATE_APPROVALS, MODEL_VERSION, REBUILT, TARGET

WITH_BASE = ["--base", "main", "--as-of", "2026-11-23"]
# The base's gate names two people and no team, so only their approvals count.
PEOPLE_GATE = variant('approvers: ["@dana", "@acme/ml-review"]', 'approvers: ["@dana", "@ana"]')
MOVED_TARGET = f'target: {{version: 3.2.0, digest: "{DIGEST}"}}'
DANA = '{by: "@dana", role: accountable, date: 2026-11-22}'
ANA = '{by: "@ana", role: ml-review, date: 2026-11-22}'


def start(tmp_path: Path, base: str = CLEAN) -> Repo:
    """base committed on main, checked out on the branch of a pull request."""
    repo = router_repo(tmp_path / "repo", base)
    repo.git("checkout", "-q", "-b", "pull-request")
    return repo


def propose(repo: Repo, text: str) -> None:
    repo.write(MANIFEST, text)
    repo.commit("Change the router", HEAD_DATE)


def check(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, list[tuple[Any, ...]], list[str]]:
    """Exit code, then (rule, file, line, column, status) and the message of each finding."""
    code, report = run_json(WITH_BASE, repo.root, capsys, monkeypatch)
    found = report["findings"]
    rows = [(f["rule"], f["file"], f["line"], f["column"], f.get("status")) for f in found]
    return code, rows, [f["message"] for f in found]


def rebuilt(text: str, name: str = "router-classifier", version: str = "3.3.0") -> str:
    """text with the model rebuilt as version under name and the rollback target moved to 3.2.0."""
    text = variant("    - name: router-classifier\n", f"    - name: {name}\n", text)
    text = variant(MODEL_VERSION + "3.2.0", MODEL_VERSION + version, text)
    text = variant(f'digest: "{DIGEST}"}}\n      supplier', f'digest: "{REBUILT}"}}\n      supplier', text)
    return variant(TARGET, MOVED_TARGET, text)


def self_approved(
    repo: Repo, head: str, first: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    """Proposes head, whose release approvals begin with first and come from its builder: the
    release is CHG002 and OWN003 at its approvals, both new. The OWN003 message."""
    propose(repo, head)
    code, rows, messages = check(repo, capsys, monkeypatch)
    at = approvals_of(head, first)
    assert (code, rows) == (1, [("CHG002", MANIFEST, *at, "new"), ("OWN003", MANIFEST, *at, "new")])
    return messages[1]


def released(text: str, approvals: str, version: str = "3.3.0") -> str:
    """text with a release entry for version appended to spec.releases."""
    entry = f"    - version: {version}\n      date: 2026-11-22\n      changeClass: retrain\n"
    if approvals:
        entry += f"      approvals: [{approvals}]\n"
    return variant("  reviewGates:\n", entry + "  reviewGates:\n", text)


def name_at(text: str, name: str) -> tuple[int, int]:
    """Line and column of the component name name, which is declared once in text."""
    line, column = value_of(text, f"    - name: {name}\n")
    return line, column - len(f"{name}\n")


def approvals_of(text: str, approvals: str) -> tuple[int, int]:
    """Line and column of the approvals list written as approvals, which occurs once in text."""
    return value_of(text, f"      approvals: [{approvals}")[0], len("      approvals: ") + 1


# --- a component's identity is its name ----------------------------------------------------------


def test_a_model_rebuilt_under_a_new_name_needs_an_approved_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    head = rebuilt(CLEAN, "router-classifier-v2")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    at = name_at(head, "router-classifier-v2")
    assert (code, rows) == (1, [("CHG002", MANIFEST, *at, "new")])
    assert messages[0] == (
        "ticket-router changed its model or its governance without an approved release: component "
        "router-classifier was renamed to router-classifier-v2: a change to the components is a model "
        "change, so spec.releases needs an entry for 3.3.0, the model's new version, approved through "
        "the base revision's review gates for model changes"
    )

    # With the release its gate requires, the rename is an ordinary release.
    propose(repo, released(head, GATE_APPROVALS))
    code, rows, _ = check(repo, capsys, monkeypatch)
    assert (code, rows) == (0, [])


def test_a_decoy_copy_of_the_old_component_does_not_hide_the_new_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    # The old model stays, unchanged and first, beside the one that now does the work.
    newcomer = (
        "    - name: router-classifier-next\n"
        "      kind: model\n"
        "      version: 4.0.0\n"
        f'      artifact: {{uri: registry.example.com/router-next, digest: "{REBUILT}"}}\n'
        "      supplier: third-party\n"
        "      evaluation: {report: reports/router-3.2.0.md, date: 2026-10-20}\n"
    )
    head = variant("  logging:", newcomer + "  logging:")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    at = name_at(head, "router-classifier-next")
    assert (code, rows) == (1, [("CHG002", MANIFEST, *at, "new")])
    assert messages[0].endswith(
        "component router-classifier-next was added: a change to the components is a model change, so "
        "spec.releases needs a new entry approved through the base revision's review gates for model "
        "changes"
    )


def test_a_model_turned_rules_with_an_empty_release_entry_is_not_approved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    # As rules, the component escapes every model rule; the entry records nobody's approval.
    head = released(variant("      kind: model\n", "      kind: rules\n"), "", version="3.2.1")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    entry = where(head, "- version: 3.2.1")
    target = value_of(head, "    target: {version: ")
    assert (code, rows) == (
        1,
        [("RBK003", MANIFEST, *target, "new"), ("CHG002", MANIFEST, entry[0], entry[1] + 2, "new")],
    )
    assert messages[1].endswith(
        "component router-classifier changed kind from model to rules, a model change: release 3.2.1 has "
        "no approvals"
    )
    assert messages[0].endswith(
        "the model of version 3.2.0 is no longer a model component, so the rollback target should be "
        "3.2.0, not 3.1.4"
    )


def test_two_components_of_one_name_are_sch001(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    head = variant("  logging:", "    - {name: router-classifier, kind: rules, version: 1.0.0}\n  logging:")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    line, column = where(head, "router-classifier, kind: rules")
    assert (code, rows) == (1, [("SCH001", MANIFEST, line, column, "new")])
    assert messages[0] == (
        "spec.components[1].name: the component name 'router-classifier' is already used on line "
        f"{name_at(head, 'router-classifier')[0]}; names are unique in a system"
    )


# --- the base's governance judges the change -----------------------------------------------------


def test_a_change_cannot_add_the_approvers_of_its_own_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path, PEOPLE_GATE)
    eve = '{by: "@eve", role: ml-review, date: 2026-11-22}'
    head = variant(
        'approvers: ["@dana", "@ana"]', 'approvers: ["@dana", "@ana", "@eve"]', rebuilt(PEOPLE_GATE)
    )
    head = released(head, f"{DANA}, {eve}")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    at = approvals_of(head, DANA)
    assert (code, rows) == (1, [("CHG002", MANIFEST, *at, "new")])
    assert messages[0].endswith(
        "release 3.3.0 has 1 approval from the gate's approvers (@eve not among them), the base "
        "revision's review gate for model and data changes requires 2"
    )


def test_a_change_that_replaces_the_gate_approves_neither_the_model_nor_the_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path, PEOPLE_GATE)
    eve, mal = '{by: "@eve", date: 2026-11-22}', '{by: "@mal", date: 2026-11-22}'
    head = variant('approvers: ["@dana", "@ana"]', 'approvers: ["@eve", "@mal"]', rebuilt(PEOPLE_GATE))
    head = released(head, f"{eve}, {mal}")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    at = approvals_of(head, eve)
    assert (code, rows) == (1, [("CHG002", MANIFEST, *at, "new")] * 2)
    assert sorted(m.split(": ", 1)[1] for m in messages) == [
        "release 3.3.0 has 0 approvals from the gate's approvers (@eve, @mal not among them), the base "
        "revision's review gate for model and data changes requires 2",
        "spec.reviewGates changed, an ownership change: release 3.3.0 is not approved by @dana, the "
        "base revision's accountable owner, who approves the ownership changes no review gate covers",
    ]


def test_a_gate_change_needs_the_approval_of_the_base_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    head = variant('approvers: ["@dana", "@acme/ml-review"]', 'approvers: ["@dana", "@eve"]')
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    at = where(head, "    - changes: [model, data]")
    at = (at[0], at[1] + 4)
    assert (code, rows) == (1, [("CHG002", MANIFEST, *at, "new")])
    assert messages[0].endswith(
        "spec.reviewGates changed, and who governs a system is itself governed: spec.releases needs a "
        "new entry approved by @dana, the base revision's accountable owner, as no gate covers ownership"
    )

    # A copy of a release the base already had approves nothing new.
    old = "    - version: 3.2.0\n      date: 2026-10-21\n"
    copied = CLEAN[CLEAN.index(old) : CLEAN.index("  reviewGates:\n")]
    propose(repo, variant("  reviewGates:\n", copied + "  reviewGates:\n", head))
    code, rows, _ = check(repo, capsys, monkeypatch)
    assert code == 1 and [row[0] for row in rows] == ["CHG002"]

    # An entry the change adds, signed by the base's accountable owner, approves it.
    propose(repo, released(head, f"{DANA}, {ANA}", version="3.2.0"))
    code, rows, _ = check(repo, capsys, monkeypatch)
    assert (code, rows) == (0, [])


def test_a_gate_for_ownership_in_the_base_judges_an_owner_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ownership_gate = '    - changes: [ownership]\n      approvers: ["@sam", "@ana"]\n      minApprovals: 2\n'
    base = variant("  oversight:\n", ownership_gate + "  oversight:\n", PEOPLE_GATE)
    repo = start(tmp_path, base)
    head = variant('    accountable: "@dana"\n', '    accountable: "@eve"\n', base)
    head = released(head, f"{DANA}, {ANA}", version="3.2.0")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    at = approvals_of(head, DANA)
    assert (code, rows) == (1, [("CHG002", MANIFEST, *at, "new")])
    assert messages[0].endswith(
        "spec.ownership changed, an ownership change: release 3.2.0 has 1 approval from the gate's "
        "approvers (@dana not among them), the base revision's review gate for ownership changes requires 2"
    )

    sam = '{by: "@sam", role: business, date: 2026-11-22}'
    propose(repo, variant(f"approvals: [{DANA}, {ANA}]", f"approvals: [{sam}, {ANA}]", head))
    code, rows, _ = check(repo, capsys, monkeypatch)
    assert (code, rows) == (0, [])


def test_lowering_the_tier_does_not_lift_separation_of_duties(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = variant('responsible: ["@lee"]', 'responsible: ["@lee", "@ana"]')
    repo = start(tmp_path, base)
    lee, ana = '{by: "@lee", date: 2026-11-22}', '{by: "@ana", date: 2026-11-22}'
    head = variant("    tier: high\n", "    tier: low\n", rebuilt(base))
    head = variant("    classifiedAt: 2026-02-10\n", "    classifiedAt: 2026-11-22\n", head)
    head = released(head, f"{lee}, {ana}")

    # The base's gate counts @ana, a member of @acme/ml-review, and not @lee, who is not one.
    message = self_approved(repo, head, lee, capsys, monkeypatch)
    assert message.endswith("release 3.3.0 is approved only by @ana, @lee, who built or retrained it")


def test_handing_the_model_to_someone_else_does_not_lift_separation_of_duties(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    lee, kim = '{by: "@lee", date: 2026-11-22}', '{by: "@kim", date: 2026-11-22}'
    head = variant('    technicalOwner: "@lee"\n', '    technicalOwner: "@kim"\n', rebuilt(CLEAN))
    head = variant('responsible: ["@lee"]', 'responsible: ["@kim"]', head)
    head = released(head, f"{lee}, {kim}")
    propose(repo, head)

    code, rows, messages = check(repo, capsys, monkeypatch)

    at = approvals_of(head, lee)
    # Neither is a member of @acme/ml-review, so the model change is not approved either.
    assert (code, rows) == (1, [("CHG002", MANIFEST, *at, "new")] * 2 + [("OWN003", MANIFEST, *at, "new")])
    assert messages[2].endswith("release 3.3.0 is approved only by @kim, @lee, who built or retrained it")


def test_a_new_system_is_judged_by_its_own_declaration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    # Its own gate names @eve and @mal, who approve its release: there is no base to judge it by.
    eve, mal = '{by: "@eve", date: 2026-11-22}', '{by: "@mal", date: 2026-11-22}'
    other = variant("  name: ticket-router\n", "  name: faq-router\n")
    other = variant('approvers: ["@dana", "@acme/ml-review"]', 'approvers: ["@eve", "@mal"]', other)
    repo.write("ai-systems/faq-router.yaml", released(other, f"{eve}, {mal}"))
    repo.commit("A second router", HEAD_DATE)

    _, rows, _ = check(repo, capsys, monkeypatch)

    # Only its maintenance, of which it has no evidence yet, is reported.
    assert {row[0] for row in rows} == {"MNT001"}


# --- the pull-request comment -------------------------------------------------------------------


def test_the_governance_diff_shows_gate_and_owner_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path)
    head = variant('approvers: ["@dana", "@acme/ml-review"]', 'approvers: ["@eve"]')
    head = variant("      minApprovals: 2\n", "      minApprovals: 1\n", head)
    head = variant('    businessOwner: "@sam"\n', '    businessOwner: "@eve"\n', head)
    head = variant('responsible: ["@lee"]', 'responsible: ["@eve"]', head)
    head = variant("      kind: model\n", "      kind: rules\n", head)
    propose(repo, head)

    _, out, _ = run([*WITH_BASE, "--format", "markdown"], repo.root, capsys, monkeypatch)

    diff = out.split("### Governance changes\n\n", 1)[1].split("\n### ", 1)[0]
    assert diff == (
        "**ticket-router**: changed\n"
        "\n| | Before | After |\n|---|---|---|\n"
        "| business owner | @\u200dsam | @\u200deve |\n"
        "| RACI retrain | responsible @\u200dlee, accountable @\u200ddana "
        "| responsible @\u200deve, accountable @\u200ddana |\n"
        "| review gate 1 | model, data: 2 of @\u200ddana, @\u200dacme/ml-review "
        "| model, data: 1 of @\u200deve |\n"
        "| router-classifier kind | model | rules |\n"
    )
