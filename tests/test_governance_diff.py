"""The governance diff of a change to a hosted-LLM system: snapshots, prompt versions and content, tools.

The rows are worked out by the run (checker.governance_diff) and only formatted by the markdown and
HTML reports, which must show exactly the same rows.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from checker.cli import main
from checker.sources import digest
from tests.git_helpers import HEAD_DATE, MANIFEST, Repo
from tests.test_git_components import (
    GATE_APPROVALS,
    PINNED,
    PROMPT_TEXT,
    RELEASED,
    WITH_BASE,
    components,
    first,
    hosted,
    prompt,
    released,
    start,
    tool,
)
from tests.test_html_wrap import overflowing
from tests.test_report_html import CHROMIUM

PROMPT_FILE = "prompts/support/system.md"
EDITED_PROMPT = PROMPT_TEXT + "Answer in the customer's language.\n"
OLD_SOURCE = digest([(PROMPT_FILE, PROMPT_TEXT.encode())])
NEW_SOURCE = digest([(PROMPT_FILE, EDITED_PROMPT.encode())])
LOOKUP = (
    "    - name: order-lookup\n      kind: tool\n      version: 3.0.1\n      tool:\n        type: api\n"
    "        server: {url: https://orders.example.com/v3}\n        permissions: [PERMISSIONS]\n"
    "        approval: APPROVAL\n"
)
AGENT = (
    "    - name: triage-agent\n      kind: agent\n      version: 1.4.0\n"
    "      tools: [order-lookup, github-tool]\n"
    f"      evaluation: {{report: reports/router-3.2.0.md, date: {RELEASED}}}\n"
)
BASE = first(
    first(
        components(
            hosted("2025-04-14")
            + prompt()
            + LOOKUP.replace("PERMISSIONS", "read").replace("APPROVAL", "none")
        ),
        "1.3.0",
    ),
    "2025-04-14",
)
HEAD = released(
    released(
        first(
            first(
                components(
                    hosted("2025-08-07", snapshot="2025-08-07", evaluated=RELEASED)
                    + prompt("1.4.0", evaluated=RELEASED)
                    + LOOKUP.replace("PERMISSIONS", "read, write").replace("APPROVAL", "required")
                    + tool(PINNED, "read, write", "        approval: required\n")
                    + AGENT
                ),
                "1.3.0",
            ),
            "2025-04-14",
        ),
        "1.4.0",
        GATE_APPROVALS,
    ),
    '"2025-08-07"',
    GATE_APPROVALS,
)
# What changed, in the order the head manifest declares it: (fact, before, after), "" for absent.
ROWS = [
    ("assistant-llm version", "2025-04-14", "2025-08-07"),
    ("assistant-llm snapshot", "2025-04-14", "2025-08-07"),
    ("support-prompt version", "1.3.0", "1.4.0"),
    ("support-prompt source digest", OLD_SOURCE, NEW_SOURCE),
    ("order-lookup permissions", "read", "read, write"),
    ("order-lookup approval", "none", "required"),
    ("github-tool kind", "", "tool"),
    ("github-tool version", "", "1.0.0"),
    ("github-tool server", "", "mcp @modelcontextprotocol/server-github 2025.4.8"),
    ("github-tool permissions", "", "read, write"),
    ("github-tool approval", "", "required"),
    ("triage-agent kind", "", "agent"),
    ("triage-agent version", "", "1.4.0"),
    ("triage-agent tools", "", "order-lookup, github-tool"),
]


def changed_repo(tmp_path: Path) -> Repo:
    """The router with a hosted model, a prompt and a tool on main; the change on a branch."""
    repo = start(tmp_path, BASE)
    repo.write(PROMPT_FILE, EDITED_PROMPT)
    repo.write(MANIFEST, HEAD)
    repo.commit("Newer snapshot, prompt 1.4.0, a GitHub tool and a triage agent", HEAD_DATE)
    return repo


def governance_changes(markdown: str) -> str:
    """The governance changes section of a markdown report, up to the blank line after its table."""
    section = markdown.split("### Governance changes\n\n", 1)[1]
    return section[: section.index("\n\n", section.index("|---|")) + 1]


def report(repo: Repo, fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(repo.root)
    main(["check", *WITH_BASE, "--format", fmt])
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_markdown_shows_snapshot_prompt_and_tool_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = report(changed_repo(tmp_path), "markdown", capsys, monkeypatch)

    diff = governance_changes(out)
    # Markdown breaks every @ so that no one is mentioned.
    assert diff == (
        "**ticket-router**: changed\n\n| | Before | After |\n|---|---|---|\n"
        + "".join(
            f"| {label} | {before or '—'} | {after or '—'} |\n".replace("@", "@\u200d")
            for label, before, after in ROWS
        )
    )


class _DiffRows(HTMLParser):
    """The systems of the HTML report's governance changes, each with its rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.systems: list[tuple[str, list[tuple[str, ...]]]] = []
        self._inside = False
        self._depth = 0
        self._text: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._inside = self._inside or ("id", "changes") in attrs
            self._depth += self._inside
        elif self._inside and tag == "h3":
            self._text = []
        elif self._inside and tag == "tr":
            self._row = []
        elif self._inside and tag == "td":
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._inside:
            self._depth -= 1
            self._inside = self._depth > 0
        elif self._inside and tag == "h3" and self._text is not None:
            self.systems.append((" ".join("".join(self._text).split()), []))
            self._text = None
        elif self._inside and tag == "td" and self._text is not None and self._row is not None:
            self._row.append("".join(self._text).strip())
            self._text = None
        elif self._inside and tag == "tr" and self._row:
            self.systems[-1][1].append(tuple(self._row))
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def test_html_shows_the_same_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    html = report(changed_repo(tmp_path), "html", capsys, monkeypatch)

    parser = _DiffRows()
    parser.feed(html)

    assert parser.systems == [
        (
            "ticket-router changed",
            [(label, before or "—", after or "—") for label, before, after in ROWS],
        )
    ]


def test_json_output_keeps_its_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The diff is for the reports people read; the JSON contract has no place for it.
    out = report(changed_repo(tmp_path), "json", capsys, monkeypatch)
    assert sorted(json.loads(out)) == [
        "asOf",
        "commit",
        "findings",
        "notes",
        "policyDigest",
        "summary",
        "tool",
    ]


def test_a_prompt_edited_in_place_shows_its_new_content_and_no_new_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = start(tmp_path, BASE)
    repo.write(PROMPT_FILE, EDITED_PROMPT)
    repo.commit("Answer in the customer's language", HEAD_DATE)

    out = report(repo, "markdown", capsys, monkeypatch)

    diff = governance_changes(out)
    assert diff == (
        "**ticket-router**: changed\n\n| | Before | After |\n|---|---|---|\n"
        f"| support-prompt source digest | {OLD_SOURCE} | {NEW_SOURCE} |\n"
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed; .ci/run installs it")
def test_source_digests_and_server_packages_wrap_inside_their_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    html = report(changed_repo(tmp_path), "html", capsys, monkeypatch)
    assert NEW_SOURCE in html

    assert overflowing(html, tmp_path, 900) == '{"page":false,"cells":[]}'
