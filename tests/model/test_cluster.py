"""The cluster model's lookups."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reach.model.cluster import Cluster, Pod

SPACES = ["a", "b", "b-1", "c"]


@given(
    objects=st.lists(st.tuples(st.sampled_from(SPACES), st.integers(0, 5)), unique=True),
    expanded=st.lists(st.tuples(st.sampled_from(SPACES), st.integers(0, 5))),
    namespace=st.sampled_from([*SPACES, "d"]),
)
def test_pods_of_a_namespace_are_its_objects_then_its_expanded_pods(
    objects: list[tuple[str, int]], expanded: list[tuple[str, int]], namespace: str
) -> None:
    """``Cluster.pods_of`` finds a namespace's Pod objects among the sorted ones by
    bisection, then its pods expanded from workloads: those a scan of every pod finds, in
    order."""
    given_pods = [Pod(ns, f"p{i}", ()) for ns, i in sorted(objects)]
    made = [Pod(ns, f"w{i}", ()) for ns, i in expanded]
    cluster = Cluster(pods=[*given_pods, *made], pods_from_objects=len(given_pods))
    assert cluster.pods_of(namespace) == [p for p in cluster.pods if p.namespace == namespace]
