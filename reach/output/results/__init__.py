"""Any result with a text form and a dict form: txt is ``str()``, json is ``to_dict()``.

The query results (:class:`~reach.analysis.paths.PathResult`,
:class:`~reach.analysis.radius.Radius`, a list of
:class:`~reach.engine.verdicts.Explanation`), the
:class:`~reach.analysis.summary.Summary`, the namespace matrix, and the txt and
json of the diff report. In md, a radius is tables and the others their text in a
fenced block.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from reach.output.diagnostics import Diags
from reach.output.formats import ResultFormat
from reach.output.results import json, md, txt
from reach.output.results.protocol import Results

RENDERERS: dict[ResultFormat, Callable[[Results, TextIO, Diags], None]] = {
    ResultFormat.TXT: txt.render,
    ResultFormat.JSON: json.render,
    ResultFormat.MD: md.render,
}
