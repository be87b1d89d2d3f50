"""Query results as pictures: a path over its neighbourhood, a blast radius or exposure as
the tree of hops with nodes shaded by hop distance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reach.analysis.nodes import Node, external_node
from reach.draw import style
from reach.draw.model import (
    PEdge,
    Picture,
    PNode,
    end_pnode,
    loose_pnode,
    node_pnode,
    picture_of,
    short,
)
from reach.draw.picture import draw_picture
from reach.model.ipspace import merge_adjacent
from reach.words import count

if TYPE_CHECKING:
    from collections.abc import Set

    import networkx as nx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from reach.analysis.paths import PathResult, QueryEnd
    from reach.analysis.radius import Radius, Reached
    from reach.model.ports import PortSet


# -- paths --------------------------------------------------------------------------------------
def draw_path(
    result: PathResult,
    ax: Axes | None = None,
    graph: nx.DiGraph | None = None,
    rename: dict[str, str] | None = None,
) -> Figure:
    """Draw a path result: its hops over the neighbourhood from ``graph`` when given.

    ``rename`` maps the result's endpoint labels to node ids of ``graph``.
    """
    rename = rename or {}

    def name(x: str) -> str:
        return rename.get(x, x)

    hops = [(name(h.src), name(h.dst), h) for path in result.paths for h in path]
    on_path = {result.src and name(result.src), name(result.dst)}
    on_path |= {s for s, _, _ in hops} | {d for _, d, _ in hops}
    by = graph.graph.get("granularity", "workload") if graph is not None else "workload"
    nodes: dict[str, PNode] = {}
    edges: list[PEdge] = []
    note = ""
    if graph is not None:
        nodes, edges, note = _neighbourhood(graph, on_path, {(s, d) for s, d, _ in hops})
    named = _named_on_path(result)
    for n in on_path:
        if n not in nodes:
            what = named.get(n)
            nodes[n] = node_pnode(what, by) if isinstance(what, Node) else end_pnode(n, what, by)
        nodes[n].emphasis = True
        nodes[n].faded = False
    multi = len(result.paths) > 1
    for k, path in enumerate(result.paths, start=1):
        for i, h in enumerate(path, start=1):
            tag = f"{k}.{i}" if multi else f"{i}"
            edges.append(PEdge(name(h.src), name(h.dst), f"{tag}: {h.ports}", False, True))
    seen: set[tuple[str, str]] = set()
    unique: list[PEdge] = []
    for e in edges:
        if (e.src, e.dst) not in seen:
            seen.add((e.src, e.dst))
            unique.append(e)
    title, sub = _path_titles(result, graph=graph is not None)
    pic = Picture(nodes, unique, title, sub, note, port_labels=False)
    return draw_picture(pic, ax)


def _neighbourhood(
    graph: nx.DiGraph, on_path: Set[str], path_pairs: Set[tuple[str, str]]
) -> tuple[dict[str, PNode], list[PEdge], str]:
    """The nodes on the path and their neighbours in ``graph`` (those off the path faded),
    the other edges among them (faded), and a note when the neighbours are too many."""
    note = ""
    near = set(on_path)
    for n in on_path:
        if n in graph:
            near |= set(graph.successors(n)) | set(graph.predecessors(n))
    if len(near) > style.MAX_DRAW_NODES:
        note = f"{len(near)} neighbours are too many to draw; the path alone"
        near = set(on_path)
    pic = picture_of(graph.subgraph(near))
    for p in pic.nodes.values():
        p.faded = p.id not in on_path
    edges = [e for e in pic.edges if (e.src, e.dst) not in path_pairs]
    for e in edges:
        e.faded = True
    if len(edges) > style.MAX_DRAW_EDGES:
        edges = [e for e in edges if e.src in on_path and e.dst in on_path]
    return pic.nodes, edges, note


def _named_on_path(result: PathResult) -> dict[str, Node | QueryEnd]:
    """What each label on the path names: a node of the view, or one of the query's ends."""
    named: dict[str, Node | QueryEnd] = {}
    for path in result.paths:
        for h in path:
            if h.src_node is not None:
                named[h.src] = h.src_node
            if h.dst_node is not None:
                named[h.dst] = h.dst_node
    for end in (result.src_end, result.dst_end):
        if end is not None:
            named[end.label] = end
    return named


