"""The JSON report: the stable, machine-readable contract."""

from __future__ import annotations

import json
import re
from typing import Any

from checker.reporters.base import Report


def report_data(report: Report) -> dict[str, Any]:
    """The report as plain data, in the documented shape and key order."""
    rules = report.policies.rules
    findings = []
    for f in report.findings:
        rule = rules[f.rule].model
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
        findings.append(item)
    s = report.summary
    data: dict[str, Any] = {
        "tool": {"name": "charter", "version": report.version},
        "asOf": report.as_of.isoformat(),
        "commit": report.commit,
        "policyDigest": report.policies.digest(),
        "summary": {
            "systems": s.systems,
            "errors": s.errors,
            "warnings": s.warnings,
            "infos": s.infos,
            "waived": s.waived,
            "passed": s.passed,
        },
        "findings": findings,
    }
    if report.head_policies is not None:
        digest, head = report.head_policies
        data["headPolicies"] = {
            "policyDigest": digest,
            "summary": {
                "errors": head.errors,
                "warnings": head.warnings,
                "infos": head.infos,
                "waived": head.waived,
                "passed": head.passed,
            },
        }
    return data


# JSON may carry these raw, but a terminal showing the report would act on them (0x9B starts an
# escape sequence like ESC [) and readers of lines or bidirectional text would be misled. Escaped,
# the parsed values are unchanged.
_INERT = re.compile("[\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def render_json(report: Report, color: bool = False) -> str:
    text = json.dumps(report_data(report), indent=2, ensure_ascii=False)
    return _INERT.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
