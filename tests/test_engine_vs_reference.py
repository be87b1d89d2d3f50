"""Property tests: ``reach`` against the brute-force reference in ``tests/reference.py``.

Random small clusters (1-3 namespaces, 1-5 pods, 0-4 policies) are generated as raw manifests;
for every ordered pod pair and every probe IP in both directions, every protocol and every
interesting port, the reference's answer must equal ``reach``'s.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import NAME_LABEL, PROTOCOLS, Endpoint, Obj, PodKey, Reference

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NS_NAMES = ["default", "ns-a", "ns-b"]
POD_NAMES = ["web", "db", "api", "cache", "job"]
POD_LABELS: dict[str, list[str]] = {"app": ["a", "b", "c"], "tier": ["web", "db"]}
NS_LABELS: dict[str, list[str]] = {"env": ["prod", "dev"], "team": ["x", "y"]}
NS_SELECTOR_LABELS: dict[str, list[str]] = {**NS_LABELS, NAME_LABEL: NS_NAMES}
PORT_NAMES = ["http", "dns", "metrics"]
PORT_NUMBERS = [53, 80, 81, 443, 8080]
RULE_PORT_NUMBERS = [1, *PORT_NUMBERS, 65535]
# cidr -> excepts that are strict subsets of it
CIDRS: dict[str, list[str]] = {
    "10.0.0.0/8": ["10.1.0.0/16", "10.0.0.0/24", "10.255.255.255/32"],
    "10.1.0.0/16": ["10.1.2.0/24", "10.1.0.0/17"],
    "192.168.0.0/24": ["192.168.0.128/25", "192.168.0.7/32"],
    "0.0.0.0/0": ["10.0.0.0/8", "192.168.0.0/16", "255.255.255.255/32"],
    "2001:db8::/32": ["2001:db8:1::/48", "2001:db8::/64"],
    "::/0": ["2001:db8::/32", "::/128"],
}
FIXED_PROBES = [
    "0.0.0.0",
    "255.255.255.255",
    "8.8.8.8",
    "10.1.2.3",
    "::",
    "2001:db8::1",
    "2001:4860:4860::8888",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
]


# --------------------------------------------------------------------------- strategies


def label_maps(vocab: dict[str, list[str]]) -> st.SearchStrategy[dict[str, str]]:
    """Labels from a tiny vocabulary, each key sometimes missing."""
    return st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in vocab.items()})


@st.composite
def expressions(draw: st.DrawFn, vocab: dict[str, list[str]]) -> Obj:
    # "zone" is a key no object carries: exercises NotIn/DoesNotExist on missing keys.
    key = draw(st.sampled_from([*vocab, "zone"]))
    operator = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
    expression: Obj = {"key": key, "operator": operator}
    if operator in ("In", "NotIn"):
        choices = vocab.get(key, ["z1"])
        expression["values"] = draw(
            st.lists(st.sampled_from(choices), min_size=1, max_size=2, unique=True)
        )
    return expression


@st.composite
def selectors(draw: st.DrawFn, vocab: dict[str, list[str]]) -> Obj:
    kind = draw(st.sampled_from(["empty", "labels", "expressions", "both"]))
    selector: Obj = {}
    if kind in ("labels", "both"):
        selector["matchLabels"] = draw(label_maps(vocab).filter(bool))
    if kind in ("expressions", "both"):
        selector["matchExpressions"] = draw(st.lists(expressions(vocab), min_size=1, max_size=2))
    return selector


@st.composite
def peers(draw: st.DrawFn) -> Obj:
    kind = draw(st.sampled_from(["pod", "namespace", "both", "ipBlock", "ipBlock"]))
    if kind == "ipBlock":
        cidr = draw(st.sampled_from(sorted(CIDRS)))
        block: Obj = {"cidr": cidr}
        excepts = draw(st.lists(st.sampled_from(CIDRS[cidr]), max_size=2, unique=True))
        if excepts:
            block["except"] = excepts
        return {"ipBlock": block}
    peer: Obj = {}
    if kind in ("pod", "both"):
        peer["podSelector"] = draw(selectors(POD_LABELS))
    if kind in ("namespace", "both"):
        peer["namespaceSelector"] = draw(selectors(NS_SELECTOR_LABELS))
    return peer


@st.composite
def policy_ports(draw: st.DrawFn) -> Obj:
    entry: Obj = {}
    protocol = draw(st.sampled_from([None, *PROTOCOLS]))
    if protocol is not None:
        entry["protocol"] = protocol
    kind = draw(st.sampled_from(["any", "number", "range", "named"]))
    if kind in ("number", "range"):
        entry["port"] = port = draw(st.sampled_from(RULE_PORT_NUMBERS))
        if kind == "range":
            entry["endPort"] = draw(st.sampled_from([p for p in RULE_PORT_NUMBERS if p >= port]))
    elif kind == "named":
        entry["port"] = draw(st.sampled_from(PORT_NAMES))
    return entry


@st.composite
def absent_empty_or(draw: st.DrawFn, items: st.SearchStrategy[Any], null: bool = False) -> Any:
    """A list field: absent (the sentinel ``...``), [], null (optional) or, half the time,
    1-2 items.  Shrinks toward absent."""
    kinds = ["absent", "empty", *(["null"] if null else []), "items", "items", "items"]
    kind = draw(st.sampled_from(kinds))
    if kind == "absent":
        return ...
    if kind == "null":
        return None
    return draw(st.lists(items, max_size=0 if kind == "empty" else 2, min_size=kind != "empty"))


@st.composite
def rules(draw: st.DrawFn, peers_key: str) -> Obj:
    rule: Obj = {}
    for key, strategy in ((peers_key, peers()), ("ports", policy_ports())):
        value = draw(absent_empty_or(strategy, null=True))
        if value is not ...:
            rule[key] = value
    return rule


@st.composite
def namespace_manifests(draw: st.DrawFn, name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": draw(label_maps(NS_LABELS))},
    }


def metadata(name: str, namespace: str, omit_default: bool) -> Obj:
    meta: Obj = {"name": name}
    if not (namespace == "default" and omit_default):
        meta["namespace"] = namespace
    return meta


@st.composite
def pod_manifests(draw: st.DrawFn, namespace: str, name: str) -> Obj:
    meta = metadata(name, namespace, draw(st.booleans()))
    labels = draw(label_maps(POD_LABELS))
    if labels:
        meta["labels"] = labels
    # Distinct (containerPort, protocol) pairs; names unique within the pod, some unnamed.
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(PORT_NUMBERS), st.sampled_from([None, *PROTOCOLS])),
            max_size=3,
            unique_by=lambda pair: (pair[0], pair[1] or "TCP"),
        )
    )
    names = draw(st.permutations([*PORT_NAMES, None, None, None]))
    containers: list[Obj] = [{"name": "main", "image": "nginx"}]
    if draw(st.booleans()):
        containers.append({"name": "sidecar", "image": "busybox"})
    for (number, protocol), port_name in zip(pairs, names, strict=False):
        port: Obj = {"containerPort": number}
        if port_name is not None:
            port["name"] = port_name
        if protocol is not None:
            port["protocol"] = protocol
        container = containers[draw(st.integers(0, len(containers) - 1))]
        container.setdefault("ports", []).append(port)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": containers}}


@st.composite
def policy_manifests(draw: st.DrawFn, namespace: str, name: str) -> Obj:
    spec: Obj = {"podSelector": draw(selectors(POD_LABELS))}
    types = draw(st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    if types is not None:
        spec["policyTypes"] = types
    for key, peers_key in (("ingress", "from"), ("egress", "to")):
        value = draw(absent_empty_or(rules(peers_key)))
        if value is not ...:
            spec[key] = value
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(name, namespace, draw(st.booleans())),
        "spec": spec,
    }


@st.composite
def clusters(draw: st.DrawFn) -> list[Obj]:
    namespaces = draw(st.lists(st.sampled_from(NS_NAMES), min_size=1, max_size=3, unique=True))
    objects: list[Obj] = []
    for namespace in namespaces:
        if draw(st.integers(0, 4)) > 0:  # sometimes referenced but never declared
            objects.append(draw(namespace_manifests(namespace)))
    pod_keys = draw(
        st.lists(
            st.tuples(st.sampled_from(namespaces), st.sampled_from(POD_NAMES)),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    objects += [draw(pod_manifests(ns, name)) for ns, name in pod_keys]
    for i in range(draw(st.sampled_from([0, 1, 2, 2, 3, 3, 4]))):
        objects.append(draw(policy_manifests(draw(st.sampled_from(namespaces)), f"pol-{i}")))
    return draw(st.permutations(objects))


# --------------------------------------------------------------------------- probes


def _walk(objects: list[Obj], kind: str) -> list[Obj]:
    return [obj for obj in objects if obj.get("kind") == kind]


def probe_ips(objects: list[Obj]) -> list[str]:
    """First/last address of every cidr and except, and their outside neighbours."""
    cidrs: set[str] = set()
    for policy in _walk(objects, "NetworkPolicy"):
        spec = policy["spec"]
        for rule in [*(spec.get("ingress") or []), *(spec.get("egress") or [])]:
            for peer in [*(rule.get("from") or []), *(rule.get("to") or [])]:
                block = peer.get("ipBlock")
                if block:
                    cidrs.add(block["cidr"])
                    cidrs.update(block.get("except") or [])
    probes: set[IPAddress] = {ipaddress.ip_address(ip) for ip in FIXED_PROBES}
    return sorted_probes(probes, cidrs)


def sorted_probes(probes: set[IPAddress], cidrs: Iterable[str]) -> list[str]:
    """``probes`` plus each CIDR's first and last address and their outside neighbours."""
    for cidr in cidrs:
        network = ipaddress.ip_network(cidr, strict=False)
        first, last = network.network_address, network.broadcast_address
        probes.update((first, last))
        if int(first) > 0:
            probes.add(first - 1)
        if int(last) < 2**last.max_prefixlen - 1:
            probes.add(last + 1)
    return [str(ip) for ip in sorted(probes, key=lambda ip: (ip.version, int(ip)))]


