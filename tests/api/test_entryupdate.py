"""Entry points changed the quick way (``reach.api.entryupdate``): Services, Ingresses,
Routes and Gateway API objects applied or deleted neither load nor compile, and what a
load shows afterwards (connections, nodes, diagnostics, the exposure section and the entry
routes into each pod) is what a load of the same objects shows."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from tests.api.test_podupdate import BY, _everything, _never_loaded, stepped_in_place
from tests.api.test_whatif import key
from tests.builders import netpol, pod
from tests.entrybuilders import ingress, route, service
from tests.gatewaybuilders import backend, gateway, grant, http_route, listener, parent

Obj = dict[str, Any]

NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
WEB = pod("web", "shop", {"app": "web"}, [("https", 8443, "TCP")])
API = pod("api", "shop", {"app": "api"}, [("http", 8080, "TCP")])
ONLY_WEB = netpol(
    "api-in",
    "shop",
    {"matchLabels": {"app": "api"}},
    ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}],
    policyTypes=["Ingress"],
)
START = [NS, WEB, API, ONLY_WEB]

#: Entry points of every family, some of them pointing at what is not there.
ENTRIES = [
    service(
        "web", "shop", {"app": "web"}, [{"port": 443, "targetPort": "https"}], type="LoadBalancer"
    ),
    service("api", "shop", {"app": "api"}, [{"port": 80, "targetPort": "http"}]),
    service("api", "shop", {"app": "api"}, [{"port": 80, "targetPort": 8080}], type="NodePort"),
    service("api", "shop", {"app": "api"}, [{"name": "tcp", "port": 80, "targetPort": 8080}]),
    ingress("front", "shop", [("api", 80)]),
    ingress("front", "shop", [("web", 443), ("gone", 80)]),
    route("r", "shop", "api", 80),
    gateway("gw", "shop", listener("http", 80)),
    http_route("h", "shop", [parent("gw")], [backend("api", 80)]),
    http_route("h", "shop", [parent("missing")], [backend("api", 80)]),
]


def _shown(r: reach.Reach) -> list[object]:
    """What a load shows, with the entry points: the exposure section and the entry
    routes into each pod, the entry objects in order (diagnostics without their
    origins)."""
    routes = [
        [str(x) for x in r.exposure(p, by="pod").entry_routes or []]
        for p in ("shop/web", "shop/api")
    ]
    shown = _everything(r)
    # applied objects are named by the order they were applied in, a load's by position
    shown[1] = sorted((d.code, d.message, d.severity) for d in r.diagnostics)
    entries = [
        [(s.namespace, s.name, s.type) for s in r.cluster.services],
        [(e.kind, e.namespace, e.name) for e in r.cluster.routes],
        [(g.namespace, g.name) for g in r.cluster.gateway_api.gateways],
    ]
    return [shown, r.exposure_section(by="pod").to_dict(), routes, entries]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ENTRIES), st.booleans()), min_size=1, max_size=10))
def test_entry_point_events_equal_a_load_of_the_same_objects(
    events: list[tuple[Obj, bool]],
) -> None:
    r = reach.from_objects(START)
    mirror = {key(o): o for o in START}
    for obj, delete in events:
        _everything(r)
        with _never_loaded():
            if delete and key(obj) in mirror:
                del mirror[key(obj)]
                change = r.delete(obj)
            else:
                mirror[key(obj)] = obj
                change = r.apply(obj)
        assert change.edges == [] and change.nodes == []
        assert _shown(r) == _shown(reach.from_objects(mirror.values()))


def _labelled(obj: Obj, labels: dict[str, str]) -> Obj:
    out = copy.deepcopy(obj)
    out["metadata"]["labels"] = labels
    return out


def _cnp(to: Obj) -> Obj:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "c", "namespace": "shop"},
        "spec": {"endpointSelector": {}, "egress": [{"toServices": [to]}]},
    }


#: A GlobalNetworkPolicy denying the pods' egress to the Service shop/api, then allowing.
NOT_TO_API = {
    "apiVersion": "projectcalico.org/v3",
    "kind": "GlobalNetworkPolicy",
    "metadata": {"name": "g"},
    "spec": {
        "selector": "all()",
        "types": ["Egress"],
        "egress": [
            {"action": "Deny", "destination": {"services": {"name": "api", "namespace": "shop"}}},
            {"action": "Allow"},
        ],
    },
}
#: Denies GETs to 8080, and plain TCP there outright (a Service may say it is plain TCP).
NO_GET = {
    "apiVersion": "security.istio.io/v1",
    "kind": "AuthorizationPolicy",
    "metadata": {"name": "no-get", "namespace": "shop"},
    "spec": {
        "action": "DENY",
        "rules": [{"to": [{"operation": {"ports": ["8080"], "methods": ["GET"]}}]}],
    },
}
#: Objects whose rules name Services, and the names of the Services whose changes may
#: load (the mesh beside Calico or Cilium reads them; a Service a Cilium or Calico policy
#: takes has the policy taken out and put back in place);
#: ENTRIES' Services named ``web`` carry ``expose=yes``.
NAMING = {
    "Cilium toServices by name": (
        [_cnp({"k8sService": {"serviceName": "web", "namespace": "shop"}})],
        set(),
    ),
    "Cilium toServices by label": (
        [_cnp({"k8sServiceSelector": {"selector": {"matchLabels": {"expose": "yes"}}}})],
        set(),
    ),
    "Calico services": ([NOT_TO_API], set()),
    "the mesh beside Cilium toServices": (
        [
            _labelled(NS, {"istio-injection": "enabled"}),
            _cnp({"k8sService": {"serviceName": "web", "namespace": "shop"}}),
            NO_GET,
        ],
        set(),  # the mesh reads every Service; one a policy takes too has it taken out,
        # the mesh made again, and put back (since the fifteenth session)
    ),
    "the mesh beside Calico services": (
        [_labelled(NS, {"istio-injection": "enabled"}), NOT_TO_API, NO_GET],
        {"web", "api"},
    ),
}
LABELLED = [
    _labelled(e, {"expose": "yes" if e["metadata"]["name"] == "web" else "no"})
    if e["kind"] == "Service"
    else e
    for e in ENTRIES
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(NAMING)),
    st.lists(st.tuples(st.sampled_from(LABELLED), st.booleans()), min_size=1, max_size=10),
)
def test_entry_points_no_rule_names_equal_a_load_beside_rules_naming_services(
    naming: str, events: list[tuple[Obj, bool]]
) -> None:
    """Beside rules that name Services, an Ingress, Route, Gateway API object or Service
    neither loads nor compiles, but a Service Calico's rules or the mesh beside Calico
    read, which may; the change is ``reach diff``'s."""
    extra, named = NAMING[naming]
    mirror = {key(o): o for o in [*START, *extra]}  # a labelled namespace in place of NS
    r = reach.from_objects(mirror.values())
    for obj, delete in events:
        _everything(r)
        before = reach.from_objects(mirror.values())
        read = obj["kind"] == "Service" and obj["metadata"]["name"] in named
        with contextlib.nullcontext() if read else _never_loaded():
            if delete and key(obj) in mirror:
                del mirror[key(obj)]
                change = r.delete(obj, by="pod")
            else:
                mirror[key(obj)] = obj
                change = r.apply(obj, by="pod")
        after = reach.from_objects(mirror.values())
        assert _shown(r) == _shown(after)
        assert str(change) == str(
            reach.diff(before, after, by="pod", old_label="before", new_label="after")
        )


