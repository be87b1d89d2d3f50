"""A Calico NetworkPolicy or GlobalNetworkPolicy added, replaced or deleted in a compiled
cluster (Calico's tiers deciding) without compiling it again.

A Calico policy decides only the sides of the classes it selects: in each direction its
tier applies to them (or no longer does) and its rules select among them; the rows of
every other class allow what they did. So when the change leaves the compilation's frame
as it was, the Calico rules are taken again from the cluster's Calico objects, as
compiling takes them (``calicoplan``, ``calicocompile``), the tiers are walked again
(``calicotiers``: which tiers apply to which class), and only the rows of the classes
the policy selects, before or after, are computed again. The frame:

- the label classes: the named ports every rule uses are the same;
- the address segments and the port atoms: the Calico rules' nets and network sets cut
  the addresses at the same points, their ports cut the port space at no new point;
- the behaviour classes: every Calico answer is the same on the label classes of each
  behaviour class (no class splits), and no two classes come to answer everything alike
  (none merge).

Otherwise :func:`calico_moved` says so and the caller compiles.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.arrays import BoolVec
from reach.engine.atoms import cuts_of
from reach.engine.calicocompile import CalicoCompilation
from reach.engine.calicoplan import CalicoPlan, calico_plan
from reach.engine.calicostate import CalicoState
from reach.engine.calicotiers import CalicoTiers
from reach.engine.moves import Move
from reach.engine.portmasks import numeric_ports
from reach.engine.reachability import Reachability
from reach.engine.rowsagain import DIRECTIONS, rows_with, side_fields, side_tables
from reach.engine.rules import (
    CompiledRule,
    priority_ties,
    rule_blocks,
    rule_triples,
    used_named_ports,
)
from reach.model.calico import CalicoPolicy, Profile
from reach.model.cluster import Cluster
from reach.model.ipspace import segments


def calico_moved(
    x: Reachability, cluster: Cluster, old: CalicoPolicy | None, new: CalicoPolicy | None
) -> Move | None:
    """``x`` for ``cluster``, whose Calico objects are ``x.cluster``'s with the policy
    ``old`` taken out and ``new`` put in (either may be None), as a :class:`Move`; None
    when that needs a compilation (see the module doc)."""
    state, tiers = x.calico_state, x.calico
    if state is None or tiers is None:
        return None
    plan = calico_plan(cluster)
    if not _same_frame(state, x, plan):
        return None
    calico = CalicoCompilation(cluster, plan)
    names = list(state.matcher.namespace_position)
    same = cluster.calico.network_sets == x.cluster.calico.network_sets
    kept = state.calico_matcher if same and cluster.services is x.cluster.services else None
    vectors = calico.match(
        state.labels, cluster, names, state.matcher.peer_segments, x.segments, kept
    )
    first = state.classes.first_label_class
    representative = first[state.classes.of_label_class]
    if any(not np.array_equal(v, v[representative]) for v in vectors):
        return None  # the change tells label classes of one class apart
    calico.in_classes(first)
    others = [r for r in x.rules if not isinstance(r.policy, CalicoPolicy | Profile)]
    if _merges(state, x, others, [v[first] for v in vectors]):
        return None
    rules = calico.rules(others, state.masks, state.named_ports, len(x.pseudo))
    sides, some = calico.walked(state.policies, state.subjects, rules, state.masks)
    assert calico.tiers is not None
    touched = {d: _selecting(tiers, old, d) | _selecting(calico.tiers, new, d) for d in DIRECTIONS}
    state_of = calico.tiers.state_of
    rows = {d: rows_with(x, d, sides, state_of[d], touched[d]) for d in DIRECTIONS}
    masks, ids, table = side_tables(x, rows["ingress"][2] | rows["egress"][2])
    moved = replace(
        x,
        cluster=cluster,
        rules=rules,
        **side_fields(rows, some),
        calico=calico.tiers,
        diagnostics=priority_ties(rules),
        _side_masks=masks,
        _side_ids=ids,
        _and=table,
    )
    return Move(moved, touched["ingress"] | touched["egress"], [], None)


def _same_frame(state: CalicoState, x: Reachability, plan: CalicoPlan) -> bool:
    """Whether a compilation of ``cluster`` has ``x``'s label classes (the same named
    ports used), address segments and port atoms (cuts no rule makes any more may stay:
    finer atoms hold the same port sets)."""
    triples = rule_triples(state.policies)
    if sorted(set(used_named_ports(triples)) | plan.named_ports) != state.named_ports:
        return False
    blocks = rule_blocks(triples) + plan.blocks
    if segments(blocks) != x.segments or any(b.cidr.version == 6 for b in blocks) != x.ipv6:
        return False
    numeric = [numeric_ports(ports) for ports in {rule.ports for _, rule, _ in triples}]
    cuts, starts = cuts_of([*numeric, *plan.port_sets]), x.atoms.starts
    return all(set(cut) <= set(starts.get(proto, ())) for proto, cut in cuts.items())


def _merges(
    state: CalicoState, x: Reachability, others: list[CompiledRule], calico: list[BoolVec]
) -> bool:
    """Whether two behaviour classes answer everything alike after the change: the other
    policies' subjects and rule peers, the Calico answers (host networking among them) and
    the named-port resolution."""
    n = x.n_internal
    if n < 2:
        return False
    columns = [*state.subjects, *(r.peers[:n] for r in others), *calico]
    packed = np.packbits(np.array(columns, dtype=bool).reshape(-1, n), axis=0).T
    resolution = state.masks.resolution_of[:n]
    seen = {(row.tobytes(), int(r)) for row, r in zip(packed, resolution.tolist(), strict=True)}
    return len(seen) != n


def _selecting(tiers: CalicoTiers, policy: CalicoPolicy | None, direction: str) -> BoolVec:
    """The classes ``policy`` selects in ``direction`` among the owners the tiers were
    walked with (none when it is not one: staged, or applying to hosts only)."""
    n = len(tiers.state_of[direction])
    out = np.zeros(n, dtype=bool)
    if policy is None:
        return out
    d = DIRECTIONS.index(direction)
    for owner, *subjects in tiers.owners:
        if owner is policy:
            out |= subjects[d]
    return out
