"""Istio objects read into the model (issue 24): the exact model of each field, the
validation the reference asks for (``file#doc field.path: message``), and the
diagnostics of what is read but not evaluated."""

from __future__ import annotations

from typing import Any

import pytest

from reach.model.istio import (
    AuthorizationPolicy,
    AuthzRule,
    Condition,
    Operation,
    PeerAuthentication,
    Source,
)
from reach.model.selectors import LabelSelector, Requirement
from tests.helpers import run
from tests.input.ciliumbuilders import load, problem, problems

Obj = dict[str, Any]


def authz(
    spec: Obj | None, *, name: str = "p", ns: str = "foo", version: str = "v1", **meta: Any
) -> Obj:
    obj: Obj = {
        "apiVersion": f"security.istio.io/{version}",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": name, "namespace": ns, **meta},
    }
    if spec is not None:
        obj["spec"] = spec
    return obj


def peer(spec: Obj, *, name: str = "default", ns: str = "foo") -> Obj:
    return {
        "apiVersion": "security.istio.io/v1beta1",
        "kind": "PeerAuthentication",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def app(value: str) -> LabelSelector:
    return LabelSelector((Requirement("app", "In", frozenset([value]), plain=True),))


def test_the_reference_example_becomes_the_exact_model() -> None:
    cluster, _ = load(
        authz(
            {
                "action": "ALLOW",
                "selector": {"matchLabels": {"app": "httpbin"}},
                "rules": [
                    {
                        "from": [
                            {"source": {"principals": ["cluster.local/ns/default/sa/sleep"]}},
                            {"source": {"namespaces": ["test"]}},
                        ],
                        "to": [
                            {"operation": {"methods": ["GET"], "paths": ["/info*"]}},
                            {
                                "operation": {
                                    "methods": ["POST"],
                                    "paths": ["/data"],
                                    "ports": ["8080"],
                                }
                            },
                        ],
                        "when": [
                            {
                                "key": "request.auth.claims[iss]",
                                "values": ["https://accounts.google.com"],
                            }
                        ],
                    }
                ],
            },
            name="httpbin",
        )
    )
    assert cluster.istio.authorization == [
        AuthorizationPolicy(
            namespace="foo",
            name="httpbin",
            action="ALLOW",
            selector=app("httpbin"),
            rules=(
                AuthzRule(
                    0,
                    (
                        Source(principals=("cluster.local/ns/default/sa/sleep",)),
                        Source(namespaces=("test",)),
                    ),
                    (
                        Operation(methods=("GET",), paths=("/info*",)),
                        Operation(ports=(8080,), methods=("POST",), paths=("/data",)),
                    ),
                    (Condition("request.auth.claims[iss]", ("https://accounts.google.com",)),),
                ),
            ),
            origin="p.yaml#1",
        )
    ]


def test_v1beta1_is_read_like_v1_and_an_empty_spec_allows_nothing() -> None:
    cluster, _ = load(authz({}, version="v1beta1"))
    (policy,) = cluster.istio.authorization
    assert (policy.action, policy.selector, policy.rules) == ("ALLOW", None, ())


def test_an_empty_rule_and_rule_without_from_are_kept_as_any() -> None:
    cluster, _ = load(authz({"rules": [{}, {"to": [{"operation": {"notPorts": ["22"]}}]}]}))
    (policy,) = cluster.istio.authorization
    assert policy.rules == (
        AuthzRule(0, None, None, ()),
        AuthzRule(1, None, (Operation(not_ports=(22,)),), ()),
    )


def test_custom_keeps_its_provider_and_dry_run_is_read() -> None:
    cluster, notes = load(
        authz({"action": "CUSTOM", "provider": {"name": "ext"}, "rules": [{}]}),
        authz(
            {"action": "DENY", "rules": [{}]},
            name="dry",
            annotations={"istio.io/dry-run": "true"},
        ),
    )
    dry, custom = cluster.istio.authorization
    assert (custom.action, custom.provider, dry.dry_run) == ("CUSTOM", "ext", True)
    codes = {(n.code, n.partial) for n in notes}
    assert ("istio-custom", True) in codes and ("istio-dry-run", False) in codes


def test_target_refs_are_read_and_reported_as_not_evaluated() -> None:
    cluster, notes = load(
        authz(
            {
                "targetRefs": [
                    {"kind": "Gateway", "group": "gateway.networking.k8s.io", "name": "gw"}
                ]
            }
        )
    )
    assert cluster.istio.authorization[0].target_refs == ("Gateway/gw",)
    (note,) = [n for n in notes if n.code == "istio-target-refs"]
    assert note.partial and "Gateway/gw" in note.message


def test_peer_authentication_model() -> None:
    cluster, _ = load(
        peer(
            {
                "selector": {"matchLabels": {"app": "finance"}},
                "mtls": {"mode": "STRICT"},
                "portLevelMtls": {8080: {"mode": "DISABLE"}},
            }
        )
    )
    assert cluster.istio.peer_authentication == [
        PeerAuthentication(
            "foo", "default", app("finance"), "STRICT", ((8080, "DISABLE"),), "p.yaml#1"
        )
    ]


def test_sidecar_inject_annotation_is_read_from_pods_and_templates() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "a",
            "namespace": "foo",
            "annotations": {"sidecar.istio.io/inject": "false"},
        },
    }
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "foo"},
        "spec": {
            "selector": {"matchLabels": {"x": "y"}},
            "template": {
                "metadata": {
                    "labels": {"x": "y"},
                    "annotations": {"sidecar.istio.io/inject": "true"},
                },
                "spec": {"containers": [{"name": "c"}]},
            },
        },
    }
    cluster, _ = load(pod, deploy)
    assert {p.name: p.sidecar_inject for p in cluster.pods} == {"a": "false", "d": "true"}


