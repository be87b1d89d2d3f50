"""Diagnostics for the parts of Istio objects that reach reads but cannot decide offline.

Each is a :class:`~reach.errors.Diagnostic` with an ``istio-*`` code (docs/diagnostics.md,
"Istio"), naming the object and what reach did with it: ``partial`` when the answer may
differ from what the mesh enforces.
"""

from __future__ import annotations

from reach.errors import Diagnostics
from reach.model.cluster import Cluster
from reach.model.istio import (
    ROOT_NAMESPACE,
    AuthorizationPolicy,
    AuthzRule,
    SidecarConfig,
    source_address,
)

#: ``when`` keys reach decides; any other is marked on the connections (L7 conditioned).
KNOWN_KEYS = ("source.namespace", "source.principal", "destination.port")


def istio_diagnostics(cluster: Cluster, diag: Diagnostics) -> None:
    """Say what of the Istio objects is not decided, or not enforced."""
    unaddressed = [str(p) for p in cluster.pods if source_address(p.ips) is None]
    for policy in cluster.istio.authorization:
        _policy(policy, unaddressed, diag)
    for peer in cluster.istio.peer_authentication:
        if peer.namespace == ROOT_NAMESPACE and peer.selector is not None:
            diag.add(
                "istio-peer-ignored",
                f"{peer} has a workload selector in the root namespace {ROOT_NAMESPACE}: "
                "Istio ignores it, and so does reach",
                peer.origin,
                severity="info",
            )
    _networking(cluster, diag)


def _networking(cluster: Cluster, diag: Diagnostics) -> None:
    """Sidecars and ServiceEntries: what of them reach does not evaluate."""
    istio = cluster.istio
    selectorless: dict[str, list[SidecarConfig]] = {}
    for sidecar in istio.sidecars:
        if sidecar.selector is None:
            selectorless.setdefault(sidecar.namespace, []).append(sidecar)
        if sidecar.has_ingress:
            diag.add(
                "istio-unevaluated",
                f"{sidecar} has ingress listeners, which set the ports its workloads accept "
                "(only when they belong to a Service): reach does not evaluate them",
                sidecar.origin,
                partial=True,
            )
        if sidecar.outbound == "REGISTRY_ONLY" and not all(li.captured for li in sidecar.egress):
            diag.add(
                "istio-unevaluated",
                f"{sidecar} has egress listeners with bind or captureMode NONE, which the "
                "application must call explicitly: reach takes them as capturing listeners",
                sidecar.origin,
                partial=True,
            )
    for namespace, found in selectorless.items():
        if len(found) > 1:
            diag.add(
                "istio-sidecar-conflict",
                f"namespace {namespace} has {len(found)} Sidecars without workloadSelector "
                f"({', '.join(map(str, found))}): Istio's behaviour is undefined; reach uses "
                "the first by name",
                found[1].origin,
                partial=True,
            )
    if not istio.registry_only:
        return
    for entry in istio.service_entries:
        if entry.addresses or entry.selector is not None:
            continue
        if entry.resolution != "NONE" or entry.endpoints:
            diag.add(
                "istio-service-entry-unresolved",
                f"{entry} has no addresses and resolution {entry.resolution}: which external "
                "addresses its hosts stand for is not known offline, and reach admits none "
                "through it for REGISTRY_ONLY sidecars",
                entry.origin,
                partial=True,
            )


def says_of_unaddressed(cluster: Cluster) -> bool:
    """Whether what is said depends on the pods with no address (a rule of an
    AuthorizationPolicy that is read, not a dry run nor of targetRefs, names ipBlocks or
    notIpBlocks): else pods may come and go unsaid."""
    return any(
        _names_blocks(r)
        for p in cluster.istio.authorization
        if not p.dry_run and not p.target_refs
        for r in p.rules
    )


def _names_blocks(rule: AuthzRule) -> bool:
    return any(s.ip_blocks or s.not_ip_blocks for s in rule.sources or ())


def _policy(policy: AuthorizationPolicy, unaddressed: list[str], diag: Diagnostics) -> None:
    if policy.dry_run:
        diag.add(
            "istio-dry-run",
            f"{policy} is a dry run (istio.io/dry-run): never enforced, left out",
            policy.origin,
            severity="info",
        )
        return
    if policy.target_refs:
        diag.add(
            "istio-target-refs",
            f"{policy} applies to {', '.join(policy.target_refs)} (targetRefs: gateways, "
            "waypoints, ServiceEntries), which reach does not model: it is left out",
            policy.origin,
            partial=True,
        )
        return
    if policy.action == "CUSTOM":
        diag.add(
            "istio-custom",
            f"{policy} delegates to the extension provider {policy.provider or '(none)'}, "
            "whose decision reach cannot know: the connections its rules match are marked, "
            "not denied",
            policy.origin,
            partial=True,
        )
    for rule in policy.rules:
        if unaddressed and _names_blocks(rule):
            named = ", ".join(unaddressed[:3]) + (", ..." if len(unaddressed) > 3 else "")
            diag.add(
                "istio-ip-blocks",
                f"{policy} rules[{rule.index}] names ipBlocks or notIpBlocks, and "
                f"{len(unaddressed)} pod(s) have no address in the input (status.podIP): "
                f"{named}; reach takes them to be in no block, so the answer from them may "
                "differ from what the sidecar decides",
                policy.origin,
                partial=True,
            )
        undecided = undecidable(rule)
        if undecided and policy.action in ("ALLOW", "DENY"):
            diag.add(
                "istio-l7",
                f"{policy} rules[{rule.index}] depends on {', '.join(undecided)}, which reach "
                "does not see: the connections it matches are marked (L7 conditioned)",
                policy.origin,
                severity="info",
            )


def undecidable(rule: AuthzRule) -> list[str]:
    """The request attributes a rule depends on that reach does not decide."""
    found: list[str] = []
    for source in rule.sources or ():
        if source.request_principals or source.not_request_principals:
            found.append("request principals (JWT)")
        if source.remote_ip_blocks or source.not_remote_ip_blocks:
            found.append("remote IP blocks")
    for op in rule.operations or ():
        if op.hosts or op.not_hosts:
            found.append("hosts")
        if op.methods or op.not_methods:
            found.append("methods")
        if op.paths or op.not_paths:
            found.append("paths")
    found += [f"when {c.key}" for c in rule.conditions if c.key not in KNOWN_KEYS]
    return list(dict.fromkeys(found))
