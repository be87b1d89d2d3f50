"""Calico objects in the loader: one document read (:func:`read_calico`), then all of them
gathered into a :class:`~reach.model.calico.CalicoObjects` (:func:`assemble_calico`).

Until the engine evaluates Calico policies, every enforced Calico policy and Profile gets
an ``unevaluated-kind`` warning (partial): reach reads and validates it, and the answer
leaves it out. :data:`NOT_EVALUATED` names what the note covers, so that the engine's
integration removes it in one place.
"""

from __future__ import annotations

from collections.abc import Iterable

from reach.errors import Diagnostics
from reach.input.calico import CalicoObject, parse_calico
from reach.input.raw import RawObject
from reach.model.calico import (
    CALICO_GROUPS,
    CalicoObjects,
    CalicoPolicy,
    HostEndpoint,
    NetworkSet,
    Profile,
    StagedKubernetesPolicy,
    Tier,
)

#: The kinds that get the not-yet-evaluated note (enforced policies and profiles).
NOT_EVALUATED = ("NetworkPolicy", "GlobalNetworkPolicy", "Profile")


def is_calico(raw: RawObject) -> bool:
    """Whether the object's apiVersion is of a Calico API group."""
    api = raw.obj.get("apiVersion")
    return isinstance(api, str) and api.rpartition("/")[0] in CALICO_GROUPS


def read_calico(
    raw: RawObject, kind: str, diag: Diagnostics
) -> tuple[tuple[str, ...], CalicoObject]:
    """The identity (for duplicates) and model object of one Calico document; raises a
    FieldError listing its problems."""
    api = str(raw.obj.get("apiVersion"))
    version = api.rpartition("/")[2]
    parsed = parse_calico(raw.obj, kind, version, raw.origin, raw.origin + raw.path)
    namespace = getattr(parsed, "namespace", "")
    key = (f"Calico {kind}", namespace, str(parsed.name))
    host_only = isinstance(parsed, CalicoPolicy) and parsed.host_only
    if kind in NOT_EVALUATED and not host_only:
        where = f"{namespace}/{parsed.name}" if namespace else parsed.name
        diag.add(
            "unevaluated-kind",
            f"{kind} {where} ({api}) is read and validated but not yet evaluated: Calico "
            "policies and profiles are not part of the answer yet; the answer leaves it out",
            raw.origin,
            partial=True,
        )
    return key, parsed


def assemble_calico(objects: Iterable[CalicoObject], diag: Diagnostics) -> CalicoObjects:
    """Every Calico object of the input, sorted into a :class:`CalicoObjects`; a tier named
    by a policy and absent from the input is added with no order and default action Deny
    (``calico-tier-missing``)."""
    out = CalicoObjects()
    for obj in objects:
        if isinstance(obj, CalicoPolicy):
            (out.staged if obj.staged else out.policies).append(obj)
        elif isinstance(obj, Tier):
            out.tiers[obj.name] = obj
        elif isinstance(obj, NetworkSet):
            out.network_sets.append(obj)
        elif isinstance(obj, Profile):
            out.profiles[obj.name] = obj
        elif isinstance(obj, HostEndpoint):
            out.host_endpoints.append(obj)
        elif isinstance(obj, StagedKubernetesPolicy):
            out.staged_kubernetes.append(obj)
    for pol in out.policies:
        if pol.tier in out.tiers:
            continue
        out.tiers[pol.tier] = Tier(pol.tier)
        diag.add(
            "calico-tier-missing",
            f"{pol} names tier {pol.tier}, which is not in the input: it is placed last (a tier "
            "without order is applied last), with default action Deny",
            pol.origin,
            partial=True,
        )
    return out
