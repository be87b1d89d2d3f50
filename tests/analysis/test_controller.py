"""The ``{ingress-controller}`` lines: one test per rule of the convention
(``../shared/conformance/README.md``, "Ingress controller lines") and of the specs it
follows. Each docstring quotes the sentence it checks."""

from __future__ import annotations

import io
from typing import Any

import pytest

import reach
from reach.analysis.controller import CONTROLLER
from reach.output.listing import csv, json, txt
from tests.builders import deny_all, namespace, netpol, pod
from tests.entrybuilders import ingress, route, service

Obj = dict[str, Any]


def lines(objs: list[Obj], by: str = "workload") -> dict[str, str]:
    """The controller's lines: destination id -> ports text."""
    r = reach.from_objects(objs)
    return {str(c.dst): str(c.ports) for c in r.connections(by) if c.src.id == CONTROLLER}


def web(name: str = "web", ns: str = "shop", ports: list[Any] | None = None, **labels: str) -> Obj:
    return pod(name, ns, labels or {"app": "web"}, ports or [("http", 8080, "TCP")])


def test_ingress_backend_reaches_selected_pod_on_target_port() -> None:
    """ "the service of ... every spec.rules[].http.paths[].backend"; "The pod-side port of an
    entry is its targetPort"."""
    svc = service("web", "shop", {"app": "web"}, [{"port": 80, "targetPort": 8080}])
    got = lines([web(), svc, ingress("in", "shop", [("web", 80)])])
    assert got == {"shop/web[Pod]": "TCP 8080"}


def test_default_backend_counts() -> None:
    """ "the service of spec.defaultBackend"."""
    svc = service("web", "shop", {"app": "web"}, [{"port": 8080, "name": "http"}])
    default = {"service": {"name": "web", "port": {"name": "http"}}}
    assert lines([web(), svc, ingress("in", "shop", [], default)]) == {"shop/web[Pod]": "TCP 8080"}


def test_missing_service_contributes_nothing() -> None:
    """ "A missing Service, or a Service without spec.selector, contributes nothing"."""
    assert lines([web(), ingress("in", "shop", [("nowhere", 80)])]) == {}


def test_service_without_selector_contributes_nothing() -> None:
    """Service spec: "If empty or not present, the service is assumed to have an external
    process managing its endpoints"."""
    svc = service("web", "shop", None, [{"port": 8080}])
    assert lines([web(), svc, ingress("in", "shop", [("web", 8080)])]) == {}


def test_selector_picks_pods_of_the_service_namespace_only() -> None:
    """ "The Service's selector picks the pods (workloads) of its namespace"."""
    svc = service("web", "shop", {"app": "web"}, [{"port": 8080}])
    objs = [web(), web("other", "elsewhere"), svc, ingress("in", "shop", [("web", 8080)])]
    assert lines(objs) == {"shop/web[Pod]": "TCP 8080"}


def test_backend_port_picks_service_port_by_name_port_or_target() -> None:
    """ "the first entry of spec.ports whose name equals it, or whose port equals it, or
    whose targetPort equals it"."""
    p = web(ports=[("a", 8001, "TCP"), ("b", 8002, "TCP"), ("c", 8003, "TCP")])
    ports = [
        {"name": "one", "port": 81, "targetPort": 8001},
        {"name": "two", "port": 82, "targetPort": 8002},
        {"name": "three", "port": 83, "targetPort": 8003},
    ]
    svc = service("web", "shop", {"app": "web"}, ports)
    by_name = lines([p, svc, ingress("in", "shop", [("web", "two")])])
    by_port = lines([p, svc, ingress("in", "shop", [("web", 83)])])
    by_target = lines([p, svc, route("r", "shop", "web", 8001)])
    assert (by_name, by_port, by_target) == (
        {"shop/web[Pod]": "TCP 8002"},
        {"shop/web[Pod]": "TCP 8003"},
        {"shop/web[Pod]": "TCP 8001"},
    )


def test_route_without_port_reaches_every_service_port() -> None:
    """Route spec.port: "Most routers will use all endpoints exposed by the service by
    default"; the convention: "if the backend names no port ... every entry"."""
    p = web(ports=[("a", 8001, "TCP"), ("b", 8002, "TCP")])
    svc = service("web", "shop", {"app": "web"}, [{"port": 8001}, {"port": 8002}])
    assert lines([p, svc, route("r", "shop", "web")]) == {"shop/web[Pod]": "TCP 8001-8002"}


def test_route_alternate_backends_count() -> None:
    """Route: "alternateBackends allows up to 3 additional backends"."""
    a = web("a", app="a")
    b = web("b", app="b")
    sa = service("sa", "shop", {"app": "a"}, [{"port": 8080}])
    sb = service("sb", "shop", {"app": "b"}, [{"port": 8080}])
    r = route("r", "shop", "sa", alternateBackends=[{"kind": "Service", "name": "sb"}])
    assert lines([a, b, sa, sb, r]) == {"shop/a[Pod]": "TCP 8080", "shop/b[Pod]": "TCP 8080"}


