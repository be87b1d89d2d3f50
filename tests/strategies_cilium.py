"""Hypothesis strategies: small random clusters mixing NetworkPolicies, the Admin/Baseline
policies, CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies.

Namespaces, pods, NetworkPolicies and the cluster-scoped Admin policies come from the existing
manifest strategies (``tests/strategies.py``, ``admin_clusters`` of the Admin property test),
with service accounts and host networking added, and go through reach's parsers of those kinds.
The Cilium policies and the Services are built directly as model objects
(``reach.model.cilium``), so the comparison does not depend on the Cilium parser: they hold
what CILIUM.md says the parser produces (C2: the implicit namespace constraints are applied
here; ``ANY`` is three PortSpecs; ``enableDefaultDeny`` is folded into ``*_isolating``).

Vocabularies are tiny so that selectors, entities, CIDRs, Services and named ports often meet.
"""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from reach.errors import Diagnostics
from reach.input.files import flatten
from reach.input.loader import build_cluster
from reach.model.cilium import (
    CLUSTER_KEY,
    ENTITIES,
    NAMESPACE_KEY,
    NAMESPACE_LABELS_PREFIX,
    SERVICE_ACCOUNT_KEY,
    CiliumPolicy,
    CiliumRule,
    ServiceRef,
)
from reach.model.cluster import NAME_LABEL, Cluster, Pod
from reach.model.ipspace import IPBlock
from reach.model.ports import PortSpec
from reach.model.selectors import LabelSelector, Requirement
from reach.model.services import Service, ServicePort
from tests.engine.test_admin_vs_reference import admin_clusters
from tests.reference import Obj
from tests.reference_cilium import CiliumReference
from tests.strategies import (
    CIDRS,
    NS_LABELS,
    NS_NAMES,
    POD_LABELS,
    PORT_NAMES,
    RULE_PORT_NUMBERS,
)

SERVICE_ACCOUNTS = ["default", "sa-a", "sa-b"]
#: Identity-label vocabulary (C1): pod labels, the namespace, namespace labels, the service
#: account and the cluster; "zone" is carried by nothing, ``reserved:host`` matches no pod.
IDENTITY_VOCAB: dict[str, list[str]] = {
    **POD_LABELS,
    NAMESPACE_KEY: NS_NAMES,
    **{NAMESPACE_LABELS_PREFIX + k: v for k, v in NS_LABELS.items()},
    NAMESPACE_LABELS_PREFIX + NAME_LABEL: NS_NAMES,
    SERVICE_ACCOUNT_KEY: SERVICE_ACCOUNTS,
    CLUSTER_KEY: ["default", "other"],
    "zone": ["z1"],
    "reserved:host": [""],
}
RULE_PORT_NAMES = [*PORT_NAMES, "grpc"]  # "grpc": a name no pod carries
SERVICE_NAMES = ["svc-a", "svc-b", "svc-c"]
L4_PROTOCOLS = ("TCP", "UDP", "SCTP")


@dataclass
class CiliumCase:
    """A generated cluster: the manifests of the kinds reach already parses, and the model
    (those parsed, plus the Cilium policies and Services built directly)."""

    objects: list[Obj]
    cluster: Cluster

    def __repr__(self) -> str:  # what Hypothesis prints for a falsifying example
        lines = [f"objects={self.objects!r}"]
        lines += [f"service={s!r}" for s in self.cluster.services]
        lines += [f"cilium={p!r}" for p in self.cluster.cilium_policies]
        return "CiliumCase(\n  " + "\n  ".join(lines) + "\n)"


# --------------------------------------------------------------------------- selectors


