#!/usr/bin/env python3
"""Issue 21: the time of one update per event type (``Reach.apply`` / ``Reach.delete``, what
``reach watch`` runs per burst of events) against a full load and summary of the same
cluster.

Usage:
  python bench/bench_watch.py                 # 10k pods, 3 runs of each event type
  python bench/bench_watch.py --size 1k --runs 5
  python bench/bench_watch.py --cilium        # with Cilium policies beside (see below)
  python bench/bench_watch.py --calico        # with Calico policies beside (see below)
  python bench/bench_watch.py --istio         # with Istio's sidecars and policies (below)
  python bench/bench_watch.py --calico --istio  # Calico's tiers and the mesh together
  python bench/bench_watch.py --size 100k --calico --skip "Service add;..."  # leave some out
  python bench/bench_watch.py --size 100k --only "pod add;pod delete"     # these only

The cluster is bench_core's generated one (../shared/bench/gen_cluster.py, seed 1,
cached under bench/.cache). Event types: a pod added (a copy of an existing pod under a
new name), deleted, relabelled (a label changed), five copies of a pod added in one
update (a scale-up, as a burst of watch events) and deleted in one, a pod alone in its
behaviour class deleted (its class goes) and applied again (a new class), a pod whose
only container port is a name rules use on a number no pod has added (a class that
resolves named ports as no class did) and deleted, a namespace relabelled, a namespace
added and deleted (no pod in it), an EndpointSlice changed, a LoadBalancer Service
added, a NetworkPolicy added (deny all ingress in one namespace), changed (that policy's
podSelector changed) and deleted, and a NetworkPolicy selecting exactly the labels of a
pod whose class holds other labels too added (it splits the class) and deleted (the
parts merge); likewise policies whose ports or address blocks cut the port space or the
addresses anew, and a policy naming a port name (and protocol) that pods carry and no
rule names (the classes whose pods resolve it otherwise split) added and deleted (they
merge again). Each is timed in this process (wall clock), once per run, each run on a
different pod, namespace or policy, and each run also times a full recompute
(``reach.load`` + ``summary``), so that the load of a shared machine weighs on both
alike; the medians are printed with their ratio.

With ``--cilium``, the cluster also holds a CiliumNetworkPolicy in each of its first 50
namespaces (half of them when it has fewer than 100; every pod of the namespace admits
its namespace's pods on 8080/TCP; written beside the cached cluster), every event type
above runs with them, and three more are timed: a CiliumNetworkPolicy added (one of those
copied into another namespace), changed (its endpoint selector) and deleted.

With ``--calico``, likewise a Calico NetworkPolicy (``projectcalico.org/v3``, every pod of
the namespace admits its namespace's pods on 8080/TCP; Calico's tiers then decide every
policy kind), and three more: one of them copied under another name in its namespace
(the same pods: it splits no class), that copy changed (its order and its rule's action:
Deny) and deleted; a Calico policy with nets no rule names added and deleted, a
GlobalNetworkSet added and deleted; and a Profile of an account no pod runs as, denying
egress to nets no rule names, added, then a pod of that account added (the Profile's
first carrier: its rules come into Calico's plan and cut the addresses anew) and deleted
(the last carrier: they leave it), and the Profile deleted.

With ``--istio``, the first 50 namespaces (or half) have sidecars injected
(``istio-injection=enabled``) and the first half of those an AuthorizationPolicy (every
pod of the namespace admits its namespace's pods on 8080/TCP), and four more are timed:
a copy of that policy added under another name in its namespace (the same pods: it
splits no class), that copy changed (its rule admits another namespace's pods too) and
deleted, a STRICT PeerAuthentication added in one of those namespaces, and a Sidecar
(egress hosts of its namespace and istio-system, ALLOW_ANY) added there and deleted.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np  # noqa: E402
import yaml  # noqa: E402
from bench_core import cluster  # noqa: E402

import reach  # noqa: E402
from reach.api import whatif  # noqa: E402
from reach.engine.reachability import Reachability  # noqa: E402
from reach.model.cluster import Pod  # noqa: E402

Obj = dict[str, Any]
#: Event types by name, each making the update of run ``i``.
Events = list[tuple[str, Callable[[int], Callable[[], object]]]]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def deny(ns: str, selector: Obj) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "bench-deny", "namespace": ns},
        "spec": {"podSelector": selector, "policyTypes": ["Ingress"]},
    }


def ported(ns: str, i: int) -> Obj:
    """A policy admitting the namespace's pods on ports no rule of the cluster names (a
    range of TCP and one UDP port: they cut the port space anew)."""
    policy = deny(ns, {})
    policy["metadata"]["name"] = "bench-ports"
    policy["spec"]["ingress"] = [
        {
            "from": [{"podSelector": {}}],
            "ports": [
                {"port": 31000 + 10 * i, "endPort": 31005 + 10 * i, "protocol": "TCP"},
                {"port": 41000 + i, "protocol": "UDP"},
            ],
        }
    ]
    return policy


def blocked(ns: str, i: int) -> Obj:
    """A policy admitting the namespace's pods from an address block with an exception,
    and letting them reach another block, at addresses no rule of the cluster names (they
    cut the address segments anew; deleted, the segments are one again)."""
    policy = deny(ns, {})
    policy["metadata"]["name"] = "bench-blocks"
    policy["spec"]["policyTypes"] = ["Ingress", "Egress"]
    office = {"cidr": f"203.0.113.{16 * i}/28", "except": [f"203.0.113.{16 * i}/30"]}
    policy["spec"]["ingress"] = [{"from": [{"ipBlock": office}]}]
    policy["spec"]["egress"] = [{"to": [{"ipBlock": {"cidr": f"198.18.{i}.0/24"}}]}]
    return policy


def named(ns: str, port: tuple[str, str]) -> Obj:
    """A policy admitting the namespace's pods on a port name (and protocol) no rule of
    the cluster names: the classes whose pods resolve it otherwise split; deleted, they
    merge again."""
    policy = deny(ns, {})
    policy["metadata"]["name"] = "bench-named"
    name, protocol = port
    policy["spec"]["ingress"] = [
        {"from": [{"podSelector": {}}], "ports": [{"port": name, "protocol": protocol}]}
    ]
    return policy


def cilium(ns: str, selector: Obj) -> Obj:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "bench-cilium", "namespace": ns},
        "spec": {
            "endpointSelector": selector,
            "ingress": [
                {
                    "fromEndpoints": [{}],
                    "toPorts": [{"ports": [{"port": "8080", "protocol": "TCP"}]}],
                }
            ],
        },
    }


def cilium_api(ns: str) -> Obj:
    """A Cilium policy letting the namespace's pods reach the API server, a pseudo peer no
    rule of the cluster names (a class added; deleted, taken out)."""
    policy = cilium(ns, {})
    policy["metadata"]["name"] = "bench-api"
    policy["spec"] = {"endpointSelector": {}, "egress": [{"toEntities": ["kube-apiserver"]}]}
    return policy


def calico_nets(ns: str, i: int) -> Obj:
    """A Calico policy denying the namespace's pods egress to nets no rule of the cluster
    names (the segments cut anew; deleted, one again)."""
    policy = calico(ns, "bench-nets")
    policy["spec"]["types"] = ["Egress"]
    del policy["spec"]["ingress"]
    policy["spec"]["egress"] = [
        {"action": "Deny", "destination": {"nets": [f"198.18.{i}.0/24"]}},
        {"action": "Allow"},
    ]
    return policy


def network_set(i: int) -> Obj:
    """A GlobalNetworkSet of addresses no rule of the cluster names (rules whose selectors
    pick every set, ``all()``, hold them; the segments cut anew)."""
    return {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkSet",
        "metadata": {"name": "bench-set", "labels": {"role": "partner"}},
        "spec": {"nets": [f"198.19.{i}.0/24"]},
    }


def robot_profile(ns: str, i: int) -> Obj:
    """A Profile of the account ``bench-robot`` of the namespace, denying egress to nets no
    rule of the cluster names: its first carrier cuts the segments anew, its last going
    makes them one again."""
    deny_nets = {"action": "Deny", "destination": {"nets": [f"198.20.{i}.0/24"]}}
    return {
        "apiVersion": "projectcalico.org/v3",
        "kind": "Profile",
        "metadata": {"name": f"ksa.{ns}.bench-robot"},
        "spec": {"egress": [deny_nets, {"action": "Allow"}]},
    }


def calico(ns: str, name: str = "bench-calico", order: int = 100, action: str = "Allow") -> Obj:
    return {
        "apiVersion": "projectcalico.org/v3",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": "all()",
            "order": order,
            "types": ["Ingress"],
            "ingress": [
                {
                    "action": action,
                    "protocol": "TCP",
                    "source": {"selector": "all()"},
                    "destination": {"ports": [8080]},
                }
            ],
        },
    }


def authorization(ns: str, sources: list[str] | None = None, name: str = "bench-istio") -> Obj:
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "action": "ALLOW",
            "rules": [
                {
                    "from": [{"source": {"namespaces": sources or [ns]}}],
                    "to": [{"operation": {"ports": ["8080"]}}],
                }
            ],
        },
    }


def strict(ns: str) -> Obj:
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "bench-strict", "namespace": ns},
        "spec": {"mtls": {"mode": "STRICT"}},
    }


def with_mesh(path: Path) -> Path:
    """The cluster at ``path`` with sidecars injected in its first 50 namespaces (or half)
    and an AuthorizationPolicy in the first half of those, written beside it once."""
    out = path.with_name(f"{path.stem}-istio.yaml")
    if not out.exists():
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 100k in a minute
        docs = [d for d in yaml.load_all(path.read_text(), Loader=loader) if d]
        spaces = [d for d in docs if d.get("kind") == "Namespace"]
        meshed = spaces[: min(50, len(spaces) // 2)]
        for ns in meshed:
            ns["metadata"].setdefault("labels", {})["istio-injection"] = "enabled"
        docs += [authorization(ns["metadata"]["name"]) for ns in meshed[: len(meshed) // 2]]
        out.write_text(yaml.dump_all(docs, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)))
    return out


def sidecar(ns: str) -> Obj:
    """A Sidecar of namespace ``ns`` scoping its proxies' egress (ALLOW_ANY: nothing is
    dropped, but every pod's features are read again)."""
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "Sidecar",
        "metadata": {"name": "bench-sidecar", "namespace": ns},
        "spec": {"egress": [{"hosts": ["./*", "istio-system/*"]}]},
    }


