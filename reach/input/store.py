"""The objects of a cluster by identity, changed one at a time as ``kubectl apply`` and
``kubectl delete`` (or a watch) change them.

An object's identity is its API group, kind, namespace and name (the version is not part
of it: ``v1`` and ``v1beta1`` of a kind are one object, as the API server stores them). A
later object of the same identity replaces the earlier one in place, so the order of the
objects, and therefore every answer built from them, is what a load of the same objects
in that order gives.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from reach.errors import ReachError
from reach.input.files import flatten
from reach.input.raw import RawObject

#: ``(group, kind, namespace, name)``.
Identity = tuple[str, str, str, str]


def identity(obj: Mapping[str, Any], default_namespace: str = "default") -> Identity:
    """The identity of a manifest; a ReachError when it has no kind or no name. An object
    that names no namespace is in ``default_namespace``, as the loader reads it (for a
    cluster-scoped kind the namespace is then the same for every object of the kind)."""
    kind = obj.get("kind")
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(kind, str) or not kind:
        raise ReachError("an object to apply or delete needs a kind")
    if not isinstance(name, str) or not name:
        raise ReachError(f"a {kind} to apply or delete needs metadata.name")
    namespace = meta.get("namespace") if isinstance(meta, Mapping) else None
    api = obj.get("apiVersion")
    group = api.rpartition("/")[0] if isinstance(api, str) else ""
    ns = namespace if isinstance(namespace, str) and namespace else default_namespace
    return (group, kind, ns, name)


#: The kind of the identity of an object without a name.
_UNNAMED = "<unnamed>"


def _type_of(raw: RawObject) -> tuple[str, str]:
    """The object's API group (of its apiVersion; "" without one) and its kind (as text)."""
    api = raw.obj.get("apiVersion")
    return (api.rpartition("/")[0] if isinstance(api, str) else "", str(raw.obj.get("kind")))


