"""Plain text, one ``src => dst : ports`` line per pair (the convention of existing tools).

Tools parse these lines: the diagnostics that make the answer partial follow them as
``# `` lines, and the others are left to stderr.
"""

from __future__ import annotations

from typing import TextIO

from reach.analysis.listing import table_chunks
from reach.analysis.views import View
from reach.output.diagnostics import Diags, comment_lines


def render(view: View, out: TextIO, diagnostics: Diags = ()) -> None:
    _, chunks = table_chunks(view)
    for rows in chunks:
        out.writelines(line + "\n" for line in rows.lines())
    out.writelines(c + "\n" for c in comment_lines(diagnostics, partial_only=True))
