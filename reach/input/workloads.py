"""Pods, and workloads expanded into the pods their template would create.

Pods are read leniently (manifests in the wild carry typos in fields the
analysis does not use); only what decides connectivity is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.input.fields import mapping
from reach.input.selectors import parse_labels
from reach.model.cluster import ContainerPort, Pod, Workload
from reach.model.ports import MAX_PORT, MIN_PORT, PROTOCOLS

#: Kinds whose pod template we expand, with the path to the template.
WORKLOAD_KINDS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def parse_pod(obj: Mapping[str, Any], origin: str) -> Pod:
    meta = mapping(obj.get("metadata"), "metadata")
    name = meta.get("name") or meta.get("generateName")
    if not isinstance(name, str) or not name:
        raise FieldError("metadata.name", "is required")
    namespace = _namespace(meta)
    spec = mapping(obj.get("spec"), "spec")
    status = mapping(obj.get("status"), "status")
    ips = [status.get("podIP")] + [
        p.get("ip") for p in status.get("podIPs") or [] if isinstance(p, Mapping)
    ]
    return Pod(
        namespace=namespace,
        name=name,
        labels=_labels(meta),
        ports=_container_ports(spec, "spec"),
        workload=_controller(meta, namespace),
        host_network=bool(spec.get("hostNetwork")),
        phase=status.get("phase") if isinstance(status.get("phase"), str) else None,
        ips=tuple(dict.fromkeys(ip for ip in ips if isinstance(ip, str) and ip)),
        origin=origin,
    )


def expand_workload(obj: Mapping[str, Any], kind: str, origin: str) -> list[Pod]:
    """The pods a workload's template would create: ``replicas`` of them (1 by default)."""
    meta = mapping(obj.get("metadata"), "metadata")
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise FieldError("metadata.name", "is required")
    namespace = _namespace(meta)
    template: Mapping[str, Any] = obj
    walked: list[str] = []
    for key in WORKLOAD_KINDS[kind]:
        walked.append(key)
        template = mapping(template.get(key), ".".join(walked))
    template_path = ".".join(walked)
    labels = _labels(
        mapping(template.get("metadata"), f"{template_path}.metadata"),
        f"{template_path}.metadata.labels",
    )
    pod_spec = mapping(template.get("spec"), f"{template_path}.spec")
    ports = _container_ports(pod_spec, f"{template_path}.spec")
    spec = mapping(obj.get("spec"), "spec")
    count = spec.get("replicas", spec.get("parallelism", 1)) if kind != "DaemonSet" else 1
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise FieldError("spec.replicas", f"{count!r} is not a number of replicas")
    count = max(count, 1)  # a workload scaled to zero still shows what it would allow
    workload = Workload(namespace, name, kind)
    return [
        Pod(
            namespace=namespace,
            name=name if count == 1 else f"{name}-{i}",
            labels=labels,
            ports=ports,
            workload=workload,
            host_network=bool(pod_spec.get("hostNetwork")),
            origin=origin,
        )
        for i in range(count)
    ]


def _namespace(meta: Mapping[str, Any]) -> str:
    ns = meta.get("namespace") or "default"
    if not isinstance(ns, str):
        raise FieldError("metadata.namespace", "must be a string")
    return ns


def _labels(meta: Mapping[str, Any], path: str = "metadata.labels") -> tuple[tuple[str, str], ...]:
    return tuple(sorted(parse_labels(meta.get("labels"), path).items()))


def _controller(meta: Mapping[str, Any], namespace: str) -> Workload | None:
    """The owner with ``controller: true``; a kind-less owner is shown as ``Pod``.

    A static (mirror) pod is owned by its Node, which is no workload: it stands alone.
    """
    for ref in meta.get("ownerReferences") or []:
        if (
            isinstance(ref, Mapping)
            and ref.get("controller") is True
            and ref.get("name")
            and ref.get("kind") != "Node"
        ):
            return Workload(namespace, str(ref["name"]), str(ref.get("kind") or "Pod"))
    return None


def _container_ports(spec: Mapping[str, Any], path: str) -> tuple[ContainerPort, ...]:
    """Ports of the containers, and of sidecars (init containers that keep running)."""
    containers = list(spec.get("containers") or [])
    containers += [
        c
        for c in spec.get("initContainers") or []
        if isinstance(c, Mapping) and c.get("restartPolicy") == "Always"
    ]
    out: list[ContainerPort] = []
    for ci, c in enumerate(containers):
        if not isinstance(c, Mapping):
            continue
        for pi, p in enumerate(c.get("ports") or []):
            if not isinstance(p, Mapping):
                continue
            number = p.get("containerPort")
            if number is None:
                continue  # not a usable port (e.g. a misspelt containerPort key)
            ppath = f"{path}.containers[{ci}].ports[{pi}]"
            if isinstance(number, bool) or not isinstance(number, int):
                raise FieldError(f"{ppath}.containerPort", f"{number!r} is not a port number")
            if not MIN_PORT <= number <= MAX_PORT:
                raise FieldError(f"{ppath}.containerPort", f"{number} is out of range (1-65535)")
            proto = p.get("protocol") or "TCP"
            if proto not in PROTOCOLS:
                raise FieldError(f"{ppath}.protocol", f"{proto!r} is not TCP, UDP or SCTP")
            pname = p.get("name")
            out.append(ContainerPort(number, proto, str(pname) if pname else None))
    return tuple(out)
