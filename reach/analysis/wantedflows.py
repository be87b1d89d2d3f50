"""The connections observed flows want, for ``reach generate --flows``: each flow's
source pods' units to its destination pods' units (or the outside address it names),
on its protocol and port; the count of flows each serves, for the comments."""

from __future__ import annotations

from dataclasses import dataclass, field

from reach.analysis.flowcheck import unchecked
from reach.analysis.flowmatch import Matched, Matcher
from reach.analysis.units import End, Unit, Wanted
from reach.engine.reachability import Reachability
from reach.input.flows import FlowFile
from reach.model.ports import PortSet
from reach.words import count


@dataclass
class FromFlows:
    wanted: Wanted = field(default_factory=dict)
    notes: dict[tuple[End, End], str] = field(default_factory=dict)
    #: Flows that want nothing reach can write (unmatched ends, pseudo nodes, ICMP).
    skipped: list[str] = field(default_factory=list)


def wanted_from_flows(reachability: Reachability, found: list[Unit], flows: FlowFile) -> FromFlows:
    unit_of = {int(p): i for i, u in enumerate(found) for p in u.pods.tolist()}
    matcher = Matcher(reachability)
    out = FromFlows()
    counts: dict[tuple[End, End], int] = {}
    for flow in flows.flows:
        src, dst = matcher.match(flow.src), matcher.match(flow.dst)
        why = unchecked(flow, src, dst)  # as flows check says it
        ends = [_ends(e, unit_of) for e in (src, dst)]
        if why is None and not (ends[0] and ends[1]):
            why = "a pseudo node: no NetworkPolicy peer names it"
        if why is not None:
            out.skipped.append(f"{flow.origin}: {flow.src} => {flow.dst} {flow.protocol}: {why}")
            continue
        ports = PortSet.of(flow.protocol, flow.port, flow.port)
        for a in ends[0]:
            for b in ends[1]:
                if isinstance(a, int) or isinstance(b, int):
                    key = (a, b)
                    out.wanted[key] = out.wanted.get(key, PortSet.empty()) | ports
                    counts[key] = counts.get(key, 0) + flow.count
    out.notes = {k: f"{count(n, 'observed flow', thousands=True)}" for k, n in counts.items()}
    return out


def _ends(end: Matched | str, unit_of: dict[int, int]) -> list[End]:
    if isinstance(end, str):
        return []
    if end.internal:
        return sorted({unit_of[int(p)] for p in end.pods.tolist()})
    return [end.address] if end.address is not None else []
