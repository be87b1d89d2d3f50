"""Builders of Gateway API objects for tests (issue 16, ``gateway.networking.k8s.io``)."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

API = "gateway.networking.k8s.io/v1"


def listener(name: str, port: int, protocol: str = "HTTP", **fields: Any) -> Obj:
    """A listener; ``fields`` go in as they are (``allowedRoutes``, ``hostname``, ``tls``)."""
    return {"name": name, "port": port, "protocol": protocol, **fields}


def gateway(name: str, ns: str, *listeners: Obj, api: str = API) -> Obj:
    return {
        "apiVersion": api,
        "kind": "Gateway",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"gatewayClassName": "example", "listeners": list(listeners)},
    }


def backend(name: str, port: int | None, **fields: Any) -> Obj:
    ref: Obj = {"name": name, **fields}
    if port is not None:
        ref["port"] = port
    return ref


def parent(name: str, **fields: Any) -> Obj:
    return {"name": name, **fields}


def xroute(
    kind: str,
    name: str,
    ns: str,
    parents: list[Obj],
    backends: list[Obj],
    api: str = API,
    **spec: Any,
) -> Obj:
    """A route of ``kind`` with one rule holding ``backends``."""
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name, "namespace": ns},
        "spec": {"parentRefs": parents, "rules": [{"backendRefs": backends}], **spec},
    }


def http_route(name: str, ns: str, parents: list[Obj], backends: list[Obj], **spec: Any) -> Obj:
    return xroute("HTTPRoute", name, ns, parents, backends, **spec)


def grant(ns: str, from_ns: str, kind: str = "HTTPRoute", to: Obj | None = None) -> Obj:
    """A ReferenceGrant in ``ns`` letting routes of ``kind`` in ``from_ns`` name Services."""
    return {
        "apiVersion": "gateway.networking.k8s.io/v1beta1",
        "kind": "ReferenceGrant",
        "metadata": {"name": f"from-{from_ns}", "namespace": ns},
        "spec": {
            "from": [{"group": "gateway.networking.k8s.io", "kind": kind, "namespace": from_ns}],
            "to": [to or {"group": "", "kind": "Service"}],
        },
    }
