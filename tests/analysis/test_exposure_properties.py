"""Representatives against the brute-force reference (issue 17), on random clusters.

1. Adding a pod (in an existing or a new namespace) never creates a connection, on
   the side of a pod of the input, that the representatives it matches did not
   announce: what any future pod gets is bounded by them. Admin policies hold this
   too, as long as no rule passes (a Pass hands the port to the tiers below, where a
   rule the representative does not imply may decide: see docs/queries.md).
2. Every announced representative is realised: a pod built from its selectors
   (In: a listed value, Exists: some value, NotIn and DoesNotExist: the key left
   out) gets at least the announced ports (NetworkPolicies only: they only allow).
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import reach
from reach.analysis.exposure_section import exposure_section
from reach.engine.exposure import RepresentativeSides, representative_sides
from reach.engine.representatives import Representative
from reach.model.ports import PortSet
from reach.model.selectors import LabelSelector
from tests.engine.test_admin_vs_reference import admin_clusters
from tests.reference import EGRESS, INGRESS, NAME_LABEL, PROTOCOLS, Obj, Reference
from tests.reference import selector_matches as matches
from tests.strategies import NS_LABELS, NS_NAMES, POD_LABELS, clusters, label_maps

PROBE_PORTS = [1, 53, 80, 81, 443, 8080, 65535]
DIRECTIONS = {"ingress": INGRESS, "egress": EGRESS}
NEW = "newcomer"
FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def namespaces_of(objects: list[Obj]) -> dict[str, dict[str, str]]:
    """Every namespace the objects declare or use, with its labels (the name label always)."""
    out: dict[str, dict[str, str]] = {}
    for obj in objects:
        meta = obj.get("metadata") or {}
        if obj["kind"] == "Namespace":
            out[meta["name"]] = {**(meta.get("labels") or {}), NAME_LABEL: meta["name"]}
        elif obj["kind"] in ("Pod", "NetworkPolicy"):
            ns = meta.get("namespace") or "default"
            out.setdefault(ns, {NAME_LABEL: ns})
    for obj in objects:  # declared after use
        meta = obj.get("metadata") or {}
        if obj["kind"] == "Namespace":
            out[meta["name"]] = {**(meta.get("labels") or {}), NAME_LABEL: meta["name"]}
    return out


def raw(selector: LabelSelector) -> Obj:
    return {
        "matchExpressions": [
            {"key": r.key, "operator": r.operator, "values": sorted(r.values)}
            for r in selector.requirements
        ]
    }


def holds(rep: Representative, labels: dict[str, str], ns: str, ns_labels: dict[str, str]) -> bool:
    """The reference's reading of "this pod is one the representative stands for"."""
    if rep.namespace is not None and rep.namespace != ns:
        return False
    return matches(raw(rep.namespace_selector), ns_labels) and matches(
        raw(rep.pod_selector), labels
    )


def newcomer(ns: str, labels: dict[str, str]) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": NEW, "namespace": ns, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
    }


def with_newcomer(
    objects: list[Obj], ns: str, labels: dict[str, str], ns_labels: dict[str, str]
) -> list[Obj]:
    added = [newcomer(ns, labels)]
    if ns not in namespaces_of(objects):
        meta = {"name": ns, "labels": {k: v for k, v in ns_labels.items() if k != NAME_LABEL}}
        added.append({"apiVersion": "v1", "kind": "Namespace", "metadata": meta})
    return [*copy.deepcopy(objects), *added]


def announced(
    sides: RepresentativeSides,
    r: reach.Reach,
    cls: int,
    direction: str,
    labels: dict[str, str],
    ns: str,
    ns_labels: dict[str, str],
) -> PortSet:
    """The union of what the representatives the pod matches announce for class ``cls``."""
    side = sides.sides[direction]
    group = side.group_of[cls]
    out = PortSet.empty()
    for k, rep in enumerate(sides.representatives):
        if holds(rep, labels, ns, ns_labels):
            out |= r.reachability.atoms.portsets[int(side.ids[group, k])]
    return out


