"""Gateway API objects read from manifests (``gateway.networking.k8s.io``).

Gateway and GatewayClass (``v1``, ``v1beta1``), HTTPRoute (``v1``, ``v1beta1``),
GRPCRoute (``v1``), TLSRoute (``v1``, ``v1alpha2``, ``v1alpha3``), TCPRoute and
UDPRoute (``v1``, ``v1alpha2``), ReferenceGrant (``v1``, ``v1beta1``): the versions the
CRDs of ``../shared/specs/gateway-api/`` serve. Only the fields that decide where
traffic goes are read and checked; a wrong one is a :class:`~reach.errors.FieldError`
naming its path. Which route attaches where is decided in
:mod:`reach.model.attachment`; :func:`check_gateways` reports what the cluster refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reach.errors import Diagnostics, FieldError
from reach.input.fields import describe, items, mapping
from reach.input.raw import RawObject
from reach.input.selectors import parse_selector
from reach.input.services import object_name, port_number
from reach.model.attachment import resolve
from reach.model.cluster import Cluster
from reach.model.gateway import (
    GROUP,
    ROUTE_PROTOCOLS,
    BackendRef,
    Gateway,
    GatewayRoute,
    GrantFrom,
    GrantTo,
    Listener,
    ParentRef,
    ReferenceGrant,
)
from reach.words import excerpt

#: Versions read, per kind.
VERSIONS = {
    "Gateway": ("v1", "v1beta1"),
    "GatewayClass": ("v1", "v1beta1"),
    "HTTPRoute": ("v1", "v1beta1"),
    "GRPCRoute": ("v1",),
    "TLSRoute": ("v1", "v1alpha2", "v1alpha3"),
    "TCPRoute": ("v1", "v1alpha2"),
    "UDPRoute": ("v1", "v1alpha2"),
    "ReferenceGrant": ("v1", "v1beta1"),
    "ListenerSet": (),
}
#: Values of ``allowedRoutes.namespaces.from``.
FROM_VALUES = ("All", "Selector", "Same")


def add_gateway_object(cluster: Cluster, raw: RawObject, diag: Diagnostics) -> None:
    """Add one Gateway API object to ``cluster.gateway_api``; a version the specs do not
    serve, and ListenerSets (listeners reach does not attach routes to), are reported
    as not evaluated."""
    obj, origin = raw.obj, raw.origin
    kind = str(obj.get("kind"))
    api = str(obj.get("apiVersion"))
    version = api.split("/")[-1]
    if version not in VERSIONS[kind]:
        served = ", ".join(f"{GROUP}/{v}" for v in VERSIONS[kind])
        why = f"reach reads {served}" if served else "nor the routes attached to its listeners"
        diag.add(
            "unevaluated-kind",
            f"{kind} objects of {api} are not evaluated ({why}); ignored",
            origin,
            partial=True,
        )
        return
    found = cluster.gateway_api
    if kind == "Gateway":
        found.gateways.append(parse_gateway(obj, origin))
    elif kind == "GatewayClass":
        found.classes.append(object_name(obj)[1])
    elif kind == "ReferenceGrant":
        found.grants.append(parse_grant(obj, origin))
    else:
        found.routes.append(parse_gateway_route(obj, kind, origin))


def check_gateways(cluster: Cluster, diag: Diagnostics) -> None:
    """Report the routes no listener accepts and the backends the cluster will not use."""
    if not cluster.gateway_api:
        return
    for d in resolve(cluster)[1]:
        diag.add(d.code, d.message, d.origin, severity=d.severity, partial=d.partial)


def parse_gateway(obj: Mapping[str, Any], origin: str) -> Gateway:
    """``spec.gatewayClassName`` and ``spec.listeners`` ("At least one Listener MUST be
    specified"; names "MUST be unique within a Gateway")."""
    namespace, name = object_name(obj)
    spec = mapping(obj.get("spec"), "spec")
    class_name = _string(spec.get("gatewayClassName"), "spec.gatewayClassName")
    given = items(spec.get("listeners"), "spec.listeners")
    if not given:
        raise FieldError("spec.listeners", "at least one listener is required")
    listeners = tuple(_listener(raw, f"spec.listeners[{i}]") for i, raw in enumerate(given))
    seen: set[str] = set()
    for i, lst in enumerate(listeners):
        if lst.name in seen:
            raise FieldError(f"spec.listeners[{i}].name", f"{excerpt(lst.name)} is used twice")
        seen.add(lst.name)
    return Gateway(namespace, name, class_name, listeners, origin)


def _listener(raw: Any, path: str) -> Listener:
    item = mapping(raw, path)
    allowed = mapping(item.get("allowedRoutes"), f"{path}.allowedRoutes")
    ns = mapping(allowed.get("namespaces"), f"{path}.allowedRoutes.namespaces")
    where = ns.get("from") or "Same"
    if where not in FROM_VALUES:
        raise FieldError(
            f"{path}.allowedRoutes.namespaces.from",
            f"{excerpt(where)} is not one of All, Selector, Same",
        )
    selector = None
    if where == "Selector":
        at = f"{path}.allowedRoutes.namespaces.selector"
        if ns.get("selector") is None:
            raise FieldError(at, "is required when from is Selector")
        selector = parse_selector(ns.get("selector"), at)
    kinds = []
    for i, k in enumerate(items(allowed.get("kinds"), f"{path}.allowedRoutes.kinds")):
        at = f"{path}.allowedRoutes.kinds[{i}]"
        entry = mapping(k, at)
        group = entry.get("group", GROUP)
        kinds.append((_text(group, f"{at}.group"), _string(entry.get("kind"), f"{at}.kind")))
    hostname = item.get("hostname")
    return Listener(
        name=_string(item.get("name"), f"{path}.name"),
        port=port_number(item.get("port"), f"{path}.port"),
        protocol=_string(item.get("protocol"), f"{path}.protocol"),
        hostname=None if not hostname else _string(hostname, f"{path}.hostname"),
        namespaces_from=where,
        selector=selector,
        kinds=tuple(kinds),
    )


def parse_gateway_route(obj: Mapping[str, Any], kind: str, origin: str) -> GatewayRoute:
    """``spec.parentRefs``, ``spec.hostnames`` and ``spec.rules[].backendRefs``."""
    assert kind in ROUTE_PROTOCOLS
    namespace, name = object_name(obj)
    spec = mapping(obj.get("spec"), "spec")
    parents = tuple(
        _parent(p, namespace, f"spec.parentRefs[{i}]")
        for i, p in enumerate(items(spec.get("parentRefs"), "spec.parentRefs"))
    )
    hostnames = tuple(
        _string(h, f"spec.hostnames[{i}]")
        for i, h in enumerate(items(spec.get("hostnames"), "spec.hostnames"))
    )
    backends: list[BackendRef] = []
    for i, rule in enumerate(items(spec.get("rules"), "spec.rules")):
        at = f"spec.rules[{i}]"
        refs = items(mapping(rule, at).get("backendRefs"), f"{at}.backendRefs")
        backends.extend(
            _backend(b, namespace, f"{at}.backendRefs[{j}]") for j, b in enumerate(refs)
        )
    return GatewayRoute(kind, namespace, name, parents, tuple(backends), hostnames, origin)


def _parent(raw: Any, namespace: str, path: str) -> ParentRef:
    ref = mapping(raw, path)
    port = ref.get("port")
    section = ref.get("sectionName")
    return ParentRef(
        group=_text(ref.get("group", GROUP), f"{path}.group"),
        kind=_text(ref.get("kind") or "Gateway", f"{path}.kind"),
        namespace=_text(ref.get("namespace") or namespace, f"{path}.namespace"),
        name=_string(ref.get("name"), f"{path}.name"),
        section=None if not section else _string(section, f"{path}.sectionName"),
        port=None if port is None else port_number(port, f"{path}.port"),
        field=path,
    )


def _backend(raw: Any, namespace: str, path: str) -> BackendRef:
    """ "Port is required when the referent is a Kubernetes Service"."""
    ref = mapping(raw, path)
    group = _text(ref.get("group") or "", f"{path}.group")
    kind = _text(ref.get("kind") or "Service", f"{path}.kind")
    port = ref.get("port")
    if port is None and (group, kind) == ("", "Service"):
        raise FieldError(f"{path}.port", "is required for a Service backend")
    weight = ref.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
        raise FieldError(f"{path}.weight", f"{describe(weight)} is not a weight (0 or more)")
    return BackendRef(
        group=group,
        kind=kind,
        namespace=_text(ref.get("namespace") or namespace, f"{path}.namespace"),
        name=_string(ref.get("name"), f"{path}.name"),
        port=None if port is None else port_number(port, f"{path}.port"),
        weight=weight,
        field=path,
    )


def parse_grant(obj: Mapping[str, Any], origin: str) -> ReferenceGrant:
    """``spec.from`` (group, kind, namespace, all required) and ``spec.to`` (group and
    kind required; name optional: "When unspecified, this policy refers to all
    resources of the specified Group and Kind in the local namespace")."""
    namespace, name = object_name(obj)
    spec = mapping(obj.get("spec"), "spec")
    sources = []
    for i, raw in enumerate(items(spec.get("from"), "spec.from")):
        at = f"spec.from[{i}]"
        f = mapping(raw, at)
        sources.append(
            GrantFrom(
                _text(f.get("group"), f"{at}.group"),
                _string(f.get("kind"), f"{at}.kind"),
                _string(f.get("namespace"), f"{at}.namespace"),
            )
        )
    targets = []
    for i, raw in enumerate(items(spec.get("to"), "spec.to")):
        at = f"spec.to[{i}]"
        t = mapping(raw, at)
        target = t.get("name")
        targets.append(
            GrantTo(
                _text(t.get("group"), f"{at}.group"),
                _string(t.get("kind"), f"{at}.kind"),
                None if not target else _string(target, f"{at}.name"),
            )
        )
    return ReferenceGrant(namespace, name, tuple(sources), tuple(targets), origin)


def _string(value: Any, path: str) -> str:
    """A required non-empty string."""
    if value is None or value == "":
        raise FieldError(path, "is required")
    return _text(value, path)


def _text(value: Any, path: str) -> str:
    """A string, possibly empty (the core API group is ``""``)."""
    if value is None:
        raise FieldError(path, "is required")
    if not isinstance(value, str):
        raise FieldError(path, f"must be a string, not {describe(value)}")
    return value
