"""Ingresses (``networking.k8s.io/v1``) and OpenShift Routes (``route.openshift.io/v1``).

Both send traffic from the cluster's ingress controller to Services of their own
namespace; here they become :class:`~reach.model.services.EntryRoute` objects that
list those Services with the port each names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from reach.errors import Diagnostics, FieldError
from reach.input.fields import items, mapping
from reach.input.gateway import VERSIONS, add_gateway_object, check_gateways
from reach.input.raw import RawObject
from reach.input.services import int_or_name, object_name, parse_service
from reach.model.cluster import Cluster
from reach.model.gateway import GROUP
from reach.model.services import EntryRoute, RouteBackend


def parse_ingress(obj: Mapping[str, Any], origin: str) -> EntryRoute:
    """``spec.defaultBackend`` and every ``spec.rules[].http.paths[].backend`` that names
    a Service ("service references a service as a backend"; a ``resource`` backend
    sends nothing to pods)."""
    namespace, name = object_name(obj)
    spec = mapping(obj.get("spec"), "spec")
    found: list[RouteBackend] = []
    default = _ingress_backend(namespace, spec.get("defaultBackend"), "spec.defaultBackend")
    if default is not None:
        found.append(default)
    for i, rule in enumerate(items(spec.get("rules"), "spec.rules")):
        path = f"spec.rules[{i}]"
        http = mapping(mapping(rule, path).get("http"), f"{path}.http")
        for j, p in enumerate(items(http.get("paths"), f"{path}.http.paths")):
            at = f"{path}.http.paths[{j}]"
            got = _ingress_backend(namespace, mapping(p, at).get("backend"), f"{at}.backend")
            if got is not None:
                found.append(got)
    return EntryRoute("Ingress", namespace, name, tuple(found), origin)


def _ingress_backend(namespace: str, raw: Any, path: str) -> RouteBackend | None:
    backend = mapping(raw, path)
    if backend.get("service") is None:
        return None
    svc = mapping(backend.get("service"), f"{path}.service")
    name = svc.get("name")
    if not isinstance(name, str) or not name:
        raise FieldError(f"{path}.service.name", "is required")
    port = mapping(svc.get("port"), f"{path}.service.port")
    ref: int | str | None = None
    if port.get("number") is not None:
        ref = int_or_name(port["number"], f"{path}.service.port.number")
    elif port.get("name") is not None:
        ref = int_or_name(port["name"], f"{path}.service.port.name")
    return RouteBackend(namespace, name, ref, f"{path}.service")


def parse_route(obj: Mapping[str, Any], origin: str) -> EntryRoute:
    """``spec.to`` and ``spec.alternateBackends`` of kind Service (or empty), each with
    ``spec.port.targetPort`` ("the port to be used by the router"; absent: every port)."""
    namespace, name = object_name(obj)
    spec = mapping(obj.get("spec"), "spec")
    port = mapping(spec.get("port"), "spec.port")
    ref = None
    if port.get("targetPort") is not None:
        ref = int_or_name(port["targetPort"], "spec.port.targetPort")
    targets = [("spec.to", spec.get("to"))] + [
        (f"spec.alternateBackends[{i}]", b)
        for i, b in enumerate(items(spec.get("alternateBackends"), "spec.alternateBackends"))
    ]
    found: list[RouteBackend] = []
    for path, raw in targets:
        target = mapping(raw, path)
        if raw is None or (target.get("kind") or "Service") != "Service":
            continue
        svc = target.get("name")
        if not isinstance(svc, str) or not svc:
            raise FieldError(f"{path}.name", "is required")
        found.append(RouteBackend(namespace, svc, ref, path))
    return EntryRoute("Route", namespace, name, tuple(found), origin)


#: Kinds read by :func:`add_entry_object`, with the API group each must come from
#: (Gateway API kinds: :mod:`reach.input.gateway`, in the versions it lists).
ENTRY_POINT_KINDS = {
    "Service": "v1",
    "Ingress": "networking.k8s.io/v1",
    "Route": "route.openshift.io/v1",
    **{kind: GROUP for kind in VERSIONS},
}


def add_entry_object(cluster: Cluster, raw: RawObject, diag: Diagnostics) -> None:
    """Add a Service, Ingress, Route or Gateway API object to ``cluster``. Another group's
    object of the same kind (a Knative Service) is not ours; an Ingress or Route of an
    older version is reported as not evaluated."""
    obj, origin = raw.obj, raw.origin
    kind = str(obj.get("kind"))
    api = obj.get("apiVersion")
    if ENTRY_POINT_KINDS[kind] == GROUP:
        if isinstance(api, str) and api.split("/")[0] == GROUP:
            add_gateway_object(cluster, raw, diag)
        return
    if api != ENTRY_POINT_KINDS[kind]:
        if kind != "Service" and isinstance(api, str) and api.split("/")[0] in _GROUPS:
            diag.add(
                "unevaluated-kind",
                f"{kind} objects of {api} are not evaluated (only "
                f"{ENTRY_POINT_KINDS[kind]}); ignored",
                origin,
                partial=True,
            )
        return
    if kind == "Service":
        cluster.services.append(parse_service(obj, origin))
    elif kind == "Ingress":
        cluster.routes.append(parse_ingress(obj, origin))
    else:
        cluster.routes.append(parse_route(obj, origin))


_GROUPS = ("networking.k8s.io", "extensions", "route.openshift.io", "v1")


def read_entries(
    cluster: Cluster,
    entries: Iterable[RawObject],
    diag: Diagnostics,
    report: Callable[[RawObject, FieldError, Diagnostics], None],
) -> None:
    """Add the entry-point objects ``entries`` to ``cluster`` (in order) and check the
    Gateway API's; keep the diagnostics this makes in ``cluster.entry_diagnostics``
    (``report``: how an invalid object is reported)."""
    first = len(diag.notes)
    for raw in entries:
        try:
            add_entry_object(cluster, raw, diag)
        except FieldError as e:
            report(raw, e, diag)
    check_gateways(cluster, diag)
    cluster.entry_diagnostics = list(diag.notes[first:])
