#!/usr/bin/env python3
"""`reach summary` of a cluster in an Istio mesh against the same cluster without Istio.

Usage:
  python bench/bench_istio.py                  # 10k pods, 1,000 policies, 5 runs of each
  python bench/bench_istio.py --size 1k --runs 3

The cluster is bench_core's generated one (../shared/bench/gen_cluster.py, seed 1,
cached under bench/.cache). The mesh copy labels every namespace
``istio-injection=enabled``, adds a mesh-wide PeerAuthentication ``STRICT`` and, for
every other NetworkPolicy whose podSelector is ``matchLabels``, an AuthorizationPolicy
with the same selector: ALLOW from the policy's namespace on the ports of its first
ingress rule, and a second rule with ``methods: [GET]`` (L7, marked) from any principal.
Both files are analyzed the same way (``python -m reach summary -f FILE``), runs
alternate between them, and the medians and their ratio are printed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import CACHE  # noqa: E402
from bench_services import alternate, print_medians, sized_cluster  # noqa: E402

Obj = dict[str, Any]


def authorization(policy: Obj) -> Obj | None:
    """The AuthorizationPolicy standing for a NetworkPolicy (see the module docstring)."""
    selector = policy["spec"].get("podSelector") or {}
    if selector.get("matchExpressions") or not selector.get("matchLabels"):
        return None
    ns = policy["metadata"].get("namespace", "default")
    ports = [
        str(p["port"])
        for rule in (policy["spec"].get("ingress") or [])[:1]
        for p in rule.get("ports") or []
        if isinstance(p.get("port"), int)
    ]
    first: Obj = {"from": [{"source": {"namespaces": [ns]}}]}
    if ports:
        first["to"] = [{"operation": {"ports": ports}}]
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": policy["metadata"]["name"], "namespace": ns},
        "spec": {
            "selector": {"matchLabels": selector["matchLabels"]},
            "rules": [first, {"to": [{"operation": {"methods": ["GET"]}}]}],
        },
    }


def in_mesh(plain: Path) -> tuple[Path, int]:
    """The cluster file in a mesh (cached), and how many AuthorizationPolicies it has."""
    path = CACHE / f"{plain.stem}-istio.yaml"
    docs = list(yaml.load_all(plain.read_text(), Loader=yaml.CSafeLoader))
    out: list[Obj] = []
    count = 0
    for d in docs:
        if isinstance(d, dict) and d.get("kind") == "Namespace":
            d.setdefault("metadata", {}).setdefault("labels", {})["istio-injection"] = "enabled"
        out.append(d)
        if isinstance(d, dict) and d.get("kind") == "NetworkPolicy":
            count += 1
            ap = authorization(d) if count % 2 == 0 else None
            if ap is not None:
                out.append(ap)
    out.append(
        {
            "apiVersion": "security.istio.io/v1",
            "kind": "PeerAuthentication",
            "metadata": {"name": "default", "namespace": "istio-system"},
            "spec": {"mtls": {"mode": "STRICT"}},
        }
    )
    if not path.exists():
        path.write_text(yaml.dump_all(out, Dumper=yaml.CSafeDumper, sort_keys=False))
    return path, sum(
        1 for d in out if isinstance(d, dict) and d.get("kind") == "AuthorizationPolicy"
    )


def main() -> None:
    args, (pods, policies, _), plain = sized_cluster(__doc__)
    mesh, count = in_mesh(plain)
    runs = alternate({"plain": plain, "istio": mesh}, args.runs)
    print(
        f"{args.size}: {pods} pods, {policies} policies, {count} AuthorizationPolicies, "
        f"{args.runs} runs each"
    )
    print_medians(runs, {"plain": "without Istio", "istio": "in the mesh"})


if __name__ == "__main__":
    main()
