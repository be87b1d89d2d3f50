"""Whether behaviour classes would merge after a change beside Calico's tiers, by hashes of
each class's answers carried from update to update (as :mod:`reach.engine.answerhash`
does for NetworkPolicies).

A class's answers are, beside the tiers, every compiled rule's (who it selects, whom its
peers hold) and every policy's selection each way (the tiers' owners). They are kept a
policy at a time: the answer columns of one policy's name, its rules' in their order and
then its selections, each weighted by the name, the number of columns and its place among
them. A class's hash is the sum over columns of the weight times the answer (mod 2**64).
An update takes out the columns that changed and puts in their new answers; classes of
equal hash are then compared answer by answer (:func:`answerhash.merged`), so the test is
exact.

Kept a policy at a time, an update compares about 10,000 policies' columns by identity
at 100k pods, not 47,000 named columns one by one: making the columns took 74 ms and
carrying the hashes 95 ms that way (see docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from reach.engine.answerhash import merged, position_weights
from reach.engine.arrays import BoolVec, IntVec, UIntVec
from reach.engine.rules import CompiledPolicy, CompiledRule

#: The answer columns of each policy's name: its rules' (who each selects, whom its peers
#: hold: over every class, cut to the behaviour classes when read) in their order, then
#: its selections each way when it is a tier owner; ``""``: which classes are
#: host-networked. A list once made is not changed.
Columns = dict[str, list[BoolVec]]
Owners = Sequence[tuple[CompiledPolicy, BoolVec, BoolVec]]

#: The host-networked classes' column's name.
HOST = ""

_WEIGHTS: dict[tuple[str, int], UIntVec] = {}


def answer_columns(rules: list[CompiledRule], owners: Owners, host: BoolVec) -> Columns:
    """The answer columns of a state: its rules' and its policies' selections, and which
    classes are host-networked (``host``)."""
    out: Columns = {HOST: [host]}
    of_policy: dict[int, list[BoolVec]] = {}  # many rules share their policy
    for rule in rules:
        group = of_policy.get(id(rule.policy))
        if group is None:
            group = of_policy[id(rule.policy)] = out.setdefault(str(rule.policy), [])
        group += (rule.selected, rule.peers)
    for owner, ingress, egress in owners:
        group = of_policy.get(id(owner))
        if group is None:
            group = of_policy[id(owner)] = out.setdefault(str(owner), [])
        group += (ingress, egress)
    return out


def class_hashes(columns: Columns, n: int) -> UIntVec:
    """The hash of each of the ``n`` classes' answers, made from every column (the true
    answers gathered and added at once)."""
    out = np.zeros(n, dtype=np.uint64)
    where: list[IntVec] = []
    weights: list[UIntVec] = []
    for name, group in columns.items():
        for column, weight in zip(group, _weights(name, len(group)), strict=True):
            hit = np.flatnonzero(column[:n])
            if len(hit) * 16 > n:  # a dense column: added whole
                out += column[:n] * weight
            elif len(hit):
                where.append(hit)
                weights.append(np.full(len(hit), weight, dtype=np.uint64))
    if where:
        np.add.at(out, np.concatenate(where), np.concatenate(weights))
    return out


def class_hash(columns: Columns, at: int) -> np.uint64:
    """:func:`class_hashes` of the one class ``at`` (a class made): the sum of the
    weights of the columns that hold it, without an array per column."""
    total = 0
    for name, group in columns.items():
        held = [bool(column[at]) for column in group]
        if any(held):
            total += int(_weights(name, len(group))[held].sum(dtype=np.uint64))
    return np.uint64(total % 2**64)


def carried(hashes: UIntVec, before: Columns, after: Columns, n: int) -> UIntVec:
    """``hashes`` (of ``before``'s answers) for ``after``'s: the columns that changed taken
    out and put back (a policy whose columns are the same arrays is not compared)."""
    out = hashes.copy()
    for name in before.keys() | after.keys():
        old, new = before.get(name, []), after.get(name, [])
        if len(old) == len(new) and all(map(operator.is_, old, new)):
            continue
        if len(old) != len(new):  # other weights: every column out, then in
            _add(out, old, _weights(name, len(old)), n, -1)
            _add(out, new, _weights(name, len(new)), n, 1)
            continue
        changed = _differing(old, new, n)
        weights = _weights(name, len(new))[changed]
        _add(out, [old[k] for k in changed], weights, n, -1)
        _add(out, [new[k] for k in changed], weights, n, 1)
    return out


def _differing(old: list[BoolVec], new: list[BoolVec], n: int) -> list[int]:
    """The places where ``old`` and ``new`` (columns of one length) hold other arrays with
    other entries among the first ``n``, compared in one stack: a network set changed at
    10k pods gives 3,090 rules' columns other arrays, 15 ms compared one by one."""
    other = [k for k, (a, b) in enumerate(zip(old, new, strict=True)) if a is not b]
    if not other or not n:
        return []
    before = np.array([old[k][:n] for k in other])
    after = np.array([new[k][:n] for k in other])
    differ: list[bool] = (before != after).any(axis=1).tolist()
    return [k for k, d in zip(other, differ, strict=True) if d]


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
    for name, group in before.items():
        if len(after.get(name, ())) != len(group):
            for column, weight in zip(group, _weights(name, len(group)), strict=True):
                out[kept[column[source[kept]]]] -= weight
    for name, group in after.items():
        if len(before.get(name, ())) != len(group):
            for column, weight in zip(group, _weights(name, len(group)), strict=True):
                out[kept[column[kept]]] += weight
    if at >= 0:
        out[at] = class_hash(after, at)
    return out


def merge(hashes: UIntVec, resolution: IntVec, columns: Columns, n: int) -> list[list[int]]:
    """The groups of the ``n`` classes that answer every column alike and resolve the named
    ports alike (candidates by hash, then compared answer by answer), each in class
    order."""
    return merged(hashes, resolution, answers_of(columns))


def answers_of(columns: Columns) -> Callable[[IntVec], npt.NDArray[np.bool_]]:
    """The answers of some classes to every column, a row per distinct array."""
    # each array once: a policy's rules share its subjects, and rules their peers (at 100k
    # pods 47,137 columns are 17,455 arrays; each is read at every class compared)
    answers = list({id(column): column for group in columns.values() for column in group}.values())

    def of(classes: IntVec) -> npt.NDArray[np.bool_]:
        rows = [column[classes] for column in answers]
        return np.array(rows, dtype=bool).reshape(len(rows), len(classes))

    return of


def _add(out: UIntVec, columns: list[BoolVec], weights: UIntVec, n: int, sign: int) -> None:
    """Add (``sign`` 1) or take out (-1) each column's weight where it holds a class."""
    for column, weight in zip(columns, weights, strict=True):
        hit = np.flatnonzero(column[:n])
        if sign > 0:
            out[hit] += weight
        else:
            out[hit] -= weight


def _weights(name: str, k: int) -> UIntVec:
    """The weights of the ``k`` columns of the policy named ``name`` (a weight of the name
    and their number, odd, from its digest, times each place's)."""
    weights = _WEIGHTS.get((name, k))
    if weights is None:
        digest = hashlib.blake2b(f"{k}/{name}".encode(), digest_size=8).digest()
        name_weight = np.uint64(int.from_bytes(digest, "little") | 1)
        weights = _WEIGHTS[(name, k)] = position_weights(k) * name_weight
    return weights
