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

#: What each policy of the lists kept asks (by its identity, the policy held with it).
_Part = tuple[AnyPolicy, frozenset[NamedKey], list[IPBlock], dict[str, list[int]]]
_parts: dict[int, _Part] = {}


def policy_frame(
    policies: Sequence[AnyPolicy],
    numeric_of: Mapping[tuple[PortSpec, ...] | None, PortSet] | None = None,
) -> PolicyFrame:
    """What ``policies`` ask of the frame (``numeric_of``: port lists' numeric port sets
    known already, by list), kept; a list not kept is put together of what each of its
    policies asks, read once per policy (an event changes one: at 10k pods beside Calico's
    tiers reading every rule again took 2.4 ms of each policy event)."""
    for frame in _kept:
        if len(frame.policies) == len(policies) and all(
            a is b for a, b in zip(frame.policies, policies, strict=True)
        ):
            return frame
    known = numeric_of or {}
    parts = []
    for policy in policies:
        part = _parts.get(id(policy))
        if part is None or part[0] is not policy:
            part = _parts[id(policy)] = _part(policy, known)
        parts.append(part)
    cuts = {  # (every part cuts each protocol at its first port at least)
        proto: sorted(set(starts).union(*(part[3][proto] for part in parts)))
        for proto, starts in cuts_of([]).items()
    }
    frame = PolicyFrame(
        tuple(policies),
        frozenset().union(*(part[1] for part in parts)),
        [block for part in parts for block in part[2]],
        cuts,
    )
    _kept.insert(0, frame)
    del _kept[KEPT:]
    held = {id(p) for f in _kept for p in f.policies}
    for gone in [k for k in _parts if k not in held]:
        del _parts[gone]
    return frame


def _part(policy: AnyPolicy, known: Mapping[tuple[PortSpec, ...] | None, PortSet]) -> _Part:
    """What one policy asks of the frame: its port names, blocks and port cuts."""
    triples = rule_triples([policy])
    lists = {rule.ports for _, rule, _ in triples}
    numeric = [known.get(ports) or numeric_ports(ports) for ports in lists]
    return (policy, frozenset(used_named_ports(triples)), rule_blocks(triples), cuts_of(numeric))
