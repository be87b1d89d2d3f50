"""``reach path internet DST``: the chain of hops from the internet, through an entry point.

The first hops enter the cluster (:mod:`reach.analysis.entrypoints`): straight to a
backend pod for LoadBalancer, NodePort and ``externalIPs`` Services, through the
``{ingress-controller}`` for Ingresses and Routes. From each pod entered this way,
the ordinary path search goes on to DST; the shortest chain is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reach.analysis.display import Qualified
from reach.analysis.entrypoints import Entry, entries
from reach.analysis.paths import Hop, PathResult, find_path
from reach.analysis.refs import RefError, Target
from reach.analysis.views import View
from reach.engine.provenance import Provenance
from reach.model.ports import PortSet

#: The node reference of the internet.
INTERNET = "internet"


@dataclass
class InternetPathResult(Qualified):
    """The entry hops, then the path from the entered workload (None when DST is entered)."""

    dst: str
    entry: list[Hop]
    via: str | None
    path: PathResult | None
    port_filter: str | None = None
    entry_points: int = 0

    @property
    def reachable(self) -> bool:
        return bool(self.entry)

    def hops(self) -> list[Hop]:
        inner = self.path.paths[0] if self.path is not None and self.path.paths else []
        return self.entry + inner

    def __str__(self) -> str:
        on = f" on {self.port_filter}" if self.port_filter else ""
        if not self.reachable:
            return (
                f"{INTERNET} cannot reach {self.dst}{on}: none of the {self.entry_points} "
                "entry point(s) (LoadBalancer, NodePort, externalIPs, Ingress, Route, Gateway) "
                "leads "
                "there through what the policies allow"
            )
        hops = self.hops()
        lines = [f"{INTERNET} reaches {self.dst} in {len(hops)} hops{on}, through {self.via}"]
        lines.extend(f"  {k}. {hop}" for k, hop in enumerate(hops, start=1))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "src": INTERNET,
            "dst": self.dst,
            "reachable": self.reachable,
            "via": self.via,
            "port_filter": self.port_filter,
            "hops": [h.to_dict() for h in self.hops()],
        }


def internet_path(
    view: View,
    provenance: Provenance,
    dst: Target,
    *,
    ports: PortSet | None = None,
    port_text: str | None = None,
    same_port: bool = False,
    max_hops: int | None = None,
    all_paths: bool = False,
) -> InternetPathResult:
    """The shortest chain from the internet to ``dst`` (first entry point in name order
    among the shortest)."""
    if dst.external:
        raise RefError("'internet' reaches pods; an outside address is no destination for it")
    reachability = view.reachability
    found = [e for e in entries(reachability) if ports is None or e.ports & ports]
    targets = set(dst.pods.tolist())
    best: InternetPathResult | None = None
    seen: set[str] = set()  # one search per workload entered
    for entry in sorted(found, key=lambda e: (e.pod not in targets, e.via, e.pod)):
        hops = _entry_hops(view, entry)
        if entry.pod in targets:
            return InternetPathResult(dst.label, hops, entry.via, None, port_text, len(found))
        label = hops[-1].dst
        if label in seen:
            continue
        seen.add(label)
        start = Target(label, label, np.array([entry.pod], dtype=np.intp))
        if start.label == dst.label:
            continue
        result = find_path(
            view,
            provenance,
            start,
            dst,
            ports=ports,
            port_text=port_text,
            same_port=same_port,
            max_hops=max_hops,
            all_paths=all_paths,
        )
        if not result.reachable:
            continue
        if best is None or len(best.hops()) > len(hops) + len(result.paths[0]):
            best = InternetPathResult(dst.label, hops, entry.via, result, port_text, len(found))
    if best is None:
        return InternetPathResult(dst.label, [], None, None, port_text, len(found))
    return best


def _entry_hops(view: View, entry: Entry) -> list[Hop]:
    """``internet => {ingress-controller} => pod`` or ``internet => pod``."""
    pod = view.reachability.pods[entry.pod]
    label = str(pod.owner)
    if entry.hop is None:
        return [Hop(f"{INTERNET} ({entry.via})", label, entry.ports)]
    return [
        Hop(f"{INTERNET} ({entry.via})", entry.hop, entry.ports),
        Hop(entry.hop, label, entry.ports),
    ]
