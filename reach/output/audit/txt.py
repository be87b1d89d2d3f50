"""Plain text grouped by check (see :func:`reach.audit.report.text`); ANSI colours if asked;
the diagnostics at the end."""

from __future__ import annotations

from typing import TextIO

from reach.audit.report import DEFAULT_FAIL_ON, AuditReport, text
from reach.output.diagnostics import Diags, text_lines
from reach.output.escape import escape


def render(
    report: AuditReport,
    out: TextIO,
    *,
    fail_on: str = DEFAULT_FAIL_ON,
    colour: bool = False,
    diagnostics: Diags = (),
) -> None:
    """Write ``report``; ``fail_on`` decides the verdict, ``colour`` adds ANSI colours.

    ``out`` escapes what a terminal obeys but lets the colour sequences pass when coloured
    (:mod:`reach.output.escape`), so here every text from the input is escaped first: a
    name holding a colour sequence is shown as text, never obeyed."""
    clean = escape if colour else str
    lines = [text(report, colour, fail_on, clean), *map(clean, text_lines(diagnostics))]
    out.write("\n".join(lines) + "\n")