def _path_titles(result: PathResult, *, graph: bool) -> tuple[str, str]:
    flt = f" on {result.port_filter}" if result.port_filter else ""
    title = f"path{flt}: {result.src} → {result.dst}"
    if result.reachable:
        n_hops = len(result.paths[0])
        sub = f"shortest path: {n_hops} hop{'s' if n_hops != 1 else ''}"
        if result.direct_ok:
            sub = f"direct: {result.direct}; " + sub
        if len(result.paths) > 1:
            sub += f" ({len(result.paths)} paths)"
    else:
        sub = "no path: not reachable"
    if graph:
        sub += "; grey: the other connections of the nodes on the path"
    return title, sub


# -- blast radius and exposure ------------------------------------------------------------------
@dataclass(frozen=True)
class _Step:
    """A node of the tree of hops, and the hop that reaches it first."""

    node: Node
    hops: int
    via: str | None  # the node the hop comes from (None: the start)
    via_node: Node | None
    ports: PortSet


def draw_radius(result: Radius, ax: Axes | None = None, source: str = "") -> Figure:
    """Blast radius or exposure as the tree of hops, nodes shaded by hop distance.

    Each node is drawn with the hop that reaches it first (from ``via``, or from
    the start). More than :data:`~reach.draw.style.MAX_DRAW_NODES` nodes are summed
    up per namespace, shaded by the nearest node's distance.
    """
    forward = result.direction == "forward"
    start = result.target
    start_node = end_pnode(start, result.target_end, result.by)
    start_node.type, start_node.emphasis, start_node.shade = "start", True, 0
    nodes: dict[str, PNode] = {start: start_node}
    steps = _steps(result)
    if len(steps) + 1 <= style.MAX_DRAW_NODES:
        edges = _tree(nodes, steps, result, forward=forward)
        note = ""
    else:
        note = (
            f"{len(result.entries)} nodes are too many to draw: one box per namespace, "
            "shaded by its nearest node"
        )
        nodes, edges = _per_namespace(nodes, result, forward=forward)
    title, sub = _radius_titles(result, source)
    pic = Picture(
        nodes,
        edges,
        title,
        sub,
        note,
        shade_title="hops from start" if forward else "hops to target",
    )
    if len(nodes) > 1:
        # groups as near as their nearest node; ties by name (never by a set's order)
        pic.group_order = sorted(
            {p.group for p in nodes.values()},
            key=lambda g: (min(p.shade or 0 for p in nodes.values() if p.group == g), g),
        )
    return draw_picture(pic, ax)


def _steps(result: Radius) -> list[_Step]:
    """The entries as steps of the tree, in their order, then the external ranges in
    address order, adjacent ones reached alike (same hops, via and ports) merged."""
    steps = [
        _Step(e.node, e.hops, e.via, e.via_node, e.ports)
        for e in result.entries
        if e.node.type != "external"
    ]
    alike: dict[tuple[int, str | None, PortSet], list[Reached]] = {}
    for e in result.entries:
        if e.node.type == "external":
            alike.setdefault((e.hops, e.via, e.ports), []).append(e)
    ranges: list[_Step] = []
    for group in alike.values():
        first = group[0]
        for merged in merge_adjacent(e.node.range for e in group):
            node = external_node(merged)
            ranges.append(_Step(node, first.hops, first.via, first.via_node, first.ports))
    ranges.sort(key=lambda step: step.node.range)
    return steps + ranges


