"""Snapshots: what a live read saw, as one offline multi-document YAML file.

Only the fields the analysis reads are kept, so a snapshot is small and holds
no secrets: no env values, no images, no annotations beyond
:data:`ANNOTATION_ALLOW_LIST`. ``reach.load([snapshot])`` gives exactly the
connections of the live read it was written from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TextIO

import yaml

from reach.input.raw import RawObject
from reach.input.workloads import WORKLOAD_KINDS
from reach.model.calico import CALICO_GROUPS

try:  # the C emitter is several times faster than the pure-Python one
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Dumper = yaml.SafeDumper

#: Annotations copied into snapshots: only those the analysis reads (Istio's sidecar
#: injection on pods and templates, and the dry run of AuthorizationPolicies).
ANNOTATION_ALLOW_LIST: frozenset[str] = frozenset({"sidecar.istio.io/inject", "istio.io/dry-run"})

#: Kinds whose whole ``spec`` is kept: every field of it is policy.
POLICY_KINDS = frozenset(
    {"NetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"}
)
#: Cilium kinds: their ``spec`` and ``specs`` are kept (every field of them is policy).
CILIUM_KINDS = frozenset(
    {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "CiliumCIDRGroup"}
)
#: Calico kinds (``projectcalico.org`` and ``crd.projectcalico.org``) besides NetworkPolicy:
#: their whole ``spec`` is kept (policy, tiers, addresses, profiles, host endpoints).
CALICO_KINDS = frozenset(
    {
        "GlobalNetworkPolicy",
        "StagedNetworkPolicy",
        "StagedGlobalNetworkPolicy",
        "StagedKubernetesNetworkPolicy",
        "Tier",
        "NetworkSet",
        "GlobalNetworkSet",
        "Profile",
        "HostEndpoint",
    }
)
#: Gateway API kinds: their whole ``spec`` is kept (references and matches, no secrets).
GATEWAY_KINDS = frozenset(
    {"Gateway", "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute", "ReferenceGrant"}
)
#: Istio kinds (``security.istio.io``, ``networking.istio.io``) reach reads: whole ``spec``.
ISTIO_KINDS = frozenset({"AuthorizationPolicy", "PeerAuthentication", "Sidecar", "ServiceEntry"})
ISTIO_GROUPS = frozenset({"security.istio.io", "networking.istio.io"})
_PORT_FIELDS = ("name", "containerPort", "protocol")
_SERVICE_FIELDS = (
    "type",
    "selector",
    "clusterIP",
    "externalIPs",
    "loadBalancerSourceRanges",
    "externalTrafficPolicy",
    "externalName",
)
_SERVICE_PORT_FIELDS = ("name", "protocol", "port", "targetPort", "nodePort", "appProtocol")
_INGRESS_FIELDS = ("ingressClassName", "defaultBackend", "rules")
#: Route fields: not ``tls``, which can hold the certificate's private key.
_ROUTE_FIELDS = ("host", "path", "to", "alternateBackends", "port")
_ENDPOINT_FIELDS = ("addresses", "conditions", "targetRef")


def write_snapshot(raws: Iterable[RawObject], out: TextIO, info: Mapping[str, Any]) -> None:
    """Write ``raws`` to ``out`` as one multi-document YAML file.

    ``info`` is :attr:`LiveSource.info <reach.input.live.LiveSource.info>`:
    the header comment names its context, server, server version and read time.
    Objects of kinds the analysis does not read are left out.
    """
    out.write(_header(info))
    for raw in raws:
        obj = prune(raw.obj)
        if obj is None:
            continue
        out.write("---\n")
        out.write(yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False))


def _header(info: Mapping[str, Any]) -> str:
    lines = [
        "reach snapshot: the objects of a live cluster, reduced to what the analysis reads",
        f"context: {info.get('context', 'unknown')}",
        f"server: {info.get('server', 'unknown')}",
        f"server version: {info.get('server_version', 'unknown')}",
        f"read at: {info.get('read_at', 'unknown')}",
    ]
    counts = info.get("counts")
    if isinstance(counts, Mapping) and counts:
        lines.append("objects: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    skipped = info.get("skipped_finished")
    if skipped:
        lines.append(f"skipped: {skipped} finished pods (Succeeded/Failed)")
    lines.append("analyze with: reach list -f THIS_FILE")
    return "".join(f"# {' '.join(str(line).split())}\n" for line in lines)


def prune(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The object with only the fields the analysis needs; ``None`` for other kinds."""
    kind = obj.get("kind")
    if not isinstance(kind, str):
        return None
    out: dict[str, Any] = {"apiVersion": obj.get("apiVersion"), "kind": kind}
    if out["apiVersion"] is None:
        del out["apiVersion"]
    out["metadata"] = _metadata(obj.get("metadata"))
    spec = _mapping(obj.get("spec"))
    if kind == "Namespace":
        pass
    elif kind == "Pod":
        out["spec"] = _pod_spec(spec)
        _set_nonempty(out, "status", _status(obj.get("status")))
    elif kind in POLICY_KINDS or kind in GATEWAY_KINDS or _calico(obj, kind) or _istio(obj, kind):
        out["spec"] = obj.get("spec")
    elif kind in CILIUM_KINDS:
        out.update(_picked(obj, ("spec", "specs")))
    elif kind == "Service":
        out["spec"] = _service_spec(spec)
    elif kind == "Ingress":
        out["spec"] = _picked(spec, _INGRESS_FIELDS)
    elif kind == "Route":
        out["spec"] = _picked(spec, _ROUTE_FIELDS)
    elif kind == "EndpointSlice":
        out.update(_endpoint_slice(obj))
    elif kind in WORKLOAD_KINDS:
        out["spec"] = _workload_spec(spec, WORKLOAD_KINDS[kind][1:])
    else:
        return None
    return out


