"""The diagnostics of Cilium policies (issue 18): each part that cannot be decided offline is
named, with its code, severity and whether the answer may differ (docs/diagnostics.md)."""

from __future__ import annotations

from typing import Any

import reach
from reach.errors import Diagnostic
from tests.input.ciliumbuilders import ccnp, cnp, load, sel

Obj = dict[str, Any]


def notes(*objs: Obj) -> list[Diagnostic]:
    return load(*objs)[1]


def one(*objs: Obj) -> tuple[str, str, bool, str, str]:
    (d,) = notes(*objs)
    return d.code, d.severity, d.partial, d.origin, d.message


def egress(*rules: Obj) -> Obj:
    return cnp({"endpointSelector": {}, "egress": list(rules)})


def ingress(*rules: Obj) -> Obj:
    return cnp({"endpointSelector": {}, "ingress": list(rules)})


def service(name: str, ns: str = "shop", selector: dict[str, str] | None = None) -> Obj:
    spec: Obj = {"ports": [{"port": 80}]}
    if selector is not None:
        spec["selector"] = selector
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def test_cilium_kinds_are_no_longer_unevaluated() -> None:
    r = reach.from_objects([ingress({}), ccnp({"endpointSelector": {}, "ingress": [{}]})])
    assert r.diagnostics == []
    assert len(r.cluster.cilium_policies) == 2


def test_to_fqdns_names_the_patterns() -> None:
    assert one(egress({"toFQDNs": [{"matchName": "a.example"}, {"matchPattern": "*.b.io"}]})) == (
        "cilium-fqdn",
        "warning",
        True,
        "p.yaml#1",
        "CiliumNetworkPolicy shop/p egress[0]: toFQDNs a.example, *.b.io cannot be resolved "
        "offline (Cilium learns the addresses from DNS answers): shown as the nodes "
        "a.example[FQDN], *.b.io[FQDN], whose real addresses are not known offline; no address "
        "range stands for them here",
    )


def test_l7_rules_are_an_info_naming_the_summaries() -> None:
    ports = {"ports": [{"port": "80", "protocol": "TCP"}], "rules": {"http": [{"method": "GET"}]}}
    assert one(ingress({"toPorts": [ports]})) == (
        "cilium-l7",
        "info",
        False,
        "p.yaml#1",
        "CiliumNetworkPolicy shop/p ingress[0]: L7 filtered (HTTP GET): the L4 part is allowed, "
        "and Cilium's proxy refuses the requests the rule does not match",
    )


def test_icmps_are_an_info() -> None:
    code, severity, partial, _, message = one(egress({"icmps": [{"fields": [{"type": 8}]}]}))
    assert (code, severity, partial) == ("cilium-icmp", "info", False)
    assert message.startswith("CiliumNetworkPolicy shop/p egress[0]: icmps IPv4 8: ICMP")


def test_authentication_is_partial() -> None:
    rule = {"fromEntities": ["cluster"], "authentication": {"mode": "required"}}
    code, severity, partial, _, message = one(ingress(rule))
    assert (code, severity, partial) == ("cilium-auth", "warning", True)
    assert message.startswith("CiliumNetworkPolicy shop/p ingress[0]: authentication required:")


def test_host_policy_is_partial() -> None:
    code, _, partial, _, message = one(ccnp({"nodeSelector": sel(role="w"), "ingress": [{}]}))
    assert (code, partial) == ("cilium-host-policy", True)
    assert message.startswith(
        "CiliumClusterwideNetworkPolicy p: a host policy (nodeSelector role=w) applies to nodes"
    )


def test_node_group_and_requires_peers_have_their_codes() -> None:
    got = notes(
        ingress(
            {"fromNodes": [sel(role="cp")]},
            {"fromGroups": [{"aws": {"region": "r"}}]},
            {"fromRequires": [sel(env="prod")]},
        )
    )
    assert [(d.code, d.partial, d.message.split(": ")[0:2]) for d in got] == [
        ("cilium-node-peer", True, ["CiliumNetworkPolicy shop/p ingress[0]", "fromNodes role=cp"]),
        (
            "cilium-group-peer",
            True,
            ["CiliumNetworkPolicy shop/p ingress[1]", "fromGroups aws region r"],
        ),
        (
            "cilium-requires",
            True,
            ["CiliumNetworkPolicy shop/p ingress[2]", "fromRequires env=prod"],
        ),
    ]


