"""The quick way of an update of an object that a load reads only to say it did not
evaluate it: a kind that may carry policy reach does not evaluate (Antrea's, Linkerd's,
OVN-Kubernetes' policies, an Istio RequestAuthentication, ...: ``unevaluated-kind``, the
answer partial), or a kind reach does not know (``unread-kind``, one note per kind). Such
an object changes no row; what a load says of the objects of its API group and kind is
said again (:func:`reach.input.loader.unevaluated_said`) in place of what was said, and
the change is empty. Without this each such event loaded and compiled again (at 10k pods
about a second).
"""

from __future__ import annotations

import copy
from dataclasses import replace

from reach.analysis.compiled import Analysis
from reach.api.movedupdate import Update, moved_update
from reach.engine.moves import rows_kept
from reach.errors import Diagnostics
from reach.gcpause import without_gc
from reach.input.canonical import replaced
from reach.input.kinds import Category, kind_info
from reach.input.loader import said_of_kind, unevaluated_said
from reach.input.store import Identity, ObjectStore


@without_gc
def flagged_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Update | None:
    """The analysis after the object ``key`` changed in ``store`` (``old``: the store held
    it before), when a load reads objects of its kind only to say it did not evaluate
    them: the same rows, what is said of its kind said again, an empty change; None
    otherwise."""
    group, kind, _, _ = key
    info = kind_info(group, kind)
    if info is not None and info.category is not Category.POLICY_BEARING:
        return None

    def of_kind(g: str, k: str) -> bool:
        return (g, k) == (group, kind)

    said = Diagnostics()
    if not unevaluated_said(store.raws_of(of_kind), said):
        return None  # (a load reads one of them otherwise, or refuses it)
    cluster = before.cluster
    gone = [d for d in cluster.diagnostics if said_of_kind(d, group, kind)]
    after = copy.copy(cluster)
    after.diagnostics = replaced(cluster.diagnostics, gone, said.notes)
    return moved_update(before, after, rows_kept(replace(before.reachability, cluster=after)), by)
