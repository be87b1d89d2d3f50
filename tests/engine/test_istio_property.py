"""The engine's mesh layer against the brute-force reference (tests/engine/istio_reference.py)
on random meshes: namespaces with and without injection, pods with service accounts and
injection labels, AuthorizationPolicies of every action, PeerAuthentications of every
mode, pods with and without addresses and ipBlocks on them, Services, Sidecars with
egress hosts and outbound traffic policies, ServiceEntries. Every pod pair and probe port: the L4 answer and the L7 marks."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

import reach
from reach.analysis.l7marks import l7_marks
from tests.engine.istio_reference import decide, forwards

Obj = dict[str, Any]
NAMESPACES = ("a", "b", "istio-system")
ACCOUNTS = ("default", "web", "db")
APPS = ("web", "db")
PORTS = ("80", "8080", "9000")
PROBES = (80, 443, 8080, 9000)  # destination ports
#: Pod addresses (None: the input gives none) and the blocks rules name.
ADDRESSES = (None, "10.1.0.5", "10.2.0.7", "fd00::5")
BLOCKS = ("10.1.0.0/16", "10.0.0.0/8", "10.2.0.7", "fd00::/64", "192.168.0.0/16")


@st.composite
def sources(draw: st.DrawFn) -> Obj:
    out: Obj = {}
    field = draw(
        st.sampled_from(
            [
                "principals",
                "notPrincipals",
                "namespaces",
                "notNamespaces",
                "serviceAccounts",
                "requestPrincipals",
                "ipBlocks",
                "notIpBlocks",
                None,
            ]
        )
    )
    if field in ("principals", "notPrincipals"):
        out[field] = [
            draw(
                st.sampled_from(
                    [f"cluster.local/ns/{n}/sa/{s}" for n in NAMESPACES[:2] for s in ACCOUNTS]
                    + ["*", "cluster.local/ns/a/*"]
                )
            )
        ]
    elif field in ("namespaces", "notNamespaces"):
        out[field] = [draw(st.sampled_from(NAMESPACES[:2]))]
    elif field == "serviceAccounts":
        out[field] = [draw(st.sampled_from(["web", "b/db", "a/default"]))]
    elif field in ("ipBlocks", "notIpBlocks"):
        out[field] = draw(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=2, unique=True))
    elif field == "requestPrincipals":
        out[field] = ["issuer/sub"]
    return out


@st.composite
def operations(draw: st.DrawFn) -> Obj:
    out: Obj = {}
    if draw(st.booleans()):
        out["ports"] = draw(st.lists(st.sampled_from(PORTS), min_size=1, max_size=2, unique=True))
    if draw(st.booleans()):
        out["notPorts"] = [draw(st.sampled_from(PORTS))]
    if draw(st.booleans()):
        out["methods"] = ["GET"]
    return out


@st.composite
def rules(draw: st.DrawFn) -> Obj:
    rule: Obj = {}
    if draw(st.booleans()):
        rule["from"] = [{"source": s} for s in draw(st.lists(sources(), min_size=1, max_size=2))]
    if draw(st.booleans()):
        rule["to"] = [
            {"operation": o} for o in draw(st.lists(operations(), min_size=1, max_size=2))
        ]
    if draw(st.booleans()):
        key = draw(st.sampled_from(["source.namespace", "destination.port", "request.headers[x]"]))
        value = {"source.namespace": "a", "destination.port": "8080", "request.headers[x]": "y"}[
            key
        ]
        which = draw(st.sampled_from(["values", "notValues"]))
        rule["when"] = [{"key": key, which: [value]}]
    return rule


@st.composite
def meshes(draw: st.DrawFn) -> list[Obj]:
    objects: list[Obj] = []
    for ns in NAMESPACES[:2]:
        labels = draw(
            st.sampled_from(
                [
                    {},
                    {"istio-injection": "enabled"},
                    {"istio-injection": "disabled"},
                    {"istio.io/rev": "x"},
                ]
            )
        )
        objects.append(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}}
        )
    for i in range(draw(st.integers(2, 5))):
        labels = {"app": draw(st.sampled_from(APPS))}
        inject = draw(st.sampled_from([None, "true", "false"]))
        meta: Obj = {
            "name": f"p{i}",
            "namespace": draw(st.sampled_from(NAMESPACES[:2])),
            "labels": labels,
        }
        if inject is not None and draw(st.booleans()):
            labels["sidecar.istio.io/inject"] = inject
        elif inject is not None:
            meta["annotations"] = {"sidecar.istio.io/inject": inject}
        container: Obj = {"name": "c"}
        if draw(st.booleans()):
            number = draw(st.sampled_from([8080, 9000]))
            container["ports"] = [{"name": "http", "containerPort": number, "protocol": "TCP"}]
        spec: Obj = {
            "containers": [container],
            "serviceAccountName": draw(st.sampled_from(ACCOUNTS)),
        }
        pod: Obj = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
        address = draw(st.sampled_from(ADDRESSES))
        if address is not None:
            pod["status"] = {"podIP": address, "podIPs": [{"ip": address}]}
        objects.append(pod)
    objects += [draw(authorization_policies(f"ap{i}")) for i in range(draw(st.integers(0, 3)))]
    objects += [draw(peer_authentications(f"pa{i}")) for i in range(draw(st.integers(0, 2)))]
    objects += draw(networking())
    return objects


@st.composite
def authorization_policies(draw: st.DrawFn, name: str) -> Obj:
    """An AuthorizationPolicy of a random namespace (the root one too), action, selector
    and rules."""
    spec: Obj = {"action": draw(st.sampled_from(["ALLOW", "ALLOW", "DENY", "AUDIT", "CUSTOM"]))}
    if spec["action"] == "CUSTOM":
        spec["provider"] = {"name": "ext"}
    if draw(st.booleans()):
        spec["selector"] = {"matchLabels": {"app": draw(st.sampled_from(APPS))}}
    spec["rules"] = draw(st.lists(rules(), max_size=2))
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": name, "namespace": draw(st.sampled_from(NAMESPACES))},
        "spec": spec,
    }


@st.composite
def peer_authentications(draw: st.DrawFn, name: str) -> Obj:
    """A PeerAuthentication of a random namespace, mode, selector and port modes."""
    pa: Obj = {
        "mtls": {"mode": draw(st.sampled_from(["UNSET", "DISABLE", "PERMISSIVE", "STRICT"]))}
    }
    if draw(st.booleans()):
        pa["selector"] = {"matchLabels": {"app": draw(st.sampled_from(APPS))}}
        if draw(st.booleans()):
            pa["portLevelMtls"] = {
                8080: {"mode": draw(st.sampled_from(["DISABLE", "STRICT", "PERMISSIVE"]))}
            }
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": {"name": name, "namespace": draw(st.sampled_from(NAMESPACES))},
        "spec": pa,
    }


#: Service port names: the protocol they declare (plain TCP or HTTP), or none.
PORT_NAMES = ({}, {"name": "tcp"}, {"name": "tls-x"}, {"name": "http"}, {"name": "grpc"})
EGRESS_HOSTS = (
    "*/*",
    "./*",
    "a/*",
    "~b/*",
    "~/*",
    "*/web.a.svc.cluster.local",
    "*/*.b.svc.cluster.local",
    "./x.example.com",
)


@st.composite
def networking(draw: st.DrawFn) -> list[Obj]:
    """Services, Sidecars (egress hosts, outbound traffic policy) and ServiceEntries."""
    out: list[Obj] = []
    for i in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from([8080, 9000, "http"]))
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": draw(st.sampled_from(APPS)) if i == 0 else "db",
                    "namespace": draw(st.sampled_from(NAMESPACES[:2])),
                },
                "spec": {
                    "selector": {"app": draw(st.sampled_from(APPS))},
                    "ports": [
                        {
                            "port": draw(st.sampled_from([80, 9000])),
                            "targetPort": target,
                            **draw(st.sampled_from(PORT_NAMES)),
                        }
                    ],
                },
            }
        )
    for i in range(draw(st.integers(0, 2))):
        spec: Obj = {}
        if draw(st.booleans()):
            spec["workloadSelector"] = {"labels": {"app": draw(st.sampled_from(APPS))}}
        if draw(st.booleans()):
            listener: Obj = {
                "hosts": draw(st.lists(st.sampled_from(EGRESS_HOSTS), min_size=1, max_size=3))
            }
            if draw(st.booleans()):
                listener["port"] = {"number": draw(st.sampled_from([80, 9000]))}
            spec["egress"] = [listener]
        mode = draw(st.sampled_from([None, "REGISTRY_ONLY", "REGISTRY_ONLY", "ALLOW_ANY", ""]))
        if mode is not None:
            spec["outboundTrafficPolicy"] = {"mode": mode} if mode else {}
        out.append(
            {
                "apiVersion": "networking.istio.io/v1",
                "kind": "Sidecar",
                "metadata": {"name": f"sc{i}", "namespace": draw(st.sampled_from(NAMESPACES))},
                "spec": spec,
            }
        )
    if draw(st.booleans()):
        spec = {
            "hosts": ["x.example.com"],
            "ports": [
                {"number": draw(st.sampled_from([80, 8080])), "name": "p", "targetPort": 9000}
            ],
        }
        if draw(st.booleans()):
            spec["workloadSelector"] = {"labels": {"app": draw(st.sampled_from(APPS))}}
            spec["location"] = "MESH_INTERNAL"
        if draw(st.booleans()):
            spec["exportTo"] = ["."]
        out.append(
            {
                "apiVersion": "networking.istio.io/v1",
                "kind": "ServiceEntry",
                "metadata": {"name": "se", "namespace": draw(st.sampled_from(NAMESPACES[:2]))},
                "spec": spec,
            }
        )
    return out


@st.composite
def egress_meshes(draw: st.DrawFn) -> list[Obj]:
    """Meshes where the source proxies decide: injected namespaces, replicas that differ
    only in the port a named targetPort resolves to, at least one REGISTRY_ONLY Sidecar."""
    objects: list[Obj] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"istio-injection": "enabled"}},
        }
        for ns in NAMESPACES[:2]
    ]
    for i in range(draw(st.integers(2, 5))):
        container: Obj = {"name": "c"}
        number = draw(st.sampled_from([None, 8080, 9000]))
        if number is not None:
            container["ports"] = [{"name": "http", "containerPort": number, "protocol": "TCP"}]
        meta = {
            "name": f"p{i}",
            "namespace": draw(st.sampled_from(NAMESPACES[:2])),
            "labels": {"app": draw(st.sampled_from(APPS))},
        }
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": meta,
                "spec": {"containers": [container]},
            }
        )
    objects.append(
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "Sidecar",
            "metadata": {"name": "all", "namespace": draw(st.sampled_from(NAMESPACES))},
            "spec": {
                "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"},
                "egress": [
                    {"hosts": draw(st.lists(st.sampled_from(EGRESS_HOSTS), min_size=1, max_size=3))}
                ],
            },
        }
    )
    return objects + draw(networking())


@st.composite
def protocol_meshes(draw: st.DrawFn) -> list[Obj]:
    """Meshes where Services declare the protocol of the ports (plain TCP or HTTP) and
    DENY rules with HTTP conditions apply: injected namespaces, no Sidecar."""
    objects = [o for o in draw(egress_meshes()) if o["kind"] != "Sidecar"]
    for i in range(draw(st.integers(1, 3))):
        spec: Obj = {"action": draw(st.sampled_from(["DENY", "DENY", "ALLOW"]))}
        if draw(st.booleans()):
            spec["selector"] = {"matchLabels": {"app": draw(st.sampled_from(APPS))}}
        spec["rules"] = draw(st.lists(rules(), min_size=1, max_size=2))
        objects.append(
            {
                "apiVersion": "security.istio.io/v1",
                "kind": "AuthorizationPolicy",
                "metadata": {"name": f"ap{i}", "namespace": draw(st.sampled_from(NAMESPACES))},
                "spec": spec,
            }
        )
    return objects


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(protocol_meshes())
def test_engine_matches_the_reference_on_random_protocols(objects: list[Obj]) -> None:
    check_against_reference(objects)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(meshes())
def test_engine_matches_the_reference_on_random_meshes(objects: list[Obj]) -> None:
    check_against_reference(objects)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(egress_meshes())
def test_engine_matches_the_reference_on_random_egress(objects: list[Obj]) -> None:
    check_against_reference(objects)


def check_against_reference(objects: list[Obj]) -> None:
    """Every pod pair and probe port: the L4 answer and the L7 marks."""
    r = reach.from_objects(objects)
    got = {(c.src.id, c.dst.id): c.ports for c in r.connections(by="pod")}
    marks: dict[tuple[str, str, int], set[tuple[str, str]]] = {}
    for m in l7_marks(r.view("pod")).marks:
        for port in PROBES:
            if m.ports.contains("TCP", port):
                marks.setdefault((m.src.id, m.dst.id, port), set()).add((m.rule, m.effect))
    pods = [o for o in objects if o["kind"] == "Pod"]
    for src in pods:
        for dst in pods:
            if src is dst:
                continue
            s = f"{src['metadata']['namespace']}/{src['metadata']['name']}[Pod]"
            d = f"{dst['metadata']['namespace']}/{dst['metadata']['name']}[Pod]"
            ports = got.get((s, d))
            for port in PROBES:
                allowed, want = decide(objects, src, dst, port)
                if not forwards(objects, src, dst, port):
                    allowed, want = False, set()
                engine = ports is not None and ports.contains("TCP", port)
                assert engine == allowed, (s, d, port)
                assert marks.get((s, d, port), set()) == want, (s, d, port)
            assert ports is not None and ports.contains("UDP", 53)  # never filtered
