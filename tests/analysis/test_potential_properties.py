"""``exposure X --potential`` and ``blast-radius X --potential`` against the brute-force
reference, on random clusters (issue 17, item 3).

1. Every representative announced for X is realised: a pod built from its selectors,
   added to the cluster, is admitted by X's side on every announced port, and gets the
   connection whenever its own side does not restrict it (NetworkPolicies only: they
   only allow).
2. A pod added at random never reaches X (exposure), nor is reached from X (blast
   radius), on a port that no announced representative it matches carries; in
   particular never at all when it matches none. NetworkPolicy clusters, and admin
   clusters without Pass (docs/queries.md, "Representatives": the Pass limit).
"""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

import reach
from reach.analysis.potential import PotentialPeer
from tests.analysis.test_exposure_properties import (
    FAST,
    NEW,
    PROBE_PORTS,
    built_labels,
    holds,
    namespaces_of,
    newcomers,
    passes,
    with_newcomer,
)
from tests.engine.test_admin_vs_reference import admin_clusters
from tests.reference import EGRESS, INGRESS, NAME_LABEL, PROTOCOLS, Obj, PodKey, Reference
from tests.strategies import clusters

DIRECTIONS = {"ingress": INGRESS, "egress": EGRESS}


def potential(objects: list[Obj], x: PodKey, direction: str) -> list[PotentialPeer]:
    r = reach.from_objects(objects)
    ask = r.exposure if direction == "ingress" else r.blast_radius
    found = ask(f"pod/{x[0]}/{x[1]}", by="pod", potential=True)
    assert found.potential is not None
    return found.potential


def pods_of(objects: list[Obj]) -> list[PodKey]:
    return sorted(
        ((o["metadata"].get("namespace") or "default"), o["metadata"]["name"])
        for o in objects
        if o["kind"] == "Pod"
    )


def built_pod(
    peer: PotentialPeer, known: dict[str, dict[str, str]]
) -> tuple[str, dict[str, str], dict[str, str]] | None:
    """(namespace, pod labels, namespace labels) of a pod made from the representative's
    selectors; None when no pod can match it (contradictory, or a namespace of the input
    whose labels do not match)."""
    rep = peer.representative
    pod_labels = built_labels(rep.pod_selector)
    ns_labels = built_labels(rep.namespace_requirements)
    if pod_labels is None or ns_labels is None:
        return None
    ns = ns_labels.setdefault(NAME_LABEL, "ns-rep")
    ns_labels = known.get(ns, ns_labels)
    return (ns, pod_labels, ns_labels) if holds(rep, pod_labels, ns, ns_labels) else None


@FAST
@given(clusters(), st.data(), st.sampled_from(sorted(DIRECTIONS)))
def test_every_potential_peer_is_realised_by_a_pod_built_from_it(
    objects: list[Obj], data: st.DataObject, direction: str
) -> None:
    x = data.draw(st.sampled_from(pods_of(objects)))
    known = namespaces_of(objects)
    for peer in potential(objects, x, direction):
        built = built_pod(peer, known)
        if built is None or peer.ports.is_empty():
            continue
        ns, labels, ns_labels = built
        ref = Reference(with_newcomer(objects, ns, labels, ns_labels))
        new = (ns, NEW)
        src, dst = (new, x) if direction == "ingress" else (x, new)
        # the newcomer's own side: restricted when a NetworkPolicy of its namespace selects it
        other = EGRESS if direction == "ingress" else INGRESS
        free = not ref.selecting_policies(new, other)
        for protocol, intervals in peer.ports.items():
            for lo, hi in intervals:
                for port in {lo, hi}:
                    assert ref.side_allows(x, DIRECTIONS[direction], new, protocol, port, dst)
                    assert not free or ref.allowed(src, dst, protocol, port), (peer, port)


def twins(objects: list[Obj]) -> st.SearchStrategy[tuple[str, dict[str, str], dict[str, str]]]:
    """A pod like one of the input (its namespace and labels): the pods a representative
    matched by the input also stands for."""
    known = namespaces_of(objects)
    return st.sampled_from(
        [
            (ns, dict(o["metadata"].get("labels") or {}), known[ns])
            for o in objects
            if o["kind"] == "Pod"
            for ns in [o["metadata"].get("namespace") or "default"]
        ]
    )


def assert_bounded(objects: list[Obj], data: st.DataObject, direction: str) -> None:
    x = data.draw(st.sampled_from(pods_of(objects)))
    ns, labels, ns_labels = data.draw(st.one_of(newcomers(objects), twins(objects)))
    assume((ns, NEW) not in pods_of(objects))
    ref = Reference(with_newcomer(objects, ns, labels, ns_labels))
    matching = [
        p
        for p in potential(objects, x, direction)
        if holds(p.representative, labels, ns, ns_labels)
    ]
    new = (ns, NEW)
    src, dst = (new, x) if direction == "ingress" else (x, new)
    for protocol in PROTOCOLS:
        for port in PROBE_PORTS:
            if ref.allowed(src, dst, protocol, port):
                assert matching, (x, new, protocol, port)  # reachable: some peer announced it
                assert any(p.ports.contains(protocol, port) for p in matching), (
                    [str(p) for p in matching],
                    protocol,
                    port,
                )


@FAST
@given(clusters(), st.data(), st.sampled_from(sorted(DIRECTIONS)))
def test_a_new_pod_reaches_x_only_as_the_potential_peers_it_matches_announce(
    objects: list[Obj], data: st.DataObject, direction: str
) -> None:
    assert_bounded(objects, data, direction)


@st.composite
def clusters_naming_their_pods(draw: st.DrawFn) -> list[Obj]:
    """A random cluster and a policy whose peers name a pod of it by its labels (the
    representatives the exposure section leaves to the connection list)."""
    objects = draw(clusters())
    ns, labels, _ = draw(twins(objects))
    assume(labels)
    peer: Obj = {"podSelector": {"matchLabels": labels}}
    home = draw(st.sampled_from(sorted({p[0] for p in pods_of(objects)})))
    if home != ns:
        peer["namespaceSelector"] = {"matchLabels": {NAME_LABEL: ns}}
    port = draw(st.sampled_from(PROBE_PORTS))
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "names-a-pod", "namespace": home},
        "spec": {
            "podSelector": {},
            "ingress": [{"from": [peer], "ports": [{"port": port}]}],
            "egress": [{"to": [peer], "ports": [{"port": port}]}],
        },
    }
    return [*objects, policy]


@FAST
@given(clusters_naming_their_pods(), st.data(), st.sampled_from(sorted(DIRECTIONS)))
def test_pods_like_those_of_the_input_are_bounded_too(
    objects: list[Obj], data: st.DataObject, direction: str
) -> None:
    assert_bounded(objects, data, direction)


@FAST
@given(admin_clusters(), st.data(), st.sampled_from(sorted(DIRECTIONS)))
def test_admin_tiers_without_pass_bound_a_new_pod_too(
    objects: list[Obj], data: st.DataObject, direction: str
) -> None:
    assume(not passes(objects) and pods_of(objects))
    assert_bounded(objects, data, direction)
