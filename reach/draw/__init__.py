"""Pictures with matplotlib: the reachability graph, the namespace matrix, highlights.

- **Graph.** Each namespace is a box holding its nodes, boxes ordered so that
  most arrows run left to right and top to bottom; external ranges share a
  dashed box. Colour says the kind, shape the type; arrows that allow every
  connection are red and thick (no label: the legend says it), port-restricted
  ones grey with their ports. Arrows that would pile up are bundled: an outside
  peer's arrows into one box, and in busy pictures the arrows between two boxes;
  every node an outside peer reaches is marked.
- **Readable.** Names are cut in the middle (the full name is the SVG tooltip);
  titles are one line naming the input and the view; labels are placed after the
  layout, on measured text boxes, where they overlap nothing.
- **Too large, or saying nothing.** A graph with more than :data:`MAX_DRAW_NODES`
  nodes or :data:`MAX_DRAW_EDGES` edges cannot be read, and one where everything
  reaches everything (:func:`~reach.draw.style.dense`) says only that; callers
  then draw the namespace view, and the matrix when even that is too large
  (:mod:`reach.draw.cluster`).
- **Matrix.** Namespace x namespace heatmap of the share (or count) of allowed
  workload pairs, plus a row and a column for external addresses.
- **Highlights.** A path over its neighbourhood; a blast radius or exposure as
  the tree of hops, nodes shaded by hop distance.
- **HTML.** The graph as one self-contained interactive page (:mod:`reach.draw.html`).

The modules, each doing one thing: :mod:`~reach.draw.style` (limits, colours,
markers, sizes), :mod:`~reach.draw.model` (what to draw: the picture model, built
from graphs and query results), :mod:`~reach.draw.layout` (where: positions and
boxes, no matplotlib), :mod:`~reach.draw.bundles` (which arrows are drawn as one),
:mod:`~reach.draw.picture` (drawing a picture model), :mod:`~reach.draw.arrows`
(its arrows, bundles and marks), :mod:`~reach.draw.placement` and
:mod:`~reach.draw.labels` (keeping labels apart), :mod:`~reach.draw.titles`,
:mod:`~reach.draw.tips` (SVG tooltips), :mod:`~reach.draw.matrix`,
:mod:`~reach.draw.highlight` (paths, blast radius, exposure),
:mod:`~reach.draw.files` (PNG and SVG), :mod:`~reach.draw.html`,
:mod:`~reach.draw.notebook` (results in notebooks) and :mod:`~reach.draw.cluster`
(an analysis, with its fallbacks). matplotlib is imported only when something is
drawn.

The settings (:data:`MAX_DRAW_NODES`, :data:`MAX_DRAW_EDGES`,
:data:`LABEL_MAX_EDGES`, :data:`NOTEBOOK_FORMAT`) are read by the modules that
use them; assigning one here (``reach.draw.NOTEBOOK_FORMAT = "svg"``) assigns it
there too.
"""

from __future__ import annotations

import sys
from types import ModuleType

from reach.draw import notebook, style
from reach.draw.files import figure_bytes, save
from reach.draw.highlight import draw_path, draw_radius
from reach.draw.layout import Box
from reach.draw.matrix import MatrixData, draw_matrix, matrix_data
from reach.draw.model import PEdge, Picture, PNode, picture_of
from reach.draw.notebook import NOTEBOOK_FORMAT, notebook_picture, result_bytes
from reach.draw.picture import draw_graph, draw_picture
from reach.draw.placement import Rect
from reach.draw.style import (
    ALL_PORTS_COLOUR,
    BOX_GAP,
    BOX_PAD,
    BOX_TITLE,
    CELL_H,
    CELL_W,
    EXTRA_COLOURS,
    FADED,
    INCH,
    KIND_COLOURS,
    LABEL_MAX_EDGES,
    MARKER_SIZE,
    MARKERS,
    MAX_DRAW_EDGES,
    MAX_DRAW_NODES,
    PATH_COLOUR,
    SOME_PORTS_COLOUR,
    new_figure,
    size_text,
    too_large,
)

__all__ = [
    "ALL_PORTS_COLOUR",
    "BOX_GAP",
    "BOX_PAD",
    "BOX_TITLE",
    "CELL_H",
    "CELL_W",
    "EXTRA_COLOURS",
    "FADED",
    "INCH",
    "KIND_COLOURS",
    "LABEL_MAX_EDGES",
    "MARKERS",
    "MARKER_SIZE",
    "MAX_DRAW_EDGES",
    "MAX_DRAW_NODES",
    "NOTEBOOK_FORMAT",
    "PATH_COLOUR",
    "SOME_PORTS_COLOUR",
    "Box",
    "MatrixData",
    "PEdge",
    "PNode",
    "Picture",
    "Rect",
    "draw_graph",
    "draw_matrix",
    "draw_path",
    "draw_picture",
    "draw_radius",
    "figure_bytes",
    "matrix_data",
    "new_figure",
    "notebook_picture",
    "picture_of",
    "result_bytes",
    "save",
    "size_text",
    "too_large",
]

#: The settings, and the module that reads each.
SETTINGS: dict[str, ModuleType] = {
    "MAX_DRAW_NODES": style,
    "MAX_DRAW_EDGES": style,
    "LABEL_MAX_EDGES": style,
    "NOTEBOOK_FORMAT": notebook,
}


class _Package(ModuleType):
    """This package's module: assigning a setting also assigns it where it is read."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in SETTINGS:
            setattr(SETTINGS[name], name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
