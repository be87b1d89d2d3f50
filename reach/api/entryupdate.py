"""The quick way of an update of one entry-point object: a Service, an Ingress, a Route or
a Gateway API object (Gateway, HTTPRoute, ReferenceGrant, ...).

Entry points say how traffic arrives from outside (``reach exposure``, ``list
--exposure``); they allow or deny no connection between pods and addresses, so when the
compilation does not read them the reachability stays as it is (the Cilium matcher and
the per-key answers take the new Services, which a policy that names them later reads).
The compilation reads no Ingress, Route or Gateway API object, and a Service only where a
rule names it: a Cilium ``toServices`` item whose name, namespace and label selector take
it (before the change or after), a Calico rule end whose ``services`` names it, or
Istio's mesh layer, which reads every Service (the plain-TCP ports and registry hosts of
the pods behind it: :mod:`reach.engine.meshmoves` builds it again, beside the mesh
alone, or beside Cilium policies none of which takes the Service). A Service Cilium
policies take, or Calico policies name, has each of them taken out in turn and put back
in once the Services are read again (each a step of a policy update), and so has a
Calico Profile that names it (its rules taken out: the Profile kept with none; when
Calico policies name it too, the Profiles' rules go out first and come back last).
Beside the mesh, a Service Cilium policies take has the mesh made again in the middle
step, where the entry points are read again; beside the mesh and Calico, one no Calico
rule names has the mesh made again (and loads when its ports cut the atoms anew: that
compilation keeps no policy state to cut them). A Service Cilium policies take beside
Calico's tiers, and one Calico's rules name beside the mesh, loads.
The entry points are read again from the store, as a load reads them
(:func:`reach.input.entrypoints.read_entries`), and the diagnostics that reading made are
replaced by the new reading's; the connectivity change (``reach diff``) is empty.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

from reach.analysis.compiled import Analysis
from reach.api.ciliumupdate import policies_said as cilium_said
from reach.api.movedupdate import Step, Update, moved_update, moves_in_turn
from reach.engine.calicomesh import with_calico
from reach.engine.calicomoves import calico_moved
from reach.engine.calicoplan import calico_evaluated
from reach.engine.meshmoves import mesh_moved
from reach.engine.moves import Move, rows_kept
from reach.engine.policymoves import policy_moved
from reach.engine.reachability import Reachability
from reach.errors import Diagnostics
from reach.gcpause import without_gc
from reach.input.calicodiag import calico_diagnostics
from reach.input.canonical import replaced, sort_entries
from reach.input.entrypoints import ENTRY_POINT_KINDS, read_entries
from reach.input.loader import is_entry, report_invalid
from reach.input.store import Identity, ObjectStore
from reach.model.calico import CalicoPolicy, Profile
from reach.model.cilium import CiliumPolicy
from reach.model.cluster import Cluster
from reach.model.gateway import GatewayAPI
from reach.model.services import Service


@without_gc
def entry_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Update | None:
    """The analysis after the entry-point object ``key`` changed in ``store``, the change
    (empty, but where the compilation reads the Service: see the module doc) and the
    nodes it was compared on; None when the quick way does not apply (see the module doc),
    a load reported an invalid object (its errors are not kept apart), or the object is
    not one a load reads as an entry point."""
    _, kind, ns, name = key
    cluster, x = before.cluster, before.reachability
    if kind not in ENTRY_POINT_KINDS:
        return None
    if cluster.istio and x.mesh_state is None:
        return None
    if calico_evaluated(cluster) and x.calico_state is None and x.mesh_state is None:
        return None  # (beside the mesh, Calico's rules are compiled with no state kept)
    if x.policy_state is None and x.calico_state is None and x.mesh_state is None:
        return None
    if any(d.code == "skipped-invalid" for d in cluster.diagnostics):
        return None
    raw = store.get(key)
    if raw is not None and not is_entry(raw):
        return None
    after_cluster = entries_again(cluster, store)
    if after_cluster is None:
        return None
    if kind == "Service":
        services = _named(cluster, ns, name) + _named(after_cluster, ns, name)
        if services and _read(cluster, services):
            taken = any(_to_service(cluster, s) for s in services)
            named = any(_calico_service(cluster, s) for s in services)
            if cluster.istio and not taken and not named:
                # the mesh layer built again (plain-TCP ports, registry hosts); the Cilium
                # matcher and answers per key read the new Services (beside Calico, its
                # rules read no Service but those they name)
                moved = _meshed(services)(x, after_cluster)
                return moved_update(before, after_cluster, moved, by)
            if x.policy_state is None and with_calico(x) is None:
                return None  # (beside the mesh, the Calico state its state keeps)
            steps = _taken_again(cluster, after_cluster, services)
            return moves_in_turn(before, steps, by) if steps is not None else None
    return moved_update(before, after_cluster, rows_kept(_with(x, after_cluster)), by)


def _taken_again(cluster: Cluster, after: Cluster, services: list[Service]) -> list[Step] | None:
    """A Service Cilium or Calico policies read (``services``: before, after) changed: each
    of them taken out in turn, the entry points read again, and each put back in, now
    reading the Service as it is after (their diagnostics of it said again); each a step
    of a policy or an entry point as any other. A Calico Profile that names it has its
    rules taken out (kept with none, so that Calico still decides) and put back, first
    out and last back when Calico policies name it too."""
    if calico_evaluated(cluster) and any(_to_service(cluster, s) for s in services):
        return None  # Cilium policies beside Calico's tiers: they load
    if cluster.calico:
        calico = [p for p in cluster.calico.policies if any(_names(p, s) for s in services)]
        profiles = [p for p in _profiles(cluster) if any(_names(p, s) for s in services)]
        missing = Diagnostics()
        calico_diagnostics(after, missing)
        after.diagnostics = replaced(
            after.diagnostics,
            [d for d in cluster.diagnostics if d.code == SERVICE_MISSING],
            [d for d in missing.notes if d.code == SERVICE_MISSING],
        )
        middle = _meshed(services) if cluster.istio else None
        if profiles and calico:
            return _both_in_turn(cluster, after, calico, profiles, middle)
        if profiles:
            return _in_turn(
                cluster, after, profiles, _profiles, _with_profiles, calico_moved, middle
            )
        return _in_turn(
            cluster, after, calico, _calico_policies, _with_calico, calico_moved, middle
        )
    cilium = [p for p in cluster.cilium_policies if any(_takes(p, s) for s in services)]
    gone, come = cilium_said(cilium, [], cluster), cilium_said(cilium, [], after)
    after.diagnostics = replaced(after.diagnostics, gone, come)
    middle = _meshed(services) if cluster.istio else None
    return _in_turn(cluster, after, cilium, _cilium_policies, _with_cilium, policy_moved, middle)


P = TypeVar("P", CiliumPolicy, CalicoPolicy, Profile)
#: The code of the diagnostic of a Calico rule naming a Service not in the input.
SERVICE_MISSING = "calico-service-missing"


def _in_turn(
    cluster: Cluster,
    after: Cluster,
    taking: list[P],
    of: Callable[[Cluster], list[P]],
    having: Callable[[Cluster, list[P]], Cluster],
    move: Callable[[Reachability, Cluster, P | None, P | None], Move | None],
    middle: Callable[[Reachability, Cluster], Move | None] | None = None,
) -> list[Step]:
    """The steps of :func:`_taken_again` for policies of one kind (``of`` a cluster; a
    cluster ``having`` others; ``move``: the quick way of one of them; ``middle``: the
    entry points' own step, the rows kept when not given)."""
    everything = of(cluster)
    steps: list[Step] = []
    for k, policy in enumerate(taking):
        out = having(cluster, [p for p in everything if _kept(p, taking[: k + 1])])
        steps.append((out, _step(move, out, policy, None)))
    without = having(after, [p for p in everything if _kept(p, taking)])
    entries = middle or (lambda x, c: rows_kept(_with(x, c)))
    steps.append((without, lambda x: entries(x, without)))
    for k, policy in enumerate(taking):
        back = having(after, [p for p in everything if _kept(p, taking[k + 1 :])])
        steps.append((back, _step(move, back, None, policy)))
    return steps


def _both_in_turn(
    cluster: Cluster,
    after: Cluster,
    calico: list[CalicoPolicy],
    profiles: list[Profile],
    middle: Callable[[Reachability, Cluster], Move | None] | None,
) -> list[Step]:
    """The steps of :func:`_taken_again` when Calico policies (``calico``) and Profiles
    (``profiles``) both name the Service: the Profiles' rules taken out in turn, then the
    policies' steps over the clusters whose Profiles have none (taken out, the entry
    points read again (``middle``), put back), then the Profiles' rules put back in turn."""
    outer = _in_turn(cluster, after, profiles, _profiles, _with_profiles, calico_moved)
    before, now = (_bare(c, profiles) for c in (cluster, after))
    inner = _in_turn(before, now, calico, _calico_policies, _with_calico, calico_moved, middle)
    k = len(profiles)  # outer[k] is the middle step: the policies' steps take its place
    return [*outer[:k], *inner, *outer[k + 1 :]]


def _meshed(services: list[Service]) -> Callable[[Reachability, Cluster], Move | None]:
    """The entry points' step beside Istio's mesh layer, which reads the Services of the
    pods (``services``: those that changed, before and after): the mesh built again."""
    return lambda x, cluster: mesh_moved(_with(x, cluster), cluster, True, services)


def _bare(cluster: Cluster, profiles: list[Profile]) -> Cluster:
    """``cluster`` whose Profiles among ``profiles`` have no rules."""
    return _with_profiles(cluster, [p for p in _profiles(cluster) if _kept(p, profiles)])


def _step(
    move: Callable[[Reachability, Cluster, P | None, P | None], Move | None],
    cluster: Cluster,
    old: P | None,
    new: P | None,
) -> Callable[[Reachability], Move | None]:
    return lambda x: move(x, cluster, old, new)


def _cilium_policies(cluster: Cluster) -> list[CiliumPolicy]:
    return cluster.cilium_policies


def _with_cilium(cluster: Cluster, policies: list[CiliumPolicy]) -> Cluster:
    out = copy.copy(cluster)
    out.cilium_policies = policies
    return out


def _calico_policies(cluster: Cluster) -> list[CalicoPolicy]:
    return cluster.calico.policies


def _with_calico(cluster: Cluster, policies: list[CalicoPolicy]) -> Cluster:
    out = copy.copy(cluster)
    out.calico = replace(cluster.calico, policies=policies)
    return out


def _profiles(cluster: Cluster) -> list[Profile]:
    return list(cluster.calico.profiles.values())


def _with_profiles(cluster: Cluster, profiles: list[Profile]) -> Cluster:
    """``cluster`` whose Calico Profiles not among ``profiles`` have no rules (a Profile
    taken out of the Calico objects would leave none, and Calico would not decide)."""
    out = copy.copy(cluster)
    kept = {id(p) for p in profiles}
    bare = {
        name: p if id(p) in kept else p.without_rules()
        for name, p in cluster.calico.profiles.items()
    }
    out.calico = replace(cluster.calico, profiles=bare)
    return out


def _kept(policy: object, out: Sequence[object]) -> bool:
    return not any(policy is p for p in out)


def _takes(policy: CiliumPolicy, service: Service) -> bool:
    """Whether a ``toServices`` item of ``policy`` takes ``service``."""
    return any(ref.takes(service) for rule in policy.rules for ref in rule.services)


def _named(cluster: Cluster, ns: str, name: str) -> list[Service]:
    """The Service ``ns/name`` of ``cluster`` (none or one)."""
    return [s for s in cluster.services if s.namespace == ns and s.name == name]


def _read(cluster: Cluster, services: list[Service]) -> bool:
    """Whether the compilation reads the Service before or after the change (``services``:
    either or both): the mesh layer reads every Service, a Cilium ``toServices`` item or
    a Calico ``services`` end those it names; a Service read the same way before and
    after (origins aside) changes nothing."""
    if len({replace(s, origin="") for s in services}) == 1 and len(services) == 2:
        return False  # applied again as it was
    if cluster.istio:
        return True
    return any(_to_service(cluster, s) or _calico_service(cluster, s) for s in services)


def _to_service(cluster: Cluster, service: Service) -> bool:
    """Whether a Cilium rule's ``toServices`` takes ``service`` (ciliummatch reads it so)."""
    return any(_takes(policy, service) for policy in cluster.cilium_policies)


def _calico_service(cluster: Cluster, service: Service) -> bool:
    """Whether a Calico policy's or profile's rule end names ``service`` (``services``)."""
    calico = cluster.calico
    return any(_names(p, service) for p in calico.policies) or any(
        _names(p, service) for p in calico.profiles.values()
    )


def _names(policy: CalicoPolicy | Profile, service: Service) -> bool:
    """Whether a rule end of ``policy`` names ``service`` (``services``)."""
    ref = (service.namespace, service.name)
    return any(
        end.service is not None and (end.service.namespace, end.service.name) == ref
        for rule in (*policy.ingress, *policy.egress)
        for end in (rule.source, rule.destination)
    )


def _with(x: Reachability, cluster: Cluster) -> Reachability:
    """``x`` for ``cluster``, whose entry points are others: the Cilium matcher and the
    answers per key read its Services; beside Calico's tiers, the projections of pods'
    keys read every Service's selector (``KeyAnswers.with_calico_services``) and the
    Calico matcher takes them when next needed (``calicosteps.kept_matcher``); beside the
    mesh layer, the answers per key are the mesh state's."""
    state, keys, kept = x.policy_state, x.class_keys, x.mesh_state
    if keys is None:
        return replace(x, cluster=cluster)
    meshed = keys.answers is None and kept is not None
    answers = kept.key_answers if meshed and kept is not None else keys.answers
    if answers is None:
        return replace(x, cluster=cluster)
    if x.calico_state is not None or (meshed and kept is not None and kept.calico is not None):
        answers = answers.with_calico_services(tuple(cluster.services))
        if meshed and kept is not None:  # (beside the mesh its state keeps Calico's too)
            return replace(x, cluster=cluster, mesh_state=replace(kept, key_answers=answers))
        return replace(x, cluster=cluster, class_keys=replace(keys, answers=answers))
    if not cluster.cilium_policies or state is None:
        return replace(x, cluster=cluster)
    services = cluster.services
    answers = answers.with_services(services)
    out = replace(
        x,
        cluster=cluster,
        policy_state=replace(state, matcher=state.matcher.with_services(services)),
    )
    if meshed and kept is not None:
        return replace(out, mesh_state=replace(kept, key_answers=answers))
    return replace(out, class_keys=replace(keys, answers=answers))


def entries_again(cluster: Cluster, store: ObjectStore) -> Cluster | None:
    """``cluster`` with its entry points read again from ``store``, and the diagnostics of
    that reading in place of the last one's; None when an entry point is invalid (a load
    reports it)."""
    after = copy.copy(cluster)
    after.services, after.routes, after.gateway_api = [], [], GatewayAPI()
    diag = Diagnostics()
    read_entries(after, (raw for raw in store.raws() if is_entry(raw)), diag, report_invalid)
    if diag.errors:
        return None
    sort_entries(after)
    after.diagnostics = replaced(
        cluster.diagnostics, cluster.entry_diagnostics, after.entry_diagnostics
    )
    return after