@st.composite
def requirements(draw: st.DrawFn, seen: list[dict[str, str]]) -> Requirement:
    """One requirement over the identity vocabulary; half the time an ``In`` of a label some
    pod's identity carries, so that selectors often match."""
    labels = sorted({(k, v) for identity in seen for k, v in identity.items()})
    if labels and draw(st.booleans()):
        key, value = draw(st.sampled_from(labels))
        return Requirement(key, "In", frozenset([value]), plain=True)
    key = draw(st.sampled_from(sorted(IDENTITY_VOCAB)))
    operator = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
    values: frozenset[str] = frozenset()
    if operator in ("In", "NotIn"):
        values = frozenset(
            draw(st.lists(st.sampled_from(IDENTITY_VOCAB[key]), min_size=1, max_size=2))
        )
    return Requirement(key, operator, values)


@st.composite
def identity_selectors(draw: st.DrawFn, seen: list[dict[str, str]]) -> LabelSelector:
    count = draw(st.sampled_from([0, 1, 1, 2]))
    return LabelSelector(tuple(draw(requirements(seen)) for _ in range(count)))


def with_namespace(selector: LabelSelector, requirement: Requirement) -> LabelSelector:
    return LabelSelector((*selector.requirements, requirement))


def in_namespace(namespace: str) -> Requirement:
    return Requirement(NAMESPACE_KEY, "In", frozenset([namespace]))


def peer_selector(selector: LabelSelector, namespace: str) -> LabelSelector:
    """C2: a peer selector without a namespace key gets ``namespace In [ns]`` in a CNP (unless
    it has a namespace-label key) and ``namespace Exists`` in a CCNP."""
    keys = [r.key for r in selector.requirements]
    if NAMESPACE_KEY in keys:
        return selector
    if namespace:
        if any(k.startswith(NAMESPACE_LABELS_PREFIX) for k in keys):
            return selector
        return with_namespace(selector, in_namespace(namespace))
    return with_namespace(selector, Requirement(NAMESPACE_KEY, "Exists"))


# --------------------------------------------------------------------------- ports


@st.composite
def cilium_ports(draw: st.DrawFn) -> tuple[PortSpec, ...]:
    """One toPorts port: a number, a range (endPort), a name or every port ("0"/absent), for
    one protocol or ANY (C5: three PortSpecs)."""
    protocols = draw(st.sampled_from([*L4_PROTOCOLS, "ANY"]))
    kind = draw(st.sampled_from(["number", "number", "range", "named", "all"]))
    port: int | str | None = None
    end: int | None = None
    if kind in ("number", "range"):
        port = draw(st.sampled_from(RULE_PORT_NUMBERS))
        if kind == "range":
            end = draw(st.sampled_from([p for p in RULE_PORT_NUMBERS if p > port] or [65535]))
    elif kind == "named":
        port = draw(st.sampled_from(RULE_PORT_NAMES))
    chosen = L4_PROTOCOLS if protocols == "ANY" else (protocols,)
    return tuple(PortSpec(protocol, port, end) for protocol in chosen)


@st.composite
def rule_ports(draw: st.DrawFn) -> tuple[PortSpec, ...] | None:
    if draw(st.booleans()):
        return None
    entries = draw(st.lists(cilium_ports(), min_size=1, max_size=3))
    return tuple(spec for entry in entries for spec in entry)


# --------------------------------------------------------------------------- peers


@st.composite
def cidr_blocks(draw: st.DrawFn) -> IPBlock:
    cidr = draw(st.sampled_from(sorted(CIDRS)))
    excepts = draw(st.lists(st.sampled_from(CIDRS[cidr]), max_size=2, unique=True))
    return IPBlock(ipaddress.ip_network(cidr), tuple(ipaddress.ip_network(e) for e in excepts))


@st.composite
def service_refs(
    draw: st.DrawFn, namespace: str, namespaces: list[str], existing: list[Service]
) -> ServiceRef:
    """By name (usually a Service of the cluster, sometimes one that does not exist) or by
    selector over the Services' labels; the namespace defaults to the policy's, and a
    clusterwide selector ref may leave it empty (every namespace)."""
    if existing and draw(st.sampled_from([True, True, False])):
        target = draw(st.sampled_from(existing))
        if draw(st.booleans()):
            return ServiceRef(target.namespace, name=target.name)
    where = draw(st.sampled_from([namespace, *namespaces] if namespace else namespaces))
    if draw(st.booleans()):
        return ServiceRef(where, name=draw(st.sampled_from([*SERVICE_NAMES, "missing"])))
    if not namespace and draw(st.booleans()):
        where = ""
    selector = draw(
        st.sampled_from(
            [
                LabelSelector(),
                LabelSelector((Requirement("team", "In", frozenset(["x"])),)),
                LabelSelector((Requirement("team", "DoesNotExist"),)),
            ]
        )
    )
    return ServiceRef(where, selector=selector)


