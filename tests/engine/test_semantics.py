"""One named test per NetworkPolicy rule of design.md ("Semantics").

Each test builds the smallest cluster in which the rule makes a difference.
"""

from __future__ import annotations

import reach
from reach.model.ports import PortSet
from tests.builders import conns, deny_all, ext_ports, namespace, netpol, pod, sel

TCP80 = PortSet.of("TCP", 80)
ALL = PortSet.all()


def two_pods(*policies: dict, **kw: object) -> dict:
    objs = [pod("a", labels={"app": "a"}), pod("b", labels={"app": "b"}), *policies]
    return conns(objs)


# -- isolation per direction ---------------------------------------------------------------


def test_ingress_isolation_when_any_ingress_policy_selects_the_pod() -> None:
    c = two_pods(netpol("p", selector=sel(app="b"), policyTypes=["Ingress"]))
    assert ("default/a", "default/b") not in c
    assert c[("default/b", "default/a")] == ALL  # a is not selected: still open


def test_egress_isolation_when_any_egress_policy_selects_the_pod() -> None:
    c = two_pods(netpol("p", selector=sel(app="a"), policyTypes=["Egress"]))
    assert ("default/a", "default/b") not in c
    assert c[("default/b", "default/a")] == ALL


def test_policy_types_absent_defaults_to_ingress() -> None:
    c = two_pods(netpol("p", selector=sel(app="b")))
    assert ("default/a", "default/b") not in c
    assert c[("default/b", "default/a")] == ALL  # b's egress stays open


def test_policy_types_absent_adds_egress_when_policy_has_egress_rule() -> None:
    rule = {"to": [{"podSelector": sel(app="nobody")}]}
    c = two_pods(netpol("p", selector=sel(app="a"), egress=[rule]))
    assert ("default/a", "default/b") not in c  # egress isolated
    assert ("default/b", "default/a") not in c  # ingress isolated too


def test_policy_types_absent_with_empty_egress_list_does_not_isolate_egress() -> None:
    c = two_pods(netpol("p", selector=sel(app="a"), egress=[]))
    assert c[("default/a", "default/b")] == ALL


def test_explicit_policy_types_taken_as_written() -> None:
    # Egress only: the ingress rules are not in force and b is not ingress-isolated.
    pol = netpol(
        "p",
        selector={},
        policyTypes=["Egress"],
        ingress=[{"from": []}],
        egress=[{"ports": [{"port": 80}]}],
    )
    c = two_pods(pol)
    assert c[("default/a", "default/b")] == TCP80


def test_not_isolated_allows_everything() -> None:
    c = two_pods()
    assert c[("default/a", "default/b")] == ALL
    assert c[("default/b", "default/a")] == ALL


def test_isolated_allows_only_union_of_rules() -> None:
    p1 = netpol("p1", selector=sel(app="b"), ingress=[{"ports": [{"port": 80}]}])
    p2 = netpol("p2", selector=sel(app="b"), ingress=[{"ports": [{"port": 443}]}])
    c = two_pods(p1, p2)
    assert c[("default/a", "default/b")] == TCP80 | PortSet.of("TCP", 443)


def test_connection_needs_source_egress_and_destination_ingress() -> None:
    eg = netpol(
        "eg",
        selector=sel(app="a"),
        policyTypes=["Egress"],
        egress=[{"ports": [{"port": 80}, {"port": 81}]}],
    )
    ing = netpol("in", selector=sel(app="b"), ingress=[{"ports": [{"port": 81}, {"port": 82}]}])
    c = two_pods(eg, ing)
    assert c[("default/a", "default/b")] == PortSet.of("TCP", 81)


# -- empty versus missing peers and ports ----------------------------------------------------


def test_rule_without_from_matches_all_peers_including_external() -> None:
    objs = [
        pod("a"),
        pod("b", labels={"app": "b"}),
        netpol("p", selector=sel(app="b"), ingress=[{"ports": [{"port": 80}]}]),
    ]
    assert conns(objs)[("default/a", "default/b")] == TCP80
    assert ext_ports(objs, "default/b", "8.8.8.8", outbound=False) == TCP80


