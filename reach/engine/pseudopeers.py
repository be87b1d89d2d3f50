"""Which rules hold the pseudo peers (``reach.model.pseudo``): Cilium entities and FQDNs.

Pseudo peers are classes after the external segments; like external addresses
they have no side of their own, and a named port toward them matches nothing.
A rule holds a pseudo peer when (docs/semantics.md, "Pseudo nodes"):

- it is a Cilium rule naming it: the entity, or the ``toFQDNs`` name or pattern
  (as written: a pattern is its own node, and no name is matched against it);
- it is a Cilium rule matching every peer: a wildcard rule (one naming no peer
  field, but not ``{}``) or the entity ``all``;
- it is a Cilium rule with the entity ``cluster`` and the peer is one of the
  entities the cluster holds (``model.pseudo.CLUSTER_ENTITIES``);
- it is a NetworkPolicy or Admin rule with no peers (every peer);
- the peer is an FQDN and the rule holds the whole IPv4 space with no except
  (the entities ``world`` and ``world-ipv4``, a CIDR or an ipBlock ``0.0.0.0/0``):
  the names are assumed to resolve to IPv4 addresses.

Nothing else holds them.
"""

from __future__ import annotations

import ipaddress

import numpy as np

from reach.engine.arrays import BoolVec
from reach.engine.rules import AnyRule
from reach.model.cilium import CiliumRule
from reach.model.ipspace import IPBlock
from reach.model.pseudo import CLUSTER_ENTITIES, PseudoPeer, fqdn_name

#: The whole IPv4 space.
_IPV4_ALL = ipaddress.ip_network("0.0.0.0/0")
#: Entities that hold the whole IPv4 space.
_IPV4_ENTITIES = frozenset({"world", "world-ipv4"})


def pseudo_held(rule: AnyRule, pseudo: list[PseudoPeer]) -> BoolVec:
    """The pseudo peers ``rule``'s peers hold (see the module doc)."""
    n = len(pseudo)
    if not n:
        return np.zeros(0, dtype=bool)
    if not isinstance(rule, CiliumRule):
        if rule.peers is None:
            return np.ones(n, dtype=bool)
        blocks = [peer.ip_block for peer in rule.peers if peer.ip_block is not None]
        return _fqdns(pseudo) if any(map(_ipv4_all, blocks)) else np.zeros(n, dtype=bool)
    if rule.empty:
        return np.zeros(n, dtype=bool)
    if rule.wildcard or "all" in rule.entities:
        return np.ones(n, dtype=bool)
    entities = set(rule.entities)
    if "cluster" in entities:
        entities |= CLUSTER_ENTITIES
    names = {fqdn_name(p) for p in rule.fqdns}
    hit = np.array(
        [p.name in entities if p.kind == "Entity" else p.name in names for p in pseudo],
        dtype=bool,
    )
    if _IPV4_ENTITIES.intersection(rule.entities) or any(map(_ipv4_all, rule.cidrs)):
        hit |= _fqdns(pseudo)
    return hit


def _ipv4_all(block: IPBlock) -> bool:
    """Whether the block is the whole IPv4 space, with no except."""
    return block.cidr == _IPV4_ALL and not block.excepts


def _fqdns(pseudo: list[PseudoPeer]) -> BoolVec:
    return np.array([p.kind == "FQDN" for p in pseudo], dtype=bool)
