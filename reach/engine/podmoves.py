"""Pods added to or taken out of a compiled cluster without compiling it again.

A pod's behaviour class is a function of its label class key (namespace, labels, used
named ports, host networking and, where they count, service account and sidecar
injection) and of the policies. Label classes are numbered in key order, and behaviour
classes in the order of their least key (docs/architecture.md, "The engine"), so a pod
comes or goes without renumbering anything while:

- its key is one the compilation has seen (:class:`~reach.engine.reachability.ClassKeys`):
  the pod joins that key's class; or its key is new and its signature (its answer to every
  policy and rule peer: :mod:`reach.engine.keyanswers`) is an existing behaviour class's,
  which it joins;
- a behaviour class keeps a pod, and its least key with pods stays between those of
  the classes before and after it (a key with no pods left stays known: a pod of it later
  joins the same class, which a compilation would give it too).

Otherwise :func:`moved` says so and the caller compiles. The rows of every class stay what
they were: they depend on the classes, the policies and the addresses, not on the pods.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.arrays import IntVec
from reach.engine.classes import LabelKey, sort_key
from reach.engine.reachability import ClassKeys, Reachability
from reach.model.cluster import Cluster


def moved(
    x: Reachability,
    cluster: Cluster,
    removed: int | None,
    inserted: int | None,
) -> Reachability | None:
    """``x`` for ``cluster``, whose pods are ``x.pods`` without the pod at ``removed`` (an
    index of ``x.pods``) and with ``cluster.pods[inserted]`` added; None when that needs a
    compilation.

    ``cluster`` must differ from ``x.cluster`` in its pods only, and the Calico and Istio
    layers (which read pods while compiling) must be absent."""
    keys, pod_label = x.class_keys, x.pod_label_class
    if keys is None or pod_label is None or x.calico is not None or x.mesh is not None:
        return None
    pod_class = x.pod_class
    if removed is not None:
        gone = int(pod_label[removed])
        pod_class, pod_label = np.delete(pod_class, removed), np.delete(pod_label, removed)
        cls = keys.behaviour[gone]
        if keys.label_keys[gone] == keys.first_key[cls] and not np.any(pod_label == gone):
            keys = _least_left(keys, cls, pod_label)  # its least key has no pod left
            if keys is None:
                return None
    if inserted is not None:
        key = keys.key_of(cluster.pods[inserted])
        if key not in keys.label:
            keys = _joined(keys, key)
            if keys is None:
                return None
        label = keys.label[key]
        cls = keys.behaviour[label]
        if sort_key(key) < sort_key(keys.first_key[cls]):
            keys = _least(keys, cls, key)
            if keys is None:
                return None
        pod_class = np.insert(pod_class, inserted, keys.behaviour[label])
        pod_label = np.insert(pod_label, inserted, label)
    if len(pod_class) != len(cluster.pods):
        raise ValueError("the cluster's pods must be x.pods with one removed and/or inserted")
    return replace(
        x,
        cluster=cluster,
        pods=cluster.pods,
        pod_class=pod_class,
        pod_label_class=pod_label,
        class_keys=keys,
    )


def _joined(keys: ClassKeys, key: LabelKey) -> ClassKeys | None:
    """``keys`` with the new label class ``key`` in the behaviour class of its signature;
    None when no class has it."""
    answers = keys.answers
    if answers is None:
        return None
    cls = answers.projected_class(key, keys.label_keys, keys.behaviour)
    if cls is None:  # labels no key had: every selector asked
        signature = answers.signature(key)
        cls = keys.by_signature.get(signature) if signature is not None else None
        if cls is None:
            return None
        answers.projected[answers.projection(key)] = cls
    return replace(
        keys,
        label={**keys.label, key: len(keys.label_keys)},
        label_keys=[*keys.label_keys, key],
        behaviour=[*keys.behaviour, cls],
    )


def _least_left(keys: ClassKeys, cls: int, pod_label: IntVec) -> ClassKeys | None:
    """``keys`` after the least key of class ``cls`` lost its last pod: the least of its
    keys that still have pods; None when none has (the class is gone) or when the classes
    would be ordered otherwise."""
    held = np.bincount(pod_label, minlength=len(keys.label_keys)) > 0
    left = [
        k for k, c, h in zip(keys.label_keys, keys.behaviour, held, strict=True) if c == cls and h
    ]
    if not left:
        return None
    least = min(left, key=sort_key)
    after = keys.first_key[cls + 1] if cls + 1 < len(keys.first_key) else None
    if after is not None and sort_key(after) < sort_key(least):
        return None
    return replace(keys, first_key=[*keys.first_key[:cls], least, *keys.first_key[cls + 1 :]])


def _least(keys: ClassKeys, cls: int, key: LabelKey) -> ClassKeys | None:
    """``keys`` once ``key``, less than the least key of class ``cls``, has a pod; None
    when that would order the classes otherwise."""
    if cls > 0 and sort_key(key) < sort_key(keys.first_key[cls - 1]):
        return None
    return replace(keys, first_key=[*keys.first_key[:cls], key, *keys.first_key[cls + 1 :]])
