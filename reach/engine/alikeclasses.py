"""The behaviour classes of a compilation that answer as a label class key does, found by
the hashes of the classes' answers (:mod:`reach.engine.answerhash`), for a pod of a new
key (:mod:`reach.engine.podmoves`, :mod:`reach.engine.meshpods`)."""

from __future__ import annotations

from reach.engine.answerhash import classes_alike, columns_of, hashes_of
from reach.engine.classes import NamedPorts
from reach.engine.keyanswers import KeyAnswers
from reach.engine.policystate import PolicyState
from reach.engine.reachability import Reachability


def answered_alike(
    x: Reachability,
    state: PolicyState,
    asked: KeyAnswers,
    answers: list[bool],
    named_ports: NamedPorts,
    first: bool = False,
) -> list[int]:
    """:func:`classes_alike` over the classes of ``x`` (``state``: its policy state;
    ``asked``: whose policies and rules ``answers`` answer), resolving the named ports as
    ``named_ports``; the hashes of the classes' answers are made once, then carried from
    update to update (much cheaper than making every class's signature again)."""
    if named_ports not in state.masks.resolutions:
        return []
    n = x.n_internal
    if state.hashes is None:  # a fact of these classes: kept for the updates after
        state.hashes = hashes_of(state.policies, state.subjects, x.rules, n)
    return classes_alike(
        state.hashes,
        state.masks.resolution_of[:n],
        columns_of(state.subjects, x.rules),
        (asked.policies, asked.rules),
        answers,
        state.masks.resolutions.index(named_ports),
        first,
    )
