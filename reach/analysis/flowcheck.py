"""``reach flows check``: each observed flow against the policies, the flows a change
would break, and the connections the policies allow that were never observed.

Flows are grouped by the nodes their ends match (workloads, addresses, pseudo nodes;
:mod:`reach.analysis.flowmatch`), protocol and destination port. A group is allowed
when some pod of its source may open a connection on that port to some other pod of
its destination (the engine's answer, named by rule as ``reach explain`` names it).
Over-permissive connections are compared between workloads (both ends pods): the
allowed ports of each workload pair that no flow used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from reach.analysis.display import NotebookHtml
from reach.analysis.flowmatch import Matched, Matcher
from reach.analysis.flowpermissive import OverPermissive, over_permissive
from reach.analysis.flowverdicts import EXPLAINED, Ask, Verdicts
from reach.analysis.views import View
from reach.engine.provenance import Provenance
from reach.engine.reachability import Reachability
from reach.input.flows import FlowFile
from reach.model.flows import FlowEnd, ObservedFlow
from reach.model.ports import PROTOCOLS
from reach.words import count

#: Longest list of over-permissive pairs and unmatched ends the text shows.
SHOWN = 50


@dataclass
class CheckedFlow:
    """One group of observed flows and what the policies say of it (``after``: under the
    change checked with it, None without one)."""

    src: str
    dst: str
    protocol: str
    port: int
    count: int
    verdicts: tuple[str, ...]
    origin: str
    allowed: bool
    because: str
    after: bool | None = None
    after_because: str = ""

    @property
    def what(self) -> str:
        return f"{self.src} => {self.dst} : {self.protocol} {self.port}"

    def to_dict(self) -> dict[str, object]:
        return {
            "src": self.src,
            "dst": self.dst,
            "protocol": self.protocol,
            "port": self.port,
            "count": self.count,
            "observed": list(self.verdicts),
            "first_seen": self.origin,
            "allowed": self.allowed,
            "because": self.because,
            "after_change": self.after,
            "after_because": self.after_because,
        }


@dataclass
class Unmatched:
    """Flows whose end matched nothing in the model (or that reach cannot check)."""

    src: str
    dst: str
    what: str
    reason: str
    count: int
    origin: str

    def to_dict(self) -> dict[str, object]:
        return {
            "src": self.src,
            "dst": self.dst,
            "flow": self.what,
            "reason": self.reason,
            "count": self.count,
            "first_seen": self.origin,
        }


@dataclass
class FlowCheck(NotebookHtml):
    """The answer of ``reach flows check``; in a notebook, its sections as tables."""

    source: str
    flows: list[CheckedFlow] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    over_permissive: Sequence[OverPermissive] = field(default_factory=list)
    change: str = ""  #: what the ``after`` columns checked ("" without a change)
    notes: list[str] = field(default_factory=list)  #: what was read but not checked

    @property
    def dropped(self) -> list[CheckedFlow]:
        """Observed flows the current policies do not allow."""
        return [f for f in self.flows if not f.allowed]

    @property
    def broken(self) -> list[CheckedFlow]:
        """Observed flows allowed today that the change would drop."""
        return [f for f in self.flows if f.allowed and f.after is False]

    @property
    def passing(self) -> list[CheckedFlow]:
        """Observed flows allowed today (and under the change, when one is checked)."""
        return [f for f in self.flows if f.allowed and f.after is not False]

    @property
    def headline(self) -> str:
        """``reach flows check: 9 observed connections from FILE: 8 allowed, 1 dropped``."""
        allowed = sum(f.allowed for f in self.flows)
        head = (
            f"reach flows check: {count(len(self.flows), 'observed connection')} from "
            f"{self.source}: {allowed} allowed, {len(self.dropped)} dropped"
        )
        if self.change:
            head += f"; {len(self.broken)} broken by {self.change}"
        return head

    @property
    def failed(self) -> bool:
        """Exit 1: some observed flow is dropped today or by the change."""
        return bool(self.dropped or self.broken)

    def to_dict(self) -> dict[str, object]:
        return {
            "schema": "reach/flows-check/v1",
            "flows_file": self.source,
            "change": self.change or None,
            "summary": {
                "flows": len(self.flows),
                "allowed": sum(f.allowed for f in self.flows),
                "dropped": len(self.dropped),
                "broken_by_change": len(self.broken),
                "unmatched": len(self.unmatched),
                "over_permissive_pairs": len(self.over_permissive),
            },
            "flows": [f.to_dict() for f in self.flows],
            "unmatched": [u.to_dict() for u in self.unmatched],
            "over_permissive": [o.to_dict() for o in self.over_permissive],
            "not_checked": self.notes,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }

    def __str__(self) -> str:
        return "\n".join(_lines(self))

    def __repr__(self) -> str:  # a notebook's plain text: not every flow and pair
        return f"<FlowCheck: {self.headline}>"


def check_flows(
    view: View,
    flows: FlowFile,
    source: str,
    after: Reachability | None = None,
    change: str = "",
) -> FlowCheck:
    """Check ``flows`` against ``view``'s reachability (and against ``after``, the
    reachability under a change, when given)."""
    reachability = view.reachability
    result = FlowCheck(source, change=change if after is not None else "")
    groups, unmatched = _group(Matcher(reachability), flows.flows)
    result.unmatched = unmatched
    now = Verdicts(Provenance(reachability))
    ordered = [(key, groups[key]) for key in sorted(groups)]
    decided = now.decide([(m[0][1], m[0][2], key[2], key[3]) for key, m in ordered])
    for ((src, dst, protocol, port), members), (allowed, because) in zip(
        ordered, decided, strict=True
    ):
        first = members[0][0]
        seen: tuple[str, ...]
        if len(members) == 1:  # most groups: no sum, no set
            total, seen = first.count, (first.verdict,) if first.verdict else ()
        else:
            total = sum(flow.count for flow, _, _ in members)
            seen = tuple(sorted({flow.verdict for flow, _, _ in members if flow.verdict}))
        result.flows.append(
            CheckedFlow(src, dst, protocol, port, total, seen, first.origin, allowed, because)
        )
    later = None
    if after is not None:
        later = Verdicts(Provenance(after))
        _after(Matcher(after), later, [m[0][0] for _, m in ordered], result.flows)
    result.over_permissive = over_permissive(
        view, ((f.src, f.dst, f.protocol, f.port) for f in result.flows)
    )
    result.notes = _not_checked(flows)
    for verdicts in (now, *([later] if later else [])):
        if verdicts.unexplained:
            result.notes.append(
                f"the reason of {count(verdicts.unexplained, 'dropped connection', thousands=True)}"
                f" (past the first {EXPLAINED:,} pairs explained): 'reach explain SRC DST' "
                "gives it"
            )
    return result


_Group = list[tuple[ObservedFlow, Matched, Matched]]


def _group(
    matcher: Matcher, flows: Iterable[ObservedFlow]
) -> tuple[dict[tuple[str, str, str, int], _Group], list[Unmatched]]:
    groups: dict[tuple[str, str, str, int], _Group] = {}
    missing: dict[tuple[str, str, str, str], Unmatched] = {}
    # Ends by identity first (a CSV's flows share them): no dataclass hash per flow.
    known: dict[int, tuple[FlowEnd, Matched | str]] = {}
    for flow in flows:
        ends = []
        for end in (flow.src, flow.dst):
            hit = known.get(id(end))
            if hit is None or hit[0] is not end:
                hit = known[id(end)] = (end, matcher.match(end))
            ends.append(hit[1])
        src, dst = ends
        reason = unchecked(flow, src, dst)
        if reason is not None or not isinstance(src, Matched) or not isinstance(dst, Matched):
            what = f"{flow.protocol} {flow.port}" if flow.port else flow.protocol
            key = (str(flow.src), str(flow.dst), what, reason or "")
            if key in missing:
                missing[key].count += flow.count
            else:
                missing[key] = Unmatched(*key[:3], reason or "", flow.count, flow.origin)
            continue
        groups.setdefault((src.node, dst.node, flow.protocol, flow.port), []).append(
            (flow, src, dst)
        )
    return groups, sorted(missing.values(), key=lambda u: (u.src, u.dst, u.what, u.reason))


def unchecked(flow: ObservedFlow, src: Matched | str, dst: Matched | str) -> str | None:
    """Why the flow cannot be checked (None: it can)."""
    if isinstance(src, str):
        return f"source: {src}"
    if isinstance(dst, str):
        return f"destination: {dst}"
    if flow.protocol not in PROTOCOLS:
        return f"{flow.protocol}: reach checks TCP, UDP and SCTP connections"
    if not flow.port:
        return "no destination port"
    if not src.internal and not dst.internal:
        return "neither end is in the cluster"
    return None


def _after(
    matcher: Matcher, verdicts: Verdicts, firsts: list[ObservedFlow], checked: list[CheckedFlow]
) -> None:
    """Set each checked group's verdict under the change (its first flow matched again
    in the changed cluster)."""
    asks: list[Ask] = []
    where: list[CheckedFlow] = []
    for flow, f in zip(firsts, checked, strict=True):
        src, dst = matcher.match(flow.src), matcher.match(flow.dst)
        if not isinstance(src, Matched) or not isinstance(dst, Matched):
            f.after = False
            f.after_because = f"no longer matched: {src if isinstance(src, str) else dst}"
            continue
        asks.append((src, dst, f.protocol, f.port))
        where.append(f)
    for f, (allowed, because) in zip(where, verdicts.decide(asks), strict=True):
        f.after, f.after_because = allowed, because


def _not_checked(flows: FlowFile) -> list[str]:
    notes = []
    if flows.replies:
        notes.append(
            f"{count(flows.replies, 'reply', thousands=True)} (the other half of a connection)"
        )
    if flows.not_flows:
        notes.append(f"{count(flows.not_flows, 'line', thousands=True)} of other Hubble responses")
    if flows.no_l4:
        notes.append(
            f"{count(len(flows.no_l4), 'flow', thousands=True)} without an L4 protocol "
            f"(first: {flows.no_l4[0]})"
        )
    for problem in flows.invalid:
        notes.append(f"invalid line left out: {problem}")
    return notes


def _lines(result: FlowCheck) -> list[str]:
    lines = [result.headline]
    for title, flows in (
        ("Dropped by the current policies", result.dropped),
        (f"Broken by {result.change}", result.broken),
    ):
        if flows:
            lines += ["", f"{title} ({len(flows)}):"]
            for f in flows:
                why = f.because if title.startswith("Dropped") else f.after_because
                lines.append(f"  {f.what}  ({_flows(f.count)}; first {f.origin})")
                lines.append(f"      {why}")
    ok = result.passing
    if ok:
        lines += ["", f"Allowed ({len(ok)}):"]
        lines += [f"  {f.what}  ({_flows(f.count)})  {f.because}" for f in ok]
    if result.unmatched:
        lines += ["", f"Not matched to the model ({len(result.unmatched)}; not checked):"]
        for u in result.unmatched[:SHOWN]:
            lines.append(f"  {u.src} => {u.dst} : {u.what}  ({_flows(u.count)}; first {u.origin})")
            lines.append(f"      {u.reason}")
        if len(result.unmatched) > SHOWN:
            lines.append(
                f"  ... and {len(result.unmatched) - SHOWN} more (--format json lists all)"
            )
    if result.over_permissive:
        lines += [
            "",
            "Allowed but never observed, between workloads "
            f"({len(result.over_permissive)} pairs; addresses and pseudo nodes not compared):",
        ]
        for o in result.over_permissive[:SHOWN]:
            tag = "" if o.observed else "  [pair never observed]"
            lines.append(f"  {o.src} => {o.dst} : {o.ports}{tag}")
        if len(result.over_permissive) > SHOWN:
            lines.append(
                f"  ... and {len(result.over_permissive) - SHOWN} more (--format json lists all)"
            )
    if result.notes:
        lines += ["", "Read but not checked:"] + [f"  {n}" for n in result.notes]
    return lines


def _flows(n: int) -> str:
    return count(n, "flow", thousands=True)
