"""A resource listed again after its watch answered 410 Gone (or found no longer served:
its CRD removed), as changes of one object each (:mod:`reach.api.batchupdate`).

The list replaces what the watch knew of the resource: an object it no longer holds was
deleted while the watch was down, and one it holds otherwise was added or changed. Most
objects are as they were (a watch is down for seconds), so the relist is those few
changes, each the quick way; only more than :func:`most_changed` of them load, as every
relist did before.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from reach.api.batchupdate import StoreChange
from reach.input.live.watch import Status, raw_of
from reach.input.raw import RawObject
from reach.input.store import Identity, ObjectStore, identity

#: The most objects a relist changes one by one, at least; over it, the list replaces the
#: resource's objects and the update loads (a load then costs less than the steps).
MOST_CHANGED = 32
#: And one in this many of the cluster's pods: a pod step beside Calico and the mesh took
#: about 44 ms at 100k pods (five in one update, 220 ms), a load 28-30 s.
PODS_PER_CHANGE = 1000


def most_changed(pods: int) -> int:
    """The most objects a relist of a cluster of ``pods`` pods changes one by one."""
    return max(MOST_CHANGED, pods // PODS_PER_CHANGE)


def relisted(
    store: ObjectStore, event: Status, context: str, most: int = MOST_CHANGED
) -> Iterator[StoreChange]:
    """The changes that make ``store`` hold what ``event`` (``relisted`` or ``unserved``)
    lists of its resource: each object gone deleted, each new or changed one applied; one
    change that needs a load when there are more than ``most`` of them
    (:func:`most_changed`). Compared with the store when the first is asked for (the
    changes before it in the same update made)."""
    res = event.resource
    listed: dict[Identity, RawObject] = {}
    for item in event.items:
        raw = raw_of(res, item, context)
        if raw is not None:
            listed[identity(raw.obj)] = raw
    held = [k for k in store.identities() if k[0] == res.group and k[1] == res.kind]
    gone = [k for k in held if k not in listed]
    changed = [raw for k, raw in listed.items() if _differs(store.get(k), raw)]
    if len(gone) + len(changed) > most:
        yield partial(_replaced, store, held, listed)
        return
    yield from (partial(_discarded, store, key) for key in gone)
    yield from (partial(_put, store, raw) for raw in changed)


def _differs(held: RawObject | None, raw: RawObject) -> bool:
    """Whether the listed object is new or changed (its origin aside: the first read
    names objects by their place in its lists, a watch by their names)."""
    return held is None or held.obj != raw.obj


def _discarded(store: ObjectStore, key: Identity) -> list[tuple[Identity, bool]]:
    return [(key, store.discard(key))]


def _put(store: ObjectStore, raw: RawObject) -> list[tuple[Identity, bool]]:
    changed = store.identities_of(raw.obj)
    store.apply(raw.obj, raw.origin)
    return changed


def _replaced(store: ObjectStore, held: list[Identity], listed: dict[Identity, RawObject]) -> None:
    """Every object of the resource replaced by those listed (a load follows)."""
    for key in held:
        store.discard(key)
    for raw in listed.values():
        store.apply(raw.obj, raw.origin)
    return None
