"""The library entry point: load a cluster, then ask it questions.

>>> import reach
>>> r = reach.load(["examples/shop"])          # doctest: +SKIP
>>> for c in r.connections(by="workload"):     # doctest: +SKIP
...     print(c)
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from .audit import AuditMixin
from .connections import Connection, View, build_view
from .engine import Reachability, compile_cluster
from .errors import Diagnostics, ReachError
from .explain import Explanation, Provenance
from .exports import ExportMixin
from .gcpause import without_gc
from .loader import build_cluster
from .model import Cluster
from .paths import PathResult, find_path
from .ports import PortSet, parse_port_filter
from .progress import Progress
from .radius import Radius, radius
from .refs import Target, resolve
from .sources import RawObject
from .sources.files import FileSource, flatten
from .sources.options import LiveOptions

if TYPE_CHECKING:
    import networkx as nx

#: Input files at least this large (bytes) show a progress bar when ``progress`` is None.
LARGE_INPUT = 4 << 20


@dataclass
class Summary:
    """Counts that describe a compiled cluster."""

    namespaces: int
    pods: int
    workloads: int
    policies: int
    classes: int
    external_segments: int
    ingress_isolated_pods: int
    egress_isolated_pods: int
    allowed_workload_pairs: int

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


class Reach(ExportMixin, AuditMixin):
    """A compiled cluster: connections, and (in later modules) graph queries."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.reachability: Reachability = compile_cluster(cluster)
        self._views: dict[tuple[str, bool | None], View] = {}
        self._graphs: dict[str, nx.DiGraph] = {}
        self._prov: Provenance | None = None

    @property
    def provenance(self) -> Provenance:
        if self._prov is None:
            self._prov = Provenance(self.reachability)
        return self._prov

    # -- graph ----------------------------------------------------------------------------
    @property
    def graph(self) -> nx.DiGraph:
        """The reachability graph by workload, as a networkx DiGraph (built on first use)."""
        return self.graph_at("workload")

    def graph_at(self, by: str = "workload") -> nx.DiGraph:
        """The reachability graph at granularity ``by`` (pod, workload or namespace)."""
        if by not in self._graphs:
            from .graph import build_graph  # networkx is imported only when a graph is wanted

            self._graphs[by] = build_graph(self.view(by), self.provenance)
        return self._graphs[by]

    # -- queries ----------------------------------------------------------------------------
    def resolve(self, ref: str, namespace: str | None = None) -> Target:
        """Resolve a node reference (see :mod:`reach.refs` for the forms)."""
        return resolve(self.reachability, ref, namespace)

    @without_gc
    def path(
        self,
        a: str,
        b: str,
        port: str | None = None,
        max_hops: int | None = None,
        all_paths: bool = False,
        by: str = "workload",
        namespace: str | None = None,
    ) -> PathResult:
        """Can ``a`` reach ``b``? Direct verdict with policies or reason, then shortest paths.

        ``port`` (``"8080/TCP"``) must be allowed on every hop.
        """
        ports = _port(port)
        return find_path(
            self.view(by),
            self.provenance,
            self.resolve(a, namespace),
            self.resolve(b, namespace),
            ports,
            max_hops,
            all_paths,
            port,
        )

    @without_gc
    def blast_radius(
        self,
        a: str,
        hops: int | None = None,
        port: str | None = None,
        by: str = "workload",
        namespace: str | None = None,
    ) -> Radius:
        """Everything ``a`` can reach, directly and transitively, with hop distances."""
        return radius(self.view(by), self.resolve(a, namespace), False, _port(port), hops, port)

    @without_gc
    def exposure(
        self,
        b: str,
        hops: int | None = None,
        port: str | None = None,
        by: str = "workload",
        namespace: str | None = None,
    ) -> Radius:
        """Everything that can reach ``b``, directly and transitively, external ranges included."""
        return radius(
            self.view(by, ipv6=None), self.resolve(b, namespace), True, _port(port), hops, port
        )

    def explain(self, a: str, b: str, namespace: str | None = None) -> list[Explanation]:
        """Per-policy breakdown of each direction for the pair (one per distinct pod class pair)."""
        ta, tb = self.resolve(a, namespace), self.resolve(b, namespace)
        r = self.reachability
        out = []
        for s in ta.classes(r).tolist():
            for d in tb.classes(r).tolist():
                out.append(
                    self.provenance.explain(
                        s, d, _class_name(self, ta, s), _class_name(self, tb, d)
                    )
                )
        return out

    @property
    def warnings(self) -> list[str]:
        """Problems worth knowing: from loading the input, then from the analysis."""
        return [*self.cluster.warnings, *self.reachability.warnings]

    @without_gc
    def view(self, by: str = "workload", ipv6: bool | None = None) -> View:
        key = (by, ipv6)
        if key not in self._views:
            self._views[key] = build_view(self.reachability, by, ipv6)
        return self._views[key]

    @without_gc
    def connections(self, by: str = "workload", ipv6: bool | None = None) -> list[Connection]:
        """Every allowed (src, dst) pair at granularity ``by``, with its ports.

        External addresses appear as segments of the address space. IPv6
        segments are included when ``ipv6`` is true, or by default when some
        policy names an IPv6 CIDR.
        """
        v = self.view(by, ipv6)
        atoms = self.reachability.atoms
        return [Connection(v.nodes[s], v.nodes[d], atoms.portsets[i]) for s, d, i in v.edges()]

    @without_gc
    def summary(self) -> Summary:
        r = self.reachability
        v = self.view("workload")
        pod_cls = r.pod_class
        return Summary(
            namespaces=len(self.cluster.namespaces),
            pods=len(r.pods),
            workloads=v.n_internal,
            policies=len(self.cluster.policies),
            classes=r.n_internal,
            external_segments=len(r.segments),
            ingress_isolated_pods=int(np.count_nonzero(r.ingress_isolated[pod_cls])),
            egress_isolated_pods=int(np.count_nonzero(r.egress_isolated[pod_cls])),
            allowed_workload_pairs=v.count_internal_pairs(),
        )


