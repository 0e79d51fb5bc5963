"""checker.project and checker.validate: which documents are Charter's, and their schema problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.config import Config, load_config
from checker.engine import Checker
from checker.finding import Finding
from checker.policy import load_policies
from checker.project import build_project
from checker.run_context import RunContext
from tests.conftest import AS_OF, RULES_DIR, notes_text
from tests.git_helpers import variant, where
from tests.helpers import run

CLEAN = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")
AS_OF_ARG = ["--as-of", AS_OF.isoformat()]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository holding everything the clean manifest refers to, and no manifest yet."""
    root = tmp_path / "repo"
    shutil.copytree(RULES_DIR / "_repo", root)
    (root / "ai-systems").mkdir()
    return root


def run_checker(
    root: Path, paths: list[Path] | None = None, explicit: set[Path] | None = None
) -> list[Finding]:
    """Every finding of the default policies over the paths (root by default)."""
    config = Config()
    project = build_project(
        [str(p) for p in (paths or [root])], str(root), str(root), config, {str(p) for p in explicit or ()}
    )
    policies = load_policies(config)
    return Checker(RunContext(project, policies.rules), policies, AS_OF).run()


def schema(findings: list[Finding]) -> list[tuple[str, str, int, int, str]]:
    return [(f.rule, f.file, f.line, f.column, f.message) for f in findings]


def run_cli(
    args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    return run([*AS_OF_ARG, *args], cwd, capsys, monkeypatch)


# --- which documents are Charter's -------------------------------------------------------------


def test_documents_of_other_tools_are_skipped_silently(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "ai-systems" / "router.yaml").write_text(CLEAN, encoding="utf-8")
    (repo / "deploy.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: router}\ndata: {a: b}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 2}\n"
        "---\nkind: AISystem\nmetadata: {name: no-api-version}\n",
        encoding="utf-8",
    )
    (repo / "ci.yml").write_text("on: [push]\njobs: {test: {runs-on: ubuntu-latest}}\n", encoding="utf-8")

    assert run_checker(repo) == []
    code, out, err = run_cli(["."], repo, capsys, monkeypatch)
    assert code == 0
    # Only the rules this run could not check: nothing about the other tools' documents.
    assert err == notes_text()
    assert "deploy.yaml" not in out


def test_an_unknown_api_version_is_reported(repo: Path) -> None:
    text = variant("apiVersion: charter/v1", "apiVersion: charter/v2")
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")

    assert schema(run_checker(repo)) == [
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "charter/v2"),
            "unknown apiVersion 'charter/v2'; this version of Charter reads charter/v1",
        )
    ]


def test_an_unknown_kind_is_reported_with_a_suggestion(repo: Path) -> None:
    shutil.rmtree(repo / "evidence")  # evidence for a system that is no AISystem has findings of its own
    text = variant("kind: AISystem", "kind: AISytem")
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")

    assert schema(run_checker(repo)) == [
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "AISytem"),
            "unknown kind 'AISytem' (did you mean 'AISystem'?); Charter documents are AISystem, Evidence, "
            "Directory or Policy",
        )
    ]


def test_policy_documents_among_manifests_are_not_checked_as_systems(repo: Path) -> None:
    (repo / "ai-systems" / "router.yaml").write_text(CLEAN, encoding="utf-8")
    (repo / "ai-systems" / "local-policy.yaml").write_text(
        "apiVersion: charter/v1\nkind: Policy\nmetadata: {name: local}\nrules: []\n", encoding="utf-8"
    )
    assert run_checker(repo) == []


# --- files that cannot be read ------------------------------------------------------------------

BROKEN = "title: notes\nitems: [1, 2\n"
BROKEN_CHARTER = "apiVersion: charter/v1\nkind: AISystem\nmetadata:\n  name: [broken\n"
FLOW_ERROR = (
    "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 8)"
)


def test_unparseable_yaml_that_is_not_charters_is_skipped_with_a_note(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "ai-systems" / "router.yaml").write_text(CLEAN, encoding="utf-8")
    (repo / "notes").mkdir()
    (repo / "notes" / "broken.yaml").write_text(BROKEN, encoding="utf-8")

    code, out, err = run_cli(["."], repo, capsys, monkeypatch)

    assert code == 0
    assert "broken.yaml" not in out
    assert err == (
        "charter: note: notes/broken.yaml: skipped, not a Charter file and not readable as YAML "
        f"({FLOW_ERROR})\n" + notes_text()
    )