def probe_ports(objects: list[Obj]) -> list[int]:
    """1, 65535 and every port/endPort (and neighbours) mentioned anywhere, clipped to 1..65535."""
    mentioned: set[int] = set()
    for policy in _walk(objects, "NetworkPolicy"):
        spec = policy["spec"]
        for rule in [*(spec.get("ingress") or []), *(spec.get("egress") or [])]:
            for entry in rule.get("ports") or []:
                for key in ("port", "endPort"):
                    if isinstance(entry.get(key), int):
                        mentioned.add(entry[key])
    for pod in _walk(objects, "Pod"):
        for container in pod["spec"]["containers"]:
            mentioned.update(port["containerPort"] for port in container.get("ports") or [])
    ports = {1, 65535}
    for port in mentioned:
        ports.update(p for p in (port - 1, port, port + 1) if 1 <= p <= 65535)
    return sorted(ports)


# --------------------------------------------------------------------------- comparison


class ReachAnswers:
    """Indexes ``reach``'s connections so single (src, dst, proto, port) questions are cheap."""

    def __init__(self, objects: list[Obj], pods: list[PodKey]) -> None:
        import reach  # imported here so the reference sanity tests run without reach

        graph: Any = reach.from_objects(objects)
        known = set(pods)
        self.pod_pairs: dict[tuple[PodKey, PodKey], Any] = {}
        # (pod, direction) -> [(ip version, first, last, ports)]; "out" = pod is the source
        self.externals: dict[tuple[PodKey, str], list[tuple[int, int, int, Any]]] = {}
        for connection in graph.connections(by="pod", ipv6=True):
            src, dst = connection.src, connection.dst
            assert not (src.type == "external" and dst.type == "external"), connection
            if src.type == "pod" and dst.type == "pod":
                pair = ((src.namespace, src.name), (dst.namespace, dst.name))
                assert pair[0] in known and pair[1] in known, f"unknown pod in {pair}"
                assert pair[0] != pair[1], f"pod->itself reported: {pair}"
                assert pair not in self.pod_pairs, f"duplicate connection {pair}"
                self.pod_pairs[pair] = connection.ports
            else:
                if dst.type == "external":
                    pod_node, ext, direction = src, dst, "out"
                else:
                    pod_node, ext, direction = dst, src, "in"
                pod = (pod_node.namespace, pod_node.name)
                assert pod in known, f"unknown pod {pod}"
                first, last = ext.ip_range
                assert first.version == last.version and first <= last, ext.ip_range
                self.externals.setdefault((pod, direction), []).append(
                    (first.version, int(first), int(last), connection.ports)
                )

    def _external_ports(self, pod: PodKey, direction: str, ip: str) -> Any:
        address = ipaddress.ip_address(ip)
        hits = [
            ports
            for version, first, last, ports in self.externals.get((pod, direction), [])
            if version == address.version and first <= int(address) <= last
        ]
        assert len(hits) <= 1, f"{ip} lies in {len(hits)} external segments for {pod} ({direction})"
        return hits[0] if hits else None

    def ports_for(self, src: Endpoint, dst: Endpoint) -> Any:
        if isinstance(dst, str):
            assert not isinstance(src, str)
            return self._external_ports(src, "out", dst)
        if isinstance(src, str):
            return self._external_ports(dst, "in", src)
        return self.pod_pairs.get((src, dst))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(clusters())
