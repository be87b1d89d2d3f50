"""Property tests: ``reach`` against the brute-force reference in ``tests/reference.py``.

Random small clusters (1-3 namespaces, 1-5 pods, 0-4 policies) are generated as raw manifests;
for every ordered pod pair and every probe IP in both directions, every protocol and every
interesting port, the reference's answer must equal ``reach``'s.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings

from tests.agreement import agreement_settings, assert_agrees, of_kind, probe_ips, probe_ports
from tests.reference import NAME_LABEL, Obj, Reference
from tests.strategies import clusters


@agreement_settings(300)
@given(clusters())
def test_engine_matches_reference(objects: list[Obj]) -> None:
    assert_agrees(objects, probe_ips(objects), probe_ports(objects))


# --------------------------------------------------------------------------- reference sanity


def _ns(name: str, **labels: str) -> Obj:
    return {"kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def _pod(
    name: str, namespace: str = "default", ports: list[Obj] | None = None, **labels: str
) -> Obj:
    container: Obj = {"name": "main", "image": "nginx"}
    if ports is not None:
        container["ports"] = ports
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [container]},
    }


def _policy(spec: Obj, namespace: str = "default", name: str = "pol") -> Obj:
    return {
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def test_reference_no_policy_allows_everything() -> None:
    ref = Reference([_pod("a"), _pod("b")])
    assert ref.pods == [("default", "a"), ("default", "b")]
    assert ref.allowed(("default", "a"), ("default", "b"), "SCTP", 9)
    assert ref.allowed("8.8.8.8", ("default", "a"), "UDP", 53)
    assert ref.allowed(("default", "a"), "2001:db8::1", "TCP", 443)


def test_reference_default_deny_ingress_blocks() -> None:
    ref = Reference([_pod("a"), _pod("b"), _policy({"podSelector": {}})])
    assert not ref.allowed(("default", "a"), ("default", "b"), "TCP", 80)
    assert not ref.allowed("8.8.8.8", ("default", "b"), "TCP", 80)
    assert ref.allowed(("default", "a"), "8.8.8.8", "TCP", 80)  # egress untouched


def test_reference_empty_egress_list_does_not_isolate_egress() -> None:
    ref = Reference([_pod("a"), _policy({"podSelector": {}, "egress": []})])
    assert ref.allowed(("default", "a"), "1.2.3.4", "TCP", 80)
    ref = Reference(
        [_pod("a"), _policy({"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]})]
    )
    assert ref.allowed(("default", "a"), "1.2.3.4", "TCP", 53)
    assert not ref.allowed(("default", "a"), "1.2.3.4", "UDP", 53)


def test_reference_explicit_policy_types_ignore_other_direction() -> None:
    spec = {"podSelector": {}, "policyTypes": ["Egress"], "ingress": [{"from": []}]}
    ref = Reference([_pod("a"), _pod("b"), _policy(spec)])
    assert not ref.allowed(("default", "a"), ("default", "b"), "TCP", 80)  # egress denied
    assert ref.allowed("10.0.0.1", ("default", "a"), "TCP", 80)  # ingress not isolated


def test_reference_named_port_resolves_on_destination() -> None:
    http = [{"name": "http", "containerPort": 8080}]
    spec = {"podSelector": {}, "ingress": [{"ports": [{"port": "http"}]}]}
    objects = [_pod("a", ports=http), _pod("b", ports=[{"name": "http", "containerPort": 9090}])]
    ref = Reference([*objects, _policy(spec)])
    a, b = ("default", "a"), ("default", "b")
    assert ref.allowed(b, a, "TCP", 8080)
    assert not ref.allowed(b, a, "TCP", 9090)  # the source's "http" is irrelevant
    assert ref.allowed(a, b, "TCP", 9090)
    assert not ref.allowed(a, b, "UDP", 9090)  # protocol must match too


def test_reference_named_port_in_egress_and_toward_external() -> None:
    dns = [{"name": "dns", "containerPort": 53, "protocol": "UDP"}]
    spec = {
        "podSelector": {"matchLabels": {"app": "c"}},
        "egress": [{"ports": [{"port": "dns", "protocol": "UDP"}]}],
    }
    ref = Reference([_pod("c", app="c"), _pod("d", ports=dns), _policy(spec)])
    c, d = ("default", "c"), ("default", "d")
    assert ref.allowed(c, d, "UDP", 53)
    assert not ref.allowed(c, d, "TCP", 53)
    assert not ref.allowed(c, "8.8.8.8", "UDP", 53)  # no container ports out there


def test_reference_peers_and_selectors() -> None:
    objects = [
        _ns("ns-a", env="prod"),
        _pod("x", "ns-a", app="a"),
        _pod("y", "ns-b", app="a"),
        _pod("w", "ns-b", app="b"),
        _pod("z", "default", app="b"),
        _pod("t", "default"),
        _policy(
            {
                "podSelector": {},
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {"env": "prod"}},
                                "podSelector": {"matchLabels": {"app": "a"}},
                            },
                            {
                                "podSelector": {
                                    "matchExpressions": [
                                        {"key": "app", "operator": "NotIn", "values": ["a"]}
                                    ]
                                }
                            },
                            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                        ]
                    }
                ],
            }
        ),
    ]
    ref = Reference(objects)
    t = ("default", "t")
    assert ref.allowed(("ns-a", "x"), t, "TCP", 1)  # both selectors (AND)
    assert not ref.allowed(("ns-b", "y"), t, "TCP", 1)  # ns-b lacks env=prod
    assert ref.allowed(("default", "z"), t, "TCP", 1)  # podSelector alone: own namespace
    assert not ref.allowed(("ns-b", "w"), t, "TCP", 1)  # ... and only there
    assert ref.allowed(t, ("default", "z"), "TCP", 1)  # z is isolated too; t lacks app: NotIn
    assert ref.allowed("10.2.3.4", t, "TCP", 1)
    assert not ref.allowed("10.1.3.4", t, "TCP", 1)  # except
    assert not ref.allowed("11.0.0.0", t, "TCP", 1)
    assert not ref.allowed("::1", t, "TCP", 1)  # other IP family


def test_reference_undeclared_namespace_has_name_label() -> None:
    peer = {"namespaceSelector": {"matchLabels": {NAME_LABEL: "ns-b"}}}
    objects = [
        _pod("y", "ns-b"),
        _pod("t"),
        _policy({"podSelector": {}, "ingress": [{"from": [peer]}]}),
    ]
    ref = Reference(objects)
    assert ref.allowed(("ns-b", "y"), ("default", "t"), "UDP", 5)


def test_reference_port_ranges_and_protocol_only() -> None:
    spec = {
        "podSelector": {},
        "ingress": [{"ports": [{"port": 80, "endPort": 90}, {"protocol": "SCTP"}]}],
    }
    ref = Reference([_pod("t"), _policy(spec)])
    t = ("default", "t")
    assert ref.allowed("1.1.1.1", t, "TCP", 80) and ref.allowed("1.1.1.1", t, "TCP", 90)
    assert not ref.allowed("1.1.1.1", t, "TCP", 91) and not ref.allowed("1.1.1.1", t, "TCP", 79)
    assert not ref.allowed("1.1.1.1", t, "UDP", 85)
    assert ref.allowed("1.1.1.1", t, "SCTP", 65535)


def test_reference_rejects_bad_questions() -> None:
    ref = Reference([_pod("a")])
    with pytest.raises(ValueError):
        ref.allowed("1.1.1.1", "2.2.2.2", "TCP", 80)
    with pytest.raises(ValueError):
        ref.allowed(("default", "a"), ("default", "a"), "TCP", 80)


def test_strategy_generates_valid_manifests() -> None:
    """The generator itself: policies in declared or implied namespaces, valid selectors/ports."""

    @settings(max_examples=50, deadline=None)
    @given(clusters())
    def check(objects: list[Obj]) -> None:
        Reference(objects)  # parses
        for policy in of_kind(objects, "NetworkPolicy"):
            for rule in [
                *(policy["spec"].get("ingress") or []),
                *(policy["spec"].get("egress") or []),
            ]:
                for entry in rule.get("ports") or []:
                    if "endPort" in entry:
                        assert isinstance(entry["port"], int) and entry["endPort"] >= entry["port"]
                for peer in [*(rule.get("from") or []), *(rule.get("to") or [])]:
                    assert peer, "empty peer"
                    block = peer.get("ipBlock")
                    if block:
                        net = ipaddress.ip_network(block["cidr"])
                        for exc in block.get("except") or []:
                            sub = ipaddress.ip_network(exc)
                            assert sub.version == net.version and sub.subnet_of(net)  # type: ignore[arg-type]
                            assert sub != net

    check()