def test_unparseable_yaml_named_on_the_command_line_is_reported(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "notes").mkdir()
    (repo / "notes" / "broken.yaml").write_text(BROKEN, encoding="utf-8")

    code, out, err = run_cli(["notes/broken.yaml"], repo, capsys, monkeypatch)

    assert code == 1
    assert out.splitlines()[0] == f"notes/broken.yaml:3:1: SCH001 error {FLOW_ERROR}"
    assert err == ""


def test_unparseable_yaml_that_names_a_charter_api_version_is_reported(repo: Path) -> None:
    shutil.rmtree(repo / "evidence")
    (repo / "ai-systems" / "broken.yaml").write_text(BROKEN_CHARTER, encoding="utf-8")

    assert schema(run_checker(repo)) == [
        (
            "SCH001",
            "ai-systems/broken.yaml",
            5,
            1,
            "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 4, "
            "column 9)",
        )
    ]


def test_unparseable_yaml_matching_the_configured_globs_is_reported(tmp_path: Path) -> None:
    (tmp_path / "ai-systems").mkdir()
    (tmp_path / "ai-systems" / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "other.yaml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / ".charter.yaml").write_text("manifests: ['ai-systems/*.yaml']\n", encoding="utf-8")
    config = load_config(None, str(tmp_path))
    project = build_project([str(tmp_path)], str(tmp_path), str(tmp_path), config, set())

    assert [(p.file, p.line, p.column, p.message) for p in project.problems] == [
        ("ai-systems/broken.yaml", 3, 1, FLOW_ERROR)
    ]
    assert project.notes == (
        f"other.yaml: skipped, not a Charter file and not readable as YAML ({FLOW_ERROR})",
    )


def test_a_mention_of_charter_that_is_no_api_version_does_not_make_a_file_charters(repo: Path) -> None:
    (repo / "playbook.yaml").write_text("- hosts: all\n  roles: [roles/charter/setup]\n", encoding="utf-8")
    (repo / "broken.yaml").write_text("docs: https://example.com/charter/\nitems: [1\n", encoding="utf-8")
    project = build_project([str(repo)], str(repo), str(repo), Config(), set())

    assert project.problems == ()
    assert project.notes == (
        "broken.yaml: skipped, not a Charter file and not readable as YAML "
        "(invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 2, "
        "column 8))",
    )


def test_one_broken_file_does_not_hide_the_findings_of_another(repo: Path) -> None:
    text = variant("    onCall: https://pager.example.com/support-ml\n", "")
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")
    (repo / "ai-systems" / "broken.yaml").write_text(BROKEN_CHARTER, encoding="utf-8")
    (repo / "ai-systems" / "latin1.yaml").write_bytes(b"apiVersion: charter/v1\nkind: AISystem # caf\xe9\n")

    findings = run_checker(repo)

    assert [(f.rule, f.file, f.line, f.column) for f in findings] == [
        ("SCH001", "ai-systems/broken.yaml", 5, 1),
        ("SCH001", "ai-systems/latin1.yaml", 2, 21),
        ("OWN002", "ai-systems/router.yaml", *where(text, "ownership:")),
    ]
    assert findings[1].message == "the file is not UTF-8 text (byte 0xe9 cannot be decoded)"
    assert findings[2].path == "spec.ownership.onCall"


def test_large_yaml_is_reported_only_when_it_is_charters(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "ai-systems" / "router.yaml").write_text(CLEAN, encoding="utf-8")
    row = "- {id: 1, text: a row of some data set}\n"
    (repo / "dataset.yaml").write_text(row * (6 * 1024 * 1024 // len(row)), encoding="utf-8")

    code, _, err = run_cli(["."], repo, capsys, monkeypatch)
    assert code == 0
    assert err == (
        "charter: note: dataset.yaml: skipped, not a Charter file and not readable as YAML "
        "(the file is 6.0 MiB, over the 5 MiB limit for Charter documents)\n" + notes_text()
    )

    (repo / "ai-systems" / "huge.yaml").write_text(
        "apiVersion: charter/v1\nkind: AISystem\n" + "# padding\n" * 600_000, encoding="utf-8"
    )
    assert schema(run_checker(repo)) == [
        (
            "SCH001",
            "ai-systems/huge.yaml",
            1,
            1,
            "the file is 5.7 MiB, over the 5 MiB limit for Charter documents",
        )
    ]


# --- symbolic links -----------------------------------------------------------------------------


LINKED = (
    "{file} is a symbolic link to '{target}': Charter never follows links, so nothing it leads to is "
    "checked; commit the files themselves in its place"
)


def test_symbolic_links_found_in_the_checked_paths_are_sch004_and_never_read(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "ai-systems" / "router.yaml").write_text(CLEAN, encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(
        "apiVersion: charter/v1\nkind: AISystem\nmetadata: {name: Not-A-Name}\n", encoding="utf-8"
    )
    (repo / "ai-systems" / "link.yaml").symlink_to(outside / "secret.yaml")
    (repo / "linked-dir").symlink_to(outside, target_is_directory=True)

    code, out, err = run_cli(["."], repo, capsys, monkeypatch)

    assert code == 1
    assert "Not-A-Name" not in out
    assert [line for line in out.splitlines() if " SCH004 error " in line] == [
        "ai-systems/link.yaml:1:1: SCH004 error "
        + LINKED.format(file="ai-systems/link.yaml", target=outside / "secret.yaml"),
        "linked-dir:1:1: SCH004 error " + LINKED.format(file="linked-dir", target=outside),
    ]
    assert out.splitlines()[-1] == "1 system checked: 2 errors, 0 warnings, 0 info, 0 waived; failed"
    assert err == notes_text()


def test_a_symbolic_link_named_on_the_command_line_is_refused_not_followed(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "ai-systems" / "router.yaml").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "secret.yaml").write_text(
        "apiVersion: charter/v1\nkind: AISystem\nmetadata: {name: Not-A-Name}\n", encoding="utf-8"
    )
    (repo / "ai-systems" / "link.yaml").symlink_to(tmp_path / "secret.yaml")

    code, out, err = run_cli(["ai-systems/link.yaml"], repo, capsys, monkeypatch)

    assert code == 1
    assert out.splitlines() == [
        "ai-systems/link.yaml:1:1: SCH004 error "
        + LINKED.format(file="ai-systems/link.yaml", target=tmp_path / "secret.yaml"),
        "fix (charter explain RULE says why):",
        "  SCH004 Commit the manifests and evidence themselves in place of the link or submodule, or move "
        "the link out of the paths Charter checks.",
        "0 systems checked: 1 error, 0 warnings, 0 info, 0 waived; failed",
    ]
    assert err == ""


# --- document shapes ----------------------------------------------------------------------------


def test_list_and_scalar_documents_are_reported_in_a_charter_file_or_when_named(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "ai-systems" / "router.yaml").write_text(
        CLEAN + "---\n- one\n- two\n---\njust text\n", encoding="utf-8"
    )
    # Not Charter's and not named: a list document is just some other YAML.
    (repo / "hosts.yaml").write_text("- web1\n- web2\n", encoding="utf-8")
    (repo / "named.yaml").write_text("42\n", encoding="utf-8")
    (repo / "empty.yaml").write_text("", encoding="utf-8")
    lines = CLEAN.count("\n")

    assert schema(run_checker(repo, [repo, repo / "named.yaml"], {repo / "named.yaml"})) == [
        (
            "SCH001",
            "ai-systems/router.yaml",
            lines + 2,
            1,
            "the document is a list; a Charter document is a mapping with apiVersion, kind, metadata "
            "and spec",
        ),
        (
            "SCH001",
            "ai-systems/router.yaml",
            lines + 5,
            1,
            "the document is a single value; a Charter document is a mapping with apiVersion and kind",
        ),
        (
            "SCH001",
            "named.yaml",
            1,
            1,
            "the document is a single value; a Charter document is a mapping with apiVersion and kind",
        ),
    ]
    code, out, err = run_cli(["empty.yaml"], repo, capsys, monkeypatch)
    assert (code, err) == (0, "charter: note: empty.yaml: empty, no Charter document in it\n")
    assert out == "0 systems checked: 0 errors, 0 warnings, 0 info, 0 waived; passed\n"


# --- schema problems ----------------------------------------------------------------------------


def test_an_unknown_key_is_reported_with_the_key_it_resembles(repo: Path) -> None:
    text = variant("  rollback:\n", "  rolback:\n")
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")

    assert schema(run_checker(repo)) == [
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "rolback:"),
            "unknown key 'rolback' at spec.rolback; did you mean 'rollback'?",
        )
    ]


def test_a_misspelt_required_key_is_reported_once_as_the_misspelling(repo: Path) -> None:
    shutil.rmtree(repo / "evidence")
    text = variant("\nspec:\n", "\nspek:\n")
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")

    assert schema(run_checker(repo)) == [
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "spek:"),
            "unknown key 'spek' at spek; did you mean 'spec'?",
        )
    ]


