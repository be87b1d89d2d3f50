"""Hypothesis strategies: small random clusters mixing Kubernetes NetworkPolicies, the Admin and
Baseline policies, Calico NetworkPolicies and GlobalNetworkPolicies in several tiers (with Pass,
Deny, Log and default actions), NetworkSets, GlobalNetworkSets and Profiles.

Namespaces, pods, NetworkPolicies and Admin policies come from the manifest strategies
(``admin_clusters``) through reach's loader; the Calico objects and Services are built as model
objects (``reach.model.calico``), so a comparison does not depend on the Calico parser. The
vocabularies are tiny so that selectors, network sets, service accounts and named ports meet.
"""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from reach.errors import Diagnostics
from reach.input.files import flatten
from reach.input.loader import build_cluster
from reach.model.calico import (
    NAME_LABEL,
    NAMESPACE_LABEL,
    SERVICE_ACCOUNT_LABEL,
    CalicoPolicy,
    CalicoPort,
    CalicoRule,
    EntityMatch,
    NetworkSet,
    Profile,
    ServiceMatch,
    Tier,
    builtin_tiers,
    namespace_profile_name,
)
from reach.model.calicoselector import (
    All,
    And,
    Equal,
    Global,
    Has,
    In,
    Not,
    NotEqual,
    NotIn,
    Or,
    Selector,
    StringTest,
)
from reach.model.cluster import Cluster, Pod
from reach.model.ipspace import IPBlock
from reach.model.services import Service, ServicePort
from tests.engine.test_admin_vs_reference import admin_clusters
from tests.reference import Obj
from tests.strategies import NS_LABELS, NS_NAMES, POD_LABELS, PORT_NAMES, RULE_PORT_NUMBERS

SERVICE_ACCOUNTS = ["default", "sa-a", "sa-b"]
TIER_NAMES = ["security", "platform", "app"]
#: Endpoint-label vocabulary: pod labels, Calico's own, network-set labels, and "zone" that
#: nothing carries.
ENDPOINT_VOCAB: dict[str, list[str]] = {
    **POD_LABELS,
    NAMESPACE_LABEL: NS_NAMES,
    SERVICE_ACCOUNT_LABEL: SERVICE_ACCOUNTS,
    "role": ["partner", "db"],
    "zone": ["z1"],
}
NAMESPACE_VOCAB: dict[str, list[str]] = {**NS_LABELS, NAME_LABEL: NS_NAMES}
SA_VOCAB: dict[str, list[str]] = {NAME_LABEL: SERVICE_ACCOUNTS}
NETS = ["10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/24", "0.0.0.0/0", "2001:db8::/32"]
RULE_PORT_NAMES = [*PORT_NAMES, "grpc"]
SERVICE_NAMES = ["svc-a", "svc-b"]


@dataclass
class CalicoCase:
    """A generated cluster: the manifests reach parses, and the model with the Calico objects."""

    objects: list[Obj]
    cluster: Cluster

    def __repr__(self) -> str:  # what Hypothesis prints for a falsifying example
        lines = [f"objects={self.objects!r}"]
        lines += [f"service={s!r}" for s in self.cluster.services]
        calico = self.cluster.calico
        lines += [f"tier={t!r}" for t in calico.ordered_tiers()]
        lines += [f"calico={p!r}" for p in calico.policies]
        lines += [f"netset={s!r}" for s in calico.network_sets]
        lines += [f"profile={p!r}" for p in calico.profiles.values()]
        return "CalicoCase(\n  " + "\n  ".join(lines) + "\n)"


# --------------------------------------------------------------------------- selectors


@st.composite
def leaf_selectors(draw: st.DrawFn, vocab: dict[str, list[str]]) -> Selector:
    key = draw(st.sampled_from(sorted(vocab)))
    value = draw(st.sampled_from(vocab[key]))
    values = frozenset(draw(st.lists(st.sampled_from(vocab[key]), min_size=1, max_size=2)))
    choices: list[Selector] = [
        Equal(key, value),
        Equal(key, value),
        NotEqual(key, value),
        Has(key),
        In(key, values),
        NotIn(key, values),
        StringTest(key, "starts with", value[:1]),
        StringTest(key, "ends with", value[-1:]),
        StringTest(key, "contains", value[1:2]),
        All(),
    ]
    return draw(st.sampled_from(choices))


def calico_selectors(vocab: dict[str, list[str]]) -> st.SearchStrategy[Selector]:
    """Small expressions: mostly one test, sometimes negated or combined."""
    leaf = leaf_selectors(vocab)
    return st.one_of(
        leaf,
        leaf,
        st.builds(Not, leaf),
        st.builds(lambda a, b: And((a, b)), leaf, leaf),
        st.builds(lambda a, b: Or((a, b)), leaf, leaf),
    )


@st.composite
def namespace_selectors(draw: st.DrawFn) -> Selector:
    base = draw(calico_selectors(NAMESPACE_VOCAB))
    return draw(st.sampled_from([base, base, base, Global(), Or((base, Global()))]))


# --------------------------------------------------------------------------- rules


