"""Istio Sidecars and ServiceEntries applied and deleted beside the mesh layer
(``reach.api.meshupdate``): the mesh reads them of every pod (what its proxy forwards
under REGISTRY_ONLY, the registry hosts that reach it), so every label class's features
are read again and the layer ANDed in again, in place while the compilation's frame stays
(REGISTRY_ONLY on or off, the ServiceEntries' addresses); each step is a load of the same
objects and the change is ``reach diff``."""

from __future__ import annotations

import warnings

import reach
from tests.api.test_podupdate import _everything, _never_loaded, stepped_in_place
from tests.builders import namespace, pod, service_entry, sidecar
from tests.engine.test_istio_egress import registry_only, world
from tests.engine.test_istio_rules import NON_TCP, tcp
from tests.entrybuilders import service


def _loaded(objects: list[dict[str, object]]) -> reach.Reach:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return reach.from_objects(objects)


def test_a_sidecar_s_egress_hosts_changed_under_registry_only_in_place() -> None:
    """client's proxy forwards to foo's Services only, then to every namespace's."""
    objects = world(sidecar(registry_only("./*")))
    r = _loaded(objects)
    assert r.path("foo/client", "bar/api").direct.tcp == ()
    wider = sidecar(registry_only("*/*"))
    objects, change = stepped_in_place(r, objects, "apply", wider)
    assert "bar/api" in str(change)
    assert r.path("foo/client", "bar/api").direct.tcp


def test_a_workload_sidecar_added_and_deleted_under_registry_only_in_place() -> None:
    """A Sidecar of client's own (workloadSelector) takes over from the namespace's."""
    objects = world(sidecar(registry_only("*/*")))
    r = _loaded(objects)
    own = sidecar(
        {**registry_only("./*"), "workloadSelector": {"labels": {"app": "client"}}}, "client"
    )
    objects, _ = stepped_in_place(r, objects, "apply", own)
    assert r.path("foo/client", "bar/api").direct.tcp == ()
    objects, _ = stepped_in_place(r, objects, "delete", own)
    assert r.path("foo/client", "bar/api").direct.tcp


def test_a_service_entry_of_any_address_added_and_deleted_in_place() -> None:
    """A ServiceEntry of resolution NONE and no addresses: its port reaches any address
    (and, by it, every pod) from proxies that import it."""
    objects = world(sidecar(registry_only("*/*")))
    r = _loaded(objects)
    se = service_entry(
        {
            "hosts": ["anything.example.com"],
            "ports": [{"number": 5000, "name": "tcp", "protocol": "TCP"}],
        }
    )
    objects, _ = stepped_in_place(r, objects, "apply", se)
    assert r.path("foo/client", "foo/web").direct == NON_TCP | tcp(5000, 8080)
    # a pod of another namespace than the entry's is reached by it too: every pod's hosts
    # are read again, not only those of the namespace whose objects changed
    assert r.path("foo/client", "bar/api").direct == NON_TCP | tcp(5000, 9000)
    objects, _ = stepped_in_place(r, objects, "delete", se)
    assert r.path("foo/client", "foo/web").direct == NON_TCP | tcp(8080)


def test_a_service_entry_selecting_workloads_changed_in_place() -> None:
    """A ServiceEntry whose workloadSelector makes client an endpoint of its host: web's
    proxy forwards to client on its target port; selecting web instead, no more."""
    spec = {
        "hosts": ["client.internal"],
        "location": "MESH_INTERNAL",
        "ports": [{"number": 80, "name": "http", "targetPort": 7000}],
        "workloadSelector": {"labels": {"app": "client"}},
        "resolution": "STATIC",
    }
    objects = world(sidecar(registry_only("./client.internal")))
    r = _loaded(objects)
    objects, _ = stepped_in_place(r, objects, "apply", service_entry(spec))
    assert r.path("foo/web", "foo/client").direct.tcp
    moved = service_entry({**spec, "workloadSelector": {"labels": {"app": "web"}}})
    objects, _ = stepped_in_place(r, objects, "apply", moved)
    assert r.path("foo/web", "foo/client").direct.tcp == ()


