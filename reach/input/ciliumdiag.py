"""Diagnostics for the parts of Cilium policies that cannot be decided offline.

Each is a :class:`~reach.errors.Diagnostic` with a ``cilium-*`` code (docs/diagnostics.md,
"Cilium policies"), naming the policy, the rule and what reach did with the part:
``partial`` when the answer may differ from what Cilium enforces.
"""

from __future__ import annotations

from collections.abc import Iterator

from reach.errors import Diagnostics
from reach.model.cilium import CLUSTER_KEY, DEFAULT_CLUSTER, CiliumPolicy, CiliumRule, ServiceRef
from reach.model.cluster import Cluster
from reach.model.pseudo import fqdn_name
from reach.model.selectors import LabelSelector
from reach.model.services import Service

#: Entities that stand for no pod and no external address in reach's model.
UNMODELLED_ENTITIES = ("kube-apiserver", "ingress", "init", "health", "unmanaged")
#: ``unresolved`` entries by their first word: (code, severity, partial, what reach does).
_UNRESOLVED = {
    "icmps": ("cilium-icmp", "info", False, "ICMP is outside reach's port model (TCP, UDP, SCTP)"),
    "protocol": (
        "cilium-protocol",
        "info",
        False,
        "this protocol is outside reach's port model (TCP, UDP, SCTP)",
    ),
    "authentication": (
        "cilium-auth",
        "warning",
        True,
        "traffic the rule allows passes only after mutual authentication, which reach "
        "cannot check; it is shown as allowed",
    ),
    "Nodes": (
        "cilium-node-peer",
        "warning",
        True,
        "nodes are not modelled (it also needs the agent's enable-node-selector-labels); "
        "it matches nothing here",
    ),
    "Groups": (
        "cilium-group-peer",
        "warning",
        True,
        "cloud groups are not read; it matches nothing here",
    ),
    "Requires": (
        "cilium-requires",
        "warning",
        True,
        "removed in Cilium 1.19 and not evaluated: the restriction it adds is left out",
    ),
    "CIDRSet": ("cilium-cidr-group", "warning", True, "it matches no address here"),
}


def cilium_diagnostics(cluster: Cluster, diag: Diagnostics) -> None:
    """Add the diagnostics of every Cilium policy of ``cluster``."""
    for pol in cluster.cilium_policies:
        if pol.node_selector is not None:
            diag.add(
                "cilium-host-policy",
                f"{pol}: a host policy (nodeSelector {pol.node_selector}) applies to nodes, which "
                "reach does not model; it selects no pod here, so the traffic of host-networked "
                "pods may differ",
                pol.origin,
                partial=True,
            )
        _selectors(pol, "endpointSelector", [pol.endpoint_selector], diag)
        for rule in pol.rules:
            _rule(pol, rule, diag)
            for ref in rule.services:
                _service(pol, rule, ref, cluster.services, diag)


def _where(pol: CiliumPolicy, rule: CiliumRule) -> str:
    return f"{pol} {rule.section}[{rule.index}]"


