"""Small builders of manifest dicts, so tests read like the YAML they stand for."""

from __future__ import annotations

from typing import Any

import reach
from reach.model.ports import PortSet

Obj = dict[str, Any]


def namespace(name: str, **labels: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def pod(
    name: str,
    ns: str | None = "default",
    labels: dict[str, str] | None = None,
    ports: list[tuple[str | None, int, str]] | None = None,
    **spec: Any,
) -> Obj:
    """A Pod; ``ports`` are (name, containerPort, protocol)."""
    meta: Obj = {"name": name, "labels": labels or {}}
    if ns is not None:
        meta["namespace"] = ns
    container: Obj = {"name": "c", "image": "img"}
    if ports:
        container["ports"] = [
            {**({"name": n} if n else {}), "containerPort": p, "protocol": proto}
            for n, p, proto in ports
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [container], **spec},
    }


def netpol(name: str, ns: str | None = "default", selector: Obj | None = None, **spec: Any) -> Obj:
    meta: Obj = {"name": name}
    if ns is not None:
        meta["namespace"] = ns
    body: Obj = {"podSelector": selector if selector is not None else {}}
    for key, value in spec.items():
        body["policyTypes" if key == "policyTypes" else key] = value
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta,
        "spec": body,
    }


def deny_all(ns: str = "default", types: tuple[str, ...] = ("Ingress", "Egress")) -> Obj:
    return netpol(f"deny-{'-'.join(t.lower() for t in types)}", ns, {}, policyTypes=list(types))


def sel(**labels: str) -> Obj:
    return {"matchLabels": labels}


def ipblock(cidr: str, *excluded: str) -> Obj:
    """A peer ``ipBlock``; ``except`` only when ranges are excluded."""
    block: Obj = {"cidr": cidr}
    if excluded:
        block["except"] = list(excluded)
    return {"ipBlock": block}


def expr(key: str, operator: str, *values: Any) -> Obj:
    """A ``matchExpressions`` entry; ``values`` only when given."""
    out: Obj = {"key": key, "operator": operator}
    if values:
        out["values"] = list(values)
    return out


def conns(objects: list[Obj], by: str = "pod") -> dict[tuple[str, str], PortSet]:
    """``{(src, dst): ports}``; pods are ``ns/name``, externals their range text."""
    out: dict[tuple[str, str], PortSet] = {}
    for c in reach.from_objects(objects).connections(by=by):
        out[(_key(c.src), _key(c.dst))] = c.ports
    return out


def _key(node: reach.Node) -> str:
    if node.type == "external":
        return node.name
    if node.type == "namespace":
        return node.name
    if node.type == "pod":
        return f"{node.namespace}/{node.name}"
    return node.id


def ext_ports(objects: list[Obj], pod_key: str, ip: str, outbound: bool = True) -> PortSet:
    """Ports from pod to the external address ``ip`` (or from ``ip`` when not outbound)."""
    import ipaddress

    addr = ipaddress.ip_address(ip)
    for c in reach.from_objects(objects).connections(by="pod"):
        ext, inner = (c.dst, c.src) if outbound else (c.src, c.dst)
        if ext.type == "external" and _key(inner) == pod_key:
            assert ext.ip_range is not None
            first, last = ext.ip_range
            if first.version == addr.version and first <= addr <= last:  # type: ignore[operator]
                return c.ports
    return PortSet.empty()


def sidecar(spec: Obj, name: str = "default", ns: str = "foo") -> Obj:
    """An Istio Sidecar."""
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "Sidecar",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def service_entry(spec: Obj, name: str = "ext", ns: str = "foo") -> Obj:
    """An Istio ServiceEntry."""
    return {**sidecar(spec, name, ns), "kind": "ServiceEntry"}
