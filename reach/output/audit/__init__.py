"""The audit report: txt (grouped, coloured on a terminal), json, md (PR comments), junit XML,
SARIF (code scanning)."""

from __future__ import annotations

from typing import Protocol, TextIO

from reach.audit.report import AuditReport
from reach.output.audit import json, junit, md, sarif, txt
from reach.output.diagnostics import Diags
from reach.output.formats import AuditFormat


class Renderer(Protocol):
    """Writes a report: ``fail_on`` decides the verdict, ``colour`` colours txt; the
    ``diagnostics`` of the load go where the format has room for them."""

    def __call__(
        self, report: AuditReport, out: TextIO, *, fail_on: str, colour: bool, diagnostics: Diags
    ) -> None: ...


RENDERERS: dict[AuditFormat, Renderer] = {
    AuditFormat.TXT: txt.render,
    AuditFormat.JSON: json.render,
    AuditFormat.MD: md.render,
    AuditFormat.JUNIT: junit.render,
    AuditFormat.SARIF: sarif.render,
}
