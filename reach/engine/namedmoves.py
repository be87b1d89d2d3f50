"""A policy whose rules name a port no rule named, or whose going leaves a port name that
no rule names, put in without compiling again (:mod:`reach.engine.policymoves`).

Label classes are keyed by every named container port of their pods
(:class:`reach.engine.classes.KeyOf`), so the names the rules use do not change them.
What the names change is:

- the behaviour classes: a compilation tells classes apart by how their label classes
  resolve the names rules use (:func:`reach.engine.classes.signatures`). A name that comes
  in may split classes: each key's resolution of it (:func:`named_patterns`) is a pattern
  of the split, with the policy's own answers (:func:`reach.engine.classsplits.split_by`).
  A name that goes may merge classes: the merge groups read resolutions without it
  (:func:`resolution_ids`);
- the port atoms: a compilation cuts them at every port a name resolves to
  (``portmasks.resolved_ports``, cut first by :func:`reach.engine.portcuts.with_cuts`);
- the frame (:func:`reframed`): each label class's and behaviour class's resolution, the
  rule masks' resolutions, the masks of the compiled rules that name ports, and the names
  a new key's answers resolve (:class:`reach.engine.keyanswers.KeyAnswers`).

The rows hold port-set ids, whose port sets do not depend on the frame: they stay. A
class split by a name allows and is allowed what its class was until a rule naming it
comes in, and classes merged once a name goes allow and are allowed alike (no rule reads
the name any more).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from reach.engine.arrays import IntVec
from reach.engine.calicostate import CalicoState
from reach.engine.classes import NamedPorts, resolution
from reach.engine.moves import Moved
from reach.engine.policystate import PolicyState
from reach.engine.portmasks import numbering
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowsagain import LazySignatures, signatures_of
from reach.engine.rules import NamedKey, rule_triples, used_named_ports


def names_of(policy: Moved | None) -> set[NamedKey]:
    """The (port name, protocol) pairs the policy's rules name."""
    return set(used_named_ports(rule_triples([policy]))) if policy is not None else set()


def grown(keys: ClassKeys, names: list[NamedKey]) -> list[NamedPorts]:
    """How each label class key of ``keys`` resolves ``names`` (names no rule used)."""
    return [resolution(key[2], names) for key in keys.label_keys]


def named_patterns(resolved: list[NamedPorts]) -> list[bytes]:
    """Each key's resolution (:func:`grown`) as a pattern of
    :func:`reach.engine.classsplits.split_into` (one per key, of one length)."""
    return [number.to_bytes(4, "little") for number in numbering(resolved)[1]]


def splits_any(keys: ClassKeys, patterns: list[bytes]) -> bool:
    """Whether the keys of some behaviour class have different ``patterns``."""
    seen: dict[int, bytes] = {}
    return any(
        seen.setdefault(cls, pattern) != pattern
        for cls, pattern in zip(keys.behaviour, patterns, strict=True)
        if cls >= 0
    )


def resolution_ids(state: PolicyState, named: list[NamedKey]) -> IntVec:
    """For each behaviour class of ``state``, a number of how it resolves ``named`` (some
    of the names it resolves; classes that resolve them alike have one number)."""
    at = [state.named_ports.index(key) for key in named]
    projected = [tuple(ports[i] for i in at) for ports in state.classes.named_ports]
    return np.array(numbering(projected)[1], dtype=np.intp)


def reframed(x: Reachability, named: list[NamedKey], resolved: list[NamedPorts]) -> Reachability:
    """``x`` with the named ports rules use being ``named``: each class's resolution of
    them, the rule masks', and every compiled rule's that names ports (``resolved``: how
    each label class key resolves the names of ``named`` that ``x`` has not, in order, as
    :func:`grown` gives it). Every name a compiled rule of ``x`` names must be among
    ``named``, and every class of ``x`` must hold keys that resolve ``named`` alike."""
    state, keys = x.policy_state or x.calico_state, x.class_keys
    assert state is not None and keys is not None
    new = [key for key in named if key not in state.named_ports]
    # where each name's ports are in a resolution before with the new names' after it
    before = len(state.named_ports)
    pick = _picker(
        [before + new.index(key) if key in new else state.named_ports.index(key) for key in named]
    )

    def moved(ports: NamedPorts, label: int) -> NamedPorts:
        return pick(ports + resolved[label] if new else ports)  # (no new name: none resolved)

    labels = replace(
        state.labels,
        named_ports=[moved(ports, i) for i, ports in enumerate(state.labels.named_ports)],
    )
    # each class resolves the new names as its least key with pods does (beside the mesh
    # layer the policy state's first label class may be one whose pods went)
    first = [keys.label[key] for key in keys.first_key]
    class_named = [
        moved(ports, f) for ports, f in zip(state.classes.named_ports, first, strict=True)
    ]
    masks = state.masks.reframed(named, class_named, x.n_classes - x.n_internal)
    # a rule's row for each resolution now: its row for the class's resolution before
    take = np.zeros(len(masks.resolutions), dtype=np.intp)
    take[masks.resolution_of[: x.n_internal]] = state.masks.resolution_of[: x.n_internal]
    take = np.append(take, len(state.masks.resolutions))  # the numbers-only row
    rules = [
        rule.with_(
            mask=rule.mask[take] if rule.varies else rule.mask, resolution_of=masks.resolution_of
        )
        for rule in x.rules
    ]
    after = replace(
        state,
        labels=labels,
        classes=replace(state.classes, named_ports=class_named),
        masks=masks,
        named_ports=named,
    )
    if isinstance(after, CalicoState):  # beside Calico's tiers classes are found by answers
        assert keys.answers is not None
        out = replace(x, rules=rules, calico_state=after)
        out.class_keys = replace(keys, answers=replace(keys.answers, named=named))
    elif keys.answers is not None:
        out = replace(x, rules=rules, policy_state=after)
        out.class_keys = replace(
            keys,
            answers=replace(keys.answers, named=named),
            by_signature=LazySignatures(lambda: signatures_of(after, rules)),
        )
    else:  # beside the mesh layer its state keeps the answers of new keys
        out = replace(x, rules=rules, policy_state=after)
        kept = x.mesh_state
        assert kept is not None and kept.key_answers is not None
        out.mesh_state = replace(kept, key_answers=replace(kept.key_answers, named=named))
    return out


def _picker(at: list[int]) -> Callable[[NamedPorts], NamedPorts]:
    """The entries ``at`` of a tuple, as a tuple (an ``itemgetter``: every label class's
    resolution is made again, 4,000 of them at 10k pods)."""
    if len(at) == 1:
        only = at[0]
        return lambda ports: (ports[only],)
    if not at:
        return lambda ports: ()
    getter: Callable[[NamedPorts], NamedPorts] = operator.itemgetter(*at)
    return getter
