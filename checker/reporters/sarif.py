"""SARIF 2.1.0 for code scanning: the rules with their metadata, and one result per finding.

The log is built as data and dumped with sorted keys so that the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import quote

from checker.finding import Finding
from checker.gfm import md
from checker.reporters import model
from checker.reporters.base import PLAIN, Output, Report
from checker.reporters.json import dumps

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# GitHub code scanning ranks results by this score: 7.0 and above is high, 4.0 medium, below low.
SECURITY_SEVERITY = {"error": "7.5", "warning": "5.0", "info": "2.0"}
# Each rule's area, a tag beside "security" (which GitHub needs to use security-severity at all).
AREAS = {
    "CHG": "change-control",
    "DAT": "data-governance",
    "GAT": "review-gates",
    "HIL": "human-oversight",
    "INC": "incident-handling",
    "INV": "inventory",
    "LIF": "lifecycle",
    "LOG": "logging",
    "MNT": "maintenance",
    "MON": "monitoring",
    "OWN": "ownership",
    "POL": "policy",
    "RBK": "rollback",
    "RMP": "roadmap",
    "RSK": "risk",
    "SCH": "schema",
    "TRN": "transparency",
    "VER": "versioning",
    "WVR": "waivers",
}
# Code scanning groups results by the category before the last "/" of this id; a constant keeps
# one category per workflow and job however often it runs (upload-sarif's category can refine it).
AUTOMATION_ID = "charter/"
_SPACES = re.compile(r"\s+")
# SARIF plain-text messages treat [text](target) as a link, so literal brackets are escaped (§3.11.6).
_BRACKETS = re.compile(r"([\\\[\]])")
# Escaped in the JSON text (the parsed values are unchanged) so that the file stays inert even if a
# browser is ever made to sniff it as HTML.
_HTML_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def sarif_text(value: Any) -> str:
    """value as one line of SARIF plain text that opens no embedded link."""
    return _BRACKETS.sub(r"\\\1", model.one_line(value))


def fingerprint(finding: Finding) -> str:
    """Stable across edits that move a finding: the rule, the system (or file) and the field."""
    key = "\x1f".join((finding.rule, finding.system or finding.file, finding.path))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def tag(value: str) -> str:
    """value as a code-scanning tag: GitHub splits tags on blanks, so blanks become hyphens."""
    return _SPACES.sub("-", model.one_line(value).strip())


def _rule(rule_id: str, report: Report) -> dict[str, Any]:
    rule = report.policies.rules[rule_id]
    m = rule.model
    prefix = rule_id.rstrip("0123456789")
    area = AREAS.get(prefix) or tag(prefix.lower() or rule_id.lower())
    controls = [model.one_line(c) for c in m.controls]
    help_text = f"{sarif_text(m.why)}\n\nFix: {sarif_text(m.remediation)}"
    help_markdown = f"{md(m.why)}\n\n**Fix:** {md(m.remediation)}\n\n**Controls:** " + ", ".join(
        md(c) for c in controls
    )
    return {
        "id": rule_id,
        "name": model.one_line(m.name),
        "shortDescription": {"text": sarif_text(m.title)},
        "fullDescription": {"text": sarif_text(m.why)},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": model.RULES_URL,
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": rule.enabled},
        "properties": {
            "tags": list(dict.fromkeys(["security", area, "ai-governance", *(tag(c) for c in controls)])),
            "controls": controls,
            # A rule reads declared facts, never guesses: what it reports holds as written.
            "precision": "very-high",
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "waivable": m.waivable,
        },
    }


def _result(finding: Finding, index: dict[str, int], report: Report, waivers: list[model.WaiverRow]) -> Any:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": LEVELS[finding.severity],
        "message": {"text": sarif_text(finding.message)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(finding.file, safe="/"), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                }
            }
        ],
        "partialFingerprints": {"charter/v1": fingerprint(finding)},
        "properties": {"system": model.one_line(finding.system), "field": model.one_line(finding.path)},
    }
    if finding.status is not None:
        result["baselineState"] = "new" if finding.status == "new" else "unchanged"
    if finding.waived:
        reason = model.waiver_reason(waivers, finding.rule, model.one_line(finding.system))
        result["suppressions"] = [
            {"kind": "inSource", "status": "accepted", "justification": sarif_text(reason or "waived")}
        ]
    return result


def _invocation(report: Report, index: dict[str, int]) -> dict[str, Any]:
    """The run's invocation, with a note for each rule it could not check (no base, no history)."""
    invocation: dict[str, Any] = {"executionSuccessful": True}
    notes = [
        {
            "level": "note",
            "message": {"text": sarif_text(f"{note.rule} {note.message}")},
            "associatedRule": {"id": note.rule, "index": index[note.rule]},
        }
        for note in report.notes
    ]
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return invocation


def sarif_log(report: Report) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log."""
    rule_ids = sorted(report.policies.rules)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    waivers = model.waivers(report)
    provenance = model.provenance(report)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "charter",
                "fullName": "Charter policy-as-code checker for AI systems",
                "version": report.version,
                "semanticVersion": report.version,
                "informationUri": model.PROJECT_URL,
                "rules": [_rule(rule_id, report) for rule_id in rule_ids],
            }
        },
        "automationDetails": {"id": AUTOMATION_ID},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, report, waivers) for f in report.findings],
        "invocations": [_invocation(report, index)],
        "properties": {
            "asOf": provenance.as_of,
            "commit": report.commit,
            "policyDigest": provenance.policy_digest,
            "passed": report.summary.passed,
        },
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report, output: Output = PLAIN) -> str:
    """The SARIF log as JSON with sorted keys."""
    text = dumps(sarif_log(report), sort_keys=True)
    return re.sub("[<>&]", lambda m: _HTML_SAFE[m.group()], text) + "\n"
