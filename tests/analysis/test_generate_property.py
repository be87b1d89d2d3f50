"""``reach generate`` against the brute-force reference (tests/reference.py), pod pair
by pod pair: the generated NetworkPolicies allow exactly what was wanted.

1. Random clusters and random wanted sets (unit pairs, and units with outside ranges,
   with ports): every ordered pod pair and every probe address, on every probe port of
   every protocol, is allowed by the reference evaluating the generated policies exactly
   when the wanted set says so.
2. Generating from today's connections on random clusters reproduces them exactly (when
   every unit's pods behave alike, which labels alone cannot otherwise express), with at
   most one policy per namespace plus one per workload.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

import reach
from reach.analysis.units import End, Unit, Wanted, units
from reach.model.ipspace import IPRange
from reach.model.ports import PROTOCOLS, PortSet
from tests.agreement import agreement_settings, of_kind, probe_ips, probe_ports
from tests.reference import Endpoint, Obj, Reference
from tests.strategies import clusters

RANGES = ["10.0.0.0/8", "10.1.0.0/16", "8.8.8.8/32", "0.0.0.0/0", "192.168.0.0/24"]


def _without_policies(objects: list[Obj]) -> list[Obj]:
    return [o for o in objects if o.get("kind") != "NetworkPolicy"]


@st.composite
def port_sets(draw: st.DrawFn) -> PortSet:
    out = PortSet.empty()
    for _ in range(draw(st.integers(1, 3))):
        protocol = draw(st.sampled_from(PROTOCOLS))
        lo = draw(st.sampled_from([1, 53, 80, 443, 8080, 65535]))
        hi = draw(st.sampled_from([lo, lo, min(lo + 10, 65535), 65535]))
        out |= PortSet.of(protocol, lo, hi)
    return out if draw(st.integers(0, 5)) else PortSet.all()


@st.composite
def wanted_sets(draw: st.DrawFn, found: list[Unit]) -> Wanted:
    out: Wanted = {}
    pairs = [
        (a, b)
        for a in range(len(found))
        for b in range(len(found))
        if a != b or len(found[a].pods) > 1
    ]
    for pair in draw(st.lists(st.sampled_from(pairs), max_size=6, unique=True)) if pairs else []:
        out[pair] = draw(port_sets())
    for _ in range(draw(st.integers(0, 2))):
        unit = draw(st.integers(0, len(found) - 1))
        r = IPRange.of_network(ipaddress.ip_network(draw(st.sampled_from(RANGES))))
        key: tuple[End, End] = (unit, r) if draw(st.booleans()) else (r, unit)
        if not any(_same_side(k, key) for k in out):  # ranges of one side never overlap
            out[key] = draw(port_sets())
    return out


def _same_side(k: tuple[End, End], key: tuple[End, End]) -> bool:
    """Both keys hold the same unit on the same side and overlapping ranges."""
    if isinstance(k[0], IPRange) != isinstance(key[0], IPRange):
        return False
    (a, u), (b, v) = (
        ((k[0], k[1]), (key[0], key[1]))
        if isinstance(key[0], IPRange)
        else ((k[1], k[0]), (key[1], key[0]))
    )
    return u == v and isinstance(a, IPRange) and isinstance(b, IPRange) and a.overlaps(b)


def _wanted_ports(wanted: Wanted, src: object, dst: object) -> PortSet:
    """What ``wanted`` says of a pod pair (units) or a pod and an address (an IPRange of
    one address)."""
    for (a, b), ports in wanted.items():
        if a == src and b == dst:
            return ports
        if isinstance(a, IPRange) and isinstance(src, IPRange) and b == dst and a.contains(src):
            return ports
        if isinstance(b, IPRange) and isinstance(dst, IPRange) and a == src and b.contains(dst):
            return ports
    return PortSet.empty()


def _check(
    objects: list[Obj],
    generated: list[Obj],
    found: list[Unit],
    wanted: Wanted,
    r: reach.Reach,
    keep: bool = False,
) -> None:
    """The reference, evaluating ``generated`` in place of the policies of ``objects``
    (beside them when ``keep``), allows exactly ``wanted`` on every probe."""
    ref = Reference([*(objects if keep else _without_policies(objects)), *generated])
    judge(ref.allowed, ref, [*objects, *generated], found, wanted, r)


def judge(
    allowed: Callable[[Endpoint, Endpoint, str, int], bool],
    ref: Reference,
    objects: list[Obj],
    found: list[Unit],
    wanted: Wanted,
    r: reach.Reach,
) -> None:
    """``allowed`` (a reference's answer) is exactly ``wanted`` on every probe of ``ref``'s
    pods and ``objects``' addresses and ports."""
    unit_of = {}
    for i, u in enumerate(found):
        for p in u.pods.tolist():
            pod = r.reachability.pods[p]
            unit_of[(pod.namespace, pod.name)] = i
    for src, dst, protocol, port in _probes(ref, objects):
        ends = [
            unit_of[e] if isinstance(e, tuple) else IPRange.of_network(ipaddress.ip_network(e))
            for e in (src, dst)
        ]
        want = _wanted_ports(wanted, *ends).contains(protocol, port)
        assert allowed(src, dst, protocol, port) == want, (src, dst, protocol, port)


def _probes(ref: Reference, objects: list[Obj]) -> Iterator[tuple[Endpoint, Endpoint, str, int]]:
    """Every ordered pair of two pods, or of a pod and a probe address (both ways), on
    every protocol and probe port."""
    ports = probe_ports(objects)
    for p in ref.pods:
        for q in [*ref.pods, *probe_ips(objects)]:
            if p == q:
                continue
            for src, dst in [(p, q)] if isinstance(q, tuple) else [(p, q), (q, p)]:
                for protocol in PROTOCOLS:
                    for port in ports:
                        yield src, dst, protocol, port


@agreement_settings(40)
@given(st.data())
def test_generated_policies_allow_exactly_the_wanted_set(data: st.DataObject) -> None:
    objects = _without_policies(data.draw(clusters()))
    r = reach.from_objects(objects)
    found = units(r.reachability)
    wanted = data.draw(wanted_sets(found))
    from reach.analysis import genpeers
    from reach.analysis.generate import generate

    # peers merge from this many on (In, NotIn): small clusters need it low to merge
    group_at = data.draw(st.sampled_from([1, 2, genpeers.GROUP_AT]))
    default, genpeers.GROUP_AT = genpeers.GROUP_AT, group_at
    try:
        generated = generate(found, wanted).policies
    finally:
        genpeers.GROUP_AT = default
    _check(objects, generated, found, wanted, r)
    # verification's model of the policies is what the reader makes of them
    from reach.analysis.genmodel import to_model
    from reach.input.netpol import parse_network_policy

    read = [parse_network_policy(p, f"(generated)#{i}") for i, p in enumerate(generated, 1)]
    assert to_model(generated) == read


@agreement_settings(40)
@given(clusters())
def test_generating_from_today_reproduces_it(objects: list[Obj]) -> None:
    r = reach.from_objects(objects)
    found = units(r.reachability)
    pod_class = r.reachability.pod_class
    assume(all(len(np.unique(pod_class[u.pods])) == 1 for u in found))
    result = reach.generate(r)
    assert result.verification.ok, [str(m) for m in result.verification.mismatches]
    workloads = {str(p.owner) for p in r.reachability.pods}
    namespaces = {p.namespace for p in r.reachability.pods}
    assert len(result.generated.policies) <= len(namespaces) + len(workloads)
    ref_before = Reference(objects)
    ref_after = Reference([*_without_policies(objects), *result.generated.policies])
    for src, dst, protocol, port in _probes(ref_before, [*objects, *result.generated.policies]):
        before = ref_before.allowed(src, dst, protocol, port)
        assert ref_after.allowed(src, dst, protocol, port) == before, (src, dst, protocol, port)
    assert of_kind(result.generated.policies, "NetworkPolicy")


def test_ip_blocks_hold_exactly_the_ranges_written_the_short_way() -> None:
    """The internet less private ranges is one ipBlock with excepts, not dozens of
    CIDRs; a few small ranges stay CIDRs; either way exactly the same addresses."""
    from reach.analysis.generate import ip_blocks

    whole = IPRange.whole(4)
    private = [
        IPRange.of_network(ipaddress.ip_network(n)) for n in ("10.0.0.0/8", "192.168.0.0/16")
    ]
    outside = whole.minus(private)
    (block,) = ip_blocks(outside)
    assert block == {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "192.168.0.0/16"]}}
    small = [IPRange.of_network(ipaddress.ip_network("8.8.8.8/32")), private[0]]
    assert ip_blocks(small) == [  # in address order
        {"ipBlock": {"cidr": "8.8.8.8/32"}},
        {"ipBlock": {"cidr": "10.0.0.0/8"}},
    ]
    for probe in (
        "9.255.255.255",
        "10.0.0.0",
        "10.255.255.255",
        "11.0.0.0",
        "192.168.3.4",
        "8.8.8.8",
    ):
        addr = IPRange.of_network(ipaddress.ip_network(probe))
        inside = any(r.contains(addr) for r in outside)
        cidr = ipaddress.ip_network(block["ipBlock"]["cidr"])
        excepted = any(
            ipaddress.ip_address(probe) in ipaddress.ip_network(e)
            for e in block["ipBlock"]["except"]
        )
        assert inside == (ipaddress.ip_address(probe) in cidr and not excepted), probe


