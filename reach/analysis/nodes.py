"""The nodes of a view and its connections: pods, workloads and namespaces inside the
cluster; external address ranges, Calico network sets and pseudo peers (Cilium entities
and FQDNs) outside it. :mod:`reach.analysis.views` builds them from the classes."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from reach.model.calico import NetworkSet
from reach.model.cluster import Workload
from reach.model.ipspace import IPAddress, IPRange
from reach.model.ports import PortSet
from reach.model.pseudo import PseudoPeer

#: The types of the nodes outside the cluster: address ranges, network sets, pseudo peers.
OUTSIDE = ("external", "networkset", "pseudo")
#: The prefix of the labels reach gives a network set (its namespace), not shown.
CALICO = "projectcalico.org/"


@dataclass(frozen=True, slots=True)
class Node:
    """A vertex of the reachability graph: a pod, workload, namespace, external range,
    Calico network set (``type`` ``networkset``, ``kind`` ``NetworkSet`` or
    ``GlobalNetworkSet``, its CIDRs in ``nets``) or pseudo peer (``type`` ``pseudo``,
    ``kind`` ``Entity`` or ``FQDN``)."""

    id: str
    type: str  # "pod" | "workload" | "namespace" | "external" | "networkset" | "pseudo" | "entry"
    kind: str
    name: str
    namespace: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    pods: int = 0
    host_network: bool = False
    ip_range: tuple[IPAddress, IPAddress] | None = None
    #: The workload a pod or workload node belongs to (None for namespaces and ranges).
    workload: Workload | None = None
    #: The CIDRs of a network set node, as written.
    nets: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.id

    @property
    def range(self) -> IPRange:
        """The address range of an external node."""
        if self.ip_range is None:
            raise ValueError(f"{self.id} is not an external node")
        first, last = self.ip_range
        return IPRange(first.version, int(first), int(last))

    def address_ranges(self) -> list[IPRange]:
        """The addresses of an external or network set node (none for the others)."""
        if self.type == "external":
            return [self.range]
        return [IPRange.of_network(ipaddress.ip_network(net)) for net in self.nets]

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "type": self.type,
            "kind": self.kind,
            "name": self.name,
        }
        if self.type == "external":
            assert self.ip_range is not None
            out["first"] = str(self.ip_range[0])
            out["last"] = str(self.ip_range[1])
        elif self.type in ("entry", "pseudo"):
            pass  # the internet, the ingress controller, a pseudo peer: no namespace or pods
        elif self.type == "networkset":
            if self.namespace is not None:
                out["namespace"] = self.namespace
            out["labels"] = dict(self.labels)
            out["nets"] = list(self.nets)
        else:
            out["namespace"] = self.namespace
            out["labels"] = dict(self.labels)
            out["pods"] = self.pods
            if self.host_network:
                out["hostNetwork"] = True
        return out


@dataclass(frozen=True, slots=True)
class Connection:
    """``src`` may open connections to ``dst`` on ``ports``."""

    src: Node
    dst: Node
    ports: PortSet

    def __str__(self) -> str:
        return f"{self.src} => {self.dst} : {self.ports}"

    def to_dict(self) -> dict[str, object]:
        """A flat row (``pandas.DataFrame([c.to_dict() for c in r.connections()])``)."""
        return {
            "src": self.src.id,
            "dst": self.dst.id,
            "src_type": self.src.type,
            "dst_type": self.dst.type,
            "ports": str(self.ports),
            "all": self.ports.is_all(),
        }


def external_node(seg: IPRange) -> Node:
    return Node(
        id=f"{seg}[External]",
        type="external",
        kind="External",
        name=str(seg),
        ip_range=(seg.first_address, seg.last_address),
    )


def network_set_node(network_set: NetworkSet) -> Node:
    """The node of a network set: ``ns/partner-api[NetworkSet]``, ``partner[GlobalNetworkSet]``,
    with its own labels (not the ``projectcalico.org/`` ones reach gives it) and CIDRs."""
    return Node(
        id=network_set.node_id,
        type="networkset",
        kind=network_set.kind,
        name=network_set.name,
        namespace=network_set.namespace or None,
        labels=tuple(sorted(kv for kv in network_set.labels if not kv[0].startswith(CALICO))),
        nets=tuple(str(block.cidr) for block in network_set.nets),
    )


def pseudo_node(peer: PseudoPeer) -> Node:
    """The node of a pseudo peer: ``kube-apiserver[Entity]``, ``api.example.com[FQDN]``."""
    return Node(id=peer.id, type="pseudo", kind=peer.kind, name=peer.name)
