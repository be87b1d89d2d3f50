"""How nodes and graphs are named in exports and pictures (one place for both)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reach.analysis.nodes import Node

if TYPE_CHECKING:
    import networkx as nx


def kind_of(attrs: dict[str, object]) -> str:
    """The kind that picks a node's colour: a pod is coloured by its workload's kind."""
    node = attrs.get("node")
    if attrs.get("type") == "pod" and isinstance(node, Node) and node.workload is not None:
        return node.workload.kind
    return str(attrs.get("kind", ""))


def title_of(g: nx.DiGraph) -> str:
    """``source, by granularity`` plus filters, as pictures and DOT label it."""
    parts = [f"{g.graph.get('source') or 'cluster'}: reachability by {g.graph['granularity']}"]
    if g.graph.get("namespaces"):
        parts.append(f"namespaces {g.graph['namespaces'].replace(',', ', ')}")
    if g.graph.get("focus"):
        hops = g.graph.get("hops", 1)
        parts.append(f"within {hops} hop{'s' if hops != 1 else ''} of {g.graph['focus']}")
    return "; ".join(parts)


def external_label(text: str) -> str:
    """An external range as its CIDRs when they are few, else as ``first -\\nlast``."""
    import ipaddress

    first, sep, last = text.partition("-")
    if not sep:
        return text
    try:
        a, b = ipaddress.ip_address(first), ipaddress.ip_address(last)
        nets = list(ipaddress.summarize_address_range(a, b))
    except (ValueError, TypeError):
        return text
    if len(nets) <= 2:
        return "\n".join(str(n) for n in nets)
    return f"{first} -\n{last}"
