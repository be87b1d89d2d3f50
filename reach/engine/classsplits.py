"""Behaviour classes split where a policy coming in answers their label classes otherwise,
without compiling again (before :func:`reach.engine.policymoves.policy_moved` puts the
policy in).

A behaviour class is the label classes that answer every policy and rule peer alike. A
policy that comes in may answer some label classes of one class otherwise (select some of
its keys, hold some in a rule's peers): a compilation would then make one class of each
part. The parts answer every policy already there alike, so each part allows and is
allowed what its class was: splitting is renumbering (``calicoclasses.renumbered``), with
the class's column and rows taken once per part. The parts are numbered as a compilation
numbers classes, by their least key with pods; a part with no pod is no class (its keys
are known with none, as when a class's last pod goes). The policy is then put in the
split classes the usual way, which computes the rows of the classes it selects.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

import numpy as np

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.bitpack import packed_columns
from reach.engine.calicoclasses import renumbered
from reach.engine.calicomesh import stashed, with_calico
from reach.engine.classes import LabelKey, sort_key
from reach.engine.classmoves import GONE, Plan, every_class, renumber_table
from reach.engine.keyanswers import KeyAnswers
from reach.engine.matching import Matcher
from reach.engine.moves import Moved
from reach.engine.reachability import ClassKeys, Reachability


def policy_answers(matcher: Matcher, policy: Moved) -> list[BoolVec]:
    """Who the policy selects and who each of its rules' peers hold, over the matcher's
    label classes."""
    rules = (*policy.ingress, *policy.egress)
    return [matcher.selected(policy), *(matcher.rule_peers(r, policy)[0] for r in rules)]


def split_by(
    x: Reachability, policy: Moved, also: list[bytes] | None = None
) -> tuple[Reachability, IntVec, list[int]] | None:
    """``x`` with its behaviour classes split where ``policy`` answers their label class
    keys otherwise (or ``also`` differs: one more pattern per key, of one length, as
    :func:`reach.engine.namedmoves.named_patterns` gives); the new number of each class
    of ``x`` (every class; a split class: its first part's), and the classes that were
    split. None when nothing is split, or when a key's answers cannot be computed here."""
    state, keys = x.policy_state, x.class_keys
    if state is None or keys is None:
        return None
    asked = keys.answers or (x.mesh_state.key_answers if x.mesh_state is not None else None)
    patterns = _patterns(state.matcher, keys, asked, len(state.labels), policy)
    if patterns is None:
        return None
    if also is not None:
        patterns = [a + b for a, b in zip(patterns, also, strict=True)]
    return split_into(x, patterns)


def split_into(
    x: Reachability, patterns: list[bytes]
) -> tuple[Reachability, IntVec, list[int]] | None:
    """``x`` with each behaviour class split into the label class keys of each pattern
    (``patterns``: one per key of ``x.class_keys``), as :func:`split_by`."""
    state, keys, pod_label = x.policy_state or x.calico_state, x.class_keys, x.pod_label_class
    if state is None or keys is None or pod_label is None:
        return None
    behaviour_before = np.asarray(keys.behaviour, dtype=np.intp)
    first_label = _first_labels(behaviour_before, x.n_internal)  # -1: a class with no key
    split = _split_classes(behaviour_before, first_label, patterns)
    if not split:
        return None
    parts: dict[tuple[int, bytes], list[int]] = {}  # the parts of the classes split
    for label in np.flatnonzero(np.isin(behaviour_before, split)).tolist():
        parts.setdefault((int(behaviour_before[label]), patterns[label]), []).append(label)
    held = np.bincount(pod_label, minlength=len(keys.label_keys)) > 0
    least: dict[tuple[int, bytes | None], LabelKey] = {}  # the least key with pods of each
    for part, labels in sorted(parts.items()):
        with_pods = [keys.label_keys[label] for label in labels if held[label]]
        if with_pods:
            least[part] = min(with_pods, key=sort_key)
    apart = set(split)
    whole = [c for c in np.flatnonzero(first_label >= 0).tolist() if c not in apart]
    order: list[tuple[int, bytes | None]] = [(c, None) for c in whole]  # in class order
    least.update((c, keys.first_key[c[0]]) for c in order)
    for put in sorted(p for p in least if p[1] is not None):  # the parts put in place
        bisect.insort(order, put, key=lambda p: sort_key(least[p]))
    number = {p: i for i, p in enumerate(order)}
    of_whole = np.full(x.n_internal + 1, GONE, dtype=np.intp)  # the last: no class (-1)
    of_whole[whole] = [number[(c, None)] for c in whole]
    behaviour = of_whole[np.where(behaviour_before >= 0, behaviour_before, x.n_internal)]
    for part, labels in parts.items():
        behaviour[labels] = number.get(part, GONE)
    # a part's first label class: its least (compiled ones come first, and are the least)
    first = [first_label[c] if pat is None else min(parts[(c, pat)]) for c, pat in order]
    first_part: dict[int, int] = {}
    for i, (cls, _) in enumerate(order):
        first_part.setdefault(cls, i)
    renumber = renumber_table(x.n_internal)
    for cls, i in first_part.items():
        if cls not in split:  # the projections and signatures of a split class do not hold
            renumber[cls] = i
    plan = Plan(
        source=np.array([cls for cls, _ in order], dtype=np.intp),
        behaviour=behaviour.tolist(),
        first=np.array(first, dtype=np.intp),
        renumber=renumber,
        split=True,
    )
    first_keys = [least[part] for part in order]
    after = renumbered(
        x, x.cluster, replace(keys, first_key=first_keys), pod_label, plan, None, kept=True
    )
    if after is None:
        return None
    internal = np.full(x.n_internal, -1, dtype=np.intp)
    internal[list(first_part)] = list(first_part.values())
    return after, every_class(x, internal, len(order)), split


def _first_labels(behaviour: IntVec, n: int) -> IntVec:
    """The least label class of each of the ``n`` classes (-1: none; ``behaviour``: each
    label class's class, -1 for none)."""
    live = np.flatnonzero(behaviour >= 0)
    classes, at = np.unique(behaviour[live], return_index=True)
    out = np.full(n, -1, dtype=np.intp)
    out[classes] = live[at]
    return out


def _split_classes(behaviour: IntVec, first_label: IntVec, patterns: list[bytes]) -> list[int]:
    """The classes whose label classes' patterns differ (each compared with its class's
    first label class's)."""
    live = np.flatnonzero(behaviour >= 0).tolist()
    first = first_label[behaviour[live]].tolist()
    differ = [c for c, f in zip(live, first, strict=True) if patterns[c] != patterns[f]]
    return sorted(set(behaviour[differ].tolist()))


def _patterns(
    matcher: Matcher, keys: ClassKeys, asked: KeyAnswers | None, compiled: int, policy: Moved
) -> list[bytes] | None:
    """The policy's answers to each label class key, packed: over the compiled label
    classes with ``matcher``, and for each key found since with one of its own (made by
    ``asked``); None when one cannot be asked (its namespace is not known)."""
    compiled_answers = policy_answers(matcher, policy)
    answers = np.array(compiled_answers, dtype=bool).reshape(len(compiled_answers), compiled)
    out = [row.tobytes() for row in packed_columns(answers)]
    for key in keys.label_keys[compiled:]:
        one = asked.matcher(key) if asked is not None else None
        if one is None:
            return None
        column = np.array(policy_answers(one, policy), dtype=bool).reshape(-1, 1)
        out.append(np.packbits(column, axis=0).T[0].tobytes())
    return out


def merged_classes(
    x: Reachability, groups: list[list[int]]
) -> tuple[Reachability, IntVec, list[int]] | None:
    """``x`` with each of ``groups`` (classes that answer everything alike, after a policy
    went: :func:`reach.engine.policymoves.policy_moved`) made one class, as a compilation
    makes it; the new number of each class of ``x`` (every class), and the classes merged.

    The classes of a group allow and are allowed alike (their rows and their columns are
    equal), so the merged class is the first of them (the least key), taken alone. Beside
    the mesh layer and Calico's tiers, through the Calico state the mesh state keeps
    (:mod:`reach.engine.calicomesh`), kept there again after."""
    given = x
    x = (with_calico(x) or x) if x.policy_state is None else x
    state, keys, pod_label = x.policy_state or x.calico_state, x.class_keys, x.pod_label_class
    if state is None or keys is None or pod_label is None:
        return None
    into = np.arange(x.n_internal)
    for group in groups:
        into[group] = group[0]  # classes are in the order of their least key
    source = np.flatnonzero(into == np.arange(x.n_internal))
    position = np.cumsum(into == np.arange(x.n_internal)) - 1
    renumber = renumber_table(x.n_internal)
    renumber[: x.n_internal] = position[into]
    plan = Plan(
        source=source,
        behaviour=renumber[np.array(keys.behaviour, dtype=np.intp)].tolist(),
        first=state.classes.first_label_class[source],
        renumber=renumber,
        split=True,
    )
    first_keys = [keys.first_key[c] for c in source.tolist()]
    after = renumbered(
        x, x.cluster, replace(keys, first_key=first_keys), pod_label, plan, None, kept=True
    )
    if after is None:
        return None
    if given.calico_state is None:  # (its Calico state kept in its mesh state again)
        after = stashed(after)
    merged = sorted(c for group in groups for c in group)
    return after, every_class(x, renumber, len(source)), merged
