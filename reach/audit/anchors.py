"""Where each finding's cause is written in the input: its anchors, for SARIF and editors.

Every finding gets :class:`~reach.input.positions.Anchor` s (origin ``file#doc``, field
path, object name), most precise first, found from what it carries whatever the check:

- ``details["origin"]`` (and ``details["field"]``): the object and field the check
  names; a rule peer is narrowed to the requirement that matches nothing
  (:mod:`reach.audit.culprits`);
- ``details["references"]``: each ``{origin, field}``; ``details["service"]``: the Service;
- a broken expectation: for ``allow``, the rules of the withholding side's policies whose
  ports hold the port, narrowed to the requirement that keeps the witness out (else those
  policies); for ``deny``, the rules that allow the witness pair (else the allowing
  policies); then the expectation in the expectations file;
- the subject, when it names a policy, a workload, a pod or a namespace of the input,
  and ``details["workloads"]``.

Positions themselves are found later, and only when an output asks for them
(:mod:`reach.input.positions`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reach.audit.culprits import distance, may_cover, narrow_peer
from reach.audit.report import EXPECTATION, AuditReport, Finding
from reach.input.positions import Anchor, ObjectName
from reach.model.cluster import Cluster, NetworkPolicy, Pod, Rule

if TYPE_CHECKING:
    from reach.analysis.compiled import Analysis

#: The most anchors a finding keeps (a finding about many workloads names the first ones).
MOST = 10


@dataclass
class Index:
    """The input's objects by the names findings use for them."""

    cluster: Cluster
    policies: dict[str, tuple[Anchor, NetworkPolicy | None]] = field(default_factory=dict)
    workloads: dict[str, tuple[Anchor, Pod]] = field(default_factory=dict)
    namespaces: dict[str, Anchor] = field(default_factory=dict)
    services: dict[str, Anchor] = field(default_factory=dict)


def index(cluster: Cluster) -> Index:
    """The policies (by their text: ``ns/name``, ``ANP name (priority 10)``, ...), workloads
    and pods (``ns/name[Kind]``, ``ns/pod``), namespaces and Services of ``cluster``."""
    out = Index(cluster)
    for pol in cluster.policies:
        name = ObjectName("NetworkPolicy", pol.namespace, pol.name)
        out.policies.setdefault(str(pol), (Anchor(pol.origin, "", name), pol))
    for admin in cluster.admin_policies:
        name = ObjectName(admin.kind, None, admin.name)
        out.policies.setdefault(str(admin), (Anchor(admin.origin, "", name), None))
    for cilium in cluster.cilium_policies:
        name = ObjectName(cilium.kind, cilium.namespace or None, cilium.name)
        part = f"specs[{cilium.part}]" if cilium.part >= 0 else ""
        out.policies.setdefault(str(cilium), (Anchor(cilium.origin, part, name), None))
    for calico in cluster.calico.policies:
        name = ObjectName(calico.kind, calico.namespace or None, calico.name)
        out.policies.setdefault(str(calico), (Anchor(calico.origin, "", name), None))
    for pod in cluster.pods:
        owner = pod.owner
        anchor = Anchor(pod.origin, "", ObjectName(owner.kind, owner.namespace, owner.name))
        out.workloads.setdefault(str(owner), (anchor, pod))
        out.workloads.setdefault(str(pod), (anchor, pod))
        out.namespaces.setdefault(pod.namespace, anchor)  # a namespace no object declares
    for ns in cluster.namespaces.values():
        if ns.origin:
            out.namespaces[ns.name] = Anchor(ns.origin, "", ObjectName("Namespace", None, ns.name))
    for svc in cluster.services:
        name = ObjectName("Service", svc.namespace, svc.name)
        out.services.setdefault(f"{svc.namespace}/{svc.name}", Anchor(svc.origin, "", name))
    return out


def anchor_findings(report: AuditReport, analysis: Analysis) -> None:
    """Set the anchors of every finding of ``report``."""
    where = index(analysis.cluster)
    for finding in report.findings:
        found: list[Anchor] = []
        for anchor in _anchors(finding, where, report.expect_file):
            if anchor.origin and anchor not in found:
                found.append(anchor)
        finding.anchors = tuple(found[:MOST])


def _anchors(finding: Finding, where: Index, expect_file: str | None) -> Iterator[Anchor]:
    details = finding.details
    if finding.check == EXPECTATION:
        yield from _expectation(details, where)
        if expect_file is not None and Path(expect_file).is_file():
            yield Anchor(f"{expect_file}#1", str(details.get("field", "")))
        return
    origin = details.get("origin")
    if isinstance(origin, str):
        yield _at(where, finding.subject, origin, str(details.get("field", "")))
    for ref in details.get("references") or ():
        if isinstance(ref, dict) and isinstance(ref.get("origin"), str):
            yield _at(where, str(ref.get("policy")), ref["origin"], str(ref.get("field", "")))
    service = where.services.get(str(details.get("service")))
    if service is not None:
        yield Anchor(service.origin, str(details.get("field", "")), service.obj)
    yield from _named(where, finding.subject)
    for item in details.get("workloads") or ():
        yield from _named(where, str(item.get("workload") if isinstance(item, dict) else item))


