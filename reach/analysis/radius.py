"""``reach blast-radius A`` and ``reach exposure B``: everything within reach, by hops.

Blast radius follows connections forward from A; exposure follows them
backward into B. Both count a node as reached when any of its pods (other than
the starting pods) is reached, at the smallest hop distance of those pods.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reach.analysis.display import NotebookPicture
from reach.analysis.entryexposure import EntryRoute
from reach.analysis.hops import HopGraph, Search
from reach.analysis.l7marks import l7_text
from reach.analysis.nodes import OUTSIDE, Node
from reach.analysis.paths import QueryEnd, query_end
from reach.analysis.potential import PotentialPeer
from reach.analysis.refs import Target
from reach.analysis.views import View
from reach.engine.arrays import IntVec
from reach.model.ipspace import is_non_global
from reach.model.ports import PortSet
from reach.words import count


def is_internet(node: Node) -> bool:
    """An external range (or network set) holding some address of the internet: one that no
    block of the IANA special-purpose registries marks as not globally reachable
    (docs/queries.md)."""
    return any(not is_non_global(r) for r in node.address_ranges())


@dataclass(frozen=True)
class Reached:
    """A node within reach: hop distance, the hop that gets there, and the first hop taken.

    ``via_node`` is the node named ``via``.
    """

    node: Node
    hops: int
    ports: PortSet  # ports of the hop into (blast radius) or out of (exposure) this node
    via: str | None  # the neighbour on that hop (None when direct)
    first_hop: str  # the first node after the start (blast radius) / before the target (exposure)
    first_ports: PortSet
    internet: bool = False
    via_node: Node | None = field(default=None, repr=False, compare=False)
    #: `` [GET /headers]``: what Istio conditions the hop into (out of) it on at L7.
    l7: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "node": self.node.id,
            "type": self.node.type,
            "namespace": self.node.namespace,
            "hops": self.hops,
            "ports": str(self.ports),
            "via": self.via,
            "first_hop": {"node": self.first_hop, "ports": str(self.first_ports)},
            **({"internet": True} if self.internet else {}),
            **({"l7": self.l7.strip(" []")} if self.l7 else {}),
        }


@dataclass
class Radius(NotebookPicture):
    """Blast radius (``direction == "forward"``) or exposure (``"backward"``) of one target.

    ``target`` is the target's label; ``target_end`` what it names.
    """

    target: str
    direction: str
    by: str
    entries: list[Reached] = field(default_factory=list)
    port_filter: str | None = None
    max_hops: int | None = None
    external_target: bool = False  # the target is an address outside the cluster
    target_end: QueryEnd | None = field(default=None, repr=False, compare=False)
    #: With ``potential``: the pods that do not exist yet, one hop (analysis/potential.py).
    potential: list[PotentialPeer] | None = None
    #: Exposure of pods: how traffic from the internet arrives (analysis/entryexposure.py).
    entry_routes: list[EntryRoute] | None = None
    #: Hops from each pod (blast radius: to it; exposure: from it); -1 unreached or a start.
    pod_hops: IntVec | None = field(default=None, repr=False, compare=False)

    @property
    def title(self) -> str:
        return "blast radius" if self.direction == "forward" else "exposure"

    def counts(self) -> dict[str, object]:
        by_hops: dict[int, int] = {}
        for e in self.entries:
            by_hops[e.hops] = by_hops.get(e.hops, 0) + 1
        internal = [e for e in self.entries if e.node.type not in OUTSIDE]
        pseudo = sum(1 for e in self.entries if e.node.type == "pseudo")
        sets = sum(1 for e in self.entries if e.node.type == "networkset")
        return {
            "nodes": len(internal),
            "pods": sum(e.node.pods for e in internal),
            "namespaces": len({e.node.namespace for e in internal}),
            "external_ranges": len(self.entries) - len(internal) - pseudo - sets,
            **({"network_sets": sets} if sets else {}),
            **({"pseudo_nodes": pseudo} if pseudo else {}),
            "direct": by_hops.get(1, 0),
            "by_hops": {str(k): v for k, v in sorted(by_hops.items())},
        }

    @property
    def internet_exposed(self) -> bool:
        return any(e.internet for e in self.entries)

    def __str__(self) -> str:
        arrow = "reaches" if self.direction == "forward" else "is reached from"
        n = {k: v for k, v in self.counts().items() if isinstance(v, int)}
        flt = f" on {self.port_filter}" if self.port_filter else ""
        lim = f" within {count(self.max_hops, 'hop')}" if self.max_hops else ""
        lines = [
            f"{self.title} of {self.target}{flt}{lim}: {count(n['nodes'], self.by)} "
            f"({count(n['pods'], 'pod')}) in {count(n['namespaces'], 'namespace')}, "
            f"{count(n['external_ranges'], 'external range')}"
            + (f", {count(n['network_sets'], 'network set')}" if "network_sets" in n else "")
            + (f", {count(n['pseudo_nodes'], 'pseudo node')}" if "pseudo_nodes" in n else "")
            + f"; {n['direct']} direct"
        ]
        if self.direction == "backward" and self.internet_exposed and not self.external_target:
            direct = [e for e in self.entries if e.internet and e.hops == 1]
            how = "DIRECTLY" if direct else "transitively"
            lines.append(f"!! {self.target} is {how} reachable from the internet")
        elif self.entry_routes:  # no address range, but an entry point, lets the internet in
            how = "DIRECTLY" if self.entry_routes[0].hops == 0 else "transitively"
            lines.append(f"!! {self.target} is {how} reachable from the internet (entry points)")
        groups: dict[str, list[Reached]] = {}
        for e in self.entries:
            outside = "(pseudo)" if e.node.type == "pseudo" else "(external)"
            # a namespaced network set is outside the cluster all the same
            key = outside if e.node.type in OUTSIDE else e.node.namespace or outside
            groups.setdefault(key, []).append(e)
        for ns in sorted(groups, key=lambda g: (g in ("(external)", "(pseudo)"), g)):
            lines.append(f"{ns}:")
            for e in groups[ns]:
                via = f"  via {e.via}" if e.via else ""
                mark = "  [internet]" if e.internet else ""
                hops = f"{e.hops} hop{'s' if e.hops > 1 else ' '}"
                lines.append(f"  {hops}  {e.node.id} : {e.ports}{e.l7}{via}{mark}")
        if not self.entries:
            lines.append(f"  nothing: {self.target} {arrow} no other node")
        if self.entry_routes:
            lines.append("entry points from the internet:")
            lines += [f"  {route}" for route in self.entry_routes]
        return "\n".join(lines + self._potential_lines())

    def _potential_lines(self) -> list[str]:
        if self.potential is None:
            return []
        forward = self.direction == "forward"
        if forward:
            head = f"{self.target} may also reach pods that do not exist yet (one hop):"
        else:
            head = f"{self.target} may also be reached from pods that do not exist yet (one hop):"
        lead = "  and " if forward else "  "
        lines = [head]
        for p in self.potential:  # a peer with no connections is cut out of a broader one
            lines.append(f"  except {p}" if p.ports.is_empty() and not p.named else f"{lead}{p}")
        return lines if self.potential else [*lines, "  none"]

    def to_dict(self) -> dict[str, object]:
        return {
            "target": self.target,
            "query": self.title,
            "granularity": self.by,
            "port_filter": self.port_filter,
            "max_hops": self.max_hops,
            "counts": self.counts(),
            **({"internet_exposed": self.internet_exposed} if self.direction == "backward" else {}),
            "entries": [e.to_dict() for e in self.entries],
            **(
                {"entry_points": [r.to_dict() for r in self.entry_routes]}
                if self.entry_routes is not None
                else {}
            ),
            **(
                {"potential": [p.to_dict() for p in self.potential]}
                if self.potential is not None
                else {}
            ),
        }


def radius(
    view: View,
    target: Target,
    *,
    backward: bool = False,
    ports: PortSet | None = None,
    max_hops: int | None = None,
    port_text: str | None = None,
) -> Radius:
    """Blast radius (forward) or exposure (backward) of ``target`` at the view's granularity."""
    reachability = view.reachability
    start = target.classes(reachability)
    search = HopGraph(reachability, ports).search(start, reverse=backward, max_hops=max_hops)
    pod_dist = search.dist[reachability.pod_class].copy()
    pod_dist[target.pods] = -1  # the starting pods themselves are not "reached"
    result = Radius(
        target.label,
        "backward" if backward else "forward",
        view.by,
        port_filter=port_text,
        max_hops=max_hops,
        external_target=target.external,
        target_end=query_end(reachability, target),
    )
    own = target.address_range()  # an outside start: its own addresses are not "reached"
    found: list[tuple[Node, int, int]] = []
    # per node, its nearest reached pod: min of (hops, class) over its pods, all at once
    n_int = view.n_internal
    flat, offsets = view.pod_runs()
    span = reachability.n_classes + 1
    d = pod_dist[flat]
    never = np.iinfo(np.int64).max
    key = np.where(d > 0, d * span + reachability.pod_class[flat], never)
    best = np.minimum.reduceat(key, offsets) if n_int else key
    for i, node in enumerate(view.nodes):
        if i < n_int:
            if best[i] == never:
                continue
            hops, cls = int(best[i] // span), int(best[i] % span)
        else:  # a range or pseudo peer: one class; a network set: its nearest segment
            classes = view.node_classes[i]
            dist = search.dist[classes]
            at = int(np.argmin(np.where(dist > 0, dist, never))) if len(classes) > 1 else 0
            cls, hops = int(classes[at]), int(dist[at])
            mine = own is not None and node.type == "external" and own.contains(node.range)
            mine = mine or (node.type in ("pseudo", "networkset") and node.id == target.label)
            if hops <= 0 or mine:  # an outside start's own addresses, or its own node
                continue
        found.append((node, cls, hops))
    result.pod_hops = pod_dist
    result.entries = _entries(view, search, found, frozenset(target.pods.tolist()), backward)
    result.entries.sort(key=lambda e: (e.hops, e.node.id))
    return result


def _entries(
    view: View,
    search: Search,
    found: list[tuple[Node, int, int]],
    start_pods: frozenset[int],
    backward: bool,
) -> list[Reached]:
    """Each reached node with the hop into (out of) it and the first hop, ports in one batch.

    The first hop of a direct entry is the entry itself; otherwise the first hop and the
    ``via`` node are nodes the path passes: holding a pod of that step's class other
    than the start pods (never the start itself).
    """
    reachability = view.reachability
    paths = [search.path_to(cls) for _, cls, _ in found]  # in edge direction
    if backward:
        last = [(p[0], p[1]) for p in paths]
        first = [(p[-2], p[-1]) for p in paths]
    else:
        last = [(p[-2], p[-1]) for p in paths]
        first = [(p[0], p[1]) for p in paths]
    pairs = np.array(last + first, dtype=np.intp).reshape(-1, 2)
    ids = reachability.pair_ids(pairs[:, 0], pairs[:, 1]).tolist()
    sets = reachability.atoms.portsets
    near = [p[1] if backward else p[-2] for p in paths]
    far = [p[-2] if backward else p[1] for p in paths]
    passed: dict[int, Node] = {}

    def stop(cls: int) -> Node:
        if cls not in passed:
            nodes = view.stops(cls, start_pods) or view.nodes_of_class(cls)
            passed[cls] = view.nodes[nodes[0]]
        return passed[cls]

    out = []
    for k, (node, _, hops) in enumerate(found):
        via = stop(near[k]) if hops > 1 else None
        out.append(
            Reached(
                node,
                hops,
                sets[ids[k]],
                via.id if via else None,
                stop(far[k]).id if hops > 1 else node.id,
                sets[ids[len(found) + k]],
                internet=backward and is_internet(node),
                via_node=via,
                l7=l7_text(reachability, *last[k], sets[ids[k]]),
            )
        )
    return out