def mixed_pods(x: Reachability) -> list[Pod]:
    """Ten pods (or fewer) whose class holds pods of other labels too: a policy selecting
    exactly their labels splits the class, and deleting it merges the parts again."""
    labels_of_class: dict[int, set[int]] = {}
    assert x.pod_label_class is not None
    for c, label in zip(x.pod_class.tolist(), x.pod_label_class.tolist(), strict=True):
        labels_of_class.setdefault(c, set()).add(label)
    mixed = [i for i, c in enumerate(x.pod_class.tolist()) if len(labels_of_class[c]) > 1]
    return [x.pods[i] for i in mixed[:: max(1, len(mixed) // 10)]]


def split_policy(pod: Pod) -> Obj:
    """A NetworkPolicy denying ingress to exactly ``pod``'s labels (see :func:`mixed_pods`)."""
    policy = deny(pod.namespace, {"matchLabels": dict(pod.labels)})
    policy["metadata"]["name"] = "bench-split"
    return policy


def with_policies(path: Path, kind: str, make: Callable[[str], Obj]) -> Path:
    """The cluster at ``path`` with a policy (``make(namespace)``) in each of its first 50
    namespaces (or half), written beside it once (``kind``: in the file's name)."""
    out = path.with_name(f"{path.stem}-{kind}.yaml")
    if not out.exists():
        every = list(reach.load(str(path)).cluster.namespaces)
        spaces = every[: min(50, len(every) // 2)]
        text = "".join("---\n" + yaml.safe_dump(make(ns)) for ns in spaces)
        out.write_text(path.read_text() + "\n" + text)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="10k")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cilium", action="store_true", help="with Cilium policies beside")
    ap.add_argument("--calico", action="store_true", help="with Calico policies beside")
    ap.add_argument("--istio", action="store_true", help="with Istio's sidecars and policies")
    ap.add_argument(
        "--skip",
        default="",
        help="event types to leave out, separated by ';' (e.g. those that load, at 100k)",
    )
    ap.add_argument("--only", default="", help="the event types to time, separated by ';'")
    args = ap.parse_args()
    path = str(cluster(args.size))
    if args.cilium:
        path = str(with_policies(Path(path), "cilium", lambda ns: cilium(ns, {})))
    elif args.calico:
        path = str(with_policies(Path(path), "calico", calico))
    if args.istio and not args.cilium:  # (with --calico: both Calico's tiers and the mesh)
        path = str(with_mesh(Path(path)))
    r = reach.load(path)
    r.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-warm"}})
    raws = [raw.obj for raw in r._updates.store.raws()]  # type: ignore[union-attr]
    every = [o for o in raws if o["kind"] == "Pod"]
    pods = every[:: max(1, len(every) // 50)]
    spaces = [o for o in raws if o["kind"] == "Namespace" and o["metadata"]["name"] != "bench-warm"]
    names = [s["metadata"]["name"] for s in spaces[3:]]

    # pods alone in their behaviour class: deleting one takes its class out, and applying
    # it again makes a new class (the classes are renumbered both times)
    x = r.reachability
    alone = np.flatnonzero(np.bincount(x.pod_class)[x.pod_class] == 1)
    by_name = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in every}
    lone = [
        by_name[(x.pods[i].namespace, x.pods[i].name)] for i in alone[:: max(1, len(alone) // 10)]
    ]

    splitting = mixed_pods(x)

    # port names pods carry that no rule names (one that none carries when there is none)
    state = x.policy_state or x.calico_state
    used = set(state.named_ports) if state is not None else set()
    carried = {(c.name, c.protocol) for pod in r.cluster.pods for c in pod.ports if c.name}
    unused = sorted(carried - used) or [("bench-port", "TCP")]

    def resolving(i: int) -> Obj:
        """A copy of a pod whose only container port is a name rules use on a number no
        pod has: a class that resolves named ports as no class did."""
        pod = copy.deepcopy(pods[i + 30])
        pod["metadata"]["name"] += "-resolving"
        name, protocol = sorted(used)[0] if used else ("bench-port", "TCP")
        port = {"name": name, "containerPort": 40000 + i, "protocol": protocol}
        pod["spec"]["containers"][0]["ports"] = [port]
        return pod

    def split(i: int) -> Obj:
        return split_policy(splitting[i])

    def endpoint_slice(i: int) -> Obj:
        return {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": "bench-slice", "namespace": names[0]},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [f"10.9.0.{i + 1}"]}],
        }

    def load_balancer(i: int) -> Obj:
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"bench-lb-{i}", "namespace": names[0]},
            "spec": {"type": "LoadBalancer", "selector": {}, "ports": [{"port": 80}]},
        }

    def fresh_namespace(i: int) -> Obj:
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"bench-new-{i}"}}

    def add(i: int) -> Callable[[], object]:
        pod = copy.deepcopy(pods[i])
        pod["metadata"]["name"] += "-bench"
        return lambda: r.apply(pod)

    def scaled(i: int) -> list[Obj]:
        """Five more replicas of a pod, as a scale-up serves them in one burst."""
        out = [copy.deepcopy(pods[i + 5]) for _ in range(5)]
        for n, pod in enumerate(out):
            pod["metadata"]["name"] += f"-burst-{n}"
        return out

    def relabel(i: int) -> Callable[[], object]:
        pod = copy.deepcopy(pods[i + 20])
        pod["metadata"]["labels"]["version"] = "bench"
        return lambda: r.apply(pod)

    def ns_relabel(i: int) -> Callable[[], object]:
        ns = copy.deepcopy(spaces[i + 3])
        ns["metadata"].setdefault("labels", {})["bench"] = "yes"
        return lambda: r.apply(ns)

    events: Events = [
        ("pod add", add),
        ("pod delete", lambda i: lambda: r.delete(pods[i + 10])),
        ("pod relabel", relabel),
        ("5 pods added in one update (a scale-up)", lambda i: lambda: r.apply(*scaled(i))),
        ("5 pods deleted in one update", lambda i: lambda: r.delete(*scaled(i))),
        ("pod delete, its class gone", lambda i: lambda: r.delete(lone[i])),
        ("pod add, a new class", lambda i: lambda: r.apply(lone[i])),
        ("pod add, a new named-port resolution", lambda i: lambda: r.apply(resolving(i))),
        ("pod delete, that class gone", lambda i: lambda: r.delete(resolving(i))),
        ("namespace relabel", ns_relabel),
        ("EndpointSlice change", lambda i: lambda: r.apply(endpoint_slice(i))),
        ("Service add", lambda i: lambda: r.apply(load_balancer(i))),
        ("namespace add", lambda i: lambda: r.apply(fresh_namespace(i))),
        ("namespace delete", lambda i: lambda: r.delete(fresh_namespace(i))),
        ("policy add", lambda i: lambda: r.apply(deny(names[i], {}))),
        (
            "policy change",
            lambda i: lambda: r.apply(deny(names[i], {"matchLabels": {"tier": "web"}})),
        ),
        ("policy delete", lambda i: lambda: r.delete(deny(names[i], {}))),
        ("policy add, new port bounds", lambda i: lambda: r.apply(ported(names[i], i))),
        ("policy add, new address bounds", lambda i: lambda: r.apply(blocked(names[i], i))),
        ("policy delete, address bounds gone", lambda i: lambda: r.delete(blocked(names[i], i))),
        (
            "policy add, a port name no rule named",
            lambda i: lambda: r.apply(named(names[i], unused[i % len(unused)])),
        ),
        (
            "policy delete, a port name no rule names",
            lambda i: lambda: r.delete(named(names[i], unused[i % len(unused)])),
        ),
        ("policy add, splitting a class", lambda i: lambda: r.apply(split(i))),
        ("policy delete, merging classes", lambda i: lambda: r.delete(split(i))),
    ]
    if args.cilium:
        held = {p.namespace for p in r.cluster.cilium_policies}
        free = [n for n in names if n not in held]  # namespaces with no Cilium policy
        events += [
            ("Cilium policy add", lambda i: lambda: r.apply(cilium(free[i], {}))),
            (
                "Cilium policy change",
                lambda i: lambda: r.apply(cilium(free[i], {"matchLabels": {"tier": "web"}})),
            ),
            ("Cilium policy delete", lambda i: lambda: r.delete(cilium(free[i], {}))),
            (
                "Cilium policy add, a new pseudo peer",
                lambda i: lambda: r.apply(cilium_api(free[i])),
            ),
            (
                "Cilium policy delete, a pseudo peer gone",
                lambda i: lambda: r.delete(cilium_api(free[i])),
            ),
        ]
    elif args.calico:
        held = sorted({p.namespace for p in r.cluster.calico.policies})

        def robot(i: int) -> Obj:
            """A copy of a pod running as ``bench-robot``, the one carrier of its Profile."""
            pod = copy.deepcopy(pods[i + 40])
            pod["metadata"]["name"] += "-robot"
            pod["spec"]["serviceAccountName"] = "bench-robot"
            return pod

        def profile(i: int) -> Obj:
            return robot_profile(pods[i + 40]["metadata"]["namespace"], i)

        events += [
            ("Calico policy add", lambda i: lambda: r.apply(calico(held[i], "copy"))),
            (
                "Calico policy change",
                lambda i: lambda: r.apply(calico(held[i], "copy", 10, "Deny")),
            ),
            ("Calico policy delete", lambda i: lambda: r.delete(calico(held[i], "copy"))),
            ("Calico policy add, new nets", lambda i: lambda: r.apply(calico_nets(held[i], i))),
            (
                "Calico policy delete, nets gone",
                lambda i: lambda: r.delete(calico_nets(held[i], i)),
            ),
            ("network set add", lambda i: lambda: r.apply(network_set(i))),
            ("network set delete", lambda i: lambda: r.delete(network_set(i))),
            ("Profile add, no pod carries it", lambda i: lambda: r.apply(profile(i))),
            ("pod add, a Profile's first carrier", lambda i: lambda: r.apply(robot(i))),
            ("pod delete, a Profile's last carrier", lambda i: lambda: r.delete(robot(i))),
            ("Profile delete", lambda i: lambda: r.delete(profile(i))),
        ]
    if args.istio and not args.cilium:
        held = sorted({p.namespace for p in r.cluster.istio.authorization})

        def second(i: int, sources: list[str] | None = None) -> Obj:
            return authorization(held[i], sources, "copy")

        events += [
            ("Istio policy add", lambda i: lambda: r.apply(second(i))),
            ("Istio policy change", lambda i: lambda: r.apply(second(i, [held[i], names[0]]))),
            ("Istio policy delete", lambda i: lambda: r.delete(second(i))),
            ("PeerAuthentication add", lambda i: lambda: r.apply(strict(held[i]))),
            ("Sidecar add", lambda i: lambda: r.apply(sidecar(held[i]))),
            ("Sidecar delete", lambda i: lambda: r.delete(sidecar(held[i]))),
        ]
    skipped = {name.strip() for name in args.skip.split(";") if name.strip()}
    events = [(name, make) for name, make in events if name not in skipped]
    only = {name.strip() for name in args.only.split(";") if name.strip()}
    events = [(name, make) for name, make in events if not only or name in only]
    rows, quick, recompute = time_events(path, events, args.runs)
    print(f"\n{args.size} pods, medians of {args.runs} runs (wall clock)\n")
    print_rows(rows, quick, recompute)


def time_events(
    path: str, events: Events, runs: int
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    """Each event type's times, how many of its runs took the quick way, and the median
    full recompute (``reach.load`` + ``summary``) of ``path``.

    Each run measures the full load and then every event type once: a shared machine's
    load changes over minutes, and then weighs on both columns alike."""
    full: list[float] = []
    rows: dict[str, list[float]] = {name: [] for name, _ in events}
    quick: dict[str, int] = dict.fromkeys(rows, 0)
    loads = Loads()
    whatif.build_cluster = loads  # type: ignore[assignment]
    for i in range(runs):
        full.append(timed(lambda: reach.load(path).summary()))
        for name, make in events:
            update = make(i)
            before = loads.calls
            rows[name].append(timed(update))
            quick[name] += loads.calls == before
        print(f"  run {i + 1} of {runs}: done", file=sys.stderr)
    return rows, quick, statistics.median(full)


def print_rows(rows: dict[str, list[float]], quick: dict[str, int], recompute: float) -> None:
    """The table of medians beside the full recompute."""
    print("| event | update (ms) | quick way | full load + summary (ms) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, times in rows.items():
        m = statistics.median(times)
        print(
            f"| {name} | {m * 1000:.0f} | {quick[name]} of {len(times)} "
            f"| {recompute * 1000:.0f} | {m / recompute:.3f} |"
        )


class Loads:
    """``build_cluster``, counting its calls: an update that calls it loads and compiles
    the objects again; one that does not took the quick way (reach.api.podupdate)."""

    def __init__(self) -> None:
        self.calls = 0
        self.load = whatif.build_cluster

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.load(*args, **kwargs)


if __name__ == "__main__":
    main()