def test_engine_matches_reference(objects: list[Obj]) -> None:
    assert_agrees(objects, probe_ips(objects), probe_ports(objects))


def assert_agrees(objects: list[Obj], ips: list[str], ports: list[int]) -> None:
    """reach and the reference agree on every pod pair and probe address, port by port."""
    reference = Reference(copy.deepcopy(objects))
    answers = ReachAnswers(copy.deepcopy(objects), reference.pods)
    pairs: list[tuple[Endpoint, Endpoint]] = [
        (p, q) for p in reference.pods for q in reference.pods if p != q
    ]
    for ip in ips:
        for pod in reference.pods:
            pairs += [(pod, ip), (ip, pod)]
    mismatches: list[str] = []
    for src, dst in pairs:
        reach_ports = answers.ports_for(src, dst)
        for protocol in PROTOCOLS:
            for port in ports:
                expected = reference.allowed(src, dst, protocol, port)
                actual = reach_ports is not None and bool(reach_ports.contains(protocol, port))
                if expected != actual:
                    mismatches.append(
                        f"{src} -> {dst} {protocol}/{port}: reference={expected} reach={actual}"
                    )
    assert not mismatches, f"{len(mismatches)} mismatches, first ones:\n" + "\n".join(
        mismatches[:20]
    )


