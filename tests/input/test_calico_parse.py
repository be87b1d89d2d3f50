"""The Calico parser and validation (reach.input.calico*): one test per parse and validation
rule, and the calico-* diagnostics."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import yaml

import reach
from reach.errors import InvalidInput
from reach.model.calico import CalicoPort, EntityMatch, ServiceMatch
from reach.model.calicoselector import All, Equal, Global

API = "projectcalico.org/v3"


def policy(
    spec: Any, kind: str = "GlobalNetworkPolicy", api: str = API, **meta: Any
) -> dict[str, Any]:
    metadata = {"name": "p", **meta}
    if kind in ("NetworkPolicy", "StagedNetworkPolicy") and "namespace" not in metadata:
        metadata["namespace"] = "shop"
    out: dict[str, Any] = {"apiVersion": api, "kind": kind, "metadata": metadata}
    if spec is not None:
        out["spec"] = yaml.safe_load(spec) if isinstance(spec, str) else spec
    return out


def load(*objs: dict[str, Any]) -> reach.Reach:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reach.PartialAnswerWarning)
        return reach.from_objects(list(objs))


def errors(*objs: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidInput) as e:
        load(*objs)
    return [f"{p.path}: {p.message}" for p in e.value.problems]


def rule(text: str, direction: str = "ingress") -> Any:
    r = load(policy(f"{{{direction}: [{text}]}}"))
    pol = r.cluster.calico.policies[0]
    return pol.rules(direction)[0]


# ------------------------------------------------------------------ policies


def test_defaults_of_a_policy() -> None:
    (pol,) = load(policy({})).cluster.calico.policies
    assert (pol.tier, pol.order, pol.selector, pol.ingress_applies, pol.egress_applies) == (
        "default",
        None,
        All(),
        True,
        False,
    )


@pytest.mark.parametrize(
    "spec,types",
    [
        ("{}", (True, False)),
        ("{ingress: [{action: Allow}]}", (True, False)),
        ("{egress: [{action: Allow}]}", (False, True)),
        ("{ingress: [{action: Allow}], egress: [{action: Allow}]}", (True, True)),
        ("{types: [Egress], ingress: [{action: Allow}]}", (False, True)),
    ],
)
def test_types_default_from_the_rules_present(spec: str, types: tuple[bool, bool]) -> None:
    (pol,) = load(policy(spec)).cluster.calico.policies
    assert (pol.ingress_applies, pol.egress_applies) == types


def test_types_must_be_distinct_and_not_empty() -> None:
    assert errors(policy("{types: [Ingress, Ingress]}")) == [
        "spec.types: 'Ingress' type specified more than once"
    ]
    assert errors(policy("{types: []}")) == ["spec.types: must have at least 1 item"]
    assert "is not one of Ingress, Egress" in errors(policy("{types: [Both]}"))[0]


def test_order_tier_and_selectors_are_read() -> None:
    spec = "{order: 10, tier: security, selector: \"app == 'db'\", namespaceSelector: \"env == 'prod'\"}"
    r = load(
        policy(spec),
        {"apiVersion": API, "kind": "Tier", "metadata": {"name": "security"}, "spec": {"order": 5}},
    )
    (pol,) = r.cluster.calico.policies
    assert (pol.order, pol.tier, pol.selector, pol.namespace_selector) == (
        10.0,
        "security",
        Equal("app", "db"),
        Equal("env", "prod"),
    )


def test_order_must_be_a_number() -> None:
    assert errors(policy("{order: high}")) == [
        "spec.order: must be a number, not the string 'high'"
    ]


def test_selector_errors_name_the_field_and_column() -> None:
    (problem,) = errors(policy({"selector": "role == 'a' )"}))
    assert (
        problem
        == "spec.selector: unexpected token ')' at column 13, expected '&&', '||' or the end"
    )


def test_global_is_refused_in_a_policy_selector() -> None:
    assert errors(policy({"selector": "global()"})) == [
        "spec.selector: global() can only be used in an EntityRule namespaceSelector"
    ]


def test_namespace_selector_is_not_a_field_of_a_namespaced_policy() -> None:
    (problem,) = errors(policy({"namespaceSelector": "all()"}, kind="NetworkPolicy"))
    assert problem.startswith("spec.namespaceSelector")


def test_spec_is_required_in_v3_and_optional_in_v1() -> None:
    assert errors(policy(None)) == ["spec: is required"]
    (pol,) = load(policy(None, api="crd.projectcalico.org/v1")).cluster.calico.policies
    assert pol.selector == All()


def test_host_flags_rules() -> None:
    problems = errors(policy("{preDNAT: true, doNotTrack: true, egress: [{action: Allow}]}"))
    assert "spec: preDNAT and doNotTrack cannot both be true" in problems
    assert "spec.egress: preDNAT policy cannot have any egress rules" in problems
    assert (
        "spec.applyOnForward: applyOnForward must be true if either preDNAT or doNotTrack is true"
        in problems
    )


def test_staged_policy_is_kept_apart_with_its_action() -> None:
    r = load(policy("{stagedAction: Learn}", kind="StagedGlobalNetworkPolicy"))
    assert r.cluster.calico.policies == []
    assert r.cluster.calico.staged[0].staged_action == "Learn"
    assert [d.code for d in r.diagnostics] == ["calico-staged"]


# ------------------------------------------------------------------ rules


def test_action_is_required_and_an_enum() -> None:
    assert errors(policy("{ingress: [{}]}")) == ["spec.ingress[0].action: is required"]
    assert (
        "is not one of Allow, Deny, Log, Pass" in errors(policy("{ingress: [{action: Drop}]}"))[0]
    )


@pytest.mark.parametrize(
    "raw,canonical",
    [
        ("TCP", "TCP"),
        (6, "TCP"),
        (17, "UDP"),
        ("ICMPv6", "ICMPv6"),
        (47, "47"),
        ("UDPLite", "UDPLite"),
    ],
)
def test_protocol_names_and_numbers(raw: Any, canonical: str) -> None:
    assert rule(f"{{action: Allow, protocol: {raw}}}").protocol == canonical


def test_protocol_out_of_range_or_unknown() -> None:
    assert "1-255" in errors(policy("{ingress: [{action: Allow, protocol: 0}]}"))[0]
    assert "is not a protocol" in errors(policy("{ingress: [{action: Allow, protocol: tcp}]}"))[0]


def test_icmp_is_its_own_protocol() -> None:
    r = rule("{action: Allow, protocol: ICMP, icmp: {type: 8, code: 0}}")
    assert r.l4_protocols() == () and r.icmp.type == 8
    assert rule("{action: Allow, notProtocol: UDP}").l4_protocols() == ("TCP", "SCTP")


def test_icmp_needs_protocol_icmp_and_a_type_for_a_code() -> None:
    assert errors(policy("{ingress: [{action: Allow, icmp: {type: 8}}]}")) == [
        "spec.ingress[0].icmp: ICMP fields require protocol to be ICMP or ICMPv6"
    ]
    assert errors(policy("{ingress: [{action: Allow, protocol: ICMP, icmp: {code: 1}}]}")) == [
        "spec.ingress[0].icmp: ICMP code specified without an ICMP type"
    ]


def test_icmp_and_ip_version_agree() -> None:
    assert errors(policy("{ingress: [{action: Allow, protocol: ICMP, ipVersion: 6}]}")) == [
        "spec.ingress[0].protocol: protocol ICMP requires ipVersion 4"
    ]


def test_ports_need_a_protocol_with_ports() -> None:
    assert errors(policy("{ingress: [{action: Allow, destination: {ports: [80]}}]}")) == [
        "spec.ingress[0].destination.ports: rules that specify ports must set protocol to TCP or UDP or SCTP"
    ]


def test_ports_numbers_ranges_and_names() -> None:
    r = rule("{action: Allow, protocol: TCP, destination: {ports: [80, '1234:5678', http, '443']}}")
    assert r.destination.ports == (
        CalicoPort(80, 80),
        CalicoPort(1234, 5678),
        CalicoPort(name="http"),
        CalicoPort(443, 443),
    )


def test_bad_port_ranges() -> None:
    problems = errors(
        policy(
            "{ingress: [{action: Allow, protocol: TCP, destination: {ports: ['9:1', '1:70000', 'a b']}}]}"
        )
    )
    assert any("must not exceed the last" in p for p in problems)
    assert any("within 0-65535" in p for p in problems)
    assert any("is not a port number" in p for p in problems)


def test_nets_read_and_families_not_mixed() -> None:
    r = rule("{action: Allow, source: {nets: [10.0.0.0/8, 192.168.1.1]}}")
    assert [str(b) for b in r.source.nets] == ["10.0.0.0/8", "192.168.1.1/32"]
    assert errors(
        policy(
            "{ingress: [{action: Allow, source: {nets: [10.0.0.0/8]}, destination: {notNets: ['::/0']}}]}"
        )
    ) == ["spec.ingress[0]: rule contains both IPv4 and IPv6 CIDRs"]
    assert (
        "is not a valid CIDR"
        in errors(policy("{ingress: [{action: Allow, source: {nets: [nope]}}]}"))[0]
    )


def test_entity_selectors_and_global_in_namespace_selector() -> None:
    r = rule(
        "{action: Allow, source: {selector: \"role == 'x'\", namespaceSelector: global(), notSelector: has(a)}}"
    )
    assert (r.source.selector, r.source.namespace_selector) == (Equal("role", "x"), Global())
    assert errors(policy("{ingress: [{action: Allow, source: {selector: global()}}]}")) == [
        "spec.ingress[0].source.selector: global() can only be used in an EntityRule namespaceSelector"
    ]


def test_service_accounts_names_and_selector() -> None:
    r = rule(
        "{action: Allow, source: {serviceAccounts: {names: [api], selector: \"projectcalico.org/name == 'api'\"}}}"
    )
    assert r.source.service_account_names == ("api",)
    assert r.source.service_account_selector == Equal("projectcalico.org/name", "api")


def test_services_default_to_the_policy_namespace() -> None:
    r = load(
        policy(
            "{egress: [{action: Allow, destination: {services: {name: web}}}]}",
            kind="NetworkPolicy",
        )
    )
    rule_ = r.cluster.calico.policies[0].egress[0]
    assert rule_.destination == EntityMatch(service=ServiceMatch("web", "shop"))


def test_services_exclusions() -> None:
    problems = errors(
        policy(
            "{egress: [{action: Allow, protocol: TCP, destination: {services: {name: web}, selector: all(), "
            "nets: [10.0.0.0/8], ports: [80]}}]}",
            kind="NetworkPolicy",
        )
    )
    assert (
        "spec.egress[0].destination: cannot specify Selector/NotSelector and Services on the same rule"
        in problems
    )
    assert (
        "spec.egress[0].destination: cannot specify Nets/NotNets and Services on the same rule"
        in problems
    )
    ports = "{egress: [{action: Allow, protocol: TCP, destination: {services: {name: w}, ports: [80]}}]}"
    assert errors(policy(ports, kind="NetworkPolicy")) == [
        "spec.egress[0].destination: ports and notPorts cannot be specified with services"
    ]
    assert errors(
        policy("{egress: [{action: Allow, destination: {services: {namespace: x}}}]}")
    ) == ["spec.egress[0].destination.services: services must specify a service name"]


def test_http_only_on_allow_rules_with_tcp() -> None:
    assert (
        rule("{action: Allow, http: {methods: [GET], paths: [{prefix: /api}]}}").http
        == "HTTP GET prefix /api"
    )
    problems = errors(policy("{ingress: [{action: Deny, protocol: UDP, http: {methods: [GET]}}]}"))
    assert "spec.ingress[0]: rules with HTTP match must have protocol TCP or unset" in problems
    assert "spec.ingress[0].http: HTTP match is only valid on Allow rules" in problems


def test_unknown_fields_are_errors() -> None:
    (problem,) = errors(policy("{ingress: [{action: Allow, source: {podSelector: {}}}]}"))
    assert problem.startswith("spec.ingress[0].source.podSelector")


# ------------------------------------------------------------------ other kinds


def obj(kind: str, spec: Any, **meta: Any) -> dict[str, Any]:
    return {"apiVersion": API, "kind": kind, "metadata": {"name": "x", **meta}, "spec": spec}


def test_tier_order_and_default_action() -> None:
    r = load(obj("Tier", {"order": 300, "defaultAction": "Pass"}))
    tier = r.cluster.calico.tiers["x"]
    assert (tier.order, tier.default_action) == (300.0, "Pass")
    assert [t.name for t in r.cluster.calico.ordered_tiers()] == [
        "x",
        "kube-admin",
        "default",
        "kube-baseline",
    ]


def test_built_in_tiers_are_fixed() -> None:
    problems = errors(
        {**obj("Tier", {"order": 5, "defaultAction": "Pass"}), "metadata": {"name": "default"}}
    )
    assert "spec.defaultAction: The 'default' tier must have default action 'Deny'" in problems
    assert "spec.order: default tier order must be 1000000" in problems


def test_network_sets_carry_labels_and_nets() -> None:
    r = load(
        obj("NetworkSet", {"nets": ["198.51.100.0/28"]}, namespace="shop", labels={"role": "db"}),
        obj("GlobalNetworkSet", {"nets": ["203.0.113.0/24"]}, labels={"role": "partner"}),
    )
    world, local = r.cluster.calico.network_sets  # by namespace ("" first) and name
    assert local.label_map == {"role": "db", "projectcalico.org/namespace": "shop"}
    assert world.is_global and str(world.nets[0]) == "203.0.113.0/24"


def test_profile_rules_and_labels() -> None:
    r = load(
        obj(
            "Profile",
            {"ingress": [{"action": "Deny"}], "labelsToApply": {"stage": "dev"}},
            name="kns.shop",
        )
    )
    profile = r.cluster.calico.profiles["kns.shop"]
    assert profile.ingress[0].action == "Deny" and profile.labels_to_apply == (("stage", "dev"),)


def test_host_endpoint_needs_node_and_interface_or_ips() -> None:
    assert errors(obj("HostEndpoint", {})) == [
        "spec: at least one of interfaceName or expectedIPs must be specified",
        "spec.node: node must be specified",
    ]
    r = load(obj("HostEndpoint", {"node": "n1", "interfaceName": "eth0"}))
    assert [d.code for d in r.diagnostics] == ["calico-host-endpoint"]


def test_duplicates_are_per_calico_kind() -> None:
    r = load(policy("{}", kind="NetworkPolicy"), policy("{}", kind="NetworkPolicy"))
    assert "duplicate-object" in [d.code for d in r.diagnostics]
    assert len(r.cluster.calico.policies) == 1


def test_calico_and_kubernetes_network_policies_are_told_apart() -> None:
    k8s = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "shop"},
        "spec": {"podSelector": {}},
    }
    r = load(k8s, policy("{}", kind="NetworkPolicy"))
    assert len(r.cluster.policies) == 1 and len(r.cluster.calico.policies) == 1


# ------------------------------------------------------------------ diagnostics


def codes(r: reach.Reach) -> list[str]:
    return sorted(d.code for d in r.diagnostics)


def test_calico_policies_are_evaluated_without_an_unevaluated_note() -> None:
    r = load(policy("{}"))
    assert r.diagnostics == [] and len(r.cluster.calico.policies) == 1


def test_host_only_policy_diagnostic() -> None:
    r = load(policy("{doNotTrack: true, applyOnForward: true, ingress: [{action: Deny}]}"))
    assert codes(r) == ["calico-host-policy"]


def test_missing_tier_diagnostic() -> None:
    assert "calico-tier-missing" in codes(load(policy("{tier: nowhere}")))


@pytest.mark.parametrize(
    "text,code",
    [
        ("{action: Allow, protocol: TCP, source: {ports: [1024:65535]}}", "calico-source-ports"),
        ("{action: Allow, protocol: ICMP}", "calico-icmp"),
        ("{action: Allow, http: {methods: [GET]}}", "calico-http"),
        ("{action: Allow, ipVersion: 6}", "calico-ip-version"),
        ("{action: Allow, destination: {services: {name: web}}}", "calico-service-namespace"),
        (
            "{action: Allow, source: {serviceAccounts: {selector: \"team == 'x'\"}}}",
            "calico-serviceaccount-labels",
        ),
    ],
)
def test_rule_diagnostics(text: str, code: str) -> None:
    assert code in codes(load(policy(f"{{ingress: [{text}]}}")))


def test_service_missing_diagnostic() -> None:
    r = load(
        policy(
            "{egress: [{action: Allow, destination: {services: {name: web}}}]}",
            kind="NetworkPolicy",
        )
    )
    assert "calico-service-missing" in codes(r)


def test_rules_of_a_direction_left_out_of_types() -> None:
    assert "calico-rules-ignored" in codes(
        load(policy("{types: [Egress], ingress: [{action: Allow}]}"))
    )


def test_unused_profile_is_noted() -> None:
    r = load(obj("Profile", {}, name="dev-apps"))
    assert "calico-profile-unused" in codes(r)


def _k8s_and_copy(copy_name: str) -> list[dict[str, Any]]:
    """Pods web and db in ns, a Kubernetes NetworkPolicy that lets web reach db on 5432,
    and a Calico NetworkPolicy named ``copy_name`` that denies db's ingress."""
    pods = [
        {"kind": "Pod", "metadata": {"name": n, "namespace": "ns", "labels": {"app": n}}}
        for n in ("web", "db")
    ]
    k8s = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "db", "namespace": "ns"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                    "ports": [{"port": 5432}],
                }
            ],
        },
    }
    copy = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "NetworkPolicy",
        "metadata": {"name": copy_name, "namespace": "ns"},
        "spec": {"selector": "app == 'db'", "types": ["Ingress"], "ingress": [{"action": "Deny"}]},
    }
    return [*pods, k8s, copy]


def test_calicos_copy_of_a_kubernetes_policy_in_the_input_is_skipped() -> None:
    """``knp.default.db`` is how Calico lists the Kubernetes NetworkPolicy ``db``: with
    the original in the input it is left out (else the policy is evaluated twice), and
    an info diagnostic says so."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = reach.from_objects(_k8s_and_copy("knp.default.db"))
    assert not r.cluster.calico.policies
    assert any(d.code == "calico-copy-skipped" for d in r.diagnostics)
    assert [
        (c.src.name, c.dst.name, str(c.ports)) for c in r.connections() if c.dst.name == "db"
    ] == [("web", "db", "TCP 5432")]


def test_a_copy_without_its_original_is_evaluated() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = reach.from_objects(_k8s_and_copy("knp.default.other"))
    assert [p.name for p in r.cluster.calico.policies] == ["knp.default.other"]
    assert not any(d.code == "calico-copy-skipped" for d in r.diagnostics)
