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
  (:func:`resolved_ports`, cut first by :func:`reach.engine.portcuts.with_cuts`);
- the frame (:func:`reframed`): each label class's and behaviour class's resolution, the
  rule masks' resolutions, the masks of the compiled rules that name ports, and the names
  a new key's answers resolve (:class:`reach.engine.keyanswers.KeyAnswers`).

The rows hold port-set ids, whose port sets do not depend on the frame: they stay. A
class split by a name allows and is allowed what its class was until a rule naming it
comes in, and classes merged once a name goes allow and are allowed alike (no rule reads
the name any more).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.arrays import IntVec
from reach.engine.atoms import Mask
from reach.engine.classes import NamedPorts, resolution
from reach.engine.moves import Moved
from reach.engine.portmasks import RuleMasks
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowsagain import LazySignatures, signatures_of
from reach.engine.rules import CompiledRule, NamedKey
from reach.model.calico import CalicoRule
from reach.model.ports import PortSet


def names_of(policy: Moved | None) -> set[NamedKey]:
    """The (port name, protocol) pairs the policy's rules name."""
    if policy is None:
        return set()
    rules = (*policy.ingress, *policy.egress)
    return {(p.port, p.protocol) for r in rules for p in r.ports or () if isinstance(p.port, str)}


def named_patterns(keys: ClassKeys, names: list[NamedKey]) -> list[bytes]:
    """How each label class key of ``keys`` resolves ``names``, as a pattern of
    :func:`reach.engine.classsplits.split_into` (one per key, of one length)."""
    found: dict[NamedPorts, int] = {}
    numbers = [found.setdefault(resolution(key[2], names), len(found)) for key in keys.label_keys]
    return [number.to_bytes(4, "little") for number in numbers]


def splits_any(keys: ClassKeys, patterns: list[bytes]) -> bool:
    """Whether the keys of some behaviour class have different ``patterns``."""
    seen: dict[int, bytes] = {}
    return any(
        seen.setdefault(cls, pattern) != pattern
        for cls, pattern in zip(keys.behaviour, patterns, strict=True)
        if cls >= 0
    )


def resolved_ports(keys: ClassKeys, names: list[NamedKey]) -> list[PortSet]:
    """The ports ``names`` resolve to on the label class keys: a compilation cuts the port
    atoms at each."""
    found = {
        (protocol, port)
        for key in keys.label_keys
        for (_, protocol), ports in zip(names, resolution(key[2], names), strict=True)
        for port in ports
    }
    return [PortSet.of(protocol, port) for protocol, port in sorted(found)]


def resolution_ids(x: Reachability, named: list[NamedKey]) -> IntVec:
    """For each behaviour class of ``x``, a number of how it resolves ``named`` (classes
    that resolve them alike have one number)."""
    found: dict[NamedPorts, int] = {}
    return np.array(
        [found.setdefault(ports, len(found)) for ports in _class_resolutions(x, named)],
        dtype=np.intp,
    )


def _class_resolutions(x: Reachability, named: list[NamedKey]) -> list[NamedPorts]:
    """How each behaviour class of ``x`` (its first label class) resolves ``named``."""
    keys, state = x.class_keys, x.policy_state
    assert keys is not None and state is not None
    return [resolution(keys.label_keys[int(f)][2], named) for f in state.classes.first_label_class]


def reframed(x: Reachability, named: list[NamedKey]) -> Reachability:
    """``x`` with the named ports rules use being ``named``: each class's resolution of
    them, the rule masks', and every compiled rule's that names ports. Every name a
    compiled rule of ``x`` names must be among ``named``, and every class of ``x`` must
    hold keys that resolve ``named`` alike."""
    state, keys = x.policy_state, x.class_keys
    assert state is not None and keys is not None and keys.answers is not None
    labels = replace(
        state.labels, named_ports=[resolution(key[2], named) for key in state.labels.keys]
    )
    class_named = _class_resolutions(x, named)
    masks = state.masks.reframed(named, class_named, x.n_classes - x.n_internal)
    rules = [
        replace(rule, mask=_mask(masks, rule), resolution_of=masks.resolution_of)
        for rule in x.rules
    ]
    after = replace(
        state,
        labels=labels,
        classes=replace(state.classes, named_ports=class_named),
        masks=masks,
        named_ports=named,
    )
    return replace(
        x,
        rules=rules,
        policy_state=after,
        class_keys=replace(
            keys,
            answers=replace(keys.answers, named=named),
            by_signature=LazySignatures(lambda: signatures_of(after, rules)),
        ),
    )


def _mask(masks: RuleMasks, rule: CompiledRule) -> Mask:
    """The rule's mask over these masks' resolutions (the same when it names no port; a
    Calico rule's named ports are resolved otherwise)."""
    if isinstance(rule.rule, CalicoRule) or not any(
        isinstance(p.port, str) for p in rule.rule.ports or ()
    ):
        return rule.mask
    return masks.mask_of(rule.rule)
