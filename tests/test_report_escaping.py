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
# HOSTILE as every report shows it: on one line, its control characters as visible escapes.
SHOWN = (
    "<script>alert(1)</script> [x](https://evil.example) ![i](https://evil.example/i.png) "
    "@everyone ::error::boom\\r\\n::warning::crlf \\x1b[31mred\\x1b[0m 100%"
)
# A file name with what separates workflow-command properties.
FILE = "ai-systems/odd,name:100%.yaml"
ZWJ = "\u200d"
WAIVERS = (
    "  waivers:\n"
    '    - {rule: MNT001, reason: Q4 audit moved to January by the audit board, approvedBy: "@sam", '
    "expires: 2027-01-31, ticket: GOV-118}\n"
)


def every_format(root: Path) -> dict[str, str]:
    """`charter check` of root in each format, by format; each run must fail."""
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
    return every_format(root)


def test_the_hostile_text_reaches_the_findings(outputs: dict[str, str]) -> None:
    findings = json.loads(outputs["json"])["findings"]
    quoted = [f["rule"] for f in findings if HOSTILE in f["message"]]
    assert quoted == ["SCH003", "MNT001", "WVR001"]
    assert [f["waived"] for f in findings if f["rule"] == "MNT001"] == [True]


def test_text_escapes_terminal_escapes_and_keeps_each_finding_on_one_line(outputs: dict[str, str]) -> None:
    text = outputs["text"]
    assert "\x1b" not in text and "\r" not in text
    lines = [line for line in text.splitlines() if SHOWN in line]
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
        f"@{ZWJ}everyone ::error::boom\\\\r\\\\n::warning::crlf \\\\x1b\\[31mred\\\\x1b\\[0m 100%"
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
        "@everyone ::error::boom\\\\r\\\\n::warning::crlf \\\\x1b\\[31mred\\\\x1b\\[0m 100%"
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
    assert any(SHOWN in m for m in messages["SCH003 ref-missing"])
    assert any(SHOWN in m for m in messages["WVR001 waiver-invalid"])
    assert messages["MNT001 maintenance-evidence-stale"] == [
        f"waived: ticket-router has maintenance without recent evidence: no evidence that the weekly {SHOWN} "
        "was ever done"
    ]


def test_github_commands_cannot_be_started_by_manifest_text(outputs: dict[str, str]) -> None:
    lines = outputs["github"].splitlines()
    assert all(re.match(r"::(error|warning|notice) file=|charter: ", line) for line in lines)
    assert not any(line.startswith(("::error::boom", "::warning::crlf")) for line in lines)
    sch003 = next(line for line in lines if "title=SCH003" in line)
    line, column = _line_of("runbook:").split(":")
    assert sch003.startswith(f"::error file=ai-systems/odd%2Cname%3A100%25.yaml,line={line},col={column},")
    assert "::error::boom\\r\\n::warning::crlf \\x1b[31mred\\x1b[0m 100%25'" in sch003
    assert "\x1b" not in outputs["github"]


def test_github_escapes_data_and_properties_as_the_runner_unescapes_them() -> None:
    assert escape_data("100% done\r\nnext\x1b[0m") == "100%25 done\\r\\nnext\\x1b[0m"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25\\n"
    assert escape_property("::error::x") == "\\x3a%3Aerror%3A%3Ax"


def _line_of(key: str) -> str:
    """line:column of the value of the rollback runbook, the first line holding key after 'rollback:'."""
    text = CLEAN
    start = text.index("  rollback:\n")
    at = text.index(key, start) + len(key) + 1
    return f"{text.count(chr(10), 0, at) + 1}:{at - (text.rfind(chr(10), 0, at) + 1) + 1}"


# --- more hostile text, and a hostile file name --------------------------------------------------

# HTML comments and autolinks, bare addresses, a team mention, an issue number and an issue
# reference, workflow commands after a lone CR and a lone LF, an OSC 8 terminal hyperlink, the
# 8-bit CSI, NEL and the remaining C0 controls and DEL, as YAML writes them and as Python holds them
# once loaded. (A manifest value with a line separator, a bidi control or a zero-width space is
# refused as SCH001, which shows it escaped; those reach the reports in the file name below.)
HOSTILE2_YAML = (
    r'"<!-- x --> <img src=x onerror=alert(1)> <https://auto.example> www.evil.example @acme/admins '
    r"#12 GH-3 ::add-mask::secret\r::set-output name=a::b\n::stop-commands::t "
    r'\e]8;;https://evil.example\aLINK\e]8;;\a \x9bcsi \N \b\v\f\x7fend"'
)
HOSTILE2 = (
    "<!-- x --> <img src=x onerror=alert(1)> <https://auto.example> www.evil.example @acme/admins "
    "#12 GH-3 ::add-mask::secret\r::set-output name=a::b\n::stop-commands::t "
    "\x1b]8;;https://evil.example\x07LINK\x1b]8;;\x07 \x9bcsi \x85 \x08\x0b\x0c\x7fend"
)
# One line, every control character a visible escape: what text, HTML, JUnit and (escaped further)
# markdown, SARIF and workflow commands show.
SHOWN2 = (
    "<!-- x --> <img src=x onerror=alert(1)> <https://auto.example> www.evil.example @acme/admins "
    "#12 GH-3 ::add-mask::secret\\r::set-output name=a::b\\n::stop-commands::t "
    "\\x1b]8;;https://evil.example\\x07LINK\\x1b]8;;\\x07 \\x9bcsi \\x85 \\x08\\x0b\\x0c\\x7fend"
)
# A file name (in a folder named so) that ends a line, starts a workflow command of its own, clears
# the screen, mentions a team, and holds the line and paragraph separators, a right-to-left override
# and a zero-width space.
FILE2 = (
    "ai-systems/x\r\n::warning file=a::pwned \x1b[2J @acme/admins \u2028\u2029 \u202eevil\u202c \u200b.yaml"
)
SHOWN_FILE2 = (
    "ai-systems/x\\r\\n::warning file=a::pwned \\x1b[2J @acme/admins \\u2028\\u2029 \\u202eevil\\u202c "
    "\\u200b.yaml"
)
RUNBOOK = "    runbook: runbooks/router-rollback.md\n"
SCH003_AT = _line_of("runbook:")
WVR001_AT = "108:14"