@st.composite
def cilium_rules(
    draw: st.DrawFn,
    direction: str,
    deny: bool,
    index: int,
    namespace: str,
    namespaces: list[str],
    seen: list[dict[str, str]],
    existing: list[Service],
) -> CiliumRule:
    """A rule: wildcard (only toPorts), empty ({}), or 1-3 of the peer fields."""
    shape = draw(st.sampled_from(["wildcard", "empty", "peers", "peers", "peers", "peers"]))
    base = CiliumRule(direction=direction, deny=deny, index=index)
    if shape == "empty":
        return replace(base, empty=True)
    ports = draw(rule_ports())
    l7: tuple[str, ...] = ()
    if not deny and ports is not None and draw(st.sampled_from([False, False, True])):
        l7 = ("http GET /",)  # L7 rules: the L4 part is allowed (C4/issue)
    if shape == "wildcard":
        return replace(base, wildcard=True, ports=ports, l7=l7)
    fields = ["endpoints", "entities", "cidrs", *(["services"] if direction == "egress" else [])]
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True))
    endpoints: tuple[LabelSelector, ...] = ()
    entities: tuple[str, ...] = ()
    cidrs: tuple[IPBlock, ...] = ()
    services: tuple[ServiceRef, ...] = ()
    if "endpoints" in chosen:
        selectors = draw(st.lists(identity_selectors(seen), min_size=1, max_size=2))
        endpoints = tuple(peer_selector(s, namespace) for s in selectors)
    if "entities" in chosen:
        entities = tuple(draw(st.lists(st.sampled_from(ENTITIES), min_size=1, max_size=2)))
    if "cidrs" in chosen:
        cidrs = tuple(draw(st.lists(cidr_blocks(), min_size=1, max_size=2)))
    if "services" in chosen:
        services = tuple(
            draw(st.lists(service_refs(namespace, namespaces, existing), min_size=1, max_size=2))
        )
    fqdns: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()
    if draw(st.sampled_from([False, False, False, True])):
        if direction == "egress" and draw(st.booleans()):
            fqdns = ("api.example.com",)
        else:
            unresolved = ("fromNodes" if direction == "ingress" else "toGroups",)
    return replace(
        base,
        endpoints=endpoints,
        entities=entities,
        cidrs=cidrs,
        services=services,
        ports=ports,
        l7=l7,
        fqdns=fqdns,
        unresolved=unresolved,
    )


