"""Sidecar egress and ServiceEntry: what a source's proxy forwards (docs/semantics.md,
"Sidecar and ServiceEntry"), one named test per rule, on small meshes.

sidecar.proto: "A common misunderstanding is that restricting the configuration amounts
to *blocking* the traffic. If requests are sent to destinations not included in the
scoping, the traffic will be treated as unmatched traffic"; OutboundTrafficPolicy
``REGISTRY_ONLY``: "unknown outbound traffic will be dropped"; ``ALLOW_ANY``: "any
traffic to unknown destinations will be allowed"."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import reach
from reach.model.ports import PortSet
from tests.builders import conns, ext_ports, namespace, pod, sidecar
from tests.builders import service_entry as entry
from tests.engine.test_istio_rules import ALL, NON_TCP, tcp
from tests.entrybuilders import service

Obj = dict[str, Any]


def registry_only(*hosts: str, **spec: Any) -> Obj:
    body: Obj = {"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}, **spec}
    if hosts:
        body["egress"] = [{"hosts": list(hosts)}]
    return body


def world(*extra: Obj) -> list[Obj]:
    """foo and bar injected, legacy not; Services web (foo, 80->8080) and api (bar, 80->9000,
    named target) and db (legacy, 5432)."""
    return [
        namespace("foo", **{"istio-injection": "enabled"}),
        namespace("bar", **{"istio-injection": "enabled"}),
        namespace("legacy"),
        pod("client", "foo", {"app": "client"}),
        pod("web", "foo", {"app": "web"}, [("http", 8080, "TCP")]),
        pod("api", "bar", {"app": "api"}, [("http", 9000, "TCP")]),
        pod("db", "legacy", {"app": "db"}),
        service("web", "foo", {"app": "web"}, [{"port": 80, "targetPort": 8080}]),
        service("api", "bar", {"app": "api"}, [{"port": 80, "targetPort": "http"}]),
        service("db", "legacy", {"app": "db"}, [{"port": 5432}]),
        *extra,
    ]


def quiet(objects: list[Obj]) -> dict[tuple[str, str], PortSet]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return conns(objects)


def test_without_sidecar_objects_nothing_changes() -> None:
    assert all(p == ALL for p in quiet(world()).values())


def test_allow_any_egress_hosts_do_not_block() -> None:
    c = quiet(world(sidecar({"egress": [{"hosts": ["./*"]}]})))
    assert c[("foo/client", "bar/api")] == ALL


def test_outbound_policy_not_set_is_allow_any() -> None:
    c = quiet(world(sidecar({"egress": [{"hosts": ["~/*"]}]})))
    assert c[("foo/client", "legacy/db")] == ALL


def test_registry_only_forwards_to_imported_services_on_their_target_ports() -> None:
    c = quiet(world(sidecar(registry_only("*/*"))))
    assert c[("foo/client", "foo/web")] == NON_TCP | tcp(8080)
    assert c[("foo/client", "bar/api")] == NON_TCP | tcp(9000)  # named targetPort resolved
    assert c[("foo/client", "legacy/db")] == NON_TCP | tcp(5432)


def test_registry_only_drops_pods_no_service_holds() -> None:
    c = quiet(world(sidecar(registry_only("*/*"))))
    assert c[("foo/web", "foo/client")] == NON_TCP


def test_registry_only_drops_external_addresses() -> None:
    objects = world(sidecar(registry_only("*/*")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ext_ports(objects, "foo/client", "8.8.8.8") == NON_TCP
        assert ext_ports(objects, "legacy/db", "8.8.8.8") == ALL


def test_egress_hosts_current_namespace_dot() -> None:
    c = quiet(world(sidecar(registry_only("./*"))))
    assert c[("foo/client", "foo/web")] == NON_TCP | tcp(8080)
    assert c[("foo/client", "bar/api")] == NON_TCP


def test_egress_hosts_named_namespace_and_fqdn() -> None:
    c = quiet(world(sidecar(registry_only("bar/api.bar.svc.cluster.local"))))
    assert c[("foo/client", "bar/api")] == NON_TCP | tcp(9000)
    assert c[("foo/client", "foo/web")] == NON_TCP
    c = quiet(world(sidecar(registry_only("*/*.bar.svc.cluster.local"))))
    assert c[("foo/client", "bar/api")] == NON_TCP | tcp(9000)
    assert c[("foo/client", "legacy/db")] == NON_TCP


def test_egress_hosts_exclusion_with_tilde() -> None:
    c = quiet(world(sidecar(registry_only("*/*", "~bar/*"))))
    assert c[("foo/client", "bar/api")] == NON_TCP
    assert c[("foo/client", "legacy/db")] == NON_TCP | tcp(5432)
    c = quiet(world(sidecar(registry_only("*/*", "~/*"))))  # bare ~: every namespace
    assert c[("foo/client", "foo/web")] == NON_TCP


def test_egress_listener_port_restricts_its_hosts_to_that_service_port() -> None:
    spec = registry_only(
        egress=[{"port": {"number": 5432}, "hosts": ["legacy/*"]}, {"hosts": ["foo/*"]}]
    )
    c = quiet(world(service("web2", "foo", {"app": "web"}, [{"port": 5432}]), sidecar(spec)))
    assert c[("foo/client", "legacy/db")] == NON_TCP | tcp(5432)
    # the listener on 5432 decides that port: foo/* is not imported there
    assert c[("foo/client", "foo/web")] == NON_TCP | tcp(8080)


def test_workload_sidecar_wins_over_namespace_default() -> None:
    spec = registry_only("legacy/*", workloadSelector={"labels": {"app": "client"}})
    c = quiet(world(sidecar(registry_only("./*")), sidecar(spec, "client")))
    assert c[("foo/client", "legacy/db")] == NON_TCP | tcp(5432)
    assert c[("foo/client", "foo/web")] == NON_TCP
    assert c[("foo/web", "legacy/db")] == NON_TCP  # the namespace default: ./*


def test_root_namespace_sidecar_is_the_default_of_namespaces_without_one() -> None:
    c = quiet(world(namespace("istio-system"), sidecar(registry_only("./*"), ns="istio-system")))
    assert c[("foo/client", "bar/api")] == NON_TCP
    assert c[("foo/client", "foo/web")] == NON_TCP | tcp(8080)


def test_egress_is_inherited_from_the_namespace_default() -> None:
    spec = registry_only(workloadSelector={"labels": {"app": "client"}})
    c = quiet(world(sidecar({"egress": [{"hosts": ["legacy/*"]}]}), sidecar(spec, "client")))
    assert c[("foo/client", "legacy/db")] == NON_TCP | tcp(5432)
    assert c[("foo/client", "foo/web")] == NON_TCP


def test_sources_without_sidecar_are_not_restricted() -> None:
    c = quiet(world(sidecar(registry_only("./*"), ns="legacy")))
    assert c[("legacy/db", "bar/api")] == ALL


def test_service_entry_addresses_are_reachable_on_its_ports() -> None:
    se = entry(
        {
            "hosts": ["api.example.com"],
            "addresses": ["203.0.113.0/24"],
            "ports": [{"number": 443, "name": "https", "protocol": "TLS"}],
        }
    )
    objects = world(se, sidecar(registry_only("*/*")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ext_ports(objects, "foo/client", "203.0.113.9") == NON_TCP | tcp(443)
        assert ext_ports(objects, "foo/client", "203.0.114.9") == NON_TCP


def test_service_entry_not_imported_is_not_reachable() -> None:
    se = entry(
        {
            "hosts": ["api.example.com"],
            "addresses": ["203.0.113.0/24"],
            "ports": [{"number": 443, "name": "https"}],
        }
    )
    objects = world(se, sidecar(registry_only("./web.foo.svc.cluster.local")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ext_ports(objects, "foo/client", "203.0.113.9") == NON_TCP


def test_service_entry_export_to_dot_is_visible_in_its_namespace_only() -> None:
    se = entry(
        {
            "hosts": ["api.example.com"],
            "addresses": ["203.0.113.0/24"],
            "ports": [{"number": 443, "name": "https"}],
            "exportTo": ["."],
        },
        ns="bar",
    )
    objects = world(se, sidecar(registry_only("*/*")))
    objects.append(pod("caller", "bar", {"app": "caller"}))
    objects.append(sidecar(registry_only("*/*"), ns="bar"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ext_ports(objects, "foo/client", "203.0.113.9") == NON_TCP
        assert ext_ports(objects, "bar/caller", "203.0.113.9") == NON_TCP | tcp(443)


def test_service_entry_resolution_none_without_addresses_takes_any_address() -> None:
    se = entry(
        {
            "hosts": ["anything.example.com"],
            "ports": [{"number": 5000, "name": "tcp", "protocol": "TCP"}],
        }
    )
    objects = world(se, sidecar(registry_only("*/*")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ext_ports(objects, "foo/client", "8.8.8.8") == NON_TCP | tcp(5000)
        c = conns(objects)
    assert c[("foo/client", "foo/web")] == NON_TCP | tcp(5000, 8080)


def test_service_entry_workload_selector_makes_pods_its_endpoints() -> None:
    se = entry(
        {
            "hosts": ["client.internal"],
            "location": "MESH_INTERNAL",
            "ports": [{"number": 80, "name": "http", "targetPort": 7000}],
            "workloadSelector": {"labels": {"app": "client"}},
            "resolution": "STATIC",
        }
    )
    c = quiet(world(se, sidecar(registry_only("./client.internal"))))
    assert c[("foo/web", "foo/client")] == NON_TCP | tcp(7000)


def test_service_entry_resolved_by_dns_is_reported_partial() -> None:
    se = entry(
        {
            "hosts": ["db.example.com"],
            "resolution": "DNS",
            "ports": [{"number": 5432, "name": "pg"}],
        }
    )
    with pytest.warns(reach.PartialAnswerWarning):
        r = reach.from_objects(world(se, sidecar(registry_only("*/*"))))
    (d,) = [d for d in r.diagnostics if d.code == "istio-service-entry-unresolved"]
    assert d.partial and "ServiceEntry foo/ext" in d.message


def test_service_entry_without_registry_only_sidecar_changes_nothing() -> None:
    se = entry(
        {
            "hosts": ["db.example.com"],
            "resolution": "DNS",
            "ports": [{"number": 5432, "name": "pg"}],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", reach.PartialAnswerWarning)
        r = reach.from_objects(world(se))
    assert not [d for d in r.diagnostics if d.partial]


def test_udp_is_never_dropped_by_the_source_proxy() -> None:
    c = quiet(world(sidecar(registry_only("~/*"))))
    assert c[("foo/client", "foo/web")].contains("UDP", 53)


def test_explain_names_the_sidecar_that_restricts_the_source() -> None:
    objects = world(sidecar(registry_only("./*")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = reach.from_objects(objects)
        text = str(r.explain("foo/client", "bar/api"))
    assert "Sidecar foo/default (outboundTrafficPolicy REGISTRY_ONLY)" in text
    assert "forwards no TCP port" in text


def test_explain_toward_an_external_address_names_the_source_sidecar() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = reach.from_objects(world(sidecar(registry_only("./*"))))
        explanation = r.explain("foo/client", "198.51.100.7")
    text = str(explanation)
    assert "mesh (Istio sidecar of the source):" in text
    assert "forwards no TCP port" in text
    assert "Istio sidecar of 198.51.100.7" not in text


def test_mesh_side_says_why_an_external_address_is_dropped() -> None:
    """What explain toward an external address shows, from the mesh layer."""
    from reach.engine.meshlayer import mesh_side

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = reach.from_objects(world(sidecar(registry_only("./*"))))
        reachability = r.reachability
    mesh = reachability.mesh
    assert mesh is not None
    client = int(reachability.pod_class[[p.name for p in reachability.pods].index("client")])
    external = reachability.n_internal  # the first external segment
    side = mesh_side(mesh, client, external)
    assert side.allowed == NON_TCP
    assert any("forwards no TCP port" in reason for reason in side.reasons)
