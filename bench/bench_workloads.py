"""Manifest what-ifs: workload objects (Deployments, StatefulSets, DaemonSets) applied and
deleted against a loaded cluster shaped as manifests are, timed beside a full recompute.

The generated cluster (``bench_core.cluster``) is made manifest-shaped once, written
beside it: each controller's Pod objects become one workload object (a ReplicaSet's
pods a Deployment named as the ReplicaSet without its hash, when that name is free in its
namespace; StatefulSets and DaemonSets keep theirs), its template the first pod's labels
(without ``pod-template-hash``) and spec, its replicas the number of pods (a DaemonSet:
one pod, as reach expands it); pods of no controller stay Pod objects.

Each run times a full recompute (``reach.load`` + ``summary``) and then, each on another
workload: a Deployment copied under a new name (``bench-<name>``: names that meet another
workload's load, ``reach.api.workloadupdate``), a workload's template relabelled (a label
no rule reads), one scaled by a replica, and the copy deleted. Medians, the number of runs
that took the quick way, and the ratio are printed as in ``bench_watch.py``.

    python bench/bench_workloads.py --size 10k --runs 5
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import yaml  # noqa: E402
from bench_core import cluster  # noqa: E402
from bench_watch import Events, print_rows, time_events  # noqa: E402

import reach  # noqa: E402

Obj = dict[str, Any]


def manifests(path: Path) -> Path:
    """The cluster at ``path`` as manifests, written beside it once."""
    out = path.with_name(f"{path.stem}-manifests.yaml")
    if out.exists():
        return out
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = [d for d in yaml.load_all(path.read_text(), Loader=loader) if d]
    groups: dict[tuple[str, str, str], list[Obj]] = {}
    kept: list[Obj] = []
    for doc in docs:
        owner = _controller(doc) if doc.get("kind") == "Pod" else None
        if owner is None:
            kept.append(doc)
        else:
            groups.setdefault((doc["metadata"]["namespace"], *owner), []).append(doc)
    taken: set[tuple[str, str]] = set()
    for (ns, kind, name), pods in groups.items():
        kept.append(_workload(ns, kind, name, pods, taken))
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    out.write_text(yaml.dump_all(kept, Dumper=dumper))
    return out


def _controller(pod: Obj) -> tuple[str, str] | None:
    for ref in pod["metadata"].get("ownerReferences") or []:
        if ref.get("controller") and ref.get("kind") in ("ReplicaSet", "StatefulSet", "DaemonSet"):
            return str(ref["kind"]), str(ref["name"])
    return None


def _workload(ns: str, kind: str, name: str, pods: list[Obj], taken: set[tuple[str, str]]) -> Obj:
    """The workload object of a controller's pods (see the module doc)."""
    if kind == "ReplicaSet":
        kind, base = "Deployment", name.rpartition("-")[0] or name
        name = base if (ns, base) not in taken else name
    taken.add((ns, name))
    labels = dict(pods[0]["metadata"].get("labels") or {})
    labels.pop("pod-template-hash", None)
    spec: Obj = {
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": pods[0]["spec"]},
    }
    if kind != "DaemonSet":
        spec["replicas"] = len(pods)
    meta = {"name": name, "namespace": ns}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="10k")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    path = str(manifests(cluster(args.size)))
    r = reach.load(path)
    r.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-warm"}})
    raws = [raw.obj for raw in r._updates.store.raws()]  # type: ignore[union-attr]
    every = [o for o in raws if o["kind"] == "Deployment"]
    deployments = every[:: max(1, len(every) // 40)]

    def copied(i: int) -> Obj:
        obj = copy.deepcopy(deployments[i])
        obj["metadata"]["name"] = f"bench-{obj['metadata']['name']}"
        return obj

    def relabelled(i: int) -> Obj:
        obj = copy.deepcopy(deployments[i + 10])
        obj["spec"]["template"]["metadata"]["labels"]["version"] = "bench"
        return obj

    def scaled(i: int) -> Obj:
        obj = copy.deepcopy(deployments[i + 20])
        obj["spec"]["replicas"] += 1
        return obj

    events: Events = [
        ("Deployment add", lambda i: lambda: r.apply(copied(i))),
        ("Deployment relabel", lambda i: lambda: r.apply(relabelled(i))),
        ("Deployment scale up", lambda i: lambda: r.apply(scaled(i))),
        ("Deployment delete", lambda i: lambda: r.delete(copied(i))),
    ]
    rows, quick, recompute = time_events(path, events, args.runs)
    kinds = sorted({o["kind"] for o in raws})
    print(f"\n{args.size} pods as manifests ({len(every):,} Deployments; kinds {kinds})")
    print(f"medians of {args.runs} runs (wall clock)\n")
    print_rows(rows, quick, recompute)


if __name__ == "__main__":
    main()
