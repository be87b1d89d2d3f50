"""Turn raw objects into a validated :class:`~reach.model.Cluster`.

Kinds that play no part in connectivity are ignored silently; kinds we know
but do not evaluate yet get one warning each. Invalid documents are all
reported together; with ``skip_invalid`` they are left out with a warning.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import Diagnostics, FieldError, InvalidInput
from .model import NAME_LABEL, Cluster, Namespace
from .netpol import parse_network_policy
from .selectors import parse_labels
from .sources import RawObject
from .workloads import WORKLOAD_KINDS, expand_workload, parse_pod

#: Known kinds that affect connectivity but are not evaluated yet.
UNSUPPORTED_KINDS = {
    "AdminNetworkPolicy": "policy.networking.k8s.io",
    "BaselineAdminNetworkPolicy": "policy.networking.k8s.io",
    "ClusterNetworkPolicy": "policy.networking.k8s.io",
}


def build_cluster(
    raws: Iterable[RawObject], diag: Diagnostics | None = None, skip_invalid: bool = False
) -> Cluster:
    """Parse every object; raise :class:`InvalidInput` listing all problems found."""
    diag = diag or Diagnostics()
    cluster = Cluster()
    workloads: list[tuple[RawObject, str]] = []
    for raw in raws:
        kind = raw.obj.get("kind")
        try:
            if kind == "Namespace":
                _add_namespace(cluster, raw)
            elif kind == "Pod":
                cluster.pods.append(parse_pod(raw.obj, raw.origin))
            elif kind == "NetworkPolicy":
                cluster.policies.append(parse_network_policy(raw.obj, raw.origin))
            elif kind in WORKLOAD_KINDS:
                workloads.append((raw, kind))
            elif kind in UNSUPPORTED_KINDS:
                diag.warn(
                    f"{kind} objects ({UNSUPPORTED_KINDS[kind]}) are not evaluated yet; ignored"
                )
        except FieldError as e:
            diag.error(raw.origin, raw.path + e.path, e.message)
    # Pods already present for a controller stand for it; expand only the others.
    owners = {p.workload for p in cluster.pods if p.workload}
    for raw, kind in workloads:
        try:
            pods = expand_workload(raw.obj, kind, raw.origin)
        except FieldError as e:
            diag.error(raw.origin, raw.path + e.path, e.message)
            continue
        if pods and pods[0].workload not in owners:
            cluster.pods.extend(pods)
    if diag.errors and not skip_invalid:
        raise InvalidInput(diag.errors)
    for problem in diag.errors if skip_invalid else ():
        diag.warn(f"skipped invalid object: {problem}")
    for p in cluster.pods:
        cluster.namespace(p.namespace)
    for pol in cluster.policies:
        cluster.namespace(pol.namespace)
    cluster.warnings = list(diag.warnings)
    return cluster


def _add_namespace(cluster: Cluster, raw: RawObject) -> None:
    meta = raw.obj.get("metadata") or {}
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise FieldError("metadata.name", "is required")
    name = meta["name"]
    labels = parse_labels(meta.get("labels"), "metadata.labels")
    # The API server always sets kubernetes.io/metadata.name to the namespace's name.
    labels[NAME_LABEL] = name
    cluster.namespaces[name] = Namespace(name, tuple(sorted(labels.items())), raw.origin)
