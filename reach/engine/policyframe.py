"""What a list of policies asks of a compilation's frame (the port names its rules use,
their address blocks, the port cuts of their port lists), kept for the last lists asked.

Beside Calico's tiers every update checks that the frame stays
(:func:`reach.engine.calicosteps.calico_steps`), and a policy event reads the port names
and blocks of the policies after it first (:mod:`reach.engine.calicomoves`); the policies
are most often the ones asked last (the same event, or a pod came or went): at 100k pods
reading the 13,466 rules of 10,050 policies again took 30-40 ms each time. A list is known
again by the identity of each of its policies (they are not changed once read), the kept
list holding them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reach.engine.atoms import cuts_of
from reach.engine.portmasks import numeric_ports
from reach.engine.rules import AnyPolicy, NamedKey, rule_blocks, rule_triples, used_named_ports
from reach.model.cluster import PortSpec
from reach.model.ipspace import IPBlock
from reach.model.ports import PortSet

#: How many lists of policies are kept.
KEPT = 2


@dataclass(frozen=True)
class PolicyFrame:
    """What ``policies`` ask of the frame."""

    policies: tuple[AnyPolicy, ...]
    #: The (port name, protocol) pairs some rule uses.
    named: frozenset[NamedKey]
    #: Every rule's address blocks, in the order of the rules.
    blocks: list[IPBlock]
    #: The first port of every atom the rules' port lists cut, per protocol.
    cuts: dict[str, list[int]]


_kept: list[PolicyFrame] = []


@dataclass(frozen=True)
class _Part:
    """What one policy asks of the frame (its rules' port names, address blocks in
    order, and port cuts per protocol), kept with the policy it is of."""

    policy: AnyPolicy
    named: frozenset[NamedKey]
    blocks: tuple[IPBlock, ...]
    cuts: dict[str, list[int]]


#: The parts of the policies of the frames kept, by the policy's id (held by the part).
_parts: dict[int, _Part] = {}


def policy_frame(
    policies: Sequence[AnyPolicy],
    numeric_of: Mapping[tuple[PortSpec, ...] | None, PortSet] | None = None,
) -> PolicyFrame:
    """What ``policies`` ask of the frame (``numeric_of``: port lists' numeric port sets
    known already, by list), kept. A new list is read a policy at a time, each policy's
    part kept while a kept frame holds it: a policy event changes one (at 100k pods a
    list read whole took 40-50 ms, and 8 ms of kept parts)."""
    for frame in _kept:
        if len(frame.policies) == len(policies) and all(
            a is b for a, b in zip(frame.policies, policies, strict=True)
        ):
            return frame
    known = numeric_of or {}
    parts = [_part_of(policy, known) for policy in policies]
    cuts = {proto: set(points) for proto, points in cuts_of([]).items()}  # the first port
    for part in parts:
        for proto, points in part.cuts.items():
            cuts[proto].update(points)
    frame = PolicyFrame(
        tuple(policies),
        frozenset().union(*(part.named for part in parts)),
        [block for part in parts for block in part.blocks],
        {proto: sorted(points) for proto, points in cuts.items()},
    )
    _kept.insert(0, frame)
    del _kept[KEPT:]
    held = {id(policy) for kept in _kept for policy in kept.policies}
    for gone in [k for k in _parts if k not in held]:
        del _parts[gone]
    return frame


def _part_of(policy: AnyPolicy, known: Mapping[tuple[PortSpec, ...] | None, PortSet]) -> _Part:
    """The kept part of ``policy`` (the same object), or its part read now and kept."""
    part = _parts.get(id(policy))
    if part is not None and part.policy is policy:
        return part
    triples = rule_triples([policy])
    lists = {rule.ports for _, rule, _ in triples}
    numeric = [known.get(ports) or numeric_ports(ports) for ports in lists]
    part = _Part(
        policy,
        frozenset(used_named_ports(triples)),
        tuple(rule_blocks(triples)),
        cuts_of(numeric),
    )
    _parts[id(policy)] = part
    return part
