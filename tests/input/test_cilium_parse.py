"""Parsing Cilium policies into reach.model.cilium (issue 18): one test per rule of the
parser, each asserting the exact model it gives (CILIUM.md, docs/semantics.md)."""

from __future__ import annotations

from ipaddress import ip_network

from reach.model.cilium import NAMESPACE_KEY, CiliumPolicy, CiliumRule, ServiceRef
from reach.model.ipspace import IPBlock
from reach.model.ports import PortSpec
from reach.model.selectors import LabelSelector, Requirement
from tests.input.ciliumbuilders import (
    CCNP,
    ccnp,
    cnp,
    group,
    load,
    one_rule,
    policies,
    sel,
)

TCP_UDP_SCTP_80 = (PortSpec("SCTP", 80), PortSpec("TCP", 80), PortSpec("UDP", 80))


def req(key: str, op: str = "In", *values: str) -> Requirement:
    return Requirement(key, op, frozenset(values))


def selector(*reqs: Requirement) -> LabelSelector:
    return LabelSelector(reqs)


SHOP = req(NAMESPACE_KEY, "In", "shop")


# -- subjects and the implicit namespace constraints -----------------------------------


def test_cnp_endpoint_selector_is_restricted_to_the_policy_namespace() -> None:
    (pol,) = policies(cnp({"endpointSelector": sel(app="web"), "ingress": [{}]}))
    assert pol.endpoint_selector == selector(req("app", "In", "web"), SHOP)
    assert (pol.kind, pol.namespace, pol.name, pol.part, pol.origin) == (
        "CiliumNetworkPolicy",
        "shop",
        "p",
        -1,
        "p.yaml#1",
    )


def test_cnp_without_metadata_namespace_is_in_default() -> None:
    (pol,) = policies(cnp({"endpointSelector": {}, "ingress": [{}]}, ns=None))
    assert pol.endpoint_selector == selector(req(NAMESPACE_KEY, "In", "default"))


def test_cnp_endpoint_selector_naming_another_namespace_is_replaced_with_a_warning() -> None:
    spec = {
        "endpointSelector": sel(**{"k8s:io.kubernetes.pod.namespace": "other"}),
        "ingress": [{}],
    }
    cluster, notes = load(cnp(spec))
    assert cluster.cilium_policies[0].endpoint_selector == selector(SHOP)
    (note,) = [n for n in notes if n.code == "cilium-namespace-replaced"]
    assert note.origin == "p.yaml#1" and not note.partial
    assert note.message.startswith(
        "CiliumNetworkPolicy shop/p spec.endpointSelector: names namespace other:"
    )


def test_cnp_endpoint_selector_naming_its_own_namespace_gives_no_warning() -> None:
    spec = {"endpointSelector": sel(**{"io.kubernetes.pod.namespace": "shop"}), "ingress": [{}]}
    cluster, notes = load(cnp(spec))
    assert cluster.cilium_policies[0].endpoint_selector == selector(SHOP)
    assert notes == []


def test_ccnp_endpoint_selector_is_as_written() -> None:
    (pol,) = policies(ccnp({"endpointSelector": sel(app="web"), "ingress": [{}]}))
    assert pol.endpoint_selector == selector(req("app", "In", "web"))
    assert (pol.namespace, pol.clusterwide) == ("", True)


def test_cnp_peer_without_namespace_gets_the_policy_namespace() -> None:
    rule = one_rule({"endpointSelector": {}, "ingress": [{"fromEndpoints": [sel(app="a"), {}]}]})
    assert rule.endpoints == (selector(req("app", "In", "a"), SHOP), selector(SHOP))


def test_cnp_peer_naming_a_namespace_keeps_it() -> None:
    peer = {
        "matchExpressions": [
            {"key": "k8s:io.kubernetes.pod.namespace", "operator": "In", "values": ["a", "b"]}
        ]
    }
    rule = one_rule({"endpointSelector": {}, "egress": [{"toEndpoints": [peer]}]})
    assert rule.endpoints == (selector(req(NAMESPACE_KEY, "In", "a", "b")),)


def test_cnp_peer_with_namespace_labels_is_not_restricted_to_the_policy_namespace() -> None:
    peer = sel(**{"io.cilium.k8s.namespace.labels.team": "x"})
    rule = one_rule({"endpointSelector": {}, "ingress": [{"fromEndpoints": [peer]}]})
    assert rule.endpoints == (selector(req("io.cilium.k8s.namespace.labels.team", "In", "x")),)