def test_rule_with_empty_from_list_matches_all_peers() -> None:
    objs = [
        pod("a"),
        pod("b", labels={"app": "b"}),
        netpol("p", selector=sel(app="b"), ingress=[{"from": []}]),
    ]
    assert conns(objs)[("default/a", "default/b")] == ALL
    assert ext_ports(objs, "default/b", "1.2.3.4", outbound=False) == ALL


def test_rule_without_ports_matches_all_ports_and_protocols() -> None:
    c = two_pods(netpol("p", selector=sel(app="b"), ingress=[{"from": [{"podSelector": {}}]}]))
    assert c[("default/a", "default/b")] == ALL


def test_empty_ingress_list_allows_nothing() -> None:
    c = two_pods(netpol("p", selector=sel(app="b"), ingress=[]))
    assert ("default/a", "default/b") not in c


# -- peers -------------------------------------------------------------------------------------


def _cross_ns(peer: dict) -> dict:
    objs = [
        namespace("default"),
        namespace("other", team="x"),
        namespace("third", team="y"),
        pod("a", "default", {"app": "a"}),
        pod("a", "other", {"app": "a"}),
        pod("c", "other", {"app": "c"}),
        pod("a", "third", {"app": "a"}),
        pod("t", "default", {"app": "t"}),
        netpol("p", "default", sel(app="t"), ingress=[{"from": peer}]),
    ]
    return conns(objs)


def _sources(c: dict) -> set[str]:
    return {s for (s, d) in c if d == "default/t" and "/" in s and not s[0].isdigit()}


def test_peer_pod_selector_alone_selects_pods_in_policy_namespace() -> None:
    assert _sources(_cross_ns([{"podSelector": sel(app="a")}])) == {"default/a"}


def test_peer_namespace_selector_alone_selects_all_pods_in_matching_namespaces() -> None:
    assert _sources(_cross_ns([{"namespaceSelector": sel(team="x")}])) == {"other/a", "other/c"}


def test_peer_both_selectors_in_one_item_are_anded() -> None:
    peer = [{"namespaceSelector": sel(team="x"), "podSelector": sel(app="a")}]
    assert _sources(_cross_ns(peer)) == {"other/a"}


def test_peer_separate_items_are_ored() -> None:
    peer = [{"namespaceSelector": sel(team="x")}, {"podSelector": sel(app="a")}]
    assert _sources(_cross_ns(peer)) == {"other/a", "other/c", "default/a"}


def test_ip_block_matches_external_addresses_with_except_holes() -> None:
    block = {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}
    objs = [pod("a"), netpol("p", selector={}, policyTypes=["Egress"], egress=[{"to": [block]}])]
    assert ext_ports(objs, "default/a", "10.2.3.4") == ALL
    assert ext_ports(objs, "default/a", "10.1.2.3").is_empty()
    assert ext_ports(objs, "default/a", "11.0.0.1").is_empty()


def test_ip_block_does_not_match_pod_ips() -> None:
    objs = [
        pod("a", status={"podIP": "10.0.0.5"}),
        pod("b", labels={"app": "b"}, status={"podIP": "10.0.0.6"}),
        netpol(
            "p", selector=sel(app="b"), ingress=[{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]
        ),
    ]
    objs[0]["status"] = {"podIP": "10.0.0.5"}
    assert ("default/a", "default/b") not in conns(objs)


# -- label selectors ---------------------------------------------------------------------------


def _selected_sources(expr: dict) -> set[str]:
    objs = [
        pod("x1", labels={"env": "prod", "app": "x"}),
        pod("x2", labels={"env": "dev", "app": "x"}),
        pod("x3", labels={"app": "x"}),
        pod("t", labels={"role": "target"}),
        netpol("p", selector=sel(role="target"), ingress=[{"from": [{"podSelector": expr}]}]),
    ]
    return {s for (s, d) in conns(objs) if d == "default/t" and s.startswith("default/")}


def test_match_labels() -> None:
    assert _selected_sources(sel(env="prod")) == {"default/x1"}


def test_match_expressions_in() -> None:
    expr = {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]}]}
    assert _selected_sources(expr) == {"default/x1", "default/x2"}


