"""The diff report: txt and json (as every result: ``str()``, ``to_dict()``), md, csv, SARIF
(the changed policies)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from reach.analysis.diff import DiffReport
from reach.output.diagnostics import Diags
from reach.output.diff import csv, md, sarif
from reach.output.formats import DiffFormat
from reach.output.results import json, txt

RENDERERS: dict[DiffFormat, Callable[[DiffReport, TextIO, Diags], None]] = {
    DiffFormat.TXT: txt.render,
    DiffFormat.JSON: json.render,
    DiffFormat.MD: md.render,
    DiffFormat.CSV: csv.render,
    DiffFormat.SARIF: sarif.render,
}
