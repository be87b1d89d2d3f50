"""The memory of the first updates that renumber classes, made ready while a watch waits.

An update that takes a class out or makes one writes each side's rows and every rule's
answers anew (:mod:`reach.engine.classmoves`): at 100k pods beside Calico and the mesh,
about 3 GB in ten arrays, while the state before still holds its own. The arrays made
before are kept for the next update (:mod:`reach.engine.arraypool`,
:mod:`reach.freedmemory`), but the first such updates after a load find none, and the
kernel hands out and clears every page as it is first written: on this machine the first
pod deleted with its class took 4.1 s and the first added back 2.5 s, against 0.4-0.5 s
for each after them (docs/performance.md, "Twenty-first session").

So ``reach watch`` spends its first idle moment on a rehearsal: a pod alone in its class
deleted and put back, the quick way, on a copy of the store, and the result dropped. The
state is not changed (an update never changes the analysis before it: a batch and the
what-ifs read it after), and the arrays the rehearsal made are free for the next
updates."""

from __future__ import annotations

import numpy as np

from reach.analysis.compiled import Analysis
from reach.api.batchupdate import in_turn
from reach.input.store import Identity, ObjectStore


def rehearsed(before: Analysis, store: ObjectStore, by: str) -> bool:
    """Whether a pod alone in its behaviour class (the last such pod of the cluster) was
    deleted and put back the quick way on a copy of ``store`` (see the module doc); the
    analysis and ``store`` are left as they are. False when there is no such Pod object,
    or the quick way does not take it (nothing is loaded then)."""
    key = _alone(before, store)
    if key is None:
        return False
    copy, raw = store.copy(), store.get(key)
    assert raw is not None

    def out() -> list[tuple[Identity, bool]]:
        return [(key, copy.discard(key))]

    def back() -> list[tuple[Identity, bool]]:
        return [(copy.put(raw), False)]

    return in_turn(before, copy, [out, back], by) is not None


def _alone(analysis: Analysis, store: ObjectStore) -> Identity | None:
    """The identity of the last Pod object of the cluster that is alone in its behaviour
    class (its deletion takes the class out, its return makes one); None when none is."""
    x = analysis.reachability
    if not len(x.pod_class):
        return None
    counts = np.bincount(x.pod_class, minlength=x.n_internal)
    for i in np.flatnonzero(counts[x.pod_class] == 1)[::-1].tolist():
        pod = x.pods[i]
        key = ("", "Pod", pod.namespace, pod.name)
        if store.holds(key):
            return key
    return None
