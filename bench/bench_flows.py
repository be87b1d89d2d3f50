#!/usr/bin/env python3
"""`reach flows check` and `reach generate --from-current` against `reach summary` on the
same cluster (issue 20: within 3x and 5x).

Usage:
  python bench/bench_flows.py                  # 10k pods, 100k flows, 3 runs of each
  python bench/bench_flows.py --size 1k --flows 10000 --runs 3
  python bench/bench_flows.py --no-generate    # summary and flows check only
  python bench/bench_flows.py --no-flows-check # summary and generate only

The cluster is bench_core's generated one (../shared/bench/gen_cluster.py, seed 1,
cached under bench/.cache). The flows are a CSV of ``--flows`` lines (seed 1): pairs of
workloads drawn at random, half of them among the connections the cluster allows (on
one of their ports), half anywhere (mostly dropped), with counts; workload
references as ``reach list`` prints them. Each command runs in a fresh process
(``python -m reach ...``), the three alternate, and the medians of wall and CPU time
and their ratios to the summary are printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import CACHE, SIZES, generate  # noqa: E402
from bench_services import timed  # noqa: E402


def flows_file(cluster: Path, size: str, n: int) -> Path:
    """``n`` CSV flows for ``cluster`` (cached)."""
    path = CACHE / f"flows-{size}-{n}.csv"
    if path.exists():
        return path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import reach

    r = reach.load(str(cluster))
    conns = [c for c in r.connections() if c.src.type == c.dst.type == "workload"]
    workloads = sorted({c.src.id for c in conns} | {c.dst.id for c in conns})
    rng = random.Random(1)
    lines = ["src,dst,port,count"]
    for i in range(n):
        if i % 2 == 0 and conns:
            c = rng.choice(conns)
            protocol, intervals = next((p, iv) for p, iv in c.ports.items() if iv)
            lo, hi = rng.choice(intervals)
            port = rng.randint(lo, min(hi, lo + 100))
            src, dst = c.src.id, c.dst.id
        else:
            src, dst = rng.choice(workloads), rng.choice(workloads)
            protocol, port = "TCP", rng.choice([80, 443, 5432, 6379, 8080, 9090])
        lines.append(f"{src},{dst},{port}/{protocol},{rng.randint(1, 500)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--size", default="10k", choices=sorted(SIZES))
    ap.add_argument("--flows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--no-generate",
        action="store_true",
        help="time summary and flows check only (generate takes minutes at 10k)",
    )
    ap.add_argument("--no-flows-check", action="store_true", help="time summary and generate only")
    args = ap.parse_args()
    pods, policies, namespaces = SIZES[args.size]
    cluster = generate(f"cluster-{args.size}", pods, policies, namespaces)
    flows = flows_file(cluster, args.size, args.flows)
    base = [sys.executable, "-m", "reach"]
    commands = {
        "summary": [*base, "summary", "-f", str(cluster)],
        "flows check": [*base, "flows", "check", "-f", str(cluster), "--flows", str(flows)],
        "generate": [*base, "generate", "-f", str(cluster), "--from-current", "-o", "/dev/null"],
    }
    if args.no_generate:
        del commands["generate"]
    if args.no_flows_check:
        del commands["flows check"]
    timed(commands["summary"])  # warm the page cache and the imports once
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            runs[name].append(timed(cmd, codes=(0, 1)))
    print(f"{args.size}: {pods} pods, {policies} policies, {args.flows:,} flows, {args.runs} runs")
    for i, what in ((0, "wall"), (1, "cpu")):
        medians = {k: statistics.median(r[i] for r in v) for k, v in runs.items()}
        for name, m in medians.items():
            ratio = m / medians["summary"]
            print(f"{what}: {name:<12} median {m:7.2f} s  ({ratio:.2f}x summary)")


if __name__ == "__main__":
    main()