def test_numeric_target_port_counts_only_when_declared() -> None:
    """ "A numeric pod-side port counts when the pod declares it as a containerPort"."""
    svc = service("web", "shop", {"app": "web"}, [{"port": 80, "targetPort": 9999}])
    assert lines([web(), svc, ingress("in", "shop", [("web", 80)])]) == {}


def test_named_target_port_resolves_per_pod() -> None:
    """Service spec: "If this is a string, it will be looked up as a named port in the
    target Pod's container ports" (per pod: two numbers; a pod without the name is out)."""
    one = web("one", ports=[("http", 8080, "TCP")])
    two = web("two", ports=[("http", 9090, "TCP")])
    none = web("none", ports=[("metrics", 7070, "TCP")])
    svc = service("web", "shop", {"app": "web"}, [{"port": 80, "targetPort": "http"}])
    got = lines([one, two, none, svc, ingress("in", "shop", [("web", 80)])])
    assert got == {"shop/one[Pod]": "TCP 8080", "shop/two[Pod]": "TCP 9090"}


def test_named_target_port_must_be_tcp() -> None:
    """ "A named pod-side port ... counts only if that port is TCP"."""
    p = web(ports=[("dns", 53, "UDP")])
    svc = service("web", "shop", {"app": "web"}, [{"port": 53, "targetPort": "dns"}])
    assert lines([p, svc, ingress("in", "shop", [("web", 53)])]) == {}


def test_policy_admitting_all_namespaces_admits_the_controller() -> None:
    """ "a rule with namespaceSelector: {} and no pod selector admits it"."""
    allow = netpol("allow", "shop", {}, ingress=[{"from": [{"namespaceSelector": {}}]}])
    svc = service("web", "shop", {"app": "web"}, [{"port": 8080}])
    objs = [web(), svc, ingress("in", "shop", [("web", 8080)]), deny_all("shop"), allow]
    assert lines(objs) == {"shop/web[Pod]": "TCP 8080"}


def test_policy_requiring_labels_keeps_the_controller_out() -> None:
    """ "a rule that requires particular namespace or pod labels does not" admit it; "Workloads
    with an empty result get no line"."""
    allow = netpol(
        "allow",
        "shop",
        {},
        ingress=[{"from": [{"namespaceSelector": {"matchLabels": {"a": "b"}}}]}],
    )
    same_ns = netpol("same", "shop", {}, ingress=[{"from": [{"podSelector": {}}]}])
    svc = service("web", "shop", {"app": "web"}, [{"port": 8080}])
    base = [web(), svc, ingress("in", "shop", [("web", 8080)]), namespace("shop")]
    assert lines([*base, allow]) == {}
    assert lines([*base, same_ns]) == {}


def test_allowed_ports_intersect_the_wanted_ports() -> None:
    """ "That set is then intersected with what the policies allow from the controller"."""
    p = web(ports=[("a", 8001, "TCP"), ("b", 8002, "TCP")])
    allow = netpol(
        "allow",
        "shop",
        {},
        ingress=[{"from": [{"namespaceSelector": {}}], "ports": [{"port": 8002}]}],
    )
    svc = service("web", "shop", {"app": "web"}, [{"port": 8001}, {"port": 8002}])
    assert lines([p, svc, route("r", "shop", "web"), allow]) == {"shop/web[Pod]": "TCP 8002"}


def test_admin_policy_deny_from_all_namespaces_applies_to_the_controller() -> None:
    """ "Policies treat it like any other pod": an ANP denying every namespace denies it."""
    anp = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "deny"},
        "spec": {
            "priority": 1,
            "subject": {"namespaces": {}},
            "ingress": [{"name": "d", "action": "Deny", "from": [{"namespaces": {}}]}],
        },
    }
    svc = service("web", "shop", {"app": "web"}, [{"port": 8080}])
    assert lines([web(), svc, ingress("in", "shop", [("web", 8080)]), anp]) == {}


def test_lines_follow_the_granularity() -> None:
    """The controller node joins every granularity: pod, workload, namespace."""
    svc = service("web", "shop", {"app": "web"}, [{"port": 8080}])
    objs = [web("a"), web("b"), svc, ingress("in", "shop", [("web", 8080)])]
    assert lines(objs, "namespace") == {"shop": "TCP 8080"}
    assert set(lines(objs, "pod")) == {"shop/a[Pod]", "shop/b[Pod]"}


@pytest.mark.parametrize("fmt", ["txt", "csv", "json"])
def test_every_list_format_carries_the_controller_line(fmt: str) -> None:
    """``reach list`` prints ``{ingress-controller} => ns/name[Kind] : TCP 8080``."""
    svc = service("web", "shop", {"app": "web"}, [{"port": 8080}])
    r = reach.from_objects([web(), svc, ingress("in", "shop", [("web", 8080)])])
    out = io.StringIO()
    {"txt": txt, "csv": csv, "json": json}[fmt].render(r.view("workload"), out)
    text = out.getvalue()
    expected = {
        "txt": "{ingress-controller} => shop/web[Pod] : TCP 8080\n",
        "csv": "{ingress-controller},shop/web[Pod],entry,workload,TCP 8080\n",
        "json": '"src": "{ingress-controller}", "dst": "shop/web[Pod]"',
    }[fmt]
    assert expected in text
