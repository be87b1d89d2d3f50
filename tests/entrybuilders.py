"""Builders of Services, Ingresses, Routes and Gateway API objects for tests (issue 16)."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def service(
    name: str,
    ns: str = "default",
    selector: dict[str, str] | None = None,
    ports: list[Obj] | None = None,
    **spec: Any,
) -> Obj:
    """A v1 Service; ``ports`` are ServicePort dicts (``{"port": 80, "targetPort": "http"}``)."""
    body: Obj = {"ports": ports if ports is not None else [{"port": 80}], **spec}
    if selector is not None:
        body["selector"] = selector
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": body,
    }


def ingress(
    name: str, ns: str, backends: list[tuple[str, int | str]], default: Obj | None = None
) -> Obj:
    """An Ingress with one rule path per ``(service, port number or name)``."""
    paths = [
        {
            "path": "/",
            "pathType": "Prefix",
            "backend": {
                "service": {
                    "name": svc,
                    "port": {"number": port} if isinstance(port, int) else {"name": port},
                }
            },
        }
        for svc, port in backends
    ]
    spec: Obj = {"rules": [{"http": {"paths": paths}}]}
    if default is not None:
        spec["defaultBackend"] = default
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def route(name: str, ns: str, to: str, port: int | str | None = None, **spec: Any) -> Obj:
    body: Obj = {"to": {"kind": "Service", "name": to}, **spec}
    if port is not None:
        body["port"] = {"targetPort": port}
    return {
        "apiVersion": "route.openshift.io/v1",
        "kind": "Route",
        "metadata": {"name": name, "namespace": ns},
        "spec": body,
    }
