"""The audit report: txt (grouped, coloured on a terminal), json, md (PR comments), junit XML."""

from __future__ import annotations

from typing import TextIO

from reach.audit.report import DEFAULT_FAIL_ON, AuditReport
from reach.output.audit import json, junit, md, txt
from reach.output.formats import AuditFormat


def render(
    report: AuditReport,
    fmt: AuditFormat,
    out: TextIO,
    *,
    fail_on: str = DEFAULT_FAIL_ON,
    colour: bool = False,
) -> None:
    """Write ``report`` in ``fmt``; ``fail_on`` decides the verdict, ``colour`` colours txt."""
    match fmt:
        case AuditFormat.TXT:
            txt.render(report, out, fail_on=fail_on, colour=colour)
        case AuditFormat.JSON:
            json.render(report, out, fail_on=fail_on)
        case AuditFormat.MD:
            md.render(report, out, fail_on=fail_on)
        case AuditFormat.JUNIT:
            junit.render(report, out, fail_on=fail_on)
