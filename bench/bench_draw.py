#!/usr/bin/env python3
"""Time the pictures of a generated 2,000-pod cluster: namespace view and matrix view.

Usage:
  python bench/bench_draw.py [--runs 3]

The cluster comes from ../shared/bench/gen_cluster.py (2,000 pods, 300 policies,
40 namespaces, seed 1), cached under bench/.cache. Each `reach export` runs
under /usr/bin/time (loading included); the table shows medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_core import generate, timed  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    src = str(generate("cluster-2k-draw", 2000, 300, 40))
    views = {
        "namespace graph": ["--by", "namespace"],
        "matrix": ["--view", "matrix"],
    }
    print("| picture (2,000 pods) | median s | peak MiB |\n|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, opts in views.items():
            out = str(Path(tmp) / "pic.png")
            cmd = [sys.executable, "-m", "reach", "export", "-f", src, *opts, "-o", out]
            runs = [timed(cmd) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            rss = statistics.median(r[1] for r in runs)
            print(f"| {name} | {wall:.2f} | {rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