def assert_bounded(
    objects: list[Obj], ns: str, labels: dict[str, str], ns_labels: dict[str, str]
) -> None:
    r = reach.from_objects(objects)
    sides = representative_sides(r.reachability)
    ref = Reference(with_newcomer(objects, ns, labels, ns_labels))
    new = (ns, NEW)
    assume(new not in {(p.namespace, p.name) for p in r.reachability.pods})
    for i, p in enumerate(r.reachability.pods):
        w = (p.namespace, p.name)
        cls = int(r.reachability.pod_class[i])
        for direction, ref_direction in DIRECTIONS.items():
            bound = announced(sides, r, cls, direction, labels, ns, ns_labels)
            dst = w if direction == "ingress" else new
            for protocol in PROTOCOLS:
                for port in PROBE_PORTS:
                    if ref.side_allows(w, ref_direction, new, protocol, port, dst):
                        assert bound.contains(protocol, port), (
                            w,
                            direction,
                            protocol,
                            port,
                            str(bound),
                        )


@st.composite
def newcomers(draw: st.DrawFn, objects: list[Obj]) -> tuple[str, dict[str, str], dict[str, str]]:
    """(namespace, pod labels, namespace labels) of a pod that could be added."""
    known = namespaces_of(objects)
    ns = draw(st.sampled_from([*NS_NAMES, "ns-new"]))
    ns_labels = known.get(ns) or {**draw(label_maps(NS_LABELS)), NAME_LABEL: ns}
    return ns, draw(label_maps(POD_LABELS)), ns_labels


@FAST
@given(st.data())
def test_a_new_pod_gets_nothing_the_representatives_did_not_announce(data: st.DataObject) -> None:
    objects = data.draw(clusters())
    assert_bounded(objects, *data.draw(newcomers(objects)))


def passes(objects: list[Obj]) -> bool:
    return any(
        rule.get("action") == "Pass"
        for obj in objects
        for key in ("ingress", "egress")
        for rule in (obj.get("spec") or {}).get(key) or []
        if obj["kind"] != "NetworkPolicy"
    )


@FAST
@given(st.data())
def test_admin_tiers_bound_a_new_pod_too(data: st.DataObject) -> None:
    objects = data.draw(admin_clusters())
    assume(not passes(objects))
    assert_bounded(objects, *data.draw(newcomers(objects)))


def built_labels(selector: LabelSelector) -> dict[str, str] | None:
    """Labels satisfying the selector with as little as possible; None if contradictory."""
    out: dict[str, str] = {}
    for req in selector.requirements:
        if req.operator == "In":
            out.setdefault(req.key, min(req.values))
        elif req.operator == "Exists":
            out.setdefault(req.key, "rep-value")
    return out if matches(raw(selector), out) else None


@FAST
@given(clusters())
def test_every_announced_representative_is_realised_by_a_pod_built_from_it(
    objects: list[Obj],
) -> None:
    r = reach.from_objects(objects)
    known = namespaces_of(objects)
    for line in exposure_section(r.view("pod", ipv6=False)).lines:
        rep = line.representative
        if rep is None or line.ports.is_empty():
            continue
        pod_labels = built_labels(rep.pod_selector)
        ns_labels = built_labels(rep.namespace_requirements)
        if pod_labels is None or ns_labels is None:
            continue  # no pod can match it
        ns = ns_labels.setdefault(NAME_LABEL, "ns-rep")
        ns_labels = known.get(ns, ns_labels)
        if not holds(rep, pod_labels, ns, ns_labels):
            continue  # the namespace exists, with other labels: no pod of it matches
        ref = Reference(with_newcomer(objects, ns, pod_labels, ns_labels))
        w = (line.node.namespace or "", line.node.name)
        new = (ns, NEW)
        ref_direction = DIRECTIONS[line.direction]
        dst = w if line.direction == "ingress" else new
        for protocol, intervals in line.ports.items():
            for lo, hi in intervals:
                for port in {lo, hi}:
                    assert ref.side_allows(w, ref_direction, new, protocol, port, dst), (
                        line,
                        protocol,
                        port,
                    )
