"""Graphviz DOT of an export graph (see :meth:`reach.Reach.export_graph`).

- each namespace is a ``subgraph "cluster_<ns>"`` box (at pod and workload
  granularity), and the external address ranges share one
  ``subgraph "cluster_external"`` box;
- representative peers (``--potential``) are dashed octagons outside the boxes,
  labelled in words; their edges are labelled with the exposure section's text;
- edge labels carry the ports; an edge that allows every port is drawn bold and
  red, a port-restricted one thin and grey;
- every identifier and string is double-quoted with ``"`` and ``\\`` escaped and
  newlines written as ``\\n``, so names and labels may hold any character.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import TextIO

import networkx as nx

from reach.analysis.labels import external_label, kind_of, title_of
from reach.model.ports import PortSet
from reach.output.diagnostics import Diags, line

#: Fill colour per kind (workloads and pods are coloured by their workload's kind).
KIND_COLOURS = {
    "Deployment": "#9ecae1",
    "StatefulSet": "#c5b0d5",
    "DaemonSet": "#a1d99b",
    "ReplicaSet": "#9edae5",
    "ReplicationController": "#9edae5",
    "Job": "#dbdb8d",
    "CronJob": "#e7cb94",
    "Pod": "#d9d9d9",
    "Namespace": "#a6dba0",
    "External": "#fdae6b",
    "Internet": "#ff9896",
    "IngressController": "#f7b6d2",
    "EntireCluster": "#b39ddb",
    "Representative": "#80deea",
    "Entity": "#bcaaa4",
    "FQDN": "#f48fb1",
    "NetworkSet": "#ffcc80",
    "GlobalNetworkSet": "#ffb74d",
}
OTHER_COLOUR = "#e0e0e0"
SHAPES = {
    "workload": "box",
    "pod": "ellipse",
    "namespace": "tab",
    "external": "hexagon",
    "entry": "invhouse",
    "representative": "octagon",
    "pseudo": "diamond",
    "networkset": "cylinder",
}
#: The group key of the pseudo nodes (no namespace is named so: a name has no spaces).
PSEUDO = " pseudo"
#: The subgraphs of the groups that are no namespace: (name, label).
_SPECIAL = {
    "": ("cluster_external", "external ranges"),
    PSEUDO: ("cluster_pseudo", "Cilium pseudo nodes (no known address)"),
}
ALL_PORTS_STYLE = 'color="#c62828", fontcolor="#c62828", penwidth=2.2, style=bold'
SOME_PORTS_STYLE = 'color="#546e7a", fontcolor="#37474f", penwidth=1.0'
#: Edge tooltips name the policies of each edge up to this many edges (they cost time).
TOOLTIP_MAX_EDGES = 2000


def quote(text: object) -> str:
    """A DOT double-quoted string holding ``text`` exactly (any characters)."""
    s = str(text).replace("\\", "\\\\").replace('"', '\\"')
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{s}"'


def _attrs(pairs: Iterable[tuple[str, object]]) -> str:
    return ", ".join(f"{k}={quote(v)}" for k, v in pairs)


def render(
    g: nx.DiGraph, out: TextIO, *, tooltips: bool | None = None, diagnostics: Diags = ()
) -> None:
    """Write ``g`` as a DOT ``digraph``; ``tooltips`` names the policies of each edge (by
    default when it has at most :data:`TOOLTIP_MAX_EDGES` edges); each diagnostic is a
    ``//`` comment line after the first."""
    if tooltips is None:
        tooltips = g.number_of_edges() <= TOOLTIP_MAX_EDGES
    by = g.graph.get("granularity", "workload")
    w = out.write
    w("// reach: Kubernetes NetworkPolicy reachability\n")
    w("".join(f"// {line(d)}\n" for d in diagnostics))
    w("digraph reach {\n")
    w(
        f"  graph [{_attrs([('label', title_of(g)), ('labelloc', 't'), ('fontsize', 16)])}, "
        'rankdir="LR", fontname="Helvetica", compound="true", nodesep="0.3", ranksep="1.1"];\n'
    )
    w('  node [fontname="Helvetica", fontsize="11", style="filled,rounded"];\n')
    w('  edge [fontname="Helvetica", fontsize="9", arrowsize="0.7"];\n')
    groups: dict[str, list[str]] = {}
    loose: list[str] = []
    for node, attrs in g.nodes(data=True):
        if attrs.get("type") in ("external", "networkset"):  # addresses outside the cluster
            groups.setdefault("", []).append(node)
        elif attrs.get("type") == "pseudo":  # a Cilium entity or FQDN: no address known
            groups.setdefault(PSEUDO, []).append(node)
        elif by == "namespace" or not attrs.get("namespace"):
            loose.append(node)
        else:
            groups.setdefault(str(attrs["namespace"]), []).append(node)
    for ns in sorted(groups, key=lambda k: (k == PSEUDO, k == "", k)):
        name, label = _SPECIAL.get(ns, (f"cluster_{ns}", ns))
        w(f"  subgraph {quote(name)} {{\n")
        style = "dashed,rounded" if ns in _SPECIAL else "rounded"
        w(f"    graph [{_attrs([('label', label), ('style', style), ('color', '#78909c')])}];\n")
        for node in groups[ns]:
            w(f"    {_node(node, g.nodes[node], '    ')}\n")
        w("  }\n")
    for node in loose:
        w(f"  {_node(node, g.nodes[node], '  ')}\n")
    for s, d, attrs in g.edges(data=True):
        ports: PortSet = attrs["ports"]
        label = attrs.get("connections", str(ports))
        if "l7" in attrs:  # Istio conditions it at L7
            label = f"{label} [{attrs['l7']}]"
        pairs: list[tuple[str, object]] = [("label", label)]
        if tooltips and "connections" in attrs:  # a representative's: no policies known
            pairs.append(("tooltip", f"{s} -> {d}: {attrs['connections']}"))
        elif tooltips and "policies" in attrs:
            pairs.append(("tooltip", f"{s} -> {d}: {ports}; {attrs['policies']}"))
        style = ALL_PORTS_STYLE if ports.is_all() else SOME_PORTS_STYLE
        if "connections" in attrs:  # to or from pods that may be added
            style = style.replace(", style=bold", "") + (
                ', style="bold,dashed"' if ports.is_all() else ', style="dashed"'
            )
        w(f"  {quote(s)} -> {quote(d)} [{_attrs(pairs)}, {style}];\n")
    w("}\n")


