"""Every format keeps hostile manifest text inert: no markup, link, mention, command or escape opens."""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from junitparser import JUnitXml

from checker import gitrepo
from checker.cli import main
from checker.reporters.github import escape_data, escape_property
from tests.conftest import AS_OF, RULES_DIR

CLEAN = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")
# The same text as YAML writes it (double-quoted, with escapes) and as Python holds it once loaded.
HOSTILE_YAML = (
    r'"<script>alert(1)</script> [x](https://evil.example) ![i](https://evil.example/i.png) '
    r'@everyone ::error::boom\r\n::warning::crlf \e[31mred\e[0m 100%"'
)
HOSTILE = (
    "<script>alert(1)</script> [x](https://evil.example) ![i](https://evil.example/i.png) "
    "@everyone ::error::boom\r\n::warning::crlf \x1b[31mred\x1b[0m 100%"
)
# A file name with what separates workflow-command properties.
FILE = "ai-systems/odd,name:100%.yaml"
ZWJ = "\u200d"
WAIVERS = (
    "  waivers:\n"
    '    - {rule: MNT001, reason: Q4 audit moved to January by the audit board, approvedBy: "@sam", '
    "expires: 2027-01-31, ticket: GOV-118}\n"
)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every format of one check of a manifest whose free text is hostile."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(RULES_DIR / "_repo", root, dirs_exist_ok=True)
    manifest = CLEAN
    for old, new in (
        ("  title: Support ticket router\n", f"  title: {HOSTILE_YAML}\n"),
        # An unknown ref: SCH003 quotes it in its message.
        ("    runbook: runbooks/router-rollback.md\n", f"    runbook: {HOSTILE_YAML}\n"),
        # An activity without evidence: a finding that the MNT001 waiver below waives.
        (
            '    - {activity: retrospective, cadence: quarterly, owner: "@dana"}\n',
            '    - {activity: retrospective, cadence: quarterly, owner: "@dana"}\n'
            f'    - {{activity: {HOSTILE_YAML}, cadence: weekly, owner: "@lee"}}\n',
        ),
        # A waiver of no rule (WVR001 quotes it) and a valid one expiring within 30 days.
        (
            WAIVERS,
            "  waivers:\n"
            f'    - {{rule: {HOSTILE_YAML}, reason: typo, approvedBy: "@sam", expires: 2026-12-10}}\n'
            f'    - {{rule: MNT001, reason: {HOSTILE_YAML}, approvedBy: "@sam", expires: 2026-12-10, '
            f"ticket: {HOSTILE_YAML}}}\n",
        ),
    ):
        assert manifest.count(old) == 1
        manifest = manifest.replace(old, new)
    (root / "ai-systems").mkdir()
    (root / FILE).write_text(manifest, encoding="utf-8")
    gitrepo.toplevel.cache_clear()
    found = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for fmt in ("text", "json", "markdown", "html", "sarif", "junit", "github"):
            buffer = io.StringIO()
            patch.setattr(sys, "stdout", buffer)
            assert main(["check", "--format", fmt, "--as-of", AS_OF.isoformat()]) == 1
            found[fmt] = buffer.getvalue()
    return found


def test_the_hostile_text_reaches_the_findings(outputs: dict[str, str]) -> None:
    findings = json.loads(outputs["json"])["findings"]
    quoted = [f["rule"] for f in findings if HOSTILE in f["message"]]
    assert quoted == ["SCH003", "MNT001", "WVR001"]
    assert [f["waived"] for f in findings if f["rule"] == "MNT001"] == [True]


def test_text_strips_terminal_escapes_and_keeps_each_finding_on_one_line(outputs: dict[str, str]) -> None:
    text = outputs["text"]
    assert "\x1b" not in text and "\r" not in text
    flat = "@everyone ::error::boom  ::warning::crlf [31mred[0m 100%"
    lines = [line for line in text.splitlines() if flat in line]
    assert [line.split(" ", 2)[1] for line in lines] == ["SCH003", "MNT001", "WVR001"]
    assert all(line.startswith(f"{FILE}:") for line in lines)


def test_json_carries_the_text_exactly_with_control_characters_escaped(outputs: dict[str, str]) -> None:
    raw = outputs["json"]
    assert "\x1b" not in raw and "\r" not in raw
    assert "\\u001b[31mred" in raw and "boom\\r\\n::warning" in raw


