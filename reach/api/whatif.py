"""What-if updates of a loaded cluster: objects applied or deleted as ``kubectl`` would,
and the change they make, as ``reach diff`` of the states before and after.

An update of one Pod, NetworkPolicy, admin policy or Namespace object first tries the
quick ways (:mod:`reach.api.quickupdate`), which change the compiled state in place;
otherwise it loads the objects again and recompiles (docs/watch.md, "How an update is
computed"). Either way the state after an update is that of a load of the same objects,
and the change is :func:`reach.analysis.diff.diff` of the two analyses.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from reach.analysis.compiled import Analysis
from reach.analysis.diff import DiffReport, diff
from reach.analysis.rowchanges import changed_nodes
from reach.api.batchupdate import StoreChange, in_turn
from reach.errors import Diagnostics, ReachError
from reach.input.files import flatten
from reach.input.loader import Memo, build_cluster
from reach.input.raw import RawObject
from reach.input.store import Identity, ObjectStore, identity


@dataclass(frozen=True)
class Deleted:
    """An object to delete among those applied: ``Reach.apply(Deleted(old), new)`` deletes
    ``old`` and applies ``new`` in one update, in that order (a policy renamed, an object
    moved to another namespace), its change compared once (``reach diff --delete PATH
    --apply PATH``)."""

    obj: Mapping[str, Any] | RawObject


#: An object to apply or delete: a dict as in a manifest, or one read from a file (its
#: origin kept); to apply, also one to delete first (:class:`Deleted`).
Applied = Mapping[str, Any] | RawObject | Deleted
#: What gives the objects a Reach was loaded from, read again when first needed.
ObjectsOf = Callable[[], Iterable[RawObject]]


def store_of(objects: ObjectsOf | None) -> ObjectStore:
    """The store of the objects a Reach was loaded from."""
    if objects is None:
        raise ReachError(
            "this Reach was built from a Cluster model, not from objects: load it with "
            "reach.load, reach.load_live or reach.from_objects to apply or delete objects"
        )
    return ObjectStore(objects())


class Updates:
    """The objects of one Reach and the counter that names the origins of applied ones."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.applied = 0
        #: The parsed objects of the last load (unchanged objects are not parsed again).
        self.memo: Memo = {}

    def update(
        self,
        before: Analysis,
        objects: Iterable[Applied],
        by: str = "workload",
        delete: bool = False,
        origin: str | None = None,
    ) -> tuple[Analysis, DiffReport]:
        """The analysis after applying (or deleting) ``objects``, and the change from
        ``before``. An invalid object leaves the store as it was (InvalidInput). When
        ``before`` was read skipping invalid objects (a ``skipped-invalid`` diagnostic),
        a load of the objects after skips them again (they are in the store: without it,
        every update that loads would fail on them)."""
        kept = self.store.copy()
        skip = any(d.code == "skipped-invalid" for d in before.cluster.diagnostics)
        try:
            quick = in_turn(before, self.store, self._changes(objects, delete, origin), by)
            if quick is not None:
                return quick[0], quick[1]
            cluster = build_cluster(self.store.raws(), Diagnostics(), skip, memo=self.memo)
        except ReachError:
            self.store = kept
            raise
        cluster.sources = before.cluster.sources
        after = Analysis(cluster)
        among = changed_nodes(before, after, by)  # None: every pair is compared
        return after, diff(before, after, by, "before", "after", among=among)

    def _changes(
        self, objects: Iterable[Applied], delete: bool, origin: str | None
    ) -> Iterator[StoreChange]:
        """Each object applied to the store (or deleted) in turn, each item of a ``kind:
        List`` one: the identity it changed, with whether the store held it before. An
        object read from a file (a :class:`RawObject`, a List's items apart already)
        keeps its origin and field path, which its errors name; it is not copied. A
        :class:`Deleted` object is deleted, in its place among the others."""
        for obj in objects:
            if isinstance(obj, Deleted):  # (deleted where it stands among the others)
                yield from self._changes([obj.obj], True, origin)
                continue
            if isinstance(obj, RawObject):
                yield partial(self._removed, obj.obj) if delete else partial(self._put, obj)
                continue
            if not isinstance(obj, Mapping):
                raise ReachError(f"an object to apply or delete is a mapping, not {obj!r:.60}")
            if delete:
                raws = flatten(obj, "<delete>", "")
                yield from (partial(self._removed, raw.obj) for raw in raws)
            else:
                self.applied += 1
                named = origin or f"<applied>#{self.applied}"
                yield from (
                    partial(self._put, raw) for raw in flatten(copy.deepcopy(obj), named, "")
                )

    def _put(self, raw: RawObject) -> list[tuple[Identity, bool]]:
        held = self.store.holds(identity(raw.obj))
        return [(self.store.put(raw), held)]

    def _removed(self, obj: Mapping[str, Any]) -> list[tuple[Identity, bool]]:
        return [(self.store.remove(obj), True)]
