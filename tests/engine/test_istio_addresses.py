"""ipBlocks / notIpBlocks against pods' own addresses (docs/semantics.md, "from.source").

AP Source.ip_blocks: "A list of IP blocks, populated from the source address of the IP
packet. Single IP (e.g. `203.0.113.4`) and CIDR (e.g. `203.0.113.0/24`) are supported.
This is the same as the `source.ip` attribute." A pod's packets leave from its address,
``status.podIP`` in the input."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import reach
from tests.builders import conns, pod
from tests.engine.test_istio_rules import ALL, NON_TCP, authz, mesh

Obj = dict[str, Any]
HTTPBIN = {"matchLabels": {"app": "httpbin"}}


def addressed(name: str, ip: str | None, labels: dict[str, str] | None = None) -> Obj:
    """A pod of ``foo`` (injected) with service account ``caller`` and ``status.podIP``."""
    obj = pod(name, "foo", labels or {"app": "caller"}, serviceAccountName="caller")
    if ip is not None:
        obj["status"] = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}
    return obj


def only_from(field: str, *blocks: str, action: str = "ALLOW") -> Obj:
    return authz(
        "p",
        "foo",
        {
            "selector": HTTPBIN,
            "action": action,
            "rules": [{"from": [{"source": {field: list(blocks)}}]}],
        },
    )


def quiet(objects: list[Obj]) -> dict[tuple[str, str], Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return conns(objects)


def test_ip_blocks_match_the_pods_own_address() -> None:
    c = quiet(
        mesh(
            addressed("inside", "10.1.2.3"),
            addressed("outside", "10.2.0.1"),
            only_from("ipBlocks", "10.1.0.0/16"),
        )
    )
    assert c[("foo/inside", "foo/httpbin")] == ALL
    assert c[("foo/outside", "foo/httpbin")] == NON_TCP


def test_ip_blocks_single_address_matches_that_pod_only() -> None:
    c = quiet(
        mesh(
            addressed("a", "10.1.2.3"),
            addressed("b", "10.1.2.4"),
            only_from("ipBlocks", "10.1.2.3"),
        )
    )
    assert c[("foo/a", "foo/httpbin")] == ALL
    assert c[("foo/b", "foo/httpbin")] == NON_TCP


def test_not_ip_blocks_exclude_the_pods_own_address() -> None:
    c = quiet(
        mesh(
            addressed("inside", "10.1.2.3"),
            addressed("outside", "10.2.0.1"),
            only_from("notIpBlocks", "10.1.0.0/16"),
        )
    )
    assert c[("foo/inside", "foo/httpbin")] == NON_TCP
    assert c[("foo/outside", "foo/httpbin")] == ALL


def test_ip_blocks_of_the_other_family_do_not_match() -> None:
    c = quiet(mesh(addressed("v6", "fd00::5"), only_from("ipBlocks", "0.0.0.0/0")))
    assert c[("foo/v6", "foo/httpbin")] == NON_TCP
    c = quiet(mesh(addressed("v6", "fd00::5"), only_from("ipBlocks", "fd00::/64")))
    assert c[("foo/v6", "foo/httpbin")] == ALL


def test_the_primary_address_podip_is_the_source_address() -> None:
    caller = addressed("dual", "10.1.2.3")
    caller["status"]["podIPs"] = [{"ip": "10.1.2.3"}, {"ip": "fd00::5"}]
    c = quiet(mesh(caller, only_from("ipBlocks", "fd00::/64")))
    assert c[("foo/dual", "foo/httpbin")] == NON_TCP


def test_replicas_with_addresses_in_different_blocks_are_answered_apart() -> None:
    """Same namespace, labels and account: only the address tells them apart, so they
    must not share a class (the label classes are keyed by the blocks holding it)."""
    same = {"app": "caller"}
    c = quiet(
        mesh(
            addressed("r1", "10.1.2.3", same),
            addressed("r2", "10.2.0.1", same),
            addressed("r3", "10.1.9.9", same),
            only_from("ipBlocks", "10.1.0.0/16", action="DENY"),
        )
    )
    assert c[("foo/r1", "foo/httpbin")] == NON_TCP
    assert c[("foo/r3", "foo/httpbin")] == NON_TCP
    assert c[("foo/r2", "foo/httpbin")] == ALL


def test_pods_without_address_are_in_no_block() -> None:
    c = quiet(
        mesh(
            addressed("unknown", None),
            only_from("ipBlocks", "0.0.0.0/0"),
            authz("q", "bar", {"rules": [{"from": [{"source": {"notIpBlocks": ["0.0.0.0/0"]}}]}]}),
        )
    )
    assert c[("foo/unknown", "foo/httpbin")] == NON_TCP  # ipBlocks does not hold it
    assert c[("foo/unknown", "bar/client")] == ALL  # notIpBlocks does not exclude it


def test_pods_without_address_make_ip_blocks_partial() -> None:
    objects = mesh(addressed("caller", "10.1.2.3"), only_from("ipBlocks", "10.1.0.0/16"))
    with pytest.warns(reach.PartialAnswerWarning, match="no address in the input"):
        r = reach.from_objects(objects)
    found = [d for d in r.diagnostics if d.code == "istio-ip-blocks"]
    assert len(found) == 1 and found[0].partial
    assert "foo/httpbin" in found[0].message


def test_every_pod_addressed_ip_blocks_are_exact_and_not_partial() -> None:
    objects = [
        o
        for o in mesh(addressed("caller", "10.1.2.3"), only_from("ipBlocks", "10.1.0.0/16"))
        if o["kind"] != "Pod" or o["metadata"]["name"] == "caller"
    ]
    objects.append(addressed("dst", "10.9.0.1", {"app": "httpbin"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error", reach.PartialAnswerWarning)
        r = reach.from_objects(objects)
    assert not [d for d in r.diagnostics if d.code == "istio-ip-blocks"]
    c = {(x.src.id, x.dst.id): x.ports for x in r.connections(by="pod")}
    assert c[("foo/caller[Pod]", "foo/dst[Pod]")] == ALL
