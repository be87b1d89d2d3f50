"""Pictures of query results for notebooks (``_repr_png_``/``_repr_svg_``).

A result is drawn without the graph around it. Notebooks render one format:
:data:`NOTEBOOK_FORMAT`; set it on :mod:`reach.draw` (``reach.draw.NOTEBOOK_FORMAT
= "svg"``), which passes it on to this module.
"""

from __future__ import annotations

from reach.analysis.paths import PathResult
from reach.analysis.radius import Radius
from reach.draw.files import figure_bytes
from reach.draw.highlight import draw_path, draw_radius

#: What ``_repr_png_``/``_repr_svg_`` render in notebooks: "png" or "svg".
NOTEBOOK_FORMAT = "png"


def result_bytes(result: PathResult | Radius, fmt: str) -> bytes:
    """A query result's picture (without a graph around it), for notebooks."""
    fig = draw_radius(result) if isinstance(result, Radius) else draw_path(result)
    return figure_bytes(fig, fmt)


def notebook_picture(result: object, fmt: str) -> bytes | None:
    """A query result's notebook picture in ``fmt``, or None when :data:`NOTEBOOK_FORMAT`
    asks for the other format (``_repr_png_``/``_repr_svg_``)."""
    if fmt != NOTEBOOK_FORMAT or not isinstance(result, PathResult | Radius):
        return None
    return result_bytes(result, fmt)
