"""Which policies a change adds, removes or rewrites: what ``reach diff --format sarif``
points at.

Policies of every kind reach evaluates (NetworkPolicies, Admin and Baseline ones, Cilium
and Calico policies) are matched by kind, namespace and name; one whose parsed form
differs (its origin aside) is changed. A change of layout or comments is no change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from reach.input.positions import Anchor, ObjectName
from reach.model.cluster import Cluster


@dataclass(frozen=True)
class PolicyChange:
    """A policy added, removed or changed: its text (``ns/name``, ``ANP x (priority 1)``),
    and where it is written (in the new input; in the old one when removed); ``before``
    is where a changed policy was written in the old input."""

    policy: str
    change: str  # "added" | "removed" | "changed"
    anchor: Anchor
    before: Anchor | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "change": self.change, "origin": self.anchor.origin}


def _lists(cluster: Cluster) -> tuple[object, ...]:
    """The lists of policies that :func:`_policies` reads."""
    return (
        cluster.policies,
        cluster.admin_policies,
        cluster.cilium_policies,
        cluster.calico.policies,
    )


#: A policy of any kind reach evaluates (each has a namespace or not, a name and an origin).
_Policy = Any


def _policies(cluster: Cluster) -> dict[tuple[str, str, str, int], tuple[_Policy, Anchor]]:
    """Every policy by (kind, namespace, name, part), with its anchor."""
    out: dict[tuple[str, str, str, int], tuple[_Policy, Anchor]] = {}
    for pol in cluster.policies:
        name = ObjectName("NetworkPolicy", pol.namespace, pol.name)
        key = ("NetworkPolicy", pol.namespace, pol.name, -1)
        out[key] = (pol, Anchor(pol.origin, "", name))
    for admin in cluster.admin_policies:
        name = ObjectName(admin.kind, None, admin.name)
        out[(admin.kind, "", admin.name, -1)] = (admin, Anchor(admin.origin, "", name))
    for cil in cluster.cilium_policies:
        name = ObjectName(cil.kind, cil.namespace or None, cil.name)
        part = f"specs[{cil.part}]" if cil.part >= 0 else ""
        key = (cil.kind, cil.namespace, cil.name, cil.part)
        out[key] = (cil, Anchor(cil.origin, part, name))
    for cal in cluster.calico.policies:
        name = ObjectName(cal.kind, cal.namespace or None, cal.name)
        out[(cal.kind, cal.namespace, cal.name, -1)] = (cal, Anchor(cal.origin, "", name))
    return out


def policy_changes(old: Cluster, new: Cluster) -> list[PolicyChange]:
    """The policies added, removed and changed from ``old`` to ``new``, by kind and name."""
    if all(a is b for a, b in zip(_lists(old), _lists(new), strict=True)):
        return []  # the same policy lists (an update of pods only): nothing to compare
    before, after = _policies(old), _policies(new)
    out = []
    for key in sorted(before.keys() | after.keys()):
        if key not in before:
            policy, anchor = after[key]
            out.append(PolicyChange(str(policy), "added", anchor))
        elif key not in after:
            policy, anchor = before[key]
            out.append(PolicyChange(str(policy), "removed", anchor))
        elif before[key][0] is not after[key][0] and _changed(before[key][0], after[key][0]):
            policy, anchor = after[key]
            out.append(PolicyChange(str(policy), "changed", anchor, before[key][1]))
    return out


def _changed(old: _Policy, new: _Policy) -> bool:
    """Whether two policies differ, their origins aside (one object is never changed)."""
    return bool(replace(old, origin="") != replace(new, origin=""))
