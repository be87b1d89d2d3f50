"""The notebook display of results: pictures by :mod:`reach.draw`, and the HTML that adds
the diagnostics under them (:mod:`reach.output`), plugged into
:mod:`reach.analysis.display`, which may import neither."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reach.analysis import display
from reach.analysis.flowcheck import FlowCheck
from reach.output.diagnostics import carried, html_list
from reach.output.notebook import embedded
from reach.output.results.flows_html import flows_html

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def notebook_picture(result: object, fmt: str) -> bytes | None:
    """A query result's notebook picture (see :func:`reach.draw.notebook_picture`)."""
    from reach.draw import notebook_picture  # matplotlib loads only when a picture is shown

    return notebook_picture(result, fmt)


def notebook_html(result: object, picture: Callable[[], Figure | None] | None = None) -> str:
    """A result's notebook HTML: its picture (a flows check: its tables), then its
    diagnostics. ``picture`` draws it (:class:`reach.Reach` passes its graph); by
    default :mod:`reach.draw` draws query results."""
    if isinstance(result, FlowCheck):
        return flows_html(result)
    from reach import draw as d

    if picture is not None:
        fig = picture()
        image = d.figure_bytes(fig, d.NOTEBOOK_FORMAT) if fig is not None else None
    else:
        image = d.notebook_picture(result, d.NOTEBOOK_FORMAT)
    return embedded(image, d.NOTEBOOK_FORMAT) + html_list(carried(result))


display.set_picture_maker(notebook_picture)
display.set_html_maker(notebook_html)
