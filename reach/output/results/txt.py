"""The text form of a result (``str()``); the items of a list separated by blank lines."""

from __future__ import annotations

from typing import TextIO

from reach.output.results.protocol import Results


def render(result: Results, out: TextIO) -> None:
    text = "\n\n".join(map(str, result)) if isinstance(result, list) else str(result)
    out.write(text + "\n")
