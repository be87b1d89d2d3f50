"""The picture model: nodes and edges to draw, built from a graph or from query results.

A :class:`Picture` says what to draw (labels, kinds, groups, highlights), not
where: :mod:`reach.draw.layout` places it and :mod:`reach.draw.picture` draws it.
Picture nodes are made from :class:`~reach.analysis.nodes.Node` objects (a graph
carries them in its node attribute :data:`~reach.analysis.graph.NODE`) and, for the
ends of queries, from :class:`~reach.analysis.paths.QueryEnd`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reach.analysis.graph import NODE
from reach.analysis.labels import kind_of, title_of
from reach.draw.style import PSEUDO_GROUP

if TYPE_CHECKING:
    import networkx as nx

    from reach.analysis.nodes import Node
    from reach.analysis.paths import QueryEnd


@dataclass
class PNode:
    """A node to draw: its label, what it is (colour and shape), and the box it goes in."""

    id: str
    label: str
    type: str  # workload | pod | namespace | external | pseudo | entry | representative | start
    kind: str
    group: str  # namespace, "" for external ranges, PSEUDO_GROUP, "*" for ungrouped
    shade: int | None = None  # hop distance in highlights
    emphasis: bool = False
    faded: bool = False
    full: str = ""  # the full name (the SVG tooltip), when the label is cut

    @property
    def tooltip(self) -> str:
        """What hovering over the node in SVG shows: its full name and kind."""
        name = self.full or self.label.replace("\n", "")
        if not self.kind or self.type == "start" or name.endswith(f"[{self.kind}]"):
            return name
        return f"{name} [{self.kind}]"


@dataclass
class PEdge:
    """An arrow to draw, between two :class:`PNode` ids."""

    src: str
    dst: str
    label: str
    all_ports: bool
    highlight: bool = False
    faded: bool = False
    tooltip: str = ""  # the SVG tooltip of the arrow (none: its label)


@dataclass
class Picture:
    """Everything one picture shows, keyed by node id, with its titles: ``title`` names
    the view, ``source`` the input (none: the title alone)."""

    nodes: dict[str, PNode]
    edges: list[PEdge]
    title: str
    subtitle: str = ""
    note: str = ""
    port_labels: bool | None = None  # None: when the picture has few edges
    shade_title: str = ""  # legend title of the hop shades
    group_order: list[str] = field(default_factory=list)
    source: str = ""


#: Node names longer than this are cut in the middle.
NAME_CHARS = 24


def short(text: str, n: int = NAME_CHARS) -> str:
    """``text`` cut to ``n`` characters in the middle, with an ellipsis when cut, so that
    names sharing a prefix stay apart (``argocd-applic…-controller``)."""
    if len(text) <= n:
        return text
    head = n // 2
    tail = n - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


def range_label(text: str) -> str:
    """An external range as ``reach list`` writes it (``first-last``, a CIDR or an address),
    broken after the dash when long."""
    first, sep, last = text.partition("-")
    if sep and len(text) > 16:
        return f"{first}-\n{last}"
    return text


def distinct_labels(nodes: dict[str, PNode]) -> None:
    """Lengthen the cut labels of nodes in the same box that read the same, up to their
    full names; nodes whose full names are the same too get their kind added."""
    for _ in range(4):
        seen: dict[tuple[str, str], list[PNode]] = {}
        for p in nodes.values():
            seen.setdefault((p.group, p.label), []).append(p)
        clashes = [ps for ps in seen.values() if len(ps) > 1]
        if not clashes:
            return
        for ps in clashes:
            fulls = {p.full or p.label for p in ps}
            for p in ps:
                name = p.full or p.label
                if len(fulls) < len(ps):
                    p.label = f"{short(name)} ({p.kind})"
                elif p.full:
                    p.label = short(name, len(p.label) + 8)


def external_pnode(node_id: str, addresses: str) -> PNode:
    """An external range (``addresses`` as ``first-last``, a CIDR or an address)."""
    return PNode(node_id, range_label(addresses), "external", "External", "", full=addresses)


def network_set_pnode(node: Node) -> PNode:
    """A Calico network set, among the external ranges (its addresses are outside), labelled
    with its name and CIDRs (its colour and the legend give its kind)."""
    nets = ", ".join(node.nets)
    label = f"{short(node.name, 30)}\n{short(nets, 30)}"
    return PNode(node.id, label, "external", node.kind, "", full=f"{node.id} {nets}")


def pseudo_pnode(node_id: str, kind: str, name: str) -> PNode:
    """A pseudo peer (a Cilium entity or FQDN with no known addresses), in a box of its own
    (:data:`~reach.draw.style.PSEUDO_GROUP`), labelled with its name (its colour and the
    legend give its kind)."""
    return PNode(node_id, short(name, 30), "pseudo", kind, PSEUDO_GROUP, full=name)


def namespace_pnode(node_id: str, name: str) -> PNode:
    """A whole namespace, outside every box."""
    return PNode(node_id, short(name), "namespace", "Namespace", "*", full=name)


def entry_pnode(node_id: str, kind: str) -> PNode:
    """An entry point (the internet, the ingress controller), outside every box."""
    return PNode(node_id, short(node_id, 30), "entry", kind, "*", full=node_id)


def representative_pnode(node_id: str, kind: str, name: str) -> PNode:
    """A representative peer (pods that may be added), outside every box, labelled in
    words on up to three lines."""
    lines = textwrap.wrap(name, 26)
    text = "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")
    return PNode(node_id, text, "representative", kind, "*", full=name)


def loose_pnode(label: str) -> PNode:
    """A node for what is no node of the picture's kind (a label selector, a namespace
    reference): drawn as a star with the label, outside every box."""
    return PNode(label, short(label, 30), "start", "", "*", full=label)


def workload_pnode(node_id: str, namespace: str, name: str, kind: str, by: str) -> PNode:
    """A workload or pod in its namespace's box (a pod when ``by`` is pod and it is one)."""
    typ = "pod" if kind == "Pod" and by == "pod" else "workload"
    return PNode(node_id, short(name), typ, kind, namespace, full=node_id)


