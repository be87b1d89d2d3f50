"""Pods, and workloads expanded into the pods their template would create.

Their ``metadata`` (and the template's) is validated as the API server does
(:mod:`reach.input.validation`); the rest is read leniently (manifests in the wild
carry typos in fields the analysis does not use): only what decides connectivity
is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.input.fields import flag, items, mapping
from reach.input.limits import MAX_REPLICAS
from reach.input.validation import Collector, metadata, raise_all, template_metadata
from reach.model.cluster import ContainerPort, Pod, Workload
from reach.model.istio import INJECT_KEY
from reach.model.ports import MAX_PORT, MIN_PORT, PROTOCOLS
from reach.words import excerpt

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


def parse_pod(obj: Mapping[str, Any], origin: str, seed: str = "") -> Pod:
    """The pod, or a FieldError listing every problem of its metadata and ports (``seed``:
    where the object is, to derive a name from ``generateName``; the origin by default)."""
    found = Collector()
    meta = found.run(metadata, obj, "Pod", seed or origin)
    spec = found.run(mapping, obj.get("spec"), "spec") or {}
    status = found.run(mapping, obj.get("status"), "status") or {}
    ports = found.run(_container_ports, spec, "spec")
    pod_ips = found.run(items, status.get("podIPs"), "status.podIPs") or []
    host_network = found.run(flag, spec.get("hostNetwork"), "spec.hostNetwork")
    owner = found.run(_controller, obj.get("metadata"), meta.namespace if meta else "")
    found.done()
    assert meta is not None and ports is not None
    ips = [status.get("podIP")] + [p.get("ip") for p in pod_ips if isinstance(p, Mapping)]
    return Pod(
        namespace=meta.namespace,
        name=meta.name,
        labels=tuple(sorted(meta.labels.items())),
        ports=ports,
        workload=owner,
        host_network=bool(host_network),
        phase=status.get("phase") if isinstance(status.get("phase"), str) else None,
        ips=tuple(dict.fromkeys(ip for ip in ips if isinstance(ip, str) and ip)),
        origin=origin,
        service_account=_service_account(spec),
        sidecar_inject=_inject(obj.get("metadata")),
    )


def expand_workload(
    obj: Mapping[str, Any], kind: str, origin: str, seed: str = ""
) -> tuple[list[Pod], int]:
    """The pods a workload's template would create, ``replicas`` of them (1 by default)
    but at most :data:`~reach.input.limits.MAX_REPLICAS`, and the number of replicas."""
    found = Collector()
    meta = found.run(metadata, obj, kind, seed or origin)
    template = found.run(_template, obj, kind)
    found.done()
    assert meta is not None and template is not None
    template_path, labels, pod_spec = template
    ports = _container_ports(pod_spec, f"{template_path}.spec")
    host_network = flag(pod_spec.get("hostNetwork"), f"{template_path}.spec.hostNetwork")
    spec = mapping(obj.get("spec"), "spec")
    count = spec.get("replicas", spec.get("parallelism", 1)) if kind != "DaemonSet" else 1
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise FieldError("spec.replicas", f"{excerpt(count)} is not a number of replicas")
    count = max(count, 1)  # a workload scaled to zero still shows what it would allow
    workload = Workload(meta.namespace, meta.name, kind)
    inject = _inject(_template_metadata(obj, kind))
    pods = [
        Pod(
            namespace=meta.namespace,
            name=name,
            labels=labels,
            ports=ports,
            workload=workload,
            host_network=host_network,
            origin=origin,
            service_account=_service_account(pod_spec),
            sidecar_inject=inject,
        )
        for name in replica_names(meta.name, min(count, MAX_REPLICAS))
    ]
    return pods, count


def replica_names(name: str, count: int) -> list[str]:
    """The names of the pods a workload ``name`` expands ``count`` replicas to (at most
    reach's limit): its own for one, else ``<name>-<i>``."""
    return [name] if count == 1 else [f"{name}-{i}" for i in range(count)]


def capped(workload: Workload, replicas: int, expanded: int) -> str:
    """The ``replicas-capped`` warning: how many replicas were expanded, and why."""
    return (
        f"{workload} has {replicas:,} replicas; reach expands the first {expanded:,} "
        f"({workload.name}-0 to {workload.name}-{expanded - 1}) and leaves "
        f"{replicas - expanded:,} out of pod listings (reach's limit). Replicas are "
        "identical for every policy: answers between workloads are the same"
    )


def _service_account(spec: Mapping[str, Any]) -> str:
    """``serviceAccountName`` (or its deprecated alias ``serviceAccount``), else ``default``."""
    for key in ("serviceAccountName", "serviceAccount"):
        value = spec.get(key)
        if isinstance(value, str) and value:
            return value
    return "default"


def _inject(meta: Any) -> str | None:
    """The annotation ``sidecar.istio.io/inject`` of a (validated) ``metadata``, if set."""
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    value = annotations.get(INJECT_KEY) if isinstance(annotations, Mapping) else None
    return value if isinstance(value, str) else None


def _template_metadata(obj: Mapping[str, Any], kind: str) -> Any:
    """The pod template's ``metadata`` of a (validated) workload."""
    template: Any = obj
    for key in WORKLOAD_KINDS[kind]:
        template = template.get(key) if isinstance(template, Mapping) else None
    return template.get("metadata") if isinstance(template, Mapping) else None


def _template(
    obj: Mapping[str, Any], kind: str
) -> tuple[str, tuple[tuple[str, str], ...], Mapping[str, Any]]:
    """The pod template's path, labels and spec, every problem of its metadata at once."""
    template: Mapping[str, Any] = obj
    walked: list[str] = []
    for key in WORKLOAD_KINDS[kind]:
        walked.append(key)
        template = mapping(template.get(key), ".".join(walked))
    path = ".".join(walked)
    problems: list[FieldError] = []
    template_meta = mapping(template.get("metadata"), f"{path}.metadata")
    labels = template_metadata(template_meta, f"{path}.metadata", problems)
    raise_all(problems)
    pod_spec = mapping(template.get("spec"), f"{path}.spec")
    return path, tuple(sorted(labels.items())), pod_spec


def _controller(meta: Any, namespace: str) -> Workload | None:
    """The owner with ``controller: true``; a kind-less owner is shown as ``Pod``.

    A static (mirror) pod is owned by its Node, which is no workload: it stands alone.
    """
    meta = meta if isinstance(meta, Mapping) else {}  # metadata's own problems: metadata()
    for ref in items(meta.get("ownerReferences"), "metadata.ownerReferences"):
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
    running: list[tuple[str, Mapping[str, Any]]] = []
    for key in ("containers", "initContainers"):
        for ci, c in enumerate(items(spec.get(key), f"{path}.{key}")):
            cpath = f"{path}.{key}[{ci}]"
            c = mapping(c, cpath)
            if key == "containers" or c.get("restartPolicy") == "Always":
                running.append((cpath, c))
    out: list[ContainerPort] = []
    for cpath, c in running:
        for pi, p in enumerate(items(c.get("ports"), f"{cpath}.ports")):
            ppath = f"{cpath}.ports[{pi}]"
            p = mapping(p, ppath)
            number = p.get("containerPort")
            if number is None:
                continue  # not a usable port (e.g. a misspelt containerPort key)
            if isinstance(number, bool) or not isinstance(number, int):
                raise FieldError(
                    f"{ppath}.containerPort", f"{excerpt(number)} is not a port number"
                )
            if not MIN_PORT <= number <= MAX_PORT:
                raise FieldError(
                    f"{ppath}.containerPort", f"{excerpt(number)} is out of range (1-65535)"
                )
            proto = p.get("protocol") or "TCP"
            if proto not in PROTOCOLS:
                raise FieldError(f"{ppath}.protocol", f"{excerpt(proto)} is not TCP, UDP or SCTP")
            pname = p.get("name")
            out.append(ContainerPort(number, proto, str(pname) if pname else None))
    return tuple(out)
