"""The rows of some classes computed again after a change of policies or namespaces
(:mod:`reach.engine.policymoves`, :mod:`reach.engine.namespacemoves`), and the
reachability that holds them.

Rows computed again intern their port sets after the compilation's (in the same
:class:`~reach.engine.atoms.PortAtoms`): the AND table grows by the new ids only, and
rows no class uses any more are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from reach.engine.arrays import BoolVec, IntVec, PortSetIds
from reach.engine.classes import Signature, signatures
from reach.engine.policystate import PolicyState
from reach.engine.reachability import Reachability
from reach.engine.rowbuffer import appended
from reach.engine.rules import AnyPolicy, CompiledRule, isolation, rule_triples
from reach.engine.sides import SideRows
from reach.model.cluster import Cluster

DIRECTIONS = ("ingress", "egress")


def rows_again(
    x: Reachability,
    cluster: Cluster,
    state: PolicyState,
    rules: list[CompiledRule],
    touched: dict[str, BoolVec],
    added: AnyPolicy | None,
    policy_selected: list[BoolVec],
) -> Reachability:
    """``x`` for ``cluster`` with the policies, answers and rules of ``state`` and
    ``rules`` (in evaluation order), where the rows of the ``touched`` classes of each
    direction are computed again (the others allow what they did); ``added``: the policy
    that came in, if any (the label keys it names may be new to pods' projections);
    ``policy_selected``: the rows of ``Reachability.policy_selected`` after the change."""
    n = x.n_internal
    isolated = isolation(state.policies, state.subjects, n)
    sides = SideRows(rules, x.atoms, n_internal=n, resolution_of=state.masks.resolution_of)
    rows = {d: rows_with(x, d, sides, isolated[d], touched[d]) for d in DIRECTIONS}
    masks, ids, table = side_tables(x, rows["ingress"][2] | rows["egress"][2])
    keys = x.class_keys
    assert keys is not None and keys.answers is not None  # compiled with a policy state
    answers = keys.answers.carried(
        state.policies, rule_triples(state.policies), cluster.namespaces, added
    )
    return replace(
        x,
        cluster=cluster,
        rules=rules,
        **side_fields(rows, isolated),
        selected_matrix=None,
        selected_rows=policy_selected,
        class_keys=replace(
            keys, answers=answers, by_signature=LazySignatures(lambda: signatures_of(state, rules))
        ),
        policy_state=state,
        _side_masks=masks,
        _side_ids=ids,
        _and=table,
    )


def side_fields(
    rows: Mapping[str, tuple[PortSetIds, IntVec, set[int]]], isolated: Mapping[str, BoolVec]
) -> dict[str, Any]:
    """The fields of a :class:`Reachability` that hold both sides: each direction's
    ``(rows, row_of, ids)`` and isolation."""
    return {
        "egress_rows": rows["egress"][0],
        "egress_group": rows["egress"][1],
        "ingress_rows": rows["ingress"][0],
        "ingress_group": rows["ingress"][1],
        "ingress_isolated": isolated["ingress"],
        "egress_isolated": isolated["egress"],
    }


def side_tables(x: Reachability, fresh: set[int]) -> tuple[list[int], list[int], PortSetIds | None]:
    """``(masks, ids, and_table)`` of ``x``'s sides once rows holding the ids ``fresh``
    (interned after its own) join them: the int masks of every id up to the last the
    sides hold, the ids they hold, and ``x``'s AND table grown to them (None when ``x``
    never made one)."""
    ids = sorted(set(range(len(x._side_masks)) if x._side_ids is None else x._side_ids) | fresh)
    masks = x.atoms.values[: ids[-1] + 1]
    return masks, ids, _extended(x, masks, ids)


def rows_with(
    x: Reachability,
    direction: str,
    sides: SideRows,
    isolated: BoolVec | IntVec,
    touched: BoolVec,
) -> tuple[PortSetIds, IntVec, set[int]]:
    """``(rows, row_of, ids)`` of one direction, with the rows of the ``touched`` classes
    computed again (appended, :mod:`reach.engine.rowbuffer`; ``ids``: those they hold);
    when most rows are no class's any more, those are dropped."""
    rows, row_of = (
        (x.ingress_rows, x.ingress_group)
        if direction == "ingress"
        else (x.egress_rows, x.egress_group)
    )
    classes = np.flatnonzero(touched)
    if not len(classes):
        return rows, row_of, set()
    fresh = sides.rows_of(direction, isolated, classes.tolist())
    distinct: dict[bytes, int] = {}
    keep = [distinct.setdefault(row.tobytes(), len(distinct)) for row in fresh]
    row_of = row_of.copy()
    row_of[classes] = len(rows) + np.array(keep, dtype=np.intp)
    rows = appended(rows, fresh[[keep.index(k) for k in range(len(distinct))]])
    ids = set(np.unique(fresh).tolist())
    if len(rows) > 2 * len(np.unique(row_of)) + 64:
        used, row_of = np.unique(row_of, return_inverse=True)
        return rows[used], row_of.reshape(-1).astype(np.intp), ids
    return rows, row_of, ids


def _extended(x: Reachability, masks: list[int], side: list[int]) -> PortSetIds | None:
    """``x``'s AND table grown to the ids of ``masks``, with the entries between the ids
    the sides hold (``side``) made (the others are never read); None when ``x`` never made
    one."""
    table = x._and
    if table is None:
        return None
    n_old, n = len(table), max(len(table), len(masks))
    out = np.zeros((n, n), dtype=np.int32)
    out[:n_old, :n_old] = table
    intern = x.atoms.intern_int
    # the entries made are those between the ids the sides held; an id interned since
    # (below the last of them, by another query) has none yet
    held = set(range(len(x._side_masks))) if x._side_ids is None else set(x._side_ids)
    for e in side:
        if e >= n_old or e not in held:  # AND is symmetric: the row and the column alike
            out[e, side] = out[side, e] = [intern(masks[e] & masks[i]) for i in side]
    return out


def signatures_of(state: PolicyState, rules: list[CompiledRule]) -> dict[Signature, int]:
    """The behaviour class of each signature, as compiling the changed policies gives it."""
    n = len(state.classes)
    answers = [*state.subjects, *(r.peers[:n] for r in rules)]
    found = signatures(answers, state.classes.named_ports)
    return {signature: c for c, signature in enumerate(found)}


class LazySignatures(Mapping[Signature, int]):
    """``ClassKeys.by_signature``, computed when first read (a pod of new labels)."""

    def __init__(self, make: Callable[[], dict[Signature, int]]) -> None:
        self._make = make
        self._table: dict[Signature, int] | None = None

    @property
    def made(self) -> bool:
        """Whether the table was made (read once)."""
        return self._table is not None

    def _got(self) -> dict[Signature, int]:
        if self._table is None:
            self._table = self._make()
        return self._table

    def __getitem__(self, key: Signature) -> int:
        return self._got()[key]

    def __iter__(self) -> Iterator[Signature]:
        return iter(self._got())

    def __len__(self) -> int:
        return len(self._got())
