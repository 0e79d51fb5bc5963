"""The report formats: registered, reproducible, written together, and grouped the way reviewers read."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from checker import __version__, gitrepo
from checker.commands.check import CheckOptions, build_report
from checker.gfm import COMMENT_LIMIT, MARKER
from checker.reporters import REPORTERS
from checker.reporters.markdown import render_markdown
from tests.conftest import AS_OF, NEEDS_BASE, RULES_DIR, pull_request_notes_text
from tests.helpers import charter

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FORMATS = ["text", "json", "markdown", "html", "sarif", "junit", "github"]
AS_OF_ARG = ["--as-of", AS_OF.isoformat()]
CLEAN = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")
MANIFEST = "ai-systems/router.yaml"
ON_CALL = "    onCall: https://pager.example.com/support-ml\n"
RATIONALE = "    rationale: Misrouted urgent tickets delay help to customers.\n"
LAST_DRILL = "    lastDrill: 2026-10-14\n"
OLD_DRILL = "    lastDrill: 2025-01-14\n"


def variant(text: str, *edits: tuple[str, str]) -> str:
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} is not in the text exactly once"
        text = text.replace(old, new)
    return text


def where(text: str, needle: str) -> str:
    """'line:column' (1-based) where needle, which occurs exactly once, has its first non-blank."""
    assert text.count(needle) == 1, f"{needle!r} is not in the text exactly once"
    at = text.index(needle) + len(needle) - len(needle.lstrip())
    return f"{text.count(chr(10), 0, at) + 1}:{at - (text.rfind(chr(10), 0, at) + 1) + 1}"


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code, out, _ = charter(capsys, "check", *args)
    return code, out


# A real git repository ---------------------------------------------------------------------------


def git(root: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
        # After the newest evidence of tests/rules/_repo and before AS_OF, so MNT003 stays quiet.
        GIT_AUTHOR_DATE="2026-11-21T09:00:00+00:00",
        GIT_COMMITTER_DATE="2026-11-21T09:00:00+00:00",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def repository(root: Path, files: dict[str, str]) -> Path:
    """tests/rules/_repo plus files, committed on main."""
    shutil.copytree(RULES_DIR / "_repo", root)
    git(root, "init", "-q", "-b", "main")
    write(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", "base")
    return root


def write(root: Path, files: dict[str, str | None]) -> None:
    for name, text in files.items():
        target = root / name
        if text is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")


def sections(markdown: str) -> dict[str, list[str]]:
    """The finding rows of each '### Title (n)' section, as 'RULE location' strings."""
    found: dict[str, list[str]] = {}
    for block in markdown.split("\n### ")[1:]:
        title, _, body = block.partition("\n")
        rows = re.findall(r"^\| \S+ \w+ \| \*\*([A-Z]{3}\d{3})\*\* [^|]* \| ([^|]+) \|", body, re.M)
        found[re.sub(r" \(\d+\)$", "", title)] = [f"{rule} {where}" for rule, where in rows]
    return found


# Registry and reproducibility --------------------------------------------------------------------


def test_every_format_is_registered_and_offered_by_check() -> None:
    assert list(REPORTERS) == FORMATS


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_byte_identical_across_two_runs(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, first = check(capsys, str(EXAMPLES), "--format", fmt, *AS_OF_ARG)
    again, second = check(capsys, str(EXAMPLES), "--format", fmt, *AS_OF_ARG)
    assert (code, again) == (1, 1)
    assert len(first) > 500
    assert first.encode() == second.encode()


def test_several_formats_are_written_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sarif, html = tmp_path / "out.sarif", tmp_path / "r.html"
    code, out = check(
        capsys,
        str(EXAMPLES),
        "--format",
        "text",
        "--output-sarif",
        str(sarif),
        "--output-html",
        str(html),
        *AS_OF_ARG,
    )
    assert code == 1
    assert out.splitlines()[-1] == "7 systems checked: 1 error, 1 warning, 0 info, 0 waived; failed"
    results = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("MNT001", "warning"),
        ("WVR001", "error"),
    ]
    # Each file is exactly what its own --format would have printed.
    assert check(capsys, str(EXAMPLES), "--format", "html", *AS_OF_ARG)[1] == html.read_text(encoding="utf-8")
    assert check(capsys, str(EXAMPLES), "--format", "sarif", *AS_OF_ARG)[1] == sarif.read_text(
        encoding="utf-8"
    )


def test_github_annotations_are_the_default_inside_github_actions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, out = check(capsys, str(EXAMPLES), *AS_OF_ARG)
    # The run's notes follow the summary as log lines.
    lines = [line for line in out.splitlines() if not line.startswith("charter: note: ")]
    assert lines[-2] == (
        "::error file=examples/ai-systems/ticket-router.yaml,line=158,col=106,title=WVR001 waiver-invalid::"
        "ticket-router has an invalid waiver: the waiver of MNT001 expired on 2026-11-01 and waives nothing"
        "%0AFix: Give the waiver an existing waivable rule, a reason, an approver other than the system's "
        "owners and an expires date at most 180 days ahead; renew or remove expired waivers."
    )
    assert lines[-1] == "charter: 7 systems checked: 1 error, 1 warning, 0 info, 0 waived; failed"
    assert out.splitlines()[len(lines) :] == [
        f"charter: note: {NEEDS_BASE[0]} compares with a base revision: run with --base REF to check "
        f"it; so do {', '.join(NEEDS_BASE[1:-1])} and {NEEDS_BASE[-1]}",
        *pull_request_notes_text().splitlines(),
    ]
    # An explicit --format still wins.
    _, text = check(capsys, str(EXAMPLES), "--format", "text", *AS_OF_ARG)
    assert not text.startswith("::")


def test_text_is_the_default_outside_github_actions(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = check(capsys, str(EXAMPLES), *AS_OF_ARG)
    assert out.splitlines()[-1] == "7 systems checked: 1 error, 1 warning, 0 info, 0 waived; failed"


# The markdown report -----------------------------------------------------------------------------


def test_markdown_without_base_has_the_marker_summary_failing_waived_and_footer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = check(capsys, str(EXAMPLES), "--format", "markdown", *AS_OF_ARG)
    lines = out.splitlines()
    assert lines[0] == MARKER
    assert lines[1] == "## ❌ Charter: failed"
    assert lines[3] == "7 systems checked: 1 error, 1 warning, 0 info, 0 waived."
    # The rules this run could not check are said once each in the header, not listed as findings.
    assert lines[4:18] == [
        "",
        "Not checked by this run:",
        "",
        *(
            f"- **{rule}** compares with a base revision: run with --base REF to check it"
            for rule in ("CHG001", "CHG002", "CHG003", "CHG004", "CHG005", "CHG006", "POL001", "RBK003")
        ),
        *(
            f"- **{rule}** verifies approvals in the reviews on GitHub, so it runs only in pull requests"
            for rule in ("GAT002", "GAT003")
        ),
        "",
    ]
    assert "### Governance changes" not in out
    assert sections(out) == {
        "Failing": [
            "WVR001 examples/ai-systems/ticket-router.yaml:158:106",
            "MNT001 examples/ai-systems/churn-predictor.yaml:131:7",
        ]
    }
    commit = gitrepo.head_commit(str(ROOT))
    digest = build_report(CheckOptions([str(EXAMPLES)], as_of=AS_OF)).policies.digest()
    assert lines[-1] == (
        f"<sub>Charter {__version__} · commit {commit} · policies {digest} · as of 2026-11-23</sub>"
    )


def test_markdown_with_base_shows_exactly_the_new_and_the_fixed_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The base lacks an on-call route (OWN002) and has an old rollback drill (RBK002).
    base = variant(CLEAN, (ON_CALL, ""), (LAST_DRILL, OLD_DRILL))
    root = repository(tmp_path / "repo", {MANIFEST: base})
    git(root, "checkout", "-q", "-b", "change")
    # The change adds the on-call route back and drops the risk rationale (RSK001).
    head = variant(CLEAN, (RATIONALE, ""), (LAST_DRILL, OLD_DRILL))
    write(root, {MANIFEST: head})
    monkeypatch.chdir(root)
    code, out = check(capsys, "--format", "markdown", "--base", "main", *AS_OF_ARG)
    assert code == 1
    assert out.splitlines()[3] == (
        "1 system checked: 2 errors, 0 warnings, 0 info, 0 waived; 1 new, 1 fixed by this change."
    )
    assert sections(out) == {
        "Governance changes": [],
        "New": [f"RSK001 {MANIFEST}:{where(head, '  risk:')}"],
        "Fixed by this change": [f"OWN002 {MANIFEST}:{where(base, '  ownership:')}"],
        "Still failing": [f"RBK002 {MANIFEST}:{where(head, '2025-01-14')}"],
    }
    assert (
        "No system's components, versions, rollback target, risk tier, stage, owners or review gates "
        "changed." in out
    )


def test_markdown_governance_diff_shows_what_changed_per_system(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = CLEAN.replace("name: ticket-router", "name: old-router", 1)
    root = repository(tmp_path / "repo", {MANIFEST: CLEAN, "ai-systems/old.yaml": old})
    git(root, "checkout", "-q", "-b", "change")
    old_digest = "sha256:9f2c1e7a4b6d8f0a2c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f"
    target_digest = "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
    new_digest = "sha256:" + "1" * 64
    changed = variant(
        CLEAN,
        ("    tier: high\n", "    tier: critical\n"),
        ('    accountable: "@dana"\n', '    accountable: "@sam"\n'),
        ("      version: 3.2.0\n", "      version: 3.3.0\n"),
        (old_digest, new_digest),
    )
    added = CLEAN.replace("name: ticket-router", "name: new-router", 1)
    write(root, {MANIFEST: changed, "ai-systems/old.yaml": None, "ai-systems/new.yaml": added})
    monkeypatch.chdir(root)
    _, out = check(capsys, "--format", "markdown", "--base", "main", *AS_OF_ARG)
    diff = out.split("### Governance changes\n\n", 1)[1].split("\n### ", 1)[0]
    assert diff == "\n\n".join(
        [
            "**new-router**: added\n"
            "\n| | Before | After |\n|---|---|---|\n"
            "| risk tier | — | high |\n"
            "| EU AI Act class | — | limited |\n"
            "| stage | — | production |\n"
            "| team | — | @\u200dacme/support-ml |\n"
            "| accountable owner | — | @\u200ddana |\n"
            "| technical owner | — | @\u200dlee |\n"
            "| business owner | — | @\u200dsam |\n"
            "| RACI retrain | — | responsible @\u200dlee, accountable @\u200ddana |\n"
            "| review gate 1 | — | model, data: 2 of @\u200ddana, @\u200dacme/ml-review |\n"
            "| router-classifier kind | — | model |\n"
            "| router-classifier version | — | 3.2.0 |\n"
            f"| router-classifier digest | — | {old_digest} |\n"
            "| rollback target version | — | 3.1.4 |\n"
            f"| rollback target digest | — | {target_digest} |",
            "**old-router**: removed",
            "**ticket-router**: changed\n"
            "\n| | Before | After |\n|---|---|---|\n"
            "| risk tier | high | critical |\n"
            "| accountable owner | @\u200ddana | @\u200dsam |\n"
            "| router-classifier version | 3.2.0 | 3.3.0 |\n"
            f"| router-classifier digest | {old_digest} | {new_digest} |\n",
        ]
    )


def test_markdown_lists_waivers_expiring_within_30_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repository(
        tmp_path / "repo", {MANIFEST: variant(CLEAN, ("expires: 2027-01-31", "expires: 2026-12-10"))}
    )
    _, out = check(capsys, str(root), "--format", "markdown", *AS_OF_ARG)
    assert (
        "### Waivers expiring within 30 days\n\n"
        "| System | Rule | Expires | Days left | Approved by | Reason | Ticket |\n"
        "|---|---|---|---|---|---|---|\n"
        "| ticket-router | MNT001 | 2026-12-10 | 17 | @\u200dsam | "
        "Q4 audit moved to January by the audit board | GOV-118 |\n"
    ) in out


# Keeping the comment under GitHub's limit --------------------------------------------------------


def many_systems(root: Path, count: int) -> Path:
    """count systems, each with no evidence, on-call route, risk rationale or recent drill."""
    shutil.copytree(RULES_DIR / "_repo", root)
    waivers = CLEAN[CLEAN.index("  waivers:\n") :]
    for i in range(count):
        text = variant(
            CLEAN,
            ("name: ticket-router", f"name: router-{i:03d}"),
            (ON_CALL, ""),
            (RATIONALE, ""),
            (LAST_DRILL, OLD_DRILL),
            (waivers, ""),
        )
        write(root, {f"ai-systems/router-{i:03d}.yaml": text})
    return root


def test_a_large_markdown_report_stays_under_githubs_limit_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(many_systems(tmp_path / "repo", 40))
    _, data = check(capsys, "--format", "json", *AS_OF_ARG)
    active = [f for f in json.loads(data)["findings"] if not f["waived"]]
    assert len(active) > 300
    _, out = check(capsys, "--format", "markdown", *AS_OF_ARG)
    assert len(out) <= COMMENT_LIMIT
    assert out.startswith(MARKER + "\n## ❌ Charter: failed\n")
    # Every finding is listed on one line, without its fix: it fits then.
    for f in active:
        assert f"| **{f['rule']}** | {f['file']}:{f['line']}:{f['column']} |" in out
    assert "**Fix:**" not in out and "Not listed here" not in out and "[!NOTE]" not in out
    # The full report is still there for the asking.
    full = render_markdown(build_report(CheckOptions(["."], as_of=AS_OF)), limit=10**7)
    assert len(full) > COMMENT_LIMIT and full.count("| **MNT001**") > 100


def test_truncation_leaves_out_fixed_findings_before_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = variant(CLEAN, (ON_CALL, ""), (LAST_DRILL, OLD_DRILL))
    root = repository(tmp_path / "repo", {MANIFEST: base})
    git(root, "checkout", "-q", "-b", "change")
    head = variant(CLEAN, (RATIONALE, ""), (LAST_DRILL, OLD_DRILL))
    write(root, {MANIFEST: head})
    monkeypatch.chdir(root)
    report = build_report(CheckOptions(["."], as_of=AS_OF, base="main"))
    full = render_markdown(report)
    cut = render_markdown(report, limit=len(full) - 1)
    assert len(cut) <= len(full) - 1
    # Errors stay, new and existing alike; the fixed finding goes first.
    assert sections(cut) == {
        "Governance changes": [],
        "New": [f"RSK001 {MANIFEST}:{where(head, '  risk:')}"],
        "Fixed by this change": [],
        "Still failing": [f"RBK002 {MANIFEST}:{where(head, OLD_DRILL.split(': ')[1])}"],
    }
    assert "### Fixed by this change (1)\n\n_Not listed here: 1 fixed finding._" in cut
    assert "> 1 finding is not listed to keep this report under" in cut
    # However small the limit, the comment fits and keeps its marker.
    tiny = render_markdown(report, limit=400)
    assert len(tiny) <= 400 and tiny.startswith(MARKER + "\n")


def test_markdown_says_when_a_change_was_judged_by_the_base_policies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = "policies: [default]\nfailOn: error\n"
    root = repository(tmp_path / "repo", {MANIFEST: CLEAN, ".charter.yaml": config})
    git(root, "checkout", "-q", "-b", "change")
    write(root, {".charter.yaml": config + "rules:\n  RMP001: {enabled: false}\n"})
    monkeypatch.chdir(root)
    _, out = check(capsys, "--format", "markdown", "--base", "main", *AS_OF_ARG)
    head = build_report(CheckOptions(["."], as_of=AS_OF, base="main")).head_policies
    assert head is not None
    assert (
        "> [!WARNING]\n> This change edits the policies or the configuration, so it was checked with the "
        "base revision's policies, which were already reviewed. With this change's policies "
        f"({head[0]}) it would have 0 errors, 0 warnings and would pass.\n"
    ) in out
    assert sections(out)["New"] == ["POL001 .charter.yaml:1:1"]
