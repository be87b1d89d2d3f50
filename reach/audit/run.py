"""Run an audit: every built-in check, then each expectation of the file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reach.audit.checks import CHECKS
from reach.audit.context import Context
from reach.audit.expect import ChecksConfig, Expectations, load_expectations, parse_expectations
from reach.audit.registry import NotApplicable
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
    if expect is None:
        exps = None
    elif isinstance(expect, Expectations):
        exps = expect
    elif isinstance(expect, (str, Path)):
        exps = load_expectations(expect)
    else:
        exps = parse_expectations(expect)
    skipped = set(skip)
    unknown = sorted(skipped - set(CHECKS))
    if unknown:
        raise ReachError(
            f"unknown check id {', '.join(map(repr, unknown))}; 'reach audit --list-checks' "
            "lists them"
        )
    cfg = exps.checks if exps else ChecksConfig()
    skipped |= cfg.skip
    ctx = Context(analysis)
    report = AuditReport(
        expect_file=exps.source if exps else None,
        stats={
            "pods": len(ctx.pods),
            "workloads": len(ctx.workloads),
            "namespaces": len(ctx.ns_names),
            "policies": len(analysis.cluster.policies),
            "classes": ctx.n,
        },
    )
    for chk in CHECKS.values():
        severity = cfg.severity.get(chk.id, chk.severity)
        run = CheckRun(chk.id, chk.title, severity, chk.rationale, chk.cis)
        if not checks or chk.id in skipped:
            report.checks.append(replace(run, skipped=True))
            continue
        try:
            found = chk.run(ctx)
        except NotApplicable as e:
            report.checks.append(replace(run, not_applicable=str(e)))
            continue
        for f in found:
            f.severity = severity
            for ign in cfg.ignore:
                if ign.matches(f):
                    f.suppressed = ign.reason
                    break
        report.findings.extend(found)
        report.checks.append(replace(run, findings=len(found)))
    for exp in exps.expectations if exps else ():
        result = evaluate(ctx, exp)
        report.expectations.append(result)
        if result.finding is not None:
            report.findings.append(result.finding)
    report.sort()
    return report
