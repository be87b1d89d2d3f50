"""Run an audit: every built-in check, then each expectation of the file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reach.audit.anchors import anchor_findings
from reach.audit.checks import CHECKS
from reach.audit.context import Context
from reach.audit.expect import ChecksConfig, Expectations, load_expectations, parse_expectations
from reach.audit.registry import Check, NotApplicable
from reach.audit.report import AuditReport, CheckRun
from reach.audit.verify import evaluate
from reach.errors import ReachError

if TYPE_CHECKING:
    from reach.analysis.compiled import Analysis


def run_audit(
    analysis: Analysis,
    expect: str | Path | Expectations | Mapping[str, Any] | None = None,
    skip: Iterable[str] = (),
    checks: bool = True,
) -> AuditReport:
    """Run the built-in checks and, given an expectations file, the team's promises.

    ``expect`` is a path to an expectations YAML file, a parsed
    :class:`~reach.audit.expect.Expectations`, or the file's content as a dict.
    ``skip`` names checks not to run; ``checks=False`` runs the expectations only.
    Raises :class:`~reach.audit.expect.ExpectationError` (a ``ReachError``) when
    the file breaks the schema.
    """
    expectations = _expectations(expect)
    skipped = set(skip)
    unknown = sorted(skipped - set(CHECKS))
    if unknown:
        raise ReachError(
            f"unknown check id {', '.join(map(repr, unknown))}; 'reach audit --list-checks' "
            "lists them"
        )
    config = expectations.checks if expectations else ChecksConfig()
    skipped |= config.skip
    ctx = Context(analysis)
    report = AuditReport(
        expect_file=expectations.source if expectations else None,
        stats={
            "pods": len(ctx.pods),
            "workloads": len(ctx.workloads),
            "namespaces": len(ctx.ns_names),
            "policies": len(analysis.cluster.policies),
            "classes": ctx.n_internal,
        },
    )
    if analysis.cluster.cilium_policies:
        report.stats["cilium_policies"] = len(analysis.cluster.cilium_policies)
    if analysis.cluster.calico.policies:
        report.stats["calico_policies"] = len(analysis.cluster.calico.policies)
    for chk in CHECKS.values():
        _run_check(ctx, report, chk, config, skip=not checks or chk.id in skipped)
    for exp in expectations.expectations if expectations else ():
        result = evaluate(ctx, exp)
        report.expectations.append(result)
        if result.finding is not None:
            report.findings.append(result.finding)
    anchor_findings(report, analysis)
    report.sort()
    return report


def _expectations(
    expect: str | Path | Expectations | Mapping[str, Any] | None,
) -> Expectations | None:
    """The expectations named by ``expect`` (see :func:`run_audit`), loaded and validated."""
    if expect is None:
        return None
    if isinstance(expect, Expectations):
        return expect
    if isinstance(expect, (str, Path)):
        return load_expectations(expect)
    return parse_expectations(expect)


def _run_check(
    ctx: Context, report: AuditReport, chk: Check, config: ChecksConfig, *, skip: bool
) -> None:
    """Run one check (unless ``skip``) into ``report``, with the severity and ignores of the
    expectations file's ``checks`` section."""
    severity = config.severity.get(chk.id, chk.severity)
    run = CheckRun(chk.id, chk.title, severity, chk.rationale, chk.cis)
    if skip:
        report.checks.append(replace(run, skipped=True))
        return
    try:
        found = chk.run(ctx)
    except NotApplicable as e:
        report.checks.append(replace(run, not_applicable=str(e)))
        return
    for f in found:
        f.severity = severity
        for ignore in config.ignore:
            if ignore.matches(f):
                f.suppressed = ignore.reason
                break
    report.findings.extend(found)
    report.checks.append(replace(run, findings=len(found)))
