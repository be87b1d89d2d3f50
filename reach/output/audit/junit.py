"""JUnit XML, for CI test reports.

Suite ``expectations`` has one case per expectation; suite ``checks`` one case
per finding, or one passing case for a check without findings. A case fails
when its finding is at or above ``fail_on``; ignored and not-applicable ones
are skipped. The diagnostics of the load are properties (``diagnostic``) of suite
``checks`` and its ``<system-err>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from reach.audit.report import DEFAULT_FAIL_ON, EXPECTATION, AuditReport, Finding, rank
from reach.output.diagnostics import Diags, line


def render(
    report: AuditReport,
    out: TextIO,
    *,
    fail_on: str = DEFAULT_FAIL_ON,
    colour: bool = False,
    diagnostics: Diags = (),
) -> None:
    """Write ``report``; ``fail_on`` decides the verdict (``colour`` is for txt alone)."""
    root = ET.Element("testsuites", name="reach audit")
    if report.expect_file is not None or report.expectations:
        suite = ET.SubElement(root, "testsuite", name="expectations")
        for e in report.expectations:
            _case(suite, "reach.expectations", e.name, e.finding, fail_on)
    checks = ET.SubElement(root, "testsuite", name="checks")
    if diagnostics:  # the schema's order: properties, test cases, system-err
        props = ET.SubElement(checks, "properties")
        for d in diagnostics:
            ET.SubElement(props, "property", name="diagnostic", value=line(d))
    _checks(checks, report, fail_on)
    if diagnostics:
        ET.SubElement(checks, "system-err").text = "\n".join(line(d) for d in diagnostics)
    _count(root)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode") + "\n")


def _checks(suite: ET.Element, report: AuditReport, fail_on: str) -> None:
    by: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.check != EXPECTATION:
            by.setdefault(f.check, []).append(f)
    for run in report.checks:
        classname = f"reach.checks.{run.id}"
        if run.skipped or run.not_applicable is not None:
            case = ET.SubElement(suite, "testcase", classname=classname, name=run.id)
            why = "skipped" if run.skipped else f"not applicable: {run.not_applicable}"
            ET.SubElement(case, "skipped", message=why)
        elif not by.get(run.id):
            _case(suite, classname, run.id, None, fail_on)
        else:
            for f in by[run.id]:
                _case(suite, classname, f"{run.id}: {f.subject}", f, fail_on)


def _case(
    suite: ET.Element, classname: str, name: str, finding: Finding | None, fail_on: str
) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name=name)
    if finding is None:
        return
    body = finding.message + "".join(f"\nnote: {n}" for n in finding.notes)
    if finding.suppressed is not None:
        ET.SubElement(case, "skipped", message=f"ignored: {finding.suppressed}")
    elif rank(finding.severity) >= rank(fail_on):
        failure = ET.SubElement(case, "failure", message=finding.message, type=finding.severity)
        cis = f" ({finding.cis})" if finding.cis else ""
        failure.text = f"{body}\n\n{finding.rationale}{cis}"
    else:
        said = ET.SubElement(case, "system-out")
        said.text = f"[{finding.severity}, below --fail-on {fail_on}] {body}"


def _count(root: ET.Element) -> None:
    """Set tests, failures, errors and skipped on every suite and on the root."""
    total = fails = skips = 0
    for suite in root:
        cases = suite.findall("testcase")
        failed = sum(1 for t in cases if t.find("failure") is not None)
        skipped = sum(1 for t in cases if t.find("skipped") is not None)
        _set(suite, len(cases), failed, skipped)
        total, fails, skips = total + len(cases), fails + failed, skips + skipped
    _set(root, total, fails, skips)


def _set(element: ET.Element, tests: int, failures: int, skipped: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", "0")
    element.set("skipped", str(skipped))
