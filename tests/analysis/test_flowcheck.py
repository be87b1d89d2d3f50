"""``reach flows check``: each flow's verdict is the engine's, over-permissive pairs are
the allowed ports no flow used, ends are matched as docs/flows.md says, and a change's
broken flows are those allowed before and not after."""

from __future__ import annotations

import json
from pathlib import Path

import reach
from reach.input.flows import FlowFile
from reach.model.flows import FlowEnd, ObservedFlow
from reach.model.ports import PortSet
from tests.helpers import EXAMPLES, SHOP

HUBBLE = str(EXAMPLES / "flows" / "shop-hubble.json")


def _flow(src: str, dst: str, protocol: str, port: int) -> ObservedFlow:
    return ObservedFlow(FlowEnd(ref=src), FlowEnd(ref=dst), protocol, port, "t:1")


def test_every_verdict_is_the_engines_and_over_permissive_is_the_rest() -> None:
    """Every workload pair of the shop on every port some pair allows, plus ports no pair
    allows: a flow is allowed exactly when the connection list allows its port, and the
    over-permissive list is each pair's allowed ports minus those the flows used."""
    r = reach.load(SHOP)
    conns = {
        (c.src.id, c.dst.id): c.ports
        for c in r.connections()
        if c.src.type == c.dst.type == "workload"
    }
    workloads = sorted({w for pair in conns for w in pair})
    ports = sorted({(p, lo) for ps in conns.values() for p, ivs in ps.items() for lo, _ in ivs})
    ports += [("TCP", 1), ("UDP", 5432)]
    used = [(a, b, p, n) for a in workloads for b in workloads for p, n in ports if a != b][::3]
    result = reach.check_flows(r, FlowFile([_flow(a, b, p, n) for a, b, p, n in used]))
    assert len(result.flows) == len(used)
    for f in result.flows:
        want = conns.get((f.src, f.dst), PortSet.empty()).contains(f.protocol, f.port)
        assert f.allowed == want, f.what
        assert bool(f.because)
    seen: dict[tuple[str, str], PortSet] = {}
    for a, b, p, n in used:
        seen[(a, b)] = seen.get((a, b), PortSet.empty()) | PortSet.of(p, n, n)
    expected = {
        pair: ports - seen.get(pair, PortSet.empty())
        for pair, ports in conns.items()
        if not (ports - seen.get(pair, PortSet.empty())).is_empty()
    }
    assert {(o.src, o.dst): o.ports for o in result.over_permissive} == expected
    assert result.failed == any(not f.allowed for f in result.flows)


def test_allowed_flow_names_the_rules_on_both_sides() -> None:
    r = reach.load(SHOP)
    (f,) = reach.check_flows(r, FlowFile([_flow("app/orders", "db/postgres", "TCP", 5432)])).flows
    assert f.allowed
    assert f.because == "egress: app/backend egress[0]; ingress: db/postgres-ingress ingress[0]"


def test_dropped_flow_says_why_as_explain_does() -> None:
    r = reach.load(SHOP)
    (f,) = reach.check_flows(r, FlowFile([_flow("web/frontend", "db/postgres", "TCP", 5432)])).flows
    assert not f.allowed
    assert "no rule admits web/frontend[Deployment]" in f.because


def test_a_port_the_pair_does_not_allow_names_the_ports_it_does() -> None:
    r = reach.load(SHOP)
    (f,) = reach.check_flows(r, FlowFile([_flow("app/orders", "db/postgres", "TCP", 5433)])).flows
    assert not f.allowed and f.because == "only TCP 5432 allowed"


def test_hubble_ends_match_by_workload_labels_and_address() -> None:
    result = reach.check_flows(reach.load(SHOP), HUBBLE)
    pairs = {(f.src, f.dst, f.port) for f in result.flows}
    assert ("web/frontend[Deployment]", "web/api-gateway[Deployment]", 8080) in pairs  # workloads
    assert ("app/catalog[Deployment]", "db/redis[StatefulSet]", 6379) in pairs  # labels only
    assert ("web/frontend[Deployment]", "kube-system/coredns[Deployment]", 53) in pairs  # labels
    assert ("app/payments[Deployment]", "203.0.113.10[External]", 443) in pairs  # reserved:world
    both = next(f for f in result.flows if f.port == 8080 and f.src.startswith("web/frontend"))
    assert both.count == 2  # seen at egress and at ingress: one connection, two sightings


def test_unmatched_ends_are_listed_with_the_reason_never_dropped() -> None:
    result = reach.check_flows(reach.load(SHOP), HUBBLE)
    reasons = {u.reason for u in result.unmatched}
    assert "source: namespace legacy is not in the input" in reasons
    assert "ICMP: reach checks TCP, UDP and SCTP connections" in reasons
    assert any("reserved:kube-apiserver" in r for r in reasons)
    read = sum(f.count for f in result.flows) + sum(u.count for u in result.unmatched)
    assert read == 13  # every flow line is checked or listed


