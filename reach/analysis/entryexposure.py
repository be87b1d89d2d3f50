"""For ``reach exposure X``: through which entry point traffic from the internet arrives
(``internet via LoadBalancer svc/web/api-gateway:443 → web/api-gateway[Deployment] : TCP
8443``), into X itself or into a node from which X is reached.

The entry points are :func:`reach.analysis.entrypoints.entries` (LoadBalancer, NodePort and
``externalIPs`` Services, Ingresses and Routes through the ingress controller, as far as
the backends' policies admit the traffic). An entry into a pod of X is direct (``hops``
0); an entry into a pod from which X is reached in N hops (the exposure's search, within
its ``--hops`` and ``--port``) is followed by ``then N hops``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reach.analysis.entrypoints import entries
from reach.analysis.nodes import Node
from reach.analysis.views import View
from reach.engine.arrays import IntVec
from reach.model.ports import PortSet

ARROW = "→"


@dataclass(frozen=True)
class EntryRoute:
    """Traffic from the internet enters ``node`` through ``via`` (and the pseudo node
    ``hop`` on the way, when there is one) on ``ports``; X is ``hops`` further."""

    via: str
    hop: str | None
    node: Node
    ports: PortSet
    hops: int
    target: str

    def __str__(self) -> str:
        chain = [f"internet via {self.via}", *([self.hop] if self.hop else [])]
        text = f" {ARROW} ".join([*chain, f"{self.node.id} : {self.ports}"])
        if self.hops:
            word = "hop" if self.hops == 1 else "hops"
            text += f", then {self.hops} {word} to {self.target}"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "via": self.via,
            "hop": self.hop,
            "node": self.node.id,
            "ports": self.ports.to_json(),
            "text": str(self.ports),
            "hops": self.hops,
        }


def entry_routes(
    view: View,
    target_pods: IntVec,
    pod_hops: IntVec,
    target: str,
    ports: PortSet | None = None,
) -> list[EntryRoute]:
    """The entry points that deliver to a pod of the target (``target_pods``) or to a pod
    ``pod_hops`` says reaches it (hops > 0), by node entered: ports merged, fewest hops.
    ``ports`` (the exposure's filter) keeps its ports of each entry."""
    own = np.zeros(len(pod_hops), dtype=bool)
    own[target_pods] = True
    node_of = np.full(len(pod_hops), -1, dtype=np.intp)
    for i, pods in enumerate(view.node_pods):
        node_of[pods] = i
    found: dict[tuple[str, str | None, int], tuple[PortSet, int]] = {}
    for e in entries(view.reachability):
        hops = 0 if own[e.pod] else int(pod_hops[e.pod])
        got = e.ports if ports is None else e.ports & ports
        if (hops <= 0 and not own[e.pod]) or got.is_empty() or node_of[e.pod] < 0:
            continue
        key = (e.via, e.hop, int(node_of[e.pod]))
        before = found.get(key)
        if before is not None:
            got, hops = got | before[0], min(hops, before[1])
        found[key] = (got, hops)
    routes = [
        EntryRoute(via, hop, view.nodes[i], got, hops, target)
        for (via, hop, i), (got, hops) in found.items()
    ]
    return sorted(routes, key=lambda r: (r.hops, r.via, r.node.id))
