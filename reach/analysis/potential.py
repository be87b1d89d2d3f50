"""``--potential`` of ``reach exposure X`` and ``reach blast-radius X``: the pods that do not
exist yet and that X may be reached from (exposure) or may reach (blast radius), one hop.

They are the representative peers of the exposure section (docs/queries.md,
"Representatives"): computed from :func:`~reach.engine.exposure.representative_sides`
on X's classes, never by enumerating pods. Exposure reads X's ingress side, blast
radius its egress side; only X's side is known (a pod added later brings policies
nobody has written yet, and these can only take connections away). Unlike the
section, a representative that a pod of the input matches is kept: it also stands
for the pods that may be added like it.
"""

from __future__ import annotations

from dataclasses import dataclass

from reach.analysis.exposure_section import picked_for
from reach.analysis.exposure_text import conns_text, peer_text
from reach.engine.arrays import IntVec
from reach.engine.exposure import NamedPort, RepresentativeSides, representative_sides
from reach.engine.reachability import Reachability
from reach.engine.representatives import Representative
from reach.model.ports import PortSet
from reach.model.selectors import LabelSelector, Requirement


@dataclass(frozen=True, slots=True)
class PotentialPeer:
    """Pods that ``representative`` stands for, with the ports X's side allows with them:
    ``direction`` "ingress" (they may reach X) or "egress" (X may reach them)."""

    representative: Representative
    direction: str
    ports: PortSet
    named: tuple[NamedPort, ...] = ()

    @property
    def peer(self) -> str:
        """The peer in the grammar of ``list --exposure``."""
        return peer_text(self.representative)

    @property
    def conns(self) -> str:
        return conns_text(self.ports, self.named)

    @property
    def description(self) -> str:
        return describe(self.representative)

    def __str__(self) -> str:
        return f"{self.description} : {self.conns}"

    def to_dict(self) -> dict[str, object]:
        rep = self.representative
        out: dict[str, object] = {
            "peer": self.peer,
            "peerType": "entire-cluster" if rep.entire_cluster else "representative",
            "description": self.description,
            "direction": self.direction,
            "all": self.ports.is_all(),
            "ports": self.ports.to_json(),
            "namedPorts": [{"protocol": p or None, "name": n} for p, n in self.named],
            "text": self.conns,
        }
        if not rep.entire_cluster:
            out["namespace"] = rep.namespace
            out["namespaceSelector"] = None if rep.namespace else str(rep.namespace_selector)
            out["podSelector"] = str(rep.pod_selector)
        return out


def describe(rep: Representative) -> str:
    """``any pod that may later match app=x in namespaces labelled team=y`` and the like
    (selectors in kubectl's syntax)."""
    pods = (
        "any pod that may later run"
        if rep.pod_selector.is_empty()
        else f"any pod that may later match {kubectl_text(rep.pod_selector)}"
    )
    if rep.namespace is not None:
        return f"{pods} in namespace {rep.namespace}"
    if rep.namespace_selector.is_empty():
        return f"{pods} in any namespace"
    return f"{pods} in namespaces labelled {kubectl_text(rep.namespace_selector)}"


def kubectl_text(selector: LabelSelector) -> str:
    """The selector as ``kubectl -l`` reads it: ``app=x,tier in (a,b),!legacy``."""
    return ",".join(_kubectl(r) for r in selector.requirements)


def _kubectl(req: Requirement) -> str:
    values = ",".join(sorted(req.values))
    if req.operator == "In":
        return f"{req.key}={values}" if len(req.values) == 1 else f"{req.key} in ({values})"
    if req.operator == "NotIn":
        return f"{req.key} notin ({values})"
    return req.key if req.operator == "Exists" else f"!{req.key}"


def potential_peers(
    reachability: Reachability,
    classes: IntVec,
    direction: str,
    ports: PortSet | None = None,
    sides: RepresentativeSides | None = None,
) -> list[PotentialPeer]:
    """The representative peers of the node made of ``classes`` in ``direction`` ("ingress":
    who may reach it; "egress": whom it may reach), entire cluster first.

    With ``ports``, each line keeps the ports of the filter; a line left with none is
    dropped (named ports toward a representative are kept: they may resolve to any
    number).
    """
    sides = sides or representative_sides(reachability)
    portsets = reachability.atoms.portsets
    out = []
    for rep, ports_id, names in picked_for(reachability, sides, classes, direction):
        got = portsets[ports_id]
        if ports is not None:
            got = got & ports
            if got.is_empty() and not names:
                continue
        out.append(PotentialPeer(rep, direction, got, tuple(sorted(names))))
    return sorted(out, key=lambda p: p.representative.sort_key())
