"""DENY rules with HTTP conditions on ports that carry plain TCP (docs/semantics.md, "to.operation
and when"). authorization_policy.proto: "When this rule is applied to TCP traffic, the
`method` field (as will all HTTP based attributes) cannot be processed. For a `DENY` rule,
missing attributes are treated as matches. This means all TCP traffic on port `8080`
would be denied in the example above." A port carries plain TCP when every Service port
leading there names a non-HTTP protocol (``tcp``, ``tls``, ...)."""

from __future__ import annotations

import warnings
from typing import Any

import reach
from reach.analysis.l7marks import l7_marks
from tests.builders import conns, pod
from tests.engine.test_istio_rules import ALL, authz, mesh, tcp
from tests.entrybuilders import service

Obj = dict[str, Any]
HTTPBIN = {"matchLabels": {"app": "httpbin"}}
DENY_POST = {
    "selector": HTTPBIN,
    "action": "DENY",
    "rules": [{"to": [{"operation": {"methods": ["POST"], "ports": ["8000"]}}]}],
}


def with_service(*names: str) -> list[Obj]:
    """The mesh of test_istio_rules with httpbin serving 8000 (container port ``http``)
    behind one Service port per name."""
    objects = [o for o in mesh() if not (o["kind"] == "Pod" and o["metadata"]["name"] == "httpbin")]
    objects.append(
        pod("httpbin", "foo", {"app": "httpbin"}, [("http", 8000, "TCP")], serviceAccountName="h")
    )
    for i, name in enumerate(names):
        port: Obj = {"port": 80 + i, "targetPort": "http"}
        if name:
            port["name"] = name
        objects.append(service(f"httpbin{i}", "foo", {"app": "httpbin"}, [port]))
    return objects


def quiet(objects: list[Obj]) -> dict[tuple[str, str], Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return conns(objects)


def marked(objects: list[Obj]) -> set[tuple[str, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        view = reach.from_objects(objects).view("pod")
    return {(m.rule, m.effect) for m in l7_marks(view).marks if m.dst.id == "foo/httpbin[Pod]"}


def test_deny_with_http_conditions_denies_plain_tcp_ports() -> None:
    objects = with_service("tcp-web") + [authz("d", "foo", DENY_POST)]
    assert quiet(objects)[("foo/sleep", "foo/httpbin")] == ALL - tcp(8000)
    assert marked(objects) == set()


def test_tls_and_suffixed_names_are_plain_tcp_too() -> None:
    objects = with_service("tls", "mongo-x") + [authz("d", "foo", DENY_POST)]
    assert quiet(objects)[("foo/sleep", "foo/httpbin")] == ALL - tcp(8000)


def test_deny_with_http_conditions_on_an_http_port_is_marked() -> None:
    objects = with_service("http-web") + [authz("d", "foo", DENY_POST)]
    assert quiet(objects)[("foo/sleep", "foo/httpbin")] == ALL
    assert marked(objects) == {("AuthorizationPolicy foo/d rules[0]", "may deny")}


def test_ports_without_declared_protocol_stay_marked() -> None:
    for names in ((), ("",), ("web",)):  # no Service; a port without name; not a protocol
        objects = with_service(*names) + [authz("d", "foo", DENY_POST)]
        assert quiet(objects)[("foo/sleep", "foo/httpbin")] == ALL, names
        assert marked(objects) == {("AuthorizationPolicy foo/d rules[0]", "may deny")}, names


def test_port_declared_tcp_and_http_by_two_services_stays_marked() -> None:
    objects = with_service("tcp", "http") + [authz("d", "foo", DENY_POST)]
    assert quiet(objects)[("foo/sleep", "foo/httpbin")] == ALL


def test_deny_with_remote_ip_blocks_on_plain_tcp_stays_marked() -> None:
    spec = {
        "selector": HTTPBIN,
        "action": "DENY",
        "rules": [{"from": [{"source": {"remoteIpBlocks": ["203.0.113.0/24"]}}]}],
    }
    objects = with_service("tcp") + [authz("d", "foo", spec)]
    assert quiet(objects)[("foo/sleep", "foo/httpbin")] == ALL


def test_deny_with_request_when_key_on_plain_tcp_denies() -> None:
    spec = {
        "selector": HTTPBIN,
        "action": "DENY",
        "rules": [{"when": [{"key": "request.headers[x-user]", "values": ["bob"]}]}],
    }
    objects = with_service("tcp") + [authz("d", "foo", spec)]
    c = quiet(objects)
    assert c[("foo/sleep", "foo/httpbin")] == ALL - tcp(8000)  # other ports: no Service


def test_allow_with_http_conditions_on_plain_tcp_stays_marked() -> None:
    """The reference says "Must be used only with HTTP" and no more for ALLOW rules."""
    spec = {
        "selector": HTTPBIN,
        "rules": [{"to": [{"operation": {"methods": ["GET"]}}]}],
    }
    objects = with_service("tcp") + [authz("a", "foo", spec)]
    assert quiet(objects)[("foo/sleep", "foo/httpbin")] == ALL
    assert marked(objects) == {("AuthorizationPolicy foo/a rules[0]", "allows")}


def test_explain_says_the_http_conditions_match_plain_tcp() -> None:
    objects = with_service("tcp") + [authz("d", "foo", DENY_POST)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = str(reach.from_objects(objects).explain("foo/sleep", "foo/httpbin"))
    assert "AuthorizationPolicy foo/d rules[0] denies TCP 8000: plain TCP there" in text
