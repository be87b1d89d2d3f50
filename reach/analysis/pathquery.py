"""``reach path A B`` for every kind of end: pods and workloads, a Service, the internet.

:func:`ask_path` picks the search: from ``internet``, the chain through an entry point
(:mod:`reach.analysis.internetpath`); to ``svc/NAME``, one answer per backend
(:mod:`reach.analysis.servicepath`); otherwise :func:`reach.analysis.paths.find_path`.
"""

from __future__ import annotations

from reach.analysis.compiled import Analysis
from reach.analysis.internetpath import INTERNET, InternetPathResult, internet_path
from reach.analysis.paths import PathResult, find_path
from reach.analysis.servicepath import ServicePathResult, service_path
from reach.errors import ReachError
from reach.model.ports import PortSet

#: What a path query answers.
AnyPath = PathResult | ServicePathResult | InternetPathResult


def ask_path(
    analysis: Analysis,
    a: str,
    b: str,
    *,
    ports: PortSet | None,
    port_text: str | None,
    by: str,
    namespace: str | None,
    same_port: bool,
    max_hops: int | None,
    all_paths: bool,
) -> AnyPath:
    """The answer for references ``a`` and ``b`` (see the module doc)."""
    view, provenance = analysis.view(by), analysis.provenance
    if a.strip().lower() == INTERNET:
        return internet_path(
            view,
            provenance,
            analysis.resolve(b, namespace),
            ports=ports,
            port_text=port_text,
            same_port=same_port,
            max_hops=max_hops,
            all_paths=all_paths,
        )
    src, dst = analysis.resolve(a, namespace), analysis.resolve(b, namespace)
    ask = service_path if dst.service else find_path
    return ask(
        view,
        provenance,
        src,
        dst,
        ports=ports,
        same_port=same_port,
        max_hops=max_hops,
        all_paths=all_paths,
        port_text=port_text,
    )


def drawable(result: AnyPath) -> PathResult:
    """The path a picture of ``result`` draws: a Service's first backend's, or from the
    internet the path on from the workload entered."""
    if isinstance(result, ServicePathResult):
        return result.first
    if isinstance(result, InternetPathResult):
        if result.path is None:
            raise ReachError("the path from the internet enters its destination directly")
        return result.path
    return result
