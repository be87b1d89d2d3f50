"""Counts that describe a compiled cluster (``reach summary``)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from reach.analysis.display import Qualified

if TYPE_CHECKING:
    from reach.analysis.compiled import Analysis


@dataclass
class Summary(Qualified):
    """Counts that describe a compiled cluster."""

    namespaces: int
    pods: int
    workloads: int
    policies: int
    classes: int
    external_segments: int
    ingress_isolated_pods: int
    egress_isolated_pods: int
    allowed_workload_pairs: int
    #: CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy rules (``spec``/``specs``);
    #: shown only when the input has some.
    cilium_policies: int = 0
    #: Enforced Calico NetworkPolicies and GlobalNetworkPolicies; shown only when some.
    calico_policies: int = 0
    #: Pseudo nodes (Cilium entities and FQDNs with no addresses); shown only when some.
    pseudo_nodes: int = 0

    def to_dict(self) -> dict[str, int]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for optional in ("cilium_policies", "calico_policies", "pseudo_nodes"):
            if not out[optional]:
                del out[optional]
        return out

    def __str__(self) -> str:
        return "\n".join(f"{k.replace('_', ' ')}: {v}" for k, v in self.to_dict().items())


def summarize(analysis: Analysis) -> Summary:
    """Count what the analysis holds; the workload pairs without listing them."""
    rb = analysis.reachability
    view = analysis.view("workload")
    pod_class = rb.pod_class
    return Summary(
        namespaces=len(analysis.cluster.namespaces),
        pods=len(rb.pods),
        workloads=view.n_internal,
        policies=len(analysis.cluster.policies),
        classes=rb.n_internal,
        external_segments=len(rb.segments),
        ingress_isolated_pods=int(np.count_nonzero(rb.ingress_isolated[pod_class])),
        egress_isolated_pods=int(np.count_nonzero(rb.egress_isolated[pod_class])),
        allowed_workload_pairs=view.count_internal_pairs(),
        cilium_policies=len(analysis.cluster.cilium_policies),
        calico_policies=len(analysis.cluster.calico.policies),
        pseudo_nodes=len(rb.pseudo),
    )
