"""Plain text grouped by check (see :func:`reach.audit.report.text`); ANSI colours if asked."""

from __future__ import annotations

from typing import TextIO

from reach.audit.report import DEFAULT_FAIL_ON, AuditReport, text


def render(
    report: AuditReport, out: TextIO, *, fail_on: str = DEFAULT_FAIL_ON, colour: bool = False
) -> None:
    """Write ``report``; ``fail_on`` decides the verdict, ``colour`` adds ANSI colours."""
    out.write(text(report, colour, fail_on) + "\n")
