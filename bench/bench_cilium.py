#!/usr/bin/env python3
"""`reach summary` with half of the policies as CiliumNetworkPolicies (issue 18: within 1.5x).

Usage:
  python bench/bench_cilium.py                  # 10k pods, 1,000 policies, 5 runs of each
  python bench/bench_cilium.py --size 1k --runs 3

The cluster is bench_core's generated one (../shared/bench/gen_cluster.py, seed 1,
cached under bench/.cache). A post-processing step rewrites every other
NetworkPolicy as a CiliumNetworkPolicy of the same intent: the podSelector becomes
the endpointSelector; each rule's pod peers become ``fromEndpoints``/``toEndpoints``
(namespace selectors as ``io.cilium.k8s.namespace.labels.*`` keys, ``{}`` as any
namespace), its ipBlocks a separate rule with ``fromCIDRSet``/``toCIDRSet`` (Cilium
does not combine the two in one rule), a rule without peers ``fromEntities: [all]``,
ports as ``toPorts``; a policy type without rules becomes ``[{}]`` (default deny).
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
NS_LABELS = "io.cilium.k8s.namespace.labels."
NS_KEY = "io.kubernetes.pod.namespace"


def _selector(pods: Obj | None, namespaces: Obj | None) -> Obj:
    """A Cilium endpoint selector for a NetworkPolicy peer (see the module docstring)."""
    out: Obj = {"matchLabels": dict((pods or {}).get("matchLabels") or {})}
    exprs = [dict(e) for e in (pods or {}).get("matchExpressions") or []]
    if namespaces is not None:
        for key, value in (namespaces.get("matchLabels") or {}).items():
            out["matchLabels"][NS_LABELS + key] = value
        for e in namespaces.get("matchExpressions") or []:
            exprs.append({**e, "key": NS_LABELS + e["key"]})
        if not namespaces.get("matchLabels") and not namespaces.get("matchExpressions"):
            exprs.append({"key": NS_KEY, "operator": "Exists"})
    if exprs:
        out["matchExpressions"] = exprs
    return out


def _ports(ports: list[Obj] | None) -> list[Obj]:
    out = []
    for p in ports or []:
        item: Obj = {"protocol": p.get("protocol", "TCP"), "port": str(p.get("port", 0))}
        if "endPort" in p:
            item["endPort"] = p["endPort"]
        out.append(item)
    return [{"ports": out}] if out else []


def _rules(rules: list[Obj], side: str) -> list[Obj]:
    """NetworkPolicy rules of one direction as Cilium rules (``side``: ``from`` or ``to``)."""
    out: list[Obj] = []
    for rule in rules:
        peers = rule.get(side)
        ports = _ports(rule.get("ports"))
        extra = {"toPorts": ports} if ports else {}
        if not peers:
            out.append({f"{side}Entities": ["all"], **extra})
            continue
        selectors = [
            _selector(p.get("podSelector"), p.get("namespaceSelector"))
            for p in peers
            if "ipBlock" not in p
        ]
        blocks = [p["ipBlock"] for p in peers if "ipBlock" in p]
        if selectors:
            out.append({f"{side}Endpoints": selectors, **extra})
        if blocks:
            out.append({f"{side}CIDRSet": blocks, **extra})
    return out or [{}]


def as_cilium(policy: Obj) -> Obj:
    """The NetworkPolicy rewritten as a CiliumNetworkPolicy of the same intent."""
    spec = policy["spec"]
    types = spec.get("policyTypes") or ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    cilium: Obj = {"endpointSelector": spec.get("podSelector") or {}}
    if "Ingress" in types:
        cilium["ingress"] = _rules(spec.get("ingress") or [], "from")
    if "Egress" in types:
        cilium["egress"] = _rules(spec.get("egress") or [], "to")
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": dict(policy["metadata"]),
        "spec": cilium,
    }


def half_cilium(plain: Path) -> tuple[Path, int]:
    """The cluster file with every other NetworkPolicy as a CNP (cached), and how many."""
    path = CACHE / f"{plain.stem}-cilium.yaml"
    docs = list(yaml.load_all(plain.read_text(), Loader=yaml.CSafeLoader))
    count = 0
    out = []
    for d in docs:
        if isinstance(d, dict) and d.get("kind") == "NetworkPolicy":
            count += 1
            if count % 2 == 0:
                d = as_cilium(d)
        out.append(d)
    if not path.exists():
        path.write_text(yaml.dump_all(out, Dumper=yaml.CSafeDumper, sort_keys=False))
    return path, count // 2


def main() -> None:
    args, (pods, policies, _), plain = sized_cluster(__doc__)
    mixed, count = half_cilium(plain)
    runs = alternate({"all-NP": plain, "half-CNP": mixed}, args.runs)
    print(f"{args.size}: {pods} pods, {policies} policies ({count} as CNPs), {args.runs} runs each")
    print_medians(runs, {"all-NP": "all NetworkPolicies", "half-CNP": "half CNPs"})


if __name__ == "__main__":
    main()
