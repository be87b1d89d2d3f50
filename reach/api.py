"""The library entry point: load a cluster, then ask it questions.

>>> import reach
>>> r = reach.load(["examples/shop"])          # doctest: +SKIP
>>> for c in r.connections(by="workload"):     # doctest: +SKIP
...     print(c)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .connections import Connection, View, build_view
from .engine import Reachability, compile_cluster
from .errors import Diagnostics
from .loader import build_cluster
from .model import Cluster
from .sources import RawObject
from .sources.files import FileSource, flatten


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


class Reach:
    """A compiled cluster: connections, and (in later modules) graph queries."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.reachability: Reachability = compile_cluster(cluster)
        self._views: dict[tuple[str, bool | None], View] = {}

    @property
    def warnings(self) -> list[str]:
        return self.cluster.warnings

    def view(self, by: str = "workload", ipv6: bool | None = None) -> View:
        key = (by, ipv6)
        if key not in self._views:
            self._views[key] = build_view(self.reachability, by, ipv6)
        return self._views[key]

    def connections(self, by: str = "workload", ipv6: bool | None = None) -> list[Connection]:
        """Every allowed (src, dst) pair at granularity ``by``, with its ports.

        External addresses appear as segments of the address space. IPv6
        segments are included when ``ipv6`` is true, or by default when some
        policy names an IPv6 CIDR.
        """
        v = self.view(by, ipv6)
        atoms = self.reachability.atoms
        return [Connection(v.nodes[s], v.nodes[d], atoms.portsets[i]) for s, d, i in v.edges()]

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
            allowed_workload_pairs=sum(
                int(np.count_nonzero((s < v.n_internal) & (d < v.n_internal)))
                for s, d, _ in v.edge_blocks()
            ),
        )


def load(
    paths: str | Sequence[str], skip_invalid: bool = False, diag: Diagnostics | None = None
) -> Reach:
    """Load manifests from files, directories (recursively) or ``-`` (stdin)."""
    if isinstance(paths, str):
        paths = [paths]
    diag = diag or Diagnostics()
    raws = list(FileSource(tuple(paths)).objects(diag))
    return Reach(build_cluster(raws, diag, skip_invalid))


def from_objects(
    objects: Iterable[Mapping[str, Any]], skip_invalid: bool = False, origin: str = "<objects>"
) -> Reach:
    """Analyze manifests given as Python dicts (as parsed from YAML)."""
    raws: list[RawObject] = []
    for i, obj in enumerate(objects, start=1):
        raws.extend(flatten(obj, f"{origin}#{i}", ""))
    return Reach(build_cluster(raws, Diagnostics(), skip_invalid))