@st.composite
def ports(draw: st.DrawFn) -> tuple[CalicoPort, ...]:
    out = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["number", "range", "named"]))
        if kind == "named":
            out.append(CalicoPort(name=draw(st.sampled_from(RULE_PORT_NAMES))))
        else:
            lo = draw(st.sampled_from(RULE_PORT_NUMBERS))
            hi = (
                lo
                if kind == "number"
                else draw(st.sampled_from([p for p in RULE_PORT_NUMBERS if p >= lo]))
            )
            out.append(CalicoPort(lo, hi))
    return tuple(out)


@st.composite
def entities(
    draw: st.DrawFn, namespace: str, destination: bool, services: list[Service]
) -> EntityMatch:
    """A source or destination: each criterion sometimes present."""
    if draw(st.sampled_from([True, False, False])):
        return EntityMatch()
    maybe = st.sampled_from([False, False, True])
    if services and draw(st.sampled_from([False] * 6 + [True])):
        svc = draw(st.sampled_from(services))
        ns = svc.namespace if not namespace or draw(st.booleans()) else namespace
        return EntityMatch(service=ServiceMatch(svc.name, ns))
    sa_names = None
    sa_sel = None
    if draw(maybe):
        sa_names = tuple(draw(st.lists(st.sampled_from(SERVICE_ACCOUNTS), min_size=1, max_size=2)))
        if draw(st.booleans()):
            sa_sel = draw(calico_selectors(SA_VOCAB))
    return EntityMatch(
        selector=draw(calico_selectors(ENDPOINT_VOCAB)) if draw(st.booleans()) else None,
        not_selector=draw(calico_selectors(ENDPOINT_VOCAB)) if draw(maybe) else None,
        namespace_selector=draw(namespace_selectors()) if draw(maybe) else None,
        nets=tuple(
            IPBlock(ipaddress.ip_network(n))
            for n in draw(st.lists(st.sampled_from(NETS), min_size=1, max_size=2))
        )
        if draw(maybe)
        else None,
        not_nets=tuple(
            IPBlock(ipaddress.ip_network(n))
            for n in draw(st.lists(st.sampled_from(NETS), max_size=1))
        )
        if draw(maybe)
        else (),
        ports=draw(ports()) if destination and draw(st.booleans()) else None,
        not_ports=draw(ports()) if destination and draw(maybe) else (),
        service_account_names=sa_names,
        service_account_selector=sa_sel,
    )


@st.composite
def calico_rules(
    draw: st.DrawFn, direction: str, index: int, namespace: str, services: list[Service]
) -> CalicoRule:
    action = draw(st.sampled_from(["Allow", "Allow", "Deny", "Deny", "Pass", "Log"]))
    protocol = draw(st.sampled_from([None, None, "TCP", "TCP", "UDP", "SCTP", "ICMP"]))
    not_protocol = draw(st.sampled_from([None] * 5 + ["UDP", "TCP"]))
    source = draw(entities(namespace, False, services))
    destination = draw(entities(namespace, True, services))
    if protocol not in ("TCP", "UDP", "SCTP"):  # ports need a protocol with ports
        destination = replace(destination, ports=None, not_ports=())
    version = draw(st.sampled_from([None] * 6 + [4, 6]))
    return CalicoRule(
        direction=direction,
        index=index,
        action=action,
        protocol=protocol,
        not_protocol=not_protocol,
        ip_version=version,
        source=source,
        destination=destination,
    )


@st.composite
def calico_policies(
    draw: st.DrawFn,
    name: str,
    namespaces: list[str],
    pods: list[Pod],
    services: list[Service],
) -> CalicoPolicy:
    is_global = draw(st.booleans())
    target = draw(st.sampled_from(pods))
    namespace = "" if is_global else draw(st.sampled_from([target.namespace, *namespaces]))
    if draw(st.booleans()) and target.labels:
        key, value = draw(st.sampled_from(sorted(target.labels)))
        selector: Selector = Equal(key, value)
    else:
        selector = draw(st.sampled_from([All(), draw(calico_selectors(ENDPOINT_VOCAB))]))
    rules: dict[str, list[CalicoRule]] = {}
    for direction in ("ingress", "egress"):
        count = draw(st.sampled_from([0, 1, 1, 2, 3]))
        rules[direction] = [
            draw(calico_rules(direction, i, namespace, services)) for i in range(count)
        ]
    types = draw(st.sampled_from(["default", "default", "ingress", "egress", "both"]))
    if types == "default":
        ingress, egress = bool(rules["ingress"]) or not rules["egress"], bool(rules["egress"])
    else:
        ingress, egress = types in ("ingress", "both"), types in ("egress", "both")
    return CalicoPolicy(
        kind="GlobalNetworkPolicy" if is_global else "NetworkPolicy",
        namespace=namespace,
        name=name,
        tier=draw(st.sampled_from(["default", "default", *TIER_NAMES, "kube-admin"])),
        order=draw(st.sampled_from([None, 10.0, 100.0, 1000.0, 1000.0])),
        selector=selector,
        namespace_selector=draw(calico_selectors(NAMESPACE_VOCAB))
        if is_global and draw(st.sampled_from([False, False, True]))
        else None,
        service_account_selector=draw(calico_selectors(SA_VOCAB))
        if draw(st.sampled_from([False] * 5 + [True]))
        else None,
        ingress=tuple(rules["ingress"]),
        egress=tuple(rules["egress"]),
        ingress_applies=ingress,
        egress_applies=egress,
        pre_dnat=False,
        staged_action=None,
        origin=f"<generated>#{name}",
    )