def _port(text: str | None) -> PortSet | None:
    if text is None:
        return None
    try:
        return parse_port_filter(text)
    except ValueError as e:
        raise ReachError(str(e)) from None


def _class_name(r: Reach, t: Target, cls: int) -> str:
    """The target's label, or one of its pods when it spans several classes."""
    if t.external or len(t.classes(r.reachability)) == 1:
        return t.label
    pods = r.reachability.pods
    first = next(i for i in t.pods.tolist() if r.reachability.pod_class[i] == cls)
    return f"{t.label} (pod {pods[first]})"


@without_gc
def load(
    paths: str | PathLike[str] | Sequence[str | PathLike[str]],
    skip_invalid: bool = False,
    diag: Diagnostics | None = None,
    progress: bool | None = False,
) -> Reach:
    """Load manifests from files, directories (recursively) or ``-`` (stdin).

    ``progress``: show a bar on stderr (True), never (False), or when stderr is
    a terminal and the files are large (None, as the command line does).
    """
    if isinstance(paths, (str, PathLike)):
        paths = [paths]
    names = tuple(str(p) for p in paths)
    diag = diag or Diagnostics()
    bar = Progress(progress, sys.stderr, LARGE_INPUT, in_bytes=True)
    try:
        raws = FileSource(names, bar).objects(diag)  # streamed: parsed and built one by one
        cluster = build_cluster(raws, diag, skip_invalid)
        cluster.sources = list(names)
        bar.say(f"compiling {len(cluster.pods):,} pods and {len(cluster.policies):,} policies")
        return Reach(cluster)
    finally:
        bar.close()


@without_gc
def load_live(
    options: LiveOptions | None = None, skip_invalid: bool = False, diag: Diagnostics | None = None
) -> Reach:
    """Read a live cluster through the kubernetes client (kubeconfig, context, in-cluster)."""
    from .sources.live import LiveSource  # the kubernetes client is only needed here

    diag = diag or Diagnostics()
    raws = LiveSource(options).read(diag)
    return Reach(build_cluster(raws, diag, skip_invalid))


@without_gc
def from_objects(
    objects: Iterable[Mapping[str, Any]], skip_invalid: bool = False, origin: str = "<objects>"
) -> Reach:
    """Analyze manifests given as Python dicts (as parsed from YAML)."""
    raws: list[RawObject] = []
    for i, obj in enumerate(objects, start=1):
        raws.extend(flatten(obj, f"{origin}#{i}", ""))
    return Reach(build_cluster(raws, Diagnostics(), skip_invalid))
