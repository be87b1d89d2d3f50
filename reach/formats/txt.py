"""Plain text, one ``src => dst : ports`` line per pair (the convention of existing tools)."""

from __future__ import annotations

from typing import TextIO

from ..connections import View
from . import rows


def render(view: View, out: TextIO) -> None:
    out.writelines(f"{s.id} => {d.id} : {p}\n" for s, d, p in rows(view))
