"""reach against the brute-force reference (``tests/reference.py``): the addresses and ports
worth probing in a cluster, and :func:`assert_agrees`, which compares the two on all of them."""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Iterable
from typing import Any

from hypothesis import HealthCheck, settings

import reach
from tests.reference import PROTOCOLS, Endpoint, Obj, PodKey, Reference

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def agreement_settings(max_examples: int) -> settings:
    """Hypothesis settings of a comparison on random clusters: no deadline, and large, slow
    examples are fine (each is checked on every probe)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


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


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    """The objects of one kind."""
    return [obj for obj in objects if obj.get("kind") == kind]


def probe_ips(objects: list[Obj]) -> list[str]:
    """First/last address of every cidr and except, and their outside neighbours."""
    cidrs: set[str] = set()
    for policy in of_kind(objects, "NetworkPolicy"):
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
    for policy in of_kind(objects, "NetworkPolicy"):
        spec = policy["spec"]
        for rule in [*(spec.get("ingress") or []), *(spec.get("egress") or [])]:
            for entry in rule.get("ports") or []:
                for key in ("port", "endPort"):
                    if isinstance(entry.get(key), int):
                        mentioned.add(entry[key])
    for pod in of_kind(objects, "Pod"):
        for container in pod["spec"]["containers"]:
            mentioned.update(port["containerPort"] for port in container.get("ports") or [])
    ports = {1, 65535}
    for port in mentioned:
        ports.update(p for p in (port - 1, port, port + 1) if 1 <= p <= 65535)
    return sorted(ports)


class ReachAnswers:
    """Indexes ``reach``'s connections so single (src, dst, proto, port) questions are cheap."""

    def __init__(self, objects: list[Obj], pods: list[PodKey]) -> None:
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


def mismatches(
    reference: Any, answers: Any, pods: Iterable[Endpoint], ips: list[str], ports: list[int]
) -> list[str]:
    """Every (src, dst, protocol, port) on which ``answers.ports_for`` and
    ``reference.allowed`` differ, over every pod pair and every probe address both ways."""
    pods = list(pods)
    pairs: list[tuple[Endpoint, Endpoint]] = [(p, q) for p in pods for q in pods if p != q]
    for ip in ips:
        for pod in pods:
            pairs += [(pod, ip), (ip, pod)]
    out: list[str] = []
    for src, dst in pairs:
        reach_ports = answers.ports_for(src, dst)
        for protocol in PROTOCOLS:
            for port in ports:
                expected = reference.allowed(src, dst, protocol, port)
                actual = reach_ports is not None and bool(reach_ports.contains(protocol, port))
                if expected != actual:
                    out.append(
                        f"{src} -> {dst} {protocol}/{port}: reference={expected} reach={actual}"
                    )
    return out


def assert_agrees(objects: list[Obj], ips: list[str], ports: list[int]) -> None:
    """reach and the reference agree on every pod pair and probe address, port by port."""
    reference = Reference(copy.deepcopy(objects))
    answers = ReachAnswers(copy.deepcopy(objects), reference.pods)
    found = mismatches(reference, answers, reference.pods, ips, ports)
    assert not found, f"{len(found)} mismatches, first ones:\n" + "\n".join(found[:20])