@pytest.mark.parametrize(
    ("old", "new", "at", "message"),
    [
        pytest.param(
            "stage: production",
            "stage: prod",
            "prod\n",
            "spec.lifecycle.stage: 'prod' is not allowed, expected one of: proposed, experimental, pilot, "
            "production, paused, deprecated, retired; did you mean 'production'?",
            id="outside-an-enum-suggests-the-one-it-begins",
        ),
        pytest.param(
            "    tier: high",
            "    tier: hihg",
            "hihg",
            "spec.risk.tier: 'hihg' is not allowed, expected one of: low, medium, high, critical; "
            "did you mean 'high'?",
            id="outside-an-enum-suggests-the-closest-spelling",
        ),
        pytest.param(
            'accountable: "@dana"\n    technicalOwner',
            "accountable: dana\n    technicalOwner",
            "dana\n",
            "spec.ownership.accountable: 'dana' does not have the expected form: a GitHub handle (@user) or "
            "an e-mail address",
            id="of-the-wrong-form-says-which-form-is-expected",
        ),
    ],
)
def test_a_wrong_value_is_reported_at_the_value_with_what_was_expected(
    repo: Path, old: str, new: str, at: str, message: str
) -> None:
    text = variant(old, new)
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")

    assert schema(run_checker(repo)) == [("SCH001", "ai-systems/router.yaml", *where(text, at), message)]


