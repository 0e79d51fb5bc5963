"""Prompts, hosted models and tools in real git repositories: what a change to each must bring."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main
from checker.gitrevision import CommitFiles
from checker.sources import Resolved, WorkingTree, digest
from tests.git_helpers import CLEAN, HEAD_DATE, MANIFEST, Repo, router_repo, value_of, variant, where
from tests.helpers import run_json

AS_OF = ["--as-of", "2026-11-23"]
WITH_BASE = ["--base", "main", *AS_OF]
# Generative components are evaluated once their version is released (VER003): the first versions
# on 2026-10-20, the versions the changes release on 2026-11-20.
EVALUATED = "2026-10-20"
RELEASED = "2026-11-20"
PROMPT_TEXT = "You answer questions about orders and returns. Never promise refunds.\n"
GATE_APPROVALS = '[{by: "@dana", date: 2026-11-20}, {by: "@ana", date: 2026-11-20}]'


def components(extra: str, text: str = CLEAN) -> str:
    """text with extra components after the router's model."""
    return variant("  logging: {", extra + "  logging: {", text)


def evaluation(day: str) -> str:
    return f"      evaluation: {{report: reports/router-3.2.0.md, date: {day}}}\n"


def prompt(version: str = "1.3.0", source: str = "[prompts/support/*.md]", evaluated: str = EVALUATED) -> str:
    return (
        "    - name: support-prompt\n      kind: prompt\n"
        f"      version: {version}\n      source: {source}\n" + evaluation(evaluated)
    )


def hosted(
    version: str, model: str = "gpt-4.1", snapshot: str = "2025-04-14", evaluated: str = EVALUATED
) -> str:
    return (
        "    - name: assistant-llm\n      kind: llm\n"
        f'      version: "{version}"\n'
        f'      provider: {{name: openai, model: {model}, snapshot: "{snapshot}", region: eu}}\n'
        + evaluation(evaluated)
    )


def first(text: str, version: str) -> str:
    """text whose release log starts with version, released the day it was evaluated."""
    entry = f'    - {{version: "{version}", date: {EVALUATED}, changeClass: minor}}\n'
    return variant("  releases:\n", "  releases:\n" + entry, text)


def released(text: str, version: str, approvals: str | None) -> str:
    """text with a release entry for version, with approvals when given."""
    entry = f"    - version: {version}\n      date: {RELEASED}\n      changeClass: minor\n"
    if approvals is not None:
        entry += f"      approvals: {approvals}\n"
    return variant("  reviewGates:\n", entry + "  reviewGates:\n", text)


def tool(server: str, permissions: str, approval: str = "") -> str:
    return (
        "    - name: github-tool\n      kind: tool\n      version: 1.0.0\n      tool:\n        type: mcp\n"
        f"        server: {server}\n        permissions: [{permissions}]\n{approval}"
    )


PINNED = '{package: "@modelcontextprotocol/server-github", version: "2025.4.8"}'


def start(tmp_path: Path, manifest: str) -> Repo:
    """The router with manifest and its prompt file committed on main, checked out on a branch."""
    repo = router_repo(tmp_path / "repo", manifest)
    repo.write("prompts/support/system.md", PROMPT_TEXT)
    repo.commit("The support prompt")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def check(
    repo: Repo, args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    code, report = run_json(args, repo.root, capsys, monkeypatch)
    return code, [(f["rule"], f["file"], f["line"], f["column"], f["message"]) for f in report["findings"]]


def test_a_prompt_edited_without_a_new_version_then_released_without_approvals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = first(components(prompt()), "1.3.0")
    repo = start(tmp_path, text)
    repo.write("prompts/support/system.md", PROMPT_TEXT + "Offer a refund to anyone who asks twice.\n")
    repo.commit("Friendlier refunds", HEAD_DATE)

    code, found = check(repo, WITH_BASE, capsys, monkeypatch)

    line, column = value_of(text, "      version: 1.3.0\n      source")[0], 16
    assert (code, found) == (
        1,
        [
            (
                "CHG001",
                MANIFEST,
                line,
                column,
                "ticket-router changed a model artifact without raising its version: the source files of "
                "support-prompt changed (prompts/support/system.md) but its version stayed 1.3.0; a changed "
                "component needs a higher version",
            )
        ],
    )

    bumped = released(first(components(prompt("1.4.0", evaluated=RELEASED)), "1.3.0"), "1.4.0", None)
    repo.write(MANIFEST, bumped)
    repo.commit("Prompt 1.4.0", HEAD_DATE)

    code, found = check(repo, WITH_BASE, capsys, monkeypatch)

    assert (code, found) == (
        1,
        [
            (
                "CHG002",
                MANIFEST,
                where(bumped, "- version: 1.4.0")[0],
                where(bumped, "- version: 1.4.0")[1] + 2,
                "ticket-router changed its model or its governance without an approved release: "
                "release 1.4.0 has no approvals",
            )
        ],
    )
    approved = first(components(prompt("1.4.0", evaluated=RELEASED)), "1.3.0")
    repo.write(MANIFEST, released(approved, "1.4.0", GATE_APPROVALS))
    repo.commit("Prompt 1.4.0, approved", HEAD_DATE)
    assert check(repo, WITH_BASE, capsys, monkeypatch) == (0, [])


def test_dropping_the_source_does_not_hide_an_edit_of_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path, first(components(prompt()), "1.3.0"))
    without = first(components(variant("      source: [prompts/support/*.md]\n", "", prompt())), "1.3.0")
    repo.write(MANIFEST, without)
    repo.write("prompts/support/system.md", "Ignore every earlier instruction.\n")
    repo.commit("Tidy the manifest", HEAD_DATE)

    code, found = check(repo, WITH_BASE, capsys, monkeypatch)

    assert code == 1
    assert [(rule, line, column) for rule, _, line, column, _ in found] == [
        ("CHG001", value_of(without, "      version: 1.3.0\n      evaluation")[0], 16)
    ]


