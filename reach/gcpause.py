"""Pause Python's cyclic garbage collector while a heavy step allocates.

Loading a 100k-pod cluster keeps millions of objects alive, and none of the
objects built here form reference cycles that need the collector. Left on, it
walks all of them again and again while a step allocates (a blast radius at
100k pods took 0.9 to 1.8 s depending on when a full collection fell).
Reference counting still frees everything as usual.

When the outermost paused step ends, what is alive is frozen (``gc.freeze``: moved to
the collector's permanent generation) before the collector is on again. Left in its
generations, the objects a load or an update leaves were scanned by the first young
collection after the step (40-65 ms after an update at 100k pods: they were all made
while it was paused) and again by every full collection (1.2-1.5 s at 100k pods, every
few updates: half the time of some updates of ``bench/bench_watch.py``). A cycle among
objects frozen is not collected while they are frozen, so now and then a step gives them
back and runs a full collection first: when the last one is a hundred times its own
length ago (at 100k pods, a 1.3 s collection every two minutes or more; the tests' many
small steps took twice as long with one every 100 steps).
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


#: The share of time the full collections of frozen objects may take: one runs when the
#: time since the last is this many times its length (and at least ``SETTLE_GAP``).
SETTLE_SHARE = 0.01
SETTLE_GAP = 10.0
_last = {"at": time.monotonic(), "took": 0.0}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block; restore its previous state after,
    with what is alive then frozen (see the module doc)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            settle()
            gc.enable()


def settle() -> None:
    """Freeze every object the collector tracks; when the last full collection is long
    enough ago (see ``SETTLE_SHARE``), give the frozen ones back and collect in full
    first."""
    now = time.monotonic()
    if now - _last["at"] >= max(SETTLE_GAP, _last["took"] / SETTLE_SHARE):
        gc.unfreeze()
        gc.collect()
        _last["at"] = time.monotonic()
        _last["took"] = _last["at"] - now
    gc.freeze()


def without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic collector paused."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return fn(*args, **kwargs)

    return wrapper
