"""Pictures and graph exports of a loaded cluster (DOT, PNG/SVG, GraphML, node-link JSON)."""

from __future__ import annotations


class ExportMixin:
    """Export methods of :class:`reach.Reach` (``to_dot``, ``draw``, ``to_graphml``, ...)."""
