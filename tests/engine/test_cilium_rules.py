"""One named test per Cilium rule the engine implements (docs/semantics.md, "Cilium").

The clusters are built as model objects, so these tests check the engine alone;
the parser's rules are tested in tests/input/test_cilium_*.py.
"""

from __future__ import annotations

import ipaddress

from reach.model.cilium import (
    NAMESPACE_LABELS_PREFIX,
    SERVICE_ACCOUNT_KEY,
    ServiceRef,
)
from reach.model.cluster import (
    NetworkPolicy,
    Peer,
    Rule,
)
from reach.model.ipspace import IPBlock
from reach.model.ports import PortSet, PortSpec
from reach.model.selectors import LabelSelector, Requirement
from reach.model.services import Service
from tests.ciliumbuilders import ALL, NONE, cluster, cnp, ports, rule, sel


def test_subject_is_pods_of_the_policy_namespace_matching_the_endpoint_selector() -> None:
    r = cluster(cnp("a", "p", sel("a", app="web"), rule(empty=True)))
    assert ports(r, "b/web", "a/web") == NONE  # isolated, {} admits nothing
    assert ports(r, "a/web", "b/web") == ALL  # b/web has the same labels but is not selected


def test_host_networked_pods_are_never_selected() -> None:
    r = cluster(cnp("b", "p", sel(None), rule(empty=True)))
    assert ports(r, "a/web", "b/node-agent") == ALL
    assert ports(r, "a/web", "b/web") == NONE


def test_empty_rule_isolates_and_admits_nothing() -> None:
    # the parser marks ``{}`` both wildcard (no peer field) and empty (no ports either)
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(empty=True, wildcard=True)))
    assert ports(r, "a/web", "a/db") == NONE
    assert ports(r, "8.8.8.8", "a/db") == NONE


def test_wildcard_rule_admits_every_peer_on_its_ports() -> None:
    tcp80 = (PortSpec("TCP", 80),)
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(wildcard=True, ports=tcp80)))
    assert ports(r, "b/web", "a/db") == PortSet.of("TCP", 80)
    assert ports(r, "b/node-agent", "a/db") == PortSet.of("TCP", 80)


def test_from_endpoints_matches_identity_labels_across_namespaces() -> None:
    peer = sel(None, app="web")  # as written in a CCNP peer after the parser: any namespace
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(endpoints=(peer,))))
    assert ports(r, "b/web", "a/db") == ALL
    assert ports(r, "a/web", "a/db") == ALL


def test_namespace_label_keys_select_by_the_namespace_labels() -> None:
    peer = LabelSelector((Requirement(NAMESPACE_LABELS_PREFIX + "team", "In", frozenset({"y"})),))
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(endpoints=(peer,))))
    assert ports(r, "b/web", "a/db") == ALL
    assert ports(r, "a/web", "a/db") == NONE


def test_service_account_key_selects_by_service_account() -> None:
    peer = LabelSelector((Requirement(SERVICE_ACCOUNT_KEY, "In", frozenset({"robot"})),))
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(endpoints=(peer,))))
    assert ports(r, "b/web", "a/db") == ALL
    assert ports(r, "a/web", "a/db") == NONE  # service account "default"


def test_endpoint_selectors_never_match_host_networked_pods() -> None:
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(endpoints=(sel(None),))))
    assert ports(r, "b/node-agent", "a/db") == NONE


def test_entity_host_and_remote_node_match_host_networked_pods() -> None:
    for entity in ("host", "remote-node"):
        r = cluster(cnp("a", "p", sel("a", app="db"), rule(entities=(entity,))))
        assert ports(r, "b/node-agent", "a/db") == ALL
        assert ports(r, "a/web", "a/db") == NONE


def test_entity_cluster_matches_every_pod_and_no_address() -> None:
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(entities=("cluster",))))
    assert ports(r, "b/node-agent", "a/db") == ALL
    assert ports(r, "a/web", "a/db") == ALL
    assert ports(r, "8.8.8.8", "a/db") == NONE


def test_entity_world_matches_external_addresses_only() -> None:
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(entities=("world",))))
    assert ports(r, "8.8.8.8", "a/db") == ALL
    assert ports(r, "a/web", "a/db") == NONE


def test_entities_without_counterpart_match_nothing() -> None:
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(entities=("kube-apiserver", "health"))))
    assert ports(r, "a/web", "a/db") == NONE
    assert ports(r, "8.8.8.8", "a/db") == NONE


def test_cidr_set_with_except_matches_addresses_never_pods() -> None:
    block = IPBlock(ipaddress.ip_network("10.0.0.0/8"), (ipaddress.ip_network("10.1.0.0/16"),))
    r = cluster(cnp("a", "p", sel("a", app="web"), rule("egress", cidrs=(block,))))
    assert ports(r, "a/web", "10.2.0.1") == ALL
    assert ports(r, "a/web", "10.1.0.1") == NONE
    assert ports(r, "a/web", "a/db") == NONE


def test_named_port_resolves_on_the_destination_pod() -> None:
    named = (PortSpec("TCP", "pg"),)
    r = cluster(cnp("a", "p", sel("a", app="web"), rule("egress", wildcard=True, ports=named)))
    assert ports(r, "a/web", "a/db") == PortSet.of("TCP", 5432)
    assert ports(r, "a/web", "8.8.8.8") == NONE


