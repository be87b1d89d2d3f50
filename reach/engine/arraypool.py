"""Large arrays made in memory that large arrays made before, and gone since, held.

An update that renumbers classes makes each class-indexed array again: at 100k pods a
side's rows (hundreds of megabytes), every policy's subjects and every rule's peers. The
arrays they replace go when the state before goes, and their memory goes back to the
system; the next update then asks the system for as much again, and the kernel faults in
and clears every page of it as it is first written. Writing into memory written before
costs a third to a fifth of that (docs/architecture.md, "memory kept for the next
update"). So an array of at least :data:`SMALLEST` bytes is made as a view of a slab this
module keeps: a slab is free again when no array views it (its reference count says so),
and a free slab of the right size is used again. At most :data:`KEPT_FREE` free slabs are
kept; the rest go back to the system.

An array made so is a plain ``ndarray`` whose ``base`` is a view of the slab, of another
type (:class:`_Slab`): numpy stops the chain of bases there, so the views of the array
name the array itself as their ``base``, as they would had it its own memory
(:mod:`reach.engine.rowbuffer` and :func:`reach.engine.taking.taken_each` read that).
"""

from __future__ import annotations

import math
import sys
import threading
from typing import Any

import numpy as np

#: Arrays smaller than this (bytes) are made as usual.
SMALLEST = 1 << 24
#: The most free slabs kept for later arrays.
KEPT_FREE = 8
#: A slab is taken for an array of at least this part of its size (no more is wasted).
FILL = 0.75
#: The room a new slab has beyond the array it is made for (the next array of the same
#: kind is often a little larger: a class more).
ROOM = 1 / 32


class _Slab(np.ndarray[Any, Any]):
    """A slab's type: not the arrays' own, so that numpy ends their chains of bases at
    the array made (see the module doc)."""


#: Every slab kept, free or viewed (uint8, 1-D).
_slabs: list[_Slab] = []


def _alone() -> int:
    """``sys.getrefcount`` of a slab only :data:`_slabs` holds, read as :func:`_free`
    reads it (measured: interpreters differ in the references they count)."""
    _slabs.append(np.empty(1, dtype=np.uint8).view(_Slab))
    try:
        return sys.getrefcount(_slabs[-1])
    finally:
        _slabs.pop()


#: What :func:`_free` reads of a slab no array views.
_ALONE = _alone()
#: Held while a slab is found and viewed (two threads must not take one free slab).
_LOCK = threading.Lock()


def empty(shape: tuple[int, ...], dtype: Any) -> np.ndarray[Any, Any]:
    """``np.empty(shape, dtype)``, in a free slab when it is large (see the module doc)."""
    kind = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
    # math's prod, not numpy's (5 us a call: a renumbering at 100k pods asks 13,000 arrays)
    size = math.prod(shape) * kind.itemsize
    if size < SMALLEST or size == 0:
        return np.empty(shape, dtype=kind)
    with _LOCK:
        return np.ndarray(shape, dtype=kind, buffer=_slab(size)[:size])


def _slab(size: int) -> _Slab:
    """A free slab of at least ``size`` bytes and not much more; a new one when none is
    (free slabs beyond :data:`KEPT_FREE` then go)."""
    free = [i for i in range(len(_slabs)) if _free(i)]
    fitting = [i for i in free if size <= _slabs[i].nbytes and size >= FILL * _slabs[i].nbytes]
    if fitting:
        return _slabs[min(fitting, key=lambda i: _slabs[i].nbytes)]
    for i in reversed(free[: max(0, len(free) - KEPT_FREE)]):  # the oldest go
        del _slabs[i]
    slab = np.empty(size + int(size * ROOM), dtype=np.uint8).view(_Slab)
    _slabs.append(slab)
    return slab


def _free(i: int) -> bool:
    """Whether no array views slab ``i`` (only :data:`_slabs` holds it)."""
    return sys.getrefcount(_slabs[i]) <= _ALONE


def kept_bytes() -> tuple[int, int]:
    """The bytes of the slabs kept: free, and viewed by arrays."""
    with _LOCK:
        free = sum(_slabs[i].nbytes for i in range(len(_slabs)) if _free(i))
        return free, sum(slab.nbytes for slab in _slabs) - free