# -- validation: one test per rule of the reference ----------------------------------------


def test_selector_and_target_refs_are_exclusive() -> None:
    spec = {
        "selector": {"matchLabels": {"a": "b"}},
        "targetRefs": [{"kind": "Service", "name": "s"}],
    }
    assert (
        str(problem(authz(spec))) == "p.yaml#1 spec: only one of targetRefs or selector can be set"
    )


def test_action_must_be_one_of_the_enum() -> None:
    assert str(problem(authz({"action": "REJECT"}))) == (
        "p.yaml#1 spec.action: 'REJECT' is not one of ALLOW, DENY, AUDIT, CUSTOM"
    )


def test_provider_only_with_custom() -> None:
    assert str(problem(authz({"action": "DENY", "provider": {"name": "x"}}))) == (
        "p.yaml#1 spec.provider: must be used only with the CUSTOM action"
    )


def test_unknown_fields_are_refused() -> None:
    assert str(
        problem(authz({"rules": [{"from": [{"source": {"principal": ["x"]}}]}]}))
    ).startswith(
        "p.yaml#1 spec.rules[0].from[0].source.principal: unknown field (expected one of: "
    )


def test_service_accounts_not_with_principals_or_namespaces() -> None:
    source = {"serviceAccounts": ["foo/sleep"], "namespaces": ["foo"]}
    assert str(problem(authz({"rules": [{"from": [{"source": source}]}]}))) == (
        "p.yaml#1 spec.rules[0].from[0].source: Cannot set serviceAccounts with namespaces or principals"
    )


def test_service_accounts_take_no_wildcard() -> None:
    source = {"notServiceAccounts": ["foo/*"]}
    assert str(problem(authz({"rules": [{"from": [{"source": source}]}]}))) == (
        "p.yaml#1 spec.rules[0].from[0].source.notServiceAccounts[0]: no form of wildcard (*) is allowed"
    )


def test_service_accounts_at_most_16() -> None:
    source = {"serviceAccounts": [f"sa{i}" for i in range(17)]}
    assert str(problem(authz({"rules": [{"from": [{"source": source}]}]}))) == (
        "p.yaml#1 spec.rules[0].from[0].source.serviceAccounts: must have at most 16 items, not 17"
    )


def test_ip_blocks_are_addresses_or_cidrs() -> None:
    source = {"ipBlocks": ["203.0.113.4", "10.0.0.0/8", "nope"]}
    assert str(problem(authz({"rules": [{"from": [{"source": source}]}]}))) == (
        "p.yaml#1 spec.rules[0].from[0].source.ipBlocks[2]: 'nope' is not an IP address or CIDR"
    )


def test_ports_are_port_numbers() -> None:
    op = {"ports": ["80", "http"], "notPorts": ["0"]}
    assert problems(authz({"rules": [{"to": [{"operation": op}]}]})) == [
        "p.yaml#1 spec.rules[0].to[0].operation.ports[1]: 'http' is not a port number (1-65535)",
        "p.yaml#1 spec.rules[0].to[0].operation.notPorts[0]: '0' is not a port number (1-65535)",
    ]


def test_condition_needs_key_and_values() -> None:
    assert problems(authz({"rules": [{"when": [{"values": ["x"]}, {"key": "a"}]}]})) == [
        "p.yaml#1 spec.rules[0].when[0].key: is required",
        "p.yaml#1 spec.rules[0].when[1]: at least one of values or notValues must be set",
    ]


def test_rules_at_most_512() -> None:
    assert str(problem(authz({"rules": [{}] * 513}))) == (
        "p.yaml#1 spec.rules: must have at most 512 items, not 513"
    )


def test_mtls_mode_enum() -> None:
    assert str(problem(peer({"mtls": {"mode": "ON"}}))) == (
        "p.yaml#1 spec.mtls.mode: 'ON' is not one of UNSET, DISABLE, PERMISSIVE, STRICT"
    )


def test_port_level_mtls_requires_selector_and_valid_ports() -> None:
    assert problems(peer({"portLevelMtls": {0: {"mode": "DISABLE"}}})) == [
        "p.yaml#1 spec.portLevelMtls.0: port must be between 1-65535",
        "p.yaml#1 spec.portLevelMtls: portLevelMtls requires selector",
    ]


def test_every_problem_of_a_document_is_reported_with_exit_2(tmp_path: Any) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: x, namespace: foo}\nspec:\n  action: NOPE\n"
        "  rules:\n  - to: [{operation: {ports: ['x']}}]\n"
    )
    code, _, err = run(["list", "-f", str(bad)])
    assert code == 2
    assert "bad.yaml#1 spec.action: 'NOPE' is not one of" in err
    assert "bad.yaml#1 spec.rules[0].to[0].operation.ports[0]: 'x' is not a port number" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("kind", ["AuthorizationPolicy", "PeerAuthentication"])
def test_unserved_version_is_an_error(kind: str) -> None:
    obj = {"apiVersion": "security.istio.io/v2", "kind": kind, "metadata": {"name": "x"}}
    assert "does not serve" in str(problem(obj))