def test_port_range_with_end_port() -> None:
    rng = (PortSpec("UDP", 1000, 1010),)
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(wildcard=True, ports=rng)))
    assert ports(r, "a/web", "a/db") == PortSet.of("UDP", 1000, 1010)


def test_ingress_deny_wins_over_a_cilium_allow() -> None:
    r = cluster(
        cnp(
            "a",
            "p",
            sel("a", app="db"),
            rule(wildcard=True),
            rule(deny=True, endpoints=(sel("a", app="web"),), ports=(PortSpec("TCP", 5432),)),
        )
    )
    assert ports(r, "a/web", "a/db") == ALL - PortSet.of("TCP", 5432)
    assert ports(r, "b/web", "a/db") == ALL


def test_deny_wins_over_a_network_policy_allow() -> None:
    allow_all = NetworkPolicy("a", "np", LabelSelector(), True, False, ingress=(Rule(None, None),))
    deny = cnp("a", "d", sel("a", app="db"), rule(deny=True, endpoints=(sel("a", app="web"),)))
    r = cluster(deny, netpols=[allow_all])
    assert ports(r, "a/web", "a/db") == NONE
    assert ports(r, "b/web", "a/db") == ALL


def test_network_policy_and_cilium_allows_are_a_union() -> None:
    np_rule = Rule((Peer(namespace_selector=LabelSelector()),), (PortSpec("TCP", 1),))
    netpol = NetworkPolicy("a", "np", LabelSelector(), True, False, ingress=(np_rule,))
    allow = cnp("a", "c", sel("a", app="db"), rule(wildcard=True, ports=(PortSpec("TCP", 2),)))
    r = cluster(allow, netpols=[netpol])
    assert ports(r, "a/web", "a/db") == PortSet.of("TCP", 1, 2)
    assert ports(r, "a/db", "a/web") == PortSet.of("TCP", 1)


def test_a_deny_rule_alone_puts_the_endpoint_in_default_deny() -> None:
    deny = cnp("a", "d", sel("a", app="db"), rule(deny=True, ports=(PortSpec("TCP", 80),)))
    r = cluster(deny)
    assert ports(r, "a/web", "a/db") == NONE


def test_enable_default_deny_false_keeps_other_traffic_allowed() -> None:
    deny = cnp(
        "a",
        "d",
        sel("a", app="db"),
        rule(deny=True, wildcard=True, ports=(PortSpec("TCP", 80),)),
        ingress_isolating=False,
    )
    r = cluster(deny)
    assert ports(r, "a/web", "a/db") == ALL - PortSet.of("TCP", 80)


def test_isolation_is_per_direction() -> None:
    r = cluster(cnp("a", "p", sel("a", app="db"), rule(empty=True)))
    assert ports(r, "a/db", "a/web") == ALL  # egress of db is not isolated
    r = cluster(cnp("a", "p", sel("a", app="db"), rule("egress", empty=True)))
    assert ports(r, "a/db", "a/web") == NONE
    assert ports(r, "a/web", "a/db") == ALL


def test_host_policy_selects_no_pod() -> None:
    host = cnp("a", "h", LabelSelector(), rule(empty=True), node_selector=LabelSelector())
    r = cluster(host)
    assert ports(r, "a/web", "a/db") == ALL


def test_to_services_selects_the_pods_behind_the_service() -> None:
    svc = Service("a", "db", selector=(("app", "db"),), labels=(("tier", "data"),))
    headless = Service("a", "ext")  # no selector: contributes nothing
    by_name = rule("egress", services=(ServiceRef("a", name="db"), ServiceRef("a", name="ext")))
    r = cluster(cnp("a", "p", sel("a", app="web"), by_name), services=[svc, headless])
    assert ports(r, "a/web", "a/db") == ALL
    assert ports(r, "a/web", "b/web") == NONE
    by_label = rule("egress", services=(ServiceRef("", selector=sel(None, tier="data")),))
    r = cluster(cnp("a", "p", sel("a", app="web"), by_label), services=[svc])
    assert ports(r, "a/web", "a/db") == ALL


def test_explain_names_the_deny_rule() -> None:
    deny = cnp("a", "d", sel("a", app="db"), rule(wildcard=True), rule(deny=True, wildcard=True))
    text = str(cluster(deny).explain("a/web", "a/db"))
    assert "CiliumNetworkPolicy a/d ingressDeny[0] denies" in text
    assert "denied by CiliumNetworkPolicy a/d ingressDeny[0]" in text


def test_exposure_representative_of_a_namespace_label_peer() -> None:
    peer = LabelSelector(
        (
            Requirement(NAMESPACE_LABELS_PREFIX + "team", "In", frozenset({"y"})),
            Requirement("io.kubernetes.pod.namespace", "Exists"),  # what a clusterwide peer holds
        )
    )
    r = cluster(
        cnp("a", "p", sel("a", app="db"), rule(endpoints=(peer,), ports=(PortSpec("TCP", 1),)))
    )
    text = str(r.exposure_section())
    assert (
        "a/db[Pod] \t<= \t[namespace with {{Key:team,Operator:In,Values:[y],}}]/[all pods] : TCP 1"
        in (text.replace("  ", ""))
    ), text