def _rule(pol: CiliumPolicy, rule: CiliumRule, diag: Diagnostics) -> None:
    where = _where(pol, rule)
    if rule.fqdns:
        diag.add(
            "cilium-fqdn",
            f"{where}: toFQDNs {', '.join(rule.fqdns)} cannot be resolved offline (Cilium learns "
            "the addresses from DNS answers): shown as the "
            f"{_nodes([fqdn_name(p) + '[FQDN]' for p in rule.fqdns])}, whose real addresses are "
            "not known offline; no address range stands for "
            f"{'it' if len(set(rule.fqdns)) == 1 else 'them'} here",
            pol.origin,
            partial=True,
        )
    if rule.l7:
        diag.add(
            "cilium-l7",
            f"{where}: L7 filtered ({'; '.join(rule.l7)}): the L4 part is allowed, and Cilium's "
            "proxy refuses the requests the rule does not match",
            pol.origin,
            severity="info",
        )
    families: dict[str, list[str]] = {}
    for entry in rule.unresolved:
        families.setdefault(_family(entry), []).append(entry)
    for family, entries in families.items():
        code, severity, partial, what = _UNRESOLVED[family]
        said = "; ".join(entries)
        diag.add(code, f"{where}: {said}: {what}", pol.origin, severity=severity, partial=partial)
    odd = [e for e in rule.entities if e in UNMODELLED_ENTITIES]
    if odd:
        diag.add(
            "cilium-entity",
            f"{where}: {'entity' if len(odd) == 1 else 'entities'} {', '.join(odd)} "
            f"{'has' if len(odd) == 1 else 'have'} no counterpart among pods and external "
            f"addresses: shown as the {_nodes([e + '[Entity]' for e in odd])}, whose real "
            "addresses are not known offline; no pod or address range stands for "
            f"{'it' if len(odd) == 1 else 'them'} here",
            pol.origin,
            partial=True,
        )
    field = ("from" if rule.direction == "ingress" else "to") + "Endpoints"
    _selectors(pol, f"{rule.section}[{rule.index}].{field}", list(rule.endpoints), diag)


def _nodes(ids: list[str]) -> str:
    """``node x[FQDN]`` or ``nodes x[FQDN], y[FQDN]``."""
    ids = list(dict.fromkeys(ids))
    return ("node " if len(ids) == 1 else "nodes ") + ", ".join(ids)


def _family(entry: str) -> str:
    """The key of :data:`_UNRESOLVED` for an ``unresolved`` entry."""
    word = entry.split(" ", 1)[0]
    for prefix in ("from", "to"):
        if word.startswith(prefix) and word[len(prefix) :] in _UNRESOLVED:
            return word[len(prefix) :]
    return word


def _selectors(
    pol: CiliumPolicy, where: str, selectors: list[LabelSelector], diag: Diagnostics
) -> None:
    """Reserved identities and other clusters named in selectors."""
    for key in dict.fromkeys(_reserved(selectors)):
        diag.add(
            "cilium-reserved-label",
            f"{pol} {where}: {key} selects a reserved identity (the host, health or init "
            "endpoints...), not a pod; it matches no pod here",
            pol.origin,
            partial=True,
        )
    clusters = sorted(
        {v for s in selectors for r in s.requirements if r.key == CLUSTER_KEY for v in r.values}
        - {DEFAULT_CLUSTER}
    )
    if clusters:
        diag.add(
            "cilium-clustermesh",
            f"{pol} {where}: {CLUSTER_KEY} {', '.join(clusters)}: reach reads one cluster "
            f"(named {DEFAULT_CLUSTER}); pods of other clusters of a clustermesh are not modelled",
            pol.origin,
            partial=True,
        )


def _reserved(selectors: list[LabelSelector]) -> Iterator[str]:
    for s in selectors:
        for r in s.requirements:
            if ":" in r.key:
                yield r.key


def _service(
    pol: CiliumPolicy,
    rule: CiliumRule,
    ref: ServiceRef,
    services: list[Service],
    diag: Diagnostics,
) -> None:
    """A ``toServices`` Service by name that the input lacks, or a Service it names (by name
    or by labels) that has no selector (a ``namespace`` of ``""``: any namespace)."""
    named = [s for s in services if ref.takes(s)]
    where = _where(pol, rule)
    if not named and ref.name is not None:
        diag.add(
            "cilium-service-missing",
            f"{where}: toServices names {ref}, which is not in the input; it matches nothing here",
            pol.origin,
            partial=True,
        )
    for svc in named:
        if svc.selector is not None:
            continue
        diag.add(
            "cilium-service-selectorless",
            f"{where}: toServices {svc} has no selector: Cilium allows the addresses of its "
            "EndpointSlices as CIDRs, which reach does not model; it matches nothing here",
            pol.origin,
            partial=True,
        )