@st.composite
def tiers(draw: st.DrawFn) -> dict[str, Tier]:
    out = builtin_tiers()
    for name in TIER_NAMES:
        if draw(st.sampled_from([True, True, False])):  # sometimes only named by a policy
            order = draw(st.sampled_from([None, 50.0, 100.0, 100.0, 2000.0]))
            action = draw(st.sampled_from(["Deny", "Pass"]))
            out[name] = Tier(name, order, action, origin=f"<generated>#tier-{name}")
        else:
            out[name] = Tier(name)
    return out


@st.composite
def network_sets(draw: st.DrawFn, namespaces: list[str]) -> list[NetworkSet]:
    out = []
    for i in range(draw(st.integers(0, 3))):
        namespace = draw(st.sampled_from(["", *namespaces]))
        labels = dict(
            draw(st.sampled_from([{"role": "partner"}, {"role": "db"}, {"app": "a"}, {}]))
        )
        if namespace:
            labels[NAMESPACE_LABEL] = namespace
        nets = tuple(
            IPBlock(ipaddress.ip_network(n))
            for n in draw(st.lists(st.sampled_from(NETS), min_size=1, max_size=2))
        )
        out.append(
            NetworkSet(
                namespace, f"set-{i}", tuple(sorted(labels.items())), nets, f"<generated>#set-{i}"
            )
        )
    return out


@st.composite
def profiles(draw: st.DrawFn, namespaces: list[str], services: list[Service]) -> dict[str, Profile]:
    """Sometimes a kns.<namespace> profile from the input, with rules of its own."""
    out = {}
    for namespace in namespaces:
        if draw(st.sampled_from([False, False, False, True])):
            name = namespace_profile_name(namespace)
            rules = {
                d: tuple(
                    draw(calico_rules(d, i, "", services)) for i in range(draw(st.integers(0, 2)))
                )
                for d in ("ingress", "egress")
            }
            out[name] = Profile(
                name, rules["ingress"], rules["egress"], origin=f"<generated>#{name}"
            )
    return out


@st.composite
def service_lists(draw: st.DrawFn, pods: list[Pod]) -> list[Service]:
    out = []
    for name in SERVICE_NAMES[: draw(st.integers(0, len(SERVICE_NAMES)))]:
        target = draw(st.sampled_from(pods))
        choices: list[tuple[tuple[str, str], ...] | None] = [
            None,
            *[((k, v),) for k, v in target.labels],
        ]
        port = draw(
            st.sampled_from(
                [
                    ServicePort(80),
                    ServicePort(80, target=8080),
                    ServicePort(53, "UDP", target="dns"),
                ]
            )
        )
        out.append(
            Service(target.namespace, name, selector=draw(st.sampled_from(choices)), ports=(port,))
        )
    return out


# --------------------------------------------------------------------------- clusters


def parse(objects: list[Obj]) -> Cluster:
    raws = [raw for i, obj in enumerate(objects, 1) for raw in flatten(obj, f"<gen>#{i}", "")]
    return build_cluster(raws, Diagnostics())


@st.composite
def calico_clusters(draw: st.DrawFn) -> CalicoCase:
    """``admin_clusters()`` (usually without its Admin policies), pods given service accounts,
    then tiers, 0-4 Calico policies, 0-3 network sets, 0-2 Services and some profiles."""
    objects = copy.deepcopy(draw(admin_clusters()))
    if draw(st.sampled_from([True, True, False])):
        admin = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
        objects = [obj for obj in objects if obj["kind"] not in admin]
    for obj in objects:
        if obj["kind"] == "Pod":
            account = draw(st.sampled_from([None, *SERVICE_ACCOUNTS]))
            if account is not None:
                obj["spec"]["serviceAccountName"] = account
    cluster = parse(objects)
    namespaces = sorted({pod.namespace for pod in cluster.pods} | set(cluster.namespaces))
    cluster.services = draw(service_lists(cluster.pods))
    calico = cluster.calico
    calico.tiers = draw(tiers())
    count = draw(st.sampled_from([0, 1, 2, 2, 3, 4]))
    calico.policies = [
        draw(calico_policies(f"cal-{i}", namespaces, cluster.pods, cluster.services))
        for i in range(count)
    ]
    calico.network_sets = draw(network_sets(namespaces))
    calico.profiles = draw(profiles(namespaces, cluster.services))
    return CalicoCase(objects, cluster)


#: External addresses that probe every net of NETS and their edges.
PROBE_IPS = ["10.0.0.1", "10.1.2.3", "192.168.0.9", "8.8.8.8", "2001:db8::1", "2001:db9::1"]
PROBE_PORTS = sorted({*RULE_PORT_NUMBERS, 8080, 53, 2})
