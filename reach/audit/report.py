"""What an audit found: findings, the checks that ran, the expectations that held or broke."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from reach.analysis.display import Qualified
from reach.input.positions import Anchor
from reach.words import count

#: Severities from least to most serious. ``info`` never fails a run.
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high")
#: What ``--fail-on`` accepts.
FAIL_ON: tuple[str, ...] = ("low", "medium", "high")
#: The default threshold: a run fails on high findings (broken expectations are high).
DEFAULT_FAIL_ON = "high"
SCHEMA = "reach/audit/v1"
#: The ``check`` of a finding that comes from the expectations file.
EXPECTATION = "expectation"


def rank(severity: str) -> int:
    """Position of a severity in :data:`SEVERITIES` (``info`` is 0)."""
    return SEVERITIES.index(severity)


@dataclass
class Finding:
    """One thing an audit reports, about one subject (a namespace, workload, policy, ...).

    ``details`` holds the machine-readable facts (JSON-able), among them the
    ``witness`` of a broken expectation: a pod pair or a path, its port and the
    policies that allow it. ``suppressed`` is the reason given in the
    expectations file when the finding is ignored there. ``anchors`` are where its
    cause is written in the input, most precise first (:mod:`reach.audit.anchors`; SARIF
    locates results with them; not part of the JSON form).
    """

    check: str
    severity: str
    title: str
    subject: str
    message: str
    namespace: str | None = None
    rationale: str = ""
    cis: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    suppressed: str | None = None
    anchors: tuple[Anchor, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        text = f"[{self.severity}] {self.check}: {self.subject}: {self.message}"
        if self.suppressed is not None:
            text += f" (ignored: {self.suppressed})"
        return text

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "severity": self.severity,
            "title": self.title,
            "subject": self.subject,
            "namespace": self.namespace,
            "message": self.message,
            "rationale": self.rationale,
            "cis": self.cis,
            "details": self.details,
            "notes": list(self.notes),
        }
        if self.suppressed is not None:
            out["suppressed"] = self.suppressed
        return out


@dataclass(frozen=True)
class CheckRun:
    """A built-in check as it ran: how many findings, or why it did not apply."""

    id: str
    title: str
    severity: str
    rationale: str
    cis: str | None
    findings: int = 0
    not_applicable: str | None = None
    skipped: bool = False

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if self.not_applicable is not None:
            return "not applicable"
        return "findings" if self.findings else "passed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "rationale": self.rationale,
            "cis": self.cis,
            "status": self.status,
            "findings": self.findings,
            **({"reason": self.not_applicable} if self.not_applicable else {}),
        }


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation of the file: held (``passed``), broke (``failed``) or checked nothing
    (``vacuous``: a side matches no pod); ``finding`` is set unless it passed."""

    name: str
    kind: str
    text: str
    severity: str
    status: str  # "passed" | "failed" | "vacuous"
    path: str = ""
    finding: Finding | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expect": self.kind,
            "text": self.text,
            "severity": self.severity,
            "status": self.status,
            "path": self.path,
            "finding": self.finding.to_dict() if self.finding else None,
        }


