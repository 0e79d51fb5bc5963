"""`charter codeowners`: the generated CODEOWNERS block, on real git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from checker.cli import main
from checker.codeowners import BEGIN, END
from tests.git_helpers import CLEAN, MANIFEST, Repo, git_env, installed_charter, router_repo, variant

CHARTER = installed_charter()
OWNERS = "@dana @acme/ml-review"
BLOCK = [
    BEGIN,
    f"/{MANIFEST} {OWNERS}",
    f"/evidence/ticket-router/ {OWNERS}",
    END,
]
HANDWRITTEN_HEAD = "# Platform defaults\n* @acme/platform\n/policies/ @acme/governance\n"
HANDWRITTEN_TAIL = "# Reviewed by governance whatever the block says\n/.charter.yaml @acme/governance\n"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return router_repo(tmp_path / "repo")


def codeowners(
    args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """charter codeowners ARGS through main(), in cwd."""
    monkeypatch.chdir(cwd)
    code = main(["codeowners", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_write_creates_the_block_in_dot_github(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = codeowners(["--write"], repo.root, capsys, monkeypatch)

    assert (code, out, err) == (0, "wrote the generated block of .github/CODEOWNERS\n", "")
    assert repo.read(".github/CODEOWNERS").splitlines() == BLOCK
    assert not (repo.root / "CODEOWNERS").exists()
    assert not (repo.root / "docs" / "CODEOWNERS").exists()


def test_check_passes_when_current_and_writing_again_changes_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    codeowners(["--write"], repo.root, capsys, monkeypatch)
    written = repo.read(".github/CODEOWNERS")

    for args in (["--check"], [], ["--write"]):
        code, out, err = codeowners(args, repo.root, capsys, monkeypatch)
        assert (code, out, err) == (0, ".github/CODEOWNERS is up to date\n", ""), args
    assert repo.read(".github/CODEOWNERS") == written

    # From a subdirectory, the repository's file is the one meant.
    code, out, _ = codeowners(["--check"], repo.root / "ai-systems", capsys, monkeypatch)
    assert (code, out) == (0, ".github/CODEOWNERS is up to date\n")


def test_check_fails_with_a_diff_when_the_accountable_owner_changes(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    codeowners(["--write"], repo.root, capsys, monkeypatch)
    repo.write(MANIFEST, variant('    accountable: "@dana"\n', '    accountable: "@sam"\n'))

    code, out, err = codeowners(["--check"], repo.root, capsys, monkeypatch)

    assert code == 1
    assert out.splitlines() == [
        "--- .github/CODEOWNERS",
        "+++ .github/CODEOWNERS",
        "@@ -1,4 +1,4 @@",
        f" {BEGIN}",
        f"-/{MANIFEST} {OWNERS}",
        f"-/evidence/ticket-router/ {OWNERS}",
        f"+/{MANIFEST} @sam {OWNERS}",
        f"+/evidence/ticket-router/ @sam {OWNERS}",
        f" {END}",
    ]
    assert err == ".github/CODEOWNERS is out of date: run `charter codeowners --write`\n"
    # --check never writes.
    assert repo.read(".github/CODEOWNERS").splitlines() == BLOCK


def test_check_without_any_codeowners_fails_and_the_installed_executable_agrees(repo: Repo) -> None:
    assert CHARTER, "the charter executable is not on PATH (pip install -e .)"

    check = subprocess.run(
        [CHARTER, "codeowners", "--check"], cwd=repo.root, capture_output=True, text=True, env=git_env()
    )
    assert check.returncode == 1
    assert check.stdout.splitlines()[3:] == [f"+{line}" for line in BLOCK]
    assert not (repo.root / ".github" / "CODEOWNERS").exists()

    write = subprocess.run(
        [CHARTER, "codeowners", "--write"], cwd=repo.root, capture_output=True, text=True, env=git_env()
    )
    assert (write.returncode, write.stderr) == (0, "")
    assert repo.read(".github/CODEOWNERS").splitlines() == BLOCK


@pytest.mark.parametrize(
    ("existing", "used"),
    [
        pytest.param(["CODEOWNERS"], "CODEOWNERS", id="root"),
        pytest.param(["docs/CODEOWNERS"], "docs/CODEOWNERS", id="docs"),
        pytest.param(["CODEOWNERS", "docs/CODEOWNERS"], "CODEOWNERS", id="root-before-docs"),
        pytest.param([".github/CODEOWNERS", "CODEOWNERS"], ".github/CODEOWNERS", id="github-before-root"),
        pytest.param(
            ["docs/CODEOWNERS", ".github/CODEOWNERS"], ".github/CODEOWNERS", id="github-before-docs"
        ),
    ],
)
def test_an_existing_codeowners_is_used_in_githubs_lookup_order(
    existing: list[str],
    used: str,
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for location in existing:
        repo.write(location, HANDWRITTEN_HEAD)

    code, out, _ = codeowners(["--write"], repo.root, capsys, monkeypatch)

    assert (code, out) == (0, f"wrote the generated block of {used}\n")
    assert repo.read(used) == HANDWRITTEN_HEAD + "\n" + "\n".join(BLOCK) + "\n"
    for location in existing:
        if location != used:
            assert repo.read(location) == HANDWRITTEN_HEAD
    assert (repo.root / ".github" / "CODEOWNERS").exists() == (used == ".github/CODEOWNERS")


def test_text_outside_the_block_is_kept_when_the_block_is_rewritten(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = "\n".join([BEGIN, "/ai-systems/old.yaml @someone", END]) + "\n"
    repo.write("CODEOWNERS", HANDWRITTEN_HEAD + "\n" + stale + "\n" + HANDWRITTEN_TAIL)

    code, _, _ = codeowners(["--write"], repo.root, capsys, monkeypatch)

    assert code == 0
    assert repo.read("CODEOWNERS") == (
        HANDWRITTEN_HEAD + "\n" + "\n".join(BLOCK) + "\n" + "\n" + HANDWRITTEN_TAIL
    )
    code, out, _ = codeowners(["--check"], repo.root, capsys, monkeypatch)
    assert (code, out) == (0, "CODEOWNERS is up to date\n")


def test_a_file_without_a_final_newline_gets_the_block_after_a_blank_line(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("CODEOWNERS", "* @acme/platform")

    codeowners(["--write"], repo.root, capsys, monkeypatch)

    assert repo.read("CODEOWNERS") == "* @acme/platform\n\n" + "\n".join(BLOCK) + "\n"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param('"@mallory\\n"', id="trailing-newline"),
        pytest.param('"@mallory\\n* @mallory"', id="newline-and-a-rule"),
        pytest.param('"@mallory @eve"', id="space"),
        pytest.param('"@mallory\\t"', id="tab"),
        pytest.param('"/ @mallory"', id="a-pattern"),
        pytest.param('"@-mallory"', id="leading-hyphen"),
        pytest.param('"mallory"', id="bare-word"),
        pytest.param('"mallory@example"', id="mail-without-domain"),
    ],
)
def test_owners_that_are_not_handles_or_addresses_are_never_copied(
    bad: str, repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = variant('    accountable: "@dana"\n', f"    accountable: {bad}\n")
    text = variant('approvers: ["@dana", "@acme/ml-review"]', f'approvers: [{bad}, "@acme/ml-review"]', text)
    repo.write(MANIFEST, text)

    code, _, _ = codeowners(["--write"], repo.root, capsys, monkeypatch)

    assert code == 0
    assert repo.read(".github/CODEOWNERS").splitlines() == [
        BEGIN,
        f"/{MANIFEST} @acme/ml-review",
        "/evidence/ticket-router/ @acme/ml-review",
        END,
    ]


def test_a_system_without_any_valid_owner_gets_no_line(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = variant('    accountable: "@dana"\n', '    accountable: "dana and lee"\n')
    text = variant('approvers: ["@dana", "@acme/ml-review"]', 'approvers: ["the ML team"]', text)
    repo.write(MANIFEST, text)

    codeowners(["--write"], repo.root, capsys, monkeypatch)

    assert repo.read(".github/CODEOWNERS").splitlines() == [BEGIN, END]


def test_owners_are_listed_once_whatever_their_case_and_e_mails_are_kept(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = variant(
        'approvers: ["@dana", "@acme/ml-review"]',
        'approvers: ["@Dana", "ana@example.com", "@acme/ml-review", "@ACME/ML-review"]',
    )
    repo.write(MANIFEST, text)

    codeowners(["--write"], repo.root, capsys, monkeypatch)

    owners = "@dana ana@example.com @acme/ml-review"
    assert repo.read(".github/CODEOWNERS").splitlines() == [
        BEGIN,
        f"/{MANIFEST} {owners}",
        f"/evidence/ticket-router/ {owners}",
        END,
    ]


def add_mail_router(repo: Repo, evidence: str | None = None) -> str | None:
    """A second system, mail-router, accountable @sam, in ai-systems/mail.yaml; with evidence, a
    copy of the router's usage review for mail-router at that path. The evidence's path."""
    repo.write(
        "ai-systems/mail.yaml",
        CLEAN.replace("ticket-router", "mail-router").replace('accountable: "@dana"', 'accountable: "@sam"'),
    )
    if evidence is not None:
        review = repo.read("evidence/ticket-router/2026-11-20-usage-review.yaml")
        repo.write(evidence, review.replace("ticket-router", "mail-router"))
    return evidence


def test_evidence_sharing_a_directory_with_another_systems_is_listed_file_by_file(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = add_mail_router(repo, "evidence/ticket-router/2026-11-20-mail-router-usage-review.yaml")

    codeowners(["--write"], repo.root, capsys, monkeypatch)

    mail = "@sam @dana @acme/ml-review"
    router_evidence = sorted(
        p.relative_to(repo.root).as_posix()
        for p in (repo.root / "evidence" / "ticket-router").iterdir()
        if p.name != Path(shared).name
    )
    assert repo.read(".github/CODEOWNERS").splitlines() == [
        BEGIN,
        f"/ai-systems/mail.yaml {mail}",
        f"/{shared} {mail}",
        f"/{MANIFEST} {OWNERS}",
        *(f"/{path} {OWNERS}" for path in router_evidence),
        END,
    ]


def test_paths_with_spaces_and_hashes_are_escaped(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.git("mv", MANIFEST, "ai-systems/#1 router.yaml")

    codeowners(["--write"], repo.root, capsys, monkeypatch)

    assert repo.read(".github/CODEOWNERS").splitlines()[1] == f"/ai-systems/\\#1\\ router.yaml {OWNERS}"


def test_a_handwritten_line_that_looks_like_the_end_marker_does_not_duplicate_the_block(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    handwritten = "# START charter reviewers\n/.charter.yaml @acme/governance\n# END charter reviewers\n"
    repo.write("CODEOWNERS", handwritten)

    for _ in range(2):
        code, _, _ = codeowners(["--write"], repo.root, capsys, monkeypatch)
        assert code == 0
        assert repo.read("CODEOWNERS") == handwritten + "\n" + "\n".join(BLOCK) + "\n"
    code, out, _ = codeowners(["--check"], repo.root, capsys, monkeypatch)
    assert (code, out) == (0, "CODEOWNERS is up to date\n")


def test_evidence_beside_the_manifests_never_claims_the_whole_directory(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The router's evidence moved next to the manifests, where another system's manifest also lives:
    # "/ai-systems/ @dana ..." would come last and, as the last match wins, take over mail.yaml.
    for evidence in sorted((repo.root / "evidence" / "ticket-router").iterdir()):
        evidence.rename(repo.root / "ai-systems" / evidence.name)
    add_mail_router(repo)

    codeowners(["--write"], repo.root, capsys, monkeypatch)

    mail = "@sam @dana @acme/ml-review"
    evidence_files = sorted(p.name for p in (repo.root / "ai-systems").iterdir() if p.name[0].isdigit())
    assert repo.read(".github/CODEOWNERS").splitlines() == [
        BEGIN,
        f"/ai-systems/mail.yaml {mail}",
        f"/{MANIFEST} {OWNERS}",
        *(f"/ai-systems/{name} {OWNERS}" for name in evidence_files),
        END,
    ]


def test_an_evidence_directory_holding_another_systems_files_below_it_is_listed_file_by_file(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_mail_router(repo, "evidence/ticket-router/mail/2026-11-20-usage-review.yaml")

    codeowners(["--write"], repo.root, capsys, monkeypatch)

    mail = "@sam @dana @acme/ml-review"
    router_evidence = sorted(p.name for p in (repo.root / "evidence" / "ticket-router").glob("*.yaml"))
    assert repo.read(".github/CODEOWNERS").splitlines() == [
        BEGIN,
        f"/ai-systems/mail.yaml {mail}",
        f"/evidence/ticket-router/mail/ {mail}",
        f"/{MANIFEST} {OWNERS}",
        *(f"/evidence/ticket-router/{name} {OWNERS}" for name in router_evidence),
        END,
    ]


@pytest.mark.parametrize(
    ("name", "shown_as"),
    [
        ("router\n* @mallory.yaml", "router\\n* @mallory.yaml"),
        ("router\r.yaml", "router\\r.yaml"),
        ("router\u2028.yaml", "router\\u2028.yaml"),
        ("router\u202e.yaml", "router\\u202e.yaml"),
    ],
)
def test_a_file_name_codeowners_cannot_express_stops_the_write_and_writes_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str, shown_as: str
) -> None:
    # A line break in a manifest's name would otherwise add an owner line of the name's choosing.
    repo.git("mv", MANIFEST, f"ai-systems/{name}")

    code, out, err = codeowners(["--write"], repo.root, capsys, monkeypatch)

    assert (code, out) == (2, "")
    assert err == (
        f"charter: error: ai-systems/{shown_as} has a control or line-separating character in its name, "
        "which CODEOWNERS cannot express; rename it\n"
    )
    assert not (repo.root / ".github" / "CODEOWNERS").exists()
