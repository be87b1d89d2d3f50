"""One named test per Istio rule the engine implements (docs/semantics.md, "Istio
authorization"), each on a small mesh written as manifests."""

from __future__ import annotations

from typing import Any

import reach
from reach.analysis.l7marks import L7Mark, l7_marks
from reach.model.ports import PortSet
from tests.builders import conns, namespace, netpol, pod

Obj = dict[str, Any]
ALL = PortSet.all()
NONE = PortSet.empty()
NON_TCP = PortSet.all() - PortSet.of("TCP")


def tcp(*ports: int) -> PortSet:
    out = PortSet.empty()
    for p in ports:
        out |= PortSet.of("TCP", p)
    return out


def authz(name: str, ns: str, spec: Obj, **meta: Any) -> Obj:
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": name, "namespace": ns, **meta},
        "spec": spec,
    }


def peer_auth(name: str, ns: str, mode: str, **spec: Any) -> Obj:
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"mtls": {"mode": mode}, **spec},
    }


def mesh(*extra: Obj) -> list[Obj]:
    """Namespaces ``foo`` and ``bar`` injected, ``legacy`` not; pods with accounts."""
    return [
        namespace("foo", **{"istio-injection": "enabled"}),
        namespace("bar", **{"istio.io/rev": "canary"}),
        namespace("legacy"),
        pod("httpbin", "foo", {"app": "httpbin"}, serviceAccountName="httpbin"),
        pod("sleep", "foo", {"app": "sleep"}, serviceAccountName="sleep"),
        pod("client", "bar", {"app": "client"}, serviceAccountName="client"),
        pod("old", "legacy", {"app": "old"}, serviceAccountName="old"),
        *extra,
    ]


ONLY_SLEEP = {
    "selector": {"matchLabels": {"app": "httpbin"}},
    "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/foo/sa/sleep"]}}]}],
}


def marks(objects: list[Obj]) -> list[L7Mark]:
    return list(l7_marks(reach.from_objects(objects).view("pod")).marks)


# -- mesh membership ------------------------------------------------------------------------


def test_without_istio_objects_nothing_changes() -> None:
    objects = mesh()
    assert all(p == ALL for p in conns(objects).values())


def test_namespace_injection_label_puts_pods_in_the_mesh() -> None:
    c = conns(mesh(authz("deny", "foo", {})))  # allow-nothing in foo
    assert c[("foo/sleep", "foo/httpbin")] == NON_TCP


def test_pod_inject_false_label_keeps_a_pod_out_of_the_mesh() -> None:
    out = pod("out", "foo", {"app": "out", "sidecar.istio.io/inject": "false"})
    c = conns(mesh(out, authz("deny", "foo", {})))
    assert c[("foo/sleep", "foo/out")] == ALL  # no sidecar: no policy enforced there


def test_pod_inject_false_annotation_keeps_a_pod_out_of_the_mesh() -> None:
    out = pod("out", "foo", {"app": "out"})
    out["metadata"]["annotations"] = {"sidecar.istio.io/inject": "false"}
    c = conns(mesh(out, authz("deny", "foo", {})))
    assert c[("foo/sleep", "foo/out")] == ALL


def test_pod_inject_true_label_puts_a_pod_in_the_mesh_outside_injected_namespaces() -> None:
    inside = pod("in", "legacy", {"sidecar.istio.io/inject": "true"})
    c = conns(mesh(inside, authz("deny", "legacy", {})))
    assert c[("foo/sleep", "legacy/in")] == NON_TCP
    assert c[("foo/sleep", "legacy/old")] == ALL


def test_revision_label_on_the_namespace_puts_pods_in_the_mesh() -> None:
    c = conns(mesh(authz("deny", "bar", {})))
    assert c[("foo/sleep", "bar/client")] == NON_TCP


def test_host_network_pods_have_no_sidecar() -> None:
    node = pod("node", "foo", {"app": "node"}, hostNetwork=True)
    c = conns(mesh(node, authz("deny", "foo", {})))
    assert c[("foo/sleep", "foo/node")] == ALL


def test_destinations_outside_the_mesh_are_not_filtered() -> None:
    c = conns(mesh(authz("deny", "istio-system", {})))  # mesh-wide allow-nothing
    assert c[("foo/sleep", "legacy/old")] == ALL
    assert c[("legacy/old", "foo/httpbin")] == NON_TCP


# -- scope -----------------------------------------------------------------------------------


def test_root_namespace_policy_applies_to_every_namespace() -> None:
    c = conns(mesh(authz("deny", "istio-system", {})))
    assert c[("foo/sleep", "foo/httpbin")] == NON_TCP
    assert c[("foo/sleep", "bar/client")] == NON_TCP


