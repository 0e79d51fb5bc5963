"""charter init: a manifest that validates, a configuration when there is none, and no overwriting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from checker.cli import cli
from checker.commands.init import STAGES, TIERS
from checker.commands.schema import document_schema, render
from tests.helpers import as_facts, charter, check_findings, facts_listed

FLAGS = [
    "--name",
    "ticket-router",
    "--title",
    "Support ticket router",
    "--tier",
    "high",
    "--stage",
    "pilot",
    "--team",
    "@acme/support-ml",
    "--accountable",
    "@dana",
    "--purpose",
    "Route tickets to the right queue.",
]
MANIFEST = """\
# yaml-language-server: $schema=../charter.schema.json
apiVersion: charter/v1
kind: AISystem
metadata:
  name: ticket-router
  title: Support ticket router
spec:
  purpose:
    intendedUse: Route tickets to the right queue.
  lifecycle:
    stage: pilot
  ownership:
    team: "@acme/support-ml"
    accountable: "@dana"
  risk:
    tier: high
# What a system of this tier and stage still needs is listed by `charter init` and
# `charter check`; `charter explain RULE` shows an example of each field a rule asks for.
"""
CONFIG = """\
# Charter configuration: where the documents live and which policies apply.
manifests: [ai-systems/**/*.yaml]
evidence: ["evidence/**/*.yaml"]
policies: [default]
failOn: error
"""


@pytest.fixture(autouse=True)
def _in_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_from_flags(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = charter(capsys, "init", *FLAGS, "--no-input")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    facts = facts_listed(out)
    assert lines[:4] == [
        "wrote ai-systems/ticket-router.yaml",
        "wrote .charter.yaml",
        "wrote charter.schema.json",
        f"{len(facts)} facts only you know, which its tier and stage need:",
    ]
    assert lines[-1] == "next: declare them, then run: charter check ai-systems/ticket-router.yaml"
    assert "OWN002 spec.ownership.onCall is missing" in facts
    assert (tmp_path / "ai-systems" / "ticket-router.yaml").read_text(encoding="utf-8") == MANIFEST
    assert (tmp_path / ".charter.yaml").read_text(encoding="utf-8") == CONFIG
    # The modeline's file, as `charter schema --write` writes it.
    assert (tmp_path / "charter.schema.json").read_text(encoding="utf-8") == render(document_schema())


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("stage", STAGES)
def test_check_asks_for_exactly_the_facts_init_listed(
    capsys: pytest.CaptureFixture[str], tier: str, stage: str
) -> None:
    flags = ["--name", "cv-screener", "--tier", tier, "--stage", stage, "--no-input"]
    code, out, _ = charter(capsys, "init", *flags, "--team", "@acme/hr-ml", "--accountable", "@ana")
    assert code == 0

    listed = facts_listed(out)
    findings = check_findings(capsys)

    assert as_facts(findings) == listed
    # Nothing init could have written itself: no schema, placement or reference problem.
    assert not {f["rule"] for f in findings} & {"SCH001", "SCH003", "SCH004", "SCH005"}
    assert not any(
        str(f["path"]).startswith(("metadata", "spec.purpose", "spec.ownership.team")) for f in findings
    )


def test_a_manifest_that_needs_nothing_more_says_it_passes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    off = "{enabled: false}"
    (tmp_path / ".charter.yaml").write_text(
        f"manifests: [ai-systems/**/*.yaml]\nrules: {{LOG001: {off}, RSK001: {off}, RSK003: {off}}}\n",
        encoding="utf-8",
    )
    flags = ["--tier", "low", "--team", "@acme/docs", "--accountable", "@ana", "--no-input"]
    code, out, _ = charter(capsys, "init", "--name", "doc-summariser", *flags)
    assert code == 0
    assert out.splitlines()[-1] == (
        "charter check ai-systems/doc-summariser.yaml passes: "
        "the manifest declares all its tier and stage need"
    )
    assert check_findings(capsys) == []


def test_the_modeline_points_at_the_schema_file_relative_to_the_manifest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flags = ["--name", "fraud-rules", "--dir", "governance/systems", "--schema", "schemas/charter.json"]
    (tmp_path / "schemas").mkdir()
    assert charter(capsys, "init", *flags, "--no-input")[0] == 0
    text = (tmp_path / "governance" / "systems" / "fraud-rules.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../schemas/charter.json"
    assert (
        json.loads((tmp_path / "schemas" / "charter.json").read_text(encoding="utf-8")) == document_schema()
    )


def test_an_existing_schema_file_is_left_alone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "charter.schema.json").write_text("{}\n", encoding="utf-8")
    code, out, _ = charter(capsys, "init", "--name", "churn-predictor", "--no-input")
    assert code == 0
    assert "wrote charter.schema.json" not in out.splitlines()
    assert (tmp_path / "charter.schema.json").read_text(encoding="utf-8") == "{}\n"


def test_the_manifest_is_well_formed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert charter(capsys, "init", *FLAGS, "--no-input")[0] == 0
    findings = check_findings(capsys)
    assert findings, "a bare manifest should still have policy findings"
    assert [f for f in findings if f["rule"] == "SCH001"] == []
    assert {f["file"] for f in findings} == {"ai-systems/ticket-router.yaml"}
    text = (tmp_path / "ai-systems" / "ticket-router.yaml").read_text(encoding="utf-8")
    document = yaml.load(text, Loader=yaml.BaseLoader)
    assert list(Draft202012Validator(document_schema()).iter_errors(document)) == []


def test_only_the_name_is_needed_without_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert charter(capsys, "init", "--name", "churn-predictor", "--no-input")[0] == 0
    data = yaml.safe_load((tmp_path / "ai-systems" / "churn-predictor.yaml").read_text(encoding="utf-8"))
    assert data["metadata"] == {"name": "churn-predictor", "title": "Churn predictor"}
    assert data["spec"]["lifecycle"] == {"stage": "proposed"}
    assert data["spec"]["risk"] == {"tier": "high"}
    assert "ownership" not in data["spec"]
    assert [f for f in check_findings(capsys) if f["rule"] == "SCH001"] == []


@pytest.mark.parametrize("name", ["123", "2026-01-01", "on", "null", "0x1f"])
def test_names_yaml_would_read_as_other_types(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    assert charter(capsys, "init", "--name", name, "--title", "yes", "--no-input")[0] == 0
    data = yaml.safe_load((tmp_path / "ai-systems" / f"{name}.yaml").read_text(encoding="utf-8"))
    assert data["metadata"] == {"name": name, "title": "yes"}
    assert [f for f in check_findings(capsys) if f["rule"] == "SCH001"] == []


def test_refuses_to_overwrite(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "ai-systems" / "ticket-router.yaml"
    target.parent.mkdir()
    target.write_text("# mine\n", encoding="utf-8")
    assert charter(capsys, "init", *FLAGS, "--no-input") == (
        2,
        "",
        "charter: error: ai-systems/ticket-router.yaml: already exists; "
        "choose another --name or edit that file\n",
    )
    assert target.read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / ".charter.yaml").exists()


def test_keeps_an_existing_configuration(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / ".charter.yaml").write_text("failOn: warning\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    code, out, _ = charter(capsys, "init", "--name", "doc-summariser", "--dir", "sub/systems", "--no-input")
    assert code == 0
    assert out.split("\n")[:2] == [
        "wrote sub/systems/doc-summariser.yaml",
        "wrote charter.schema.json",
    ]
    assert (
        out.splitlines()[-1] == "next: declare them, then run: charter check sub/systems/doc-summariser.yaml"
    )
    assert (tmp_path / ".charter.yaml").read_text(encoding="utf-8") == "failOn: warning\n"


def test_configuration_names_the_chosen_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        charter(capsys, "init", "--name", "fraud-rules", "--dir", "governance/systems", "--no-input")[0] == 0
    )
    assert yaml.safe_load((tmp_path / ".charter.yaml").read_text(encoding="utf-8"))["manifests"] == [
        "governance/systems/**/*.yaml"
    ]
    assert {f["file"] for f in check_findings(capsys)} == {"governance/systems/fraud-rules.yaml"}


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--no-input"], "--name is required with --no-input"),
        (
            ["--name", "Ticket Router", "--no-input"],
            "--name: 'Ticket Router' is not a name of lower-case letters, digits and hyphens, "
            "at most 63 characters",
        ),
        (
            ["--name", "x1", "--accountable", "dana", "--no-input"],
            "--accountable: 'dana' is not a GitHub handle such as @dana or an e-mail address",
        ),
        (
            ["--name", "x1", "--team", "support-ml", "--no-input"],
            "--team: 'support-ml' is not a GitHub team such as @acme/support-ml",
        ),
        (
            ["--name", "x1", "--tier", "extreme", "--no-input"],
            "--tier: 'extreme' is not one of low, medium, high, critical",
        ),
        (
            ["--name", "x1", "--stage", "live", "--no-input"],
            "--stage: 'live' is not one of proposed, experimental, pilot, production, paused, deprecated, "
            "retired",
        ),
    ],
)
def test_bad_flags_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flags: list[str], message: str
) -> None:
    assert charter(capsys, "init", *flags) == (2, "", f"charter: error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_interactive_prompts_for_what_is_missing(tmp_path: Path) -> None:
    answers = (
        "\n".join(
            [
                "CV Screener",  # not a valid name: asked again
                "cv-screener",
                "",  # the title offered
                "Rank job applications for recruiters.",
                "extreme",  # not a tier: asked again
                "critical",
                "",  # the stage offered
                "",  # no team
                "@ana",
            ]
        )
        + "\n"
    )
    result = CliRunner().invoke(cli, ["init", "--dir", "systems"], input=answers)
    assert result.exit_code == 0, result.output
    assert "Error: 'CV Screener' is not a name of lower-case letters" in result.output
    assert "Error: 'extreme' is not one of low, medium, high, critical" in result.output
    assert "wrote systems/cv-screener.yaml\nwrote .charter.yaml\nwrote charter.schema.json\n" in result.output
    assert result.output.endswith("next: declare them, then run: charter check systems/cv-screener.yaml\n")
    data = yaml.safe_load((tmp_path / "systems" / "cv-screener.yaml").read_text(encoding="utf-8"))
    assert data == {
        "apiVersion": "charter/v1",
        "kind": "AISystem",
        "metadata": {"name": "cv-screener", "title": "Cv screener"},
        "spec": {
            "purpose": {"intendedUse": "Rank job applications for recruiters."},
            "lifecycle": {"stage": "proposed"},
            "ownership": {"accountable": "@ana"},
            "risk": {"tier": "critical"},
        },
    }


def test_interactive_asks_only_for_what_flags_leave_out(tmp_path: Path) -> None:
    flags = ["--name", "ticket-router", "--title", "Router", "--tier", "low", "--stage", "pilot"]
    result = CliRunner().invoke(cli, ["init", *flags], input="Route tickets.\n@acme/support\n\n")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Intended use (one sentence): Route tickets.\n"
        "Owning team (@org/team, empty to skip): @acme/support\n"
        "Accountable person (@user, empty to skip): \n"
        "wrote ai-systems/ticket-router.yaml\n"
    )
    data = yaml.safe_load((tmp_path / "ai-systems" / "ticket-router.yaml").read_text(encoding="utf-8"))
    assert data["spec"]["ownership"] == {"team": "@acme/support"}