def test_ccnp_peer_without_namespace_gets_namespace_exists() -> None:
    rule = one_rule({"endpointSelector": {}, "ingress": [{"fromEndpoints": [sel(app="a")]}]}, CCNP)
    assert rule.endpoints == (selector(req("app", "In", "a"), req(NAMESPACE_KEY, "Exists")),)


def test_ccnp_peer_with_namespace_labels_gets_namespace_exists() -> None:
    peer = sel(**{"io.cilium.k8s.namespace.labels.team": "x"})
    rule = one_rule({"endpointSelector": {}, "ingress": [{"fromEndpoints": [peer]}]}, CCNP)
    assert rule.endpoints == (
        selector(
            req("io.cilium.k8s.namespace.labels.team", "In", "x"), req(NAMESPACE_KEY, "Exists")
        ),
    )


def test_source_prefixes_k8s_and_any_are_stripped() -> None:
    subject = {
        "matchLabels": {"k8s:app": "web", "any:tier": "front"},
        "matchExpressions": [{"key": "k8s:env", "operator": "Exists"}],
    }
    (pol,) = policies(ccnp({"endpointSelector": subject, "ingress": [{}]}))
    assert pol.endpoint_selector == selector(
        req("app", "In", "web"), req("tier", "In", "front"), req("env", "Exists")
    )


def test_other_sources_are_kept_and_dollar_is_reserved() -> None:
    subject = {"matchLabels": {"reserved:host": "", "$health": "", "container:x": "y"}}
    (pol,) = policies(ccnp({"endpointSelector": subject, "ingress": [{}]}))
    assert pol.endpoint_selector == selector(
        req("reserved:host", "In", ""),
        req("reserved:health", "In", ""),
        req("container:x", "In", "y"),
    )


def test_host_policy_keeps_node_selector_and_selects_no_pod_subject() -> None:
    (pol,) = policies(ccnp({"nodeSelector": sel(type="worker"), "ingress": [{}]}))
    assert pol.node_selector == selector(req("type", "In", "worker"))
    assert pol.endpoint_selector == LabelSelector()


# -- spec and specs ----------------------------------------------------------------------


def test_specs_give_one_policy_per_item_with_its_index_after_spec() -> None:
    spec = {"endpointSelector": sel(a="1"), "ingress": [{}]}
    specs = [
        {"endpointSelector": sel(b="2"), "egress": [{}]},
        {"endpointSelector": {}, "ingress": [{}]},
    ]
    pols = policies(cnp(spec, specs=specs))
    assert [(p.part, str(p)) for p in pols] == [
        (-1, "CiliumNetworkPolicy shop/p"),
        (0, "CiliumNetworkPolicy shop/p specs[0]"),
        (1, "CiliumNetworkPolicy shop/p specs[1]"),
    ]
    assert pols[1].endpoint_selector == selector(req("b", "In", "2"), SHOP)


# -- enableDefaultDeny -------------------------------------------------------------------


def isolation(spec: dict[str, object]) -> tuple[bool, bool]:
    (pol,) = policies(cnp({"endpointSelector": {}, **spec}))
    return pol.ingress_isolating, pol.egress_isolating


def test_default_deny_defaults_to_the_directions_with_rules() -> None:
    assert isolation({"ingress": [{}]}) == (True, False)
    assert isolation({"egress": [{}]}) == (False, True)


def test_default_deny_counts_deny_rules() -> None:
    assert isolation({"ingressDeny": [{"fromEntities": ["world"]}]}) == (True, False)
    assert isolation({"egressDeny": [{"toEntities": ["world"]}]}) == (False, True)


def test_default_deny_an_empty_list_does_not_count() -> None:
    assert isolation({"ingress": [], "egress": [{}]}) == (False, True)


def test_default_deny_explicit_values_win() -> None:
    edd = {"enableDefaultDeny": {"ingress": False, "egress": True}}
    assert isolation({"ingress": [{}], **edd}) == (False, True)
    assert isolation({"ingress": [{}], "enableDefaultDeny": {"egress": False}}) == (True, False)


# -- peers ---------------------------------------------------------------------------------


