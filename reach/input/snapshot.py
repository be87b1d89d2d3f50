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

try:  # the C emitter is several times faster than the pure-Python one
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Dumper = yaml.SafeDumper

#: Annotations copied into snapshots. None is needed by the analysis today;
#: an annotation is added here only when the analysis starts reading it.
ANNOTATION_ALLOW_LIST: frozenset[str] = frozenset()

#: Kinds whose whole ``spec`` is kept: every field of it is policy.
POLICY_KINDS = frozenset(
    {"NetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"}
)
_PORT_FIELDS = ("name", "containerPort", "protocol")
_SERVICE_PORT_FIELDS = ("name", "protocol", "port", "targetPort", "nodePort", "appProtocol")


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
        status = _status(obj.get("status"))
        if status:
            out["status"] = status
    elif kind in POLICY_KINDS:
        out["spec"] = obj.get("spec")
    elif kind == "Service":
        out["spec"] = _service_spec(spec)
    elif kind in WORKLOAD_KINDS:
        out["spec"] = _workload_spec(spec, WORKLOAD_KINDS[kind][1:])
    else:
        return None
    return out


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _metadata(value: Any) -> dict[str, Any]:
    meta = _mapping(value)
    out: dict[str, Any] = {}
    for key in ("name", "namespace"):
        if key in meta:
            out[key] = meta[key]
    if "name" not in out and "generateName" in meta:
        out["generateName"] = meta["generateName"]
    if meta.get("labels"):
        out["labels"] = meta["labels"]
    owners = [
        {k: ref[k] for k in ("kind", "name", "controller") if k in ref}
        for ref in meta.get("ownerReferences") or []
        if isinstance(ref, Mapping)
    ]
    if owners:
        out["ownerReferences"] = owners
    annotations = {
        k: v for k, v in _mapping(meta.get("annotations")).items() if k in ANNOTATION_ALLOW_LIST
    }
    if annotations:
        out["annotations"] = annotations
    return out


def _pod_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("containers", "initContainers"):
        containers = [_container(c) for c in spec.get(key) or [] if isinstance(c, Mapping)]
        if containers or key == "containers":
            out[key] = containers
    if "hostNetwork" in spec:
        out["hostNetwork"] = spec["hostNetwork"]
    return out


def _container(c: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in c:
        out["name"] = c["name"]
    ports = [
        {k: p[k] for k in _PORT_FIELDS if k in p}
        for p in c.get("ports") or []
        if isinstance(p, Mapping)
    ]
    if ports:
        out["ports"] = ports
    if "restartPolicy" in c:
        out["restartPolicy"] = c["restartPolicy"]
    return out


def _status(value: Any) -> dict[str, Any]:
    status = _mapping(value)
    out: dict[str, Any] = {}
    for key in ("phase", "podIP"):
        if key in status:
            out[key] = status[key]
    ips = [
        {"ip": p["ip"]} for p in status.get("podIPs") or [] if isinstance(p, Mapping) and "ip" in p
    ]
    if ips:
        out["podIPs"] = ips
    return out


def _service_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "type" in spec:
        out["type"] = spec["type"]
    if "selector" in spec:
        out["selector"] = spec["selector"]
    ports = [
        {k: p[k] for k in _SERVICE_PORT_FIELDS if k in p}
        for p in spec.get("ports") or []
        if isinstance(p, Mapping)
    ]
    if ports:
        out["ports"] = ports
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
    labels = _mapping(template.get("metadata")).get("labels")
    node[template_path[-1]] = {
        "metadata": {"labels": labels} if labels else {},
        "spec": _pod_spec(_mapping(template.get("spec"))),
    }
    return out
