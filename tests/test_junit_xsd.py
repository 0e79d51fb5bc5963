"""The JUnit report is valid against junit-10.xsd, the schema Jenkins and other CI servers read it with."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import xmlschema

from tests.shared_data import JUNIT_XSD, needs

# changed_repo (a fixture): a branch with a new, a waived and an existing finding.
from tests.test_report_formats import (
    AS_OF_ARG,
    changed_repo,  # noqa: F401
)
from tests.test_reports import EXAMPLES, check

pytestmark = needs(JUNIT_XSD)


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(JUNIT_XSD))


def test_the_examples_report_is_valid(
    schema: xmlschema.XMLSchema, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = check(capsys, str(EXAMPLES), "--format", "junit", *AS_OF_ARG)

    schema.validate(out)
    root = ET.fromstring(out)
    router = next(s for s in root.iter("testsuite") if s.get("name") == "ticket-router")
    assert router.get("file") == "examples/ai-systems/ticket-router.yaml"
    [case] = [c for c in router.iter("testcase") if c.get("name") == "WVR001 waiver-invalid"]
    assert set(case.attrib) == {"name", "classname", "time"}
    [failure] = case.findall("failure")
    # Where the finding is opens the failure's text, as file:line:col.
    assert (failure.text or "").splitlines()[0].startswith("examples/ai-systems/ticket-router.yaml:158:106: ")
    assert root.get("tests") == str(sum(1 for _ in root.iter("testcase")))
    assert "skipped" not in root.attrib
    assert router.get("skipped") == str(
        sum(1 for c in router.iter("testcase") if c.find("skipped") is not None)
    )


@pytest.mark.usefixtures("changed_repo")
def test_a_report_with_a_base_new_waived_and_skipped_cases_is_valid(
    schema: xmlschema.XMLSchema, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = check(capsys, "--format", "junit", "--base", "main", *AS_OF_ARG)

    schema.validate(out)
    kinds = {child.tag for case in ET.fromstring(out).iter("testcase") for child in case}
    assert kinds == {"failure", "skipped"}


def test_the_schema_refuses_what_the_report_used_to_write(schema: xmlschema.XMLSchema) -> None:
    # Location attributes on a test case and a skipped count on the root are not in the schema.
    old = (
        '<testsuites name="charter" tests="1" failures="0" errors="0" skipped="0" time="0">'
        '<testsuite name="a" tests="1" failures="0" errors="0" time="0">'
        '<testcase name="OWN001" classname="a" time="0" file="a.yaml" line="3"/>'
        "</testsuite></testsuites>"
    )
    assert sorted(str(e.reason) for e in schema.iter_errors(old)) == [
        "'file' attribute not allowed for element",
        "'line' attribute not allowed for element",
        "'skipped' attribute not allowed for element",
    ]
