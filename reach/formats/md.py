"""A Markdown table, for pull-request comments and docs."""

from __future__ import annotations

from typing import TextIO

from ..connections import View
from . import table


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(view: View, out: TextIO) -> None:
    out.write("| src | dst | ports |\n|---|---|---|\n")
    for s, d, p in table(view):
        out.write(f"| {_cell(s.id)} | {_cell(d.id)} | {_cell(str(p))} |\n")
