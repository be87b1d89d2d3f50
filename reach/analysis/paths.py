"""``reach path A B``: can A reach B, directly or over several hops, and why (not).

The terms (hop, start and destination set, port filter, route) are defined in
docs/queries.md; :mod:`reach.analysis.routes` finds the routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reach.analysis.display import NotebookPicture
from reach.analysis.hops import HopGraph, Search
from reach.analysis.l7marks import l7_text
from reach.analysis.nodes import Node
from reach.analysis.refs import RefError, Target
from reach.analysis.routes import Ends, Goal, all_routes, goals, route_to
from reach.analysis.views import View
from reach.engine.provenance import Provenance
from reach.engine.reachability import Reachability
from reach.engine.verdicts import Explanation
from reach.model.cluster import Workload
from reach.model.ports import PortSet
from reach.words import count

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
    if target.pseudo is not None or target.network_set is not None:  # a named outside node
        return QueryEnd(target.label)
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
    #: `` [GET /headers]``: what Istio conditions the hop on at L7 ("" when nothing).
    l7: str = ""

    def __str__(self) -> str:
        more = f" (or {self.alike} alike)" if self.alike else ""
        return f"{self.src} => {self.dst}{more} : {self.ports}{self.l7}"

    def to_dict(self) -> dict[str, object]:
        return {
            "src": self.src,
            "dst": self.dst,
            "alike": self.alike,
            "ports": self.ports.to_json(),
            "text": str(self.ports),
            **({"l7": self.l7.strip(" []")} if self.l7 else {}),
        }


@dataclass
class PathResult(NotebookPicture):
    """Direct verdict with its policies or reason, then the shortest multi-hop paths.

    ``total_paths`` counts every shortest route (``paths`` holds at most
    :data:`MAX_PATHS` of them with ``--all``, else one); ``same_port`` says that every
    hop of a path carries one port of the filter, rather than some port each.
    """

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
    total_paths: int = 0
    same_port: bool = False
    #: Whether each end is pods (an address range or a pseudo node has no side of its own).
    src_pods: bool = True
    dst_pods: bool = True
    #: `` [GET /headers]``: what Istio conditions the direct connection on at L7.
    direct_l7: str = ""

    @property
    def reachable(self) -> bool:
        return bool(self.paths)

    @property
    def direct_ok(self) -> bool:
        return not self.direct.is_empty()

    def _allowed_by(self, direction: str) -> str:
        """The policies that allow the direct connection on one side, or why there are none."""
        if not (self.src_pods if direction == "egress" else self.dst_pods):
            return NO_SIDE  # an external address or a pseudo node has no side
        return _names(self.egress_policies if direction == "egress" else self.ingress_policies)

    def __str__(self) -> str:
        """The first line gives the verdict: ``=>`` (direct) or ``reaches`` when some path
        exists (exit 0), ``cannot connect`` when none does (exit 1)."""
        why = self.explanation.reason() if self.explanation else "nothing allows it"
        flt = self._filter_text()
        lines = []
        if self.direct_ok:
            lines.append(f"{self.src} => {self.dst} : {self.direct}{self.direct_l7}  (direct)")
            lines.append(f"  egress allowed by:  {self._allowed_by('egress')}")
            lines.append(f"  ingress allowed by: {self._allowed_by('ingress')}")
        elif self.paths:
            n = len(self.paths[0])
            lines.append(
                f"{self.src} reaches {self.dst} in {n} hop{'s' if n > 1 else ''}{flt}, "
                f"not directly: {why}"
            )
        else:
            lines.append(f"{self.src} cannot connect to {self.dst} directly: {why}")
            lim = f" within {count(self.max_hops, 'hop')}" if self.max_hops else ""
            lines.append(f"no path{flt}{lim}: {self.dst} is not reachable from {self.src}")
        lines.extend(self._path_lines(flt))
        return "\n".join(lines)

    def _filter_text(self) -> str:
        if not self.port_filter:
            return ""
        return f" on {self.port_filter}" + (" (one port end to end)" if self.same_port else "")

    def _path_lines(self, flt: str) -> list[str]:
        lines = []
        for i, path in enumerate(self.paths):
            if len(path) == 1 and self.direct_ok and not self.port_filter:
                continue
            title = f"shortest path{flt}: {len(path)} hop{'s' if len(path) > 1 else ''}"
            lines.append(title if len(self.paths) == 1 else f"{title} (#{i + 1})")
            for k, hop in enumerate(path, start=1):
                lines.append(f"  {k}. {hop}")
        if self.total_paths > len(self.paths) > 0:
            lines.append(
                f"{len(self.paths)} of {self.total_paths} shortest paths shown "
                f"(--all shows at most {MAX_PATHS})"
            )
        return lines

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
                **({"l7": self.direct_l7.strip(" []")} if self.direct_l7 else {}),
                "reason": self.explanation.reason()
                if self.explanation and not self.direct_ok
                else "",
            },
            "port_filter": self.port_filter,
            "same_port": self.same_port,
            "max_hops": self.max_hops,
            "total_paths": self.total_paths,
            "paths": [[h.to_dict() for h in p] for p in self.paths],
        }


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names) if names else "(not isolated: no policy selects it)"


#: What ``allowed by`` says of an end that is no pod: an address range or a pseudo node.
NO_SIDE = "(not a pod: no policy of its own)"


def find_path(
    view: View,
    provenance: Provenance,
    a: Target,
    b: Target,
    *,
    ports: PortSet | None = None,
    same_port: bool = False,
    max_hops: int | None = None,
    all_paths: bool = False,
    port_text: str | None = None,
) -> PathResult:
    """Direct verdict between A and B, and the shortest paths whose every hop allows some
    port of ``ports`` (with ``same_port``: one port of it, the same on every hop)."""
    reachability = view.reachability
    if a.label == b.label:
        raise RefError(
            f"{a.text!r} and {b.text!r} name the same node; a node always reaches itself"
        )
    start, dest = Ends(reachability, a), Ends(reachability, b)
    direct, egress, ingress = _direct(view, provenance, start, dest)
    explanation = None if direct else _why_not(provenance, start, dest, a.label, b.label)
    graph, search, found, shown = _search(reachability, start, dest, ports, same_port, max_hops)
    paths: list[list[Hop]] = []
    total = 0
    if found:
        exclude = frozenset(a.pods.tolist())  # a path never passes a start pod again

        def stops(cls: int) -> list[int]:
            return view.stops(cls, exclude)

        if all_paths:
            routes, total = all_routes(graph, search, found, MAX_PATHS, stops)
            paths = [_hops(view, r.classes, r.stops, (a.label, b.label), shown) for r in routes]
        else:
            cp = route_to(search, found[0])
            passed = [stops(c) for c in cp[1:-1]]
            hops = _hops(view, cp, [s[0] for s in passed], (a.label, b.label), shown)
            alike = [0, *(len(s) - 1 for s in passed), 0]
            paths = [[replace(h, alike=alike[k + 1]) for k, h in enumerate(hops)]]
            total = 1
    return PathResult(
        src=a.label,
        dst=b.label,
        direct=direct,
        egress_policies=egress,
        ingress_policies=ingress,
        explanation=explanation,
        paths=paths,
        port_filter=port_text,
        src_pods=bool(len(a.pods)),
        dst_pods=bool(len(b.pods)),
        max_hops=max_hops,
        src_end=query_end(reachability, a),
        dst_end=query_end(reachability, b),
        total_paths=total,
        same_port=same_port and ports is not None,
        direct_l7=_direct_l7(reachability, start, dest, direct),
    )


def _direct_l7(reachability: Reachability, start: Ends, dest: Ends, direct: PortSet) -> str:
    """What Istio conditions the direct connection on at L7, over the ends' classes."""
    if reachability.mesh is None or not direct:
        return ""
    said = {
        text: None
        for s in start.classes.tolist()
        for d in dest.classes.tolist()
        if start.distinct(dest, s, d)
        for text in l7_text(reachability, s, d, direct).strip(" []").split("; ")
        if text
    }
    return f" [{'; '.join(said)}]" if said else ""


