#!/usr/bin/env python3
"""Issue 21: the time of one update per event type (``Reach.apply`` / ``Reach.delete``, what
``reach watch`` runs per burst of events) against a full load and summary of the same
cluster.

Usage:
  python bench/bench_watch.py                 # 10k pods, 3 runs of each event type
  python bench/bench_watch.py --size 1k --runs 5

The cluster is bench_core's generated one (../shared/bench/gen_cluster.py, seed 1, cached
under bench/.cache). Event types: a pod added (a copy of an existing pod under a new
name), deleted, relabelled (a label changed), a namespace relabelled, a NetworkPolicy
added (deny all ingress in one namespace), changed (that policy's podSelector changed)
and deleted. Each is timed in this process (wall clock), ``--runs`` times, each run on a
different pod, namespace or policy; the medians are printed with their ratio to the full
recompute column (``reach.load`` + ``summary``, median of ``--runs``).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_core import cluster  # noqa: E402

import reach  # noqa: E402

Obj = dict[str, Any]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def deny(ns: str, selector: Obj) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "bench-deny", "namespace": ns},
        "spec": {"podSelector": selector, "policyTypes": ["Ingress"]},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="10k")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    path = str(cluster(args.size))
    full = [timed(lambda: reach.load(path).summary()) for _ in range(args.runs)]
    r = reach.load(path)
    r.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-warm"}})
    raws = [raw.obj for raw in r._updates.store.raws()]  # type: ignore[union-attr]
    every = [o for o in raws if o["kind"] == "Pod"]
    pods = every[:: max(1, len(every) // 50)]
    spaces = [o for o in raws if o["kind"] == "Namespace" and o["metadata"]["name"] != "bench-warm"]
    rows: list[tuple[str, list[float]]] = []

    def run(name: str, make: Callable[[int], Callable[[], object]]) -> None:
        rows.append((name, [timed(make(i)) for i in range(args.runs)]))
        print(f"  {name}: done", file=sys.stderr)

    def add(i: int) -> Callable[[], object]:
        pod = copy.deepcopy(pods[i])
        pod["metadata"]["name"] += "-bench"
        return lambda: r.apply(pod)

    run("pod add", add)
    run("pod delete", lambda i: lambda: r.delete(pods[i + 10]))

    def relabel(i: int) -> Callable[[], object]:
        pod = copy.deepcopy(pods[i + 20])
        pod["metadata"]["labels"]["version"] = "bench"
        return lambda: r.apply(pod)

    run("pod relabel", relabel)

    def ns_relabel(i: int) -> Callable[[], object]:
        ns = copy.deepcopy(spaces[i + 3])
        ns["metadata"].setdefault("labels", {})["bench"] = "yes"
        return lambda: r.apply(ns)

    run("namespace relabel", ns_relabel)
    names = [s["metadata"]["name"] for s in spaces[3:]]
    run("policy add", lambda i: lambda: r.apply(deny(names[i], {})))
    run(
        "policy change",
        lambda i: lambda: r.apply(deny(names[i], {"matchLabels": {"tier": "web"}})),
    )
    run("policy delete", lambda i: lambda: r.delete(deny(names[i], {})))
    recompute = statistics.median(full)
    print(f"\n{args.size} pods, medians of {args.runs} runs (wall clock)\n")
    print("| event | update (ms) | full load + summary (ms) | ratio |")
    print("|---|---:|---:|---:|")
    for name, times in rows:
        m = statistics.median(times)
        print(f"| {name} | {m * 1000:.0f} | {recompute * 1000:.0f} | {m / recompute:.2f} |")


if __name__ == "__main__":
    main()