@pytest.mark.parametrize("by", BY)
def test_a_service_a_cilium_policy_takes_has_the_policy_taken_again_in_place(by: str) -> None:
    """web's egress goes only to the Service shop/api, absent at first (the policy warns
    of it, and isolates web): the Service comes, then selects web instead, then goes;
    the policy is taken out and put back in each time, reading it, without loading."""
    to_api = _cnp({"k8sService": {"serviceName": "api", "namespace": "shop"}})
    to_api["spec"]["endpointSelector"] = {"matchLabels": {"app": "web"}}
    objects = [*START, to_api]
    r = reach.from_objects(objects)
    api = service("api", "shop", {"app": "api"}, [{"port": 80, "targetPort": 8080}])
    objects, change = stepped_in_place(r, objects, "apply", api, by=by)
    assert change.edges or by == "namespace"  # web reaches api now
    moved = service("api", "shop", {"app": "web"}, [{"port": 80, "targetPort": 8443}])
    objects, change = stepped_in_place(r, objects, "apply", moved, by=by)
    stepped_in_place(r, objects, "delete", moved, by=by)


def test_an_invalid_entry_point_loads_again_and_is_refused() -> None:
    r = reach.from_objects(START)
    bad = service("bad", "shop", {"app": "web"}, [{"port": "not-a-port"}])
    with pytest.raises(reach.InvalidInput):
        r.apply(bad)
    assert _shown(r) == _shown(reach.from_objects(START))


