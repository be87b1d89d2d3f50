#!/usr/bin/env python3
"""The cyclic collector during updates: the time of a run of splits and merges (a policy
selecting exactly one pod's labels added, then deleted: ``bench_watch.py``'s event types
"policy add, splitting a class" and "policy delete, merging classes"), and how much of it
went to collections (``gc.callbacks``), with what a paused step leaves frozen
(``reach/gcpause.py``) or not.

Usage:
  python bench/bench_gc.py --size 100k --events 12              # as reach runs
  python bench/bench_gc.py --size 100k --events 12 --no-freeze  # without freezing

Run both in one sitting and compare them: this machine's speed changes over hours. The
cluster is bench_core's, with bench_watch's Calico policies beside; a namespace is
applied first, as bench_watch does (the first update reads the objects again), and the
first two events are left out of the median (they touch memory the load did not).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from pathlib import Path
from typing import Any

import bench_watch as bw
from bench_core import cluster

import reach
from reach import gcpause


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="10k")
    ap.add_argument("--events", type=int, default=12, help="splits and merges, in turn")
    ap.add_argument("--no-freeze", action="store_true", help="leave paused steps' objects")
    args = ap.parse_args()
    if args.no_freeze:
        gcpause.settle = lambda: None
    collecting: list[float] = []
    started: list[float] = []

    def timer(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        else:
            collecting.append(time.perf_counter() - started.pop())

    path = bw.with_policies(Path(cluster(args.size)), "calico", bw.calico)
    r = reach.load(str(path))
    r.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-warm"}})
    pods = bw.mixed_pods(r.reachability)
    gc.callbacks.append(timer)
    times, collected = [], []
    for k in range(args.events):
        policy = bw.split_policy(pods[(k // 2) % len(pods)])
        collecting.clear()
        start = time.perf_counter()
        (r.apply if k % 2 == 0 else r.delete)(policy)
        times.append(time.perf_counter() - start)
        collected.append(sum(collecting))
    kept = times[2:] or times
    print(f"{args.size} pods, {args.events} events, freezing {'off' if args.no_freeze else 'on'}")
    print(f"  events (ms): {' '.join(f'{t * 1000:.0f}' for t in times)}")
    print(f"  collections inside them (ms): {' '.join(f'{t * 1000:.0f}' for t in collected)}")
    print(f"  median event after the first two: {statistics.median(kept) * 1000:.0f} ms")
    print(f"  collections in all: {sum(collected) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
