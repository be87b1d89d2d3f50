"""JSON with a stable schema (``reach/audit/v1``, ``docs/audit.md``), with the ``warnings``
and ``diagnostics`` of the load."""

from __future__ import annotations

import json
from typing import TextIO

from reach.audit.report import DEFAULT_FAIL_ON, AuditReport
from reach.output.diagnostics import Diags, as_json


def render(
    report: AuditReport,
    out: TextIO,
    *,
    fail_on: str = DEFAULT_FAIL_ON,
    colour: bool = False,
    diagnostics: Diags = (),
) -> None:
    """Write ``report``; ``fail_on`` decides the verdict (``colour`` is for txt alone)."""
    out.write(json.dumps(report.to_dict(fail_on) | as_json(diagnostics), indent=1) + "\n")