def _at(where: Index, subject: str, origin: str, path: str) -> Anchor:
    """The field ``path`` of the object ``subject`` written at ``origin``; a rule peer of a
    NetworkPolicy narrowed to the requirement that matches nothing."""
    known = where.policies.get(subject)
    if known is None or known[0].origin != origin:
        return Anchor(origin, path)
    anchor, pol = known
    if pol is not None:
        path = narrow_peer(where.cluster, pol, path)
    return Anchor(origin, path, anchor.obj)


def _named(where: Index, name: str) -> Iterator[Anchor]:
    if name in where.policies:
        yield where.policies[name][0]
    if name in where.workloads:
        yield where.workloads[name][0]
    if name in where.namespaces:
        yield where.namespaces[name]


def _expectation(details: dict[str, Any], where: Index) -> Iterator[Anchor]:
    witness = details.get("witness") or {}
    explanation = witness.get("explanation")
    if details.get("expect") == "allow" and isinstance(explanation, dict):
        yield from _withholding(witness, explanation, where)
    elif isinstance(explanation, dict) or "egress_policies" in witness:
        yield from _allowing(witness, where)


def _withholding(
    witness: dict[str, Any], explanation: dict[str, Any], where: Index
) -> Iterator[Anchor]:
    """The rules that come closest to letting the witness pair connect, on the side that
    withholds the port: those whose ports hold it, narrowed to the peer's requirement that
    keeps the other end out; else the policies of that side."""
    port = str(witness.get("port", ""))
    for direction, other in (("ingress", "src_pod"), ("egress", "dst_pod")):
        side = explanation.get(direction)
        if not isinstance(side, dict) or not side.get("isolated") or _covers(side, port):
            continue
        pod = where.workloads.get(str(witness.get(other)), (None, None))[1]
        near: list[tuple[tuple[int, float], Anchor]] = []
        for name in side.get("policies") or ():
            anchor, pol = where.policies.get(name, (None, None))
            if anchor is not None and pol is not None:
                near += _near_misses(where, anchor, pol, direction, port, pod)
        near.sort(key=lambda scored: scored[0])  # stable: the order written on ties
        yield from (anchor for _, anchor in near)
        for name in side.get("policies") or ():
            if name in where.policies:
                yield where.policies[name][0]


def _near_misses(
    where: Index, anchor: Anchor, pol: NetworkPolicy, direction: str, port: str, pod: Pod | None
) -> Iterator[tuple[tuple[int, float], Anchor]]:
    """Each pod peer of the rules of ``pol`` that may hold ``port``, with its distance
    from ``pod`` (the closest first is the likeliest typo)."""
    key = "from" if direction == "ingress" else "to"
    for rule in pol.ingress if direction == "ingress" else pol.egress:
        if rule.peers is None or not may_cover(rule.ports, port):
            continue
        for j, peer in enumerate(rule.peers):
            if peer.ip_block is None:
                path = f"spec.{direction}[{rule.index}].{key}[{j}]"
                score = (0, 0.0) if pod is None else distance(where.cluster, pol, path, pod)
                narrowed = narrow_peer(where.cluster, pol, path, pod)
                yield score, Anchor(anchor.origin, narrowed, anchor.obj)


def _covers(side: dict[str, Any], port: str) -> bool:
    """Whether a side's allowing rules hold ``port`` (``TCP 5432``; ``any port``: some)."""
    rules = side.get("rules") or []
    parts = port.split(" ")
    if len(parts) != 2 or not parts[1].isdigit():
        return bool(rules)
    number = int(parts[1])
    for rule in rules:
        for low, high in (rule.get("ports") or {}).get(parts[0], ()):
            if low <= number <= high:
                return True
    return False


def _allowing(witness: dict[str, Any], where: Index) -> Iterator[Anchor]:
    """The rules that allow the witness pair (a broken ``deny``): those of the allowing
    policies whose ports may hold the port and whose peers hold the other end; then
    those policies."""
    port = str(witness.get("port", ""))
    for direction, other in (("egress", "dst_pod"), ("ingress", "src_pod")):
        pod = where.workloads.get(str(witness.get(other)), (None, None))[1]
        external = bool(witness.get("dst_external" if direction == "egress" else "src_external"))
        for name in witness.get(f"{direction}_policies") or ():
            anchor, pol = where.policies.get(name, (None, None))
            if anchor is None or pol is None:
                continue
            for rule in pol.egress if direction == "egress" else pol.ingress:
                if may_cover(rule.ports, port) and _admits(where, pol, rule, pod, external):
                    yield Anchor(anchor.origin, f"spec.{direction}[{rule.index}]", anchor.obj)
    for direction in ("egress", "ingress"):
        for name in witness.get(f"{direction}_policies") or ():
            if name in where.policies:
                yield where.policies[name][0]


def _admits(where: Index, pol: NetworkPolicy, rule: Rule, pod: Pod | None, external: bool) -> bool:
    """Whether a rule's peers may hold the other end: a pod its selectors match, an
    external address an ipBlock (not checked further)."""
    if rule.peers is None:
        return True
    key = "to" if rule in pol.egress else "from"
    direction = "egress" if key == "to" else "ingress"
    for j, peer in enumerate(rule.peers):
        if peer.ip_block is not None:
            if external:
                return True
        elif pod is not None:
            path = f"spec.{direction}[{rule.index}].{key}[{j}]"
            if distance(where.cluster, pol, path, pod)[0] == 0:
                return True
    return False
