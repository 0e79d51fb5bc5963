"""charter init --kind llm: a hosted-LLM system with its model, its versioned prompt and its oversight.

Each test runs in a fresh git repository, as a team starting to declare its systems would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from checker.cli import cli
from checker.commands.init import STAGES, TIERS
from tests.git_helpers import HEAD_DATE, Repo, init_repo
from tests.helpers import as_facts, charter, check_findings, facts_listed

FLAGS = [
    "--kind",
    "llm",
    "--name",
    "support-bot",
    "--tier",
    "high",
    "--stage",
    "production",
    "--team",
    "@acme/support-ml",
    "--accountable",
    "@dana",
    "--purpose",
    "Answer customers' questions about orders and returns.",
    "--provider",
    "openai",
    "--model",
    "gpt-4.1",
    "--snapshot",
    "2025-04-14",
]
MANIFEST = """\
# yaml-language-server: $schema=../charter.schema.json
apiVersion: charter/v1
kind: AISystem
metadata:
  name: support-bot
  title: Support bot
spec:
  purpose:
    intendedUse: Answer customers' questions about orders and returns.
    # What the model writes reaches people until you say otherwise: say how they are told.
    generatesContent: true
  lifecycle:
    stage: production
  ownership:
    team: "@acme/support-ml"
    accountable: "@dana"
  risk:
    tier: high
  components:
    - name: llm
      kind: llm
      layer: inference
      version: 1.0.0
      provider:
        name: openai
        model: gpt-4.1
        snapshot: "2025-04-14"
    # The prompt files are the component: whoever edits them gives it a new version.
    - name: system-prompt
      kind: prompt
      layer: inference
      version: 1.0.0
      source:
        - prompts/support-bot/*.md
  oversight:
    mode: in-the-loop
# What a system of this tier and stage still needs is listed by `charter init` and
# `charter check`; `charter explain RULE` shows an example of each field a rule asks for.
"""
PROMPT = "You are Support bot. Answer customers' questions about orders and returns.\n"
# What init writes of an llm system itself: no finding may be about these.
WRITTEN = (
    "metadata",
    "spec.purpose",
    "spec.ownership.team",
    "spec.components[0].kind",
    "spec.components[0].version",
    "spec.components[0].provider",
    "spec.components[1].kind",
    "spec.components[1].version",
    "spec.components[1].source",
    "spec.oversight.mode",
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.chdir(tmp_path)
    return init_repo(tmp_path)


def test_an_llm_system_from_flags(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    code, out, err = charter(capsys, "init", *FLAGS, "--no-input")

    assert (code, err) == (0, "")
    facts = facts_listed(out)
    assert out.splitlines()[:5] == [
        "wrote ai-systems/support-bot.yaml",
        "wrote prompts/support-bot/system.md",
        "wrote .charter.yaml",
        "wrote charter.schema.json",
        f"{len(facts)} facts only you know, which its tier and stage need:",
    ]
    assert repo.read("ai-systems/support-bot.yaml") == MANIFEST
    assert repo.read("prompts/support-bot/system.md") == PROMPT
    # How people are told, and the evaluations of the model and the prompt, are the team's to give.
    assert {
        "TRN001 spec.transparency.disclosure is missing",
        "VER003 spec.components[0].evaluation.report is missing",
        "VER003 spec.components[1].evaluation.report is missing",
    } <= set(facts)
    assert as_facts(check_findings(capsys)) == facts


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("stage", STAGES)
def test_check_asks_an_llm_system_for_exactly_the_facts_init_listed(
    capsys: pytest.CaptureFixture[str], repo: Repo, tier: str, stage: str
) -> None:
    flags = ["--kind", "llm", "--name", "doc-writer", "--tier", tier, "--stage", stage, "--no-input"]
    hosted = ["--provider", "anthropic", "--model", "claude-sonnet-4", "--snapshot", "20250514"]
    code, out, _ = charter(capsys, "init", *flags, *hosted, "--team", "@acme/docs", "--accountable", "@ana")
    assert code == 0

    listed = facts_listed(out)
    findings = check_findings(capsys)

    assert as_facts(findings) == listed
    # Nothing init wrote is wrong: the model is pinned, the prompt's files exist, no schema problem.
    assert not {f["rule"] for f in findings} & {"SCH001", "SCH003", "SCH004", "SCH005", "VER001", "VER004"}
    assert [f["path"] for f in findings if str(f["path"]).startswith(WRITTEN)] == []


def test_without_a_snapshot_the_snapshot_is_a_fact_to_declare(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    flags = ["--kind", "llm", "--name", "faq-bot", "--stage", "pilot", "--no-input"]
    code, out, _ = charter(capsys, "init", *flags, "--provider", "openai", "--model", "gpt-4.1")
    assert code == 0

    data = yaml.safe_load(repo.read("ai-systems/faq-bot.yaml"))
    assert data["spec"]["components"][0]["provider"] == {"name": "openai", "model": "gpt-4.1"}
    assert (
        "VER001 llm calls openai model gpt-4.1 without a snapshot, so the model can change under the same "
        "name" in facts_listed(out)
    )


def test_an_edit_of_the_scaffolded_prompt_needs_a_new_version(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    flags = ["--kind", "llm", "--name", "faq-bot", "--stage", "experimental", "--no-input"]
    assert charter(capsys, "init", *flags, "--provider", "openai", "--model", "gpt-4.1")[0] == 0
    repo.commit("The FAQ bot")
    repo.git("checkout", "-q", "-b", "friendlier")
    repo.write("prompts/faq-bot/system.md", PROMPT + "Always offer a refund.\n")
    repo.commit("A friendlier prompt", HEAD_DATE)

    found = check_findings(capsys, "--base", "main")

    manifest = repo.read("ai-systems/faq-bot.yaml").split("\n")
    line = manifest.index("    - name: system-prompt") + 4
    assert manifest[line - 1] == "      version: 1.0.0"
    assert [(f["rule"], f["line"], f["column"], f["message"]) for f in found if f["status"] == "new"] == [
        (
            "CHG001",
            line,
            16,
            "faq-bot changed a model artifact without raising its version: the source files of "
            "system-prompt changed (prompts/faq-bot/system.md) but its version stayed 1.0.0; a changed "
            "component needs a higher version",
        )
    ]


def test_an_existing_prompt_is_left_alone(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.write("prompts/faq-bot/system.md", "Our own prompt.\n")
    flags = ["--kind", "llm", "--name", "faq-bot", "--no-input", "--provider", "openai", "--model", "o3"]
    code, out, _ = charter(capsys, "init", *flags)
    assert code == 0
    assert "wrote prompts/faq-bot/system.md" not in out.splitlines()
    assert repo.read("prompts/faq-bot/system.md") == "Our own prompt.\n"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--kind", "llm", "--name", "x1", "--no-input"],
            "--provider is required with --kind llm and --no-input",
        ),
        (
            ["--kind", "llm", "--name", "x1", "--provider", "openai", "--no-input"],
            "--model is required with --kind llm and --no-input",
        ),
        (
            ["--name", "x1", "--provider", "openai", "--no-input"],
            "--provider describes a hosted model: use it with --kind llm",
        ),
        (
            ["--kind", "llm", "--name", "x1", "--provider", "openai", "--model", "o3", "--oversight", "some"],
            "--oversight: 'some' is not one of in-the-loop, on-the-loop, in-command, none",
        ),
    ],
)
def test_bad_llm_flags_exit_2(
    capsys: pytest.CaptureFixture[str], repo: Repo, flags: list[str], message: str
) -> None:
    assert charter(capsys, "init", *flags, "--no-input") == (2, "", f"charter: error: {message}\n")
    assert [p.name for p in repo.root.iterdir()] == [".git"]


def test_interactive_asks_for_the_hosted_model(repo: Repo) -> None:
    flags = ["--kind", "llm", "--name", "faq-bot", "--title", "FAQ bot", "--purpose", "Answer FAQs."]
    flags += ["--tier", "low"]
    answers = "pilot\n\n\nopenai\ngpt-4.1\n2025-04-14\non-the-loop\n"

    result = CliRunner().invoke(cli, ["init", *flags], input=answers)

    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Lifecycle stage (proposed, experimental, pilot, production, paused, deprecated, retired) "
        "[proposed]: pilot\n"
        "Owning team (@org/team, empty to skip): \n"
        "Accountable person (@user, empty to skip): \n"
        "Provider hosting the model (such as openai): openai\n"
        "Model name (such as gpt-4.1): gpt-4.1\n"
        "Snapshot of the model (such as 2025-04-14, empty to skip): 2025-04-14\n"
        "Oversight mode (in-the-loop, on-the-loop, in-command, none) [in-the-loop]: on-the-loop\n"
        "wrote ai-systems/faq-bot.yaml\n"
    )
    data = yaml.safe_load(repo.read("ai-systems/faq-bot.yaml"))
    assert data["spec"]["components"][0]["provider"] == {
        "name": "openai",
        "model": "gpt-4.1",
        "snapshot": "2025-04-14",
    }
    assert data["spec"]["oversight"] == {"mode": "on-the-loop"}
