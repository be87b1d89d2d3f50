"""Whether behaviour classes would merge, without comparing every answer of every class.

Two behaviour classes merge when they answer every policy and rule peer alike and resolve
the named ports alike (:func:`reach.engine.classes.behaviour_classes`). Each class's
answers are hashed: a sum, over every answer column, of a weight of the column times the
answer (mod 2**64), so that a policy's columns come and go by one subtraction and one
addition, and equal answers give equal hashes. Classes with equal hashes (and
resolutions) are then compared answer by answer: the test is exact, the hashes only find
the candidates.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from reach.engine.arrays import BoolVec, IntVec, UIntVec
from reach.engine.bitpack import packed_columns
from reach.engine.rules import AnyPolicy, AnyRule, CompiledRule

#: The answers of some classes: ``columns(classes)[j, k]`` is answer j of ``classes[k]``.
Columns = Callable[[IntVec], npt.NDArray[np.bool_]]


def contribution(policy: AnyPolicy, columns: list[BoolVec]) -> UIntVec:
    """What the answer columns of ``policy`` (who it selects, then who each of its rules'
    peers hold, over behaviour classes) add to each class's hash."""
    if not columns:
        return np.zeros(0, dtype=np.uint64)
    weights = position_weights(len(columns)) * _policy_weight(policy)
    answers = np.array(columns, dtype=np.uint64)
    out: UIntVec = (weights[:, None] * answers).sum(axis=0, dtype=np.uint64)
    return out


def merged(hashes: UIntVec, resolution: IntVec, columns: Columns) -> list[list[int]]:
    """The groups of two or more classes with the same answers and resolution (``hashes``:
    of each class's answers; ``columns``: the answers of the classes asked for), each in
    class order."""
    n = len(hashes)
    if n < 2:
        return []
    order = np.lexsort((resolution, hashes))
    h, r = hashes[order], resolution[order]
    same = (h[1:] == h[:-1]) & (r[1:] == r[:-1])
    if not same.any():
        return []
    starts = np.flatnonzero(np.diff(np.concatenate([[False], same, [False]]).astype(np.int8)))
    out: list[list[int]] = []
    for lo, hi in zip(starts[::2].tolist(), starts[1::2].tolist(), strict=True):
        group = order[lo : hi + 1]  # a run of equal hashes: compared answer by answer
        answers = packed_columns(columns(group))
        alike: dict[bytes, list[int]] = {}
        for cls, row in zip(group.tolist(), answers, strict=True):
            alike.setdefault(row.tobytes(), []).append(cls)
        out += [sorted(classes) for classes in alike.values() if len(classes) > 1]
    return sorted(out)


def all_alike(columns: Columns, classes: list[int]) -> bool:
    """Whether ``classes`` answer every policy and rule peer alike, compared answer by
    answer (``columns``: of the classes, as for :func:`merged`)."""
    answers = columns(np.array(classes, dtype=np.intp))
    return bool(np.all(answers == answers[:, :1]))


def _policy_weight(policy: AnyPolicy) -> np.uint64:
    """A weight of the policy, the same for every object of its kind, namespace and name
    (and rule: the rules of one Cilium object, ``specs``, are policies of one name)."""
    namespace, part = getattr(policy, "namespace", ""), getattr(policy, "part", -1)
    text = f"{type(policy).__name__}/{namespace}/{policy.name}/{part}"
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little") | 1)


@functools.lru_cache(maxsize=256)
def position_weights(k: int) -> UIntVec:
    """A weight for each of the first ``k`` columns of a policy (splitmix64 of j + 1)."""
    z = (np.arange(1, k + 1, dtype=np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: UIntVec = z ^ (z >> np.uint64(31))
    return out


def hashes_of(
    policies: list[AnyPolicy], subjects: list[BoolVec], rules: list[CompiledRule], n: int
) -> UIntVec:
    """The hash of each of the ``n`` classes' answers: the sum of every policy's
    :func:`contribution`, added where the answers are true (mostly few: those are
    gathered and added at once; the others column by column)."""
    peers: dict[int, list[BoolVec]] = {}
    for rule in rules:
        peers.setdefault(id(rule.policy), []).append(rule.peers[:n])
    out = np.zeros(n, dtype=np.uint64)
    where: list[IntVec] = []
    weights: list[np.uint64] = []
    for policy, subject in zip(policies, subjects, strict=True):
        columns = [subject, *peers.get(id(policy), [])]
        for column, weight in zip(
            columns, position_weights(len(columns)) * _policy_weight(policy), strict=True
        ):
            hit = np.flatnonzero(column)
            if len(hit) * 16 > n:
                out += column * weight
            elif len(hit):
                where.append(hit)
                weights.append(weight)
    if where:
        counts = [len(w) for w in where]
        np.add.at(out, np.concatenate(where), np.repeat(np.array(weights), counts))
    return out


def columns_of(subjects: list[BoolVec], rules: list[CompiledRule]) -> Columns:
    """Every answer of some classes: who each policy selects, who each rule's peers hold."""

    def of(classes: IntVec) -> npt.NDArray[np.bool_]:
        answers = [*(s[classes] for s in subjects), *(r.peers[classes] for r in rules)]
        return np.array(answers, dtype=bool).reshape(len(answers), len(classes))

    return of


def answers_hash(
    asked: tuple[list[AnyPolicy], list[tuple[AnyPolicy, AnyRule, str]]], answers: list[bool]
) -> np.uint64:
    """The hash :func:`hashes_of` gives a class whose answers are ``answers`` (whether
    each policy of ``asked`` selects it, then whether each rule's peers hold it, in
    order)."""
    policies, rules = asked
    position = {id(policy): i for i, policy in enumerate(policies)}
    by_policy = [[a] for a in answers[: len(policies)]]
    for (policy, _, _), answer in zip(rules, answers[len(policies) :], strict=True):
        by_policy[position[id(policy)]].append(answer)
    total = 0  # mod 2**64, as the arrays of hashes add
    for policy, column in zip(policies, by_policy, strict=True):
        if any(column):
            weights = position_weights(len(column)) * _policy_weight(policy)
            total += int(weights[np.array(column, dtype=bool)].sum(dtype=np.uint64))
    return np.uint64(total % 2**64)


def classes_alike(
    hashes: UIntVec,
    resolution: IntVec,
    columns: Columns,
    asked: tuple[list[AnyPolicy], list[tuple[AnyPolicy, AnyRule, str]]],
    answers: list[bool],
    resolved: int,
    first: bool = False,
) -> list[int]:
    """The classes (ascending; ``first``: the first only) whose answers are ``answers``
    (whether each policy of ``asked`` selects, then whether each rule's peers hold, in
    order) and whose resolution is ``resolved``. Found by the hash of the answers, then
    compared answer by answer (``hashes``, ``resolution``, ``columns``: of the classes, as
    for :func:`merged`)."""
    wanted = np.array(answers, dtype=bool)
    same = hashes == answers_hash(asked, answers)
    out: list[int] = []
    for cls in np.flatnonzero(same & (resolution == resolved)).tolist():
        if np.array_equal(columns(np.array([cls]))[:, 0], wanted):
            out.append(int(cls))
            if first:
                break
    return out
