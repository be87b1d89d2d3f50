"""The analysis object: a compiled cluster and what every query shares.

Queries, the audit, diffs, exports and pictures all take an :class:`Analysis`:
the cluster model, its compiled :class:`~reach.engine.reachability.Reachability`,
views at each granularity (built once, on first use), the provenance of
allowed connections, and node references. Graphs are built from it by
:mod:`reach.analysis.graph`.
"""

from __future__ import annotations

from reach.analysis.refs import Target, resolve
from reach.analysis.views import View, build_view
from reach.engine.compile import compile_cluster
from reach.engine.provenance import Provenance
from reach.engine.reachability import Reachability
from reach.errors import Diagnostic
from reach.gcpause import without_gc
from reach.model.cluster import Cluster


class Analysis:
    """A compiled cluster, with views, provenance and graphs made once and kept."""

    def __init__(self, cluster: Cluster, reachability: Reachability | None = None) -> None:
        self.cluster = cluster
        self.reachability = reachability or compile_cluster(cluster)
        self._views: dict[tuple[str, bool], View] = {}
        self._provenance: Provenance | None = None
        self._without_l7: Analysis | None = None

    def without_l7(self) -> Analysis:
        """The analysis with Istio's L7-conditioned ports taken as not allowed (``--no-l7``);
        itself when the input has no Istio objects."""
        if self.reachability.mesh is None:
            return self
        if self._without_l7 is None:
            self._without_l7 = Analysis(self.cluster, compile_cluster(self.cluster, l7=False))
        return self._without_l7

    @property
    def provenance(self) -> Provenance:
        """Which policies and rules decide each class pair (walked on demand, cached)."""
        if self._provenance is None:
            self._provenance = Provenance(self.reachability)
        return self._provenance

    @without_gc
    def view(self, by: str = "workload", ipv6: bool | None = None) -> View:
        """Nodes at granularity ``by`` with their classes (see :func:`build_view`)."""
        key = (by, self.reachability.ipv6 if ipv6 is None else ipv6)  # None: build_view's default
        if key not in self._views:
            self._views[key] = build_view(self.reachability, by, ipv6)
        return self._views[key]

    def views(self) -> dict[tuple[str, bool], View]:
        """The views built so far, by ``(granularity, ipv6)``."""
        return dict(self._views)

    def keep_view(self, view: View, ipv6: bool) -> None:
        """Hold ``view`` (of this analysis's reachability) as the view at its granularity
        and ``ipv6``, as :meth:`view` would have built it."""
        if view.reachability is not self.reachability:
            raise ValueError("the view is of another reachability")
        self._views[(view.by, ipv6)] = view

    def resolve(self, ref: str, namespace: str | None = None) -> Target:
        """A node reference (see :mod:`reach.analysis.refs` for the forms)."""
        return resolve(self.reachability, ref, namespace)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """What the answers depend on: from loading the input, then from the analysis."""
        return [*self.cluster.diagnostics, *self.reachability.diagnostics]

    @property
    def warnings(self) -> list[str]:
        """The text of the diagnostics of severity warning."""
        return [str(d) for d in self.diagnostics if d.severity == "warning"]

    @property
    def source_text(self) -> str:
        """What titles call the input when the caller names none."""
        return ", ".join(sorted(self.cluster.sources)) if self.cluster.sources else "cluster"
