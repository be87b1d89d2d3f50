"""Plain text, one ``src => dst : ports`` line per pair (the convention of existing tools)."""

from __future__ import annotations

from typing import TextIO

from reach.analysis.listing import table_chunks
from reach.analysis.views import View


def render(view: View, out: TextIO) -> None:
    _, chunks = table_chunks(view)
    for rows in chunks:
        out.writelines(line + "\n" for line in rows.lines())
