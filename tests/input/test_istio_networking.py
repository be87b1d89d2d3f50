"""Sidecar and ServiceEntry read into the model: the fields that change who reaches whom,
the validation sidecar.proto and service_entry.proto ask for, and the diagnostics of what
reach does not evaluate (docs/semantics.md, "Sidecar and ServiceEntry")."""

from __future__ import annotations

from typing import Any

from reach.model.istio import EgressListener, EntryPort, ServiceEntry, SidecarConfig
from reach.model.selectors import LabelSelector, Requirement
from tests.builders import service_entry as entry
from tests.builders import sidecar
from tests.input.ciliumbuilders import load, problem, problems

Obj = dict[str, Any]


def test_sidecar_becomes_the_exact_model() -> None:
    cluster, _ = load(
        sidecar(
            {
                "workloadSelector": {"labels": {"app": "ratings"}},
                "egress": [
                    {"port": {"number": 9080, "protocol": "HTTP", "name": "h"}, "hosts": ["./*"]},
                    {"hosts": ["istio-system/*", "~prod/*"]},
                    {"port": {"number": 3306}, "bind": "127.0.0.1", "hosts": ["*/mysql.foo.com"]},
                ],
                "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"},
            }
        )
    )
    assert cluster.istio.sidecars == [
        SidecarConfig(
            "Sidecar",
            "foo",
            "default",
            "p.yaml#1",
            LabelSelector((Requirement("app", "In", frozenset(["ratings"]), plain=True),)),
            (
                EgressListener(("./*",), 9080),
                EgressListener(("istio-system/*", "~prod/*")),
                EgressListener(("*/mysql.foo.com",), 3306, captured=False),
            ),
            "REGISTRY_ONLY",
        )
    ]


def test_outbound_policy_without_mode_is_the_proto_zero_registry_only() -> None:
    cluster, _ = load(sidecar({"outboundTrafficPolicy": {}}))
    assert cluster.istio.sidecars[0].outbound == "REGISTRY_ONLY"
    cluster, _ = load(sidecar({}))
    assert cluster.istio.sidecars[0].outbound is None


def test_service_entry_becomes_the_exact_model() -> None:
    cluster, _ = load(
        entry(
            {
                "hosts": ["api.example.com"],
                "addresses": ["203.0.113.0/24", "198.51.100.7"],
                "ports": [{"number": 443, "name": "https", "protocol": "TLS", "targetPort": 8443}],
                "location": "MESH_EXTERNAL",
                "resolution": "STATIC",
                "endpoints": [{"address": "203.0.113.5"}],
                "exportTo": ["."],
            }
        )
    )
    assert cluster.istio.service_entries == [
        ServiceEntry(
            "ServiceEntry",
            "foo",
            "ext",
            "p.yaml#1",
            hosts=("api.example.com",),
            addresses=("203.0.113.0/24", "198.51.100.7/32"),
            ports=(EntryPort(443, "TLS", 8443),),
            resolution="STATIC",
            endpoints=("203.0.113.5",),
            export_to=(".",),
        )
    ]


def test_sidecar_validation() -> None:
    assert problems(
        sidecar(
            {
                "egress": [
                    {"hosts": ["nohost"]},
                    {"bind": "127.0.0.1", "hosts": ["./*"]},
                    {"captureMode": "SOMETIMES", "hosts": ["./*"]},
                ],
                "outboundTrafficPolicy": {"mode": "BLOCK"},
                "frobnicate": 1,
            }
        )
    ) == [
        "p.yaml#1 spec.frobnicate: unknown field (expected one of: workloadSelector, ingress, "
        "egress, inboundConnectionPool, outboundTrafficPolicy)",
        "p.yaml#1 spec.egress[0].hosts[0]: 'nohost' is not in namespace/dnsName format "
        "(e.g. ./*, prod/*)",
        "p.yaml#1 spec.egress[1].port: Port MUST be specified if bind is not empty",
        "p.yaml#1 spec.egress[2].captureMode: 'SOMETIMES' is not one of DEFAULT, IPTABLES, NONE",
        "p.yaml#1 spec.outboundTrafficPolicy.mode: 'BLOCK' is not one of REGISTRY_ONLY, ALLOW_ANY",
    ]


def test_egress_hosts_are_required() -> None:
    assert str(problem(sidecar({"egress": [{"port": {"number": 80}}]}))) == (
        "p.yaml#1 spec.egress[0].hosts: is required"
    )


def test_service_entry_validation() -> None:
    assert problems(
        entry(
            {
                "hosts": ["*"],
                "addresses": ["not-an-ip"],
                "ports": [{"number": 80, "name": "a"}, {"number": 80, "name": "b"}, {"name": "c"}],
                "resolution": "MAGIC",
                "endpoints": [{"address": "1.2.3.4"}],
                "workloadSelector": {"labels": {"app": "x"}},
            }
        )
    ) == [
        "p.yaml#1 spec.hosts[0]: hostname cannot be wildcard",
        "p.yaml#1 spec.addresses[0]: 'not-an-ip' is not an IP address or CIDR",
        "p.yaml#1 spec.ports[2].number: is required",
        "p.yaml#1 spec.ports: port number cannot be duplicated",
        "p.yaml#1 spec.resolution: 'MAGIC' is not one of NONE, STATIC, DNS, DNS_ROUND_ROBIN, "
        "DYNAMIC_DNS",
        "p.yaml#1 spec: only one of endpoints or workloadSelector can be specified",
    ]
    assert str(problem(entry({"ports": []}))) == (
        "p.yaml#1 spec.hosts: is required (at least 1 host)"
    )


def test_every_istio_code_is_documented() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("reach/input/istio*.py")]
    codes = {c for f in sources for c in re.findall(r'"(istio-[a-z0-9-]+)"', f.read_text())}
    doc = (root / "docs" / "diagnostics.md").read_text()
    assert {"istio-service-entry-unresolved", "istio-sidecar-conflict"} <= codes
    assert [c for c in sorted(codes) if f"| `{c}` |" not in doc] == []


def test_two_namespace_sidecars_without_selector_are_a_conflict() -> None:
    _, notes = load(sidecar({}, "a"), sidecar({}, "b"))
    (d,) = [n for n in notes if n.code == "istio-sidecar-conflict"]
    assert d.partial and "Sidecar foo/a, Sidecar foo/b" in d.message and d.origin == "p.yaml#2"


def test_sidecar_ingress_listeners_are_reported_unevaluated() -> None:
    spec = {"ingress": [{"port": {"number": 9080, "protocol": "HTTP", "name": "h"}}]}
    _, notes = load(sidecar(spec))
    (d,) = [n for n in notes if n.code == "istio-unevaluated"]
    assert d.partial and "ingress listeners" in d.message


def test_registry_only_listener_with_bind_is_reported_unevaluated() -> None:
    spec = {
        "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"},
        "egress": [{"port": {"number": 3306}, "bind": "127.0.0.1", "hosts": ["*/db.example"]}],
    }
    _, notes = load(sidecar(spec))
    (d,) = [n for n in notes if n.code == "istio-unevaluated"]
    assert d.partial and "bind or captureMode NONE" in d.message
