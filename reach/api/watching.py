"""``reach watch``: a live cluster followed as it changes, one update per burst of events.

Each update applies the objects the watches saw to the store of the cluster's objects,
loads and compiles them again, and reports the connections opened and closed (``reach
diff`` of the states before and after) and the expectations newly broken or restored.
docs/watch.md describes it, and what an update costs.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from reach.analysis.compiled import Analysis
from reach.analysis.diff import DiffReport, diff
from reach.analysis.nodes import OUTSIDE
from reach.analysis.radius import is_internet
from reach.analysis.rowchanges import changed_nodes
from reach.analysis.views import View
from reach.api.batchupdate import StoreChange, in_turn
from reach.api.relisted import most_changed, relisted
from reach.api.warmup import rehearsed
from reach.audit import run_audit
from reach.audit.expect import Expectations, load_expectations
from reach.errors import Diagnostic, Diagnostics
from reach.freedmemory import keep_freed_memory
from reach.gcpause import collect_when_idle, idle_caller
from reach.input.live.read import LiveSource
from reach.input.live.watch import Change, ClusterWatch, Event, Status, raw_of, wait_for
from reach.input.loader import Memo, build_cluster
from reach.input.options import LiveOptions
from reach.input.store import Identity, ObjectStore, identity
from reach.words import count


@dataclass
class WatchUpdate:
    """What one burst of events changed. ``diff`` is None for the first state."""

    time: str
    events: list[str]
    notes: list[str]
    diff: DiffReport | None
    broken: list[str]
    restored: list[str]
    seconds: float
    connections: int = 0
    #: Workloads (nodes at the watch's granularity) that internet addresses may reach.
    exposed: int = 0
    diagnostics: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether connections or expectations changed."""
        opened = self.diff is not None and bool(self.diff.edges or self.diff.nodes)
        return opened or bool(self.broken or self.restored)

    def __str__(self) -> str:
        head = f"[{self.time}] "
        if self.diff is None:
            lines = [head + f"watching: {count(self.connections, 'connection')} allowed"]
            lines += [f"  expectation broken: {name}" for name in self.broken]
        else:
            what = ", ".join(self.events[:5]) + (" ..." if len(self.events) > 5 else "")
            lines = [head + (what or "no object changed") + f" ({self.seconds * 1000:.0f} ms)"]
            lines += ["  " + line for line in _diff_lines(self.diff)]
            lines += [f"  expectation broken: {name}" for name in self.broken]
            lines += [f"  expectation restored: {name}" for name in self.restored]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "events": self.events,
            "notes": self.notes,
            "seconds": round(self.seconds, 4),
            "connections": self.connections,
            "internet_exposed": self.exposed,
            "change": self.diff.to_dict() if self.diff is not None else None,
            "broken": self.broken,
            "restored": self.restored,
            "diagnostics": self.diagnostics,
        }


def _diff_lines(report: DiffReport) -> list[str]:
    """The diff's own text without its heading (``+ a => b : TCP 80`` lines and counts)."""
    lines = str(report).splitlines()[1:]
    return [line for line in lines if line.strip()]


