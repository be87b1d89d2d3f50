"""Review of the Istio semantics (issue 24) against /work/shared/specs/istio/: rules where
the engine and the brute-force reference could share one misreading. Each test quotes
the sentence of authorization_policy.proto it relies on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import conns, pod
from tests.engine.istio_reference import decide
from tests.engine.test_istio_rules import ALL, NON_TCP, authz, mesh, peer_auth

Obj = dict[str, Any]
HTTPBIN = {"matchLabels": {"app": "httpbin"}}


def _pod(objects: list[Obj], name: str) -> Obj:
    return next(o for o in objects if o["kind"] == "Pod" and o["metadata"]["name"] == name)


# -- empty lists are "not set" ---------------------------------------------------------------
# Rule.from: "If not set, any source is allowed."; Rule.to: "If not set, any operation is
# allowed." `from`/`to` are proto3 `repeated` fields, which have no presence: an empty
# list is the field not set (as `rules: []` is `rules` not set: "the match will never
# occur").


def test_allow_rule_with_empty_from_list_matches_any_source() -> None:
    objects = mesh(authz("a", "foo", {"selector": HTTPBIN, "rules": [{"from": []}]}))
    c = conns(objects)
    assert c[("foo/sleep", "foo/httpbin")] == ALL
    assert c[("bar/client", "foo/httpbin")] == ALL


def test_deny_rule_with_empty_to_list_denies_every_operation() -> None:
    objects = mesh(
        authz("d", "foo", {"selector": HTTPBIN, "action": "DENY", "rules": [{"to": []}]})
    )
    assert conns(objects)[("foo/sleep", "foo/httpbin")] == NON_TCP


@pytest.mark.parametrize("field", ["from", "to"])
def test_reference_reads_an_empty_from_or_to_list_as_not_set(field: str) -> None:
    objects = mesh(authz("a", "foo", {"selector": HTTPBIN, "rules": [{field: []}]}))
    allowed, marks = decide(objects, _pod(objects, "sleep"), _pod(objects, "httpbin"), 80)
    assert allowed and not marks


# -- ipBlocks are the source address of the packet, pods included ----------------------------
# Source.ip_blocks: "A list of IP blocks, populated from the source address of the IP
# packet. [...] This is the same as the `source.ip` attribute." A pod's connection has its
# pod IP as source address: every IPv4 pod address is in 0.0.0.0/0, and a pod whose address
# the input gives (status.podIP) is in the blocks that contain it.


def _with_ip(name: str, ns: str, account: str, ip: str) -> Obj:
    obj = pod(name, ns, {"app": name}, serviceAccountName=account)
    obj["status"] = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}
    return obj


def test_deny_on_ip_blocks_denies_pods_whose_address_is_inside() -> None:
    spec = {
        "selector": HTTPBIN,
        "action": "DENY",
        "rules": [{"from": [{"source": {"ipBlocks": ["10.1.0.0/16"]}}]}],
    }
    objects = mesh(_with_ip("caller", "foo", "caller", "10.1.2.3"), authz("d", "foo", spec))
    assert conns(objects)[("foo/caller", "foo/httpbin")] == NON_TCP


def test_deny_on_not_ip_blocks_spares_pods_whose_address_is_inside() -> None:
    spec = {
        "selector": HTTPBIN,
        "action": "DENY",
        "rules": [{"from": [{"source": {"notIpBlocks": ["10.1.0.0/16"]}}]}],
    }
    objects = mesh(_with_ip("caller", "foo", "caller", "10.1.2.3"), authz("d", "foo", spec))
    assert conns(objects)[("foo/caller", "foo/httpbin")] == ALL


def test_ip_blocks_in_a_rule_make_the_answer_partial_while_pods_lack_an_address() -> None:
    """httpbin, sleep, client and old have no status.podIP: they are in no block, said so."""
    import reach

    for field in ("ipBlocks", "notIpBlocks"):
        spec = {
            "selector": HTTPBIN,
            "action": "DENY",
            "rules": [{"from": [{"source": {field: ["10.1.0.0/16"]}}]}],
        }
        caller = _with_ip("caller", "foo", "caller", "10.1.2.3")
        with pytest.warns(reach.PartialAnswerWarning, match="ipBlocks or notIpBlocks"):
            r = reach.from_objects(mesh(caller, authz("d", "foo", spec)))
        found = [d for d in r.diagnostics if d.code == "istio-ip-blocks"]
        assert len(found) == 1 and found[0].partial, field


# -- a PeerAuthentication selector without labels --------------------------------------------
# PA selector: "If not set, the policy will be applied to all workloads in the same
# namespace as the policy. If it is in the root namespace, it would be applied to all
# workloads in the mesh."; the CRD rule for portLevelMtls ("portLevelMtls requires
# selector": `self.index({}, selector, matchLabels).size() > 0`) reads a selector without
# matchLabels as no selector, and so does reach's own validation (`selector.is_empty()`).
# Istio's control plane (not in the specs) takes such a policy as namespace- or mesh-level.


def test_root_peer_authentication_with_empty_selector_is_mesh_wide() -> None:
    objects = mesh(peer_auth("mesh", "istio-system", "STRICT", selector={"matchLabels": {}}))
    assert conns(objects)[("legacy/old", "foo/httpbin")] == NON_TCP
