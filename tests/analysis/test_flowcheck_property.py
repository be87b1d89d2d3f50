"""``reach flows check`` against a slow, straightforward computation on random clusters.

The check decides all groups of flows at once (one vectorised lookup of every class
pair, the port as one atom's bit), names the rules without the tier walk when only
NetworkPolicies decide, and subtracts observed ports from the allowed ones with arrays
and a shortcut for single ports. The reference here does each group one pair at a time
with port-set algebra and ``reach explain``'s tier walk, and the over-permissive list
from the connection list, as the first version of the check did: every verdict, every
reason, every change verdict and every over-permissive entry (in order) must be the
same, on NetworkPolicy clusters and on clusters with admin policies.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import reach
from reach.analysis.flowcheck import FlowCheck, unchecked
from reach.analysis.flowmatch import Matched, Matcher
from reach.analysis.flowpermissive import PairList
from reach.analysis.flowverdicts import allowed_by
from reach.api.facade import Reach
from reach.engine.provenance import Provenance
from reach.input.flows import FlowFile
from reach.model.defaultdeny import with_default_deny
from reach.model.flows import FlowEnd, ObservedFlow
from reach.model.ports import PortSet
from tests.agreement import agreement_settings
from tests.engine.test_admin_vs_reference import admin_clusters
from tests.reference import Obj
from tests.strategies import RULE_PORT_NUMBERS, clusters

OUTSIDE = ["8.8.8.8", "10.1.2.3", "192.168.0.7"]
#: Ends of several pods, often of several classes: the pair that decides is looked for.
SELECTED = ["tier=web", "tier=db", "app=a", "app=b"]
PORTS = sorted({*RULE_PORT_NUMBERS, 2, 444, 8081, 65534})

Verdict = tuple[bool, str]


def _flows(draw: st.DrawFn, r: Reach) -> FlowFile:
    """Flows between the cluster's workloads, pods picked by a label and a few outside
    addresses, on ports at and around the rules' boundaries, some of them repeated."""
    view = r.analysis.view("workload")
    ends = [n.id for n in view.nodes if n.type == "workload"] + SELECTED + OUTSIDE
    flows = []
    for i in range(draw(st.integers(0, 25))):
        src, dst = draw(st.sampled_from(ends)), draw(st.sampled_from(ends))
        protocol = draw(st.sampled_from(["TCP", "TCP", "UDP", "SCTP"]))
        port = draw(st.sampled_from(PORTS))
        flows.append(
            ObservedFlow(FlowEnd(ref=src), FlowEnd(ref=dst), protocol, port, f"t:{i}", 1 + i % 3)
        )
    return FlowFile(flows)


def _verdict(r: Reach, src: Matched, dst: Matched, want: PortSet) -> Verdict:
    """One group, one class pair at a time, with the tier walk: the first version."""
    provenance, reachability = Provenance(r.reachability), r.reachability
    same = len(src.pods) == 1 and len(dst.pods) == 1 and int(src.pods[0]) == int(dst.pods[0])
    pairs = [
        (s, d) for s in src.classes.tolist() for d in dst.classes.tolist() if not (s == d and same)
    ]
    if not pairs:
        return False, "the only pod of the source is the destination"
    for s, d in pairs:
        if want.issubset(reachability.ports(s, d)):
            return True, allowed_by(provenance.explain(s, d, "A", "B"), want)
    s, d = pairs[0]
    allowed = reachability.ports(s, d)
    if not allowed.is_empty():
        return False, f"only {allowed} allowed"
    reason = provenance.explain(s, d, "\x00src\x00", "\x00dst\x00").reason()
    return False, reason.replace("\x00src\x00", src.node).replace("\x00dst\x00", dst.node)