@dataclass
class AuditReport(Qualified):
    """Findings of the built-in checks and of the expectations file, most serious first."""

    findings: list[Finding] = field(default_factory=list)
    checks: list[CheckRun] = field(default_factory=list)
    expectations: list[ExpectationResult] = field(default_factory=list)
    expect_file: str | None = None
    stats: dict[str, int] = field(default_factory=dict)

    # -- verdict ----------------------------------------------------------------------
    def active(self, fail_on: str = DEFAULT_FAIL_ON) -> list[Finding]:
        """Findings at or above ``fail_on`` that the expectations file does not ignore."""
        limit = rank(fail_on)
        return [f for f in self.findings if f.suppressed is None and rank(f.severity) >= limit]

    def failed(self, fail_on: str = DEFAULT_FAIL_ON) -> bool:
        return bool(self.active(fail_on))

    def exit_code(self, fail_on: str = DEFAULT_FAIL_ON) -> int:
        """0 clean, 1 findings at or above ``fail_on`` (the CLI's 2 is for errors)."""
        return 1 if self.failed(fail_on) else 0

    def counts(self) -> dict[str, int]:
        """Unsuppressed findings per severity (every severity present, zeros included)."""
        out = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            if f.suppressed is None:
                out[f.severity] += 1
        return out

    @property
    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is not None]

    def of_check(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]

    def expectation(self, name: str) -> ExpectationResult:
        for e in self.expectations:
            if e.name == name:
                return e
        raise KeyError(name)

    def sort(self) -> None:
        """Expectations first, then by severity (most serious first), check order, subject."""
        order = {c.id: i for i, c in enumerate(self.checks)}
        self.findings.sort(
            key=lambda f: (
                f.check != EXPECTATION,
                -rank(f.severity),
                order.get(f.check, -1),
                f.subject,
            )
        )

    def summary_line(self, fail_on: str = DEFAULT_FAIL_ON) -> str:
        c = self.counts()
        parts = [f"{c[s]} {s}" for s in reversed(SEVERITIES) if c[s]]
        text = count(sum(c.values()), "finding") + (f" ({', '.join(parts)})" if parts else "")
        if self.suppressed:
            text += f", {len(self.suppressed)} ignored"
        if self.expectations:
            ok = sum(e.passed for e in self.expectations)
            text += f"; expectations: {ok} of {len(self.expectations)} hold"
        verdict = "FAIL" if self.failed(fail_on) else "PASS"
        return f"{text}; {verdict} at --fail-on {fail_on}"

    # -- output -----------------------------------------------------------------------
    def __str__(self) -> str:
        return text(self)

    def to_dict(self, fail_on: str = DEFAULT_FAIL_ON) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "fail_on": fail_on,
            "failed": self.failed(fail_on),
            "counts": self.counts(),
            "ignored": len(self.suppressed),
            "stats": self.stats,
            "expect_file": self.expect_file,
            "expectations": [e.to_dict() for e in self.expectations],
            "checks": [c.to_dict() for c in self.checks],
            "findings": [f.to_dict() for f in self.findings],
        }


def short_list(items: Iterable[str], limit: int = 5) -> str:
    """``a, b, c`` or ``a, b, c and 7 more``."""
    items = list(items)
    head = ", ".join(items[:limit])
    return head if len(items) <= limit else f"{head} and {len(items) - limit} more"


# -- text ---------------------------------------------------------------------------

#: Rows of the cross-namespace table shown in txt and md (json has all).
SUMMARY_ROWS = 30

_COLOURS = {
    "high": "\033[1;31m",
    "medium": "\033[33m",
    "low": "\033[36m",
    "info": "\033[2m",
    "pass": "\033[32m",
    "fail": "\033[1;31m",
    "dim": "\033[2m",
    "bold": "\033[1m",
}
_RESET = "\033[0m"


