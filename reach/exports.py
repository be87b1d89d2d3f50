"""Pictures and graph exports of a loaded cluster (DOT, PNG/SVG, GraphML, node-link JSON).

Every export starts from the same *export graph*: a networkx ``DiGraph`` at one
granularity whose external address ranges are merged the way ``reach list``
prints them, optionally cut down to some namespaces (``namespaces``) or to the
neighbourhood of one node (``focus`` and ``hops``). Nodes carry the attributes
of :attr:`reach.Reach.graph` (``type``, ``kind``, ``namespace``, ``name``,
``labels``, ``workload``, ``pods``, ``host_network``; ``cidr`` for external
ranges); edges carry ``ports`` (a :class:`~reach.ports.PortSet`) and
``policies`` (computed when read).

Pictures of graphs with more than :data:`~reach.draw.MAX_DRAW_NODES` nodes or
:data:`~reach.draw.MAX_DRAW_EDGES` edges fall back to the namespace view, and
from there to the namespace x namespace matrix.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from .connections import Node, View
from .engine import IntVec
from .errors import ReachError

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .engine import Reachability
    from .explain import Provenance
    from .model import Cluster
    from .paths import PathResult
    from .radius import Radius
    from .refs import Target

VIEWS = ("graph", "matrix")


class ExportMixin:
    """Export methods of :class:`reach.Reach` (``to_dot``, ``draw``, ``to_graphml``, ...)."""

    if TYPE_CHECKING:
        cluster: Cluster
        reachability: Reachability

        @property
        def provenance(self) -> Provenance: ...

        def view(self, by: str = "workload", ipv6: bool | None = None) -> View: ...

        def resolve(self, ref: str, namespace: str | None = None) -> Target: ...

    # -- the graph every export draws from ----------------------------------------------
    def export_graph(
        self,
        by: str = "workload",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        merge_external: bool = True,
        source: str | None = None,
    ) -> nx.DiGraph:
        """The graph that exports and pictures show, at granularity ``by``.

        ``namespaces`` keeps the nodes of those namespaces and the external ranges
        they talk to. ``focus`` (a node reference, see :mod:`reach.refs`) keeps the
        nodes within ``hops`` allowed connections of it, forward and backward,
        without passing through external ranges. ``merge_external`` merges
        adjacent external segments with the same ports, as ``reach list`` does.
        """
        if hops < 1:
            raise ValueError("hops must be at least 1")
        ns_list = sorted(set(namespaces or ()))
        view = self.view(by)
        nodes, src, dst, ids, classes = _edges(view, merge_external)
        n_int = view.n_internal
        n = len(nodes)
        is_ext = np.arange(n) >= n_int
        keep = np.ones(n, dtype=bool)
        if ns_list:
            unknown = [ns for ns in ns_list if ns not in self.cluster.namespaces]
            if unknown:
                known = ", ".join(sorted(self.cluster.namespaces)) or "none"
                raise ReachError(f"no namespace {', '.join(unknown)} (namespaces: {known})")
            wanted = set(ns_list)
            keep[:n_int] = [node.namespace in wanted for node in nodes[:n_int]]
            keep[n_int:] = False
            touch = keep[src] | keep[dst]
            keep[src[touch & is_ext[src]]] = True
            keep[dst[touch & is_ext[dst]]] = True
        focus_nodes: list[str] = []
        if focus is not None:
            hint = ns_list[0] if len(ns_list) == 1 else None
            start = _start_nodes(self.resolve(focus, hint), view, nodes, self.reachability)
            start &= keep
            if not start.any():
                raise ReachError(f"{focus!r} is not among the nodes shown")
            inside = keep[src] & keep[dst]
            keep = _neighbourhood(start, src[inside], dst[inside], is_ext, hops)
            focus_nodes = [nodes[i].id for i in np.flatnonzero(start).tolist()]
        inside = keep[src] & keep[dst]
        prov = self.provenance
        portsets = self.reachability.atoms.portsets
        import networkx as nx  # imported when first needed: it costs a tenth of a second

        from .graph import EdgePolicies, node_attrs

        g: nx.DiGraph = nx.DiGraph(
            granularity=by,
            source=source or self.default_source(),
            namespaces=",".join(ns_list),
            focus=focus or "",
            hops=hops if focus else 0,
        )
        if focus_nodes:
            g.graph["focus_nodes"] = focus_nodes
        pods = self.reachability.pods
        for i in np.flatnonzero(keep).tolist():
            attrs = node_attrs(nodes[i])
            if by == "pod" and i < n_int:
                attrs["workload"] = str(pods[view.node_pods[i][0]].owner)
            g.add_node(nodes[i].id, **attrs)
        g.add_edges_from(
            (
                nodes[s].id,
                nodes[d].id,
                {"ports": portsets[p], "policies": EdgePolicies(prov, classes[s], classes[d])},
            )
            for s, d, p in zip(
                src[inside].tolist(), dst[inside].tolist(), ids[inside].tolist(), strict=True
            )
        )
        return g

    def default_source(self) -> str:
        """What titles call the input when the caller names none."""
        sources = getattr(self.cluster, "sources", None) or []
        return ", ".join(sources) if sources else "cluster"

    # -- text and file exports --------------------------------------------------------------
    def to_dot(
        self,
        by: str = "workload",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        source: str | None = None,
        tooltips: bool | None = None,
    ) -> str:
        """The graph as Graphviz DOT text: namespaces as ``cluster_*`` subgraphs.

        ``tooltips`` adds each edge's policies as its tooltip (by default when the
        graph has at most 2,000 edges: they cost time to compute).
        """
        from .formats import dot

        g = self.export_graph(by, namespaces, focus, hops, source=source)
        out = io.StringIO()
        dot.render(g, out, tooltips=tooltips)
        return out.getvalue()

    def to_graphml(
        self,
        path: str | Path | IO[bytes],
        by: str = "workload",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        source: str | None = None,
        policies: bool = True,
    ) -> None:
        """Write GraphML: every node and edge attribute, ports as text, labels as JSON text."""
        from .formats import graphml

        g = self.export_graph(by, namespaces, focus, hops, source=source)
        graphml.write(g, path, policies=policies)

    def to_node_link(
        self,
        by: str = "workload",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        source: str | None = None,
        policies: bool = True,
    ) -> dict[str, Any]:
        """The graph as networkx node-link data (``json.dump`` it), ports as text."""
        from .formats import nodelink

        g = self.export_graph(by, namespaces, focus, hops, source=source)
        return nodelink.data(g, policies=policies)

    # -- pictures --------------------------------------------------------------------------
    def draw(
        self,
        ax: Axes | None = None,
        by: str = "workload",
        view: str = "graph",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        source: str | None = None,
        value: str = "share",
        port_labels: bool | None = None,
        notes: list[str] | None = None,
    ) -> Figure:
        """Draw the graph (or ``view="matrix"``: the namespace x namespace heatmap).

        Returns the matplotlib figure (``ax``'s, or a new one). A graph with more
        than :data:`~reach.draw.MAX_DRAW_NODES` nodes or
        :data:`~reach.draw.MAX_DRAW_EDGES` edges is drawn at namespace
        granularity instead, and a namespace graph that is still too large as the
        matrix; each fallback is said in the picture and appended to ``notes``.
        """
        from . import draw as d

        if view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
        ns_list = sorted(set(namespaces or ()))
        src_text = source or self.default_source()
        said: list[str] = []
        if view == "graph":
            limits = f"limits: {d.MAX_DRAW_NODES} nodes, {d.MAX_DRAW_EDGES} edges"
            for level in dict.fromkeys([by, "namespace"]):
                many = None if focus else self._internal_nodes(level, ns_list)
                if many is not None and many > d.MAX_DRAW_NODES:
                    size = f"{many:,} {level}s"
                else:
                    g = self.export_graph(level, ns_list, focus, hops, source=src_text)
                    if not d.too_large(g):
                        if notes is not None:
                            notes.extend(said)
                        return d.draw_graph(g, ax, note="; ".join(said), port_labels=port_labels)
                    size = d.size_text(g)
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
        data = d.matrix_data(self.view(by if by != "namespace" else "workload"), ns_list)
        return d.draw_matrix(data, ax, source=src_text, value=value, note="; ".join(said))

    def _internal_nodes(self, by: str, namespaces: Sequence[str]) -> int:
        """How many pods, workloads or namespaces a picture would show (before externals)."""
        nodes = self.view(by).nodes[: self.view(by).n_internal]
        if not namespaces:
            return len(nodes)
        wanted = set(namespaces)
        return sum(1 for n in nodes if n.namespace in wanted)

    def draw_path(
        self,
        result: PathResult,
        ax: Axes | None = None,
        src: str | None = None,
        dst: str | None = None,
        namespace: str | None = None,
        by: str = "workload",
        source: str | None = None,
    ) -> Figure:
        """Draw a :meth:`path` result over its neighbourhood: the path's nodes and their
        direct neighbours, path hops highlighted and numbered.

        ``src``/``dst`` are the references the path was asked with (default: its
        labels); ``by`` the granularity it was asked at.
        """
        from . import draw as d

        g = self.export_graph(by, source=source)
        ends: dict[str, str] = {}
        for label, ref in ((result.src, src or result.src), (result.dst, dst or result.dst)):
            if label in g:
                continue
            try:
                target = self.resolve(ref, namespace)
            except ReachError:  # the label is drawn as its own node
                continue
            if target.external:  # an address range of its own: drawn as such
                continue
            view = self.view(by)
            mask = _start_nodes(target, view, list(view.nodes), self.reachability)
            found = [view.nodes[i].id for i in np.flatnonzero(mask).tolist()]
            if len(found) == 1 and found[0] in g:
                ends[label] = found[0]
        return d.draw_path(result, ax, graph=g, rename=ends)

    def draw_radius(
        self, result: Radius, ax: Axes | None = None, source: str | None = None
    ) -> Figure:
        """Draw a :meth:`blast_radius` or :meth:`exposure` result, nodes shaded by hops."""
        from . import draw as d

        return d.draw_radius(result, ax, source=source or self.default_source())

    # -- notebooks ---------------------------------------------------------------------------
    def _repr_png_(self) -> bytes | None:
        from . import draw as d

        if d.NOTEBOOK_FORMAT != "png":
            return None
        return d.figure_bytes(self.draw(), "png")

    def _repr_svg_(self) -> str | None:
        from . import draw as d

        if d.NOTEBOOK_FORMAT != "svg":
            return None
        return d.figure_bytes(self.draw(), "svg").decode("utf-8")


def _edges(
    view: View, merge_external: bool
) -> tuple[list[Node], IntVec, IntVec, IntVec, list[IntVec]]:
    """Nodes, edge arrays ``(src, dst, port-set id)`` and each node's classes."""
    n_int = view.n_internal
    if merge_external:
        from .formats import table

        tb = table(view)
        nodes = tb.nodes
        classes = list(view.node_classes[:n_int])
        ext = view.nodes[n_int:]
        ext_classes = view.node_classes[n_int:]
        for node in nodes[n_int:]:
            rng = node.range
            inside = [c for e, c in zip(ext, ext_classes, strict=True) if rng.contains(e.range)]
            classes.append(np.concatenate(inside) if inside else np.zeros(0, np.intp))
        return nodes, tb.src, tb.dst, tb.ports, classes
    blocks = list(view.edge_blocks())
    if blocks:
        src = np.concatenate([b[0] for b in blocks])
        dst = np.concatenate([b[1] for b in blocks])
        ids = np.concatenate([b[2] for b in blocks])
    else:
        src = dst = ids = np.zeros(0, np.intp)
    return list(view.nodes), src, dst, ids, list(view.node_classes)


def _start_nodes(
    target: Target, view: View, nodes: Sequence[Node], reach: Reachability
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Mask over ``nodes`` of those the target falls in (external: overlapping ranges)."""
    mask = np.zeros(len(nodes), dtype=bool)
    n_int = view.n_internal
    if target.external:
        segs = [reach.segments[i] for i in target.segments.tolist()]
        for i in range(n_int, len(nodes)):
            rng = nodes[i].range
            mask[i] = any(
                s.version == rng.version and s.first <= rng.last and rng.first <= s.last
                for s in segs
            )
        return mask
    pod_node = np.full(len(reach.pods), -1, dtype=np.intp)
    for i, members in enumerate(view.node_pods):
        pod_node[members] = i
    hit = pod_node[target.pods]
    mask[hit[hit >= 0]] = True
    return mask


def _neighbourhood(
    start: np.ndarray[Any, np.dtype[np.bool_]],
    src: IntVec,
    dst: IntVec,
    is_ext: np.ndarray[Any, np.dtype[np.bool_]],
    hops: int,
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Nodes within ``hops`` edges of ``start``, forward or backward (not through externals)."""
    keep = start.copy()
    for a, b in ((src, dst), (dst, src)):
        reached = start.copy()
        frontier = start.copy()
        for _ in range(hops):
            expand = frontier & (~is_ext | start)
            hit = np.zeros(len(start), dtype=bool)
            hit[b[expand[a]]] = True
            frontier = hit & ~reached
            if not frontier.any():
                break
            reached |= frontier
        keep |= reached
    return keep