def _direct(
    view: View, provenance: Provenance, start: Ends, dest: Ends
) -> tuple[PortSet, tuple[str, ...], tuple[str, ...]]:
    """The ports of the direct connection, and the policies that allow it on each side.

    A side that no policy restricts is named ``(not isolated: <node>)`` when the start
    (or destination) covers several kinds of pod, so an unrestricted pod is not hidden
    behind the policies of the others.
    """
    reachability = view.reachability
    direct = PortSet.empty()
    sides: tuple[dict[str, None], dict[str, None]] = ({}, {})
    several = (len(start.classes) > 1, len(dest.classes) > 1)
    for s in start.classes.tolist():
        for d in dest.classes.tolist():
            ps = reachability.ports(s, d)
            if not ps or not start.distinct(dest, s, d):
                continue
            direct |= ps
            for k, (names, cls) in enumerate(zip(provenance.policies(s, d), (s, d), strict=True)):
                if names or not several[k]:
                    sides[k].update(dict.fromkeys(names))
                else:
                    sides[k][f"(not isolated: {view.class_label(cls)})"] = None
    return direct, tuple(sides[0]), tuple(sides[1])


def _why_not(provenance: Provenance, start: Ends, dest: Ends, src: str, dst: str) -> Explanation:
    """Why no direct connection: the first pair of classes that holds two different pods;
    when the ends are one and the same pod, that."""
    pairs = [(s, d) for s in start.classes.tolist() for d in dest.classes.tolist()]
    for s, d in pairs:
        if start.distinct(dest, s, d):
            return provenance.explain(s, d, src, dst)
    s, d = pairs[0]
    return replace(provenance.explain(s, d, src, dst), allowed=PortSet.empty(), same_pod=True)


