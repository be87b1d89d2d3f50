"""Whether behaviour classes would merge after a change beside Calico's tiers, by hashes of
each class's answers carried from update to update (as :mod:`reach.engine.answerhash`
does for NetworkPolicies).

A class's answers are, beside the tiers, every compiled rule's (who it selects, whom its
peers hold) and every policy's selection each way (the tiers' owners). Each is a column
named by its policy, its direction and its place among that policy's rules; a class's
hash is the sum over columns of a weight of the name times the answer (mod 2**64). An
update takes out the columns that changed and puts in their new answers; classes of equal
hash are then compared answer by answer (:func:`answerhash.merged`), so the test is exact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from reach.engine.answerhash import merged
from reach.engine.arrays import BoolVec, IntVec, UIntVec
from reach.engine.rules import CompiledPolicy, CompiledRule

#: A column's name, and its answers (over behaviour classes; a rule's peers over every
#: class, cut to the behaviour classes when read).
Columns = dict[tuple[str, str, int, str], BoolVec]
Owners = Sequence[tuple[CompiledPolicy, BoolVec, BoolVec]]

_WEIGHTS: dict[tuple[str, str, int, str], np.uint64] = {}


def answer_columns(rules: list[CompiledRule], owners: Owners, host: BoolVec) -> Columns:
    """The answer columns of a state: its rules' and its policies' selections, and which
    classes are host-networked (``host``)."""
    out: Columns = {("", "host", 0, "host"): host}
    count: dict[tuple[str, str], int] = {}
    names: dict[int, str] = {}  # many rules share their policy
    for rule in rules:
        name = names.get(id(rule.policy))
        if name is None:
            name = names[id(rule.policy)] = str(rule.policy)
        base = (name, rule.direction)
        k = count[base] = count.get(base, -1) + 1
        out[(*base, k, "selected")] = rule.selected
        out[(*base, k, "peers")] = rule.peers
    for owner, ingress, egress in owners:
        name = names.get(id(owner))
        if name is None:
            name = names[id(owner)] = str(owner)
        out[(name, "owner", 0, "ingress")] = ingress
        out[(name, "owner", 0, "egress")] = egress
    return out


def class_hashes(columns: Columns, n: int) -> UIntVec:
    """The hash of each of the ``n`` classes' answers, made from every column."""
    out = np.zeros(n, dtype=np.uint64)
    for name, column in columns.items():
        out[np.flatnonzero(column[:n])] += _weight(name)
    return out


def class_hash(columns: Columns, at: int) -> np.uint64:
    """:func:`class_hashes` of the one class ``at`` (a class made): the sum of the
    weights of the columns that hold it, without an array per column."""
    total = sum(int(_weight(name)) for name, column in columns.items() if column[at])
    return np.uint64(total % 2**64)


def carried(hashes: UIntVec, before: Columns, after: Columns, n: int) -> UIntVec:
    """``hashes`` (of ``before``'s answers) for ``after``'s: the columns that changed taken
    out and put back (columns of one array are unchanged without comparing them)."""
    out = hashes.copy()
    for name in before.keys() | after.keys():
        old, new = before.get(name), after.get(name)
        if old is new:
            continue
        if old is not None and new is not None and np.array_equal(old[:n], new[:n]):
            continue
        weight = _weight(name)
        if old is not None:
            out[np.flatnonzero(old[:n])] -= weight
        if new is not None:
            out[np.flatnonzero(new[:n])] += weight
    return out


def hashes_renumbered(
    hashes: UIntVec, before: Columns, after: Columns, source: IntVec, at: int
) -> UIntVec:
    """The hashes of the classes renumbered (``source``: the class before of each, -1 a new
    one, whose hash is made, at ``at``; ``hashes``, of ``before``'s answers). A class kept
    answers every column it had as it did; the columns that came or went with the pods
    (a Profile's rules, Calico's default ``kns.*`` of a namespace with no Profile) are put
    in or taken out of its hash."""
    out = np.zeros(len(source), dtype=np.uint64)
    kept = np.flatnonzero(source >= 0)
    out[kept] = hashes[source[kept]]
    for name in before.keys() - after.keys():
        out[kept[before[name][source[kept]]]] -= _weight(name)
    for name in after.keys() - before.keys():
        out[kept[after[name][kept]]] += _weight(name)
    if at >= 0:
        out[at] = class_hash(after, at)
    return out


def merge(hashes: UIntVec, resolution: IntVec, columns: Columns, n: int) -> list[list[int]]:
    """The groups of the ``n`` classes that answer every column alike and resolve the named
    ports alike (candidates by hash, then compared answer by answer), each in class
    order."""
    answers = list(columns.values())

    def of(classes: IntVec) -> npt.NDArray[np.bool_]:
        rows = [column[classes] for column in answers]
        return np.array(rows, dtype=bool).reshape(len(rows), len(classes))

    return merged(hashes, resolution, of)


def _weight(name: tuple[str, str, int, str]) -> np.uint64:
    """A weight of the column's name (odd, from its digest)."""
    weight = _WEIGHTS.get(name)
    if weight is None:
        digest = hashlib.blake2b(repr(name).encode(), digest_size=8).digest()
        weight = _WEIGHTS[name] = np.uint64(int.from_bytes(digest, "little") | 1)
    return weight
