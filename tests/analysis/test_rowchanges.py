"""``analysis.rowchanges``: after a compilation again, the classes whose rows changed; every
pair of two unchanged classes keeps its ports, which is what lets the diff skip it."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from reach.analysis.rowchanges import changed_classes
from tests.strategies import NS_NAMES, clusters, policy_manifests

Obj = dict[str, Any]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pairs_of_unchanged_classes_keep_their_ports(data: st.DataObject) -> None:
    start: list[Obj] = data.draw(clusters())
    policies = [o for o in start if o["kind"] == "NetworkPolicy"]
    event = data.draw(st.sampled_from(["add", "change", "delete"] if policies else ["add"]))
    if event == "delete":
        gone = data.draw(st.sampled_from(policies))
        after = [o for o in start if o is not gone]
    else:
        target = data.draw(st.sampled_from(policies)) if event == "change" else None
        ns = (
            target["metadata"].get("namespace", "default")
            if target
            else data.draw(st.sampled_from(NS_NAMES))
        )
        name = target["metadata"]["name"] if target else "pol-new"
        new = data.draw(policy_manifests(ns, name))
        after = [o for o in start if o is not target] + [new]
    old_x = reach.from_objects(start).reachability
    new_x = reach.from_objects(after).reachability
    changed = changed_classes(old_x, new_x)
    if changed is None:
        return
    in_old, in_new = changed
    to_new = {int(a): int(b) for a, b in zip(old_x.pod_class, new_x.pod_class, strict=True)}
    n = old_x.n_internal
    for s in range(n):
        for d in range(old_x.n_classes):
            if in_old[s] or (d < n and in_old[d]):
                continue
            mapped = to_new[d] if d < n else d
            assert old_x.ports(s, d) == new_x.ports(to_new[s], mapped), (s, d)
    assert [in_new[to_new[c]] for c in range(n)] == in_old.tolist()


SHOP = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    *(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "labels": {"app": name}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        }
        for name in ("web", "db", "cache")
    ),
]
ISOLATE_DB = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "db", "namespace": "shop"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}],
    },
}


def test_a_policy_that_isolates_one_class_changes_that_class_only() -> None:
    with_policy = [*SHOP, ISOLATE_DB]
    old_x = reach.from_objects(with_policy).reachability
    narrowed = copy.deepcopy(ISOLATE_DB)
    narrowed["spec"]["ingress"][0]["ports"] = [{"port": 5432}]  # web to db on 5432 only
    new_x = reach.from_objects([*SHOP, narrowed]).reachability
    changed = changed_classes(old_x, new_x)
    assert changed is not None
    db = [p.name for p in old_x.pods].index("db")
    assert changed[0].tolist() == [c == old_x.pod_class[db] for c in range(old_x.n_internal)]


def test_a_policy_that_splits_a_class_gives_no_correspondence() -> None:
    old_x = reach.from_objects(SHOP).reachability  # web and cache alike, one class
    new_x = reach.from_objects([*SHOP, ISOLATE_DB]).reachability  # web now a peer of db
    assert changed_classes(old_x, new_x) is None


def test_a_pod_that_changes_workload_gives_no_correspondence() -> None:
    """Its class and rows stay, but the workload nodes hold other pods: every pair is
    compared (a quick diff here missed a workload node's edges)."""
    owned = copy.deepcopy(SHOP)
    owned[1]["metadata"]["ownerReferences"] = [
        {"kind": "ReplicaSet", "name": "web-rs", "controller": True}
    ]
    old_x = reach.from_objects(owned).reachability
    new_x = reach.from_objects(SHOP).reachability
    assert changed_classes(old_x, new_x) is None
