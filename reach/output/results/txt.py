"""The text form of a result (``str()``), the items of a list separated by blank lines;
then the diagnostics, when there are any."""

from __future__ import annotations

from typing import TextIO

from reach.output.diagnostics import Diags, text_lines
from reach.output.results.protocol import Results


def render(result: Results, out: TextIO, diagnostics: Diags = ()) -> None:
    text = "\n\n".join(map(str, result)) if isinstance(result, list) else str(result)
    out.write("\n".join([text, *text_lines(diagnostics)]) + "\n")