def _expected(r: Reach, after: Reach, flows: FlowFile) -> tuple[list[tuple[object, ...]], list]:
    """The checked groups (with their verdicts now and after the change) and the
    over-permissive entries, computed the slow way."""
    now, later = Matcher(r.reachability), Matcher(after.reachability)
    groups: dict[tuple[str, str, str, int], ObservedFlow] = {}
    counts: dict[tuple[str, str, str, int], int] = {}
    for flow in flows.flows:
        src, dst = now.match(flow.src), now.match(flow.dst)
        if unchecked(flow, src, dst) is None:
            assert isinstance(src, Matched) and isinstance(dst, Matched)
            key = (src.node, dst.node, flow.protocol, flow.port)
            groups.setdefault(key, flow)
            counts[key] = counts.get(key, 0) + flow.count
    checked = []
    for key in sorted(groups):
        flow, want = groups[key], PortSet.of(key[2], key[3], key[3])
        src, dst = now.match(flow.src), now.match(flow.dst)
        assert isinstance(src, Matched) and isinstance(dst, Matched)
        src2, dst2 = later.match(flow.src), later.match(flow.dst)
        assert isinstance(src2, Matched) and isinstance(dst2, Matched)
        checked.append(
            (
                *key,
                counts[key],
                flow.origin,
                *_verdict(r, src, dst, want),
                *_verdict(after, src2, dst2, want),
            )
        )
    used: dict[tuple[str, str], PortSet] = {}
    for src_id, dst_id, protocol, port, *_ in checked:
        pair = (str(src_id), str(dst_id))
        used[pair] = used.get(pair, PortSet.empty()) | PortSet.of(str(protocol), int(port))
    view = r.analysis.view("workload")
    workload = {n.id for n in view.nodes if n.type == "workload"}
    permissive = []
    for a, b, i in view.edges():
        pair = (view.nodes[a].id, view.nodes[b].id)
        if pair[0] in workload and pair[1] in workload:
            rest = r.reachability.atoms.portsets[i] - used.get(pair, PortSet.empty())
            if not rest.is_empty():
                permissive.append((*pair, rest, pair in used))
    return checked, permissive


def _compare(objects: list[Obj], data: st.DataObject) -> None:
    r = reach.from_objects(objects)
    flows = _flows(data.draw, r)
    after = Reach(with_default_deny(r.cluster))
    result: FlowCheck = reach.check_flows(r, flows, default_deny=True)
    checked, permissive = _expected(r, after, flows)
    got = [
        (
            f.src,
            f.dst,
            f.protocol,
            f.port,
            f.count,
            f.origin,
            f.allowed,
            f.because,
            f.after,
            f.after_because,
        )
        for f in result.flows
    ]
    assert got == checked
    assert [(o.src, o.dst, o.ports, o.observed) for o in result.over_permissive] == permissive
    connections = {
        (c.src.id, c.dst.id): c.ports
        for c in r.connections()
        if c.src.type == c.dst.type == "workload"
    }
    for o in result.over_permissive:
        assert o.ports.issubset(connections[(o.src, o.dst)])


@agreement_settings(80)
@given(clusters(), st.data())
def test_the_check_is_the_straightforward_computation_on_networkpolicy_clusters(
    objects: list[Obj], data: st.DataObject
) -> None:
    _compare(objects, data)


@agreement_settings(60)
@given(admin_clusters(), st.data())
def test_the_check_is_the_straightforward_computation_with_admin_policies(
    objects: list[Obj], data: st.DataObject
) -> None:
    _compare(objects, data)


def test_the_over_permissive_pairs_read_as_a_list() -> None:
    """Entries made on reading: indexing, negative indexing, slices and iteration agree."""
    r = reach.from_objects(
        {
            "kind": "Deployment",
            "metadata": {"name": n, "namespace": "a"},
            "spec": {"template": {"metadata": {"labels": {"app": n}}}},
        }
        for n in ("x", "y", "z")
    )
    result = reach.check_flows(
        r, FlowFile([ObservedFlow(FlowEnd(ref="a/x"), FlowEnd(ref="a/y"), "TCP", 80, "t:1")])
    )
    pairs = result.over_permissive
    assert isinstance(pairs, PairList)
    every = list(pairs)
    assert len(every) == len(pairs) == 6  # every ordered pair of the three workloads
    assert pairs[-1] == every[-1] and pairs[1:3] == every[1:3] and pairs[::-1] == every[::-1]
    first = next(o for o in every if (o.src, o.dst) == ("a/x[Deployment]", "a/y[Deployment]"))
    assert first.observed and first.ports == PortSet.all() - PortSet.of("TCP", 80)
    assert str(first.ports) == "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"
    assert not any(o.observed for o in every if o is not first)
