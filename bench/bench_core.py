#!/usr/bin/env python3
"""Benchmark reach on generated clusters: load+compile, full list, blast radius, YAML floor.

Usage:
  python bench/bench_core.py                      # sizes 1k, 3k, 10k; 3 runs each
  python bench/bench_core.py --sizes 10k --runs 5
  python bench/bench_core.py --sizes 1k,3k,10k,30k,100k --markdown docs/performance.md
  python bench/bench_core.py --sizes 1k,3k --with-nca   # also network-config-analyzer 2.1.0

`reach list --format json` runs up to --list-max (default 30k): at 100k pods the
generated cluster allows about 95 million workload pairs, so the listing is
measured in lines per second on the smaller sizes instead.

Clusters come from ../shared/bench/gen_cluster.py (seed 1) and are cached under
bench/.cache. Each command runs under /usr/bin/time (wall time, peak RSS); the
table shows medians. The floor is parsing the same file with PyYAML's C loader.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REACH_SHARED", ROOT.parent / "shared"))
CACHE = ROOT / "bench" / ".cache"
SIZES = {  # name: (pods, policies, namespaces)
    "1k": (1000, 200, 25),
    "3k": (3000, 500, 50),
    "10k": (10000, 1000, 120),
    "30k": (30000, 3000, 300),
    "100k": (100000, 10000, 1000),
}
FLOOR = "import sys, yaml; list(yaml.load_all(open(sys.argv[1]).read(), Loader=yaml.CSafeLoader))"
READER = (  # reach.input.fastyaml since the restructuring; reach.sources.fastyaml before it
    "import sys\ntry:\n from reach.input import fastyaml\nexcept ImportError:\n"
    " from reach.sources import fastyaml\n"
    "list(fastyaml.load_all(open(sys.argv[1]).read()))"
)
RADIUS = (
    "import sys, collections, reach; r = reach.load(sys.argv[1]);"
    "ns = collections.Counter(p.namespace for p in r.cluster.pods).most_common(1)[0][0];"
    "pod = next(p for p in r.cluster.pods if p.namespace == ns);"
    "import time; t = time.perf_counter(); b = r.blast_radius(f'pod/{pod.namespace}/{pod.name}');"
    "print(f'radius {time.perf_counter() - t:.4f} {len(b.entries)}')"
)


def cluster(size: str) -> Path:
    pods, policies, namespaces = SIZES[size]
    return generate(f"cluster-{size}", pods, policies, namespaces)


def generate(name: str, pods: int, policies: int, namespaces: int) -> Path:
    """A generated cluster (seed 1), cached under bench/.cache."""
    path = CACHE / f"{name}.yaml"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "bench" / "gen_cluster.py"),
                "--pods",
                str(pods),
                "--policies",
                str(policies),
                "--namespaces",
                str(namespaces),
                "--seed",
                "1",
                "--out",
                str(path),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return path


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of one run under /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r") as tf:
        out = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", tf.name, *cmd],
            check=True,
            capture_output=True,
            text=True,
        )
        wall, rss = tf.read().split()[-2:]
    return float(wall), int(rss) / 1024, out.stdout


def median_of(runs: int, cmd: list[str]) -> tuple[float, float, str]:
    results = [timed(cmd) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
        results[-1][2],
    )


NCA_VENV = CACHE / "nca-venv"


def nca_command() -> list[str]:
    """network-config-analyzer 2.1.0 in a venv of its own (installed on first use)."""
    exe = NCA_VENV / "bin" / "nca"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(NCA_VENV)], check=True)
        subprocess.run(
            [str(NCA_VENV / "bin" / "pip"), "install", "-q", "network-config-analyzer==2.1.0"],
            check=True,
        )
    return [str(exe)]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="1k,3k,10k")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--markdown", help="also write the table to this Markdown file")
    ap.add_argument("--list-max", default="30k", help="largest size for the full listing")
    ap.add_argument("--with-nca", action="store_true", help="time network-config-analyzer too")
    ap.add_argument("--nca-max", default="3k", help="largest size to time it on (slow beyond)")
    args = ap.parse_args()
    py = sys.executable
    reach_cmd = [py, "-m", "reach"]
    header = (
        "size",
        "pods",
        "policies",
        "classes",
        "yaml floor s",
        "reach reader s",
        "summary s",
        "summary MiB",
        "summary/floor",
        "list json s",
        "list lines",
        "lines/s",
        "list MiB",
        "blast radius s (query)",
    ) + (("nca s", "nca/reach") if args.with_nca else ())
    sizes = list(SIZES)
    rows = []
    for size in args.sizes.split(","):
        path = str(cluster(size))
        floor, _, _ = median_of(args.runs, [py, "-c", FLOOR, path])
        reader, _, _ = median_of(args.runs, [py, "-c", READER, path])
        summ, summ_rss, out = median_of(args.runs, [*reach_cmd, "summary", "-f", path])
        classes = re.search(r"classes: (\d+)", out)
        pairs = re.search(r"allowed workload pairs: (\d+)", out)
        if sizes.index(size) <= sizes.index(args.list_max):
            with tempfile.NamedTemporaryFile("w", suffix=".json") as lines_file:
                cmd = [*reach_cmd, "list", "-f", path, "--format", "json", "-o", lines_file.name]
                lst, lst_rss, _ = median_of(args.runs, cmd)
                with open(lines_file.name) as fh:
                    n_lines = sum(1 for line in fh if line.startswith('  {"src"'))
            list_cells = (f"{lst:.2f}", str(n_lines), f"{n_lines / lst:,.0f}", f"{lst_rss:.0f}")
        else:
            list_cells = ("-", pairs.group(1) + " pairs" if pairs else "-", "-", "-")
        queries = [float(timed([py, "-c", RADIUS, path])[2].split()[1]) for _ in range(args.runs)]
        pods, pols, _ = SIZES[size]
        row = (
            size,
            pods,
            pols,
            classes.group(1) if classes else "?",
            f"{floor:.2f}",
            f"{reader:.2f}",
            f"{summ:.2f}",
            f"{summ_rss:.0f}",
            f"{summ / floor:.2f}x",
            *list_cells,
            f"{statistics.median(queries):.3f}",
        )
        if args.with_nca and sizes.index(size) > sizes.index(args.nca_max):
            row = (*row, "-", "-")
        elif args.with_nca:
            nca, _, _ = timed(
                [
                    *nca_command(),
                    "--connectivity",
                    path,
                    "--resource_list",
                    path,
                    "--output_format",
                    "txt",
                ]
            )
            row = (*row, f"{nca:.1f}", f"{nca / summ:.0f}x")
        rows.append(row)
        print(" | ".join(str(x) for x in row), flush=True)
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    print("\n".join(table))
    if args.markdown:
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        Path(args.markdown).write_text(
            "# Performance\n\nMeasured by `python bench/bench_core.py --sizes "
            f"{args.sizes} --runs {args.runs}` on {machine}.\nMedians of {args.runs} runs; "
            "wall time and peak RSS from /usr/bin/time. The YAML floor is parsing the same file "
            "with PyYAML's C loader; reach reader is reach's own YAML reader on the same file; "
            "the blast radius column is the query alone, after loading.\n\n"
            + "\n".join(table)
            + "\n"
        )


if __name__ == "__main__":
    main()