def _sch003(quoted: str, https: str = "https://") -> str:
    return (
        f"ticket-router refers to a file that is not there: spec.rollback.runbook '{quoted}' is neither "
        f"a repository path nor an {https} address"
    )


@pytest.fixture(scope="module")
def outputs2(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every format of one check of a manifest, in a hostile file name, quoting HOSTILE2 twice."""
    root = tmp_path_factory.mktemp("hostile2")
    shutil.copytree(RULES_DIR / "_repo", root, dirs_exist_ok=True)
    manifest = CLEAN.replace(RUNBOOK, f"    runbook: {HOSTILE2_YAML}\n")
    manifest = manifest.replace(
        WAIVERS,
        "  waivers:\n"
        f'    - {{rule: {HOSTILE2_YAML}, reason: typo, approvedBy: "@sam", expires: 2026-12-10}}\n',
    )
    assert manifest.count(HOSTILE2_YAML) == 2
    (root / FILE2).parent.mkdir(parents=True)
    (root / FILE2).write_text(manifest, encoding="utf-8")
    return every_format(root)


def test_the_second_hostile_text_reaches_two_findings_intact(outputs2: dict[str, str]) -> None:
    findings = json.loads(outputs2["json"])["findings"]
    quoted = [
        (f["rule"], f["file"], f"{f['line']}:{f['column']}") for f in findings if HOSTILE2 in f["message"]
    ]
    assert quoted == [("SCH003", FILE2, SCH003_AT), ("WVR001", FILE2, WVR001_AT)]


def test_text_shows_the_second_hostile_text_escaped_on_the_finding_line(outputs2: dict[str, str]) -> None:
    lines = outputs2["text"].splitlines()
    assert f"{SHOWN_FILE2}:{SCH003_AT}: SCH003 error {_sch003(SHOWN2)}" in lines
    assert (
        f"{SHOWN_FILE2}:{WVR001_AT}: WVR001 error ticket-router has an invalid waiver: the waiver names "
        f"'{SHOWN2}', which is not a rule of the policy set"
    ) in lines
    # Every line is a finding, a rule's fix or the summary: no line of the manifest's making.
    fixes = lines.index("fix (charter explain RULE says why):")
    assert all(line.startswith((SHOWN_FILE2 + ":", "evidence/ticket-router/")) for line in lines[:fixes])
    assert all(re.match(r"  [A-Z]{3}[0-9]{3} ", line) for line in lines[fixes + 1 : -1])
    assert lines[-1].startswith("1 system checked: ")
    for unsafe in (
        "\x1b",
        "\x07",
        "\x08",
        "\x0b",
        "\x0c",
        "\x7f",
        "\x85",
        "\x9b",
        "\u2028",
        "\u2029",
        "\u202e",
    ):
        assert unsafe not in outputs2["text"]


def test_json_escapes_every_character_a_terminal_or_line_reader_acts_on(outputs2: dict[str, str]) -> None:
    raw = outputs2["json"]
    escaped = (
        "<!-- x --> <img src=x onerror=alert(1)> <https://auto.example> www.evil.example @acme/admins "
        "#12 GH-3 ::add-mask::secret\\r::set-output name=a::b\\n::stop-commands::t "
        "\\u001b]8;;https://evil.example\\u0007LINK\\u001b]8;;\\u0007 \\u009bcsi \\u0085 "
        "\\b\\u000b\\f\\u007fend"
    )
    assert raw.count(escaped) == 2
    assert (
        '"file": "ai-systems/x\\r\\n::warning file=a::pwned \\u001b[2J @acme/admins \\u2028\\u2029 '
        '\\u202eevil\\u202c \\u200b.yaml"'
    ) in raw
    assert re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u200b]", raw) is None


def test_markdown_keeps_comments_autolinks_mentions_and_references_shut(outputs2: dict[str, str]) -> None:
    md = outputs2["markdown"]
    inert = (
        "&lt;\\!-- x --&gt; &lt;img src=x onerror=alert\\(1\\)&gt; "
        f"&lt;https:{ZWJ}//auto.example&gt; www{ZWJ}.evil.example @{ZWJ}acme/admins \\#{ZWJ}12 GH-{ZWJ}3 "
        "::add-mask::secret\\\\r::set-output name=a::b\\\\n::stop-commands::t "
        f"\\\\x1b\\]8;;https:{ZWJ}//evil.example\\\\x07LINK\\\\x1b\\]8;;\\\\x07 \\\\x9bcsi \\\\x85 "
        "\\\\x08\\\\x0b\\\\x0c\\\\x7fend"
    )
    where = (
        f"ai-systems/x\\\\r\\\\n::warning file=a::pwned \\\\x1b\\[2J @{ZWJ}acme/admins \\\\u2028\\\\u2029 "
        "\\\\u202eevil\\\\u202c \\\\u200b.yaml"
    )
    row = next(line for line in md.splitlines() if "**SCH003**" in line)
    assert row == (
        f"| ❌ error | **SCH003** ref-missing | {where}:{SCH003_AT} | "
        f"{_sch003(inert, f'https:{ZWJ}//')}<br>**Fix:** Add the file at the path given, or correct the "
        f"path; use an https:{ZWJ}// address for documents kept elsewhere. |"
    )
    assert md.count(inert) == 2
    for raw in ("<!--  x", "<img", "<https", "@acme", "#12", "GH-3", "www.evil", "\x1b", "\x9b", "\u2028"):
        assert raw not in md


def test_html_shows_the_second_hostile_text_escaped(outputs2: dict[str, str]) -> None:
    html = outputs2["html"]
    escaped = SHOWN2.replace("<", "&lt;").replace(">", "&gt;")
    assert html.count(escaped) >= 4
    assert "<!-- x" not in html and "<img" not in html
    assert SHOWN_FILE2.replace("/", "/<wbr>") in html
    assert re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u200b]", html) is None


def test_sarif_shows_the_second_hostile_text_as_plain_text(outputs2: dict[str, str]) -> None:
    raw = outputs2["sarif"]
    run = json.loads(raw)["runs"][0]
    sch003 = next(r for r in run["results"] if r["ruleId"] == "SCH003")
    assert sch003["message"]["text"] == _sch003(SHOWN2.replace("\\", "\\\\").replace("]8;;", "\\]8;;"))
    location = sch003["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == (
        "ai-systems/x%0D%0A%3A%3Awarning%20file%3Da%3A%3Apwned%20%1B%5B2J%20%40acme/admins%20%E2%80%A8%E2%80%A9"
        "%20%E2%80%AEevil%E2%80%AC%20%E2%80%8B.yaml"
    )
    assert "<" not in raw and re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202e]", raw) is None


def test_junit_shows_the_second_hostile_text_flat_and_well_formed(outputs2: dict[str, str]) -> None:
    suite = next(s for s in ET.fromstring(outputs2["junit"].encode()) if s.get("name") == "ticket-router")
    case = next(c for c in suite if c.get("name") == "SCH003 ref-missing")
    assert suite.get("file") == SHOWN_FILE2
    [failure] = case.findall("failure")
    assert failure.get("message") == _sch003(SHOWN2)
    assert (failure.text or "").splitlines()[0] == f"{SHOWN_FILE2}:{SCH003_AT}: {_sch003(SHOWN2)}"


def test_github_commands_escape_the_second_hostile_text_and_the_file_name(outputs2: dict[str, str]) -> None:
    lines = outputs2["github"].splitlines()
    escaped = SHOWN2
    file = SHOWN_FILE2.replace(":", "%3A")
    line, column = SCH003_AT.split(":")
    assert (
        f"::error file={file},line={line},col={column},title=SCH003 ref-missing::{_sch003(escaped)}"
        "%0AFix: Add the file at the path given, or correct the path; use an https:// address for "
        "documents kept elsewhere."
    ) in lines
    # Only Charter's own commands start a line, each on a file that is really there.
    own = (
        r"::(error|warning|notice) file=(ai-systems/x\\r\\n%3A%3Awarning |evidence/ticket-router/)|charter: "
    )
    assert all(re.match(own, x) for x in lines)
    assert "\x1b" not in outputs2["github"] and "\r" not in outputs2["github"]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html", "sarif", "junit", "github"])
def test_no_hostile_text_starts_a_line_or_an_old_style_command(
    outputs: dict[str, str], outputs2: dict[str, str], fmt: str
) -> None:
    # A runner reads "::" at the start of a line (after white space) and "##[" anywhere in one.
    for text in (outputs[fmt], outputs2[fmt]):
        lines = text.splitlines()
        own = [x for x in lines if fmt == "github" and re.match(r"::(error|warning|notice) file=[^:,]*,", x)]
        assert [x for x in lines if x.lstrip().startswith("::") and x not in own] == []
        assert "##[" not in text
