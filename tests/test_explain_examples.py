"""The pages of the rules for hosted LLMs, prompts, tools and agents show examples that really fail.

Each page's failing example, laid over the clean reference manifest in a real git repository, is
reported by its rule exactly where the example puts the problem; the page's fix is not reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.cli import main
from checker.config import Config
from checker.policy import load_policies
from checker.sources import digest
from tests.git_helpers import CLEAN, MANIFEST, router_repo, where
from tests.test_cli_explain import indented, section

PACK = load_policies(Config())
PROMPT = "You answer questions about orders and returns.\n"
# What each rule's failing example must be reported for: the field path, the text the finding points
# at in the manifest (which yaml.safe_dump writes in block style), and the detail of the message.
EXPECTED = {
    "VER003": [
        (
            "spec.components[0].evaluation.date",
            "2026-10-02",
            "the evaluation of support-prompt is dated 2026-10-02, before its version 1.3.0 was released "
            "on 2026-11-04: evaluate the version in production and date the report on or after its release",
        )
    ],
    "VER004": [
        (
            "spec.components[0].artifact.digest",
            "sha256:" + "0" * 64,
            "artifact.digest of support-prompt is sha256:" + "0" * 64 + ", but its source files digest to "
            f"{digest([('prompts/support/system.md', PROMPT.encode())])}",
        ),
    ],
    "VER005": [
        (
            "spec.components[0].tool.server.command",
            "npx -y",
            "tool github-tool: npx fetches @modelcontextprotocol/server-github, which is not pinned to an "
            "exact version",
        ),
        (
            "spec.components[1].tools[1]",
            "shell",
            "agent support-agent may call shell, which is not a tool component",
        ),
    ],
    "HIL002": [
        (
            "spec.components[0].tool.permissions",
            "- read\n      - write",
            "tool github-tool may write without a person's approval: set tool.approval to required, or "
            "spec.oversight.mode to in-the-loop",
        )
    ],
    "TRN001": [
        ("spec.transparency.disclosure", "spec:\n  purpose:", "spec.transparency.disclosure is missing"),
        ("spec.transparency.where", "spec:\n  purpose:", "spec.transparency.where is missing"),
    ],
}


def overlay(base: Any, example: Any) -> Any:
    """base with example laid over it: mappings merge, anything else is replaced."""
    if isinstance(base, dict) and isinstance(example, dict):
        return {**base, **{k: overlay(base.get(k), v) for k, v in example.items()}}
    return example


def findings_of(
    rule_id: str,
    snippet: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> list[tuple[str, int, int, str]]:
    """rule_id's findings (path, line, column, detail) when snippet is laid over the clean manifest."""
    manifest = yaml.safe_dump(overlay(yaml.safe_load(CLEAN), yaml.safe_load(snippet)), sort_keys=False)
    repo = router_repo(tmp_path, manifest)
    repo.write("prompts/support/system.md", PROMPT)
    repo.commit("The support prompt")
    monkeypatch.chdir(repo.root)
    main(["check", "--as-of", "2026-11-23", "--format", "json"])
    found = json.loads(capsys.readouterr().out)["findings"]
    return [
        (f["path"], f["line"], f["column"], f["message"].split(": ", 1)[1])
        for f in found
        if f["rule"] == rule_id and f["file"] == MANIFEST
    ]


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_the_page_shows_an_example_that_fails_and_a_fix_that_passes(
    rule_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    example = PACK.rules[rule_id].model.example
    assert example is not None
    monkeypatch.chdir(tmp_path)
    assert main(["explain", rule_id]) == 0
    page = capsys.readouterr().out
    assert section(page, "Example that fails") == indented(example.fail)

    failing = findings_of(rule_id, example.fail, tmp_path / "fail", capsys, monkeypatch)
    fixed = findings_of(rule_id, example.fix, tmp_path / "fix", capsys, monkeypatch)

    manifest = (tmp_path / "fail" / MANIFEST).read_text(encoding="utf-8")
    assert failing == [(path, *where(manifest, at), detail) for path, at, detail in EXPECTED[rule_id]]
    assert fixed == []
