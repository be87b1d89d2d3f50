""":class:`Reach`, the library's questions about one loaded cluster.

:class:`Reach` is a thin facade: each method hands its arguments to the
function of :mod:`reach.analysis`, :mod:`reach.audit`, :mod:`reach.output` or
:mod:`reach.draw` that does the work, with the :class:`Analysis` it holds.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, Unpack, cast, overload

from reach.analysis import display
from reach.analysis.compiled import Analysis
from reach.analysis.controller import controller_connections
from reach.analysis.diff import DiffReport
from reach.analysis.diff import diff as diff_analyses
from reach.analysis.explain import Explanations, explain
from reach.analysis.exposure_section import ExposureSection, exposure_section
from reach.analysis.nodes import Connection
from reach.analysis.pathquery import AnyPath, ask_path, drawable
from reach.analysis.radius import Radius
from reach.analysis.radiusquery import ask_radius
from reach.analysis.refs import Target
from reach.analysis.summary import Summary, summarize
from reach.analysis.views import View, connections
from reach.api.notebook import notebook_html
from reach.api.portarg import port_arg as _port
from reach.api.whatif import Applied, ObjectsOf, Updates, store_of
from reach.audit import AuditReport, run_audit
from reach.engine.provenance import Provenance
from reach.engine.reachability import Reachability
from reach.errors import Diagnostic, PartialAnswerWarning
from reach.gcpause import without_gc
from reach.model.cluster import Cluster
from reach.output import render
from reach.output.diagnostics import GRAPH_KEY
from reach.output.formats import ListFormat, parse
from reach.output.listing import IPV6_NOTE, shows_ipv6
from reach.output.notebook import loaded_text

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from reach.audit.expect import Expectations
    from reach.draw import MatrixData
    from reach.draw.cluster import DrawOptions


Q = TypeVar("Q", bound=display.Qualified)


class Reach:
    """A compiled cluster and every question reach answers about it.

    Each diagnostic that makes its answers partial is raised once, on construction, as
    a :class:`~reach.errors.PartialAnswerWarning` (Python's ``warnings``); every result
    carries them all (``result.diagnostics``) and shows them in every output format.
    """

    def __init__(self, cluster: Cluster, objects: ObjectsOf | None = None) -> None:
        self.analysis = Analysis(cluster)
        self._graphs: dict[str, nx.DiGraph] = {}
        self._objects, self._updates = objects, cast("Updates | None", None)
        for d in self.diagnostics:
            if d.partial:
                warnings.warn(str(d), PartialAnswerWarning, stacklevel=2)

    def __repr__(self) -> str:
        """What was loaded: ``<Reach: 17 pods in 9 workloads, 5 namespaces, 16 policies>``."""
        return f"<Reach: {loaded_text(self.analysis)}>"

    def _qualified(self, result: Q) -> Q:
        """``result``, carrying the diagnostics of this load."""
        result.diagnostics = tuple(self.diagnostics)
        return result

    def _carrying(self, g: nx.DiGraph) -> nx.DiGraph:
        """``g``, its attribute ``diagnostics`` holding those of this load (as dicts)."""
        g.graph[GRAPH_KEY] = [d.to_dict() for d in self.diagnostics]
        return g

    # -- what the analysis holds ------------------------------------------------------
    @property
    def cluster(self) -> Cluster:
        return self.analysis.cluster

    @property
    def reachability(self) -> Reachability:
        return self.analysis.reachability

    @property
    def provenance(self) -> Provenance:
        return self.analysis.provenance

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """What the answers depend on: what was read but not evaluated, and more (each with
        a code, a severity, an origin and whether it makes the answer partial)."""
        return self.analysis.diagnostics

    @property
    def warnings(self) -> list[str]:
        """The text of the diagnostics of severity warning."""
        return self.analysis.warnings

    def view(self, by: str = "workload", ipv6: bool | None = None) -> View:
        return self.analysis.view(by, ipv6)

    def listing(
        self,
        fmt: str = "txt",
        by: str = "workload",
        ipv6: bool | None = None,
        notes: list[str] | None = None,
    ) -> View:
        """The view ``reach list`` writes in ``fmt`` (with :func:`reach.output.render`).

        IPv6 ranges are shown when ``ipv6`` is true; by default (None) never in txt,
        whose grammar is IPv4-only, and in the other formats when a policy names an
        IPv6 CIDR. When txt leaves out ranges that policies name,
        :data:`~reach.output.listing.IPV6_NOTE` is appended to ``notes``.
        """
        shown = shows_ipv6(parse(ListFormat, fmt), ipv6)
        if notes is not None and shown is False and ipv6 is None and self.reachability.ipv6:
            notes.append(IPV6_NOTE)
        return self.analysis.view(by, shown)

    def resolve(self, ref: str, namespace: str | None = None) -> Target:
        """Resolve a node reference (see :mod:`reach.analysis.refs` for the forms)."""
        return self.analysis.resolve(ref, namespace)

    # -- graph ------------------------------------------------------------------------
    @property
    def graph(self) -> nx.DiGraph:
        """The reachability graph by workload, as a networkx DiGraph (built on first use)."""
        return self.graph_at("workload")

    @property
    def pod_graph(self) -> nx.DiGraph:
        """The reachability graph pod by pod. Use it for paths: :attr:`graph` joins the
        pods of a workload, and when they carry different labels a path on it may not
        exist pod by pod (``reach path`` and :meth:`path` search pod by pod)."""
        return self.graph_at("pod")

    def graph_at(self, by: str = "workload") -> nx.DiGraph:
        """The reachability graph at granularity ``by`` (pod, workload or namespace)."""
        if by not in self._graphs:
            from reach.analysis.graph import build_graph  # networkx loads only for graphs

            self._graphs[by] = self._carrying(build_graph(self.analysis, by))
        return self._graphs[by]

    # -- queries ------------------------------------------------------------------------
    @without_gc
    def connections(self, by: str = "workload", ipv6: bool | None = None) -> list[Connection]:
        """Every allowed (src, dst) pair at granularity ``by``, with its ports.

        External addresses appear as segments of the address space; the
        ``{ingress-controller}`` node's pairs come last. IPv6
        segments are included when ``ipv6`` is true, or by default when some
        policy names an IPv6 CIDR.
        """
        view = self.analysis.view(by, ipv6)
        return connections(view) + controller_connections(view)

    @without_gc
    def summary(self) -> Summary:
        return self._qualified(summarize(self.analysis))

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
        same_port: bool = False,
        no_l7: bool = False,
    ) -> AnyPath:
        """Can ``a`` reach ``b``? Direct verdict with policies or reason, then shortest paths.

        ``port`` (``"8080/TCP"``, ``"53"`` for every protocol, ``"8000-8100"``): every hop
        must allow some port of it; with ``same_port``, one port of it on every hop.
        When ``b`` is a Service (``svc/NAME``), ``port`` names service ports and the
        answer is one result per backend (``ServicePathResult``). When ``a`` is ``internet``,
        the answer is the chain of hops through an entry point (``InternetPathResult``).
        ``no_l7``: hops that Istio allows only depending on L7 conditions do not count.
        """
        found = ask_path(
            self.analysis.without_l7() if no_l7 else self.analysis,
            a,
            b,
            ports=_port(port),
            port_text=port,
            by=by,
            namespace=namespace,
            same_port=same_port,
            max_hops=max_hops,
            all_paths=all_paths,
        )
        return self._qualified(found)

    @without_gc
    def blast_radius(
        self,
        a: str,
        hops: int | None = None,
        port: str | None = None,
        by: str = "workload",
        namespace: str | None = None,
        potential: bool = False,
        no_l7: bool = False,
    ) -> Radius:
        """Everything ``a`` can reach, directly and transitively, with hop distances; with
        ``potential``, also the pods not in the input it may reach, one hop (``.potential``);
        ``no_l7``: hops Istio allows only depending on L7 conditions do not count."""
        return self._radius(a, hops, port, by, namespace, potential, backward=False, no_l7=no_l7)

    @without_gc
    def exposure(
        self,
        b: str,
        hops: int | None = None,
        port: str | None = None,
        by: str = "workload",
        namespace: str | None = None,
        potential: bool = False,
        no_l7: bool = False,
    ) -> Radius:
        """Everything that can reach ``b``, directly and transitively, external ranges included;
        with ``potential``, also the pods not in the input that may reach it, one hop;
        ``no_l7``: hops Istio allows only depending on L7 conditions do not count."""
        return self._radius(b, hops, port, by, namespace, potential, backward=True, no_l7=no_l7)

    def _radius(
        self,
        ref: str,
        hops: int | None,
        port: str | None,
        by: str,
        namespace: str | None,
        potential: bool,
        *,
        backward: bool,
        no_l7: bool = False,
    ) -> Radius:
        found = ask_radius(
            self.analysis.without_l7() if no_l7 else self.analysis,
            ref,
            backward=backward,
            ports=_port(port),
            port_text=port,
            max_hops=hops,
            by=by,
            namespace=namespace,
            potential=potential,
        )
        return self._qualified(found)

    def exposure_section(self, by: str = "workload", ipv6: bool | None = None) -> ExposureSection:
        """What each node is open to beyond the pods of the input: the section of ``reach list
        --exposure`` (representative peers, docs/queries.md)."""
        return exposure_section(self.analysis.view(by, ipv6))

    def explain(self, a: str, b: str, namespace: str | None = None) -> Explanations:
        """Per-policy breakdown of each direction for the pair (one per distinct pod class
        pair): a list whose text is what ``reach explain`` prints."""
        return self._qualified(explain(self.analysis, a, b, namespace))

    def audit(
        self,
        expect: str | Path | Expectations | Mapping[str, Any] | None = None,
        skip: Iterable[str] = (),
        checks: bool = True,
    ) -> AuditReport:
        """Run the built-in checks and, given an expectations file, the team's promises.

        See :func:`reach.audit.run_audit`.
        """
        return self._qualified(run_audit(self.analysis, expect, skip, checks))

    def diff(
        self, new: Reach, by: str = "workload", old_label: str = "old", new_label: str = "new"
    ) -> DiffReport:
        """What changes from this cluster to ``new``: see :func:`reach.diff`."""
        return diff_analyses(self.analysis, new.analysis, by, old_label, new_label)

    # -- what if --------------------------------------------------------------------------
    def apply(self, *objects: Applied, by: str = "workload") -> DiffReport:
        """Apply objects (dicts, or read from files) in place as ``kubectl apply``; the diff."""
        return self._update(objects, by, delete=False)

    def delete(self, *objects: Applied, by: str = "workload") -> DiffReport:
        """Remove objects (found by kind, namespace and name) in place; what that changed."""
        return self._update(objects, by, delete=True)

    def _update(self, objects: Iterable[Applied], by: str, delete: bool) -> DiffReport:
        if self._updates is None:
            self._updates = Updates(store_of(self._objects))
        self.analysis, change = self._updates.update(self.analysis, objects, by, delete)
        self._graphs.clear()
        return change

    # -- exports --------------------------------------------------------------------------
    def export_graph(
        self,
        by: str = "workload",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        merge_external: bool = True,
        source: str | None = None,
        potential: bool = False,
    ) -> nx.DiGraph:
        """The graph exports and pictures show: see :func:`reach.analysis.graph.build_graph`."""
        from reach.analysis.graph import build_graph

        args = (by, namespaces, focus, hops, merge_external, source, potential)
        g = build_graph(self.analysis, *args)
        return self._carrying(g)

    def default_source(self) -> str:
        """What titles call the input when the caller names none."""
        return self.analysis.source_text

    def to_dot(
        self,
        by: str = "workload",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        source: str | None = None,
        tooltips: bool | None = None,
    ) -> str:
        """The graph as Graphviz DOT text: namespaces as ``cluster_*`` subgraphs.

        ``tooltips`` adds each edge's policies as its tooltip (by default when the
        graph has at most 2,000 edges: they cost time to compute).
        """
        from reach.output.graph import dot

        out = io.StringIO()
        g = self.export_graph(by, namespaces, focus, hops, source=source)
        dot.render(g, out, tooltips=tooltips)
        return out.getvalue()

    def to_graphml(
        self,
        path: str | Path | IO[bytes],
        by: str = "workload",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        source: str | None = None,
        policies: bool = True,
    ) -> None:
        """Write GraphML: every node and edge attribute, ports as text, labels as JSON text."""
        from reach.output.graph import graphml

        g = self.export_graph(by, namespaces, focus, hops, source=source)
        graphml.write(g, path, policies=policies)

    def to_node_link(
        self,
        by: str = "workload",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        source: str | None = None,
        policies: bool = True,
    ) -> dict[str, Any]:
        """The graph as networkx node-link data (``json.dump`` it), ports as text."""
        from reach.output.graph import nodelink

        g = self.export_graph(by, namespaces, focus, hops, source=source)
        return nodelink.data(g, policies=policies)

    def matrix(self, by: str = "workload", namespaces: Iterable[str] | None = None) -> MatrixData:
        """Allowed pairs between namespaces, of workloads (of pods when ``by="pod"``): what
        ``draw(view="matrix")`` shows; ``to_dict()`` is its JSON."""
        from reach.draw import matrix_data

        view = self.analysis.view("pod" if by == "pod" else "workload")
        return matrix_data(view, sorted(namespaces or ()))

    # -- pictures -------------------------------------------------------------------------
    @overload
    def draw(self, ax: Axes | None = None, **options: Unpack[DrawOptions]) -> Figure: ...
    @overload
    def draw(self, ax: str | PathLike[str], **options: Unpack[DrawOptions]) -> Figure | None: ...
    def draw(
        self,
        ax: Axes | str | PathLike[str] | None = None,
        by: str = "workload",
        view: str = "graph",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        source: str | None = None,
        value: str = "share",
        port_labels: bool | None = None,
        notes: list[str] | None = None,
        potential: bool = False,
    ) -> Figure | None:
        """Draw the graph (or ``view="matrix"``: the namespace x namespace heatmap).

        Returns the matplotlib figure (``ax``'s, or a new one). See
        :func:`reach.draw.cluster.draw_cluster` for the fallbacks on large graphs;
        each is appended to ``notes``. Given a file name instead of ``ax``, writes the
        picture by its extension: ``.png`` or ``.svg`` (and returns the figure), or the
        graph as ``.dot``/``.gv`` or ``.graphml`` (and returns None).
        """
        from reach.draw.cluster import GRAPH_FILES, draw_cluster, file_format

        args = (by, view, namespaces, focus, hops, source, value, port_labels, notes, potential)
        if not isinstance(ax, str | PathLike):
            return draw_cluster(self.analysis, ax, *args)
        path, fmt = Path(ax), file_format(ax)
        if fmt in GRAPH_FILES:
            with path.open("wb") as out:
                g = self.export_graph(by, namespaces, focus, hops, True, source, potential)
                render(g, fmt, out)
            return None
        fig = draw_cluster(self.analysis, None, *args)
        from reach.draw import save

        save(fig, path, fmt)
        return fig

    def draw_graphviz(
        self,
        fmt: str = "png",
        by: str = "workload",
        namespaces: Iterable[str] | None = None,
        focus: str | None = None,
        hops: int = 1,
        source: str | None = None,
        potential: bool = False,
    ) -> bytes:
        """The graph drawn by Graphviz's ``dot`` program from :meth:`to_dot`: PNG or SVG bytes.

        Raises :class:`ReachError` when ``dot`` is missing or fails.
        """
        from reach.output.graph import graphviz

        g = self.export_graph(by, namespaces, focus, hops, True, source, potential)
        return graphviz.picture(g, fmt)

    def draw_path(
        self,
        result: AnyPath,
        ax: Axes | None = None,
        src: str | None = None,
        dst: str | None = None,
        namespace: str | None = None,
        by: str = "workload",
        source: str | None = None,
    ) -> Figure:
        """Draw a :meth:`path` result over its neighbourhood, path hops numbered (for a
        Service, the path to its first backend; from the internet, the path from the
        workload entered)."""
        from reach.draw.cluster import draw_path_result

        result = drawable(result)
        return draw_path_result(self.analysis, result, ax, src, dst, namespace, by, source)

    def draw_radius(
        self, result: Radius, ax: Axes | None = None, source: str | None = None
    ) -> Figure:
        """Draw a :meth:`blast_radius` or :meth:`exposure` result, nodes shaded by hops."""
        from reach.draw import draw_radius

        return draw_radius(result, ax, source=source or self.analysis.source_text)

    # -- notebooks ------------------------------------------------------------------------
    def _repr_png_(self) -> bytes | None:
        from reach import draw as d

        return d.figure_bytes(self.draw(), "png") if d.NOTEBOOK_FORMAT == "png" else None

    def _repr_svg_(self) -> str | None:
        from reach import draw as d

        svg = d.NOTEBOOK_FORMAT == "svg"
        return d.figure_bytes(self.draw(), "svg").decode("utf-8") if svg else None

    def _repr_html_(self) -> str | None:
        """Notebook display when there are diagnostics: the graph, then them (else the
        picture alone)."""
        return notebook_html(self, self.draw) if self.diagnostics else None