def _node(node: str, attrs: dict[str, object], indent: str) -> str:
    typ = str(attrs.get("type", ""))
    kind = kind_of(attrs)
    label = str(attrs.get("name", node))
    if typ == "external":
        label = external_label(label)
    elif typ == "workload":
        label = f"{label}\n{attrs.get('kind', '')}"
    elif typ == "representative":
        label = "\n".join(textwrap.wrap(label, 26))
    elif typ == "pseudo" or typ == "networkset":
        label = f"{label}\n{attrs.get('kind', '')}"
    tip = [node, str(attrs["name"])] if typ == "representative" else [node]
    if typ == "networkset":
        tip.append(str(attrs.get("cidr", "")))
    labels = attrs.get("labels")
    if isinstance(labels, dict) and labels:
        tip.append(", ".join(f"{k}={v}" for k, v in labels.items()))
    if attrs.get("pods"):
        tip.append(f"{attrs['pods']} pod{'s' if attrs['pods'] != 1 else ''}")
    pairs: list[tuple[str, object]] = [
        ("label", label),
        ("shape", SHAPES.get(typ, "box")),
        ("fillcolor", KIND_COLOURS.get(kind, OTHER_COLOUR)),
        ("tooltip", "\n".join(tip)),
    ]
    if typ in ("representative", "pseudo"):
        pairs.append(("style", "filled,dashed"))
    return f"{quote(node)} [{_attrs(pairs)}];"