@st.composite
def cilium_policies(
    draw: st.DrawFn,
    name: str,
    namespaces: list[str],
    seen: list[dict[str, str]],
    existing: list[Service],
) -> CiliumPolicy:
    clusterwide = draw(st.booleans())
    # Subjects lean toward pods that exist: a pod's namespace, or one label of its identity.
    target = draw(st.sampled_from(seen)) if seen else {}
    namespace = ""
    if not clusterwide:
        namespace = target.get(NAMESPACE_KEY) or draw(st.sampled_from(namespaces))
        namespace = draw(st.sampled_from([namespace, namespace, *namespaces]))
    if target and draw(st.booleans()):
        key, value = draw(st.sampled_from(sorted(target.items())))
        selector = LabelSelector((Requirement(key, "In", frozenset([value]), plain=True),))
    else:
        selector = draw(identity_selectors(seen))
    if not clusterwide:  # C2: a CNP selects pods of its own namespace
        selector = LabelSelector(
            tuple(r for r in selector.requirements if r.key != NAMESPACE_KEY)
            + (in_namespace(namespace),)
        )
    node_selector = None
    if clusterwide and draw(st.sampled_from([False] * 7 + [True])):
        node_selector = LabelSelector((Requirement("node-role", "In", frozenset(["worker"])),))
    rules: dict[str, list[CiliumRule]] = {"ingress": [], "egress": []}
    for direction in ("ingress", "egress"):
        for deny in (False, True):
            count = draw(st.sampled_from([0, 0, 1, 1, 2] if not deny else [0, 0, 0, 1, 2]))
            for i in range(count):
                rules[direction].append(
                    draw(cilium_rules(direction, deny, i, namespace, namespaces, seen, existing))
                )
    isolating = {}
    for direction in ("ingress", "egress"):
        default_deny = draw(st.sampled_from([None, None, None, True, False]))
        isolating[direction] = bool(rules[direction]) if default_deny is None else default_deny
    return CiliumPolicy(
        kind="CiliumClusterwideNetworkPolicy" if clusterwide else "CiliumNetworkPolicy",
        namespace=namespace,
        name=name,
        endpoint_selector=selector,
        ingress=tuple(rules["ingress"]),
        egress=tuple(rules["egress"]),
        ingress_isolating=isolating["ingress"],
        egress_isolating=isolating["egress"],
        node_selector=node_selector,
        origin=f"<generated>#{name}",
    )


@st.composite
def service_lists(draw: st.DrawFn, pods: list[Pod]) -> list[Service]:
    """0-3 Services, each usually selecting by one label of a pod of its namespace; some have
    no selector, some select nothing."""
    out: list[Service] = []
    for name in SERVICE_NAMES[: draw(st.integers(0, len(SERVICE_NAMES)))]:
        target = draw(st.sampled_from(pods))
        choices: list[tuple[tuple[str, str], ...] | None] = [None, (("app", "c"),)]
        choices += [((k, v),) for k, v in target.labels] * 2
        selector = draw(st.sampled_from(choices))
        labels = draw(st.sampled_from([(), (("team", "x"),), (("team", "y"),)]))
        service = Service(target.namespace, name, selector=selector, ports=(ServicePort(80),))
        out.append(replace(service, labels=labels))
    return out


# --------------------------------------------------------------------------- clusters


def parse(objects: list[Obj]) -> Cluster:
    """The manifests of the kinds reach already reads, through its loader."""
    raws = [raw for i, obj in enumerate(objects, 1) for raw in flatten(obj, f"<gen>#{i}", "")]
    return build_cluster(raws, Diagnostics())


@st.composite
def cilium_clusters(draw: st.DrawFn) -> CiliumCase:
    """``admin_clusters()`` (most of the time without its Admin policies), pods given service
    accounts and sometimes host networking, then 0-4 Cilium policies and 0-3 Services."""
    objects = copy.deepcopy(draw(admin_clusters()))
    if draw(st.sampled_from([True, True, False])):
        objects = [
            obj
            for obj in objects
            if obj["kind"]
            not in ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
        ]
    for obj in objects:
        if obj["kind"] == "Pod":
            account = draw(st.sampled_from([None, *SERVICE_ACCOUNTS]))
            if account is not None:
                obj["spec"]["serviceAccountName"] = account
            if draw(st.sampled_from([False] * 5 + [True])):
                obj["spec"]["hostNetwork"] = True
    cluster = parse(objects)
    namespaces = sorted({pod.namespace for pod in cluster.pods} | set(cluster.namespaces))
    reference = CiliumReference(cluster)
    seen = [reference.identity(pod) for pod in cluster.pods]
    cluster.services = draw(service_lists(cluster.pods))
    count = draw(st.sampled_from([0, 1, 1, 2, 2, 3, 4]))
    cluster.cilium_policies = [
        draw(cilium_policies(f"cil-{i}", namespaces, seen, cluster.services)) for i in range(count)
    ]
    return CiliumCase(objects, cluster)
