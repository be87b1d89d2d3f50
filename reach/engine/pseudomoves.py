"""Cilium's pseudo peers (entities such as ``kube-apiserver``, ``toFQDNs`` names: classes
after the address segments) come or go in a compiled cluster without compiling again.

A Cilium policy that names a pseudo peer no rule named adds a class at the end; one that
takes out the last rule naming it takes the class out. Before the policy goes in, every
pseudo peer of the cluster before or after is a class: those of the compilation keep
their columns, and each new one takes the column compiling gives it: every rule's peers
hold it as ``pseudopeers.pseudo_held`` says, and each class's side has at it what the
side's rules holding it decide (``SideRows.column``, the compiler's own walk); classes
that shared a row and differ there take a row each. Once the policy is in, the pseudo
peers no rule names any more lose their columns (no row reads them). Beside Istio's mesh
layer the same is done to the rows before the mesh's AND (since the fifteenth session of
2026-12-04; such a policy loaded there before).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.meshclasses import ends_remeshed
from reach.engine.pseudopeers import pseudo_held
from reach.engine.reachability import Reachability
from reach.engine.rowbuffer import empty_rows
from reach.engine.rowsagain import DIRECTIONS, side_fields, side_tables
from reach.engine.rules import CompiledRule
from reach.engine.segmentmoves import ends_taken
from reach.engine.sides import SideRows
from reach.engine.taking import Taking
from reach.model.pseudo import PseudoPeer, pseudo_order


def with_pseudo(x: Reachability, pseudo: list[PseudoPeer]) -> Reachability:
    """``x`` with the pseudo peers ``pseudo`` (each a class of ``x`` or a new one; those of
    ``x`` not among them no rule holds any more), as the module doc says. Beside Istio's
    mesh layer the rows before the mesh's AND take them, and the mesh layer is made again
    over the new ends (:func:`reach.engine.meshclasses.remeshed`): with none new, the rows
    after the AND are taken as they were; with a new one, ANDed again."""
    columns = _columns(x, pseudo)
    if x.mesh is None:
        return _with_pseudo(x, pseudo, columns)
    kept = columns if (columns >= 0).all() else None
    return ends_remeshed(x, lambda base: _with_pseudo(base, pseudo, columns), kept)


def _columns(x: Reachability, pseudo: list[PseudoPeer]) -> IntVec:
    """The class of ``x`` each class is with the pseudo peers ``pseudo`` (-1: a new one)."""
    place = {p: x.first_pseudo + j for j, p in enumerate(x.pseudo)}
    return np.array([*range(x.first_pseudo), *(place.get(p, -1) for p in pseudo)], dtype=np.intp)


def _with_pseudo(x: Reachability, pseudo: list[PseudoPeer], columns: IntVec) -> Reachability:
    """:func:`with_pseudo` without the mesh layer (``columns``: :func:`_columns`)."""
    state = x.policy_state
    assert state is not None and x.mesh is None and x.calico is None
    fresh = np.flatnonzero(columns < 0)
    new = [p for p in pseudo if p not in x.pseudo]
    take = Taking(columns)
    masks, rules = ends_taken(x, state, take)
    if len(fresh):  # their peers are fresh arrays then
        _hold_new(rules, fresh, new)
    sides = SideRows(rules, x.atoms, n_internal=x.n_internal, resolution_of=masks.resolution_of)
    isolated = {"ingress": x.ingress_isolated, "egress": x.egress_isolated}
    rows = {}
    for direction in DIRECTIONS:
        old_rows, row_of = (
            (x.ingress_rows, x.ingress_group)
            if direction == "ingress"
            else (x.egress_rows, x.egress_group)
        )
        of = row_of[np.maximum(columns, 0)]
        of[fresh] = row_of[x.n_internal]  # an external end's row (ends have no side)
        at = [sides.column(direction, isolated[direction], int(c)) for c in fresh.tolist()]
        key = np.stack([of, *at], axis=1) if at else of[:, None]
        pairs, inverse = np.unique(key, axis=0, return_inverse=True)
        out = empty_rows(len(pairs), len(columns), old_rows.dtype)
        take(old_rows, 0, rows=pairs[:, 0], out=out)
        out[:, fresh] = pairs[:, 1:]
        ids = set(np.unique(pairs[:, 1:]).tolist())
        rows[direction] = (out, inverse.reshape(-1).astype(np.intp), ids)
    side_masks, side_ids, table = side_tables(x, rows["ingress"][2] | rows["egress"][2])
    return replace(
        x,
        pseudo=list(pseudo),
        rules=rules,
        **side_fields(rows, isolated),
        policy_state=replace(state, masks=masks),
        _side_masks=side_masks,
        _side_ids=side_ids,
        _and=table,
    )


def pseudo_union(a: list[PseudoPeer], b: list[PseudoPeer]) -> list[PseudoPeer]:
    """The pseudo peers of both lists, in the order ``pseudo_peers`` gives them."""
    return sorted(set(a) | set(b), key=pseudo_order)


def _hold_new(rules: list[CompiledRule], fresh: IntVec, new: list[PseudoPeer]) -> None:
    """Write into each rule's fresh peers (taken anew) the new pseudo peers it holds, in
    place; rules that share an array (equal peers: ``compile``) and hold the new ones
    otherwise each take a copy of it."""
    written: dict[int, bytes] = {}
    copies: dict[tuple[int, bytes], BoolVec] = {}
    for rule in rules:
        held = pseudo_held(rule.rule, new)  # type: ignore[arg-type]
        mark = held.tobytes()
        done = written.setdefault(id(rule.peers), mark)
        if done is mark:  # the first rule of this array: written in place
            rule.peers[fresh] = held
        elif done != mark:
            key = (id(rule.peers), mark)
            if key not in copies:
                copies[key] = rule.peers.copy()
                copies[key][fresh] = held
            rule.peers = copies[key]