def test_namespace_policy_applies_to_its_namespace_only() -> None:
    c = conns(mesh(authz("deny", "foo", {})))
    assert c[("foo/sleep", "foo/httpbin")] == NON_TCP
    assert c[("foo/sleep", "bar/client")] == ALL


def test_selector_restricts_the_policy_to_matching_workloads() -> None:
    c = conns(mesh(authz("deny", "foo", {"selector": {"matchLabels": {"app": "httpbin"}}})))
    assert c[("bar/client", "foo/httpbin")] == NON_TCP
    assert c[("bar/client", "foo/sleep")] == ALL


def test_target_refs_policies_are_left_out_with_a_partial_diagnostic() -> None:
    spec = {"targetRefs": [{"kind": "Gateway", "name": "gw"}]}
    r = reach.from_objects(mesh(authz("gw", "foo", spec)))
    assert all(c.ports == ALL for c in r.connections(by="pod"))
    assert any(d.code == "istio-target-refs" and d.partial for d in r.diagnostics)


def test_dry_run_policies_are_not_enforced() -> None:
    dry = authz("deny", "foo", {}, annotations={"istio.io/dry-run": "true"})
    assert conns(mesh(dry))[("foo/sleep", "foo/httpbin")] == ALL


# -- actions --------------------------------------------------------------------------------


def test_no_allow_policy_allows_everything() -> None:
    deny = {"action": "DENY", "rules": [{"to": [{"operation": {"ports": ["9000"]}}]}]}
    c = conns(mesh(authz("d", "foo", deny)))
    assert c[("foo/sleep", "foo/httpbin")] == ALL - tcp(9000)


def test_allow_policy_that_matches_nothing_denies() -> None:
    c = conns(mesh(authz("only-sleep", "foo", ONLY_SLEEP)))
    assert c[("bar/client", "foo/httpbin")] == NON_TCP
    assert c[("foo/sleep", "foo/httpbin")] == ALL


def test_empty_rule_allows_all() -> None:
    c = conns(mesh(authz("allow-nothing", "foo", {}), authz("allow-all", "foo", {"rules": [{}]})))
    assert c[("bar/client", "foo/httpbin")] == ALL


def test_deny_wins_over_allow() -> None:
    deny = {"action": "DENY", "rules": [{"from": [{"source": {"namespaces": ["foo"]}}]}]}
    c = conns(mesh(authz("allow-all", "foo", {"rules": [{}]}), authz("deny-foo", "foo", deny)))
    assert c[("foo/sleep", "foo/httpbin")] == NON_TCP
    assert c[("bar/client", "foo/httpbin")] == ALL


def test_audit_has_no_effect() -> None:
    c = conns(mesh(authz("audit", "foo", {"action": "AUDIT", "rules": [{}]})))
    assert c[("foo/sleep", "foo/httpbin")] == ALL


def test_custom_is_marked_not_decided_and_reported_partial() -> None:
    spec = {"action": "CUSTOM", "provider": {"name": "ext"}, "rules": [{}]}
    objects = mesh(authz("ext", "foo", spec))
    assert conns(objects)[("foo/sleep", "foo/httpbin")] == ALL
    r = reach.from_objects(objects)
    assert any(d.code == "istio-custom" and d.partial for d in r.diagnostics)
    got = {(m.src.id, m.dst.id, m.effect) for m in marks(objects)}
    assert ("foo/sleep[Pod]", "foo/httpbin[Pod]", "decided by CUSTOM provider") in got


# -- from.source ----------------------------------------------------------------------------


def test_principals_match_the_source_service_account() -> None:
    c = conns(mesh(authz("only-sleep", "foo", ONLY_SLEEP)))
    assert c[("foo/sleep", "foo/httpbin")] == ALL
    assert (
        c[("foo/httpbin", "foo/httpbin")] == NON_TCP
        if ("foo/httpbin", "foo/httpbin") in c
        else True
    )


def test_not_principals_exclude_the_source() -> None:
    spec = {"rules": [{"from": [{"source": {"notPrincipals": ["cluster.local/ns/foo/sa/sleep"]}}]}]}
    c = conns(mesh(authz("p", "foo", spec)))
    assert c[("foo/sleep", "foo/httpbin")] == NON_TCP
    assert c[("bar/client", "foo/httpbin")] == ALL


