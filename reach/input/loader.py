"""Turn raw objects into a validated :class:`~reach.model.cluster.Cluster`.

Kinds that play no part in connectivity are ignored silently; kinds we know
but do not evaluate yet get one warning each. Invalid documents are all
reported together; with ``skip_invalid`` they are left out with a warning.
"""

from __future__ import annotations

from collections.abc import Iterable

from reach.errors import Diagnostics, FieldError, InvalidInput
from reach.input.adminpolicy import parse_admin_policy
from reach.input.entrypoints import ENTRY_POINT_KINDS, add_entry_object
from reach.input.netpol import parse_network_policy
from reach.input.raw import RawObject
from reach.input.selectors import parse_labels
from reach.input.workloads import WORKLOAD_KINDS, expand_workload, parse_pod
from reach.model.cluster import NAME_LABEL, Cluster, Namespace

#: Cluster-scoped policy kinds of policy.networking.k8s.io.
ADMIN_KINDS = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")

#: Policy kinds of network plugins that affect connectivity but are not evaluated yet.
UNSUPPORTED_KINDS = {
    "CiliumNetworkPolicy": "Cilium",
    "CiliumClusterwideNetworkPolicy": "Cilium",
    "GlobalNetworkPolicy": "Calico",
    "StagedNetworkPolicy": "Calico",
    "StagedGlobalNetworkPolicy": "Calico",
    "AntreaNetworkPolicy": "Antrea",
    "ClusterNetworkPolicy.crd.antrea.io": "Antrea",
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
            elif kind == "NetworkPolicy" and _plugin_api(raw):
                diag.add(
                    "unevaluated-kind",
                    f"NetworkPolicy objects of {raw.obj.get('apiVersion')} (a network plugin's "
                    "own API) are not evaluated yet; ignored",
                    partial=True,
                )
            elif kind in UNSUPPORTED_KINDS:
                diag.add(
                    "unevaluated-kind",
                    f"{kind} objects ({UNSUPPORTED_KINDS[kind]}) are not evaluated yet; ignored",
                    partial=True,
                )
            elif kind == "NetworkPolicy":
                cluster.policies.append(parse_network_policy(raw.obj, raw.origin))
            elif kind in WORKLOAD_KINDS:
                workloads.append((raw, kind))
            elif kind in ADMIN_KINDS:
                cluster.admin_policies.append(parse_admin_policy(raw.obj, kind, raw.origin))
            elif kind in ENTRY_POINT_KINDS:
                add_entry_object(cluster, raw, diag)
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
    _check_admin(cluster, diag)
    if diag.errors and not skip_invalid:
        raise InvalidInput(diag.errors)
    for problem in diag.errors if skip_invalid else ():
        diag.add("skipped-invalid", f"skipped invalid object: {problem}", partial=True)
    for p in cluster.pods:
        cluster.namespace(p.namespace)
    for pol in cluster.policies:
        cluster.namespace(pol.namespace)
    cluster.diagnostics = list(diag.notes)
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


def _check_admin(cluster: Cluster, diag: Diagnostics) -> None:
    """At most one BaselineAdminNetworkPolicy; say what offline analysis cannot resolve."""
    banps = [p for p in cluster.admin_policies if p.kind == "BaselineAdminNetworkPolicy"]
    if len(banps) > 1:
        origins = ", ".join(p.origin for p in banps)
        diag.error(
            banps[1].origin, "metadata.name", f"more than one BaselineAdminNetworkPolicy: {origins}"
        )
    for pol in cluster.admin_policies:
        for direction, rules in (("ingress", pol.ingress), ("egress", pol.egress)):
            for r in rules:
                for peer in r.unresolved:
                    diag.add(
                        "unresolved-peer",
                        f"{pol} {direction} rule {r.name}: peer {peer} cannot be resolved "
                        "offline; it matches nothing here",
                        pol.origin,
                        partial=True,
                    )


def _plugin_api(raw: RawObject) -> bool:
    """A NetworkPolicy of another API group (Calico's projectcalico.org/v3, for instance)."""
    api = raw.obj.get("apiVersion")
    return isinstance(api, str) and "/" in api and not api.startswith("networking.k8s.io/")
