"""The ``{ingress-controller}`` pseudo node: what Ingresses and Routes deliver to pods.

The convention of the conformance cases (``../shared/conformance/README.md``,
"Ingress controller lines"), which docs/semantics.md restates:

1. each backend names a Service of the route's namespace; a missing Service, or one
   without ``spec.selector``, contributes nothing;
2. the Service's selector picks the pods of its namespace;
3. a backend port picks the first service port whose ``name``, ``port`` or
   ``targetPort`` equals it (no port: every service port); the pod-side port is its
   ``targetPort``, or ``port`` when absent;
4. a numeric pod-side port counts when the pod declares it as a container port (of
   any protocol); a named one is the pod's TCP container port of that name.

The controller sends TCP only. What the policies let through is computed by the
engine itself for a pod with no labels in a namespace of its own that no policy
names: the controller is "an arbitrary in-cluster workload".
"""

from __future__ import annotations

import numpy as np

from reach.analysis.nodes import Connection, Node
from reach.analysis.views import View
from reach.engine.compile import compile_cluster
from reach.engine.reachability import Reachability
from reach.model.backends import selects
from reach.model.cluster import Cluster, Namespace, Pod
from reach.model.ports import PortSet
from reach.model.services import RouteBackend, Service, ServicePort

#: The id of the pseudo node in every output.
CONTROLLER = "{ingress-controller}"
#: The namespace the pseudo pod lives in (another name when the input has this one).
CONTROLLER_NAMESPACE = "ingress-controller-ns"


def route_ports(service: Service, ref: int | str | None) -> tuple[ServicePort, ...]:
    """Step 3: the service port a route's backend port picks (all for None)."""
    if ref is None:
        return service.ports
    for sp in service.ports:
        if ref in (sp.name, sp.port, sp.target):
            return (sp,)
    return ()


def controller_port(sp: ServicePort, pod: Pod) -> int | None:
    """Step 4: the TCP port of ``pod`` that ``sp`` sends the controller's traffic to."""
    target = sp.target_port
    if isinstance(target, int):
        return target if any(cp.port == target for cp in pod.ports) else None
    for cp in pod.ports:
        if cp.name == target and cp.protocol == "TCP":
            return cp.port
    return None


def wanted(cluster: Cluster) -> dict[int, PortSet]:
    """Steps 1-4 over every route: pod index -> the TCP ports the controller sends to."""
    services = {(s.namespace, s.name): s for s in cluster.services}
    out: dict[int, PortSet] = {}
    for route in cluster.routes:
        for backend in route.backends:
            for i, ports in backend_pods(cluster, services, backend).items():
                out[i] = out.get(i, PortSet.empty()) | ports
    return out


def backend_pods(
    cluster: Cluster, services: dict[tuple[str, str], Service], backend: RouteBackend
) -> dict[int, PortSet]:
    """The pods (indices into ``cluster.pods``) one backend reaches, with their TCP ports."""
    svc = services.get((backend.namespace, backend.service))
    if svc is None:
        return {}
    picked = route_ports(svc, backend.port)
    out: dict[int, PortSet] = {}
    for i, pod in enumerate(cluster.pods):
        if not selects(svc, pod):
            continue
        ports = PortSet.empty()
        for sp in picked:
            number = controller_port(sp, pod)
            if number is not None:
                ports |= PortSet.of("TCP", number)
        if ports:
            out[i] = ports
    return out


def admitted_from_anywhere(cluster: Cluster, pods: list[int]) -> dict[int, PortSet]:
    """What the policies allow from an arbitrary in-cluster pod to each of ``pods``.

    A second, small compilation: those pods plus a pseudo pod with no labels in a
    namespace labelled only with its (unused) name, under every policy of the cluster:
    NetworkPolicies, admin policies, Cilium's, Calico's and Istio's.
    """
    ns = CONTROLLER_NAMESPACE
    while ns in cluster.namespaces:
        ns += "-"
    pseudo = Pod(ns, "ingress-controller", ())
    mini = Cluster(
        namespaces={**cluster.namespaces, ns: Namespace.implied(ns)},
        pods=[pseudo, *(cluster.pods[i] for i in pods)],
        policies=cluster.policies,
        admin_policies=cluster.admin_policies,
        cilium_policies=cluster.cilium_policies,
        calico=cluster.calico,
        istio=cluster.istio,
        services=cluster.services,
    )
    reach: Reachability = compile_cluster(mini)
    src = np.full(len(pods), reach.pod_class[0])
    ids = reach.pair_ids(src, reach.pod_class[1:])
    return {i: reach.atoms.portsets[int(p)] for i, p in zip(pods, ids.tolist(), strict=True)}


def controller_ports(cluster: Cluster) -> dict[int, PortSet]:
    """Pod index -> the ports on which the ingress controller reaches the pod (non-empty)."""
    want = wanted(cluster)
    if not want:
        return {}
    allowed = admitted_from_anywhere(cluster, sorted(want))
    out = {i: want[i] & allowed[i] for i in want}
    return {i: p for i, p in out.items() if p}


def controller_node() -> Node:
    """The pseudo node, only ever a source."""
    return Node(CONTROLLER, "entry", "IngressController", CONTROLLER)


def controller_edges(view: View) -> list[tuple[int, PortSet]]:
    """``(internal node index of the view, ports)`` the controller reaches, by node index."""
    by_pod = controller_ports(view.reachability.cluster)
    if not by_pod:
        return []
    edges: dict[int, PortSet] = {}
    for node, pods in enumerate(view.node_pods):
        for i in pods:
            got = by_pod.get(i)
            if got is not None:
                edges[node] = edges.get(node, PortSet.empty()) | got
    return sorted(edges.items())


def controller_connections(view: View) -> list[Connection]:
    """The controller's pairs as :class:`Connection` objects."""
    src = controller_node()
    return [Connection(src, view.nodes[i], ports) for i, ports in controller_edges(view)]