def test_principal_patterns_prefix_suffix_presence() -> None:
    spec = {"rules": [{"from": [{"source": {"principals": ["cluster.local/ns/bar/*"]}}]}]}
    c = conns(mesh(authz("p", "foo", spec)))
    assert c[("bar/client", "foo/httpbin")] == ALL
    assert c[("foo/sleep", "foo/httpbin")] == NON_TCP
    spec = {"rules": [{"from": [{"source": {"principals": ["*/sa/sleep"]}}]}]}
    assert conns(mesh(authz("p", "foo", spec)))[("foo/sleep", "foo/httpbin")] == ALL
    spec = {"rules": [{"from": [{"source": {"principals": ["*"]}}]}]}
    c = conns(mesh(authz("p", "foo", spec)))
    assert c[("bar/client", "foo/httpbin")] == ALL
    assert c[("legacy/old", "foo/httpbin")] == NON_TCP  # no sidecar: no principal


def test_namespaces_and_not_namespaces() -> None:
    spec = {"rules": [{"from": [{"source": {"namespaces": ["bar"]}}]}]}
    c = conns(mesh(authz("p", "foo", spec)))
    assert (c[("bar/client", "foo/httpbin")], c[("foo/sleep", "foo/httpbin")]) == (ALL, NON_TCP)
    spec = {"rules": [{"from": [{"source": {"notNamespaces": ["bar"]}}]}]}
    c = conns(mesh(authz("p", "foo", spec)))
    assert (c[("bar/client", "foo/httpbin")], c[("foo/sleep", "foo/httpbin")]) == (NON_TCP, ALL)


def test_service_accounts_short_form_is_the_policy_namespace() -> None:
    spec = {"rules": [{"from": [{"source": {"serviceAccounts": ["sleep", "bar/client"]}}]}]}
    c = conns(mesh(authz("p", "foo", spec)))
    assert c[("foo/sleep", "foo/httpbin")] == ALL and c[("bar/client", "foo/httpbin")] == ALL
    assert c[("foo/httpbin", "foo/sleep")] == NON_TCP


def test_sources_without_sidecar_have_no_identity() -> None:
    spec = {"rules": [{"from": [{"source": {"namespaces": ["legacy"]}}]}]}
    assert conns(mesh(authz("p", "foo", spec)))[("legacy/old", "foo/httpbin")] == NON_TCP


def test_not_principals_match_sources_without_identity() -> None:
    spec = {"rules": [{"from": [{"source": {"notPrincipals": ["*"]}}]}]}
    c = conns(mesh(authz("plain-only", "foo", spec)))
    assert c[("legacy/old", "foo/httpbin")] == ALL
    assert c[("foo/sleep", "foo/httpbin")] == NON_TCP


def test_ip_blocks_match_external_addresses_and_no_pod_without_address() -> None:
    spec = {"rules": [{"from": [{"source": {"ipBlocks": ["203.0.113.0/24"]}}]}]}
    r = reach.from_objects(mesh(authz("p", "foo", spec)))
    got = {
        (c.src.name, c.dst.name): c.ports
        for c in r.connections(by="pod")
        if c.dst.name == "httpbin"
    }
    assert got[("203.0.113.0-203.0.113.255", "httpbin")] == ALL
    assert got[("0.0.0.0-203.0.112.255", "httpbin")] == NON_TCP
    assert got[("sleep", "httpbin")] == NON_TCP


def test_request_principals_are_marked_l7() -> None:
    spec = {"rules": [{"from": [{"source": {"requestPrincipals": ["issuer/sub"]}}]}]}
    objects = mesh(authz("jwt", "foo", spec))
    assert conns(objects)[("foo/sleep", "foo/httpbin")] == ALL
    summaries = {m.summary for m in marks(objects) if m.dst.id == "foo/httpbin[Pod]"}
    assert summaries == {"requestPrincipals issuer/sub"}


# -- mTLS -----------------------------------------------------------------------------------


def test_strict_mtls_refuses_sources_without_sidecar() -> None:
    c = conns(mesh(peer_auth("default", "foo", "STRICT")))
    assert c[("legacy/old", "foo/httpbin")] == NON_TCP
    assert c[("bar/client", "foo/httpbin")] == ALL


def test_strict_mesh_wide_from_the_root_namespace() -> None:
    c = conns(mesh(peer_auth("default", "istio-system", "STRICT")))
    assert c[("legacy/old", "bar/client")] == NON_TCP


def test_permissive_accepts_plain_text_without_identity() -> None:
    c = conns(mesh(peer_auth("default", "foo", "PERMISSIVE")))
    assert c[("legacy/old", "foo/httpbin")] == ALL


def test_disable_removes_peer_identities() -> None:
    objects = mesh(peer_auth("default", "foo", "DISABLE"), authz("only-sleep", "foo", ONLY_SLEEP))
    assert conns(objects)[("foo/sleep", "foo/httpbin")] == NON_TCP