def test_rule_with_only_to_ports_is_wildcard() -> None:
    rule = one_rule(
        {
            "endpointSelector": {},
            "egress": [{"toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}]}],
        }
    )
    assert rule == CiliumRule("egress", False, 0, ports=(PortSpec("TCP", 80),), wildcard=True)


def test_empty_rule_matches_nothing() -> None:
    rule = one_rule({"endpointSelector": {}, "egress": [{}]})
    assert rule == CiliumRule("egress", False, 0, ports=None, wildcard=True, empty=True)


def test_rule_with_a_peer_and_no_to_ports_allows_every_port() -> None:
    rule = one_rule({"endpointSelector": {}, "ingress": [{"fromEntities": ["world"]}]})
    assert rule == CiliumRule("ingress", False, 0, entities=("world",))


def test_empty_peer_list_counts_as_absent() -> None:
    rule = one_rule(
        {
            "endpointSelector": {},
            "ingress": [
                {"fromEndpoints": [], "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}]}
            ],
        }
    )
    assert rule.wildcard and not rule.empty and rule.endpoints == ()


def test_entities_are_kept_once_each() -> None:
    rule = one_rule(
        {
            "endpointSelector": {},
            "egress": [{"toEntities": ["world", "cluster", "world", "world-ipv6"]}],
        }
    )
    assert rule.entities == ("world", "cluster", "world-ipv6")


def test_cidr_and_cidr_set_with_except() -> None:
    spec = {
        "endpointSelector": {},
        "egress": [
            {"toCIDR": ["20.1.1.1/32", "2001:db8::/32"]},
            {"toCIDRSet": [{"cidr": "10.0.0.0/8", "except": ["10.96.0.0/12"]}]},
        ],
    }
    (pol,) = policies(cnp(spec))
    assert [r.cidrs for r in pol.egress] == [
        (IPBlock(ip_network("20.1.1.1/32")), IPBlock(ip_network("2001:db8::/32"))),
        (IPBlock(ip_network("10.0.0.0/8"), (ip_network("10.96.0.0/12"),)),),
    ]


def test_cidr_group_ref_is_resolved_from_a_later_document() -> None:
    spec = {
        "endpointSelector": {},
        "egress": [{"toCIDRSet": [{"cidrGroupRef": "corp", "except": ["10.1.0.0/16"]}]}],
    }
    (pol,) = policies(cnp(spec), group("corp", "10.0.0.0/8", "192.168.0.0/16"))
    assert pol.egress[0].cidrs == (
        IPBlock(ip_network("10.0.0.0/8"), (ip_network("10.1.0.0/16"),)),
        IPBlock(ip_network("192.168.0.0/16")),
    )
    assert pol.egress[0].unresolved == ()


def test_cidr_group_selector_matches_the_groups_labels() -> None:
    spec = {
        "endpointSelector": {},
        "ingress": [{"fromCIDRSet": [{"cidrGroupSelector": sel(zone="eu")}]}],
    }
    objs = (group("a", "1.0.0.0/8", zone="eu"), group("b", "2.0.0.0/8", zone="us"), cnp(spec))
    (pol,) = policies(*objs)
    assert pol.ingress[0].cidrs == (IPBlock(ip_network("1.0.0.0/8")),)


def test_unknown_cidr_group_is_unresolved_with_a_warning() -> None:
    spec = {"endpointSelector": {}, "egress": [{"toCIDRSet": [{"cidrGroupRef": "nope"}]}]}
    cluster, notes = load(cnp(spec))
    rule = cluster.cilium_policies[0].egress[0]
    assert rule.cidrs == () and not rule.wildcard
    assert rule.unresolved == (
        "toCIDRSet cidrGroupRef nope (no CiliumCIDRGroup of that name in the input)",
    )
    (note,) = notes
    assert (note.code, note.partial, note.origin) == ("cilium-cidr-group", True, "p.yaml#1")


def test_to_services_namespace_defaults_to_the_policy_namespace_in_a_cnp() -> None:
    spec = {
        "endpointSelector": {},
        "egress": [
            {
                "toServices": [
                    {"k8sService": {"serviceName": "db"}},
                    {"k8sService": {"serviceName": "api", "namespace": "core"}},
                    {"k8sServiceSelector": {"selector": sel(env="prod")}},
                ]
            }
        ],
    }
    rule = one_rule(spec)
    assert rule.services == (
        ServiceRef("shop", "db"),
        ServiceRef("core", "api"),
        ServiceRef("shop", selector=selector(req("env", "In", "prod"))),
    )


def test_to_services_namespace_is_every_namespace_in_a_ccnp() -> None:
    spec = {
        "endpointSelector": {},
        "egress": [{"toServices": [{"k8sService": {"serviceName": "db"}}]}],
    }
    assert one_rule(spec, CCNP).services == (ServiceRef("", "db"),)


def test_to_fqdns_names_and_patterns() -> None:
    spec = {
        "endpointSelector": {},
        "egress": [
            {"toFQDNs": [{"matchName": "api.example.com"}, {"matchPattern": "*.cilium.io"}]}
        ],
    }
    rule = one_rule(spec)
    assert rule.fqdns == ("api.example.com", "*.cilium.io")
    assert not rule.wildcard and rule.ports is None


def test_nodes_groups_and_requires_are_unresolved_and_match_nothing() -> None:
    spec = {
        "endpointSelector": {},
        "ingress": [
            {"fromNodes": [sel(role="cp")]},
            {"fromGroups": [{"aws": {"region": "eu-west-1", "securityGroupsIds": ["sg-1"]}}]},
            {"fromRequires": [sel(env="prod")]},
        ],
    }
    (pol,) = policies(cnp(spec))
    assert [(r.unresolved, r.wildcard) for r in pol.ingress] == [
        (("fromNodes role=cp",), False),
        (("fromGroups aws region eu-west-1 sg-1",), False),
        (("fromRequires env=prod",), False),
    ]


def test_authentication_required_is_unresolved_and_keeps_the_peers() -> None:
    spec = {
        "endpointSelector": {},
        "ingress": [{"fromEntities": ["cluster"], "authentication": {"mode": "required"}}],
    }
    rule = one_rule(spec)
    assert (rule.entities, rule.unresolved) == (("cluster",), ("authentication required",))


def test_authentication_disabled_adds_nothing() -> None:
    spec = {
        "endpointSelector": {},
        "ingress": [{"fromEntities": ["cluster"], "authentication": {"mode": "disabled"}}],
    }
    assert one_rule(spec).unresolved == ()


def test_icmps_are_unresolved_and_match_no_port() -> None:
    spec = {
        "endpointSelector": {},
        "egress": [
            {
                "icmps": [
                    {
                        "fields": [
                            {"type": 8, "family": "IPv4"},
                            {"type": "EchoRequest", "family": "IPv6"},
                        ]
                    }
                ]
            }
        ],
    }
    rule = one_rule(spec)
    assert rule == CiliumRule(
        "egress", False, 0, ports=(), wildcard=True, unresolved=("icmps IPv4 8, IPv6 EchoRequest",)
    )


def test_deny_rules_follow_the_allow_rules_of_their_direction() -> None:
    spec = {
        "endpointSelector": {},
        "ingress": [{"fromEntities": ["all"]}],
        "ingressDeny": [{"fromEntities": ["world"]}, {"fromCIDR": ["1.2.3.4/32"]}],
    }
    (pol,) = policies(cnp(spec))
    assert [(r.section, r.index, r.action) for r in pol.ingress] == [
        ("ingress", 0, "Allow"),
        ("ingressDeny", 0, "Deny"),
        ("ingressDeny", 1, "Deny"),
    ]
    assert pol.egress == ()


# -- ports ---------------------------------------------------------------------------------


def ports_of(
    *items: dict[str, object], rules: dict[str, object] | None = None
) -> tuple[PortSpec, ...] | None:
    entry: dict[str, object] = {"ports": list(items)}
    if rules is not None:
        entry["rules"] = rules
    return one_rule({"endpointSelector": {}, "egress": [{"toPorts": [entry]}]}).ports


def test_protocol_any_and_absent_give_tcp_udp_and_sctp() -> None:
    assert ports_of({"port": "80", "protocol": "ANY"}) == TCP_UDP_SCTP_80
    assert ports_of({"port": "80"}) == TCP_UDP_SCTP_80


def test_port_zero_and_absent_port_are_every_port_of_the_protocol() -> None:
    assert ports_of({"port": "0", "protocol": "TCP"}) == (PortSpec("TCP"),)
    assert ports_of({"protocol": "UDP"}) == (PortSpec("UDP"),)


def test_end_port_gives_a_range() -> None:
    assert ports_of({"port": "80", "endPort": 444, "protocol": "TCP"}) == (
        PortSpec("TCP", 80, 444),
    )
    assert ports_of({"port": "80", "endPort": 80, "protocol": "TCP"}) == (PortSpec("TCP", 80),)


def test_named_port_is_lowercased_and_ignores_end_port() -> None:
    assert ports_of({"port": "HTTP-alt", "endPort": 90, "protocol": "TCP"}) == (
        PortSpec("TCP", "http-alt"),
    )


def test_port_with_a_leading_zero_is_octal_as_go_parses_it() -> None:
    assert ports_of({"port": "010", "protocol": "TCP"}) == (PortSpec("TCP", 8),)


def test_ports_of_several_items_are_a_union() -> None:
    spec = {
        "endpointSelector": {},
        "ingress": [
            {
                "toPorts": [
                    {"ports": [{"port": "53", "protocol": "UDP"}]},
                    {"ports": [{"port": "443", "protocol": "TCP"}]},
                ]
            }
        ],
    }
    assert one_rule(spec).ports == (PortSpec("UDP", 53), PortSpec("TCP", 443))


def test_extended_protocols_add_no_port_and_are_unresolved() -> None:
    spec = {
        "nodeSelector": {},
        "egress": [
            {"toPorts": [{"ports": [{"port": "6443", "protocol": "TCP"}, {"protocol": "VRRP"}]}]}
        ],
    }
    rule = one_rule(spec, CCNP)
    assert (rule.ports, rule.unresolved) == ((PortSpec("TCP", 6443),), ("protocol VRRP",))


def test_to_ports_item_without_ports_adds_none() -> None:
    spec = {"endpointSelector": {}, "egress": [{"toPorts": [{}]}]}
    rule = one_rule(spec)
    assert rule.ports == () and rule.wildcard and not rule.empty


# -- L7 -------------------------------------------------------------------------------------


def l7_of(rules: dict[str, object], direction: str = "ingress", **extra: object) -> tuple[str, ...]:
    entry = {"ports": [{"port": "80", "protocol": "TCP"}], "rules": rules, **extra}
    rule = one_rule({"endpointSelector": {}, direction: [{"toPorts": [entry]}]})
    assert rule.ports == (PortSpec("TCP", 80),)  # the L4 part stays
    return rule.l7


def test_http_rules_are_summed_up_one_per_rule() -> None:
    http = [
        {"method": "GET", "path": "/public"},
        {"path": "/x", "host": "a.example", "headers": ["X-A: 1"]},
        {"method": "PUT", "headerMatches": [{"name": "X-Token", "value": "s"}]},
        {},
    ]
    assert l7_of({"http": http}) == (
        "HTTP GET /public",
        "HTTP * /x host a.example headers X-A: 1",
        "HTTP PUT headers X-Token (match)",
        "HTTP *",
    )


def test_dns_rules_are_summed_up() -> None:
    rules = {"dns": [{"matchPattern": "*.example.com"}, {"matchName": "a.b"}]}
    assert l7_of(rules, "egress") == ("DNS *.example.com", "DNS a.b")


def test_kafka_and_l7proto_of_earlier_cilium_versions_are_summed_up() -> None:
    assert l7_of({"kafka": [{"role": "produce", "topic": "orders"}]}) == (
        "Kafka role=produce topic=orders",
    )
    assert l7_of({"l7proto": "r2d2", "l7": [{"cmd": "READ"}]}) == ("L7 r2d2 cmd=READ",)


def test_an_empty_rule_list_filters_nothing() -> None:
    assert l7_of({"http": []}) == ()


def test_server_names_tls_and_listener_are_summed_up() -> None:
    entry = {
        "ports": [{"port": "443", "protocol": "TCP"}],
        "serverNames": ["one.one.one.one"],
        "terminatingTLS": {"secret": {"name": "cert", "namespace": "shop"}},
        "listener": {"name": "l", "envoyConfig": {"name": "cec"}},
    }
    rule = one_rule({"endpointSelector": {}, "egress": [{"toPorts": [entry]}]})
    assert rule.l7 == (
        "TLS SNI one.one.one.one",
        "TLS terminated (secret shop/cert)",
        "Envoy listener l (CiliumEnvoyConfig cec)",
    )


def test_duplicate_policy_the_later_one_wins_with_a_warning() -> None:
    first = cnp({"endpointSelector": sel(v="1"), "ingress": [{}]})
    second = cnp({"endpointSelector": sel(v="2"), "ingress": [{}]})
    cluster, notes = load(first, second)
    (pol,) = cluster.cilium_policies
    assert pol.origin == "p.yaml#2"
    assert [n.code for n in notes] == ["duplicate-object"]


def test_cnp_and_ccnp_of_the_same_name_are_two_policies() -> None:
    pols: list[CiliumPolicy] = policies(
        cnp({"endpointSelector": {}, "ingress": [{}]}),
        ccnp({"endpointSelector": {}, "ingress": [{}]}),
    )
    assert sorted(p.kind for p in pols) == [
        "CiliumClusterwideNetworkPolicy",
        "CiliumNetworkPolicy",
    ]