def _ports_text(ports: PortSet) -> list[str]:
    """``ports`` as the expectations file writes them (``80/TCP``, ``8000-8100/UDP``)."""
    out = []
    for protocol, intervals in ports.items():
        out += [f"{lo}/{protocol}" if lo == hi else f"{lo}-{hi}/{protocol}" for lo, hi in intervals]
    return out


def _exactly(unit: Unit, found: list[Unit]) -> Obj:
    """An expectation selector of exactly the pods of ``unit``: its namespace, its labels,
    and no label key that another unit of its namespace has and it has not."""
    others = {k for u in found if u.namespace == unit.namespace for k, _ in u.labels}
    selector: Obj = {"matchLabels": dict(unit.labels)}
    absent = sorted(others - {k for k, _ in unit.labels})
    if absent:
        selector["matchExpressions"] = [{"key": k, "operator": "DoesNotExist"} for k in absent]
    return {"namespace": unit.namespace, "podSelector": selector}


def _as_expectations(wanted: Wanted, found: list[Unit]) -> Obj:
    """One ``allow`` expectation per wanted connection."""
    items = []
    for i, ((a, b), ports) in enumerate(wanted.items()):
        src, dst = (
            _exactly(found[e], found) if isinstance(e, int) else {"cidr": _cidrs(e)} for e in (a, b)
        )
        items.append(
            {
                "name": f"e{i}",
                "expect": "allow",
                "from": src,
                "to": dst,
                "ports": _ports_text(ports),
            }
        )
    return {"expectations": items}