def _search(
    reachability: Reachability,
    start: Ends,
    dest: Ends,
    ports: PortSet | None,
    same_port: bool,
    max_hops: int | None,
) -> tuple[HopGraph, Search, list[Goal], PortSet | None]:
    """The search, its goals and the ports each hop shows. With ``same_port``, one search
    per piece of the filter that every rule treats alike (port atoms): the first piece
    that reaches soonest wins."""
    pieces = _pieces(reachability, ports) if same_port and ports is not None else [ports]
    best: tuple[HopGraph, Search, list[Goal], PortSet | None] | None = None
    for piece in pieces:
        graph = HopGraph(reachability, piece)
        search = graph.search(start.classes, max_hops=max_hops)
        found = goals(graph, search, start, dest, max_hops)
        sooner = found and (best is None or not best[2] or found[0].dist < best[2][0].dist)
        if best is None or sooner:
            best = (graph, search, found, piece)
    assert best is not None
    return best


def _pieces(reachability: Reachability, ports: PortSet) -> list[PortSet]:
    """The filter cut at the port atoms: within a piece every rule allows all or none."""
    out = []
    for proto, lo, hi in reachability.atoms.atoms:
        piece = PortSet.of(proto, lo, hi) & ports
        if piece:
            out.append(piece)
    return out or [ports]


def _hops(
    view: View,
    cp: list[int],
    stops: list[int],
    ends: tuple[str, str],
    shown: PortSet | None,
) -> list[Hop]:
    """A class path as hops between the query's ends, through the nodes ``stops`` (one
    per class between the ends), with the ports within the filter."""
    reachability = view.reachability
    inner: list[Node | None] = [None, *(view.nodes[i] for i in stops), None]
    names = [
        ends[0],
        *(_inner_name(view, c, i) for c, i in zip(cp[1:-1], stops, strict=True)),
        ends[1],
    ]
    out = []
    for k in range(len(cp) - 1):
        ports = reachability.ports(cp[k], cp[k + 1])
        ports = ports & shown if shown is not None else ports
        out.append(
            Hop(
                names[k],
                names[k + 1],
                ports,
                src_node=inner[k],
                dst_node=inner[k + 1],
                l7=l7_text(reachability, cp[k], cp[k + 1], ports),
            )
        )
    return out


def _inner_name(view: View, cls: int, node: int) -> str:
    """A class on a path, by the node it passes; with one of the node's pods of that class
    when the node holds pods of other classes too, so that two steps never print alike."""
    if len(view.node_classes[node]) == 1 or view.by == "pod" or node >= view.n_internal:
        return view.nodes[node].id
    reachability = view.reachability
    pod = next(p for p in view.node_pods[node] if reachability.pod_class[p] == cls)
    return f"{view.nodes[node].id} (pod {reachability.pods[pod].name})"