def test_the_first_registry_only_sidecar_loads() -> None:
    """REGISTRY_ONLY turned on changes the compilation's frame (the ServiceEntries'
    addresses cut the segments, the proxies decide): a load."""
    objects = world(sidecar({"egress": [{"hosts": ["./*"]}]}))
    r = _loaded(objects)
    loads = 0
    try:
        with _never_loaded():
            r.apply(sidecar(registry_only("./*")))
    except AssertionError:
        loads += 1
    assert loads == 1


def test_a_sidecar_without_a_mesh_layer_only_says_its_diagnostics_again() -> None:
    """No security object, no REGISTRY_ONLY Sidecar: no mesh layer before or after, so a
    Sidecar decides nothing; what Istio's diagnostics say of it (ingress listeners reach
    does not evaluate) is said again, in place."""
    objects = world(sidecar({"egress": [{"hosts": ["./*"]}]}))
    r = _loaded(objects)
    listening = sidecar(
        {
            "ingress": [{"port": {"number": 9080, "protocol": "HTTP", "name": "h"}}],
            "workloadSelector": {"labels": {"app": "web"}},
        },
        "web",
    )
    objects, change = stepped_in_place(r, objects, "apply", listening)
    assert "no differences" in str(change)
    assert [d for d in r.diagnostics if "ingress listeners" in d.message]
    objects, _ = stepped_in_place(r, objects, "delete", listening)
    assert not [d for d in r.diagnostics if "ingress listeners" in d.message]


def test_what_a_proxy_forwards_to_addresses_is_compared_when_an_entry_comes() -> None:
    """Found by CI's random examples: p0's proxy (REGISTRY_ONLY) forwards to any address on
    8080 once a ServiceEntry of no address comes; no pod's own ingress changed but p1's,
    so the change must also read every pod's pairs with the address ranges, whose rows
    (what each source's proxy forwards to them) changed."""
    injected = pod("p0", "b", {"app": "web", "sidecar.istio.io/inject": "true"})
    objects = [
        namespace("a"),
        namespace("b"),
        injected,
        pod("p1", "a", {"app": "web"}),
        sidecar({"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}, "sc0", "b"),
        service("svc", "b", {"app": "web"}, [{"name": "http", "port": 80, "targetPort": 8080}]),
    ]
    r = _loaded(objects)
    se = service_entry(
        {"hosts": ["x.example.com"], "ports": [{"number": 8080, "name": "p", "targetPort": 9000}]},
        "se",
        "a",
    )
    _, change = stepped_in_place(r, objects, "apply", se)
    assert "b/p0[Pod] => 0.0.0.0-255.255.255.255[External]" in str(change)


def test_an_istio_policy_of_no_name_stands_when_another_is_applied() -> None:
    """A manifest AuthorizationPolicy with only ``generateName`` (a load evaluates it) is
    read again with the others when one of them changes the quick way."""
    ns = namespace("shop", **{"istio-injection": "enabled"})
    deny = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"generateName": "deny-", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "a"}}, "action": "DENY", "rules": [{}]},
    }
    other = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "allow-b", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "b"}}, "action": "ALLOW", "rules": [{}]},
    }
    objects = [ns, pod("a", "shop", {"app": "a"}), pod("b", "shop", {"app": "b"}), deny]
    r = _loaded(objects)
    with _never_loaded():
        change = r.apply(other, by="pod")
    after = _loaded([*objects, other])
    assert _everything(r) == _everything(after)
    expected = reach.diff(_loaded(objects), after, by="pod", old_label="before", new_label="after")
    assert str(change) == str(expected)
    assert r.path("shop/b", "shop/a").direct.tcp == ()  # a still denies all