def _tree(
    nodes: dict[str, PNode], steps: list[_Step], result: Radius, *, forward: bool
) -> list[PEdge]:
    """Add each step's node to ``nodes``, shaded by its hops; the hops as edges."""
    for step in steps:
        p = node_pnode(step.node, result.by)
        p.shade = step.hops
        nodes[step.node.id] = p
    edges = []
    for step in steps:
        prev = step.via or result.target
        if prev not in nodes:
            via = step.via_node
            nodes[prev] = node_pnode(via, result.by) if via is not None else loose_pnode(prev)
        a, b = (prev, step.node.id) if forward else (step.node.id, prev)
        edges.append(PEdge(a, b, str(step.ports), step.ports.is_all()))
    return edges


def _per_namespace(
    nodes: dict[str, PNode], result: Radius, *, forward: bool
) -> tuple[dict[str, PNode], list[PEdge]]:
    """The start (in ``nodes``) and one node per namespace holding reached nodes, shaded by
    the nearest; edges between namespaces that some first hop joins."""
    start = result.target
    best: dict[str, int] = {}
    count: dict[str, int] = {}
    home = nodes[start].group if nodes[start].group not in ("", "*") else ""
    for e in result.entries:
        ns = _group_of(e.node)
        best[ns] = min(best.get(ns, 99), e.hops)
        count[ns] = count.get(ns, 0) + 1
    what = {"(external)": ("range", "external"), "(pseudo)": ("pseudo node", "pseudo")}
    for ns in sorted(best):
        noun, typ = what.get(ns, (result.by, "namespace"))
        label = f"{short(ns)}\n{count[ns]} {noun}s"
        nodes[ns] = PNode(f"ns:{ns}", label, typ, "Namespace", "*", shade=best[ns])
    nodes = {p.id: p for p in nodes.values()}
    links: set[tuple[str, str]] = set()
    for e in result.entries:
        prev = e.via or start
        # a hop from a workload or pod leaves from its namespace's node; a hop from
        # anything else from the start's namespace (or from the external ranges' node)
        via = e.via_node
        prev_ns = via.namespace if via is not None and via.type in ("pod", "workload") else None
        a = start if prev == start else f"ns:{prev_ns or home or '(external)'}"
        b = f"ns:{_group_of(e.node)}"
        if a != b and a in nodes and b in nodes:
            links.add((a, b) if forward else (b, a))
    if len(links) > style.MAX_DRAW_EDGES:
        return nodes, []
    return nodes, [PEdge(a, b, "", False) for a, b in sorted(links)]


def _group_of(node: Node) -> str:
    """The node of the per-namespace picture a reached node counts in (a network set, even a
    namespaced one, among the external ranges)."""
    if node.namespace and node.type != "networkset":
        return node.namespace
    return "(pseudo)" if node.type == "pseudo" else "(external)"


def _radius_titles(result: Radius, source: str) -> tuple[str, str]:
    c = result.counts()
    flt = f" on {result.port_filter}" if result.port_filter else ""
    lim = f" within {count(result.max_hops, 'hop')}" if result.max_hops else ""
    title = f"{result.title} of {result.target}{flt}{lim}"
    if source:
        title = f"{source}: {title}"
    sub = (
        f"{count(int(str(c['nodes'])), result.by)} ({count(int(str(c['pods'])), 'pod')}) in "
        f"{count(int(str(c['namespaces'])), 'namespace')}, "
        f"{count(int(str(c['external_ranges'])), 'external range')}"
        + (f", {count(int(str(c['network_sets'])), 'network set')}" if "network_sets" in c else "")
        + (f", {count(int(str(c['pseudo_nodes'])), 'pseudo node')}" if "pseudo_nodes" in c else "")
        + "; arrows: the hop that reaches each node first"
    )
    if result.direction != "forward" and result.internet_exposed:
        sub += "; reachable from the internet"
    return title, sub
