"""What generated policies can tell apart: pods grouped by namespace and labels.

A NetworkPolicy selects pods by their labels alone, so pods of one namespace with the
same labels are one *unit*: any set of NetworkPolicies treats them alike. A unit is
named after its workload (``web/frontend[Deployment]``), or its workloads when pods of
several share their labels. The connections a unit may open (``Wanted``) are per unit
pair and per outside address range, with their ports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reach.engine.arrays import IntVec
from reach.engine.reachability import Reachability
from reach.model.ipspace import IPRange
from reach.model.ports import PortSet


@dataclass(frozen=True)
class Unit:
    """Pods of one namespace with one label set."""

    namespace: str
    labels: tuple[tuple[str, str], ...]
    pods: IntVec = field(compare=False, hash=False)
    name: str = field(compare=False)  #: its workload(s), as ``reach list`` names them

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


#: (source, destination): a unit's index, or an outside range.
End = int | IPRange
#: The ports wanted from each source to each destination (absent: none).
Wanted = dict[tuple[End, End], PortSet]


def units(reachability: Reachability) -> list[Unit]:
    """The units of the pods, in namespace and label order."""
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[int]] = {}
    for i, pod in enumerate(reachability.pods):
        groups.setdefault((pod.namespace, pod.labels), []).append(i)
    out = []
    for (namespace, labels), pods in sorted(groups.items()):
        owners = sorted(dict.fromkeys(str(reachability.pods[i].owner) for i in pods))
        out.append(Unit(namespace, labels, np.array(pods, dtype=np.intp), " + ".join(owners)))
    return out


def current(reachability: Reachability, found: list[Unit]) -> Wanted:
    """Today's connections between units, and between units and outside ranges: from
    each pod's class (two different pods for a unit to itself)."""
    out: Wanted = {}
    n = reachability.n_internal
    classes = [np.unique(reachability.pod_class[u.pods]) for u in found]
    for a, ua in enumerate(found):
        for b in range(len(found)):
            if a == b and len(ua.pods) < 2:
                continue
            ports = _union(reachability, classes[a], classes[b])
            if ports:
                out[(a, b)] = ports
        for k, segment in enumerate(reachability.segments):
            ext = np.array([n + k], dtype=np.intp)
            for key, ports in (
                ((a, segment), _union(reachability, classes[a], ext)),
                ((segment, a), _union(reachability, ext, classes[a])),
            ):
                if ports:
                    out[key] = ports
    return out


def _union(reachability: Reachability, src: IntVec, dst: IntVec) -> PortSet:
    out = PortSet.empty()
    for s in src.tolist():
        for d in dst.tolist():
            out |= reachability.ports(s, d)
    return out
