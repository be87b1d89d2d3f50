#!/usr/bin/env python3
"""`reach summary` with and without one Service per workload (issue 16: within 10%).

Usage:
  python bench/bench_services.py                  # 10k pods, 5 runs of each, alternating
  python bench/bench_services.py --size 1k --runs 3

The cluster is bench_core's generated one (../shared/bench/gen_cluster.py, seed 1,
cached under bench/.cache). A post-processing step adds one Service per workload
(pods grouped by namespace and ReplicaSet owner): it selects the workload's pods by
their ``app`` and ``pod-template-hash`` labels and maps one service port to each
container port, by name (``targetPort: http``) when the port is named and by number
otherwise; every tenth Service is a LoadBalancer (``externalTrafficPolicy: Local``
every other one), the rest ClusterIP. Both files are analyzed the same way
(``python -m reach summary -f FILE``), runs alternate between them, and the medians
and their ratio are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import CACHE, SIZES, generate  # noqa: E402


def timed(cmd: list[str], codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(wall seconds, user+system CPU seconds) of one run under /usr/bin/time, which must
    exit with one of ``codes``; the CPU time is the steadier of the two on a shared
    machine."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("r") as tf:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S", "-o", tf.name, *cmd], capture_output=True
        )
        if done.returncode not in codes:
            raise SystemExit(f"{' '.join(cmd)}: exit {done.returncode}\n{done.stderr.decode()}")
        wall, user, system = tf.read().split()[-3:]
    return float(wall), float(user) + float(system)


def services_for(docs: list[Any]) -> list[dict[str, Any]]:
    """One Service per workload of the generated pods (see the module docstring)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for d in docs:
        if not isinstance(d, dict) or d.get("kind") != "Pod":
            continue
        meta = d["metadata"]
        owners = meta.get("ownerReferences") or [{"name": meta["name"]}]
        key = (meta.get("namespace", "default"), owners[0]["name"])
        if key not in seen:
            seen[key] = d
    out = []
    for n, ((ns, owner), pod) in enumerate(sorted(seen.items())):
        labels = pod["metadata"].get("labels") or {}
        selector = {k: labels[k] for k in ("app", "pod-template-hash") if k in labels}
        ports = []
        for c in pod["spec"].get("containers") or []:
            for i, p in enumerate(c.get("ports") or []):
                name = p.get("name")
                ports.append(
                    {
                        "name": name or f"p{i}",
                        "port": 8000 + len(ports),
                        "protocol": p.get("protocol", "TCP"),
                        "targetPort": name or p["containerPort"],
                    }
                )
        spec: dict[str, Any] = {"selector": selector or labels, "ports": ports}
        if n % 10 == 0:
            spec["type"] = "LoadBalancer"
            if n % 20 == 0:
                spec["externalTrafficPolicy"] = "Local"
        if ports:
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {"name": owner, "namespace": ns},
                    "spec": spec,
                }
            )
    return out


def with_services(plain: Path) -> tuple[Path, int]:
    """The cluster file with the Services appended (cached), and how many there are."""
    text = plain.read_text()
    services = services_for(list(yaml.load_all(text, Loader=yaml.CSafeLoader)))
    path = CACHE / f"{plain.stem}-services.yaml"
    if not path.exists():
        body = yaml.dump_all(services, Dumper=yaml.CSafeDumper, sort_keys=False)
        path.write_text(text.rstrip("\n") + "\n---\n" + body)
    return path, len(services)


def alternate(files: dict[str, Path], runs: int) -> dict[str, list[tuple[float, float]]]:
    """``reach summary`` of each file, ``runs`` times, alternating; (wall, cpu) per run."""
    cmd = [sys.executable, "-m", "reach", "summary", "-f"]
    out: dict[str, list[tuple[float, float]]] = {name: [] for name in files}
    timed([*cmd, str(list(files.values())[-1])])  # warm the page cache and the imports once
    for _ in range(runs):
        for name, path in files.items():
            out[name].append(timed([*cmd, str(path)]))
    return out


def print_medians(runs: dict[str, list[tuple[float, float]]], labels: dict[str, str]) -> None:
    """Medians of each file's runs, wall and CPU, and the ratio of the second to the first."""
    first, second = list(runs)
    width = max(len(t) for t in labels.values())
    for i, what in ((0, "wall"), (1, "cpu")):
        base, other = (statistics.median(r[i] for r in runs[k]) for k in (first, second))
        print(f"{what}: summary {labels[first]:<{width}}: median {base:.2f} s")
        print(f"{what}: summary {labels[second]:<{width}}: median {other:.2f} s")
        print(f"{what}: ratio {second}/{first}: {other / base:.3f}")


def sized_cluster(doc: str | None) -> tuple[argparse.Namespace, tuple[int, int, int], Path]:
    """``--size`` and ``--runs`` parsed (the script's doc as help), the size's numbers
    (pods, policies, namespaces), and its generated cluster: the start of every bench
    that compares a cluster with a variant of it."""
    ap = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--size", default="10k", choices=sorted(SIZES))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    size = SIZES[args.size]
    return args, size, generate(f"cluster-{args.size}", *size)


def main() -> None:
    args, (pods, policies, _), plain = sized_cluster(__doc__)
    services, count = with_services(plain)
    runs = alternate({"without": plain, "with": services}, args.runs)
    print(f"{args.size}: {pods} pods, {policies} policies, {count} Services, {args.runs} runs each")
    print(f"file sizes: {plain.stat().st_size:,} and {services.stat().st_size:,} bytes")
    print_medians(runs, {"without": "without Services", "with": "with Services"})


if __name__ == "__main__":
    main()