def _cidrs(r: IPRange) -> list[str]:
    from reach.analysis.generate import cidrs

    return cidrs(r)


@agreement_settings(30)
@given(st.data())
def test_wanted_sets_written_as_expectations_give_exactly_that_set(data: st.DataObject) -> None:
    """Random wanted sets, written as allow expectations: ``reach.generate(expect=...)``
    wants exactly that set, its policies allow exactly it (by the reference), and every
    expectation holds on the result."""
    from reach.audit.expect import parse_expectations

    objects = _without_policies(data.draw(clusters()))
    r = reach.from_objects(objects)
    found = units(r.reachability)
    wanted = {k: v for k, v in data.draw(wanted_sets(found)).items() if v}
    exps = parse_expectations(_as_expectations(wanted, found), "isolation.yaml")
    result = reach.generate(r, expect=exps)
    assert result.verification.ok, str(result)
    assert result.verification.compared == len(wanted)
    assert all(p.status == "passed" for p in result.verification.promises)
    _check(objects, result.generated.policies, found, wanted, r)


@agreement_settings(30)
@given(st.data())
def test_keeping_existing_policies_gives_exactly_a_superset_of_what_they_allow(
    data: st.DataObject,
) -> None:
    """Random clusters with their random policies kept, and a wanted set that holds what
    those allow on their own (with every pod isolated) and more: the kept and the
    generated policies together allow exactly the wanted set, by the reference."""
    from reach.analysis.generate import generate
    from reach.analysis.genexisting import existing, missing
    from reach.analysis.genverify import verify
    from reach.analysis.rangeports import disjoint
    from reach.input.netpol import parse_network_policy

    objects = data.draw(clusters())
    r = reach.from_objects(objects)
    found = units(r.reachability)
    pod_class = r.reachability.pod_class
    assume(all(len(np.unique(pod_class[u.pods])) == 1 for u in found))
    kept = existing(r.cluster, found)
    extra = data.draw(wanted_sets(found))
    wanted: Wanted = {}
    sides: dict[tuple[int, bool], list[tuple[IPRange, PortSet]]] = {}
    for table in (kept.allows, extra):
        for (a, b), ports in table.items():
            if isinstance(a, int) and isinstance(b, int):
                wanted[(a, b)] = wanted.get((a, b), PortSet.empty()) | ports
            elif isinstance(a, int) and isinstance(b, IPRange):
                sides.setdefault((a, True), []).append((b, ports))
            elif isinstance(a, IPRange) and isinstance(b, int):
                sides.setdefault((b, False), []).append((a, ports))
    for (unit, outgoing), items in sides.items():
        for piece, ports in disjoint(items):
            wanted[(unit, piece) if outgoing else (piece, unit)] = ports
    made = generate(found, missing(wanted, kept.allows), taken=kept.taken, isolated=kept.isolated)
    names = {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in made.policies}
    assert not names & kept.taken  # nothing kept is replaced
    policies = [parse_network_policy(p, f"g#{i}") for i, p in enumerate(made.policies)]
    verification, _ = verify(r.cluster, found, wanted, policies, keep_existing=True)
    assert verification.ok, [str(m) for m in verification.mismatches]
    _check_kept(objects, made.policies, found, wanted, r)


def _check_kept(
    objects: list[Obj], generated: list[Obj], found: list[Unit], wanted: Wanted, r: reach.Reach
) -> None:
    """As :func:`_check`, with the input's own policies kept."""
    _check([*objects, *generated], [], found, wanted, r, keep=True)
