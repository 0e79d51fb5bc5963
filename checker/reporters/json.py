"""The JSON report: the stable, machine-readable contract."""

from __future__ import annotations

import json
import re
from typing import Any

from checker.characters import hidden
from checker.finding import Finding
from checker.reporters.base import PLAIN, Output, Report
from checker.result import Summary


def report_data(report: Report) -> dict[str, Any]:
    """The report as plain data, in the documented shape and key order."""
    data: dict[str, Any] = {
        "tool": {"name": "charter", "version": report.version},
        "asOf": report.as_of.isoformat(),
        "commit": report.commit,
        "policyDigest": report.policies.digest(),
        "summary": {"systems": report.summary.systems, **_counts(report.summary)},
        "notes": [{"rule": n.rule, "message": n.message} for n in report.notes],
        "findings": [_finding(report, f) for f in report.findings],
    }
    if report.head_policies is not None:
        digest, head = report.head_policies
        data["headPolicies"] = {"policyDigest": digest, "summary": _counts(head)}
    return data


def _counts(summary: Summary) -> dict[str, Any]:
    """The counts of a summary, in the order the report writes them."""
    return {
        "errors": summary.errors,
        "warnings": summary.warnings,
        "infos": summary.infos,
        "waived": summary.waived,
        "passed": summary.passed,
    }


def _finding(report: Report, f: Finding) -> dict[str, Any]:
    """One finding, with its rule's name, fix and controls."""
    rule = report.policies.rules[f.rule].model
    item: dict[str, Any] = {
        "rule": f.rule,
        "name": rule.name,
        "severity": f.severity,
        "system": f.system,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "path": f.path,
        "message": f.message,
        "remediation": rule.remediation,
        "controls": list(rule.controls),
        "waived": f.waived,
    }
    if f.status is not None:
        item["status"] = f.status
    return item


# Outside printable ASCII, or the "##[" a CI runner takes for a workflow command anywhere in a line.
# It can only stand inside a string here, where "[" may be written as an escape.
_UNUSUAL = re.compile(r"[^\x00-\x7e]|##\[")


def _inert(match: re.Match[str]) -> str:
    text = match.group()
    if text == "##[":
        return "##\\u005b"
    if not hidden(text):
        return text
    code = ord(text)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def dumps(data: Any, sort_keys: bool = False) -> str:
    """data as indented JSON text in which every string is inert, with the same parsed values.

    JSON may carry hidden characters raw, but a terminal showing the report would act on them (0x9B
    starts an escape sequence like ESC [), and readers of lines or bidirectional text would be misled;
    they are written as \\u escapes, so no line of the text holds one or starts a workflow command.
    """
    text = json.dumps(data, indent=2, sort_keys=sort_keys, ensure_ascii=False)
    return _UNUSUAL.sub(_inert, text)


def render_json(report: Report, output: Output = PLAIN) -> str:
    return dumps(report_data(report)) + "\n"
