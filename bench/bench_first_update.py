#!/usr/bin/env python3
"""The first updates after a load that renumber classes, with and without the rehearsal
``reach watch`` makes at its first idle moment (``reach.api.warmup``).

Usage:
  python bench/bench_first_update.py                      # 100k, Calico and the mesh
  python bench/bench_first_update.py --size 10k --runs 3
  python bench/bench_first_update.py --plain              # the cluster without them

Each run is a fresh process (the memory a process has written before is what the
rehearsal is about): it loads the cluster (bench_watch's, cached under bench/.cache),
rehearses or not, and times a pod alone in its class deleted (its class goes) and applied
again (a new class), three pods one after the other. The rehearsal's own time is printed
beside: a watch spends it while it waits for the first event.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from bench_core import cluster  # noqa: E402
from bench_watch import calico, with_mesh, with_policies  # noqa: E402

import reach  # noqa: E402
from reach.api.warmup import rehearsed  # noqa: E402

#: The pods timed per run, each deleted and then applied again.
PODS = 3


def one_run(path: str, rehearse: bool) -> dict[str, list[float]]:
    """In this process: the load, the rehearsal (or not), and the updates' seconds."""
    r = reach.load(path)
    r.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-warm"}})
    store = r._updates.store  # type: ignore[union-attr]
    x = r.reachability
    alone = np.flatnonzero(np.bincount(x.pod_class)[x.pod_class] == 1)
    objects = {
        (o.obj["metadata"]["namespace"], o.obj["metadata"]["name"]): o.obj
        for o in store.raws()
        if o.obj["kind"] == "Pod"
    }
    lone = [objects[(x.pods[i].namespace, x.pods[i].name)] for i in alone[:PODS]]
    out: dict[str, list[float]] = {"rehearsal": [], "gone": [], "new": []}
    if rehearse:
        start = time.perf_counter()
        assert rehearsed(r.analysis, store, "workload"), "a pod alone in its class"
        out["rehearsal"].append(time.perf_counter() - start)
    for pod in lone:
        for name, step in (("gone", r.delete), ("new", r.apply)):
            start = time.perf_counter()
            step(pod)
            out[name].append(time.perf_counter() - start)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="100k")
    ap.add_argument("--runs", type=int, default=2, help="fresh processes per way")
    ap.add_argument("--plain", action="store_true", help="without Calico's tiers and the mesh")
    ap.add_argument("--one", choices=["rehearsed", "cold"], help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:  # a child: one run, its times as JSON
        print(json.dumps(one_run(args.path, args.one == "rehearsed")))
        return
    path = cluster(args.size)
    if not args.plain:
        path = with_mesh(with_policies(path, "calico", calico))
    runs: dict[str, list[dict[str, list[float]]]] = {"cold": [], "rehearsed": []}
    for i in range(args.runs):
        for way in runs:  # alternated: a shared machine's load weighs on both alike
            argv = [sys.executable, __file__, "--one", way, "--path", str(path)]
            done = subprocess.run(argv, check=True, capture_output=True, text=True)
            runs[way].append(json.loads(done.stdout))
            print(f"  run {i + 1} of {args.runs}, {way}: done", file=sys.stderr)
    kind = "plain" if args.plain else "beside Calico's tiers and the mesh"
    print(f"\n{args.size} pods, {kind}; medians of {args.runs} fresh processes (ms)\n")
    print("| way | rehearsal | " + " | ".join(f"pod {k + 1} gone, new" for k in range(PODS)) + " |")
    print("|---|---:|" + "---:|" * PODS)
    for way, done in runs.items():
        cells = ["-"]
        if way == "rehearsed":
            cells = [f"{statistics.median(r['rehearsal'][0] for r in done) * 1000:,.0f}"]
        for k in range(PODS):
            gone = statistics.median(r["gone"][k] for r in done) * 1000
            new = statistics.median(r["new"][k] for r in done) * 1000
            cells.append(f"{gone:,.0f}, {new:,.0f}")
        print(f"| {way} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
