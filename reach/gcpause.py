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

Such a collection falls inside an update and adds its length to it: at 100k pods 1.3 to
4.8 s, measured in a process that had run for minutes. A caller that waits between
updates (``reach watch``: :class:`reach.api.watching.Watcher`) says so
(:func:`idle_caller`) and runs the collection while it waits
(:func:`collect_when_idle`); steps then leave it to that caller, unless it is ten times
overdue (a cluster that never leaves it a second).
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
#: How many times overdue a full collection runs inside a step when a caller collects
#: while idle (:func:`idle_caller`).
IDLE_LATE = 10.0
_last = {"at": time.monotonic(), "took": 0.0}
_idle = {"callers": 0}


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
    enough ago (see ``SETTLE_SHARE``; ``IDLE_LATE`` times that while a caller collects
    when idle), give the frozen ones back and collect in full first."""
    if _due(IDLE_LATE if _idle["callers"] else 1.0):
        _collect()
    gc.freeze()


def collect_when_idle() -> bool:
    """Run the full collection of frozen objects when it is due (see the module doc), as
    a caller waiting for work does; whether it ran. The collector is left as it was."""
    if not _due(1.0):
        return False
    _collect()
    gc.freeze()
    return True


def idle_caller() -> Callable[[], None]:
    """Say that a caller runs :func:`collect_when_idle` while it waits, so steps leave the
    full collections to it (see ``IDLE_LATE``); the function returned ends that (once)."""
    _idle["callers"] += 1
    ended = False

    def end() -> None:
        nonlocal ended
        if not ended:
            ended = True
            _idle["callers"] -= 1

    return end


def _due(late: float) -> bool:
    """Whether the last full collection is ``late`` times long enough ago."""
    gap = max(SETTLE_GAP, _last["took"] / SETTLE_SHARE)
    return time.monotonic() - _last["at"] >= gap * late


def _collect() -> None:
    """Give the frozen objects back and collect in full, timed."""
    start = time.monotonic()
    gc.unfreeze()
    gc.collect()
    _last["at"] = time.monotonic()
    _last["took"] = _last["at"] - start


def without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic collector paused."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return fn(*args, **kwargs)

    return wrapper
