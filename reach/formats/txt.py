"""Plain text, one ``src => dst : ports`` line per pair (the convention of existing tools)."""

from __future__ import annotations

from typing import TextIO

from ..connections import View
from . import table


def render(view: View, out: TextIO) -> None:
    for line in table(view).lines():
        out.write(line + "\n")
