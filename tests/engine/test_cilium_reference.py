"""Tests of the brute-force Cilium reference itself (``tests/reference_cilium.py``).

Hand-built clusters with hand-computed answers, one rule of CILIUM.md (C1-C7) per test, and a
property test: without Cilium policies the reference agrees with the NetworkPolicy/Admin
reference of ``tests/reference.py`` (which reads the raw manifests) on random clusters.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import replace

from hypothesis import given

from reach.model.cilium import (
    NAMESPACE_KEY,
    NAMESPACE_LABELS_PREFIX,
    SERVICE_ACCOUNT_KEY,
    CiliumPolicy,
    CiliumRule,
    ServiceRef,
)
from reach.model.cluster import (
    AdminPolicy,
    AdminRule,
    Cluster,
    ContainerPort,
    Namespace,
    NetworkPolicy,
    Peer,
    Pod,
    Rule,
)
from reach.model.ipspace import IPBlock
from reach.model.ports import PortSpec
from reach.model.selectors import LabelSelector, Requirement
from reach.model.services import Service
from tests.agreement import agreement_settings
from tests.engine.test_cilium_property import cilium_probe_ips, cilium_probe_ports
from tests.reference import Reference
from tests.reference_cilium import PROTOCOLS, CiliumReference, Endpoint
from tests.strategies_cilium import CiliumCase, cilium_clusters

A, B, C, H = ("default", "a"), ("default", "b"), ("other", "c"), ("default", "h")
OUT, OUT6 = "8.8.8.8", "2001:db8::1"
CNP, CCNP = "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(Requirement(k, "In", frozenset([v])) for k, v in labels.items()))


def in_ns(selector: LabelSelector, namespace: str) -> LabelSelector:
    """C2: the namespace constraint the parser adds."""
    extra = Requirement(NAMESPACE_KEY, "In", frozenset([namespace]))
    return LabelSelector((*selector.requirements, extra))


def pod(key: tuple[str, str], ports: tuple[ContainerPort, ...] = (), **kw: object) -> Pod:
    labels = kw.pop("labels", {"app": key[1]})
    assert isinstance(labels, dict)
    return Pod(key[0], key[1], tuple(sorted(labels.items())), ports=ports, **kw)  # type: ignore[arg-type]


def cluster(*extra_pods: Pod, **fields: object) -> Cluster:
    """Pods a, b (namespace default) and c (namespace other, env=prod), plus ``extra_pods``."""
    pods = [pod(A), pod(B), pod(C), *extra_pods]
    namespaces = {
        "default": Namespace("default", (("kubernetes.io/metadata.name", "default"),)),
        "other": Namespace("other", (("env", "prod"), ("kubernetes.io/metadata.name", "other"))),
    }
    return Cluster(namespaces=namespaces, pods=pods, **fields)  # type: ignore[arg-type]


def rule(direction: str, deny: bool = False, **fields: object) -> CiliumRule:
    return CiliumRule(direction=direction, deny=deny, index=0, **fields)  # type: ignore[arg-type]


def policy(
    selector: LabelSelector,
    *rules: CiliumRule,
    namespace: str = "default",
    **fields: object,
) -> CiliumPolicy:
    """A CNP of ``namespace`` (a CCNP when ``namespace`` is ""), isolating each direction it
    has a rule of unless ``fields`` say otherwise."""
    ingress = tuple(r for r in rules if r.direction == "ingress")
    egress = tuple(r for r in rules if r.direction == "egress")
    values: dict[str, object] = {
        "ingress_isolating": bool(ingress),
        "egress_isolating": bool(egress),
        **fields,
    }
    return CiliumPolicy(
        kind=CNP if namespace else CCNP,
        namespace=namespace,
        name="p",
        endpoint_selector=in_ns(selector, namespace) if namespace else selector,
        ingress=ingress,
        egress=egress,
        **values,  # type: ignore[arg-type]
    )


def tcp(port: int | str | None, end: int | None = None) -> tuple[PortSpec, ...]:
    return (PortSpec("TCP", port, end),)


Check = Callable[[Endpoint, Endpoint], bool]


def ok(c: Cluster, protocol: str = "TCP", port: int = 80) -> Check:
    """``allowed(src, dst)`` on one protocol and port."""
    ref = CiliumReference(c)
    return lambda src, dst: ref.allowed(src, dst, protocol, port)


# --------------------------------------------------------------------------- hand-built cases


def test_no_policy_allows_everything() -> None:
    check = ok(cluster())
    assert check(A, B) and check(C, A) and check(OUT, A) and check(A, OUT6)


def test_cnp_selects_its_namespace_and_peer_selector_means_its_namespace() -> None:
    from_app_a = rule("ingress", endpoints=(in_ns(sel(app="a"), "default"),))
    c_in_other = pod(("other", "a"), labels={"app": "a"})
    b_in_other = pod(("other", "b"), labels={"app": "b"})
    check = ok(cluster(c_in_other, b_in_other, cilium_policies=[policy(sel(app="b"), from_app_a)]))
    assert check(A, B)
    assert not check(("other", "a"), B)  # same labels, other namespace
    assert not check(OUT, B) and not check(C, B)
    assert check(C, ("other", "b"))  # the CNP of default does not select other/b
    assert check(B, A) and check(B, OUT)  # egress not isolated


def test_identity_labels_service_account_and_namespace_labels() -> None:
    sa = pod(("default", "s"), labels={}, service_account="sa-x")
    by_sa = rule("ingress", endpoints=(sel(**{SERVICE_ACCOUNT_KEY: "sa-x"}),))
    by_ns_label = rule("ingress", endpoints=(sel(**{NAMESPACE_LABELS_PREFIX + "env": "prod"}),))
    check = ok(cluster(sa, cilium_policies=[policy(sel(app="a"), by_sa, by_ns_label)]))
    assert check(("default", "s"), A)  # service account
    assert check(C, A)  # other has env=prod
    assert not check(B, A)


def test_ccnp_selects_across_namespaces_and_by_namespace_key() -> None:
    deny_all_in_other = policy(
        sel(**{NAMESPACE_KEY: "other"}), rule("ingress", empty=True), namespace=""
    )
    check = ok(cluster(cilium_policies=[deny_all_in_other]))
    assert not check(A, C) and not check(OUT, C)  # {} allows nothing, but isolates
    assert check(C, A) and check(A, B)


def test_deny_wins_over_networkpolicy_and_cilium_allows() -> None:
    allow_all = NetworkPolicy("default", "np", LabelSelector(), True, False, (Rule(None, None),))
    cnp_allow = policy(LabelSelector(), rule("ingress", wildcard=True))
    deny80 = policy(
        LabelSelector(),
        rule("ingress", deny=True, entities=("cluster",), ports=tcp(80)),
        namespace="",
    )
    check = ok(cluster(policies=[allow_all], cilium_policies=[cnp_allow, deny80]))
    assert not check(A, B) and not check(C, B)
    assert check(OUT, B)  # cluster is not world
    assert ok(cluster(policies=[allow_all], cilium_policies=[deny80]), port=81)(A, B)


def test_enable_default_deny_off_does_not_isolate_but_deny_still_denies() -> None:
    only_a = rule("ingress", endpoints=(in_ns(sel(app="a"), "default"),))
    deny_c = rule("ingress", deny=True, endpoints=(sel(**{NAMESPACE_KEY: "other"}),))
    lax = policy(sel(app="b"), only_a, deny_c, ingress_isolating=False)
    check = ok(cluster(cilium_policies=[lax]))
    assert check(A, B) and check(OUT, B)  # not isolated: everything else is allowed
    assert not check(C, B)  # the deny applies anyway
    strict = policy(sel(app="b"), ingress_isolating=True)  # enableDefaultDeny with no rule
    assert not ok(cluster(cilium_policies=[strict]))(A, B)


def test_isolation_by_a_deny_list_alone() -> None:
    deny_c = rule("ingress", deny=True, endpoints=(sel(app="c"),))
    check = ok(cluster(cilium_policies=[policy(sel(app="b"), deny_c)]))
    assert not check(A, B) and not check(C, B)  # an ingressDeny section isolates


def test_entities() -> None:
    host = pod(H, host_network=True)

    def to(*entities: str) -> Check:
        p = policy(sel(app="a"), rule("egress", entities=entities))
        return ok(cluster(host, cilium_policies=[p]))

    check = to("world-ipv4")
    assert check(A, OUT) and not check(A, OUT6) and not check(A, B) and not check(A, H)
    check = to("world")
    assert check(A, OUT) and check(A, OUT6) and not check(A, B)
    check = to("cluster")
    assert check(A, B) and check(A, C) and check(A, H) and not check(A, OUT)
    check = to("host")
    assert check(A, H) and not check(A, B) and not check(A, OUT)
    assert to("remote-node")(A, H)
    check = to("all")
    assert check(A, H) and check(A, OUT6) and check(A, C)
    for entity in ("kube-apiserver", "ingress", "init", "health", "unmanaged", "none"):
        check = to(entity)
        assert not check(A, B) and not check(A, H) and not check(A, OUT), entity


def test_cidrs_with_excepts_never_match_pods() -> None:
    block = IPBlock(ipaddress.ip_network("10.0.0.0/8"), (ipaddress.ip_network("10.1.0.0/16"),))
    check = ok(cluster(cilium_policies=[policy(sel(app="a"), rule("egress", cidrs=(block,)))]))
    assert check(A, "10.0.0.0") and check(A, "10.255.255.255") and check(A, "10.2.0.0")
    assert not check(A, "10.1.0.0") and not check(A, "10.1.255.255")
    assert not check(A, "11.0.0.0") and not check(A, "9.255.255.255") and not check(A, "::a00:0")
    assert not check(A, B)


def test_wildcard_and_empty_rules() -> None:
    dns = rule("egress", wildcard=True, ports=(PortSpec("UDP", 53),))
    host = pod(H, host_network=True)
    check = ok(cluster(host, cilium_policies=[policy(sel(app="a"), dns)]), "UDP", 53)
    assert check(A, B) and check(A, C) and check(A, H) and check(A, OUT) and check(A, OUT6)
    assert not ok(cluster(cilium_policies=[policy(sel(app="a"), dns)]), "TCP", 53)(A, B)
    empty = policy(sel(app="a"), rule("egress", empty=True))
    check = ok(cluster(cilium_policies=[empty]))
    assert not check(A, B) and not check(A, OUT)


def test_ports_ranges_protocols_and_named_ports() -> None:
    http = (ContainerPort(8080, "TCP", "http"), ContainerPort(53, "UDP", "dns"))
    b = pod(("default", "web"), ports=http)
    ports = (PortSpec("TCP", 1000, 1002), PortSpec("TCP", "http"), PortSpec("UDP", "dns"))
    ingress = policy(LabelSelector(), rule("ingress", wildcard=True, ports=ports))
    ref = CiliumReference(cluster(b, cilium_policies=[ingress]))
    web = ("default", "web")
    assert ref.allowed(A, web, "TCP", 1000) and ref.allowed(A, web, "TCP", 1002)
    assert not ref.allowed(A, web, "TCP", 999) and not ref.allowed(A, web, "TCP", 1003)
    assert not ref.allowed(A, web, "UDP", 1000)
    assert ref.allowed(A, web, "TCP", 8080) and ref.allowed(A, web, "UDP", 53)
    assert not ref.allowed(A, web, "TCP", 53) and not ref.allowed(A, web, "UDP", 8080)
    assert not ref.allowed(A, B, "TCP", 8080)  # b has no "http"
    assert not ref.allowed(OUT, web, "SCTP", 8080)
    egress = policy(sel(app="a"), rule("egress", wildcard=True, ports=tcp("http")))
    ref = CiliumReference(cluster(b, cilium_policies=[egress]))
    assert ref.allowed(A, web, "TCP", 8080)  # resolved on the destination
    assert not ref.allowed(A, OUT, "TCP", 8080)  # never on an address


def test_services_by_name_and_selector() -> None:
    services = [
        Service("other", "svc-c", selector=(("app", "c"),)),
        Service("other", "manual", selector=None),
    ]
    hostc = pod(("other", "hc"), labels={"app": "c"}, host_network=True)
    to_svc = rule("egress", services=(ServiceRef("other", name="svc-c"),))
    check = ok(cluster(hostc, services=services, cilium_policies=[policy(sel(app="a"), to_svc)]))
    assert check(A, C) and not check(A, B)
    assert not check(A, ("other", "hc"))  # host-networked: not a Cilium endpoint
    to_manual = rule("egress", services=(ServiceRef("other", name="manual"),))
    check = ok(cluster(services=services, cilium_policies=[policy(sel(app="a"), to_manual)]))
    assert not check(A, C) and not check(A, OUT)  # no selector: nothing
    any_svc = rule("egress", services=(ServiceRef("", selector=LabelSelector()),))
    check = ok(cluster(services=services, cilium_policies=[policy(sel(app="a"), any_svc)]))
    assert check(A, C) and not check(A, B)


def test_host_networked_pods_and_host_policies_select_nothing() -> None:
    host = pod(H, host_network=True, labels={"app": "b"})
    deny_in = policy(sel(app="b"), rule("ingress", empty=True))
    check = ok(cluster(host, cilium_policies=[deny_in]))
    assert not check(A, B) and check(A, H)
    from_b = policy(sel(app="a"), rule("ingress", endpoints=(in_ns(sel(app="b"), "default"),)))
    check = ok(cluster(host, cilium_policies=[from_b]))
    assert check(B, A) and not check(H, A)  # same labels, but host-networked: no endpoint
    node = replace(policy(LabelSelector(), rule("ingress", empty=True), namespace=""))
    node = replace(node, node_selector=LabelSelector())
    check = ok(cluster(cilium_policies=[node]))
    assert check(A, B) and check(OUT, C)


def test_admin_tier_first_then_cilium_beside_networkpolicies_then_baseline() -> None:
    everyone = Peer(namespace_selector=LabelSelector())
    deny_c = policy(
        LabelSelector(), rule("ingress", deny=True, endpoints=(sel(app="c"),)), namespace=""
    )
    anp_allow = AdminPolicy(
        "AdminNetworkPolicy", "x", "Admin", 1, everyone,
        ingress=(AdminRule("r", "Allow", (Peer(namespace_selector=sel(env="prod")),), None),),
    )  # fmt: skip
    check = ok(cluster(admin_policies=[anp_allow], cilium_policies=[deny_c]))
    assert check(C, A)  # the Admin Allow comes before the Cilium deny
    anp_pass = replace(anp_allow, ingress=(replace(anp_allow.ingress[0], action="Pass"),))
    assert not ok(cluster(admin_policies=[anp_pass], cilium_policies=[deny_c]))(C, A)
    banp_deny = AdminPolicy(
        "BaselineAdminNetworkPolicy", "default", "Baseline", -1, everyone,
        ingress=(AdminRule("r", "Deny", (everyone,), None),),
    )  # fmt: skip
    assert not ok(cluster(admin_policies=[banp_deny]))(A, B)
    from_a = policy(sel(app="b"), rule("ingress", endpoints=(in_ns(sel(app="a"), "default"),)))
    check = ok(cluster(admin_policies=[banp_deny], cilium_policies=[from_a]))
    assert check(A, B)  # isolated by Cilium: the Baseline tier is not consulted
    assert not check(C, B) and not check(B, A)  # b not allowed; a not isolated: the BANP
    lax = replace(from_a, ingress_isolating=False)
    check = ok(cluster(admin_policies=[banp_deny], cilium_policies=[lax]))
    assert check(A, B)  # allowed by Cilium
    assert not check(C, B)  # not isolated, not allowed: the BANP denies


def test_both_sides_must_allow() -> None:
    out_only = policy(sel(app="a"), rule("egress", entities=("world",)))
    into_b = policy(sel(app="b"), rule("ingress", wildcard=True))
    check = ok(cluster(cilium_policies=[out_only, into_b]))
    assert not check(A, B) and check(C, B) and check(A, OUT) and check(OUT, B)


# --------------------------------------------------------------------------- vs tests/reference


@agreement_settings(30)
@given(cilium_clusters())
def test_without_cilium_policies_agrees_with_the_networkpolicy_reference(case: CiliumCase) -> None:
    """NetworkPolicies and Admin policies only: the same answers as ``tests/reference.py``."""
    case.cluster.cilium_policies = []
    ours = CiliumReference(case.cluster)
    theirs = Reference(case.objects)
    assert sorted(ours.pods) == sorted(theirs.pods)
    ips, ports = cilium_probe_ips(case), cilium_probe_ports(case)
    pairs = [(p, q) for p in theirs.pods for q in theirs.pods if p != q]
    pairs += [pair for ip in ips for p in theirs.pods for pair in ((p, ip), (ip, p))]
    for src, dst in pairs:
        for protocol in PROTOCOLS:
            for port in ports:
                expected = theirs.allowed(src, dst, protocol, port)
                assert ours.allowed(src, dst, protocol, port) == expected, (
                    src,
                    dst,
                    protocol,
                    port,
                )
