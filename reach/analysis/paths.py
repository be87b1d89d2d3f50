"""``reach path A B``: can A reach B, directly or over several hops, and why (not)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reach.analysis.display import NotebookPicture
from reach.analysis.hops import HopGraph
from reach.analysis.refs import RefError, Target
from reach.analysis.views import Node, View
from reach.engine.provenance import Provenance
from reach.engine.reachability import Reachability
from reach.engine.verdicts import Explanation
from reach.model.cluster import Workload
from reach.model.ports import PortSet

#: ``--all`` shows at most this many shortest paths.
MAX_PATHS = 20


@dataclass(frozen=True)
class QueryEnd:
    """What one end of a query names, for pictures: the label it is printed as, and the
    workload (or single pod) or the addresses (as written) behind it; neither for a
    namespace or a label selector."""

    label: str
    workload: Workload | None = None
    addresses: str | None = None


def query_end(reachability: Reachability, target: Target) -> QueryEnd:
    """The :class:`QueryEnd` of a resolved reference."""
    if target.external:
        return QueryEnd(target.label, addresses=target.text)
    for i in target.pods[:1].tolist():
        pod = reachability.pods[i]
        # a reference to one workload or pod is labelled with that workload's or pod's id
        for workload in (pod.owner, Workload(pod.namespace, pod.name, "Pod")):
            if str(workload) == target.label:
                return QueryEnd(target.label, workload=workload)
    return QueryEnd(target.label)


@dataclass(frozen=True)
class Hop:
    """One allowed connection on a path.

    An intermediate hop stands for a class of pods that behave alike; ``alike``
    counts the other nodes through which the same path runs. ``src_node`` and
    ``dst_node`` are the nodes named ``src`` and ``dst``; None at the ends of the
    path, which are the query's (:attr:`PathResult.src_end`, :attr:`PathResult.dst_end`).
    """

    src: str
    dst: str
    ports: PortSet
    alike: int = 0
    src_node: Node | None = field(default=None, repr=False, compare=False)
    dst_node: Node | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        more = f" (or {self.alike} alike)" if self.alike else ""
        return f"{self.src} => {self.dst}{more} : {self.ports}"

    def to_dict(self) -> dict[str, object]:
        return {
            "src": self.src,
            "dst": self.dst,
            "alike": self.alike,
            "ports": self.ports.to_json(),
            "text": str(self.ports),
        }


@dataclass
class PathResult(NotebookPicture):
    """Direct verdict with its policies or reason, then the shortest multi-hop paths."""

    src: str
    dst: str
    direct: PortSet
    egress_policies: tuple[str, ...]
    ingress_policies: tuple[str, ...]
    explanation: Explanation | None
    paths: list[list[Hop]] = field(default_factory=list)
    port_filter: str | None = None
    max_hops: int | None = None
    src_end: QueryEnd | None = field(default=None, repr=False, compare=False)
    dst_end: QueryEnd | None = field(default=None, repr=False, compare=False)

    @property
    def reachable(self) -> bool:
        return bool(self.paths)

    @property
    def direct_ok(self) -> bool:
        return not self.direct.is_empty()

    def __str__(self) -> str:
        lines = []
        if self.direct_ok:
            lines.append(f"{self.src} => {self.dst} : {self.direct}  (direct)")
            lines.append(f"  egress allowed by:  {_names(self.egress_policies)}")
            lines.append(f"  ingress allowed by: {_names(self.ingress_policies)}")
        else:
            why = self.explanation.reason() if self.explanation else "nothing allows it"
            lines.append(f"{self.src} cannot connect to {self.dst} directly: {why}")
        flt = f" on {self.port_filter}" if self.port_filter else ""
        if not self.paths:
            lim = f" within {self.max_hops} hops" if self.max_hops else ""
            lines.append(f"no path{flt}{lim}: {self.dst} is not reachable from {self.src}")
        for i, path in enumerate(self.paths):
            if len(path) == 1 and self.direct_ok and not self.port_filter:
                continue
            title = f"shortest path{flt}: {len(path)} hop{'s' if len(path) > 1 else ''}"
            lines.append(title if len(self.paths) == 1 else f"{title} (#{i + 1})")
            for k, hop in enumerate(path, start=1):
                lines.append(f"  {k}. {hop}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "src": self.src,
            "dst": self.dst,
            "reachable": self.reachable,
            "direct": {
                "allowed": not self.direct.is_empty(),
                "ports": self.direct.to_json(),
                "text": str(self.direct),
                "egress_policies": list(self.egress_policies),
                "ingress_policies": list(self.ingress_policies),
                "reason": self.explanation.reason()
                if self.explanation and not self.direct_ok
                else "",
            },
            "port_filter": self.port_filter,
            "max_hops": self.max_hops,
            "paths": [[h.to_dict() for h in p] for p in self.paths],
        }


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names) if names else "(not isolated: no policy selects it)"


def find_path(
    view: View,
    prov: Provenance,
    a: Target,
    b: Target,
    *,
    ports: PortSet | None = None,
    max_hops: int | None = None,
    all_paths: bool = False,
    port_text: str | None = None,
) -> PathResult:
    """Direct verdict between A and B, and the shortest paths honouring ``ports`` on every hop."""
    reachability = view.reachability
    if a.label == b.label:
        raise RefError(
            f"{a.text!r} and {b.text!r} name the same node; a node always reaches itself"
        )
    src_cls = a.classes(reachability)
    dst_cls = b.classes(reachability)
    direct = PortSet.empty()
    eg: dict[str, None] = {}
    ing: dict[str, None] = {}
    for s in src_cls.tolist():
        for d in dst_cls.tolist():
            ps = reachability.ports(s, d)
            if ps:
                direct |= ps
                e, i = prov.policies(s, d)
                eg.update(dict.fromkeys(e))
                ing.update(dict.fromkeys(i))
    explanation = None
    if direct.is_empty():
        explanation = prov.explain(int(src_cls[0]), int(dst_cls[0]), a.label, b.label)
    graph = HopGraph(reachability, ports)
    search = graph.search(src_cls, max_hops=max_hops)
    reached = [int(d) for d in dst_cls if search.dist[d] > 0]
    paths: list[list[Hop]] = []
    if reached:
        best = min(search.dist[d] for d in reached)
        goals = [d for d in reached if search.dist[d] == best]
        class_paths = (
            [p for g in goals for p in search.all_paths_to(g)][:MAX_PATHS]
            if all_paths
            else [search.path_to(goals[0])]
        )
        for cp in class_paths:
            nodes = view.class_nodes(cp)
            names = [node.id for node in nodes]
            alike = [max(0, len(view.nodes_of_class(c)) - 1) for c in cp]
            names[0], names[-1] = a.label, b.label
            inner: list[Node | None] = [None, *nodes[1:-1], None]  # the ends are the query's
            alike[-1] = 0
            paths.append(
                [
                    Hop(
                        names[k],
                        names[k + 1],
                        reachability.ports(cp[k], cp[k + 1]),
                        alike[k + 1],
                        src_node=inner[k],
                        dst_node=inner[k + 1],
                    )
                    for k in range(len(cp) - 1)
                ]
            )
    return PathResult(
        src=a.label,
        dst=b.label,
        direct=direct,
        egress_policies=tuple(eg),
        ingress_policies=tuple(ing),
        explanation=explanation,
        paths=paths,
        port_filter=port_text,
        max_hops=max_hops,
        src_end=query_end(reachability, a),
        dst_end=query_end(reachability, b),
    )
