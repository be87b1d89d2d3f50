#!/usr/bin/env python3
"""The phases of ``reach generate --from-current`` timed in one process (CPU seconds),
next to ``reach summary``'s compile of the same cluster: where the time goes.

Usage:
  python bench/bench_generate_phases.py                 # 10k pods (bench_core's cluster)
  python bench/bench_generate_phases.py --size 1k --runs 3

Each phase is timed with ``time.process_time``; with ``--runs N`` the medians of N
runs are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import SIZES  # noqa: E402
from bench_core import generate as cluster_file  # noqa: E402


def phases(path: Path) -> dict[str, float]:
    """CPU seconds of each phase of one in-process run."""
    import reach
    from reach.analysis.generate import generate
    from reach.analysis.genmodel import to_model
    from reach.analysis.genverify import compare, with_policies
    from reach.analysis.units import connections, units
    from reach.engine.compile import compile_cluster

    out: dict[str, float] = {}
    t = time.process_time()

    def lap(name: str) -> None:
        nonlocal t
        now = time.process_time()
        out[name] = now - t
        t = now

    r = reach.load(str(path))
    reachability = r.reachability
    lap("load and compile (summary's work)")
    found = units(reachability)
    wanted = connections(reachability, found)
    lap("today's connections")
    made = generate(found, wanted, {})
    lap("the policies")
    policies = to_model(made.policies)
    lap("their model")
    after = compile_cluster(with_policies(r.cluster, policies, False))
    lap("verification: compile")
    checked = compare(after, found, wanted)
    assert checked.ok, checked.mismatches[:3]
    lap("verification: compare")
    from reach.analysis.genresult import GenerateResult

    GenerateResult("today's connections", made, checked, len(found), [], False).yaml()
    lap("YAML")
    out["total"] = sum(out.values())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--size", default="10k", choices=sorted(SIZES))
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    pods, policies, namespaces = SIZES[args.size]
    path = cluster_file(f"cluster-{args.size}", pods, policies, namespaces)
    runs = [phases(path) for _ in range(args.runs)]
    for name in runs[0]:
        print(f"{statistics.median(run[name] for run in runs):8.2f} s  {name}")


if __name__ == "__main__":
    main()
