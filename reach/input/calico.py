"""Parse and validate Calico objects of ``projectcalico.org/v3`` and ``crd.projectcalico.org/v1``.

NetworkPolicy, GlobalNetworkPolicy, their staged forms, StagedKubernetesNetworkPolicy,
Tier, NetworkSet, GlobalNetworkSet, Profile and HostEndpoint become the objects of
:mod:`reach.model.calico`. Validation is the API server's: the CRD schemas
(/work/shared/specs/calico/crd-v3 and crd-v1: fields, types, enums, lengths, CEL rules)
and Calico's validator (``reach.input.calicorules``); every problem of a document is
reported at once. ``spec`` is required in v3 (the CRD's ``required``), optional in the
v1 storage form. The parts: ``calicopolicy`` (policies), ``calicorules`` (rules),
``calicoselector`` (selectors), ``calicoobjects`` (the other kinds). What the fields mean
is in docs/semantics.md ("Calico policies").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.calicoobjects import (
    parse_host_endpoint,
    parse_network_set,
    parse_profile,
    parse_tier,
)
from reach.input.calicopolicy import parse_policy, policy_fields
from reach.input.netpol import parse_network_policy
from reach.input.validation import Collector, metadata
from reach.model.calico import (
    CalicoPolicy,
    HostEndpoint,
    NetworkSet,
    Profile,
    StagedKubernetesPolicy,
    Tier,
)

CalicoObject = CalicoPolicy | Tier | NetworkSet | Profile | HostEndpoint | StagedKubernetesPolicy

#: Kinds without a namespace.
CLUSTER_SCOPED = (
    "GlobalNetworkPolicy",
    "StagedGlobalNetworkPolicy",
    "GlobalNetworkSet",
    "Tier",
    "Profile",
    "HostEndpoint",
)
_OTHER_FIELDS = {
    "Tier": ("order", "defaultAction"),
    "NetworkSet": ("nets",),
    "GlobalNetworkSet": ("nets",),
    "Profile": ("ingress", "egress", "labelsToApply"),
    "HostEndpoint": ("node", "interfaceName", "expectedIPs", "profiles", "ports"),
}
_Parser = Callable[[Mapping[str, Any], str, str, str, Mapping[str, str], str], Any]
_PARSERS: dict[str, _Parser] = {
    "NetworkPolicy": parse_policy,
    "GlobalNetworkPolicy": parse_policy,
    "StagedNetworkPolicy": parse_policy,
    "StagedGlobalNetworkPolicy": parse_policy,
    "Tier": parse_tier,
    "NetworkSet": parse_network_set,
    "GlobalNetworkSet": parse_network_set,
    "Profile": parse_profile,
    "HostEndpoint": parse_host_endpoint,
}
#: Every Calico kind reach reads.
CALICO_KINDS = (*_PARSERS, "StagedKubernetesNetworkPolicy")


def parse_calico(
    obj: Mapping[str, Any], kind: str, version: str, origin: str = "", seed: str = ""
) -> CalicoObject:
    """The model object of one Calico document, or a FieldError listing its problems.
    ``version`` is the apiVersion's version (``v3``, or ``v1`` of the storage form)."""
    if kind == "StagedKubernetesNetworkPolicy":
        pol = parse_network_policy(obj, origin, seed)
        return StagedKubernetesPolicy(pol.namespace, pol.name, origin)
    found = Collector()
    meta = found.run(metadata, obj, kind, seed or origin, namespaced=kind not in CLUSTER_SCOPED)
    raw = obj.get("spec")
    if raw is None and version == "v3":
        found.problems.append(FieldError("spec", "is required"))
    fields = policy_fields(kind) if kind in _PARSERS and "Policy" in kind else _OTHER_FIELDS[kind]
    spec = found.run(f.obj, raw, "spec", fields) or {}
    name, namespace = (meta.name, meta.namespace) if meta else ("", "")
    labels = meta.labels if meta else {}
    parsed = found.run(_PARSERS[kind], spec, kind, namespace, name, labels, origin)
    found.done()
    assert parsed is not None
    out: CalicoObject = parsed
    return out
