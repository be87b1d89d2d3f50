"""``reach generate --format cilium``: the generated policies written as
CiliumNetworkPolicies allow exactly the wanted set, judged by the brute-force Cilium
reference (tests/reference_cilium.py) pod pair by pod pair, port by port."""

from __future__ import annotations

import numpy as np
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

import reach
from reach.analysis.gencilium import to_cilium
from reach.analysis.units import units
from tests.agreement import agreement_settings
from tests.analysis.test_generate_property import _without_policies, judge, wanted_sets
from tests.helpers import EXAMPLES, run
from tests.reference import Obj, Reference
from tests.reference_cilium import CiliumReference
from tests.strategies import clusters


@agreement_settings(40)
@given(st.data())
def test_cilium_policies_allow_exactly_the_wanted_set(data: st.DataObject) -> None:
    objects = _without_policies(data.draw(clusters()))
    r = reach.from_objects(objects)
    found = units(r.reachability)
    wanted = data.draw(wanted_sets(found))
    from reach.analysis.generate import generate

    made = generate(found, wanted)
    cnps = [to_cilium(p, c)[0] for p, c in zip(made.policies, made.comments, strict=True)]
    after = reach.from_objects([*objects, *cnps])
    ref = CiliumReference(after.cluster)
    judge(ref.allowed, Reference(objects), [*objects, *made.policies], found, wanted, r)


@agreement_settings(30)
@given(clusters())
def test_cilium_policies_from_today_verify_exactly(objects: list[Obj]) -> None:
    """``reach.generate(r, cilium=True)``: the engine, reading the CiliumNetworkPolicies
    back, finds exactly today's connections (when each unit is one class, as for
    NetworkPolicies in test_generate_property)."""
    r = reach.from_objects(objects)
    found = units(r.reachability)
    pod_class = r.reachability.pod_class
    assume(all(len(np.unique(pod_class[u.pods])) == 1 for u in found))
    result = reach.generate(r, cilium=True)
    assert result.verification.ok, [str(m) for m in result.verification.mismatches]
    assert {p["kind"] for p in result.generated.policies} <= {"CiliumNetworkPolicy"}


def test_the_shop_as_cilium_policies_is_verified_and_reads_back(tmp_path: object) -> None:
    code, out, err = run(
        ["generate", "-f", str(EXAMPLES / "shop"), "--from-current", "--format", "cilium"]
    )
    assert code == 0, err
    assert "14 CiliumNetworkPolicies" in err and "verified" in err
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert {d["kind"] for d in docs} == {"CiliumNetworkPolicy"}
    # the shop's other objects with these allow what they allow with the NetworkPolicies
    # generated the same way (the same addresses cut the same: one listing)
    code, nps, err = run(["generate", "-f", str(EXAMPLES / "shop"), "--from-current"])
    assert code == 0, err
    plain = [
        d
        for f in sorted((EXAMPLES / "shop").glob("*.yaml"))
        for d in yaml.safe_load_all(f.read_text())
        if d and d.get("kind") != "NetworkPolicy"
    ]
    with_cilium = reach.from_objects([*plain, *docs])
    with_nps = reach.from_objects([*plain, *(d for d in yaml.safe_load_all(nps) if d)])
    listed = [str(c) for c in with_cilium.connections()]
    assert listed == [str(c) for c in with_nps.connections()] and listed


def test_a_rule_with_pods_and_addresses_is_two_cilium_rules_and_comments_follow() -> None:
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "a"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "x"}},
            "policyTypes": ["Ingress", "Egress"],
            "egress": [
                {
                    "to": [
                        {"podSelector": {"matchLabels": {"app": "y"}}},
                        {"namespaceSelector": {}},
                        {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                    ],
                    "ports": [{"protocol": "TCP", "port": 80}, {"protocol": "UDP"}],
                }
            ],
        },
    }
    comments = [
        "a/x[Deployment]",
        "egress[0]: to a/y[Deployment] on TCP 80",
        "egress[0]: to 10.0.0.0/8 on TCP 80",
    ]
    cnp, renumbered = to_cilium(policy, comments)
    spec = cnp["spec"]
    assert spec["ingress"] == [{}]
    ports = [{"ports": [{"port": "80", "protocol": "TCP"}, {"port": "0", "protocol": "UDP"}]}]
    assert spec["egress"] == [
        {
            "toEndpoints": [
                {"matchLabels": {"app": "y"}},
                {
                    "matchExpressions": [
                        {"key": "io.kubernetes.pod.namespace", "operator": "Exists"}
                    ]
                },
            ],
            "toPorts": ports,
        },
        {"toCIDRSet": [{"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}], "toPorts": ports},
    ]
    assert renumbered == [
        "a/x[Deployment]",
        "egress[0]: to a/y[Deployment] on TCP 80",
        "egress[1]: to 10.0.0.0/8 on TCP 80",
    ]


def test_the_ingress_controller_meets_cilium_policies_too() -> None:
    """Regression: the {ingress-controller} analysis compiled NetworkPolicies only, so a
    backend isolated by a CiliumNetworkPolicy alone looked open to the controller."""
    objects = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}},
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "front", "namespace": "web", "labels": {"app": "front"}},
            "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 8080}]}]},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "front", "namespace": "web"},
            "spec": {"selector": {"app": "front"}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "front", "namespace": "web"},
            "spec": {"defaultBackend": {"service": {"name": "front", "port": {"number": 80}}}},
        },
    ]
    lock = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "lock", "namespace": "web"},
        "spec": {"endpointSelector": {}, "ingress": [{}]},
    }
    controller = "{ingress-controller}"
    open_ = [str(c) for c in reach.from_objects(objects).connections() if c.src.id == controller]
    assert open_ == ["{ingress-controller} => web/front[Pod] : TCP 8080"]
    locked = reach.from_objects([*objects, lock]).connections()
    assert not [c for c in locked if c.src.id == controller]