def test_match_expressions_not_in_matches_pods_lacking_the_key() -> None:
    expr = {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}
    assert _selected_sources(expr) == {"default/x2", "default/x3"}


def test_match_expressions_exists() -> None:
    expr = {"matchExpressions": [{"key": "env", "operator": "Exists"}]}
    assert _selected_sources(expr) == {"default/x1", "default/x2"}


def test_match_expressions_does_not_exist_matches_pods_lacking_the_key() -> None:
    expr = {"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}
    assert _selected_sources(expr) == {"default/x3"}


def test_match_labels_and_expressions_are_anded() -> None:
    expr = {
        "matchLabels": {"app": "x"},
        "matchExpressions": [{"key": "env", "operator": "In", "values": ["dev"]}],
    }
    assert _selected_sources(expr) == {"default/x2"}


def test_empty_selector_matches_all() -> None:
    assert _selected_sources({}) == {"default/x1", "default/x2", "default/x3"}


# -- ports ---------------------------------------------------------------------------------------


def _ingress_ports(ports: list[dict], dst_ports: list | None = None) -> PortSet:
    objs = [
        pod("a", ports=[("http", 8080, "TCP")]),
        pod("b", labels={"app": "b"}, ports=dst_ports),
        netpol("p", selector=sel(app="b"), ingress=[{"ports": ports}]),
    ]
    return conns(objs).get(("default/a", "default/b"), PortSet.empty())


def test_protocol_defaults_to_tcp() -> None:
    assert _ingress_ports([{"port": 53}]) == PortSet.of("TCP", 53)


def test_udp_and_sctp_protocols() -> None:
    got = _ingress_ports([{"port": 53, "protocol": "UDP"}, {"port": 3868, "protocol": "SCTP"}])
    assert got == PortSet.of("UDP", 53) | PortSet.of("SCTP", 3868)


def test_port_entry_without_port_matches_all_ports_of_its_protocol() -> None:
    assert _ingress_ports([{"protocol": "UDP"}]) == PortSet.of("UDP")


def test_end_port_makes_an_inclusive_range() -> None:
    assert _ingress_ports([{"port": 32000, "endPort": 32768}]) == PortSet.of("TCP", 32000, 32768)


def test_named_port_resolves_on_destination_pod_for_ingress() -> None:
    # "http" is 8080 on the source a but 9000 on the destination b: b's port counts.
    got = _ingress_ports([{"port": "http"}], dst_ports=[("http", 9000, "TCP")])
    assert got == PortSet.of("TCP", 9000)


def test_named_port_resolves_on_destination_pod_for_egress() -> None:
    objs = [
        pod("a", labels={"app": "a"}, ports=[("http", 8080, "TCP")]),
        pod("b", labels={"app": "b"}, ports=[("http", 9000, "TCP")]),
        netpol(
            "p",
            selector=sel(app="a"),
            policyTypes=["Egress"],
            egress=[{"ports": [{"port": "http"}]}],
        ),
    ]
    assert conns(objs)[("default/a", "default/b")] == PortSet.of("TCP", 9000)


def test_named_port_requires_matching_protocol() -> None:
    got = _ingress_ports([{"port": "dns", "protocol": "TCP"}], dst_ports=[("dns", 53, "UDP")])
    assert got.is_empty()
    got = _ingress_ports([{"port": "dns", "protocol": "UDP"}], dst_ports=[("dns", 53, "UDP")])
    assert got == PortSet.of("UDP", 53)


def test_named_port_unknown_on_destination_matches_nothing() -> None:
    assert _ingress_ports([{"port": "grpc"}], dst_ports=[("http", 80, "TCP")]).is_empty()


def test_named_port_toward_external_address_matches_nothing() -> None:
    objs = [
        pod("a", ports=[("http", 8080, "TCP")]),
        netpol(
            "p",
            selector={},
            policyTypes=["Egress"],
            egress=[{"ports": [{"port": "http"}, {"port": 443}]}],
        ),
    ]
    assert ext_ports(objs, "default/a", "8.8.8.8") == PortSet.of("TCP", 443)


# -- namespaces and defaults ---------------------------------------------------------------------


def _t_admits_namespace_named(name: str) -> list[dict]:
    """Pod default/t, and a policy admitting into it only the namespace named ``name``
    (selected by its kubernetes.io/metadata.name label)."""
    by_name = {"namespaceSelector": sel(**{"kubernetes.io/metadata.name": name})}
    return [
        pod("t", labels={"app": "t"}),
        netpol("p", selector=sel(app="t"), ingress=[{"from": [by_name]}]),
    ]


def test_namespace_carries_name_label_even_if_omitted() -> None:
    objs = [
        namespace("prod"),  # no labels at all
        pod("a", "prod"),
        *_t_admits_namespace_named("prod"),
    ]
    assert ("prod/a", "default/t") in conns(objs)


def test_undeclared_namespace_exists_with_name_label() -> None:
    objs = [pod("a", "ghost"), *_t_admits_namespace_named("ghost")]
    c = conns(objs)
    assert ("ghost/a", "default/t") in c
    assert "ghost" in reach.from_objects(objs).cluster.namespaces


def test_object_without_namespace_is_in_default() -> None:
    objs = [
        pod("a", ns=None),
        pod("b", labels={"app": "b"}),
        netpol("p", ns=None, selector=sel(app="b")),
    ]
    c = conns(objs)
    assert ("default/a", "default/b") not in c  # the namespace-less policy isolates default/b


# -- self traffic, hostNetwork, phase -----------------------------------------------------------


def test_pod_reaching_itself_is_allowed_and_not_reported() -> None:
    objs = [pod("a"), deny_all()]
    assert conns(objs) == {}
    rows = reach.from_objects([pod("a")]).connections(by="pod")
    assert all(c.src != c.dst for c in rows)


def test_replicas_of_one_workload_are_distinct_pods() -> None:
    dep = {
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}},
        },
    }
    c = conns([dep])
    assert c[("default/web-0", "default/web-1")] == ALL
    assert conns([dep], by="workload") == {
        ("default/web[Deployment]", "0.0.0.0-255.255.255.255"): ALL,
        ("0.0.0.0-255.255.255.255", "default/web[Deployment]"): ALL,
    }