class ObjectStore:
    """Raw objects by identity, in the order they were first given."""

    def __init__(self, raws: Iterable[RawObject] = ()) -> None:
        self._items: dict[Identity, RawObject] = {}
        #: How many objects of each (namespace, kind) there are.
        self._kinds: dict[tuple[str, str], int] = {}
        #: The identities of the objects of each (API group, kind) as the objects give them
        #: when stored (:meth:`_type`), each with its place in ``_items``' order.
        self._types: dict[tuple[str, str], dict[Identity, int]] = {}
        #: The (API group, kind) of each object without a name (kept under an identity of
        #: no kind, :meth:`_key`).
        self._unnamed: dict[Identity, tuple[str, str]] = {}
        self._next = 0
        #: What quick ways read objects as, by reader (:func:`reach.api.reread.read_again`).
        self.read_as: dict[str, dict[int, Any]] = {}
        for raw in raws:
            self._put(self._key(raw.obj), raw)

    def _put(self, key: Identity, raw: RawObject) -> None:
        if key not in self._items:  # a replaced object keeps its place (and its type)
            kind = (key[2], key[1])
            self._kinds[kind] = self._kinds.get(kind, 0) + 1
            if key[1] == _UNNAMED:
                self._unnamed[key] = _type_of(raw)
            self._types.setdefault(self._type(key), {})[key] = self._next
            self._next += 1
        self._items[key] = raw

    def _drop(self, key: Identity) -> bool:
        if self._items.pop(key, None) is None:
            return False
        self._kinds[(key[2], key[1])] -= 1
        del self._types[self._type(key)][key]
        self._unnamed.pop(key, None)
        return True

    def _type(self, key: Identity) -> tuple[str, str]:
        """The (API group, kind) an object was stored as: its identity's, or for an object
        without a name (kept under an identity of no kind) those it gave then."""
        return self._unnamed.get(key) or (key[0], key[1])

    def kinds_in(self, namespace: str) -> set[str]:
        """The kinds of the objects in ``namespace`` (cluster-scoped objects are in the
        default namespace of :func:`identity`)."""
        return {kind for (ns, kind), n in self._kinds.items() if ns == namespace and n}

    def declares(self, namespace: str) -> bool:
        """Whether a Namespace object named ``namespace`` is held (cluster-scoped: in the
        default namespace of :func:`identity`)."""
        return self.holds(("", "Namespace", "default", namespace))

    def holds_kind(self, kinds: Collection[str], namespace: str) -> bool:
        """Whether an object of one of these kinds is in ``namespace``."""
        return any(self._kinds.get((namespace, kind)) for kind in kinds)

    @staticmethod
    def _key(obj: Mapping[str, Any]) -> Identity:
        try:
            return identity(obj)
        except ReachError:
            # Objects without a name are kept as given: the loader reports them.
            return ("", _UNNAMED, "", str(id(obj)))

    def copy(self) -> ObjectStore:
        """Another store of the same objects (the objects themselves are shared)."""
        out = ObjectStore()
        out._items, out._kinds = dict(self._items), dict(self._kinds)
        out._types = {t: dict(keys) for t, keys in self._types.items()}
        out._unnamed = dict(self._unnamed)
        out._next = self._next
        out.read_as = {reader: dict(read) for reader, read in self.read_as.items()}
        return out

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, obj: Mapping[str, Any]) -> bool:
        return identity(obj) in self._items

    def identities(self) -> list[Identity]:
        return list(self._items)

    def identities_of(self, obj: Mapping[str, Any]) -> list[tuple[Identity, bool]]:
        """The identities of ``obj`` (each item of a ``kind: List``), each with whether an
        object of it is here."""
        return [
            (key, key in self._items)
            for key in map(self._key, (r.obj for r in flatten(obj, "", "")))
        ]

    def holds(self, key: Identity) -> bool:
        """Whether an object of this identity is here."""
        return key in self._items

    def get(self, key: Identity) -> RawObject | None:
        """The object of this identity, if there is one."""
        return self._items.get(key)

    def discard(self, key: Identity) -> bool:
        """Remove the object of this identity if there is one; whether there was."""
        return self._drop(key)

    def raws(self) -> list[RawObject]:
        """Every object, in the order of first appearance."""
        return list(self._items.values())

    def raws_of(self, wanted: Callable[[str, str], bool]) -> list[RawObject]:
        """The objects whose ``(group, kind)`` is ``wanted``, in the order of
        :meth:`raws`, without reading the others."""
        keys = [
            (place, key)
            for (group, kind), held in self._types.items()
            if held and wanted(group, kind)
            for key, place in held.items()
        ]
        keys.sort()
        return [self._items[key] for _, key in keys]

    def apply(self, obj: Mapping[str, Any], origin: str) -> list[Identity]:
        """Add or replace a copy of ``obj`` (a ``kind: List`` adds each item; the caller may
        change its dict afterwards and apply it again); the identities changed."""
        return [self.put(raw) for raw in flatten(copy.deepcopy(obj), origin, "")]

    def put(self, raw: RawObject) -> Identity:
        """Add or replace one object (an item of :func:`~reach.input.files.flatten`, as it
        is: not copied); its identity."""
        key = identity(raw.obj)
        self._put(key, raw)
        return key

    def delete(self, obj: Mapping[str, Any]) -> list[Identity]:
        """Remove ``obj`` (by identity; its other fields are not compared); the identities
        removed. A ReachError names an object that is not there."""
        return [self.remove(raw.obj) for raw in flatten(obj, "<delete>", "")]

    def remove(self, obj: Mapping[str, Any]) -> Identity:
        """Remove one object (not a ``kind: List``) by identity; its identity. A ReachError
        names an object that is not there."""
        key = identity(obj)
        if key not in self._items:
            group, kind, ns, name = key
            raise ReachError(f"no {kind} {name!r} (namespace {ns}) to delete")
        self._drop(key)
        return key
