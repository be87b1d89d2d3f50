"""``engine.podmoves.moved``: a pod joins a compiled class without compiling again, with
the arrays a compilation of the new pod list gives; and says so when it cannot."""

from __future__ import annotations

import copy
from typing import Any
from unittest import mock

import reach
from reach.engine.compile import compile_cluster
from reach.engine.keyanswers import KeyAnswers
from reach.engine.podmoves import moved
from reach.engine.reachability import Reachability
from reach.model.cluster import Cluster
from tests.api.test_whatif import rows_as_ports

Obj = dict[str, Any]


def _pod(name: str, labels: dict[str, str]) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": labels},
        "spec": {"containers": [{"name": "main", "image": "nginx"}]},
    }


POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "web-only", "namespace": "shop"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}],
    },
}
START = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    _pod("a-web", {"app": "web", "hash": "1"}),
    _pod("b-db", {"app": "db"}),
    _pod("c-other", {"app": "other"}),
    POLICY,
]


def _arrays(x: Reachability) -> list[list[object]]:
    arrays = [x.pod_class, x.egress_rows, x.egress_group, x.ingress_rows, x.ingress_group]
    return [a.tolist() for a in arrays]


def _with(pod: Obj) -> tuple[Reachability, Cluster, int, Reachability]:
    """The compilation of START, the cluster with ``pod`` added (and where), and the
    compilation of that cluster."""
    x = compile_cluster(reach.from_objects(START).cluster)
    cluster = reach.from_objects([*START, pod]).cluster
    at = [p.name for p in cluster.pods].index(pod["metadata"]["name"])
    return x, cluster, at, compile_cluster(copy.copy(cluster))


def test_a_label_no_selector_names_joins_the_class_without_asking_the_selectors() -> None:
    x, cluster, at, fresh = _with(_pod("d-web", {"app": "web", "hash": "2"}))
    with mock.patch.object(KeyAnswers, "answers_of", side_effect=AssertionError("asked")):
        got, renumbered = moved(x, cluster, None, at) or (None, None)
    assert got is not None and renumbered is None
    assert _arrays(got) == _arrays(fresh)
    assert got.pod_class[at] == got.pod_class[0]  # a-web's class


def test_labels_a_selector_names_in_a_new_way_ask_every_selector() -> None:
    """app=zzz: no selector picks it, as app=other: the same behaviour class."""
    x, cluster, at, fresh = _with(_pod("d-zzz", {"app": "zzz"}))
    original = KeyAnswers.answers_of
    with mock.patch.object(KeyAnswers, "answers_of", autospec=True, side_effect=original) as asked:
        got, renumbered = moved(x, cluster, None, at) or (None, None)
    assert asked.call_count == 1
    assert got is not None and renumbered is None
    assert _arrays(got) == _arrays(fresh)
    other = [p.name for p in cluster.pods].index("c-other")
    assert got.pod_class[at] == got.pod_class[other]


def test_a_pod_of_a_behaviour_no_class_has_makes_a_class() -> None:
    """A second policy's subject: a class of its own, between db's and other's (classes
    are in the order of their least key), with its rows, and an entry at it in theirs."""
    pod = _pod("d-db", {"app": "db", "role": "replica"})
    extra = copy.deepcopy(POLICY)
    extra["metadata"]["name"] = "replicas"
    extra["spec"]["podSelector"] = {"matchLabels": {"role": "replica"}}
    objects = [*START, extra]
    x = compile_cluster(reach.from_objects(objects).cluster)
    cluster = reach.from_objects([*objects, pod]).cluster
    at = [p.name for p in cluster.pods].index("d-db")
    got, renumbered = moved(x, cluster, None, at) or (None, None)
    assert got is not None and renumbered is not None
    world = list(range(x.n_internal, x.n_classes))  # the external ends, one later
    assert renumbered.tolist() == [0, 2, 3, *(c + 1 for c in world)]  # db, other, web
    assert got.pod_class[at] == 1
    assert rows_as_ports(got) == rows_as_ports(compile_cluster(copy.copy(cluster)))


def test_the_last_pod_of_a_class_takes_its_class_out() -> None:
    x = compile_cluster(reach.from_objects(START).cluster)
    cluster = reach.from_objects([o for o in START if o["metadata"]["name"] != "c-other"]).cluster
    gone = [p.name for p in x.pods].index("c-other")
    got, renumbered = moved(x, cluster, gone, None) or (None, None)
    assert got is not None and renumbered is not None
    world = list(range(x.n_internal, x.n_classes))  # the external ends, one earlier
    assert renumbered.tolist() == [0, -1, 1, *(c - 1 for c in world)]  # db, (other), web
    assert rows_as_ports(got) == rows_as_ports(compile_cluster(copy.copy(cluster)))


def test_a_replica_taken_out_leaves_the_arrays_of_a_compilation() -> None:
    objects = [*START, _pod("d-web", {"app": "web", "hash": "1"})]
    x = compile_cluster(reach.from_objects(objects).cluster)
    left = [o for o in objects if o["metadata"]["name"] != "a-web"]
    cluster = reach.from_objects(left).cluster
    gone = [p.name for p in x.pods].index("a-web")  # its key keeps a pod: d-web
    got, renumbered = moved(x, cluster, gone, None) or (None, None)
    assert got is not None and renumbered is None
    fresh = compile_cluster(copy.copy(cluster))
    assert _arrays(got) == _arrays(fresh)
    assert got.pod_class.tolist() == [0, 1, 2]  # db, other, web: classes in key order
