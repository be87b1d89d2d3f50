"""Isolation audit: built-in checks and user expectations (``reach audit``).

>>> r = reach.load("examples/shop")                                  # doctest: +SKIP
>>> report = r.audit(expect="examples/expectations/shop.yaml")       # doctest: +SKIP
>>> report.failed("high"), report.counts()                           # doctest: +SKIP
>>> print(report)                                                    # doctest: +SKIP

See ``docs/audit.md`` for the checks and the expectations schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..errors import ReachError
from .report import (
    DEFAULT_FAIL_ON,
    FAIL_ON,
    SEVERITIES,
    AuditReport,
    CheckRun,
    ExpectationResult,
    Finding,
)

if TYPE_CHECKING:
    from ..api import Reach
    from .expect import Expectations

__all__ = [
    "DEFAULT_FAIL_ON",
    "FAIL_ON",
    "SEVERITIES",
    "AuditMixin",
    "AuditReport",
    "CheckRun",
    "ExpectationResult",
    "Finding",
    "run_audit",
]


class AuditMixin:
    """The ``audit`` method of :class:`reach.Reach`."""

    def audit(
        self,
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
        return run_audit(cast("Reach", self), expect, skip, checks)


def run_audit(
    r: Reach,
    expect: str | Path | Expectations | Mapping[str, Any] | None = None,
    skip: Iterable[str] = (),
    checks: bool = True,
) -> AuditReport:
    """See :meth:`AuditMixin.audit`."""
    from .checks import CHECKS, Context, NotApplicable
    from .expect import ChecksConfig, Expectations, load_expectations, parse_expectations
    from .verify import evaluate

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
    ctx = Context(r)
    report = AuditReport(
        expect_file=exps.source if exps else None,
        stats={
            "pods": len(ctx.pods),
            "workloads": len(ctx.workloads),
            "namespaces": len(ctx.ns_names),
            "policies": len(r.cluster.policies),
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