class Watcher:
    """A live cluster, read and then followed (``start``, then ``next`` until ``stop``)."""

    def __init__(
        self,
        options: LiveOptions | None = None,
        expect: str | Path | Expectations | Mapping[str, Any] | None = None,
        by: str = "workload",
    ) -> None:
        self.watch = ClusterWatch(LiveSource(options))
        self.expect = load_expectations(expect) if isinstance(expect, str | Path) else expect
        self.by = by
        self.store = ObjectStore()
        self.memo: Memo = {}  # the parsed objects of the last load
        self.analysis: Analysis | None = None
        self.broken: set[str] = set()
        self.updates = 0
        self.latencies: list[float] = []
        self.tally = Tally(0, {})
        #: What the first read said it left out (partial), said again after every load.
        self._read_partial: list[Diagnostic] = []
        self._end_idle: Callable[[], None] = lambda: None  # steps collect as usual
        #: Whether the first idle moment rehearsed an update that renumbers classes (None:
        #: none came yet; :mod:`reach.api.warmup`).
        self.rehearsal: bool | None = None

    def start(self) -> WatchUpdate:
        """Read the cluster and start watching it; the first state (read with the memory
        the process frees kept for the updates after: :mod:`reach.freedmemory`)."""
        started = time.perf_counter()
        keep_freed_memory()
        read = Diagnostics()
        raws = self.watch.start(read)
        # what the read left out (a list that failed or ended early) stays said
        self._read_partial = [d for d in read.notes if d.partial]
        self.store = ObjectStore(raws)
        self.analysis = self._analyse()
        self.tally = _tally(self.analysis.view(self.by))
        self.broken = self._broken(self.analysis)
        self._end_idle()
        self._end_idle = idle_caller()  # steps leave the full collections to next()
        return WatchUpdate(
            _now(),
            [],
            [],
            None,
            sorted(self.broken),
            [],
            time.perf_counter() - started,
            self.tally.pairs,
            len(self.tally.exposed),
            diagnostics=[str(d) for d in self.analysis.diagnostics if d.partial],
        )

    def next(self, timeout: float = 1.0) -> WatchUpdate | None:
        """The next update (None when no event came within ``timeout`` seconds)."""
        batch = wait_for(self.watch.events, timeout)
        if not batch:  # idle: the collector's full collection, when due, runs now
            if self.rehearsal is None and self.analysis is not None:
                # the first idle moment: the memory of the first renumberings made ready
                self.rehearsal = rehearsed(self.analysis, self.store, self.by)
            collect_when_idle()
            return None
        return self.update(batch)

    def update(self, batch: list[Event]) -> WatchUpdate:
        """Apply ``batch`` and say what it changed."""
        assert self.analysis is not None, "start() first"
        started = time.perf_counter()
        before = self.analysis
        events: list[str] = []
        notes: list[str] = []
        quick = in_turn(before, self.store, self._changes(batch, events, notes), self.by)
        if quick is not None:
            after, change, among, one_way = quick
            old, new = before.view(self.by), after.view(self.by)
            self.tally = _moved_tally(self.tally, old, new, among, one_way)
        else:
            after = self._analyse()
            moved = changed_nodes(before, after, self.by)  # None: every pair is compared
            change = diff(before, after, self.by, "before", "after", among=moved)
            self.tally = (
                _tally(after.view(self.by))
                if moved is None
                else _moved_tally(self.tally, before.view(self.by), after.view(self.by), moved)
            )
        broken = self._broken(after)
        newly, restored = sorted(broken - self.broken), sorted(self.broken - broken)
        self.analysis, self.broken = after, broken
        seconds = time.perf_counter() - started
        self.updates += 1
        self.latencies.append(seconds)
        return WatchUpdate(
            _now(),
            events,
            notes,
            change,
            newly,
            restored,
            seconds,
            self.tally.pairs,
            len(self.tally.exposed),
            diagnostics=[str(d) for d in after.diagnostics if d.partial],
        )

    def stop(self) -> None:
        self.watch.stop()
        self._end_idle()

    def _changes(
        self, batch: list[Event], events: list[str], notes: list[str]
    ) -> Iterator[StoreChange]:
        """The changes of ``batch`` in turn (a relisted resource: those of the objects it
        changed), each said in ``events`` or ``notes`` when it is made."""
        for event in batch:
            if isinstance(event, Status) and event.type in ("relisted", "unserved"):
                notes.append(event.message)
                assert self.analysis is not None, "start() first"
                most = most_changed(len(self.analysis.cluster.pods))
                yield from relisted(self.store, event, self.watch.context, most)
            else:
                yield partial(self._apply, event, events, notes)

    def _apply(
        self, event: Event, events: list[str], notes: list[str]
    ) -> list[tuple[Identity, bool]]:
        """``event`` applied to the store, said in ``events`` or ``notes``; the identities
        it changed, each with whether the store held it before."""
        if isinstance(event, Status):
            notes.append(event.message)
            return []
        assert isinstance(event, Change)
        events.append(f"{event.type} {event.name}")
        raw = raw_of(event.resource, event.obj, self.watch.context)
        if event.type == "DELETED" or raw is None:
            obj = dict(event.obj, kind=event.resource.kind, apiVersion=event.resource.api_version)
            return [(identity(obj), self.store.discard(identity(obj)))]
        changed = self.store.identities_of(raw.obj)
        self.store.apply(raw.obj, raw.origin)
        return changed

    def _analyse(self) -> Analysis:
        diag = Diagnostics()
        diag.notes.extend(self._read_partial)
        return Analysis(build_cluster(self.store.raws(), diag, skip_invalid=True, memo=self.memo))

    def _broken(self, analysis: Analysis) -> set[str]:
        if self.expect is None:
            return set()
        report = run_audit(analysis, self.expect, checks=False)
        return {e.name for e in report.expectations if not e.passed}


@dataclass(frozen=True)
class Tally:
    """The allowed pairs of a view, and the nodes inside the cluster that some internet
    address may reach, each with how many internet nodes reach it (so that a count of the
    pairs that changed updates it: :func:`_moved_tally`)."""

    pairs: int
    exposed: Mapping[str, int]


def _tally(
    view: View, among: set[str] | None = None, one_way: Mapping[str, str] | None = None
) -> Tally:
    """The view's tally, counted over its arrays of pairs (no object made per pair); with
    ``among``, of the pairs with an end among these node ids only (``one_way``: as
    :meth:`View.edge_blocks_of` reads them)."""
    internet = np.array([is_internet(n) for n in view.nodes], dtype=bool)
    inside = np.array([n.type not in OUTSIDE for n in view.nodes], dtype=bool)
    blocks = view.edge_blocks() if among is None else view.edge_blocks_of(among, one_way)
    pairs = 0
    reached = np.zeros(len(view.nodes), dtype=np.int64)
    for src, dst, _ in blocks:
        pairs += len(src)
        np.add.at(reached, dst[internet[src] & inside[dst]], 1)
    return Tally(pairs, {view.nodes[i].id: int(reached[i]) for i in np.flatnonzero(reached)})


def _moved_tally(
    tally: Tally,
    before: View,
    after: View,
    among: set[str],
    one_way: Mapping[str, str] | None = None,
) -> Tally:
    """``tally`` of ``before`` made ``after``'s, where only pairs with an end among the node
    ids ``among`` changed (one way for those of ``one_way``): those are counted again on
    both sides."""
    old, new = _tally(before, among, one_way), _tally(after, among, one_way)
    exposed = Counter(tally.exposed)
    exposed.subtract(old.exposed)
    exposed.update(new.exposed)
    return Tally(tally.pairs - old.pairs + new.pairs, {i: n for i, n in exposed.items() if n > 0})


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
