#!/usr/bin/env python3
"""Issue 21: class renumberings one after another in one process (what ``reach watch``
does), against the same after a full load and summary each time (what bench_watch.py
measures: each of its runs times a full recompute first).

Usage:
  python bench/bench_steady.py --size 100k --calico --istio      # 8 pairs, steady
  python bench/bench_steady.py --size 100k --calico --istio --reload 3  # a full load before
                                                              # every third pair

A pair is a pod alone in its behaviour class deleted (its class goes) and applied again
(a new class), each on another such pod. The first two pairs after the cluster's load
touch memory the process has not written yet and are printed apart; the medians are of
the pairs after them. With ``--reload K`` a full load and summary of the same cluster runs
before every K-th pair (its memory freed again), as bench_watch.py's runs do before each
of its rows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np  # noqa: E402
from bench_core import cluster  # noqa: E402
from bench_watch import calico, timed, with_mesh, with_policies  # noqa: E402

import reach  # noqa: E402

#: The pairs printed apart: the first touch of the process's memory after the load.
FIRST = 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="10k")
    ap.add_argument("--pairs", type=int, default=8, help="pairs timed after the first two")
    ap.add_argument("--calico", action="store_true", help="with Calico policies beside")
    ap.add_argument("--istio", action="store_true", help="with Istio's sidecars and policies")
    ap.add_argument("--reload", type=int, default=0, help="a full load before every K-th pair")
    args = ap.parse_args()
    path = cluster(args.size)
    if args.calico:
        path = with_policies(path, "calico", calico)
    if args.istio:
        path = with_mesh(path)
    r = reach.load(str(path))
    r.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-warm"}})
    x = r.reachability
    every = {
        (o["metadata"]["namespace"], o["metadata"]["name"]): o
        for o in (raw.obj for raw in r._updates.store.raws())  # type: ignore[union-attr]
        if o["kind"] == "Pod"
    }
    alone = np.flatnonzero(np.bincount(x.pod_class)[x.pod_class] == 1)
    total = FIRST + args.pairs
    picked = alone[:: max(1, len(alone) // total)][:total]
    lone = [every[(x.pods[i].namespace, x.pods[i].name)] for i in picked]
    gone: list[float] = []
    made: list[float] = []
    for k, pod in enumerate(lone):
        if args.reload and k >= FIRST and (k - FIRST) % args.reload == 0:
            full = timed(lambda: reach.load(str(path)).summary())
            print(f"  a full load and summary: {full * 1000:.0f} ms", file=sys.stderr)
        start = time.perf_counter()
        r.delete(pod)
        between = time.perf_counter()
        r.apply(pod)
        end = time.perf_counter()
        a, b = (between - start) * 1000, (end - between) * 1000
        if k < FIRST:
            print(f"  pair {k + 1} (first touch): class gone {a:.0f} ms, new class {b:.0f} ms")
            continue
        gone.append(a)
        made.append(b)
    print(f"\n{args.size} pods, {len(gone)} pairs after the first {FIRST} (wall clock, ms)\n")
    print("| event | median | min | max |")
    print("|---|---:|---:|---:|")
    for name, times in (("pod delete, its class gone", gone), ("pod add, a new class", made)):
        print(f"| {name} | {statistics.median(times):.0f} | {min(times):.0f} | {max(times):.0f} |")


if __name__ == "__main__":
    main()
