"""Plain text, one ``src => dst : ports`` line per pair (the convention of existing tools).

Tools parse these lines: the connections Cilium L7 rules filter, then the diagnostics
that make the answer partial, follow them as ``# `` lines; the other diagnostics are
left to stderr.
"""

from __future__ import annotations

from typing import TextIO

from reach.analysis.l7marks import l7_marks
from reach.analysis.listing import table_chunks
from reach.analysis.views import View
from reach.output.diagnostics import Diags, comment_lines


def render(view: View, out: TextIO, diagnostics: Diags = ()) -> None:
    _, chunks = table_chunks(view)
    for rows in chunks:
        out.writelines(line + "\n" for line in rows.lines())
    out.writelines(f"# {line}\n" for line in l7_marks(view).lines())
    out.writelines(c + "\n" for c in comment_lines(diagnostics, partial_only=True))
