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


def _policies(cluster: Cluster) -> dict[tuple[str, str, str, int], _Policy]:
    """Every policy by (kind, namespace, name, part)."""
    out: dict[tuple[str, str, str, int], _Policy] = {}
    for pol in cluster.policies:
        out[("NetworkPolicy", pol.namespace, pol.name, -1)] = pol
    for admin in cluster.admin_policies:
        out[(admin.kind, "", admin.name, -1)] = admin
    for cil in cluster.cilium_policies:
        out[(cil.kind, cil.namespace, cil.name, cil.part)] = cil
    for cal in cluster.calico.policies:
        out[(cal.kind, cal.namespace, cal.name, -1)] = cal
    return out


def _anchor(key: tuple[str, str, str, int], policy: _Policy) -> Anchor:
    """Where the policy of ``key`` is written (a Cilium policy's part: ``specs[i]``)."""
    kind, namespace, name, part = key
    where = f"specs[{part}]" if part >= 0 else ""
    return Anchor(policy.origin, where, ObjectName(kind, namespace or None, name))


def policy_changes(old: Cluster, new: Cluster) -> list[PolicyChange]:
    """The policies added, removed and changed from ``old`` to ``new``, by kind and name."""
    if all(a is b for a, b in zip(_lists(old), _lists(new), strict=True)):
        return []  # the same policy lists (an update of pods only): nothing to compare
    before, after = _policies(old), _policies(new)
    out = []
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        if was is now:  # one object: unchanged
            continue
        if was is None:
            out.append(PolicyChange(str(now), "added", _anchor(key, now)))
        elif now is None:
            out.append(PolicyChange(str(was), "removed", _anchor(key, was)))
        elif _changed(was, now):
            out.append(PolicyChange(str(now), "changed", _anchor(key, now), _anchor(key, was)))
    return out


def _changed(old: _Policy, new: _Policy) -> bool:
    """Whether two policies differ, their origins aside (one object is never changed)."""
    return bool(replace(old, origin="") != replace(new, origin=""))
