"""Large reports: the comment and the job summary never hide an error while they list a warning.

The markdown is rendered with markdown-it-py (CommonMark with GFM tables) to check that what is cut
still reads as tables with every row the text claims.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from checker.commands.check import CheckOptions, build_report
from checker.github_settings import run_url
from checker.reporters.base import Output, Report
from checker.reporters.markdown import render_markdown
from tests.conftest import AS_OF
from tests.test_reports import CLEAN, LAST_DRILL, OLD_DRILL, ON_CALL, check, git, repository, variant, write

GFM = MarkdownIt("commonmark").enable("table")
ROW = re.compile(r"^\| \S+ (error|warning|info) \| \*\*([A-Z]{3}[0-9]{3})\*\*.*? \| ([^|]+:\d+:\d+) \|", re.M)


def system(name: str, tier: str) -> str:
    """A manifest that lacks its on-call route: OWN002, an error at high tier and a warning at low."""
    return variant(
        CLEAN, ("name: ticket-router", f"name: {name}"), ("tier: high", f"tier: {tier}"), (ON_CALL, "")
    )


@pytest.fixture
def mixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    """Four high-tier systems with errors, eight low-tier ones with warnings, and six with a late
    rollback drill that the configuration makes a note (info)."""
    files = {f"ai-systems/high-{i}.yaml": system(f"high-{i}", "high") for i in range(4)}
    files |= {f"ai-systems/low-{i}.yaml": system(f"low-{i}", "low") for i in range(8)}
    files |= {
        f"ai-systems/late-{i}.yaml": variant(
            CLEAN, ("name: ticket-router", f"name: late-{i}"), (LAST_DRILL, OLD_DRILL)
        )
        for i in range(6)
    }
    files[".charter.yaml"] = "rules:\n  RBK002: {severity: info}\n"
    root = repository(tmp_path / "repo", files)
    monkeypatch.chdir(root)
    return build_report(CheckOptions(["."], as_of=AS_OF))


def rows(text: str) -> list[tuple[str, str, str]]:
    """(severity, rule, where) of every listed finding, in order."""
    return [(m.group(1), m.group(2), m.group(3)) for m in ROW.finditer(text)]


def section(text: str, title: str) -> str:
    """The part of text under the heading ### title, up to the next heading or the footer."""
    found = re.search(rf"^### {re.escape(title)} \(\d+\)\n(.*?)(?=^### |^---$)", text, re.M | re.S)
    return found.group(1) if found else ""


def active(text: str) -> list[tuple[str, str, str]]:
    """The listed findings that are neither waived nor fixed."""
    return rows(section(text, "Failing") + section(text, "New") + section(text, "Still failing"))


def table_rows(text: str) -> int:
    """How many body rows the GFM tables of text have when rendered."""
    html = GFM.render(text)
    return sum(body.count("<tr>") for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S))


@pytest.mark.parametrize("step", [1000, pytest.param(250, marks=pytest.mark.slow)])
def test_each_cut_lists_errors_before_warnings_before_notes_and_counts_the_rest(
    mixed: Report, step: int
) -> None:
    """Cuts at every step characters below the full report, down to 1,500: every fourth of them
    in a plain run, all of them in the slow one."""
    full = render_markdown(mixed, limit=10**7)
    everything = active(full)
    by_severity = {s: [r for r in everything if r[0] == s] for s in ("error", "warning", "info")}
    assert all(by_severity.values())
    seen_modes = set()
    for limit in range(len(full), 1500, -step):
        out = render_markdown(mixed, limit=limit)
        assert len(out) <= limit
        assert table_rows(out) == len(rows(out))
        listed = active(out)
        kept = {s: [r for r in listed if r[0] == s] for s in by_severity}
        # Whatever is listed of a severity is all of the severities above it.
        if kept["warning"] or kept["info"]:
            assert kept["error"] == by_severity["error"], limit
        if kept["info"]:
            assert kept["warning"] == by_severity["warning"], limit
        missing = {s: len(by_severity[s]) - len(kept[s]) for s in by_severity}
        words = [
            f"{n} {w}{'s' if n != 1 else ''}"
            for n, w in zip(missing.values(), ("error", "warning", "note"), strict=True)
            if n
        ]
        if words:
            counted = " and ".join(", ".join(words).rsplit(", ", 1))
            assert f"_Not listed here: {counted}._" in out, limit
            total = len(rows(full)) - len(rows(out))
            assert (
                f"> {total} finding{'s are' if total != 1 else ' is'} not listed to keep this report under "
                in out
            )
            assert ("[!CAUTION]" in out) == bool(missing["error"])
            seen_modes.add("errors cut" if missing["error"] else "errors kept")
        else:
            assert "Not listed here" not in section(out, "Failing")
        seen_modes.add("compact" if "**Fix:**" not in out else "full")
    assert seen_modes == {"errors cut", "errors kept", "compact", "full"}


def test_a_cut_points_to_the_uploaded_artifact_in_actions(mixed: Report) -> None:
    run = "https://github.example/acme/governance/actions/runs/4242"
    output = Output(artifact="charter-report", run_url=run)
    full = render_markdown(mixed, limit=10**7, output=output)

    out = render_markdown(mixed, limit=len(full) - 1, output=output)

    assert (
        out.rstrip()
        .splitlines()[-4]
        .endswith(
            "The full report is the artifact `charter-report` of "
            "[this workflow run](https://github.example/acme/governance/actions/runs/4242)."
        )
    )
    html = GFM.render(out)
    assert '<a href="https://github.example/acme/governance/actions/runs/4242">this workflow run</a>' in html