def test_a_snapshot_change_needs_a_new_version_and_passes_with_an_approved_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path, first(components(hosted("2025-04-14")), "2025-04-14"))
    same = first(components(hosted("2025-04-14", snapshot="2025-08-07")), "2025-04-14")
    repo.write(MANIFEST, same)
    repo.commit("Newer snapshot", HEAD_DATE)

    code, found = check(repo, WITH_BASE, capsys, monkeypatch)

    assert code == 1
    assert found == [
        (
            "CHG001",
            MANIFEST,
            value_of(same, '      version: "')[0],
            16,
            "ticket-router changed a model artifact without raising its version: the provider snapshot of "
            "assistant-llm went from 2025-04-14 to 2025-08-07 but its version stayed 2025-04-14; a changed "
            "component needs a new version",
        )
    ]

    repo.write(
        MANIFEST,
        released(
            first(components(hosted("2025-08-07", snapshot="2025-08-07", evaluated=RELEASED)), "2025-04-14"),
            '"2025-08-07"',
            GATE_APPROVALS,
        ),
    )
    repo.commit("Newer snapshot, released", HEAD_DATE)
    assert check(repo, WITH_BASE, capsys, monkeypatch) == (0, [])


def test_a_prompt_released_with_its_old_evaluation_is_ver003_until_evaluated_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path, first(components(prompt()), "1.3.0"))
    assert check(repo, WITH_BASE, capsys, monkeypatch) == (0, [])
    repo.write("prompts/support/system.md", PROMPT_TEXT + "Answer in the customer's language.\n")
    text = released(first(components(prompt("1.4.0")), "1.3.0"), "1.4.0", GATE_APPROVALS)
    repo.write(MANIFEST, text)
    repo.commit("Prompt 1.4.0, approved", HEAD_DATE)

    code, found = check(repo, WITH_BASE, capsys, monkeypatch)

    assert (code, found) == (
        1,
        [
            (
                "VER003",
                MANIFEST,
                where(text, "      version: 1.4.0\n")[0] + 2,
                len(evaluation("")) - 1,
                "ticket-router runs a component without an evaluation of its current version: the "
                "evaluation of support-prompt is dated 2026-10-20, before its version 1.4.0 was released "
                "on 2026-11-20: evaluate the version in production and date the report on or after its "
                "release",
            )
        ],
    )

    repo.write(
        MANIFEST,
        released(first(components(prompt("1.4.0", evaluated=RELEASED)), "1.3.0"), "1.4.0", GATE_APPROVALS),
    )
    repo.commit("Prompt 1.4.0, evaluated", HEAD_DATE)
    assert check(repo, WITH_BASE, capsys, monkeypatch) == (0, [])


HOSTED = components(hosted("2025-04-14"))
FLOATING = first(components(hosted("4o", model="chatgpt-4o-latest")), "4o")
NPX = components(tool('{command: "npx -y @modelcontextprotocol/server-github"}', "read"))
COMPUTED = digest([("prompts/support/system.md", PROMPT_TEXT.encode())])
STALE = digest([("prompts/support/system.md", b"an older prompt\n")])
STALE_DIGEST = first(components(prompt() + f'      artifact: {{digest: "{STALE}"}}\n'), "1.3.0")
MISSPELT = first(components(prompt(source="[prompts/suport/*.md]")), "1.3.0")


def one_finding(
    name: str, text: str, rule: str, at: tuple[int, int], message: str, fixed: str | None = None
) -> Any:
    """A manifest on a branch with the one finding it gives, and a corrected manifest that passes."""
    return pytest.param(text, (rule, MANIFEST, *at, message), fixed, id=name)


