"""Live mode reads the entry-point kinds: Services, EndpointSlices, Ingresses, OpenShift
Routes and the Gateway API, paged like the other kinds; a group that is not installed is
no error, a 403 is reported like any other; the snapshot keeps them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import reach
from reach.analysis.entrypoints import entries
from reach.errors import ReachError
from reach.input.live import LiveError
from reach.input.loader import build_cluster
from reach.input.raw import RawObject
from reach.input.snapshot import write_snapshot
from tests.helpers import EXAMPLES
from tests.k8s_server import GATEWAY_GROUP, shop_objects
from tests.liveread import Objects, Serve, read, serving

ROUTE = {
    "apiVersion": "route.openshift.io/v1",
    "kind": "Route",
    "metadata": {"name": "store", "namespace": "web"},
    "spec": {
        "host": "store.example.com",
        "to": {"kind": "Service", "name": "frontend", "weight": 100},
        "port": {"targetPort": "http"},
        "tls": {"termination": "edge", "key": "-----BEGIN PRIVATE KEY----- route-secret-key"},
    },
}


def _gateway_api(kind: str, version: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": f"{GATEWAY_GROUP}/{version}",
        "kind": kind,
        "metadata": {"name": kind.lower(), "namespace": "web"},
        "spec": spec,
    }


GATEWAY_OBJECTS = [
    _gateway_api(
        "Gateway",
        "v1",
        {"gatewayClassName": "eg", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]},
    ),
    _gateway_api(
        "HTTPRoute",
        "v1",
        {
            "parentRefs": [{"name": "gateway"}],
            "rules": [{"backendRefs": [{"name": "frontend", "port": 80}]}],
        },
    ),
    _gateway_api("GRPCRoute", "v1", {"parentRefs": [{"name": "gateway"}]}),
    _gateway_api("TLSRoute", "v1alpha2", {"parentRefs": [{"name": "gateway"}]}),
    _gateway_api("TCPRoute", "v1alpha2", {"parentRefs": [{"name": "gateway"}]}),
    _gateway_api("UDPRoute", "v1alpha2", {"parentRefs": [{"name": "gateway"}]}),
    _gateway_api(
        "ReferenceGrant",
        "v1beta1",
        {
            "from": [{"group": GATEWAY_GROUP, "kind": "HTTPRoute", "namespace": "shop"}],
            "to": [{"group": "", "kind": "Service"}],
        },
    ),
]
ENTRY_KINDS = {
    "Service": "v1",
    "EndpointSlice": "discovery.k8s.io/v1",
    "Ingress": "networking.k8s.io/v1",
    "Route": "route.openshift.io/v1",
    **{o["kind"]: o["apiVersion"] for o in GATEWAY_OBJECTS},
}


@pytest.fixture(scope="module")
def shop() -> Objects:
    return [*shop_objects(EXAMPLES), ROUTE, *GATEWAY_OBJECTS]


@pytest.fixture
def serve() -> Iterator[Serve]:
    yield from serving()


def _entry_kinds(raws: list[RawObject]) -> dict[str, str]:
    return {r.obj["kind"]: r.obj["apiVersion"] for r in raws if r.obj["kind"] in ENTRY_KINDS}


def test_every_entry_point_kind_is_read_page_by_page(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"), page_limit=1)
    assert _entry_kinds(raws) == ENTRY_KINDS
    for kind in ENTRY_KINDS:
        expected = sum(1 for o in shop if o["kind"] == kind)
        assert src.info["counts"][kind] == expected > 0, kind
    services = srv.list_requests("services")
    assert len(services) == src.info["counts"]["Service"] >= 2
    assert all(q["limit"] == "1" for q in services)
    assert all(q.get("continue") for q in services[1:])
    routes = srv.list_requests("httproutes")  # one page per object, as for Services
    assert len(routes) == src.info["counts"]["HTTPRoute"] and all(q["limit"] == "1" for q in routes)
    assert not [d for d in diag.notes if d.code == "group-not-served"]


def test_live_services_and_routes_give_the_offline_entry_points(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    raws, _, diag = read(srv.kubeconfig(tmp_path / "kc"))
    live = reach.Reach(build_cluster(raws, diag))
    offline = reach.from_objects(shop)
    assert len(live.cluster.services) == len(offline.cluster.services) >= 2
    assert sorted(str(r) for r in live.cluster.routes) == [
        "ingress/web/storefront",
        "route/web/store",
    ]
    assert _entries(live) == _entries(offline) != []
    # Equally short paths may differ by input order; the entry and the length may not.
    got, want = live.path("internet", "db/postgres"), offline.path("internet", "db/postgres")
    assert (got.reachable, got.via, len(got.hops())) == (want.reachable, want.via, len(want.hops()))
    assert got.reachable


def _services(r: reach.Reach) -> list[Any]:
    """Every field of every Service but its origin (a file instead of the live list)."""
    return [dataclasses.replace(s, origin="") for s in r.cluster.services]


def _entries(r: reach.Reach) -> list[tuple[str, str, str]]:
    pods = r.reachability.pods
    return sorted((e.via, str(pods[e.pod]), str(e.ports)) for e in entries(r.reachability))


def test_groups_not_installed_are_no_error(serve: Serve, shop: Objects, tmp_path: Path) -> None:
    srv = serve(shop, routes=False, gateway_versions=())
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    assert set(_entry_kinds(raws)) == {"Service", "EndpointSlice", "Ingress"}
    assert not any(p.startswith(("/apis/route", f"/apis/{GATEWAY_GROUP}")) for p, _ in srv.requests)
    notes = {d.message.split(" (")[0]: d for d in diag.notes if d.code == "group-not-served"}
    assert set(notes) == {"OpenShift Routes", "Gateway API"}
    assert all(d.severity == "info" and not d.partial for d in notes.values())
    assert "Route" not in src.info["counts"]


def test_a_404_from_an_entry_point_list_is_no_error(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    srv.not_found |= {"routes", "tcproutes"}
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    assert set(ENTRY_KINDS) - set(_entry_kinds(raws)) == {"Route", "TCPRoute"}
    messages = [d.message for d in diag.notes if d.code == "group-not-served"]
    assert len(messages) == 2 and any("tcproutes answered 404" in m for m in messages)


def test_a_404_on_a_core_list_is_still_an_error(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    srv.not_found.add("endpointslices")
    with pytest.raises(LiveError, match="not found .404. while trying to list endpointslices"):
        read(srv.kubeconfig(tmp_path / "kc"))


def test_the_first_served_version_of_a_gateway_kind_is_read(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    older = [{**o, "apiVersion": f"{GATEWAY_GROUP}/v1beta1"} for o in GATEWAY_OBJECTS[:2]]
    srv = serve([*shop, *older], gateway_versions=("v1beta1",))
    raws, _, diag = read(srv.kubeconfig(tmp_path / "kc"))
    got = _entry_kinds(raws)
    assert got["Gateway"] == got["HTTPRoute"] == got["ReferenceGrant"] == f"{GATEWAY_GROUP}/v1beta1"
    assert "TCPRoute" not in got
    assert not [d for d in diag.notes if d.code == "group-not-served"]


@pytest.mark.parametrize(
    ("plural", "grant"),
    [
        ("ingresses", "networking.k8s.io/ingresses"),
        ("endpointslices", "discovery.k8s.io/endpointslices"),
        ("routes", "route.openshift.io/routes"),
        ("httproutes", "gateway.networking.k8s.io/httproutes"),
        ("referencegrants", "gateway.networking.k8s.io/referencegrants"),
    ],
)
def test_403_on_an_entry_point_kind_names_the_grant(
    serve: Serve, shop: Objects, tmp_path: Path, plural: str, grant: str
) -> None:
    srv = serve(shop)
    srv.forbidden.add(plural)
    with pytest.raises(LiveError) as e:
        read(srv.kubeconfig(tmp_path / "kc"))
    assert isinstance(e.value, ReachError)
    assert str(e.value).startswith(
        f"forbidden: cannot list {plural} at cluster scope (403); grant list on {grant}"
    )


def test_snapshot_keeps_the_entry_points_and_gives_the_same_answers(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    live = reach.Reach(build_cluster(raws, diag))
    path = tmp_path / "snap.yaml"
    with path.open("w") as out:
        write_snapshot(raws, out, dict(src.info))
    text = path.read_text()
    assert "route-secret-key" not in text
    docs = [d for d in yaml.safe_load_all(text) if d]
    assert {d["kind"]: d["apiVersion"] for d in docs if d["kind"] in ENTRY_KINDS} == ENTRY_KINDS
    lb = next(d for d in docs if d["kind"] == "Service" and d["spec"].get("type") == "LoadBalancer")
    assert lb["spec"]["externalTrafficPolicy"] == "Local"
    slices = [d for d in docs if d["kind"] == "EndpointSlice"]
    assert all(e["targetRef"]["kind"] == "Pod" for d in slices for e in d["endpoints"])
    offline = reach.load([str(path)])
    assert _services(offline) == _services(live) != []
    assert _entries(offline) == _entries(live) != []
    assert str(offline.path("internet", "db/postgres")) == str(live.path("internet", "db/postgres"))
    listing = [str(c) for c in offline.connections()]
    assert listing == [str(c) for c in live.connections()]