def test_host_network_pods_analyzed_like_others_and_marked() -> None:
    objs = [
        pod("h", hostNetwork=True),
        pod("b", labels={"app": "b"}),
        netpol("p", selector=sel(app="b"), ingress=[{"from": [{"podSelector": {}}]}]),
    ]
    r = reach.from_objects(objs)
    rows = {(c.src.name, c.dst.name): c for c in r.connections(by="pod")}
    assert rows[("h", "b")].ports == ALL
    assert rows[("h", "b")].src.host_network is True
    assert rows[("h", "b")].dst.host_network is False


def test_offline_pods_are_analyzed_whatever_their_phase() -> None:
    objs = [pod("done", status={"phase": "Succeeded"}), pod("b")]
    objs[0]["status"] = {"phase": "Succeeded"}
    assert ("default/done", "default/b") in conns(objs)


def test_workload_connection_is_union_over_its_pods() -> None:
    owner = [{"kind": "ReplicaSet", "name": "rs", "controller": True}]
    p1 = pod("p1", labels={"v": "1"})
    p2 = pod("p2", labels={"v": "2"})
    p1["metadata"]["ownerReferences"] = owner
    p2["metadata"]["ownerReferences"] = owner
    t = pod("t", labels={"app": "t"})
    pol1 = netpol(
        "p",
        selector=sel(app="t"),
        ingress=[{"from": [{"podSelector": sel(v="1")}], "ports": [{"port": 80}]}],
    )
    pol2 = netpol(
        "q",
        selector=sel(app="t"),
        ingress=[{"from": [{"podSelector": sel(v="2")}], "ports": [{"port": 81}]}],
    )
    c = conns([p1, p2, t, pol1, pol2], by="workload")
    assert c[("default/rs[ReplicaSet]", "default/t[Pod]")] == PortSet.of("TCP", 80, 81)
