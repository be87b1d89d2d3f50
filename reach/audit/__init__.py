"""Isolation audit: built-in checks and user expectations (``reach audit``).

>>> r = reach.load("examples/shop")                                  # doctest: +SKIP
>>> report = r.audit(expect="examples/expectations/shop.yaml")       # doctest: +SKIP
>>> report.failed("high"), report.counts()                           # doctest: +SKIP
>>> print(report)                                                    # doctest: +SKIP

See ``docs/audit.md`` for the checks and the expectations schema.
"""

from reach.audit.report import (
    DEFAULT_FAIL_ON,
    FAIL_ON,
    SEVERITIES,
    AuditReport,
    CheckRun,
    ExpectationResult,
    Finding,
)
from reach.audit.run import run_audit

__all__ = [
    "DEFAULT_FAIL_ON",
    "FAIL_ON",
    "SEVERITIES",
    "AuditReport",
    "CheckRun",
    "ExpectationResult",
    "Finding",
    "run_audit",
]
