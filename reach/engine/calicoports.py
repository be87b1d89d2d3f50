"""The ports of a Calico rule as masks over the port atoms (E5, E7, E8, E11).

A rule matches the TCP, UDP and SCTP ports its protocol fields let through
(``CalicoRule.l4_protocols``), within its destination ``ports`` (all when absent)
and outside its ``notPorts``; numbers, ``a:b`` ranges and named ports, which
resolve on the destination pod. A destination ``services`` match narrows the
ports to the Service's target ports ("only to/from each endpoint's port"). Source
ports are not known offline and are taken to match.
"""

from __future__ import annotations

import numpy as np

from reach.engine.atoms import Mask, PortAtoms
from reach.engine.classes import NamedPorts
from reach.engine.rules import NamedKey
from reach.model.calico import CalicoPort, CalicoRule
from reach.model.ports import PortSet
from reach.model.services import Service

#: How a destination resolves each used (name, protocol); None: an external address.
Resolve = dict[NamedKey, tuple[int, ...]] | None


def named_keys(rule: CalicoRule, service: Service | None) -> set[NamedKey]:
    """The (port name, protocol) pairs the rule's ports and its Service's targets name."""
    protocols = rule.l4_protocols()
    dest = rule.destination
    out = {
        (p.name, proto)
        for p in (*(dest.ports or ()), *dest.not_ports)
        if p.name is not None
        for proto in protocols
    }
    if service is not None:
        out |= {
            (sp.target_port, sp.protocol) for sp in service.ports if isinstance(sp.target_port, str)
        }
    return out


def numeric_sets(rule: CalicoRule, service: Service | None) -> list[PortSet]:
    """The numeric port sets of the rule (their bounds cut the port atoms)."""
    out = [_items(rule.destination.ports or (), rule.l4_protocols(), {})]
    out.append(_items(rule.destination.not_ports, rule.l4_protocols(), {}))
    if service is not None:
        out.append(_targets(service, {}))
    return out


def _items(ports: tuple[CalicoPort, ...], protocols: tuple[str, ...], resolve: Resolve) -> PortSet:
    by: dict[str, list[tuple[int, int]]] = {}
    for p in ports:
        for proto in protocols:
            if p.name is None:
                by.setdefault(proto, []).append((p.first, p.last))
            elif resolve is not None:
                by.setdefault(proto, []).extend((n, n) for n in resolve.get((p.name, proto), ()))
    return PortSet.from_mapping(by)


def _targets(service: Service, resolve: Resolve) -> PortSet:
    by: dict[str, list[tuple[int, int]]] = {}
    for sp in service.ports:
        target = sp.target_port
        if isinstance(target, int):
            by.setdefault(sp.protocol, []).append((target, target))
        elif resolve is not None:
            by.setdefault(sp.protocol, []).extend(
                (n, n) for n in resolve.get((target, sp.protocol), ())
            )
    return PortSet.from_mapping(by)


def rule_portset(rule: CalicoRule, service: Service | None, resolve: Resolve) -> PortSet:
    """The ports the rule matches toward a destination that resolves names as ``resolve``."""
    protocols = rule.l4_protocols()
    dest = rule.destination
    allowed = PortSet.from_mapping({proto: [(1, 65535)] for proto in protocols})
    if dest.ports is not None:
        allowed &= _items(dest.ports, protocols, resolve)
    allowed -= _items(dest.not_ports, protocols, resolve)
    if service is not None:
        allowed &= _targets(service, resolve)
    return allowed


def rule_mask(
    rule: CalicoRule,
    service: Service | None,
    *,
    atoms: PortAtoms,
    named: list[NamedKey],
    resolutions: list[NamedPorts],
) -> Mask:
    """``(1, W)`` when the ports name no port; else one row per resolution, then the
    external row (as ``RuleMasks.mask``)."""
    if not named_keys(rule, service):
        return atoms.mask(rule_portset(rule, service, {}))[None, :]
    rows = [
        atoms.mask(rule_portset(rule, service, dict(zip(named, resolution, strict=True))))
        for resolution in resolutions
    ]
    rows.append(atoms.mask(rule_portset(rule, service, None)))
    return np.vstack(rows)
