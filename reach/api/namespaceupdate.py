"""The quick way of an update that relabels one Namespace object.

The answers of namespace selectors are asked again and the rows of the classes whose
policies answer otherwise are computed again (:mod:`reach.engine.namespacemoves`); the
views keep their nodes and classes (the namespace's own node takes its new labels), and the
change is compared on the nodes that hold one of those classes only. Where a condition
does not hold, :func:`namespace_update` returns None and the caller loads and compiles
(docs/watch.md, "How an update is computed").
"""

from __future__ import annotations

import copy

from reach.analysis.compiled import Analysis
from reach.analysis.diff import DiffReport, diff
from reach.analysis.viewmoves import moved_analysis
from reach.engine.namespacemoves import namespace_moved
from reach.errors import FieldError
from reach.gcpause import without_gc
from reach.input.loader import parse_namespace
from reach.input.store import Identity, ObjectStore

NAMESPACE = ("", "Namespace")


@without_gc
def namespace_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> tuple[Analysis, DiffReport, set[str]] | None:
    """The analysis after the Namespace object ``key``, held before (``old``) and still,
    was replaced, the change, and the ids of the nodes at granularity ``by`` on which the
    change was compared; None when the quick way does not apply (a namespace added or
    deleted, Calico or Istio objects in the input)."""
    group, kind, _, name = key
    cluster = before.cluster
    raw = store.get(key)
    if (group, kind) != NAMESPACE or not old or raw is None or cluster.calico or cluster.istio:
        return None
    if raw.obj.get("apiVersion") != "v1" or name not in cluster.namespaces:
        return None
    try:
        namespace = parse_namespace(raw, raw.origin + raw.path)
    except FieldError:
        return None  # the load says why
    if namespace.name != name:
        return None
    after_cluster = copy.copy(cluster)
    after_cluster.namespaces = {**cluster.namespaces, name: namespace}
    moved = namespace_moved(before.reachability, after_cluster, name)
    if moved is None:
        return None
    done = moved_analysis(before, after_cluster, moved, by, relabelled=name)
    if done is None:
        return None
    after, among = done
    return after, diff(before, after, by, "before", "after", among=among), among