def use_colour(stream: Any) -> bool:
    """Colour when writing to a terminal and ``NO_COLOR`` is not set."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def findings_by_check(report: AuditReport) -> list[tuple[str, list[Finding]]]:
    """Built-in check findings by check, most serious first (unsuppressed only)."""
    by: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.check != EXPECTATION and f.suppressed is None:
            by.setdefault(f.check, []).append(f)
    order = {c.id: i for i, c in enumerate(report.checks)}
    return sorted(by.items(), key=lambda kv: (-rank(kv[1][0].severity), order.get(kv[0], 0)))


def stats_line(report: AuditReport, clean: Callable[[str], str] = str) -> str:
    s = report.stats
    text = (
        f"{count(s.get('pods', 0), 'pod')} in {count(s.get('workloads', 0), 'workload')}, "
        f"{count(s.get('namespaces', 0), 'namespace')}, {count(s.get('policies', 0), 'policy')}"
    )
    if s.get("cilium_policies"):
        text += f", {count(s['cilium_policies'], 'Cilium policy')}"
    if s.get("calico_policies"):
        text += f", {count(s['calico_policies'], 'Calico policy')}"
    if report.expect_file:
        text += f"; expectations from {clean(report.expect_file)}"
    return text


def text(
    report: AuditReport,
    colour: bool = False,
    fail_on: str = DEFAULT_FAIL_ON,
    clean: Callable[[str], str] = str,
) -> str:
    """Plain text grouped by check; ANSI colours when ``colour``. ``clean`` is applied to
    every text that comes from the input (names, messages, the expectations file's): with
    colours, the caller escapes there what a terminal obeys, since the colour sequences
    of the report itself must pass."""

    def c(kind: str, s: str) -> str:
        return f"{_COLOURS[kind]}{s}{_RESET}" if colour else s

    lines = [f"reach audit: {stats_line(report, clean)}"]
    if report.expectations:
        ok = sum(e.passed for e in report.expectations)
        lines += ["", c("bold", f"Expectations ({ok} of {len(report.expectations)} hold)")]
        for e in report.expectations:
            if e.passed:
                lines.append(f"  {c('pass', 'ok  ')}  {clean(e.name)}")
                continue
            mark = c("fail", "FAIL") if e.status == "failed" else c("low", "VOID")
            assert e.finding is not None
            sev = c(e.finding.severity, e.finding.severity)
            lines.append(f"  {mark}  {clean(e.name)} [{sev}]")
            if e.name != e.text:
                lines.append(f"        expected: {clean(e.text)}")
            lines.append(f"        {clean(e.finding.message)}")
            lines.extend(f"        note: {clean(n)}" for n in e.finding.notes)
    for check, found in findings_by_check(report):
        f0 = found[0]
        head = f"[{f0.severity}] {check}: {clean(f0.title)} ({len(found)})"
        lines += ["", c(f0.severity, head)]
        cis = f" ({f0.cis})" if f0.cis else ""
        lines.append(c("dim", f"  {clean(f0.rationale)}{cis}"))
        for f in found:
            lines.append(f"  {clean(f.subject)}: {clean(f.message)}")
            lines.extend(f"    note: {clean(n)}" for n in f.notes)
            if check == "cross-namespace-summary":
                lines.extend(clean(row) for row in _summary_rows(f))
    quiet = [r.id for r in report.checks if r.status == "passed"]
    if quiet:
        lines += ["", f"passed: {', '.join(quiet)}"]
    na = [f"{r.id} ({r.not_applicable})" for r in report.checks if r.not_applicable]
    if na:
        lines.append(f"not applicable: {'; '.join(na)}")
    skipped = [r.id for r in report.checks if r.skipped]
    if skipped:
        lines.append(f"skipped: {', '.join(skipped)}")
    if report.suppressed:
        per: dict[str, int] = {}
        for f in report.suppressed:
            per[f.check] = per.get(f.check, 0) + 1
        lines.append(
            "ignored by the expectations file: "
            + ", ".join(f"{k} x{v}" for k, v in sorted(per.items()))
        )
    summary = report.summary_line(fail_on)
    lines += ["", c("fail" if report.failed(fail_on) else "pass", summary)]
    return "\n".join(lines)


def _summary_rows(f: Finding) -> list[str]:
    rows: list[dict[str, Any]] = f.details.get("pairs", [])
    top = sorted(rows, key=lambda x: (-int(x["pod_pairs"]), x["src"], x["dst"]))[:SUMMARY_ROWS]
    out = [f"    {x['src']} -> {x['dst']} : {x['ports']} ({x['pod_pairs']} pod pairs)" for x in top]
    if len(rows) > len(top):
        out.append(f"    ... and {len(rows) - len(top)} more pairs (--format json lists all)")
    return out
