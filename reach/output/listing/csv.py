"""CSV with a header row: src, dst, src_type, dst_type, ports (text form); then each
connection a Cilium L7 rule filters and each
diagnostic as a ``# `` comment line (``pandas.read_csv(..., comment="#")`` skips them)."""

from __future__ import annotations

import csv
from typing import TextIO

from reach.analysis.l7marks import l7_marks
from reach.analysis.listing import table_chunks
from reach.analysis.views import View
from reach.output.diagnostics import Diags, comment_lines


def render(view: View, out: TextIO, diagnostics: Diags = ()) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["src", "dst", "src_type", "dst_type", "ports"])
    _, chunks = table_chunks(view)
    for rows in chunks:
        for s, d, p in rows:
            w.writerow([s.id, d.id, s.type, d.type, str(p)])
    out.writelines(f"# {line}\n" for line in l7_marks(view).lines())
    out.writelines(c + "\n" for c in comment_lines(diagnostics))