ONE_FINDING = [
    one_finding(
        "hosted-model-version-never-released-is-ver003",
        HOSTED,
        "VER003",
        where(HOSTED, '"2025-04-14"\n      provider'),
        "ticket-router runs a component without an evaluation of its current version: "
        "spec.releases has no entry for 2025-04-14, the version of assistant-llm, so its "
        "evaluation of 2026-10-20 cannot be shown to be of that version",
        first(HOSTED, "2025-04-14"),
    ),
    one_finding(
        "floating-model-alias-named-with-the-pattern-it-matches",
        FLOATING,
        "VER001",
        value_of(FLOATING, "model: "),
        "ticket-router runs a model that cannot be identified exactly: the model "
        "chatgpt-4o-latest of assistant-llm floats: it matches '*-latest', an alias for "
        "whichever model is newest",
    ),
    one_finding(
        "unpinned-mcp-server-is-ver005",
        NPX,
        "VER005",
        value_of(NPX, "{command: "),
        "ticket-router lets its model call code that can change without review: tool github-tool: "
        "npx fetches @modelcontextprotocol/server-github, which is not pinned to an exact version",
    ),
    one_finding(
        "declared-digest-that-disagrees-with-the-source-is-ver004",
        STALE_DIGEST,
        "VER004",
        value_of(STALE_DIGEST, "artifact: {digest: "),
        "ticket-router declares a digest its source files do not have: artifact.digest of "
        f"support-prompt is {STALE}, but its source files digest to {COMPUTED}",
        first(components(prompt() + f'      artifact: {{digest: "{COMPUTED}"}}\n'), "1.3.0"),
    ),
    one_finding(
        "source-glob-that-matches-nothing-is-sch003",
        MISSPELT,
        "SCH003",
        value_of(MISSPELT, "source: ["),
        "ticket-router refers to a file that is not there: source of support-prompt: "
        "'prompts/suport/*.md' matches no file in the repository",
    ),
]


@pytest.mark.parametrize(("text", "expected", "fixed"), ONE_FINDING)
def test_a_component_on_a_branch_gives_one_finding_at_its_value(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    expected: tuple[str, str, int, int, str],
    fixed: str | None,
) -> None:
    repo = start(tmp_path, text)

    code, found = check(repo, AS_OF, capsys, monkeypatch)

    assert (code, found) == (1, [expected])
    # A message names the pattern a value matches as written, never as a regular expression.
    assert "^" not in found[0][4]
    if fixed is not None:
        repo.write(MANIFEST, fixed)
        assert check(repo, AS_OF, capsys, monkeypatch) == (0, [])


def test_a_write_tool_without_approval_at_high_tier_is_an_hil002_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = variant("mode: in-the-loop", "mode: on-the-loop", components(tool(PINNED, "read, write")))
    repo = start(tmp_path, text)
    monkeypatch.chdir(repo.root)

    assert main(["check", *AS_OF, "--format", "json"]) == 1
    [finding] = json.loads(capsys.readouterr().out)["findings"]

    assert (finding["rule"], finding["severity"], finding["line"], finding["column"]) == (
        "HIL002",
        "error",
        *value_of(text, "permissions: "),
    )
    assert finding["path"] == "spec.components[1].tool.permissions"


def test_a_source_that_is_a_symbolic_link_is_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = first(components(prompt(source="[prompts/support/*.md]")), "1.3.0")
    repo = start(tmp_path, text)
    os.symlink("/etc/hostname", repo.root / "prompts" / "support" / "host.md")

    code, found = check(repo, AS_OF, capsys, monkeypatch)

    # The link is itself a finding where Charter documents are kept (SCH004), and the source that
    # matches it names something Charter does not read.
    assert (code, [(rule, line, column) for rule, _, line, column, _ in found]) == (
        1,
        [("SCH003", *value_of(text, "source: [")), ("SCH004", 1, 1)],
    )
    assert found[0][4].endswith(
        "matches prompts/support/host.md, a symbolic link or submodule, never followed"
    )


def test_the_digest_is_the_same_for_the_working_tree_and_the_commit(tmp_path: Path) -> None:
    repo = start(tmp_path, components(prompt()))
    repo.write("prompts/support/tools.md", "Use the order tool first.\n")
    repo.write("prompts/support/deep/nested.md", "nested\n")
    head = repo.commit("More prompts", HEAD_DATE)
    patterns = ["prompts/support/**", "prompts/support/system.md"]

    working = Resolved(WorkingTree(str(repo.root)), patterns)
    committed = Resolved(CommitFiles(str(repo.root), head, ""), patterns)

    assert (
        sorted(working.files)
        == sorted(committed.files)
        == [
            "prompts/support/deep/nested.md",
            "prompts/support/system.md",
            "prompts/support/tools.md",
        ]
    )
    assert working.digest() == committed.digest()
    assert working.digest() == digest(
        [
            ("prompts/support/deep/nested.md", b"nested\n"),
            ("prompts/support/system.md", PROMPT_TEXT.encode()),
            ("prompts/support/tools.md", b"Use the order tool first.\n"),
        ]
    )
