"""The built-in audit checks: one function per check, each with a stable id and severity.

Every check reads the compiled class rows (``Reachability.ids`` and ``block``,
``ingress_isolated``, ``policy_selected``, the compiled rules); pods are
visited one at a time only to group them by workload or namespace, never in
pairs. The catalogue with rationale and examples is ``docs/audit.md``.

Importing this package registers every check. The catalogue lists the families
in the order of :data:`FAMILIES`, and the checks of a family in the order
their module defines them.
"""

from reach.audit.checks import (
    calico,
    cilium,
    dns,
    entrypoints,
    exposure,
    info,
    isolation,
    metadata,
    namespaces,
    policies,
    potential,
    tiers,
)
from reach.audit.registry import CHECKS, Check, NotApplicable, catalogue

#: The check families in catalogue order (docs/audit.md follows it).
FAMILIES = (
    namespaces,
    isolation,
    exposure,
    potential,
    entrypoints,
    metadata,
    dns,
    policies,
    info,
    tiers,
    cilium,
    calico,
)

_ordered = {
    cid: c for family in FAMILIES for cid, c in CHECKS.items() if c.fn.__module__ == family.__name__
}
assert len(_ordered) == len(CHECKS), "every check module must be listed in FAMILIES"
CHECKS.clear()
CHECKS.update(_ordered)

__all__ = ["CHECKS", "FAMILIES", "Check", "NotApplicable", "catalogue"]
