#!/usr/bin/env python3
"""`reach summary` with half of the policies as Calico policies in three tiers (issue 19:
within 1.5x of the all-NetworkPolicy time).

Usage:
  python bench/bench_calico.py                  # 10k pods, 1,000 policies, 5 runs of each
  python bench/bench_calico.py --size 1k --runs 3

The cluster is bench_core's generated one (../shared/bench/gen_cluster.py, seed 1,
cached under bench/.cache). A post-processing step rewrites every other
NetworkPolicy as a ``projectcalico.org/v3`` NetworkPolicy of the same intent, placed
in one of three tiers in turn (``security``, order 100, default Pass; ``platform``,
200, default Pass; ``app``, 300, default Deny): the podSelector becomes the
``selector`` (matchLabels as ``==``, expressions as ``in``, ``not in``, ``has``,
``!has``); each peer of a rule becomes an Allow rule (pod and namespace selectors as
``selector``/``namespaceSelector``, ``{}`` as ``all()``; an ipBlock as ``nets`` and
``notNets``), once per protocol of its ports (``a:b`` for an endPort range); a rule
without peers becomes a rule without ``source``/``destination``; ``policyTypes``
become ``types``. The rules keep their intent, but the tiers do not keep the
NetworkPolicy semantics (a pod selected only by a policy of a Pass tier is not
isolated), so the two answers differ: this measures time. Both files are analyzed
the same way (``python -m reach summary -f FILE``), runs alternate between them,
and the medians and their ratio are printed.
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
TIERS = [("security", 100, "Pass"), ("platform", 200, "Pass"), ("app", 300, "Deny")]


def _quote(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def selector(sel: Obj | None) -> str:
    """A Kubernetes label selector as a Calico selector expression."""
    parts = [f"{k} == '{v}'" for k, v in ((sel or {}).get("matchLabels") or {}).items()]
    for e in (sel or {}).get("matchExpressions") or []:
        key, op = e["key"], e["operator"]
        if op == "In":
            parts.append(f"{key} in {{{_quote(e['values'])}}}")
        elif op == "NotIn":
            parts.append(f"{key} not in {{{_quote(e['values'])}}}")
        elif op == "Exists":
            parts.append(f"has({key})")
        else:
            parts.append(f"!has({key})")
    return " && ".join(parts) or "all()"


def _by_protocol(ports: list[Obj] | None) -> list[tuple[str | None, list[Any]]]:
    """``(protocol, ports)`` per protocol of the rule's ports; ``[(None, [])]``: all."""
    if not ports:
        return [(None, [])]
    out: dict[str, list[Any]] = {}
    for p in ports:
        items = out.setdefault(p.get("protocol", "TCP"), [])
        if "port" not in p:
            continue
        port = p["port"]
        items.append(f"{port}:{p['endPort']}" if "endPort" in p else port)
    return list(out.items())


def _entity(peer: Obj) -> Obj:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        out: Obj = {"nets": [block["cidr"]]}
        if block.get("except"):
            out["notNets"] = block["except"]
        return out
    out = {}
    if "podSelector" in peer:
        out["selector"] = selector(peer["podSelector"])
    if "namespaceSelector" in peer:
        out["namespaceSelector"] = selector(peer["namespaceSelector"])
    return out


def _rules(rules: list[Obj], side: str) -> list[Obj]:
    """NetworkPolicy rules of one direction as Calico Allow rules (``side``: from or to)."""
    out: list[Obj] = []
    for rule in rules:
        peers = rule.get(side) or [None]
        for peer in peers:
            for protocol, ports in _by_protocol(rule.get("ports")):
                item: Obj = {"action": "Allow"}
                end: Obj = _entity(peer) if peer is not None else {}
                if protocol is not None:
                    item["protocol"] = protocol
                dest: Obj = {"ports": ports} if ports else {}
                if side == "from":
                    item["source"] = end
                    if dest:
                        item["destination"] = dest
                else:
                    item["destination"] = {**end, **dest}
                out.append(item)
    return out


def as_calico(policy: Obj, tier: str) -> Obj:
    """The NetworkPolicy rewritten as a Calico NetworkPolicy of the same intent."""
    spec = policy["spec"]
    types = spec.get("policyTypes") or ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    calico: Obj = {"tier": tier, "selector": selector(spec.get("podSelector")), "types": types}
    if "Ingress" in types:
        calico["ingress"] = _rules(spec.get("ingress") or [], "from")
    if "Egress" in types:
        calico["egress"] = _rules(spec.get("egress") or [], "to")
    meta = dict(policy["metadata"])
    meta["name"] = f"{tier}.{meta['name']}"
    return {
        "apiVersion": "projectcalico.org/v3",
        "kind": "NetworkPolicy",
        "metadata": meta,
        "spec": calico,
    }


def half_calico(plain: Path) -> tuple[Path, int]:
    """The cluster file with every other NetworkPolicy as a Calico policy (cached)."""
    path = CACHE / f"{plain.stem}-calico.yaml"
    docs = list(yaml.load_all(plain.read_text(), Loader=yaml.CSafeLoader))
    out: list[Obj] = [
        {
            "apiVersion": "projectcalico.org/v3",
            "kind": "Tier",
            "metadata": {"name": name},
            "spec": {"order": order, "defaultAction": action},
        }
        for name, order, action in TIERS
    ]
    count = 0
    for d in docs:
        if isinstance(d, dict) and d.get("kind") == "NetworkPolicy":
            count += 1
            if count % 2 == 0:
                d = as_calico(d, TIERS[(count // 2) % len(TIERS)][0])
        out.append(d)
    if not path.exists():
        path.write_text(yaml.dump_all(out, Dumper=yaml.CSafeDumper, sort_keys=False))
    return path, count // 2


def main() -> None:
    args, (pods, policies, _), plain = sized_cluster(__doc__)
    mixed, count = half_calico(plain)
    runs = alternate({"all-NP": plain, "half-Calico": mixed}, args.runs)
    print(
        f"{args.size}: {pods} pods, {policies} policies ({count} as Calico policies in "
        f"{len(TIERS)} tiers), {args.runs} runs each"
    )
    print_medians(runs, {"all-NP": "all NetworkPolicies", "half-Calico": "half Calico"})


if __name__ == "__main__":
    main()