def test_entities_without_counterpart_are_named() -> None:
    rule = {"toEntities": ["world", "kube-apiserver", "health", "none"]}
    code, _, partial, _, message = one(egress(rule))
    assert (code, partial) == ("cilium-entity", True)
    assert message == (
        "CiliumNetworkPolicy shop/p egress[0]: entities kube-apiserver, health have no "
        "counterpart among pods and external addresses: shown as the nodes "
        "kube-apiserver[Entity], health[Entity], whose real addresses are not known offline; "
        "no pod or address range stands for them here"
    )


def test_reserved_labels_in_selectors_are_named() -> None:
    rule = {"fromEndpoints": [{"matchLabels": {"reserved:host": ""}}]}
    code, _, partial, _, message = one(ingress(rule))
    assert (code, partial) == ("cilium-reserved-label", True)
    assert message.startswith(
        "CiliumNetworkPolicy shop/p ingress[0].fromEndpoints: reserved:host selects a reserved "
        "identity"
    )


def test_another_cluster_of_a_clustermesh_is_named() -> None:
    rule = {"toEndpoints": [sel(**{"io.cilium.k8s.policy.cluster": "cluster2"})]}
    code, _, partial, _, message = one(egress(rule))
    assert (code, partial) == ("cilium-clustermesh", True)
    assert message.startswith(
        "CiliumNetworkPolicy shop/p egress[0].toEndpoints: io.cilium.k8s.policy.cluster cluster2:"
    )


def test_the_default_cluster_is_not_named() -> None:
    rule = {"toEndpoints": [sel(**{"io.cilium.k8s.policy.cluster": "default"})]}
    assert notes(egress(rule)) == []


def test_to_services_service_without_selector_is_named() -> None:
    rule = {"toServices": [{"k8sService": {"serviceName": "ext"}}]}
    code, _, partial, _, message = one(egress(rule), service("ext"))
    assert (code, partial) == ("cilium-service-selectorless", True)
    assert message.startswith(
        "CiliumNetworkPolicy shop/p egress[0]: toServices svc/shop/ext has no selector"
    )


def test_to_services_selector_naming_a_service_without_selector_is_named() -> None:
    rule = {"toServices": [{"k8sServiceSelector": {"selector": {"matchLabels": {"t": "x"}}}}]}
    ext = service("ext")
    ext["metadata"]["labels"] = {"t": "x"}
    other = service("other")  # no selector either, but not labelled t=x
    code, _, partial, _, message = one(egress(rule), ext, other)
    assert (code, partial) == ("cilium-service-selectorless", True)
    assert "toServices svc/shop/ext has no selector" in message


def test_to_services_service_with_selector_gives_nothing() -> None:
    rule = {"toServices": [{"k8sService": {"serviceName": "db"}}]}
    assert notes(egress(rule), service("db", selector={"app": "db"})) == []


def test_to_services_service_not_in_the_input_is_named() -> None:
    rule = {"toServices": [{"k8sService": {"serviceName": "db", "namespace": "core"}}]}
    code, _, partial, _, message = one(egress(rule), service("db"))
    assert (code, partial) == ("cilium-service-missing", True)
    assert message == (
        "CiliumNetworkPolicy shop/p egress[0]: toServices names service core/db, which is not "
        "in the input; it matches nothing here"
    )


def test_clusterwide_to_services_by_name_looks_in_every_namespace() -> None:
    spec = {
        "endpointSelector": {},
        "egress": [{"toServices": [{"k8sService": {"serviceName": "db"}}]}],
    }
    assert notes(ccnp(spec), service("db", "core", {"app": "db"})) == []


def test_extended_protocols_are_one_info_per_rule() -> None:
    ports = [{"port": "1", "protocol": "TCP"}, {"protocol": "VRRP"}, {"protocol": "GRE"}]
    spec = {"nodeSelector": {}, "egress": [{"toPorts": [{"ports": ports}]}]}
    got = [d for d in notes(ccnp(spec)) if d.code == "cilium-protocol"]
    assert [(d.severity, d.partial, d.message.split(": ")[1]) for d in got] == [
        ("info", False, "protocol VRRP; protocol GRE")
    ]


def test_every_cilium_code_is_documented() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("reach/input/cilium*.py"), root / "reach/input/loader.py"]
    codes = {c for f in sources for c in re.findall(r'"(cilium-[a-z0-9-]+)"', f.read_text())}
    doc = (root / "docs" / "diagnostics.md").read_text()
    assert len(codes) == 16
    assert [c for c in sorted(codes) if f"| `{c}` |" not in doc] == []
