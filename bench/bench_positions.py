#!/usr/bin/env python3
"""What source positions cost `reach summary` (issue 22: at most 10% more).

Usage:
  python bench/bench_positions.py               # 10k pods, 1,000 policies, 5 runs of each
  python bench/bench_positions.py --size 1k --runs 3

Positions are recorded lazily (reach.input.positions): the load builds no position, so
`reach summary` itself runs the code it ran before. What remains to measure is what a
position costs when something asks for one. In one process, runs alternate between

- A: ``reach.load(FILE).summary()``, as `reach summary` computes it;
- B: the same, then the position of every policy (``metadata.name`` of each
  NetworkPolicy), as a SARIF report or an eager recording of the policy documents would
  ask for them: the file is read again, cut into documents, and each policy's document
  composed by PyYAML.

and the medians of CPU time and their ratio are printed. The cluster is bench_core's
generated one (../shared/bench/gen_cluster.py, seed 1, cached under bench/.cache).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_core import cluster  # noqa: E402

import reach  # noqa: E402
from reach.input import positions  # noqa: E402


def summary(path: str) -> reach.Reach:
    r = reach.load(path)
    r.summary()
    return r


def run_a(path: str) -> float:
    start = time.process_time()
    summary(path)
    return time.process_time() - start


def run_b(path: str) -> float:
    start = time.process_time()
    r = summary(path)
    found = [positions.locate(p.origin, "metadata.name") for p in r.analysis.cluster.policies]
    assert all(f is not None for f in found), "a policy without a position"
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="10k")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    path = str(cluster(args.size))
    run_a(path)  # warm the imports and the page cache
    times: dict[str, list[float]] = {"a": [], "b": []}
    for _ in range(args.runs):
        for name, fn in (("a", run_a), ("b", run_b)):
            positions._file.cache_clear()
            gc.collect()
            times[name].append(fn(path))
    a, b = statistics.median(times["a"]), statistics.median(times["b"])
    print(f"{args.size}: {args.runs} alternating runs, median CPU seconds")
    print(f"  A summary                          {a:7.2f}")
    print(f"  B summary + every policy located   {b:7.2f}  ({b / a:.2f}x)")


if __name__ == "__main__":
    main()
