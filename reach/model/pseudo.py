"""Pseudo peers: Cilium peers that have no counterpart among pods and external addresses.

Cilium rules can name peers that reach cannot place among the pods it reads and
the address segments it cuts: the entities ``kube-apiserver``, ``ingress``,
``init``, ``health`` and ``unmanaged`` (and ``host`` and ``remote-node``, which
reach maps to the host-networked pods, but whose nodes themselves are not pods),
and the names and patterns of ``toFQDNs`` (whose addresses Cilium learns from DNS
answers at run time). Each is shown as a node of its own, ``kube-apiserver[Entity]``
or ``api.example.com[FQDN]``, rather than dropped. A pseudo peer exists only when
some Cilium rule names it (:func:`pseudo_peers`), so an input without such rules
has none. Which rules hold a pseudo peer is the engine's business
(``reach.engine.pseudopeers``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reach.model.cilium import CiliumPolicy

#: The kinds of pseudo peers, in the order they are numbered.
KINDS = ("Entity", "FQDN")
#: Entities shown as pseudo peers: those with no counterpart at all, and the two whose
#: hosts are shown beside the host-networked pods they hold.
PSEUDO_ENTITIES = (
    "host",
    "remote-node",
    "kube-apiserver",
    "ingress",
    "init",
    "health",
    "unmanaged",
)
#: The pseudo entities that the entity ``cluster`` holds: "Cluster is the logical group of
#: all network endpoints inside of the local cluster. This includes all Cilium-managed
#: endpoints of the local cluster, unmanaged endpoints in the local cluster, as well as the
#: host, remote-node, and init identities" (layer3.rst); ``health`` and ``ingress`` are
#: endpoints of the local cluster too. Not ``kube-apiserver``.
CLUSTER_ENTITIES = frozenset({"host", "remote-node", "init", "health", "unmanaged", "ingress"})


@dataclass(frozen=True, slots=True, order=True)
class PseudoPeer:
    """A named peer with no known addresses: ``kind`` ``Entity`` or ``FQDN`` and its name
    (an entity, a DNS name, or a ``matchPattern`` such as ``*.example.com``, which is a
    node of its own)."""

    kind: str  # "Entity" | "FQDN"
    name: str

    @property
    def id(self) -> str:
        """``kube-apiserver[Entity]``, ``api.example.com[FQDN]``."""
        return f"{self.name}[{self.kind}]"

    def __str__(self) -> str:
        return self.id


def fqdn_name(pattern: str) -> str:
    """A ``toFQDNs`` name or pattern as a node name: lower case, without a final dot (DNS
    names are case-insensitive, and Cilium treats ``a.b`` and ``a.b.`` alike)."""
    return pattern.lower().rstrip(".") or pattern


def pseudo_order(peer: PseudoPeer) -> tuple[int, str]:
    """Where a pseudo peer comes among them: entities first, each kind by name."""
    return (KINDS.index(peer.kind), peer.name)


def pseudo_peers(policies: Iterable[CiliumPolicy]) -> list[PseudoPeer]:
    """The pseudo peers the rules of ``policies`` name, entities first, each kind by name."""
    found: set[PseudoPeer] = set()
    for policy in policies:
        for rule in policy.rules:
            found.update(PseudoPeer("Entity", e) for e in rule.entities if e in PSEUDO_ENTITIES)
            found.update(PseudoPeer("FQDN", fqdn_name(p)) for p in rule.fqdns)
    return sorted(found, key=pseudo_order)
