"""Audit output: txt (grouped, coloured on a terminal), json, md (for PR comments), junit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

from reach.audit.report import (
    DEFAULT_FAIL_ON,
    EXPECTATION,
    SUMMARY_ROWS,
    AuditReport,
    Finding,
    findings_by_check,
    rank,
    stats_line,
    text,
)

FORMATS = ("txt", "json", "md", "junit")
#: Findings per check shown in md (json has all).
MD_ROWS = 50


# --------------------------------------------------------------------------------- json


def to_json(report: AuditReport, fail_on: str = DEFAULT_FAIL_ON) -> str:
    return json.dumps(report.to_dict(fail_on), indent=1)


# ----------------------------------------------------------------------------------- md


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


_ICON = {"high": "🔴", "medium": "🟠", "low": "🔵", "info": "⚪"}


def markdown(report: AuditReport, fail_on: str = DEFAULT_FAIL_ON) -> str:
    verdict = "❌ FAIL" if report.failed(fail_on) else "✅ PASS"
    counts = report.counts()
    parts = [f"{counts[s]} {s}" for s in ("high", "medium", "low", "info") if counts[s]]
    out = [
        f"## reach audit: {verdict} (fail on {fail_on})",
        "",
        f"**{', '.join(parts) or 'no findings'}**"
        + (f" · {len(report.suppressed)} ignored" if report.suppressed else "")
        + f" · {stats_line(report)}",
    ]
    if report.expectations:
        ok = sum(e.passed for e in report.expectations)
        out += [
            "",
            f"### Expectations: {ok} of {len(report.expectations)} hold",
            "",
            "| | expectation | severity | result |",
            "|---|---|---|---|",
        ]
        for e in report.expectations:
            icon = "✅" if e.passed else ("❌" if e.status == "failed" else "⚠️")
            result = "holds" if e.passed else (e.finding.message if e.finding else e.status)
            out.append(f"| {icon} | {_cell(e.name)} | {e.severity} | {_cell(result)} |")
    groups = findings_by_check(report)
    if groups:
        out += ["", "### Findings"]
    for check, found in groups:
        f0 = found[0]
        cis = f" ({f0.cis})" if f0.cis else ""
        out += [
            "",
            f"#### {_ICON[f0.severity]} {f0.severity} · `{check}`: {f0.title} ({len(found)})",
            "",
            f"> {f0.rationale}{cis}",
            "",
        ]
        if check == "cross-namespace-summary":
            rows = f0.details.get("pairs", [])
            out += [
                f"<details><summary>{_cell(f0.message)}</summary>",
                "",
                "| from | to | ports | pod pairs |",
                "|---|---|---|---|",
            ]
            top = sorted(rows, key=lambda x: (-int(x["pod_pairs"]), x["src"], x["dst"]))
            for x in top[:SUMMARY_ROWS]:
                out.append(f"| {x['src']} | {x['dst']} | {_cell(x['ports'])} | {x['pod_pairs']} |")
            if len(rows) > SUMMARY_ROWS:
                out.append(f"| … | {len(rows) - SUMMARY_ROWS} more | | |")
            out += ["", "</details>"]
            continue
        for f in found[:MD_ROWS]:
            notes = "".join(f" _(note: {_cell(n)})_" for n in f.notes)
            out.append(f"- **{_cell(f.subject)}**: {_cell(f.message)}{notes}")
        if len(found) > MD_ROWS:
            out.append(f"- … and {len(found) - MD_ROWS} more (`--format json` lists all)")
    if report.suppressed:
        out += ["", f"<details><summary>{len(report.suppressed)} ignored findings</summary>", ""]
        for f in report.suppressed[:MD_ROWS]:
            out.append(f"- `{f.check}` **{_cell(f.subject)}**: {_cell(f.suppressed or '')}")
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


# -------------------------------------------------------------------------------- junit


def junit(report: AuditReport, fail_on: str = DEFAULT_FAIL_ON) -> str:
    """JUnit XML: suite ``expectations`` (one case each) and suite ``checks`` (one case per
    finding, or one passing case for a check without findings). A case fails when its
    finding is at or above ``fail_on``; ignored and not-applicable ones are skipped."""
    limit = rank(fail_on)
    root = ET.Element("testsuites", name="reach audit")

    def suite(name: str) -> ET.Element:
        return ET.SubElement(root, "testsuite", name=name)

    def case(parent: ET.Element, classname: str, name: str, f: Finding | None) -> None:
        tc = ET.SubElement(parent, "testcase", classname=classname, name=name)
        if f is None:
            return
        body = f.message + "".join(f"\nnote: {n}" for n in f.notes)
        if f.suppressed is not None:
            ET.SubElement(tc, "skipped", message=f"ignored: {f.suppressed}")
        elif rank(f.severity) >= limit:
            fail = ET.SubElement(tc, "failure", message=f.message, type=f.severity)
            fail.text = f"{body}\n\n{f.rationale}" + (f" ({f.cis})" if f.cis else "")
        else:
            out = ET.SubElement(tc, "system-out")
            out.text = f"[{f.severity}, below --fail-on {fail_on}] {body}"

    if report.expect_file is not None or report.expectations:
        exp = suite("expectations")
        for e in report.expectations:
            case(exp, "reach.expectations", e.name, e.finding)
    chk = suite("checks")
    by: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.check != EXPECTATION:
            by.setdefault(f.check, []).append(f)
    for run in report.checks:
        cls = f"reach.checks.{run.id}"
        if run.skipped or run.not_applicable is not None:
            tc = ET.SubElement(chk, "testcase", classname=cls, name=run.id)
            why = "skipped" if run.skipped else f"not applicable: {run.not_applicable}"
            ET.SubElement(tc, "skipped", message=why)
        elif not by.get(run.id):
            case(chk, cls, run.id, None)
        else:
            for f in by[run.id]:
                case(chk, cls, f"{run.id}: {f.subject}", f)
    total = fails = skips = 0
    for s in root:
        cases = s.findall("testcase")
        f_n = sum(1 for t in cases if t.find("failure") is not None)
        s_n = sum(1 for t in cases if t.find("skipped") is not None)
        s.set("tests", str(len(cases)))
        s.set("failures", str(f_n))
        s.set("errors", "0")
        s.set("skipped", str(s_n))
        total, fails, skips = total + len(cases), fails + f_n, skips + s_n
    root.set("tests", str(total))
    root.set("failures", str(fails))
    root.set("errors", "0")
    root.set("skipped", str(skips))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(
    report: AuditReport, fmt: str, fail_on: str = DEFAULT_FAIL_ON, colour: bool = False
) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    renderers: dict[str, Callable[[], str]] = {
        "txt": lambda: text(report, colour, fail_on) + "\n",
        "json": lambda: to_json(report, fail_on) + "\n",
        "md": lambda: markdown(report, fail_on),
        "junit": lambda: junit(report, fail_on),
    }
    if fmt not in renderers:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return renderers[fmt]()