def test_default_deny_breaks_what_no_policy_allows(tmp_path: Path) -> None:
    """Without policies everything is allowed; a default deny then breaks every flow
    between pods; in the shop only the flows into kube-system (not isolated today)."""
    objects = [
        {
            "kind": "Deployment",
            "metadata": {"name": n, "namespace": "a"},
            "spec": {"template": {"metadata": {"labels": {"app": n}}}},
        }
        for n in ("x", "y")
    ]
    open_cluster = reach.from_objects(objects)
    flows = FlowFile([_flow("a/x", "a/y", "TCP", 80), _flow("a/y", "a/x", "UDP", 53)])
    result = reach.check_flows(open_cluster, flows, default_deny=True)
    assert all(f.allowed for f in result.flows) and len(result.broken) == 2
    assert "a/reach-default-deny" in result.broken[0].after_because
    shop = reach.check_flows(
        reach.load(SHOP), str(EXAMPLES / "flows" / "shop-flows.csv"), default_deny=True
    )
    assert [f.dst for f in shop.broken] == ["kube-system/coredns[Deployment]"]


def test_proposed_change_breaks_the_flows_it_stops(tmp_path: Path) -> None:
    """A change that removes orders' egress to payments breaks that flow alone."""
    policies = (Path(SHOP) / "policies.yaml").read_text().split("\n---\n")
    kept = [d for d in policies if "name: orders-egress-to-payments" not in d]
    assert len(kept) == len(policies) - 1
    changed = tmp_path / "shop"
    changed.mkdir()
    for f in Path(SHOP).glob("*.yaml"):
        (changed / f.name).write_text(f.read_text())
    (changed / "policies.yaml").write_text("\n---\n".join(kept))
    result = reach.check_flows(
        reach.load(SHOP),
        str(EXAMPLES / "flows" / "shop-flows.csv"),
        proposed=reach.load(str(changed)),
    )
    assert [(f.src, f.dst, f.port) for f in result.broken] == [
        ("app/orders[Deployment]", "app/payments[Deployment]", 50051)
    ]
    assert result.failed


def test_json_form_counts_everything() -> None:
    result = reach.check_flows(reach.load(SHOP), HUBBLE)
    data = json.loads(json.dumps(result.to_dict()))
    assert (
        data["summary"]["dropped"]
        == 1
        == len(data["flows"]) - sum(f["allowed"] for f in data["flows"])
    )
    assert data["summary"]["unmatched"] == len(data["unmatched"]) == 3
    assert data["not_checked"] == [
        "1 reply (the other half of a connection)",
        "1 line of other Hubble responses",
    ]


def test_the_rules_named_without_the_walk_are_the_walks() -> None:
    """With NetworkPolicies alone, the allowing rules are read from the rules in force;
    they must be those the tier walk of reach explain names, for every allowed pair of
    the shop on every port it allows."""
    from reach.analysis.flowverdicts import Verdicts, allowed_by
    from reach.engine.provenance import Provenance

    r = reach.load(SHOP)
    verdicts = Verdicts(Provenance(r.reachability))
    assert verdicts.plain
    n = r.reachability.n_internal
    compared = 0
    for s in range(r.reachability.n_classes):
        for d in range(n):
            for protocol, intervals in verdicts.ports(s, d).items():
                for lo, _ in intervals:
                    want = PortSet.of(protocol, lo, lo)
                    walked = allowed_by(verdicts.explained(s, d), want)
                    atom = verdicts.atom(protocol, lo)
                    assert verdicts._allowed_by(s, d, atom) == walked, (s, d, want)
                    compared += 1
    assert compared > 50


def test_the_reasons_given_without_the_walk_are_the_walks() -> None:
    """With NetworkPolicies alone, why a pair is not allowed is read from the isolating
    policies and the rules in force; it must be the reason reach explain gives, for
    every pair of the shop (and its outside ranges) that nothing is allowed on."""
    from reach.analysis.flowverdicts import Verdicts
    from reach.engine.provenance import Provenance

    r = reach.load(SHOP)
    verdicts = Verdicts(Provenance(r.reachability))
    n, total = r.reachability.n_internal, r.reachability.n_classes
    compared = 0
    for s in range(total):
        for d in range(total):
            if (s >= n and d >= n) or not verdicts.ports(s, d).is_empty():
                continue
            walked = (
                verdicts.explained(s, d)
                .reason()
                .replace(verdicts.SRC, "A")
                .replace(verdicts.DST, "B")
            )
            assert verdicts._why_not(s, d, "A", "B") == walked, (s, d)
            compared += 1
    assert compared > 50
