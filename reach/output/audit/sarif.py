"""SARIF 2.1.0 for code scanning: one rule per check and per expectation, one result per
finding, located where its cause is written (:mod:`reach.audit.anchors`).

A result's level is its severity's (high: error, medium: warning, low and info: note);
its first anchor is its location, the others are related locations; a finding the
expectations file ignores carries an external suppression with the file's reason. A
finding of an object not read from a file (a live cluster) has a logical location
only; a finding with no object at all (the cross-namespace summary) is no result, as
code scanning refuses a result without a location, but a tool execution notification
of its rule, so it is still in the log. ``fail_on`` is recorded in the run's
properties, as the verdict.
"""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

from reach.audit.report import DEFAULT_FAIL_ON, EXPECTATION, AuditReport, Finding
from reach.output import sarif
from reach.output.diagnostics import Diags

#: Rule ids of expectations: ``expectation/`` and the expectation's name, made an id.
EXPECTATION_PREFIX = "expectation/"


def render(
    report: AuditReport,
    out: TextIO,
    *,
    fail_on: str = DEFAULT_FAIL_ON,
    colour: bool = False,
    diagnostics: Diags = (),
) -> None:
    """Write ``report``; ``fail_on`` decides the verdict (``colour`` is for txt alone)."""
    rules = _rules(report)
    order = {r["id"]: i for i, r in enumerate(rules)}
    results = [_result(f, order) for f in report.findings if f.anchors]
    log = sarif.log({"rules": rules}, results, diagnostics)
    placeless = [_notification(f, order) for f in report.findings if not f.anchors]
    if placeless:
        invocation = log["runs"][0]["invocations"][0]
        invocation.setdefault("toolExecutionNotifications", []).extend(placeless)
    log["runs"][0]["properties"] = {
        "fail_on": fail_on,
        "failed": report.failed(fail_on),
        "counts": report.counts(),
        "expect_file": report.expect_file,
    }
    out.write(json.dumps(log, indent=1) + "\n")


def rule_id(finding: Finding) -> str:
    """The rule of a finding: its check, or ``expectation/NAME`` for an expectation's."""
    if finding.check != EXPECTATION:
        return finding.check
    return EXPECTATION_PREFIX + _slug(finding.title)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "unnamed"


def _rules(report: AuditReport) -> list[dict[str, Any]]:
    out = []
    for run in report.checks:
        help_text = run.rationale + (f" ({run.cis})" if run.cis else "")
        out.append(
            sarif.rule(
                run.id,
                run.title,
                run.severity,
                help_text,
                ["security", "kubernetes", "network-policy"],
            )
        )
    seen = {r["id"] for r in out}
    for e in report.expectations:
        rid = EXPECTATION_PREFIX + _slug(e.name)
        if rid in seen:
            continue
        seen.add(rid)
        why = e.finding.rationale if e.finding is not None else ""
        help_text = f"Expected: {e.text}." + (f" {why}" if why and why != e.text else "")
        out.append(
            sarif.rule(
                rid, e.name, e.severity, help_text, ["security", "kubernetes", "expectation"]
            )
        )
    return out


def _notification(f: Finding, order: dict[str, int]) -> dict[str, Any]:
    """A finding with no place in the input (about the whole cluster): code scanning
    refuses a result without a location, so it is a notification of its rule."""
    rid = rule_id(f)
    text = f"{f.subject}: {f.message}" + "".join(f"\nnote: {n}" for n in f.notes)
    out: dict[str, Any] = {
        "level": sarif.LEVELS[f.severity],
        "message": {"text": text},
        "associatedRule": {"id": rid},
        "properties": {"severity": f.severity, "subject": f.subject, "finding": True},
    }
    if rid in order:
        out["associatedRule"]["index"] = order[rid]
    return out


def _result(f: Finding, order: dict[str, int]) -> dict[str, Any]:
    rid = rule_id(f)
    text = f"{f.subject}: {f.message}" if f.check != EXPECTATION else f.message
    text += "".join(f"\nnote: {n}" for n in f.notes)
    out: dict[str, Any] = {
        "ruleId": rid,
        "level": sarif.LEVELS[f.severity],
        "message": {"text": text},
    }
    if rid in order:
        out["ruleIndex"] = order[rid]
    if f.anchors:
        out["locations"] = [sarif.location(f.anchors[0])]
        related = [sarif.location(a) for a in f.anchors[1:]]
        for i, loc in enumerate(related, start=1):
            loc["id"] = i
        if related:
            out["relatedLocations"] = related
    field = f.anchors[0].path if f.anchors else ""
    out["partialFingerprints"] = {"reachFinding/v1": sarif.fingerprint(rid, f.subject, field)}
    out["properties"] = {"severity": f.severity, "subject": f.subject, "namespace": f.namespace}
    if f.suppressed is not None:
        out["suppressions"] = [{"kind": "external", "justification": f.suppressed}]
    return out