def node_pnode(node: Node, by: str) -> PNode:
    """The picture node of a view node, in a picture at granularity ``by``.

    A namespace node in a picture at another granularity is drawn loose. A pod keeps
    the kind Pod here, where :func:`picture_of` gives a graph's pods their workload's.
    """
    if node.type == "external":
        return external_pnode(node.id, node.name)
    if node.type == "networkset":
        return network_set_pnode(node)
    if node.type == "pseudo":
        return pseudo_pnode(node.id, node.kind, node.name)
    if node.type == "namespace":
        return namespace_pnode(node.id, node.name) if by == "namespace" else loose_pnode(node.id)
    if node.type == "entry":
        return entry_pnode(node.id, node.kind)
    if node.type == "representative":
        return representative_pnode(node.id, node.kind, node.name)
    return workload_pnode(node.id, node.namespace or "", node.name, node.kind, by)


def end_pnode(label: str, end: QueryEnd | None, by: str) -> PNode:
    """The picture node of a query's end ``label``, from what it names (``end``)."""
    if end is not None and end.addresses is not None:
        return external_pnode(label, end.addresses)
    if end is not None and end.workload is not None:
        w = end.workload
        return workload_pnode(label, w.namespace, w.name, w.kind, by)
    return loose_pnode(label)


def picture_of(g: nx.DiGraph) -> Picture:
    """The picture model of an export graph."""
    nodes: dict[str, PNode] = {}
    by = g.graph.get("granularity", "workload")
    for node_id, attrs in g.nodes(data=True):
        node: Node = attrs[NODE]
        if node.type == "external":
            nodes[node_id] = external_pnode(node_id, node.name)
        elif node.type == "networkset":
            nodes[node_id] = network_set_pnode(node)
        elif node.type == "pseudo":
            nodes[node_id] = pseudo_pnode(node_id, node.kind, node.name)
        elif node.type == "namespace":
            nodes[node_id] = namespace_pnode(node_id, node.name)
        elif node.type == "entry":
            nodes[node_id] = entry_pnode(node_id, node.kind)
        elif node.type == "representative":
            nodes[node_id] = representative_pnode(node_id, node.kind, node.name)
        else:
            kind = kind_of(attrs)  # as in the other exports: a pod has its workload's kind
            ns = node.namespace or ""
            nodes[node_id] = PNode(node_id, short(node.name), node.type, kind, ns, full=node_id)
    for node_id in g.graph.get("focus_nodes", ()):
        if node_id in nodes:
            nodes[node_id].emphasis = True
    edges = [
        PEdge(s, d, a.get("connections", str(a["ports"])), a["ports"].is_all())
        for s, d, a in g.edges(data=True)
    ]
    outside = ("external", "pseudo", "entry", "representative")
    n_int = sum(1 for p in nodes.values() if p.type not in outside)
    n_sets = sum(1 for p in nodes.values() if p.kind in ("NetworkSet", "GlobalNetworkSet"))
    n_ext = sum(1 for p in nodes.values() if p.type == "external") - n_sets
    n_pseudo = sum(1 for p in nodes.values() if p.type == "pseudo")
    n_rep = sum(1 for p in nodes.values() if p.type == "representative")
    n_entry = len(nodes) - n_int - n_ext - n_sets - n_rep - n_pseudo
    sub = f"{n_int} {by}{'s' if n_int != 1 else ''}"
    if n_entry:
        sub += f", {n_entry} entry point{'s' if n_entry != 1 else ''}"
    if n_rep:
        sub += f", {n_rep} representative peer{'s' if n_rep != 1 else ''}"
    if n_ext:
        sub += f", {n_ext} external range{'s' if n_ext != 1 else ''}"
    if n_sets:
        sub += f", {n_sets} network set{'s' if n_sets != 1 else ''}"
    if n_pseudo:
        sub += f", {n_pseudo} pseudo node{'s' if n_pseudo != 1 else ''}"
    n_pot = sum(1 for e in edges if "representative" in (nodes[e.src].type, nodes[e.dst].type))
    n_now = len(edges) - n_pot
    sub += f", {n_now} allowed connection{'s' if n_now != 1 else ''}"
    if n_pot:
        sub += f", {n_pot} with pods to come"
    distinct_labels(nodes)
    source = str(g.graph.get("source") or "cluster")
    title = title_of(g).removeprefix(f"{source}: ")
    return Picture(nodes, edges, title, sub, source=source)
