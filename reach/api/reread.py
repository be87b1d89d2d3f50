"""Objects of some kinds read again from the store as a load reads them, for the quick
ways that take a kind's objects all again (:mod:`reach.api.calicoupdate`,
:mod:`reach.api.meshupdate`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from reach.errors import FieldError
from reach.input.kinds import read_quietly
from reach.input.raw import RawObject
from reach.input.store import ObjectStore

T = TypeVar("T")


def read_again(
    store: ObjectStore,
    wanted: Callable[[str, str], bool],
    parse: Callable[[RawObject, str], tuple[Hashable, T]],
    reader: str,
) -> list[T] | None:
    """Each object of ``store`` that is ``wanted`` (by its API group and kind), parsed
    (``parse`` gives its identity and what it is read as), in the store's order; the others
    are not read. None where a load reads otherwise: it refuses
    one or says more of it (an error, a deprecated API), one is invalid (the load says
    why), or two have one identity (the load says so). Objects of kinds the load passes
    over are passed over (the load says so, as before).

    What each object was read as is kept in the store under ``reader`` (by the raw object
    read, which an object applied replaces): an object that did not change is not parsed
    again (at 10k pods beside Calico, a tenth of a network set's update was parsing the
    unchanged Calico objects). What is read is frozen: the same answer serves again."""
    out: dict[Hashable, T] = {}
    kept = store.read_as.get(reader, {})
    now: dict[int, tuple[RawObject, Hashable, T]] = {}
    for raw in store.raws_of(wanted):
        kind = str(raw.obj.get("kind"))
        read = read_quietly(raw.obj.get("apiVersion"), kind)
        if read is None:
            return None
        if not read:
            continue
        known = kept.get(id(raw))
        if known is not None and known[0] is raw:  # (the raw is held: its id is its own)
            ident, parsed = known[1], known[2]
        else:
            try:
                ident, parsed = parse(raw, kind)
            except FieldError:
                return None
        if ident in out:
            return None
        out[ident] = parsed
        now[id(raw)] = (raw, ident, parsed)
    store.read_as[reader] = now  # (objects gone are forgotten)
    return list(out.values())