def test_workload_peer_authentication_and_port_level_mode() -> None:
    strict = peer_auth(
        "httpbin",
        "foo",
        "STRICT",
        selector={"matchLabels": {"app": "httpbin"}},
        portLevelMtls={8080: {"mode": "DISABLE"}},
    )
    c = conns(mesh(peer_auth("default", "foo", "PERMISSIVE"), strict))
    assert c[("legacy/old", "foo/httpbin")] == NON_TCP | tcp(8080)
    assert c[("legacy/old", "foo/sleep")] == ALL


def test_unset_inherits_from_the_namespace() -> None:
    unset = peer_auth("httpbin", "foo", "UNSET", selector={"matchLabels": {"app": "httpbin"}})
    c = conns(mesh(peer_auth("default", "foo", "STRICT"), unset))
    assert c[("legacy/old", "foo/httpbin")] == NON_TCP


# -- to.operation and when ------------------------------------------------------------------


def test_ports_and_not_ports_are_exact_l4() -> None:
    spec = {"rules": [{"to": [{"operation": {"ports": ["8000", "9000"], "notPorts": ["9000"]}}]}]}
    c = conns(mesh(authz("p", "foo", spec)))
    assert c[("foo/sleep", "foo/httpbin")] == NON_TCP | tcp(8000)


def test_methods_and_paths_allow_at_l4_and_mark_the_connection() -> None:
    spec = {**ONLY_SLEEP}
    spec["rules"] = [
        {
            **ONLY_SLEEP["rules"][0],
            "to": [{"operation": {"methods": ["GET"], "paths": ["/headers"]}}],
        }
    ]
    objects = mesh(authz("httpbin", "foo", spec))
    c = conns(objects)
    assert c[("foo/sleep", "foo/httpbin")] == ALL
    assert c[("bar/client", "foo/httpbin")] == NON_TCP
    (mark,) = [m for m in marks(objects) if m.dst.id == "foo/httpbin[Pod]"]
    assert str(mark) == (
        "foo/sleep[Pod] => foo/httpbin[Pod] : TCP 1-65535 [GET /headers] "
        "(AuthorizationPolicy foo/httpbin rules[0] allows)"
    )


def test_plain_allow_on_the_same_ports_needs_no_mark() -> None:
    l7 = {"rules": [{"to": [{"operation": {"methods": ["GET"]}}]}, {}]}
    assert not marks(mesh(authz("p", "foo", l7)))


def test_deny_with_l7_condition_does_not_deny_the_connection_but_marks_it() -> None:
    spec = {
        "action": "DENY",
        "rules": [{"to": [{"operation": {"methods": ["POST"], "ports": ["8000"]}}]}],
    }
    objects = mesh(authz("no-post", "foo", spec))
    assert conns(objects)[("foo/sleep", "foo/httpbin")] == ALL
    got = {
        (m.src.id, str(m.ports), m.summary, m.effect)
        for m in marks(objects)
        if m.dst.id == "foo/httpbin[Pod]"
    }
    assert ("foo/sleep[Pod]", "TCP 8000", "POST", "may deny") in got


def test_when_on_known_keys_is_decided() -> None:
    spec = {
        "rules": [
            {
                "when": [
                    {"key": "source.namespace", "values": ["bar"]},
                    {"key": "destination.port", "values": ["8000"]},
                ]
            }
        ]
    }
    c = conns(mesh(authz("p", "foo", spec)))
    assert c[("bar/client", "foo/httpbin")] == NON_TCP | tcp(8000)
    assert c[("foo/sleep", "foo/httpbin")] == NON_TCP


def test_when_on_other_keys_is_marked() -> None:
    spec = {"rules": [{"when": [{"key": "request.headers[x-user]", "values": ["admin"]}]}]}
    objects = mesh(authz("p", "foo", spec))
    assert conns(objects)[("foo/sleep", "foo/httpbin")] == ALL
    summaries = {m.summary for m in marks(objects)}
    assert summaries == {"when request.headers[x-user] in [admin]"}


def test_udp_is_not_intercepted_by_the_sidecar() -> None:
    c = conns(mesh(authz("deny-all", "foo", {})))
    assert c[("foo/sleep", "foo/httpbin")] == NON_TCP


# -- with NetworkPolicies ------------------------------------------------------------------


def test_pair_answer_is_network_policy_and_mesh() -> None:
    np_ = netpol(
        "web",
        "foo",
        {"matchLabels": {"app": "httpbin"}},
        ingress=[{"ports": [{"port": 8000}, {"port": 53, "protocol": "UDP"}]}],
    )
    c = conns(mesh(np_, authz("only-sleep", "foo", ONLY_SLEEP)))
    assert c[("foo/sleep", "foo/httpbin")] == tcp(8000) | PortSet.of("UDP", 53)
    assert c[("bar/client", "foo/httpbin")] == PortSet.of("UDP", 53)
