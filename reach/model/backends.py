"""Which pods back a Service, and on which pod ports (the Service rules of the spec).

- ``spec.selector``: "Route service traffic to pods with label keys and values matching
  this selector. If empty or not present, the service is assumed to have an external
  process managing its endpoints" (and it is "Ignored if type is ExternalName").
- ``targetPort``: "Number or name of the port to access on the pods targeted by the
  service. [...] If this is a string, it will be looked up as a named port in the
  target Pod's container ports. If this is not specified, the value of the 'port'
  field is used". The lookup also matches the service port's protocol, as the
  endpoints controller does; a pod without such a named port is no endpoint of
  that service port.
- headless Services: the targetPort "field is ignored for services with clusterIP=None,
  and should be omitted or set equal to the 'port' field": clients reach the pods
  directly, on the service port's number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from reach.model.cluster import Pod
from reach.model.ports import PortSet
from reach.model.services import Service, ServicePort


def selects(service: Service, pod: Pod) -> bool:
    """Whether ``pod`` is selected by ``service`` (same namespace, every selector label)."""
    if not service.selector or service.type == "ExternalName":
        return False
    if pod.namespace != service.namespace:
        return False
    labels = pod.labels
    return all(item in labels for item in service.selector)


def pod_port(sp: ServicePort, pod: Pod, headless: bool = False) -> int | None:
    """The number ``sp`` reaches on ``pod``: its numeric targetPort, or the pod's
    container port of that name and protocol (None when the pod has none); the
    service port itself for a headless Service."""
    target = sp.port if headless else sp.target_port
    if isinstance(target, int):
        return target
    for cp in pod.ports:
        if cp.name == target and cp.protocol == sp.protocol:
            return cp.port
    return None


def service_ports(service: Service, port: int | str | None) -> tuple[ServicePort, ...]:
    """The service ports a reference names (by name or number), or all of them for None."""
    if port is None:
        return service.ports
    sp = service.port(port)
    return (sp,) if sp is not None else ()


#: Pods by namespace, each with its index in the cluster's pod list (:func:`pods_by_namespace`).
PodsByNamespace = Mapping[str, Sequence[tuple[int, Pod]]]


def pods_by_namespace(pods: Iterable[Pod]) -> dict[str, list[tuple[int, Pod]]]:
    """``pods`` grouped by namespace with their indices: a Service selects in its own
    namespace only, so :func:`endpoints` looks there alone."""
    out: dict[str, list[tuple[int, Pod]]] = {}
    for i, pod in enumerate(pods):
        out.setdefault(pod.namespace, []).append((i, pod))
    return out


def endpoints(
    service: Service, pods: PodsByNamespace, port: int | str | None = None
) -> list[tuple[int, PortSet]]:
    """The index of each backend pod of ``service`` with the pod ports its service ports (or
    ``port`` only) reach on it; pods on which none resolves are no backends."""
    wanted = service_ports(service, port)
    out: list[tuple[int, PortSet]] = []
    for i, pod in pods.get(service.namespace, ()):
        if not selects(service, pod):
            continue
        ports = PortSet.empty()
        for sp in wanted:
            number = pod_port(sp, pod, service.headless)
            if number is not None:
                ports |= PortSet.of(sp.protocol, number)
        if ports:
            out.append((i, ports))
    return out
