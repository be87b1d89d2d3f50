"""Markdown for a result: the blast radius and the exposure as tables
(:mod:`reach.output.results.radius_md`); any other result as its text in a fenced block.
Then the diagnostics."""

from __future__ import annotations

from typing import TextIO

from reach.analysis.radius import Radius
from reach.output.diagnostics import Diags, markdown_lines
from reach.output.results import radius_md
from reach.output.results.protocol import Results


def render(result: Results, out: TextIO, diagnostics: Diags = ()) -> None:
    if isinstance(result, Radius):
        radius_md.render(result, out)
    else:
        text = "\n\n".join(map(str, result)) if isinstance(result, list) else str(result)
        out.write(f"```text\n{text}\n```\n")
    out.writelines(m + "\n" for m in markdown_lines(diagnostics))
