#!/usr/bin/env python3
"""What ``--exposure`` adds to ``reach list`` (issue 17): both commands, whole processes.

Usage:
  python bench/bench_exposure.py                  # 10k pods, 5 runs of each
  python bench/bench_exposure.py --size 3k --runs 3

Runs ``reach list -f CLUSTER --format json -o FILE`` with and without
``--exposure``, alternately, on a generated cluster (``bench_core``: seed 1, cached
under bench/.cache), and prints the median wall times and their ratio. Exits 1
when the ratio is above --limit (default 1.5, the bound of issue 17).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _bench_core():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_core", HERE / "bench_core.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="10k", help="a size of bench_core (1k, 3k, 10k, ...)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--limit", type=float, default=1.5)
    args = ap.parse_args()
    path = _bench_core().cluster(args.size)
    times: dict[str, list[float]] = {"list": [], "list --exposure": []}
    with tempfile.TemporaryDirectory() as tmp:
        base = [sys.executable, "-m", "reach", "list", "-f", str(path), "--format", "json"]
        for _ in range(args.runs):
            times["list"].append(timed([*base, "-o", f"{tmp}/plain.json"]))
            times["list --exposure"].append(timed([*base, "--exposure", "-o", f"{tmp}/x.json"]))
    medians = {k: statistics.median(v) for k, v in times.items()}
    ratio = medians["list --exposure"] / medians["list"]
    for name, median in medians.items():
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"{args.size} reach {name} --format json: median {median:.2f} s ({runs})")
    print(f"ratio {ratio:.2f} (limit {args.limit})")
    return 0 if ratio <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
