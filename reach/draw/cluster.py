"""Pictures of an analysis: the graph (falling back to coarser views), and path highlights.

A graph with more than :data:`~reach.draw.style.MAX_DRAW_NODES` nodes or
:data:`~reach.draw.style.MAX_DRAW_EDGES` edges is drawn at namespace granularity
instead, and a namespace graph that is still too large as the matrix. A graph where
everything reaches everything (:func:`~reach.draw.style.dense`: no policies) is
drawn as the namespace view too: it would be a hairball saying only that. Each
fallback is said in the picture and returned as a note.
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from reach.analysis.graph import build_graph, internal_count, nodes_of_target
from reach.draw import style
from reach.draw.highlight import draw_path
from reach.draw.matrix import draw_matrix, matrix_data
from reach.draw.picture import draw_graph
from reach.errors import ReachError, require_one_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from reach.analysis.compiled import Analysis
    from reach.analysis.paths import PathResult

#: What ``--view`` accepts.
VIEWS = ("graph", "matrix")
#: What :meth:`reach.Reach.draw` writes by a file's extension: a picture, or the graph.
FILE_EXTENSIONS = {
    ".png": "png",
    ".svg": "svg",
    ".dot": "dot",
    ".gv": "dot",
    ".graphml": "graphml",
}
#: The formats of :data:`FILE_EXTENSIONS` that write the graph rather than a picture.
GRAPH_FILES = ("dot", "graphml")


class DrawOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`reach.Reach.draw` after ``ax``."""

    by: str
    view: str
    namespaces: Iterable[str] | None
    focus: str | None
    hops: int
    source: str | None
    value: str
    port_labels: bool | None
    notes: list[str] | None
    potential: bool


def file_format(path: str | PathLike[str]) -> str:
    """The format :meth:`reach.Reach.draw` writes to ``path``, by its extension; a
    ValueError naming the extensions it knows otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FILE_EXTENSIONS:
        known = ", ".join(FILE_EXTENSIONS)
        raise ValueError(f"draw writes files ending in {known}, not {str(path)!r}")
    return FILE_EXTENSIONS[suffix]


def draw_cluster(
    analysis: Analysis,
    ax: Axes | None,
    by: str,
    view: str,
    namespaces: Iterable[str] | None,
    focus: str | None,
    hops: int,
    source: str | None,
    value: str,
    port_labels: bool | None,
    notes: list[str] | None,
    potential: bool = False,
) -> Figure:
    """Draw the graph (or ``view="matrix"``: the namespace x namespace heatmap).

    Returns the matplotlib figure (``ax``'s, or a new one); each fallback to a
    coarser view is appended to ``notes``. The arguments are those of
    :meth:`reach.Reach.draw`, which holds their defaults; ``potential`` adds the
    representative peers (:mod:`reach.analysis.graph_potential`) to the graph view.
    """
    require_one_of("view", view, VIEWS)
    ns_list = sorted(set(namespaces or ()))
    src_text = source or analysis.source_text
    said: list[str] = []
    if view == "graph":
        limits = f"limits: {style.MAX_DRAW_NODES} nodes, {style.MAX_DRAW_EDGES} edges"
        for level in dict.fromkeys([by, "namespace"]):
            many = None if focus else internal_count(analysis, level, ns_list)
            if many is not None and many > style.MAX_DRAW_NODES:
                size = f"{many:,} {level}s"
            else:
                g = build_graph(analysis, level, ns_list, focus, hops, True, src_text, potential)
                if level != "namespace" and not focus and style.dense(g):
                    said.append(_dense_note(level))
                    continue
                if not style.too_large(g):
                    if notes is not None:
                        notes.extend(said)
                    return draw_graph(g, ax, note="; ".join(said), port_labels=port_labels)
                size = style.size_text(g)
            if level != "namespace":
                said.append(
                    f"{size} at {level} granularity are too many to draw readably "
                    f"({limits}); drawing the namespace view"
                )
            else:
                also = " as well" if said else f" ({limits})"
                said.append(
                    f"the namespace view ({size}) is too large{also}; "
                    "drawing the namespace x namespace matrix"
                )
    if notes is not None:
        notes.extend(said)
    data = matrix_data(analysis.view(by if by != "namespace" else "workload"), ns_list)
    return draw_matrix(data, ax, source=src_text, value=value, note="; ".join(said))


def _dense_note(level: str) -> str:
    """Why a graph that says "everything reaches everything" is drawn by namespace."""
    return (
        f"everything reaches everything (at least {style.DENSE_SHARE:.0%} of {level} pairs "
        "connected): drawing the namespace view"
    )


def draw_path_result(
    analysis: Analysis,
    result: PathResult,
    ax: Axes | None,
    src: str | None,
    dst: str | None,
    namespace: str | None,
    by: str,
    source: str | None,
) -> Figure:
    """Draw a path result over its neighbourhood: the path's nodes and their direct
    neighbours, path hops highlighted and numbered.

    ``src``/``dst`` are the references the path was asked with (None: its labels);
    ``by`` the granularity it was asked at. The arguments are those of
    :meth:`reach.Reach.draw_path`, which holds their defaults.
    """
    g = build_graph(analysis, by, merge_external=True, source=source)
    ends: dict[str, str] = {}
    for label, ref in ((result.src, src or result.src), (result.dst, dst or result.dst)):
        if label in g:
            continue
        try:
            target = analysis.resolve(ref, namespace)
        except ReachError:  # the label is drawn as its own node
            continue
        if target.external:  # an address range of its own: drawn as such
            continue
        view = analysis.view(by)
        mask = nodes_of_target(target, view, list(view.nodes))
        found = [view.nodes[i].id for i in np.flatnonzero(mask).tolist()]
        if len(found) == 1 and found[0] in g:
            ends[label] = found[0]
    return draw_path(result, ax, graph=g, rename=ends)
