"""The quick way of an update of an object whose kind the load passes over without a
word: a kind of no consequence (ConfigMap, Secret, HorizontalPodAutoscaler, ...), or a
kind of the entry-point family that reach does not read (EndpointSlice, Endpoints,
IngressClass: ``reach.input.kinds``). Such an object changes nothing a load gives, so
the analysis stays as it is and the change is empty. ``reach watch`` reads EndpointSlices,
which change whenever a pod becomes ready or goes: without this, each such event loaded
and compiled again.
"""

from __future__ import annotations

from reach.analysis.compiled import Analysis
from reach.analysis.diff import diff
from reach.api.movedupdate import Update
from reach.input.entrypoints import ENTRY_POINT_KINDS
from reach.input.kinds import Category, KindInfo, classify, kind_info
from reach.input.store import Identity, ObjectStore


def ignored_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Update | None:
    """``before`` unchanged and an empty change when the object ``key`` is of a kind the
    load passes over without a word (whether applied or deleted, ``old`` or not); None
    otherwise."""
    group, kind, _, _ = key
    info = kind_info(group, kind)
    if info is None or not passed_over(info):
        return None
    raw = store.get(key)
    if raw is not None:
        placed = classify(raw.obj.get("apiVersion"), kind)
        if placed.info is not info or placed.error is not None:
            return None
    return Update(before, diff(before, before, by, "before", "after", among=set()), set())


def passed_over(info: KindInfo) -> bool:
    """Whether the load reads nothing of objects of this kind, and says nothing of them."""
    if info.category is Category.IRRELEVANT:
        return True
    return info.category is Category.ENTRY_POINT and info.kind not in ENTRY_POINT_KINDS
