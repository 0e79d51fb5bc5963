"""The JSON report: the stable, machine-readable contract."""

from __future__ import annotations

import json
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


def render_json(report: Report, color: bool = False) -> str:
    return json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n"