# --------------------------------------------------------------------------- reference sanity


def _ns(name: str, **labels: str) -> Obj:
    return {"kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def _pod(
    name: str, namespace: str = "default", ports: list[Obj] | None = None, **labels: str
) -> Obj:
    container: Obj = {"name": "main", "image": "nginx"}
    if ports is not None:
        container["ports"] = ports
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [container]},
    }


def _policy(spec: Obj, namespace: str = "default", name: str = "pol") -> Obj:
    return {
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def test_reference_no_policy_allows_everything() -> None:
    ref = Reference([_pod("a"), _pod("b")])
    assert ref.pods == [("default", "a"), ("default", "b")]
    assert ref.allowed(("default", "a"), ("default", "b"), "SCTP", 9)
    assert ref.allowed("8.8.8.8", ("default", "a"), "UDP", 53)
    assert ref.allowed(("default", "a"), "2001:db8::1", "TCP", 443)


def test_reference_default_deny_ingress_blocks() -> None:
    ref = Reference([_pod("a"), _pod("b"), _policy({"podSelector": {}})])
    assert not ref.allowed(("default", "a"), ("default", "b"), "TCP", 80)
    assert not ref.allowed("8.8.8.8", ("default", "b"), "TCP", 80)
    assert ref.allowed(("default", "a"), "8.8.8.8", "TCP", 80)  # egress untouched


def test_reference_empty_egress_list_does_not_isolate_egress() -> None:
    ref = Reference([_pod("a"), _policy({"podSelector": {}, "egress": []})])
    assert ref.allowed(("default", "a"), "1.2.3.4", "TCP", 80)
    ref = Reference(
        [_pod("a"), _policy({"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]})]
    )
    assert ref.allowed(("default", "a"), "1.2.3.4", "TCP", 53)
    assert not ref.allowed(("default", "a"), "1.2.3.4", "UDP", 53)


def test_reference_explicit_policy_types_ignore_other_direction() -> None:
    spec = {"podSelector": {}, "policyTypes": ["Egress"], "ingress": [{"from": []}]}
    ref = Reference([_pod("a"), _pod("b"), _policy(spec)])
    assert not ref.allowed(("default", "a"), ("default", "b"), "TCP", 80)  # egress denied
    assert ref.allowed("10.0.0.1", ("default", "a"), "TCP", 80)  # ingress not isolated


def test_reference_named_port_resolves_on_destination() -> None:
    http = [{"name": "http", "containerPort": 8080}]
    spec = {"podSelector": {}, "ingress": [{"ports": [{"port": "http"}]}]}
    objects = [_pod("a", ports=http), _pod("b", ports=[{"name": "http", "containerPort": 9090}])]
    ref = Reference([*objects, _policy(spec)])
    a, b = ("default", "a"), ("default", "b")
    assert ref.allowed(b, a, "TCP", 8080)
    assert not ref.allowed(b, a, "TCP", 9090)  # the source's "http" is irrelevant
    assert ref.allowed(a, b, "TCP", 9090)
    assert not ref.allowed(a, b, "UDP", 9090)  # protocol must match too


def test_reference_named_port_in_egress_and_toward_external() -> None:
    dns = [{"name": "dns", "containerPort": 53, "protocol": "UDP"}]
    spec = {
        "podSelector": {"matchLabels": {"app": "c"}},
        "egress": [{"ports": [{"port": "dns", "protocol": "UDP"}]}],
    }
    ref = Reference([_pod("c", app="c"), _pod("d", ports=dns), _policy(spec)])
    c, d = ("default", "c"), ("default", "d")
    assert ref.allowed(c, d, "UDP", 53)
    assert not ref.allowed(c, d, "TCP", 53)
    assert not ref.allowed(c, "8.8.8.8", "UDP", 53)  # no container ports out there


def test_reference_peers_and_selectors() -> None:
    objects = [
        _ns("ns-a", env="prod"),
        _pod("x", "ns-a", app="a"),
        _pod("y", "ns-b", app="a"),
        _pod("w", "ns-b", app="b"),
        _pod("z", "default", app="b"),
        _pod("t", "default"),
        _policy(
            {
                "podSelector": {},
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {"env": "prod"}},
                                "podSelector": {"matchLabels": {"app": "a"}},
                            },
                            {
                                "podSelector": {
                                    "matchExpressions": [
                                        {"key": "app", "operator": "NotIn", "values": ["a"]}
                                    ]
                                }
                            },
                            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                        ]
                    }
                ],
            }
        ),
    ]
    ref = Reference(objects)
    t = ("default", "t")
    assert ref.allowed(("ns-a", "x"), t, "TCP", 1)  # both selectors (AND)
    assert not ref.allowed(("ns-b", "y"), t, "TCP", 1)  # ns-b lacks env=prod
    assert ref.allowed(("default", "z"), t, "TCP", 1)  # podSelector alone: own namespace
    assert not ref.allowed(("ns-b", "w"), t, "TCP", 1)  # ... and only there
    assert ref.allowed(t, ("default", "z"), "TCP", 1)  # z is isolated too; t lacks app: NotIn
    assert ref.allowed("10.2.3.4", t, "TCP", 1)
    assert not ref.allowed("10.1.3.4", t, "TCP", 1)  # except
    assert not ref.allowed("11.0.0.0", t, "TCP", 1)
    assert not ref.allowed("::1", t, "TCP", 1)  # other IP family


