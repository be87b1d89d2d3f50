"""Writing rows into memory freed a few seconds before, with and without
:func:`reach.freedmemory.keep_freed_memory` (what an update does each time: the rows of
the state before are freed, new ones written).

    python bench/bench_freed.py [--mb 400] [--idle 3] [--runs 5]

Each way runs in a process of its own (the setting holds for the whole process) and
prints the median time of writing an array of ``--mb`` megabytes, freed and made again
after ``--idle`` seconds, and the ratio of the two medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np


def one_way(keep: bool, mb: int, idle: float, runs: int) -> float:
    """The median seconds of writing ``mb`` megabytes into a fresh array, ``idle``
    seconds after the last one was freed (in this process)."""
    if keep:
        from reach.freedmemory import keep_freed_memory

        if not keep_freed_memory():
            print("not glibc: memory is not kept", file=sys.stderr)
    source = np.ones(mb * 2**20 // 4, dtype=np.int32)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = np.empty_like(source)
        rows[...] = source
        times.append(time.perf_counter() - started)
        del rows
        time.sleep(idle)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=400)
    ap.add_argument("--idle", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--one", choices=["plain", "kept"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(one_way(args.one == "kept", args.mb, args.idle, args.runs))
        return
    medians = {}
    for way in ("plain", "kept"):
        argv = [sys.executable, __file__, "--one", way, "--mb", str(args.mb)]
        argv += ["--idle", str(args.idle), "--runs", str(args.runs)]
        medians[way] = float(subprocess.run(argv, check=True, capture_output=True).stdout)
    print(f"| memory | median write of {args.mb} MB, {args.idle:g} s after a free |")
    print("|---|---:|")
    for way, seconds in medians.items():
        print(f"| {way} | {seconds * 1000:.0f} ms |")
    print(f"ratio plain / kept: {medians['plain'] / medians['kept']:.1f}x")


if __name__ == "__main__":
    main()
