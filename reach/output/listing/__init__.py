"""The connection list (``reach list``): one module per format, each with ``render(view, out)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from reach.analysis.views import View

Renderer = Callable[[View, TextIO], None]


def renderers() -> dict[str, Renderer]:
    from reach.output.listing import csv, json, md, txt

    return {"txt": txt.render, "json": json.render, "csv": csv.render, "md": md.render}


FORMATS = ("txt", "json", "csv", "md")
