"""Gateway API entry points: what a Gateway's listeners deliver to pods.

:func:`reach.model.attachment.resolve` gives the backends each listener sends to
(routes attached, ReferenceGrants checked). A backend reference names a service
port; the pods and pod ports behind it follow the Service spec
(:func:`reach.model.backends.endpoints`: numeric ``targetPort`` as is, a named one
looked up per pod). The Gateway's data plane is, as the ``{ingress-controller}``
is for Ingresses, "an arbitrary in-cluster workload": the traffic arrives when the
backend's policies admit a pod with no labels in a namespace of its own
(:func:`reach.analysis.controller.admitted_from_anywhere`).
"""

from __future__ import annotations

from dataclasses import replace

from reach.analysis.controller import admitted_from_anywhere
from reach.engine.reachability import Reachability
from reach.model.attachment import resolve
from reach.model.backends import endpoints, pods_by_namespace
from reach.model.ports import PortSet


def gateway_entries(reachability: Reachability) -> list[tuple[str, int, PortSet]]:
    """``(via, pod index, ports)`` for every pod a Gateway listener delivers to, on the
    ports its policies admit from an in-cluster workload (non-empty only)."""
    cluster = reachability.cluster
    if not cluster.gateway_api:
        return []
    deliveries = resolve(cluster)[0]
    pods = pods_by_namespace(cluster.pods)
    wanted: dict[tuple[str, int], PortSet] = {}
    for d in deliveries:
        picked = tuple(
            sp
            for sp in d.service.ports
            if sp.port == d.backend.port and sp.protocol == d.route.protocol
        )
        for i, ports in endpoints(replace(d.service, ports=picked), pods):
            key = (d.via, i)
            wanted[key] = wanted.get(key, PortSet.empty()) | ports
    if not wanted:
        return []
    allowed = admitted_from_anywhere(cluster, sorted({i for _, i in wanted}))
    out = [(via, i, ports & allowed[i]) for (via, i), ports in sorted(wanted.items())]
    return [(via, i, ports) for via, i, ports in out if ports]
