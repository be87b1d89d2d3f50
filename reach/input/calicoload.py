"""Calico objects in the loader: one document read (:func:`read_calico`), then all of them
gathered into a :class:`~reach.model.calico.CalicoObjects` (:func:`assemble_calico`).

The engine evaluates enforced Calico policies and Profiles (``reach.engine.calico*``).
"""

from __future__ import annotations

from collections.abc import Iterable

from reach.errors import Diagnostics
from reach.input.calico import CalicoObject, parse_calico
from reach.input.raw import RawObject
from reach.model.calico import (
    CALICO_GROUPS,
    K8S_POLICY_PREFIX,
    CalicoObjects,
    CalicoPolicy,
    HostEndpoint,
    NetworkSet,
    Profile,
    StagedKubernetesPolicy,
    Tier,
)


def is_calico(raw: RawObject) -> bool:
    """Whether the object's apiVersion is of a Calico API group."""
    api = raw.obj.get("apiVersion")
    return isinstance(api, str) and api.rpartition("/")[0] in CALICO_GROUPS


def read_calico(
    raw: RawObject, kind: str, diag: Diagnostics
) -> tuple[tuple[str, ...], CalicoObject]:
    """The identity (for duplicates) and model object of one Calico document; raises a
    FieldError listing its problems. ``diag`` receives no note now that the engine
    evaluates Calico policies (kept for the loader's call)."""
    api = str(raw.obj.get("apiVersion"))
    version = api.rpartition("/")[2]
    parsed = parse_calico(raw.obj, kind, version, raw.origin, raw.origin + raw.path)
    namespace = getattr(parsed, "namespace", "")
    key = (f"Calico {kind}", namespace, str(parsed.name))
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


def drop_copies(calico: CalicoObjects, originals: set[tuple[str, str]], diag: Diagnostics) -> None:
    """Leave out the Calico NetworkPolicies that are Calico's copies of Kubernetes
    NetworkPolicies of the input (``knp.default.<name>``, as Calico's API server lists
    them, and ``calicoctl get networkpolicy -o yaml`` exports them): the original is
    evaluated, in the default tier, once. A copy whose original is not in the input is
    kept (it is the only form of that policy given). ``originals``: ``(namespace, name)``
    of the input's Kubernetes NetworkPolicies."""
    kept = []
    for pol in calico.policies:
        original = (pol.namespace, pol.name.removeprefix(K8S_POLICY_PREFIX))
        if (
            pol.kind == "NetworkPolicy"
            and pol.name.startswith(K8S_POLICY_PREFIX)
            and (original in originals)
        ):
            diag.add(
                "calico-copy-skipped",
                f"{pol} is Calico's copy of the Kubernetes NetworkPolicy "
                f"{original[0]}/{original[1]} of the input, which is evaluated instead (once)",
                pol.origin,
                severity="info",
            )
            continue
        kept.append(pol)
    calico.policies[:] = kept