def test_a_service_beside_the_mesh_and_cilium_is_read_by_a_later_cilium_policy() -> None:
    """Beside the mesh and a Cilium policy, a Service no policy takes comes in place (the
    mesh reads it again); a Cilium policy that then takes it reads it, as a load does (the
    identity matcher and the mesh state's answers per key took the new Services)."""
    extra, _ = NAMING["the mesh beside Cilium toServices"]
    objects = list({key(o): o for o in [*START, *extra]}.values())
    r = reach.from_objects(objects)
    api = service("api", "shop", {"app": "api"}, [{"port": 80, "targetPort": 8080}])
    objects, _ = stepped_in_place(r, objects, "apply", api)
    to_api = _cnp({"k8sService": {"serviceName": "api", "namespace": "shop"}})
    to_api["metadata"]["name"] = "to-api"
    to_api["spec"]["endpointSelector"] = {"matchLabels": {"app": "web"}}
    r.apply(to_api)
    objects.append(to_api)
    assert _shown(r) == _shown(reach.from_objects(objects))


def test_a_service_a_cilium_policy_takes_beside_calico_tiers_equals_a_load() -> None:
    """Beside Calico's tiers a Cilium policy's rules are among the other kinds' (Cilium
    policy events load there): a Service it takes, coming, is read as a load reads it."""
    to_web = _cnp({"k8sService": {"serviceName": "web", "namespace": "shop"}})
    to_web["spec"]["endpointSelector"] = {"matchLabels": {"app": "api"}}
    elsewhere = copy.deepcopy(NOT_TO_API)  # Calico's tiers decide, here for no pod
    elsewhere["spec"]["selector"] = "app == 'none'"
    objects = [*START, elsewhere, to_web]
    r = reach.from_objects(objects)
    before = reach.from_objects(objects)
    change = r.apply(LABELLED[0], by="pod")
    after = reach.from_objects([*objects, LABELLED[0]])
    assert _shown(r) == _shown(after)
    assert str(change) == str(
        reach.diff(before, after, by="pod", old_label="before", new_label="after")
    )
    assert change.edges  # api reaches web now


def _labelled(name: str, **labels: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


@pytest.mark.parametrize("what", ["relabel", "delete", "add"])
def test_a_namespace_a_listener_selects_routes_by_says_its_routes_again(what: str) -> None:
    """Found by review: a listener admitting routes of namespaces labelled team=e
    (``allowedRoutes.namespaces.from: Selector``) reads the labels of the route's
    namespace; the namespace relabelled, deleted (only the route in it) or added kept what
    a load said of the route before (``route-not-accepted``). Its connections were right
    (attachment is read at query time)."""
    selecting = {"namespaces": {"from": "Selector", "selector": {"matchLabels": {"team": "e"}}}}
    to_s = [backend("s", 80, namespace="shop")]
    start = [
        _labelled("shop"),
        pod("w", "shop", {"app": "web"}, ports=[(None, 8080, "TCP")]),
        netpol("open", "shop", {}, ingress=[{}]),
        service("s", "shop", {"app": "web"}, [{"port": 80, "targetPort": 8080}]),
        gateway("gw", "shop", listener("h", 80, allowedRoutes=selecting)),
        http_route("r", "edge", [parent("gw", namespace="shop")], to_s),
        grant("shop", "edge"),
    ]
    edge = _labelled("edge", team="e")
    if what != "add":
        start.append(edge)
    r = reach.from_objects(start)
    said = "route-not-accepted" in [d.code for d in r.diagnostics]
    if what == "add":
        stepped_in_place(r, start, "apply", edge)
    elif what == "delete":
        stepped_in_place(r, start, "delete", edge)
    else:
        stepped_in_place(r, start, "apply", _labelled("edge", team="f"))
    assert said == (what == "add")
    assert ("route-not-accepted" in [d.code for d in r.diagnostics]) == (what != "add")