def test_reference_undeclared_namespace_has_name_label() -> None:
    peer = {"namespaceSelector": {"matchLabels": {NAME_LABEL: "ns-b"}}}
    objects = [
        _pod("y", "ns-b"),
        _pod("t"),
        _policy({"podSelector": {}, "ingress": [{"from": [peer]}]}),
    ]
    ref = Reference(objects)
    assert ref.allowed(("ns-b", "y"), ("default", "t"), "UDP", 5)


def test_reference_port_ranges_and_protocol_only() -> None:
    spec = {
        "podSelector": {},
        "ingress": [{"ports": [{"port": 80, "endPort": 90}, {"protocol": "SCTP"}]}],
    }
    ref = Reference([_pod("t"), _policy(spec)])
    t = ("default", "t")
    assert ref.allowed("1.1.1.1", t, "TCP", 80) and ref.allowed("1.1.1.1", t, "TCP", 90)
    assert not ref.allowed("1.1.1.1", t, "TCP", 91) and not ref.allowed("1.1.1.1", t, "TCP", 79)
    assert not ref.allowed("1.1.1.1", t, "UDP", 85)
    assert ref.allowed("1.1.1.1", t, "SCTP", 65535)


def test_reference_rejects_bad_questions() -> None:
    ref = Reference([_pod("a")])
    with pytest.raises(ValueError):
        ref.allowed("1.1.1.1", "2.2.2.2", "TCP", 80)
    with pytest.raises(ValueError):
        ref.allowed(("default", "a"), ("default", "a"), "TCP", 80)


def test_strategy_generates_valid_manifests() -> None:
    """The generator itself: policies in declared or implied namespaces, valid selectors/ports."""

    @settings(max_examples=50, deadline=None)
    @given(clusters())
    def check(objects: list[Obj]) -> None:
        Reference(objects)  # parses
        for policy in _walk(objects, "NetworkPolicy"):
            for rule in [
                *(policy["spec"].get("ingress") or []),
                *(policy["spec"].get("egress") or []),
            ]:
                for entry in rule.get("ports") or []:
                    if "endPort" in entry:
                        assert isinstance(entry["port"], int) and entry["endPort"] >= entry["port"]
                for peer in [*(rule.get("from") or []), *(rule.get("to") or [])]:
                    assert peer, "empty peer"
                    block = peer.get("ipBlock")
                    if block:
                        net = ipaddress.ip_network(block["cidr"])
                        for exc in block.get("except") or []:
                            sub = ipaddress.ip_network(exc)
                            assert sub.version == net.version and sub.subnet_of(net)  # type: ignore[arg-type]
                            assert sub != net

    check()
