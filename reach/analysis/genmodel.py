"""Generated policies as model objects, for verification, without the input's full
validation of every field: the manifests are reach's own, each distinct selector is
parsed once (:func:`reach.input.selectors.parse_selector`, the reader's), and ports
and ipBlocks are built straight from their fields.

What is verified is thus the model of the manifests written; that the written YAML
reads back to the same answers is held by ``tests/cli/test_generate_cli.py`` (the
shop listed with the generated file in place of its policies) and
``tests/analysis/test_generate_property.py`` (the reference reads the manifests).
"""

from __future__ import annotations

import json
from typing import Any

from reach.input.selectors import parse_selector
from reach.model.cluster import NetworkPolicy, Peer, PortSpec, Rule
from reach.model.ipspace import IPBlock, parse_network
from reach.model.selectors import LabelSelector

Obj = dict[str, Any]


class ModelWriter:
    """Turns generated policies into :class:`NetworkPolicy` objects, selectors cached."""

    def __init__(self) -> None:
        self._selectors: dict[str, LabelSelector] = {}
        self._by_id: dict[int, LabelSelector] = {}
        self._peers: dict[int, Peer] = {}
        self._port_lists: dict[int, tuple[PortSpec, ...]] = {}
        self._alive: list[object] = []

    def policy(self, obj: Obj, origin: str) -> NetworkPolicy:
        spec = obj["spec"]
        types = spec["policyTypes"]
        return NetworkPolicy(
            namespace=obj["metadata"]["namespace"],
            name=obj["metadata"]["name"],
            pod_selector=self._selector(spec["podSelector"]),
            ingress_isolating="Ingress" in types,
            egress_isolating="Egress" in types,
            ingress=self._rules(spec.get("ingress", []), "from"),
            egress=self._rules(spec.get("egress", []), "to"),
            origin=origin,
        )

    def _rules(self, rules: list[Obj], key: str) -> tuple[Rule, ...]:
        out = []
        for i, rule in enumerate(rules):
            peers = tuple(self._peer(p) for p in rule[key]) if rule.get(key) else None
            ports = self._ports(rule["ports"]) if rule.get("ports") else None
            out.append(Rule(peers, ports, i))
        return tuple(out)

    def _ports(self, raw: list[Obj]) -> tuple[PortSpec, ...]:
        """The ports, made once per list object (generated rules share them)."""
        found = self._port_lists.get(id(raw))
        if found is None:
            found = self._port_lists[id(raw)] = tuple(_port(p) for p in raw)
            self._alive.append(raw)
        return found

    def _peer(self, peer: Obj) -> Peer:
        """The peer, made once per object (generated rules share their peers)."""
        found = self._peers.get(id(peer))
        if found is None:
            found = self._peers[id(peer)] = self._new_peer(peer)
            self._alive.append(peer)
        return found

    def _new_peer(self, peer: Obj) -> Peer:
        if "ipBlock" in peer:
            block = peer["ipBlock"]
            excepts = tuple(parse_network(e) for e in block.get("except", []))
            return Peer(ip_block=IPBlock(parse_network(block["cidr"]), excepts))
        pods, namespaces = peer.get("podSelector"), peer.get("namespaceSelector")
        return Peer(
            pod_selector=None if pods is None else self._selector(pods),
            namespace_selector=None if namespaces is None else self._selector(namespaces),
        )

    def _selector(self, raw: Obj) -> LabelSelector:
        """The selector, parsed once per object (generated selectors are shared objects)
        and once per text."""
        found = self._by_id.get(id(raw))
        if found is None:
            key = json.dumps(raw, sort_keys=True)
            found = self._selectors.get(key)
            if found is None:
                found = self._selectors[key] = parse_selector(raw, "podSelector")
            self._by_id[id(raw)] = found
            self._alive.append(raw)  # so that no other object takes its id meanwhile
        return found


def _port(raw: Obj) -> PortSpec:
    return PortSpec(raw.get("protocol", "TCP"), raw.get("port"), raw.get("endPort"))


def to_model(policies: list[Obj]) -> list[NetworkPolicy]:
    """The generated ``policies`` as model objects, origins ``(generated)#1`` ..."""
    writer = ModelWriter()
    return [writer.policy(p, f"(generated)#{i}") for i, p in enumerate(policies, 1)]