def _calico(obj: Mapping[str, Any], kind: str) -> bool:
    group = str(obj.get("apiVersion") or "").partition("/")[0]
    return kind in CALICO_KINDS and group in CALICO_GROUPS


def _istio(obj: Mapping[str, Any], kind: str) -> bool:
    group = str(obj.get("apiVersion") or "").partition("/")[0]
    return kind in ISTIO_KINDS and group in ISTIO_GROUPS


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _picked(m: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The entries of ``m`` under ``keys`` that it has, in the order of ``keys``."""
    return {k: m[k] for k in keys if k in m}


def _picked_each(items: Any, keys: Iterable[str]) -> list[dict[str, Any]]:
    """Each mapping of the list ``items`` reduced to ``keys``; other items are left out."""
    return [_picked(item, keys) for item in items or [] if isinstance(item, Mapping)]


def _set_nonempty(out: dict[str, Any], key: str, value: Any) -> None:
    if value:
        out[key] = value


def _metadata(value: Any) -> dict[str, Any]:
    meta = _mapping(value)
    out = _picked(meta, ("name", "namespace"))
    if "name" not in out and "generateName" in meta:
        out["generateName"] = meta["generateName"]
    _set_nonempty(out, "labels", meta.get("labels"))
    owners = _picked_each(meta.get("ownerReferences"), ("kind", "name", "controller"))
    _set_nonempty(out, "ownerReferences", owners)
    annotations = _mapping(meta.get("annotations")).items()
    _set_nonempty(out, "annotations", {k: v for k, v in annotations if k in ANNOTATION_ALLOW_LIST})
    return out


def _pod_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("containers", "initContainers"):
        containers = [_container(c) for c in spec.get(key) or [] if isinstance(c, Mapping)]
        if containers or key == "containers":
            out[key] = containers
    for key in ("hostNetwork", "serviceAccountName", "serviceAccount"):
        if key in spec:
            out[key] = spec[key]
    return out


def _container(c: Mapping[str, Any]) -> dict[str, Any]:
    out = _picked(c, ("name",))
    _set_nonempty(out, "ports", _picked_each(c.get("ports"), _PORT_FIELDS))
    out.update(_picked(c, ("restartPolicy",)))
    return out


def _status(value: Any) -> dict[str, Any]:
    status = _mapping(value)
    out = _picked(status, ("phase", "podIP"))
    ips = [ip for ip in _picked_each(status.get("podIPs"), ("ip",)) if ip]
    _set_nonempty(out, "podIPs", ips)
    return out


def _service_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    out = _picked(spec, _SERVICE_FIELDS)
    _set_nonempty(out, "ports", _picked_each(spec.get("ports"), _SERVICE_PORT_FIELDS))
    return out


def _endpoint_slice(obj: Mapping[str, Any]) -> dict[str, Any]:
    """``addressType``, the endpoints (addresses, conditions, the pod they are) and ports."""
    out = _picked(obj, ("addressType",))
    endpoints = []
    for e in _picked_each(obj.get("endpoints"), _ENDPOINT_FIELDS):
        if isinstance(e.get("targetRef"), Mapping):
            e["targetRef"] = _picked(e["targetRef"], ("kind", "namespace", "name"))
        endpoints.append(e)
    out["endpoints"] = endpoints
    _set_nonempty(out, "ports", _picked_each(obj.get("ports"), ("name", "protocol", "port")))
    return out


def _workload_spec(spec: Mapping[str, Any], template_path: tuple[str, ...]) -> dict[str, Any]:
    """Replica count and the pod template (labels and pod spec), nothing else."""
    out: dict[str, Any] = {k: spec[k] for k in ("replicas", "parallelism") if k in spec}
    node: dict[str, Any] = out
    source: Mapping[str, Any] = spec
    for key in template_path[:-1]:  # CronJob: jobTemplate.spec
        source = _mapping(source.get(key))
        node = node.setdefault(key, {})
    template = _mapping(source.get(template_path[-1]))
    meta = _mapping(template.get("metadata"))
    kept: dict[str, Any] = {"labels": meta["labels"]} if meta.get("labels") else {}
    annotations = _mapping(meta.get("annotations")).items()
    _set_nonempty(kept, "annotations", {k: v for k, v in annotations if k in ANNOTATION_ALLOW_LIST})
    node[template_path[-1]] = {
        "metadata": kept,
        "spec": _pod_spec(_mapping(template.get("spec"))),
    }
    return out
