"""``reach blast-radius X`` and ``reach exposure X`` as asked: the reference resolved (a
Service stands for its backends on the ports it sends to), the hop search of
:mod:`reach.analysis.radius`, for exposure the entry points from the internet
(:mod:`reach.analysis.entryexposure`), and with ``potential`` the pods that do not exist yet
(:mod:`reach.analysis.potential`)."""

from __future__ import annotations

from reach.analysis.compiled import Analysis
from reach.analysis.entryexposure import entry_routes
from reach.analysis.potential import potential_peers
from reach.analysis.radius import Radius, radius
from reach.analysis.services import backend_filter
from reach.errors import ReachError
from reach.model.ports import PortSet


def ask_radius(
    analysis: Analysis,
    ref: str,
    *,
    backward: bool,
    ports: PortSet | None = None,
    port_text: str | None = None,
    max_hops: int | None = None,
    by: str = "workload",
    namespace: str | None = None,
    potential: bool = False,
) -> Radius:
    """Blast radius (forward) or exposure (``backward``) of the node ``ref`` names."""
    target = analysis.resolve(ref, namespace)
    if target.service is not None:  # a Service: its backends, on the ports it sends to
        ports = backend_filter(analysis.cluster, target.service, ports)
        port_text = port_text or str(ports)
    if potential and target.external:
        raise ReachError(
            f"potential peers are pods that may be added to the cluster; {target.label} "
            f"is {'a peer' if target.pseudo is not None else 'an address'} outside it "
            "(ask about a node of the cluster)"
        )
    view = analysis.view(by)
    found = radius(
        view,
        target,
        backward=backward,
        ports=ports,
        max_hops=max_hops,
        port_text=port_text,
    )
    if backward and not target.external and found.pod_hops is not None:
        found.entry_routes = entry_routes(view, target.pods, found.pod_hops, found.target, ports)
    if potential:
        reachability = analysis.reachability
        direction = "ingress" if backward else "egress"
        classes = target.classes(reachability)
        found.potential = potential_peers(reachability, classes, direction, ports)
    return found