def has_warnings(text: str) -> bool:
    return any(r[0] == "warning" for r in rows(text))


def first_true(items: Sequence[int], holds: Callable[[int], bool]) -> int:
    """The index of the first item for which holds is true, by bisection: holds is false for the
    items before it and true from it on."""
    low, high = 0, len(items) - 1
    assert holds(items[high])
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if holds(items[middle]) else (middle + 1, high)
    return low


def test_new_errors_come_before_existing_ones_and_both_before_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {f"ai-systems/low-{i}.yaml": system(f"low-{i}", "low") for i in range(6)}
    base["ai-systems/old.yaml"] = system("old", "high")
    root = repository(tmp_path / "repo", base)
    git(root, "checkout", "-q", "-b", "change")
    # The change breaks a second high-tier system and lets a low-tier one's drill go stale.
    write(root, {"ai-systems/new.yaml": system("new", "high")})
    write(root, {"ai-systems/low-0.yaml": variant(system("low-0", "low"), (LAST_DRILL, OLD_DRILL))})
    monkeypatch.chdir(root)
    report = build_report(CheckOptions(["."], as_of=AS_OF, base="main"))
    full = render_markdown(report, limit=10**7)

    # Room for the errors and little else: the largest limit, in steps of 50, that lists no warning.
    limits = range(len(full), 0, -50)
    at = first_true(limits, lambda limit: not has_warnings(render_markdown(report, limit=limit)))
    cut = render_markdown(report, limit=limits[at])
    assert at > 0 and has_warnings(render_markdown(report, limit=limits[at - 1]))

    def errors(text: str, title: str) -> list[tuple[str, str, str]]:
        return [r for r in rows(section(text, title)) if r[0] == "error"]

    # Every error of the full report, in its section and order; and the warnings counted.
    new, existing = errors(full, "New"), errors(full, "Still failing")
    assert ("error", "OWN002", "ai-systems/new.yaml:19:3") in new
    assert ("error", "OWN002", "ai-systems/old.yaml:19:3") in existing
    assert (errors(cut, "New"), errors(cut, "Still failing")) == (new, existing)
    assert cut.index("### New") < cut.index("### Still failing")
    assert re.search(r"_Not listed here: \d+ warnings?", section(cut, "New"))
    assert "every error is listed" in cut


def commands(out: str) -> list[str]:
    return [line.split("::")[1] for line in out.splitlines() if line.startswith("::")]


def test_annotations_go_to_new_findings_unless_all_are_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repository(tmp_path / "repo", {"ai-systems/old.yaml": system("old", "high")})
    git(root, "checkout", "-q", "-b", "change")
    write(root, {"ai-systems/new.yaml": system("new", "high")})
    monkeypatch.chdir(root)
    args = ["--format", "github", "--base", "main", "--as-of", AS_OF.isoformat()]

    _, as_json = check(capsys, "--format", "json", *args[2:])
    findings = [f for f in json.loads(as_json)["findings"] if not f["waived"]]
    new = [f for f in findings if f["status"] == "new"]
    existing = [f for f in findings if f["status"] != "new"]
    assert existing and {"ai-systems/new.yaml"} == {f["file"] for f in new if f["rule"] == "OWN002"}
    _, new_only = check(capsys, *args)
    _, every = check(capsys, *args, "--annotate", "all")
    monkeypatch.setenv("CHARTER_ANNOTATE", "all")
    assert check(capsys, *args)[1] == every

    def located(found: list[dict]) -> list[str]:
        return [f"{f['file']},line={f['line']},col={f['column']}" for f in found]

    assert [c.split("file=")[1].split(",title=")[0] for c in commands(new_only)] == located(new)
    assert new_only.splitlines()[-1] == (
        f"charter: {len(existing)} existing findings of the base not annotated; the report has every finding "
        "(--annotate all annotates them too)"
    )
    assert [c.split("file=")[1].split(",title=")[0] for c in commands(every)] == located(findings)
    assert "not annotated" not in every
    # Without a base there is nothing to compare: every finding is annotated.
    monkeypatch.delenv("CHARTER_ANNOTATE")
    _, no_base = check(capsys, "--format", "github", "--as-of", AS_OF.isoformat())
    assert "not annotated" not in no_base
    assert "error file=ai-systems/old.yaml,line=19,col=3,title=OWN002 team-or-on-call-missing" in commands(
        no_base
    )


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        (
            {
                "GITHUB_SERVER_URL": "https://github.example/",
                "GITHUB_REPOSITORY": "acme/gov",
                "GITHUB_RUN_ID": "42",
            },
            "https://github.example/acme/gov/actions/runs/42",
        ),
        ({"GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "acme/gov"}, ""),
        ({"GITHUB_REPOSITORY": "acme/gov", "GITHUB_RUN_ID": "42"}, ""),
        (
            {
                "GITHUB_SERVER_URL": "https://github.example",
                "GITHUB_REPOSITORY": "acme/gov",
                "GITHUB_RUN_ID": "x",
            },
            "",
        ),
    ],
)
def test_the_run_page_is_linked_only_when_the_runner_names_all_of_it(
    environ: dict[str, str], url: str
) -> None:
    assert run_url(environ) == url
