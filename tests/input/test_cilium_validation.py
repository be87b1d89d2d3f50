"""Validation of Cilium policies as the API server (the CRD schema) and the Cilium agent
(``Rule.Sanitize``) do it (issue 18): one test per rule, each asserting the exact error,
``file#doc field.path: message``, and every problem of a document reported at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.helpers import run
from tests.input.ciliumbuilders import ccnp, cnp, group, load, problem, problems, sel

Obj = dict[str, Any]
ALL = {"endpointSelector": {}}


def rule_error(section: str, rule: Obj, kind: str = "cnp") -> str:
    """The one error of a policy with one rule in ``section``."""
    spec = {**ALL, section: [rule]}
    return str(problem(cnp(spec) if kind == "cnp" else ccnp(spec)))


def to_ports(*ports: Obj, **entry: Any) -> Obj:
    return {"toPorts": [{"ports": list(ports), **entry}]}


TCP80 = {"port": "80", "protocol": "TCP"}

# -- the object and its rules (CRD schema) ---------------------------------------------------


def test_a_policy_needs_spec_or_specs() -> None:
    assert str(problem(cnp(None))) == (
        "p.yaml#1 spec: is required, or specs: a CiliumNetworkPolicy without rules is invalid"
    )


def test_specs_must_be_a_list() -> None:
    assert str(problem(cnp(None, specs={"endpointSelector": {}}))) == (
        "p.yaml#1 specs: must be a list, not a mapping"
    )


def test_exactly_one_of_endpoint_selector_and_node_selector() -> None:
    assert str(problem(ccnp({"ingress": [{}]}))) == (
        "p.yaml#1 spec: exactly one of endpointSelector or nodeSelector must be set"
    )
    both = ccnp({"endpointSelector": {}, "nodeSelector": {}, "ingress": [{}]})
    assert str(problem(both)) == (
        "p.yaml#1 spec: exactly one of endpointSelector or nodeSelector must be set "
        "(found endpointSelector, nodeSelector)"
    )


def test_node_selector_only_in_a_clusterwide_policy() -> None:
    assert str(problem(cnp({"nodeSelector": {}, "ingress": [{}]}))) == (
        "p.yaml#1 spec.nodeSelector: may only be used in a CiliumClusterwideNetworkPolicy "
        "(host policies select nodes)"
    )


def test_a_rule_needs_one_of_the_four_sections() -> None:
    assert str(problem(cnp(ALL))) == (
        "p.yaml#1 spec: must have at least one of ingress, ingressDeny, egress, egressDeny"
    )


def test_unknown_fields_are_errors_at_every_level() -> None:
    spec = {
        **ALL,
        "ingres": [],
        "egress": [{"toPort": [], "toPorts": [{"ports": [{"prot": "TCP"}], "rule": {}}]}],
    }
    assert [p.split(": ")[0] for p in problems(cnp(spec))] == [
        "p.yaml#1 spec.ingres",
        "p.yaml#1 spec.egress[0].toPort",
        "p.yaml#1 spec.egress[0].toPorts[0].rule",
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].prot",
    ]


def test_unknown_field_in_ports_is_named() -> None:
    spec = {**ALL, "egress": [to_ports({"prot": "TCP"})]}
    assert str(problem(cnp(spec))) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].prot: unknown field "
        "(expected one of: port, endPort, protocol)"
    )


def test_deny_rules_have_no_to_fqdns() -> None:
    assert rule_error("egressDeny", {"toFQDNs": [{"matchName": "a.b"}]}) == (
        "p.yaml#1 spec.egressDeny[0].toFQDNs: unknown field (expected one of: toEndpoints, "
        "toCIDR, toCIDRSet, toEntities, toNodes, toGroups, toServices, icmps, toPorts, toRequires)"
    )


def test_deny_rules_have_no_l7_rules() -> None:
    err = rule_error("ingressDeny", {"toPorts": [{"ports": [TCP80], "rules": {"http": [{}]}}]})
    assert err == (
        "p.yaml#1 spec.ingressDeny[0].toPorts[0].rules: unknown field (expected one of: ports)"
    )


def test_sections_are_lists() -> None:
    assert str(problem(cnp({**ALL, "ingress": {}}))) == (
        "p.yaml#1 spec.ingress: must be a list, not a mapping"
    )


def test_enable_default_deny_values_are_booleans() -> None:
    spec = {**ALL, "ingress": [{}], "enableDefaultDeny": {"ingress": "yes"}}
    assert str(problem(cnp(spec))) == (
        "p.yaml#1 spec.enableDefaultDeny.ingress: must be true or false, not the string 'yes'"
    )


def test_entities_are_the_crd_enum() -> None:
    assert rule_error("ingress", {"fromEntities": ["everything"]}) == (
        "p.yaml#1 spec.ingress[0].fromEntities[0]: 'everything' is not one of all, cluster, "
        "host, remote-node, kube-apiserver, ingress, init, health, unmanaged, world, world-ipv4, "
        "world-ipv6, none"
    )


def test_label_values_and_keys_of_selectors_are_checked() -> None:
    spec = {
        "endpointSelector": {"matchLabels": {"app": "a b", "k8s:bad key": "x"}},
        "ingress": [{}],
    }
    assert problems(cnp(spec)) == [
        "p.yaml#1 spec.endpointSelector.matchLabels.app: 'a b' is not a valid label value "
        "(at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)",
        "p.yaml#1 spec.endpointSelector.matchLabels.k8s:bad key: 'bad key' is not a valid label "
        "key: its name part must be alphanumerics, '-', '_' or '.', starting and ending with an "
        "alphanumeric",
    ]


def test_match_expressions_in_needs_values() -> None:
    peer = {"matchExpressions": [{"key": "a", "operator": "In"}]}
    assert rule_error("ingress", {"fromEndpoints": [peer]}) == (
        "p.yaml#1 spec.ingress[0].fromEndpoints[0].matchExpressions[0].values: "
        "must be non-empty when operator is In"
    )


def test_description_labels_and_log_are_checked() -> None:
    spec = {**ALL, "ingress": [{}], "log": {"value": "x" * 33}, "labels": [{"value": "v"}]}
    assert problems(cnp(spec)) == [
        "p.yaml#1 spec.labels[0].key: is required",
        "p.yaml#1 spec.log.value: must be at most 32 characters long",
    ]


def test_the_api_version_must_be_v2() -> None:
    obj = dict(cnp({**ALL, "ingress": [{}]}), apiVersion="cilium.io/v1")
    assert str(problem(obj)) == (
        "p.yaml#1 apiVersion: 'cilium.io/v1' does not serve CiliumNetworkPolicy (use cilium.io/v2)"
    )


def test_metadata_name_is_a_dns_subdomain() -> None:
    assert str(problem(cnp({**ALL, "ingress": [{}]}, name="Bad_Name"))).startswith(
        "p.yaml#1 metadata.name: 'Bad_Name' is not a DNS subdomain"
    )


# -- peers (CRD schema and the agent) -------------------------------------------------------


def test_one_l3_field_per_ingress_rule() -> None:
    rule = {"fromEntities": ["world"], "fromCIDR": ["1.2.3.4/32"]}
    assert rule_error("ingress", rule) == (
        "p.yaml#1 spec.ingress[0]: Combining fromCIDR and fromEntities is not supported yet"
    )


def test_to_fqdns_combined_with_another_l3_field_is_refused() -> None:
    rule = {"toFQDNs": [{"matchName": "a.b"}], "toEndpoints": [{}]}
    assert rule_error("egress", rule) == (
        "p.yaml#1 spec.egress[0]: Combining toEndpoints and toFQDNs is not supported yet"
    )


def test_icmps_with_to_ports_is_refused() -> None:
    rule = {"icmps": [{"fields": [{"type": 8}]}], **to_ports(TCP80)}
    assert rule_error("egress", rule) == (
        "p.yaml#1 spec.egress[0].icmps: the ICMPs block may only be present without ToPorts. "
        "Define a separate rule to use ToPorts."
    )


def test_icmp_type_and_family() -> None:
    rule = {"icmps": [{"fields": [{"type": 300}, {"type": "Ping"}, {"type": 1, "family": "IPv5"}]}]}
    assert problems(cnp({**ALL, "ingress": [rule]})) == [
        "p.yaml#1 spec.ingress[0].icmps[0].fields[0].type: 300 is outside 0-255",
        "p.yaml#1 spec.ingress[0].icmps[0].fields[1].type: 'Ping' is not an ICMP type: a number "
        "0-255 or a name such as EchoRequest",
        "p.yaml#1 spec.ingress[0].icmps[0].fields[2].family: 'IPv5' is not one of IPv4, IPv6",
    ]


def test_authentication_mode_is_the_crd_enum() -> None:
    assert rule_error("ingress", {"authentication": {"mode": "on"}}) == (
        "p.yaml#1 spec.ingress[0].authentication.mode: 'on' is not one of disabled, required, "
        "test-always-fail"
    )


def test_cidr_must_parse() -> None:
    assert problems(cnp({**ALL, "egress": [{"toCIDR": ["10.0.0.0", "10.0.0.0/33", 5]}]})) == [
        "p.yaml#1 spec.egress[0].toCIDR[0]: '10.0.0.0' is not a CIDR (expected address/prefix, "
        "e.g. 10.0.0.0/8)",
        "p.yaml#1 spec.egress[0].toCIDR[1]: '10.0.0.0/33' is not a valid CIDR",
        "p.yaml#1 spec.egress[0].toCIDR[2]: must be a string, not 5",
    ]


def test_except_outside_its_cidr_is_refused() -> None:
    item = {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16", "11.0.0.0/16", "::/0"]}
    assert problems(cnp({**ALL, "egress": [{"toCIDRSet": [item]}]})) == [
        "p.yaml#1 spec.egress[0].toCIDRSet[0].except[1]: allow CIDR prefix 10.0.0.0/8 does not "
        "contain exclude CIDR prefix 11.0.0.0/16",
        "p.yaml#1 spec.egress[0].toCIDRSet[0].except[2]: allow CIDR prefix 10.0.0.0/8 does not "
        "contain exclude CIDR prefix ::/0",
    ]


def test_cidr_set_item_is_one_of_cidr_group_ref_group_selector() -> None:
    items = [{"cidr": "10.0.0.0/8", "cidrGroupRef": "a"}, {}]
    assert problems(cnp({**ALL, "egress": [{"toCIDRSet": items}]})) == [
        "p.yaml#1 spec.egress[0].toCIDRSet[0]: exactly one of cidr, cidrGroupRef, "
        "cidrGroupSelector must be set (found cidr, cidrGroupRef)",
        "p.yaml#1 spec.egress[0].toCIDRSet[1]: exactly one of cidr, cidrGroupRef, "
        "cidrGroupSelector must be set",
    ]


def test_cidr_group_ref_is_a_dns_subdomain() -> None:
    assert rule_error("egress", {"toCIDRSet": [{"cidrGroupRef": "Bad_Name"}]}) == (
        "p.yaml#1 spec.egress[0].toCIDRSet[0].cidrGroupRef: 'Bad_Name' is not a CiliumCIDRGroup "
        "name (lowercase letters, digits, '-' and '.')"
    )


def test_to_fqdns_item_is_one_of_name_and_pattern_each_checked() -> None:
    items = [{"matchName": "a.b", "matchPattern": "*"}, {"matchName": "*.b"}]
    assert problems(cnp({**ALL, "egress": [{"toFQDNs": items}]})) == [
        "p.yaml#1 spec.egress[0].toFQDNs[0]: exactly one of matchName or matchPattern must be "
        "set (found matchName, matchPattern)",
        "p.yaml#1 spec.egress[0].toFQDNs[1].matchName: '*.b' is not a DNS name (letters, digits, "
        "'-', '_' and '.')",
    ]


def test_k8s_service_selector_needs_a_selector() -> None:
    assert rule_error("egress", {"toServices": [{"k8sServiceSelector": {"namespace": "a"}}]}) == (
        "p.yaml#1 spec.egress[0].toServices[0].k8sServiceSelector.selector: is required"
    )


# -- ports (CRD schema and the agent's PortRule.sanitize) -----------------------------------


def port_error(*ports: Obj, direction: str = "egress", **entry: Any) -> str:
    return rule_error(direction, to_ports(*ports, **entry))


def test_port_is_a_string() -> None:
    assert port_error({"port": 80}) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].port: must be a string, not the number 80: "
        'quote it ("80")'
    )


def test_port_must_match_the_crd_pattern() -> None:
    assert port_error({"port": "-80"}) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].port: '-80' is not a port number (0-65535) "
        "or name"
    )


def test_port_the_agent_cannot_parse_is_refused() -> None:
    assert problems(cnp({**ALL, "egress": [to_ports({"port": "80000"}, {"port": "http_x"})]})) == [
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].port: Unable to parse port '80000': not a "
        "number 0-65535 or a name",
        "p.yaml#1 spec.egress[0].toPorts[0].ports[1].port: Unable to parse port 'http_x': not a "
        "number 0-65535 or a name",
    ]


def test_protocol_is_the_crd_enum() -> None:
    assert port_error({"port": "80", "protocol": "tcp"}) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].protocol: 'tcp' is not one of TCP, UDP, "
        "SCTP, VRRP, IGMP, GRE, IPIP, IPV6, ESP, AH, ANY"
    )


def test_end_port_not_below_port() -> None:
    assert port_error({"port": "80", "endPort": 79}) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].endPort: 79 must be greater than or equal "
        "to port 80"
    )


def test_end_port_within_0_65535() -> None:
    assert port_error({"port": "80", "endPort": 70000}) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].endPort: 70000 is outside 0-65535"
    )


def test_at_most_40_ports_per_item() -> None:
    ports = [{"port": str(i)} for i in range(1, 42)]
    assert port_error(*ports) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports: must have at most 40 items, not 41"
    )


def test_dns_rules_not_allowed_on_ingress() -> None:
    dns = {"dns": [{"matchName": "a.b"}]}
    assert port_error({"port": "53", "protocol": "UDP"}, direction="ingress", rules=dns) == (
        "p.yaml#1 spec.ingress[0].toPorts[0].rules: DNS rules are not allowed on ingress"
    )


def test_l7_rules_only_on_tcp_except_dns() -> None:
    http = {"http": [{}]}
    assert port_error({"port": "80", "protocol": "UDP"}, rules=http) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].protocol: L7 rules can only apply to TCP "
        "(not UDP) except for DNS rules"
    )
    assert port_error({"port": "80"}, rules=http) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].protocol: L7 rules can only apply to TCP "
        "(not ANY) except for DNS rules"
    )


def test_l7_rules_not_on_port_0() -> None:
    assert port_error({"port": "0", "protocol": "TCP"}, rules={"http": [{}]}) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].port: L7 rules can not be used when a "
        "port is 0"
    )


def test_dns_rules_have_no_port_range() -> None:
    port = {"port": "53", "endPort": 60, "protocol": "UDP"}
    assert port_error(port, rules={"dns": [{"matchName": "a"}]}) == (
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].endPort: DNS rules do not support port ranges"
    )


def test_rules_hold_exactly_one_protocol() -> None:
    assert port_error(TCP80, rules={"http": [{}], "dns": []}) == (
        "p.yaml#1 spec.egress[0].toPorts[0].rules: exactly one of http, dns, kafka, l7proto must "
        "be set (found http, dns)"
    )


def test_server_names_with_l7_rules_need_tls_termination() -> None:
    entry: dict[str, Any] = {"serverNames": ["a.b"], "rules": {"http": [{}]}}
    assert port_error(TCP80, **entry) == (
        "p.yaml#1 spec.egress[0].toPorts[0].serverNames: ServerNames are not allowed with L7 "
        "rules without TLS termination"
    )


def test_listener_not_on_ingress() -> None:
    listener = {"name": "l", "envoyConfig": {"name": "c"}}
    assert port_error(TCP80, direction="ingress", listener=listener) == (
        "p.yaml#1 spec.ingress[0].toPorts[0].listener: Listener is not allowed on ingress (l)"
    )


def test_listener_not_with_l7_rules() -> None:
    listener = {"name": "l", "envoyConfig": {"name": "c"}}
    assert port_error(TCP80, listener=listener, rules={"http": [{}]}) == (
        "p.yaml#1 spec.egress[0].toPorts[0].listener: Listener is not allowed with L7 rules (l)"
    )


def test_host_policies_have_only_dns_l7_rules() -> None:
    spec = {"nodeSelector": {}, "ingress": [to_ports(TCP80, rules={"http": [{}]})]}
    assert str(problem(ccnp(spec))) == (
        "p.yaml#1 spec.ingress[0].toPorts[0].rules: L7 protocol HTTP is not supported on "
        "ingress yet"
    )


# -- CiliumCIDRGroup -----------------------------------------------------------------------------


def test_cidr_group_needs_spec_and_valid_cidrs() -> None:
    bare = {"apiVersion": "cilium.io/v2", "kind": "CiliumCIDRGroup", "metadata": {"name": "y"}}
    assert problems(group("x"), bare, group("z", "1.2.3.4")) == [
        "p.yaml#2 spec: is required",
        "p.yaml#3 spec.externalCIDRs[0]: '1.2.3.4' is not a CIDR (expected address/prefix, e.g. "
        "10.0.0.0/8)",
    ]


# -- every problem at once, file#doc, exit 2 ----------------------------------------------------


def test_every_problem_of_a_document_and_of_each_document_at_once() -> None:
    bad = cnp(
        {
            "endpointSelector": sel(app="a b"),
            "ingress": [{"fromEntities": ["x"]}],
            "egress": [to_ports({"port": 80})],
        },
        specs=[{"endpointSelector": {}}],
    )
    other = ccnp({"endpointSelector": {}, "egressDeny": [{"toCIDR": ["nope"]}]})
    assert [p.split(": ")[0] for p in problems(bad, other)] == [
        "p.yaml#1 spec.endpointSelector.matchLabels.app",
        "p.yaml#1 spec.ingress[0].fromEntities[0]",
        "p.yaml#1 spec.egress[0].toPorts[0].ports[0].port",
        "p.yaml#1 specs[0]",
        "p.yaml#2 spec.egressDeny[0].toCIDR[0]",
    ]


def test_a_valid_policy_loads_without_problems() -> None:
    cluster, notes = load(cnp({**ALL, "ingress": [{"fromEndpoints": [{}], **to_ports(TCP80)}]}))
    assert len(cluster.cilium_policies) == 1 and notes == []


def test_cli_exits_2_naming_file_document_and_field(tmp_path: Path) -> None:
    f = tmp_path / "cnp.yaml"
    good = cnp({**ALL, "ingress": [{}]})
    bad = cnp({**ALL, "egress": [to_ports({"port": "80", "endPort": 79})]}, name="q")
    f.write_text(yaml.safe_dump_all([good, bad]))
    code, _out, err = run(["list", "-f", str(f)])
    assert code == 2
    assert (
        f"{f}#2 spec.egress[0].toPorts[0].ports[0].endPort: 79 must be greater than or equal to "
        "port 80"
    ) in err
