"""CSV with a header row: src, dst, src_type, dst_type, ports (text form)."""

from __future__ import annotations

import csv
from typing import TextIO

from reach.analysis.listing import table_chunks
from reach.analysis.views import View


def render(view: View, out: TextIO) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["src", "dst", "src_type", "dst_type", "ports"])
    _, chunks = table_chunks(view)
    for rows in chunks:
        for s, d, p in rows:
            w.writerow([s.id, d.id, s.type, d.type, str(p)])
