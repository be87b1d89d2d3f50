"""Plain text grouped by check (see :func:`reach.audit.report.text`); ANSI colours if asked;
the diagnostics at the end."""

from __future__ import annotations

from typing import TextIO

from reach.audit.report import DEFAULT_FAIL_ON, AuditReport, text
from reach.output.diagnostics import Diags, text_lines


def render(
    report: AuditReport,
    out: TextIO,
    *,
    fail_on: str = DEFAULT_FAIL_ON,
    colour: bool = False,
    diagnostics: Diags = (),
) -> None:
    """Write ``report``; ``fail_on`` decides the verdict, ``colour`` adds ANSI colours."""
    out.write("\n".join([text(report, colour, fail_on), *text_lines(diagnostics)]) + "\n")