def test_markdown_opens_no_link_image_html_or_mention(outputs: dict[str, str]) -> None:
    md = outputs["markdown"]
    inert = (
        "&lt;script&gt;alert\\(1\\)&lt;/script&gt; "
        f"\\[x\\]\\(https:{ZWJ}//evil.example\\) "
        f"\\!\\[i\\]\\(https:{ZWJ}//evil.example/i.png\\) "
        f"@{ZWJ}everyone ::error::boom  ::warning::crlf \\[31mred\\[0m 100%"
    )
    # In the three findings, the waiver's reason and the expiring waiver's reason and ticket.
    assert md.count(inert) == 6
    for raw in ("<script", "](https://", "![i]", "https://evil", "@everyone", "\x1b", "\r"):
        assert raw not in md
    assert f"odd,name:100%.yaml:{_line_of('runbook:')}" in md
    assert md.startswith("<!-- charter:report -->\n")
    # Outside the marker and the footer, the only HTML is the line break the template puts in cells.
    assert set(re.findall(r"<[^>]*>", md)) == {"<!-- charter:report -->", "<br>", "<sub>", "</sub>"}


def test_html_escapes_every_value_and_links_nowhere(outputs: dict[str, str]) -> None:
    html = outputs["html"]
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt; [x](https://evil.example)") >= 8
    assert "<script" not in html and "\x1b" not in html
    assert re.findall(r"<(?:a|img|link|iframe|object|embed)\b[^>]*>", html) == [
        '<link rel="icon" href="data:,">',
        '<a href="#systems">',
        '<a href="#findings">',
        '<a href="#waivers">',
        '<a href="#evidence">',
        '<a href="#coverage">',
    ]


def test_sarif_escapes_embedded_links_and_markup(outputs: dict[str, str]) -> None:
    raw = outputs["sarif"]
    assert "<script" not in raw and "\x1b" not in raw and "\\u001b" not in raw
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in raw
    run = json.loads(raw)["runs"][0]
    inert = (
        "<script>alert(1)</script> \\[x\\](https://evil.example) !\\[i\\](https://evil.example/i.png) "
        "@everyone ::error::boom  ::warning::crlf \\[31mred\\[0m 100%"
    )
    quoted = [(r["ruleId"], "suppressions" in r) for r in run["results"] if inert in r["message"]["text"]]
    assert quoted == [("SCH003", False), ("MNT001", True), ("WVR001", False)]
    waived = next(r for r in run["results"] if r["ruleId"] == "MNT001")
    assert waived["suppressions"] == [{"justification": inert, "kind": "inSource", "status": "accepted"}]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "ai-systems/odd%2Cname%3A100%25.yaml" in uris


def test_junit_is_well_formed_and_escaped(outputs: dict[str, str], tmp_path: Path) -> None:
    raw = outputs["junit"]
    assert "<script" not in raw and "\x1b" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    ET.fromstring(raw.encode())
    path = tmp_path / "junit.xml"
    path.write_text(raw, encoding="utf-8")
    suite = next(s for s in JUnitXml.fromfile(str(path)) if s.name == "ticket-router")
    messages = {c.name: [r.message for r in c.result] for c in suite}
    flat = HOSTILE.replace("\r\n", "  ").replace("\x1b", "")
    assert any(flat in m for m in messages["SCH003 ref-missing"])
    assert any(flat in m for m in messages["WVR001 waiver-invalid"])
    assert messages["MNT001 maintenance-evidence-stale"] == [
        f"waived: ticket-router has maintenance without recent evidence: no evidence that the weekly {flat} "
        "was ever done"
    ]


def test_github_commands_cannot_be_started_by_manifest_text(outputs: dict[str, str]) -> None:
    lines = outputs["github"].splitlines()
    assert all(re.match(r"::(error|warning|notice) file=|charter: ", line) for line in lines)
    assert not any(line.startswith(("::error::boom", "::warning::crlf")) for line in lines)
    sch003 = next(line for line in lines if "title=SCH003" in line)
    line, column = _line_of("runbook:").split(":")
    assert sch003.startswith(f"::error file=ai-systems/odd%2Cname%3A100%25.yaml,line={line},col={column},")
    assert "::error::boom%0D%0A::warning::crlf [31mred[0m 100%25'" in sch003
    assert "\x1b" not in outputs["github"]


def test_github_escapes_data_and_properties_as_the_runner_unescapes_them() -> None:
    assert escape_data("100% done\r\nnext\x1b[0m") == "100%25 done%0D%0Anext[0m"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def _line_of(key: str) -> str:
    """line:column of the value of the rollback runbook, the first line holding key after 'rollback:'."""
    text = CLEAN
    start = text.index("  rollback:\n")
    at = text.index(key, start) + len(key) + 1
    return f"{text.count(chr(10), 0, at) + 1}:{at - (text.rfind(chr(10), 0, at) + 1) + 1}"
