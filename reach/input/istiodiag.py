"""Diagnostics for the parts of Istio objects that reach reads but cannot decide offline.

Each is a :class:`~reach.errors.Diagnostic` with an ``istio-*`` code (docs/diagnostics.md,
"Istio"), naming the object and what reach did with it: ``partial`` when the answer may
differ from what the mesh enforces.
"""

from __future__ import annotations

from reach.errors import Diagnostics
from reach.model.cluster import Cluster
from reach.model.istio import ROOT_NAMESPACE, AuthorizationPolicy, AuthzRule, source_address

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
    for obj in cluster.istio.unevaluated:
        sidecar = obj.kind == "Sidecar"
        diag.add(
            "istio-unevaluated",
            f"{obj} is read but not evaluated: "
            + (
                "its egress hosts may keep the workload from reaching some destinations, "
                "which the answer leaves out"
                if sidecar
                else "external hosts it adds do not change pod-to-pod answers"
            ),
            obj.origin,
            severity="warning" if sidecar else "info",
            partial=sidecar,
        )


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
        if unaddressed and any(s.ip_blocks or s.not_ip_blocks for s in rule.sources or ()):
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
