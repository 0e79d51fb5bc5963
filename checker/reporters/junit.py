"""JUnit XML for CI test reports: one test suite per system, one test case per system and rule.

Built with xml.etree rather than a template: the file is read by machines, and a tree is well-formed
by construction, with every attribute and text escaped by the serializer. Every value is first
shown as characters.shown() shows it, so characters XML cannot hold at all (terminal escapes, other
control characters) reach it as visible escapes, and each line of a failure's text is one line.

A rule with an error or a warning fails its test case, one <failure> per finding; a waived finding,
an informational note or a rule that needs --base to run is <skipped>; anything else passes.

The document is valid against the common junit-10.xsd that CI servers read: a test suite carries
the system's manifest as its `file`, and each finding's file, line and column open its failure's
text; test cases have no attributes of their own beyond name, class name and time.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from checker.finding import Finding
from checker.reporters import model
from checker.reporters.base import Report

REPOSITORY = "repository"


@dataclass
class _Case:
    findings: list[Finding] = field(default_factory=list)
    skip: str = ""


def _cases(report: Report) -> tuple[dict[str, dict[str, _Case]], dict[str, str]]:
    """Test cases by suite (system name, or 'repository' for findings of no system) and rule, and
    the manifest of each system's suite."""
    suites: dict[str, dict[str, _Case]] = {}
    files: dict[str, str] = {}
    for system in report.systems:
        if system.name is None:
            continue
        cases = suites.setdefault(system.name, {})
        files.setdefault(system.name, system.file)
        for rule in report.policies.enabled():
            if report.rule_results[rule.id] == "not checked":
                cases[rule.id] = _Case(skip="compares with a base revision: run with --base")
            elif rule.id in system.ran:
                cases.setdefault(rule.id, _Case())
    for finding in report.findings:
        cases = suites.setdefault(finding.system or REPOSITORY, {})
        cases.setdefault(finding.rule, _Case()).findings.append(finding)
        if finding.system:
            files.setdefault(finding.system, finding.file)
    return suites, files


def _detail(finding: Finding, report: Report) -> str:
    rule = report.policies.rules.get(finding.rule)
    lines = [f"{finding.file}:{finding.line}:{finding.column}: {finding.message}"]
    if finding.path:
        lines.append(f"Field: {finding.path}")
    if rule is not None:
        lines.append(f"Fix: {rule.model.remediation}")
        lines.append(f"Controls: {', '.join(rule.model.controls)}")
    return "\n".join(model.one_line(line) for line in lines)


def _testcase(suite: str, rule_id: str, case: _Case, report: Report) -> tuple[ET.Element, str]:
    """The <testcase> element and its outcome: passed, failed or skipped."""
    rule = report.policies.rules.get(rule_id)
    name = f"{rule_id} {rule.model.name}" if rule is not None else rule_id
    element = ET.Element("testcase", name=model.one_line(name), classname=model.one_line(suite), time="0")
    failing = [f for f in case.findings if not f.waived and f.severity != "info"]
    for f in failing:
        failure = ET.SubElement(element, "failure", message=model.one_line(f.message), type=f.severity)
        failure.text = _detail(f, report)
    if failing:
        return element, "failed"
    if case.findings or case.skip:
        first = case.findings[0] if case.findings else None
        if first is None:
            message = case.skip
        elif first.waived:
            message = "waived: " + model.one_line(first.message)
        else:
            message = "note: " + model.one_line(first.message)
        skipped = ET.SubElement(element, "skipped", message=message)
        if case.findings:
            skipped.text = "\n".join(_detail(f, report) for f in case.findings)
        return element, "skipped"
    return element, "passed"


def render_junit(report: Report, color: bool = False) -> str:
    """The report as JUnit XML: a suite per system, a test case per system and rule."""
    root = ET.Element("testsuites", name="charter")
    totals = {"tests": 0, "failed": 0, "skipped": 0}
    provenance = model.provenance(report)
    suites, files = _cases(report)
    for suite_name, cases in sorted(suites.items()):
        suite = ET.SubElement(root, "testsuite", name=model.one_line(suite_name))
        if suite_name in files:
            suite.set("file", model.one_line(files[suite_name]))
        properties = ET.SubElement(suite, "properties")
        for key, value in (
            ("commit", provenance.commit),
            ("policyDigest", provenance.policy_digest),
            ("asOf", provenance.as_of),
            ("charterVersion", provenance.version),
        ):
            ET.SubElement(properties, "property", name=key, value=value)
        outcomes = {"tests": 0, "failed": 0, "skipped": 0}
        for rule_id, case in sorted(cases.items()):
            element, outcome = _testcase(suite_name, rule_id, case, report)
            suite.append(element)
            outcomes["tests"] += 1
            if outcome != "passed":
                outcomes[outcome] += 1
        _counts(suite, outcomes)
        suite.set("skipped", str(outcomes["skipped"]))
        for key in totals:
            totals[key] += outcomes[key]
    _counts(root, totals)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _counts(element: ET.Element, outcomes: dict[str, int]) -> None:
    element.set("tests", str(outcomes["tests"]))
    element.set("failures", str(outcomes["failed"]))
    element.set("errors", "0")
    element.set("time", "0")
