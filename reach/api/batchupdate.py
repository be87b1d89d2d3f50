"""Several objects changed in one update (``Reach.apply(a, b, c)``, a burst of watch
events: a rollout's pods, a pod's status patched twice), each the quick way in turn.

Each change is made in the store and then taken by the quick ways
(:func:`reach.api.quickupdate.quick_update`) from the analysis the one before left, so
every quick way reads the store as it is at its own step, as it does for a change alone.
The change of the whole is compared once, from the analysis before the first to the one
after the last, on the nodes some step compared on: a pair with neither end among them
was unchanged by every step. Where a step needs a compilation, the changes left are made
in the store and :func:`in_turn` returns None: the caller loads, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from itertools import chain

from reach.analysis.compiled import Analysis
from reach.analysis.diff import deferred, diff
from reach.api.movedupdate import Update
from reach.api.quickupdate import quick_update
from reach.input.store import Identity, ObjectStore

#: One change made in the store: the identities it changed, each with whether the store
#: held it before; None when the change needs a load (a watch's relist).
StoreChange = Callable[[], list[tuple[Identity, bool]] | None]


def in_turn(
    before: Analysis, store: ObjectStore, changes: Iterable[StoreChange], by: str
) -> Update | None:
    """The update of ``changes`` made in ``store`` one after the other, each the quick way
    from ``before`` on (one change of several objects at once loads: they are in the store
    together); None when one needs a load (every change is made in the store then). One
    change alone gives the quick way's own update; with several, the steps compare
    nothing (:func:`reach.analysis.diff.deferred`: at 10k pods the comparisons of five
    pods added one by one took 17 of their 24 ms) and the change is compared once."""
    analysis, among, taken, alone = before, set[str](), list[Update](), False
    left = iter(changes)
    change = next(left, None)
    while change is not None:
        changed = change()
        following = next(left, None)  # (made after this step: a step reads the store)
        if changed == []:  # (a note alone: nothing changed)
            change = following
            continue
        # one object the quick way; several at once (or a relist: None) need a load
        quick, alone = None, not taken and following is None
        if changed and len(changed) == 1:
            with nullcontext() if alone else deferred():
                quick = quick_update(analysis, store, *changed[0], by)
        if quick is None:
            for rest in chain([following] if following else [], left):
                rest()
            return None
        analysis = quick.analysis
        among |= quick.among
        taken.append(quick)
        change = following
    if len(taken) == 1 and alone:  # (compared as it alone is)
        return taken[0]
    return Update(analysis, diff(before, analysis, by, "before", "after", among=among), among)
