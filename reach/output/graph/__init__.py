"""An export graph (:meth:`reach.Reach.export_graph`): DOT, GraphML, node-link JSON.

GraphML is written as bytes, the others as UTF-8 text. :mod:`.graphviz` draws
the DOT with Graphviz's ``dot`` program.
"""

from __future__ import annotations

import networkx as nx

from reach.output.diagnostics import Diags, carried
from reach.output.escape import escaped
from reach.output.formats import GraphFormat
from reach.output.graph import dot, graphml, nodelink
from reach.output.streams import Stream, binary_stream, text_stream


def render(
    g: nx.DiGraph,
    fmt: GraphFormat,
    out: Stream,
    *,
    policies: bool = True,
    tooltips: bool | None = None,
    diagnostics: Diags | None = None,
) -> None:
    """Write ``g`` in ``fmt``; ``policies`` names each edge's policies in GraphML and JSON,
    ``tooltips`` in the DOT edge tooltips (see :func:`.dot.render`). ``diagnostics`` (by
    default those ``g`` carries) are comments in DOT, and graph attributes
    ``diagnostics`` and ``warnings`` in GraphML (JSON text) and node-link JSON."""
    diags = carried(g) if diagnostics is None else tuple(diagnostics)
    if fmt is GraphFormat.GRAPHML:
        with binary_stream(out) as binary:
            graphml.write(g, binary, policies=policies, diagnostics=diags)
        return
    with text_stream(out) as raw:
        text = escaped(raw, txt=False)
        if fmt is GraphFormat.DOT:
            dot.render(g, text, tooltips=tooltips, diagnostics=diags)
        else:
            nodelink.render(g, text, policies=policies, diagnostics=diags)
        text.flush()
