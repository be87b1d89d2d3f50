"""The collector is paused inside heavy steps and restored as it was after them."""

from __future__ import annotations

import gc
import time

import pytest

from reach.gcpause import gc_paused, without_gc


@pytest.mark.parametrize("enabled", [True, False])
def test_state_is_restored(enabled: bool) -> None:
    before = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if before else gc.disable)()


def test_restored_when_the_step_fails() -> None:
    assert gc.isenabled()

    @without_gc
    def fails() -> None:
        assert not gc.isenabled()
        raise ValueError("boom")

    with pytest.raises(ValueError):
        fails()
    assert gc.isenabled()


def test_what_is_alive_after_a_paused_step_is_frozen() -> None:
    gc.unfreeze()
    with gc_paused():
        made = [[] for _ in range(1000)]
    assert gc.get_freeze_count() >= len(made)


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_a_cycle_frozen_is_collected_once_the_last_full_collection_is_long_ago(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import weakref

    from reach import gcpause

    monkeypatch.setattr(gcpause, "SETTLE_GAP", 3600.0)
    monkeypatch.setattr(gcpause, "_last", {"at": time.monotonic(), "took": 0.0})
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    with gc_paused():  # the cycle is frozen
        pass
    del a, b
    gc.collect()
    assert gone() is not None  # frozen: a full collection does not see it
    with gc_paused():  # the last full collection is not long ago
        pass
    assert gone() is not None
    monkeypatch.setattr(gcpause, "SETTLE_GAP", 0.0)
    with gc_paused():  # now it is: given back and collected
        pass
    assert gone() is None
    took = gcpause._last["took"]
    monkeypatch.setattr(gcpause, "_last", {"at": time.monotonic(), "took": 1.0})
    c, d = _Node(), _Node()
    c.other, d.other = d, c
    kept = weakref.ref(c)
    with gc_paused():
        pass
    del c, d
    with gc_paused():  # a collection of 1 s was just now: not again for 100 s
        pass
    assert kept() is not None and took >= 0


def _cycle() -> object:
    """A reference cycle frozen by a paused step, known by a weak reference."""
    import weakref

    a, b = _Node(), _Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    with gc_paused():
        pass
    return gone


def test_steps_leave_a_due_collection_to_a_caller_that_collects_when_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While a caller collects when idle, a step runs a due full collection only when it
    is ``IDLE_LATE`` times overdue; the caller's idle call runs it as soon as it is due."""
    from reach import gcpause

    monkeypatch.setattr(gcpause, "SETTLE_GAP", 100.0)
    monkeypatch.setattr(gcpause, "_last", {"at": time.monotonic() - 150.0, "took": 0.0})
    end = gcpause.idle_caller()
    try:
        gone = _cycle()  # frozen by a step that left the due collection
        with gc_paused():  # due (150 s of 100), not ten times overdue: left to the caller
            pass
        assert gone() is not None  # type: ignore[operator]
        assert gcpause.collect_when_idle()  # idle: collected now
        assert gone() is None  # type: ignore[operator]
        assert not gcpause.collect_when_idle()  # not due again
        gone = _cycle()
        monkeypatch.setattr(gcpause, "_last", {"at": time.monotonic() - 1001.0, "took": 0.0})
        with gc_paused():  # ten times overdue: the step collects after all
            pass
        assert gone() is None  # type: ignore[operator]
    finally:
        end()
        end()  # once only
    assert gcpause._idle["callers"] == 0
    monkeypatch.setattr(gcpause, "_last", {"at": time.monotonic(), "took": 0.0})
    gone = _cycle()
    monkeypatch.setattr(gcpause, "_last", {"at": time.monotonic() - 150.0, "took": 0.0})
    with gc_paused():  # no caller collects when idle: the step collects when due
        pass
    assert gone() is None  # type: ignore[operator]
