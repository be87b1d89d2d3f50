"""Cilium policies as model objects, so tests read like the policies they stand for."""

from __future__ import annotations

from reach.api.facade import Reach
from reach.model.cilium import NAMESPACE_KEY, CiliumPolicy, CiliumRule
from reach.model.cluster import NAME_LABEL, Cluster, ContainerPort, Namespace, Pod
from reach.model.ports import PortSet
from reach.model.selectors import LabelSelector, Requirement

ALL = PortSet.all()
NONE = PortSet.empty()


def sel(ns: str | None = None, **labels: str) -> LabelSelector:
    """An identity selector: labels, and the namespace key when ``ns``."""
    reqs = [Requirement(k, "In", frozenset({v})) for k, v in labels.items()]
    if ns is not None:
        reqs.append(Requirement(NAMESPACE_KEY, "In", frozenset({ns})))
    return LabelSelector(tuple(reqs))


def cnp(
    ns: str, name: str, subject: LabelSelector, *rules: CiliumRule, **kw: object
) -> CiliumPolicy:
    ingress = tuple(r for r in rules if r.direction == "ingress")
    egress = tuple(r for r in rules if r.direction == "egress")
    return CiliumPolicy(
        "CiliumNetworkPolicy",
        ns,
        name,
        subject,
        ingress=ingress,
        egress=egress,
        ingress_isolating=bool(kw.get("ingress_isolating", bool(ingress))),
        egress_isolating=bool(kw.get("egress_isolating", bool(egress))),
        node_selector=kw.get("node_selector"),  # type: ignore[arg-type]
    )


def rule(direction: str = "ingress", deny: bool = False, **kw: object) -> CiliumRule:
    return CiliumRule(direction, deny, 0, **kw)  # type: ignore[arg-type]


def cluster(*policies: CiliumPolicy, pods: list[Pod] | None = None, **kw: object) -> Reach:
    c = Cluster()
    for name, labels in (("a", {"team": "x"}), ("b", {"team": "y"})):
        c.namespaces[name] = Namespace(name, tuple(sorted({NAME_LABEL: name, **labels}.items())))
    c.pods = pods or [
        Pod("a", "web", (("app", "web"),), ports=(ContainerPort(80, name="http"),)),
        Pod("a", "db", (("app", "db"),), ports=(ContainerPort(5432, name="pg"),)),
        Pod("b", "web", (("app", "web"),), service_account="robot"),
        Pod("b", "node-agent", (("app", "agent"),), host_network=True),
    ]
    c.cilium_policies = list(policies)
    c.policies = list(kw.get("netpols", []))  # type: ignore[call-overload]
    c.services = list(kw.get("services", []))  # type: ignore[call-overload]
    return Reach(c)


def ports(r: Reach, src: str, dst: str) -> PortSet:
    (explanation,) = r.explain(src, dst)
    return explanation.allowed
