"""Turn raw objects into a validated :class:`~reach.model.cluster.Cluster`.

Each object is placed by its API group and kind (:mod:`reach.input.kinds`): evaluated
kinds are parsed and validated; policy kinds reach does not evaluate get an
``unevaluated-kind`` warning each (the answer is partial); kinds that cannot change
connectivity are ignored; other unknown kinds get one ``unread-kind`` note per kind.
Invalid documents are all reported together; with ``skip_invalid`` they are left out
with a warning; each error names the line and column of its field when the file can be
read again (:mod:`reach.input.positions`). An object given twice (same kind, namespace
and name) is taken as a sequence of ``kubectl apply`` would: the later one wins, with a
``duplicate-object`` warning naming both origins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from reach.errors import Diagnostic, Diagnostics, FieldError, InvalidInput, Problem
from reach.input.adminpolicy import parse_admin_policy
from reach.input.calico import CalicoObject
from reach.input.calicodiag import calico_diagnostics
from reach.input.calicoload import assemble_calico, drop_copies, is_calico, read_calico
from reach.input.canonical import pod_key, sort_objects, workload_key
from reach.input.cilium import CCNP, CNP, parse_cilium_policy
from reach.input.ciliumcidr import CidrGroup, parse_cidr_group
from reach.input.ciliumdiag import cilium_diagnostics
from reach.input.entrypoints import ENTRY_POINT_KINDS, read_entries
from reach.input.istio import ISTIO_KINDS, IstioRead, assembled, read_istio
from reach.input.istiodiag import istio_diagnostics
from reach.input.kinds import Category, Placed, classify, current_api
from reach.input.netpol import parse_network_policy
from reach.input.positions import position_text
from reach.input.raw import RawObject
from reach.input.validation import each_problem, metadata
from reach.input.workloads import capped, expand_workload, parse_pod
from reach.model.cilium import CiliumPolicy
from reach.model.cluster import NAME_LABEL, AdminPolicy, Cluster, Namespace, NetworkPolicy, Pod

#: Cluster-scoped policy kinds of policy.networking.k8s.io.
ADMIN_KINDS = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")

V = TypeVar("V")

#: ``id(manifest) -> (manifest, origin, parsed)``: what a pure parser made of a manifest
#: dict, for loads that see the same dicts again (``Reach.apply``, ``reach watch``).
Memo = dict[int, tuple[Mapping[str, Any], str, Any]]


@dataclass
class _Objects(Generic[V]):
    """Objects of one sort by identity; a later one replaces an earlier one, with a warning."""

    diag: Diagnostics
    items: dict[tuple[str, ...], tuple[V, str]] = field(default_factory=dict)

    def put(self, key: tuple[str, ...], value: V, origin: str) -> None:
        before = self.items.get(key)
        if before is not None:
            name = "/".join(k for k in key[1:] if k)
            self.diag.add(
                "duplicate-object",
                f"{key[0]} {name} is also defined at {before[1]}: the later one ({origin}) is "
                "used, as successive `kubectl apply` would",
                origin,
            )
        self.items[key] = (value, origin)

    def values(self) -> list[V]:
        return [v for v, _ in self.items.values()]


@dataclass
class _Read:
    """What the evaluated objects of the input became, by identity."""

    diag: Diagnostics
    namespaces: _Objects[Namespace] = field(init=False)
    pods: _Objects[Pod] = field(init=False)
    workloads: _Objects[list[Pod]] = field(init=False)
    policies: _Objects[NetworkPolicy] = field(init=False)
    admin: _Objects[AdminPolicy] = field(init=False)
    cilium: _Objects[list[CiliumPolicy]] = field(init=False)
    cidr_groups: _Objects[CidrGroup] = field(init=False)
    calico: _Objects[CalicoObject] = field(init=False)
    istio: _Objects[IstioRead] = field(init=False)
    #: Cilium policies, read once every CiliumCIDRGroup of the input is known.
    deferred: list[RawObject] = field(default_factory=list)
    #: Warnings of the Cilium parser, with the origin of their policy.
    cilium_warnings: list[tuple[str, str]] = field(default_factory=list)
    unread: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    #: Parsed objects of an earlier load (:data:`Memo`), and those of this one.
    previous: Memo | None = None
    memo: Memo | None = None

    def parsed(self, raw: RawObject, parse: Callable[[], V]) -> V:
        """``parse()``, or what it gave for the same manifest dict before (``previous``)."""
        if self.memo is None:
            return parse()
        key = id(raw.obj)
        hit = self.previous.get(key) if self.previous is not None else None
        if hit is not None and hit[0] is raw.obj and hit[1] == raw.origin + raw.path:
            value: V = hit[2]
        else:
            value = parse()
        self.memo[key] = (raw.obj, raw.origin + raw.path, value)
        return value

    def __post_init__(self) -> None:
        self.namespaces = _Objects(self.diag)
        self.pods = _Objects(self.diag)
        self.workloads = _Objects(self.diag)
        self.policies = _Objects(self.diag)
        self.admin = _Objects(self.diag)
        self.cilium = _Objects(self.diag)
        self.cidr_groups = _Objects(self.diag)
        self.calico = _Objects(self.diag)
        self.istio = _Objects(self.diag)


def build_cluster(
    raws: Iterable[RawObject],
    diag: Diagnostics | None = None,
    skip_invalid: bool = False,
    memo: Memo | None = None,
) -> Cluster:
    """Parse every object; raise :class:`InvalidInput` listing all problems found.

    With ``memo``, namespaces, pods, workloads and NetworkPolicies whose manifest dict (the
    same object, at the same origin) was parsed by an earlier call with that memo are not
    parsed again (their parsers are pure); the memo then holds this load's objects only.
    """
    diag = diag or Diagnostics()
    read = _Read(diag, previous=memo, memo={} if memo is not None else None)
    entries: list[RawObject] = []  # Services, Ingresses, Routes (reach.input.entrypoints)
    for raw in raws:
        kind = str(raw.obj.get("kind"))
        placed = classify(raw.obj.get("apiVersion"), kind)
        if placed.error is not None:
            diag.error(raw.origin, raw.path + placed.error[0], placed.error[1])
        elif _evaluated(raw, kind, placed, read):
            try:
                _read(raw, kind, read)
            except FieldError as e:
                report_invalid(raw, e, diag)
        elif kind in ENTRY_POINT_KINDS and _entry_point(placed):
            entries.append(raw)
    _read_cilium(read)
    cluster = Cluster()
    cluster.namespaces = {ns.name: ns for ns in read.namespaces.values()}
    cluster.pods = sorted(read.pods.values(), key=pod_key)
    cluster.pods_from_objects = len(cluster.pods)
    read_entries(cluster, entries, diag, report_invalid)
    # Pods already present for a controller stand for it; expand only the others.
    owners = {p.workload for p in cluster.pods if p.workload}
    for pods in sorted(read.workloads.values(), key=workload_key):
        if pods[0].workload not in owners:
            cluster.pods.extend(pods)
    cluster.pods = distinct_names(cluster.pods)
    cluster.policies = read.policies.values()
    cluster.admin_policies = read.admin.values()
    cluster.cilium_policies = [p for pols in read.cilium.values() for p in pols]
    admin_diagnostics(cluster, diag)
    for origin, warning in read.cilium_warnings:
        diag.add("cilium-namespace-replaced", warning, origin)
    cilium_diagnostics(cluster, diag)
    cluster.calico = assemble_calico(read.calico.values(), diag)
    drop_copies(cluster.calico, {(p.namespace, p.name) for p in cluster.policies}, diag)
    calico_diagnostics(cluster, diag)
    cluster.istio = assembled(read.istio.values())
    istio_diagnostics(cluster, diag)
    _unread(read, diag)
    diag.errors[:] = [_placed(p) for p in diag.errors]
    if diag.errors and not skip_invalid:
        raise InvalidInput(diag.errors)
    for problem in diag.errors if skip_invalid else ():
        diag.add("skipped-invalid", f"skipped invalid object: {problem}", partial=True)
    for p in cluster.pods:
        cluster.namespace(p.namespace)
    for pol in cluster.policies:
        cluster.namespace(pol.namespace)
    for cnp in cluster.cilium_policies:
        if cnp.namespace:
            cluster.namespace(cnp.namespace)
    calico_namespaces = [p.namespace for p in cluster.calico.policies]
    for ns in calico_namespaces + [s.namespace for s in cluster.calico.network_sets]:
        if ns:
            cluster.namespace(ns)
    cluster.diagnostics = list(diag.notes)
    sort_objects(cluster)
    if memo is not None and read.memo is not None:
        memo.clear()
        memo.update(read.memo)
    return cluster


def _evaluated(raw: RawObject, kind: str, placed: Placed, read: _Read) -> bool:
    """Whether reach evaluates the object; records a diagnostic for what it does not."""
    info = placed.info
    api = raw.obj.get("apiVersion") or placed.group
    if info is None and placed.flag:
        read.diag.add(
            "unevaluated-kind",
            f"{kind} ({api}) is not evaluated: {placed.flag}; the answer leaves it out",
            raw.origin,
            partial=True,
        )
    elif info is None:
        read.unread.setdefault((str(api), kind), []).append(raw.origin)
    elif info.category is Category.POLICY_BEARING:
        read.diag.add(
            "unevaluated-kind",
            f"{kind} ({api}) is not evaluated: {info.reason}; the answer leaves it out",
            raw.origin,
            partial=True,
        )
    elif info.category is Category.EVALUATED and placed.deprecated:
        read.diag.add(
            "deprecated-api",
            f"{kind} of {api} is deprecated (Kubernetes no longer serves it); read as "
            f"{current_api(kind)}, which has the same fields reach reads",
            raw.origin,
        )
    return info is not None and info.category is Category.EVALUATED


def distinct_names(pods: list[Pod]) -> list[Pod]:
    """Pods with distinct names per namespace. Objects of different kinds may share a name
    (a Deployment and a StatefulSet ``web``), and the pods reach derives for them would too;
    a later pod of a workload whose name is taken gets its workload's kind as a suffix
    (``web-statefulset``), so that each is a node of its own."""
    taken: set[tuple[str, str]] = set()
    out: list[Pod] = []
    for pod in pods:
        name = pod.name
        if (pod.namespace, name) in taken and pod.workload is not None:
            base = f"{pod.name}-{pod.workload.kind.lower()}"
            name, n = base, 1
            while (pod.namespace, name) in taken:
                n += 1
                name = f"{base}-{n}"
            pod = replace(pod, name=name)
        taken.add((pod.namespace, name))
        out.append(pod)
    return out


def _entry_point(placed: Placed) -> bool:
    """Whether the kinds table places the object among the entry points."""
    return placed.info is not None and placed.info.category is Category.ENTRY_POINT


def is_entry(raw: RawObject) -> bool:
    """Whether a load reads ``raw`` as an entry point (and says nothing of it before)."""
    kind = str(raw.obj.get("kind"))
    if kind not in ENTRY_POINT_KINDS:  # most objects: not classified
        return False
    placed = classify(raw.obj.get("apiVersion"), kind)
    return placed.error is None and _entry_point(placed)


def _read(raw: RawObject, kind: str, read: _Read) -> None:
    """Parse one evaluated object into ``read``."""
    seed = raw.origin + raw.path
    if is_calico(raw):
        read.calico.put(*read_calico(raw, kind, read.diag), raw.origin)
    elif kind == "Namespace":
        ns = read.parsed(raw, lambda: parse_namespace(raw, seed))
        read.namespaces.put((kind, ns.name), ns, raw.origin)
    elif kind == "Pod":
        pod = read.parsed(raw, lambda: parse_pod(raw.obj, raw.origin, seed))
        read.pods.put((kind, pod.namespace, pod.name), pod, raw.origin)
    elif kind == "NetworkPolicy":
        pol = read.parsed(raw, lambda: parse_network_policy(raw.obj, raw.origin, seed))
        read.policies.put((kind, pol.namespace, pol.name), pol, raw.origin)
    elif kind in ADMIN_KINDS:
        admin = parse_admin_policy(raw.obj, kind, raw.origin, seed)
        read.admin.put((kind, admin.name), admin, raw.origin)
    elif kind in (CNP, CCNP):
        read.deferred.append(raw)  # cidrGroupRef may name a CiliumCIDRGroup given later
    elif kind in ISTIO_KINDS:
        _read_istio(raw, kind, read)
    elif kind == "CiliumCIDRGroup":
        group = parse_cidr_group(raw.obj, raw.origin, seed)
        read.cidr_groups.put((kind, group.name), group, raw.origin)
    else:
        pods, replicas = read.parsed(raw, lambda: expand_workload(raw.obj, kind, raw.origin, seed))
        owner = pods[0].workload
        assert owner is not None
        if replicas > len(pods):
            read.diag.add("replicas-capped", capped(owner, replicas, len(pods)), raw.origin)
        read.workloads.put((kind, owner.namespace, owner.name), pods, raw.origin)


def _read_cilium(read: _Read) -> None:
    """Parse the Cilium policies, now that every CiliumCIDRGroup is known."""
    groups = {g.name: g for g in read.cidr_groups.values()}
    for raw in read.deferred:
        kind = str(raw.obj.get("kind"))
        try:
            parsed = parse_cilium_policy(raw.obj, kind, raw.origin, raw.origin + raw.path, groups)
        except FieldError as e:
            report_invalid(raw, e, read.diag)
            continue
        read.cilium_warnings += [(raw.origin, w) for w in parsed.warnings]
        if parsed.policies:
            first = parsed.policies[0]
            read.cilium.put((kind, first.namespace, first.name), parsed.policies, raw.origin)


def _read_istio(raw: RawObject, kind: str, read: _Read) -> None:
    """An AuthorizationPolicy, PeerAuthentication, Sidecar or ServiceEntry."""
    obj = read_istio(raw.obj, kind, raw.origin, raw.origin + raw.path)
    read.istio.put((kind, obj.namespace, obj.name), obj, raw.origin)


def _placed(problem: Problem) -> Problem:
    """The problem with the line and column of its field, when they can be found (the file
    is read again with positions: :mod:`reach.input.positions`)."""
    if problem.position:
        return problem
    return replace(problem, position=position_text(problem.origin, problem.path))


def report_invalid(raw: RawObject, error: FieldError, diag: Diagnostics) -> None:
    """Each problem of an invalid document, as an error at its origin and field path."""
    for bad in each_problem(error):
        diag.error(raw.origin, raw.path + bad.path, bad.message)


def parse_namespace(raw: RawObject, seed: str) -> Namespace:
    """The namespace of a Namespace object, with the name label the API server sets."""
    meta = metadata(raw.obj, "Namespace", seed, namespaced=False)
    labels = dict(meta.labels)
    # The API server always sets kubernetes.io/metadata.name to the namespace's name.
    labels[NAME_LABEL] = meta.name
    return Namespace(meta.name, tuple(sorted(labels.items())), raw.origin)


def _unread(read: _Read, diag: Diagnostics) -> None:
    """One note per unknown kind: reach did not read it."""
    for (api, kind), origins in read.unread.items():
        count = f"{len(origins)} objects" if len(origins) > 1 else "1 object"
        diag.add(
            "unread-kind",
            f"{count} of kind {kind} ({api}) not read: reach does not know this kind "
            "(docs/kinds.md lists those it knows)",
            origins[0],
            severity="info",
        )


def unevaluated_said(raws: Iterable[RawObject], diag: Diagnostics) -> bool:
    """Say in ``diag`` what a load says of ``raws``, objects of kinds it does not evaluate:
    ``unevaluated-kind`` of each policy-bearing one, ``unread-kind`` of each unknown kind;
    False (and nothing said) when a load reads one of them otherwise (evaluated, an entry
    point, passed over, or an error)."""
    read, said = _Read(Diagnostics()), True
    for raw in raws:
        kind = str(raw.obj.get("kind"))
        placed = classify(raw.obj.get("apiVersion"), kind)
        known = placed.info is not None and placed.info.category is not Category.POLICY_BEARING
        if placed.error is not None or known or _evaluated(raw, kind, placed, read):
            said = False
    if said:
        _unread(read, read.diag)
        diag.notes.extend(read.diag.notes)
    return said


def said_of_kind(d: Diagnostic, group: str, kind: str) -> bool:
    """Whether ``d`` is what a load says of objects of ``kind`` of API ``group`` that it
    does not evaluate (:func:`unevaluated_said`: the messages of :func:`_evaluated` and
    :func:`_unread`)."""
    if d.code == "unevaluated-kind":
        head = f"{kind} ("
        at = 0 if d.message.startswith(head) else -1
    elif d.code == "unread-kind":
        head = f" of kind {kind} ("
        at = d.message.find(head)
    else:
        return False
    if at < 0:
        return False
    api = d.message[at + len(head) : d.message.find(")", at)]
    return api.rpartition("/")[0] == group


def admin_diagnostics(cluster: Cluster, diag: Diagnostics) -> None:
    """Say what offline analysis cannot resolve in the admin policies (an update of an
    admin policy says it again: ``reach.api.policyupdate``)."""
    for pol in cluster.admin_policies:
        for direction, rules in (("ingress", pol.ingress), ("egress", pol.egress)):
            for r in rules:
                for peer in r.unresolved:
                    diag.add(
                        "unresolved-peer",
                        f"{pol} {direction} rule {r.name}: peer {peer} cannot be resolved "
                        "offline; it matches nothing here",
                        pol.origin,
                        partial=True,
                    )