def test_values_of_the_wrong_type_are_reported_at_the_value(repo: Path) -> None:
    text = variant("rtoMinutes: 15", "rtoMinutes: soon")
    text = variant("  logging: {", "  logging: yes\n  x-logging: {", text)
    text = variant("outOfScope: [Legal complaints]", "outOfScope: Legal complaints", text)
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")

    assert schema(run_checker(repo)) == [
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "Legal complaints"),
            "spec.purpose.outOfScope: input should be a valid list (got 'Legal complaints')",
        ),
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "yes\n"),
            "spec.logging: expected a mapping (got yes)",
        ),
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "x-logging"),
            "unknown key 'x-logging' at spec.x-logging; did you mean 'logging'?",
        ),
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "soon"),
            "spec.rollback.rtoMinutes: input should be a valid integer (got 'soon')",
        ),
    ]


def test_an_impossible_date_is_a_schema_problem_not_a_crash(repo: Path) -> None:
    text = variant("lastDrill: 2026-10-14", "lastDrill: 2026-13-45")
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")

    [finding] = run_checker(repo)
    assert (finding.rule, finding.line, finding.column, finding.path) == (
        "SCH001",
        *where(text, "2026-13-45"),
        "spec.rollback.lastDrill",
    )
    assert finding.message == (
        "spec.rollback.lastDrill: input should be a real date: month must be in 1..12 (got '2026-13-45')"
    )


def test_a_missing_required_field_points_at_its_closest_parent(repo: Path) -> None:
    text = variant("  title: Support ticket router\n", "")
    text = variant(
        '    - {activity: usage-review, cadence: weekly, owner: "@lee"}',
        '    - {activity: usage-review, owner: "@lee"}',
        text,
    )
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")

    assert schema(run_checker(repo)) == [
        ("SCH001", "ai-systems/router.yaml", *where(text, "metadata:"), "metadata.title is required"),
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "{activity: usage-review"),
            "spec.maintenance[1].cadence is required",
        ),
    ]


def test_yaml_level_problems_of_a_manifest_are_schema_findings(repo: Path) -> None:
    text = variant("  title: Support ticket router\n", "  title: Support ticket router\n  title: Again\n")
    text = variant("    tier: high\n", "    tier: !!python/name:os.system high\n", text)
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")

    assert schema(run_checker(repo)) == [
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "title: Again"),
            "duplicate key 'title' (first at line 7, again at line 8)",
        ),
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "!!python"),
            "the tag '!!python/name:os.system' is not allowed: Charter documents hold only plain text, "
            "numbers, booleans, dates, lists and mappings; remove the tag",
        ),
    ]


def test_evidence_is_not_judged_against_a_manifest_that_failed_the_schema(repo: Path) -> None:
    text = variant("\nspec:\n", "\nspek:\n")
    (repo / "ai-systems" / "router.yaml").write_text(text, encoding="utf-8")

    assert schema(run_checker(repo)) == [
        (
            "SCH001",
            "ai-systems/router.yaml",
            *where(text, "spek:"),
            "unknown key 'spek' at spek; did you mean 'spec'?",
        )
    ]
