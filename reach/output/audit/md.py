"""Markdown for pull-request comments: the verdict, the expectations, findings by check,
the diagnostics of the load."""

from __future__ import annotations

from typing import TextIO

from reach.audit.report import (
    DEFAULT_FAIL_ON,
    SUMMARY_ROWS,
    AuditReport,
    Finding,
    findings_by_check,
    stats_line,
)
from reach.output.diagnostics import Diags, markdown_lines
from reach.output.markdown import cell

#: Findings per check shown (json has all).
MD_ROWS = 50
ICONS = {"high": "🔴", "medium": "🟠", "low": "🔵", "info": "⚪"}


def render(
    report: AuditReport,
    out: TextIO,
    *,
    fail_on: str = DEFAULT_FAIL_ON,
    colour: bool = False,
    diagnostics: Diags = (),
) -> None:
    """Write ``report``; ``fail_on`` decides the verdict (``colour`` is for txt alone)."""
    lines = _head(report, fail_on) + _expectations(report)
    groups = findings_by_check(report)
    if groups:
        lines += ["", "### Findings"]
    for check, found in groups:
        lines += _check(check, found)
    lines += _ignored(report) + markdown_lines(diagnostics)
    out.write("\n".join(lines) + "\n")


def _head(report: AuditReport, fail_on: str) -> list[str]:
    verdict = "❌ FAIL" if report.failed(fail_on) else "✅ PASS"
    counts = report.counts()
    parts = [f"{counts[s]} {s}" for s in ("high", "medium", "low", "info") if counts[s]]
    return [
        f"## reach audit: {verdict} (fail on {fail_on})",
        "",
        f"**{', '.join(parts) or 'no findings'}**"
        + (f" · {len(report.suppressed)} ignored" if report.suppressed else "")
        + f" · {stats_line(report)}",
    ]


def _expectations(report: AuditReport) -> list[str]:
    if not report.expectations:
        return []
    ok = sum(e.passed for e in report.expectations)
    lines = [
        "",
        f"### Expectations: {ok} of {len(report.expectations)} hold",
        "",
        "| | expectation | severity | result |",
        "|---|---|---|---|",
    ]
    for e in report.expectations:
        icon = "✅" if e.passed else ("❌" if e.status == "failed" else "⚠️")
        result = "holds" if e.passed else (e.finding.message if e.finding else e.status)
        lines.append(f"| {icon} | {cell(e.name)} | {e.severity} | {cell(result)} |")
    return lines


def _check(check: str, found: list[Finding]) -> list[str]:
    """The findings of one check (the cross-namespace summary as a folded table)."""
    first = found[0]
    cis = f" ({first.cis})" if first.cis else ""
    lines = [
        "",
        f"#### {ICONS[first.severity]} {first.severity} · `{check}`: {first.title} ({len(found)})",
        "",
        f"> {first.rationale}{cis}",
        "",
    ]
    if check == "cross-namespace-summary":
        return lines + _namespace_pairs(first)
    for f in found[:MD_ROWS]:
        notes = "".join(f" _(note: {cell(n)})_" for n in f.notes)
        lines.append(f"- **{cell(f.subject)}**: {cell(f.message)}{notes}")
    if len(found) > MD_ROWS:
        lines.append(f"- … and {len(found) - MD_ROWS} more (`--format json` lists all)")
    return lines


def _namespace_pairs(finding: Finding) -> list[str]:
    rows = finding.details.get("pairs", [])
    lines = [
        f"<details><summary>{cell(finding.message)}</summary>",
        "",
        "| from | to | ports | pod pairs |",
        "|---|---|---|---|",
    ]
    top = sorted(rows, key=lambda x: (-int(x["pod_pairs"]), x["src"], x["dst"]))
    for x in top[:SUMMARY_ROWS]:
        lines.append(f"| {x['src']} | {x['dst']} | {cell(x['ports'])} | {x['pod_pairs']} |")
    if len(rows) > SUMMARY_ROWS:
        lines.append(f"| … | {len(rows) - SUMMARY_ROWS} more | | |")
    return [*lines, "", "</details>"]


def _ignored(report: AuditReport) -> list[str]:
    if not report.suppressed:
        return []
    lines = ["", f"<details><summary>{len(report.suppressed)} ignored findings</summary>", ""]
    for f in report.suppressed[:MD_ROWS]:
        lines.append(f"- `{f.check}` **{cell(f.subject)}**: {cell(f.suppressed or '')}")
    return [*lines, "", "</details>"]
