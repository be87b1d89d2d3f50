"""``reach path SRC svc/NAME``: one answer per backend, on the ports the Service sends to it.

A connection to a Service arrives at one of its backends, on the pod port the
service port maps to there (a named ``targetPort`` may be a different number on
each pod). Backends are grouped by workload and pod ports, and each group gets
its own :class:`~reach.analysis.paths.PathResult`. The Service is reachable when
every backend is: a backend that cannot be reached fails the connections the
Service balances onto it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reach.analysis.display import Qualified
from reach.analysis.paths import PathResult, find_path
from reach.analysis.refs import Target
from reach.analysis.services import ServiceRefError, translate
from reach.analysis.views import View
from reach.engine.provenance import Provenance
from reach.model.ports import PortSet
from reach.words import count


@dataclass
class ServicePathResult(Qualified):
    """Per backend group: its label, the pod ports the Service sends it, its path result."""

    src: str
    service: str
    port_filter: str | None
    backends: list[tuple[str, PortSet, PathResult]]

    @property
    def reachable(self) -> bool:
        return all(r.reachable for _, _, r in self.backends)

    @property
    def first(self) -> PathResult:
        """The first backend's result (what a picture of the query draws)."""
        return self.backends[0][2]

    def __str__(self) -> str:
        reached = sum(r.reachable for _, _, r in self.backends)
        on = f" port {self.port_filter}" if self.port_filter else ""
        verdict = "reaches" if self.reachable else "cannot reach every backend of"
        lines = [
            f"{self.src} {verdict} {self.service}{on}: "
            f"{reached} of {count(len(self.backends), 'backend')} reachable"
        ]
        for label, ports, result in self.backends:
            lines.append(f"backend {label} on {ports}:")
            lines.extend("  " + line for line in str(result).splitlines())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "src": self.src,
            "service": self.service,
            "port_filter": self.port_filter,
            "reachable": self.reachable,
            "backends": [
                {"backend": label, "ports": ports.to_json(), "text": str(ports), **r.to_dict()}
                for label, ports, r in self.backends
            ],
        }


def service_path(
    view: View,
    provenance: Provenance,
    a: Target,
    b: Target,
    *,
    ports: PortSet | None = None,
    port_text: str | None = None,
    **options: object,
) -> ServicePathResult:
    """Path from ``a`` to each backend group of ``b``'s Service; ``ports`` are service ports
    (None: all of them), translated per backend; ``options`` go to :func:`find_path`."""
    assert b.service is not None
    reachability = view.reachability
    pods = reachability.pods
    groups: dict[tuple[str, PortSet], list[int]] = {}
    backends = translate(reachability.cluster, b.service, ports)
    if not backends:
        raise ServiceRefError(
            f"{b.service} has no backend pod for port {port_text}: no selected pod has the "
            "port its targetPort names"
        )
    for i, got in sorted(backends.items()):
        label = str(pods[i].owner) if view.by != "pod" else _pod_label(view, i)
        groups.setdefault((label, got), []).append(i)
    results = [
        (
            label,
            got,
            find_path(
                view,
                provenance,
                a,
                Target(b.text, label, np.array(idx, dtype=np.intp)),
                ports=got,
                port_text=str(got),
                **options,  # type: ignore[arg-type]
            ),
        )
        for (label, got), idx in sorted(groups.items(), key=lambda g: g[0][0])
    ]
    return ServicePathResult(a.label, b.service.ref, port_text, results)


def _pod_label(view: View, pod: int) -> str:
    """The id of the pod node holding ``pod`` in a pod view."""
    for node, members in zip(view.nodes, view.node_pods, strict=False):
        if pod in members:
            return node.id
    return str(view.reachability.pods[pod])
