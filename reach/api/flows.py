"""``reach.check_flows(r, "flows.json")``: observed flows against the policies of a
loaded cluster (``reach flows check``; :mod:`reach.analysis.flowcheck`)."""

from __future__ import annotations

from reach.analysis.flowcheck import FlowCheck
from reach.analysis.flowcheck import check_flows as _check
from reach.api.facade import Reach
from reach.input.flows import FlowFile, read_flows
from reach.model.defaultdeny import with_default_deny


def check_flows(
    r: Reach,
    flows: str | FlowFile,
    *,
    proposed: Reach | None = None,
    default_deny: bool = False,
    skip_invalid: bool = False,
) -> FlowCheck:
    """Check observed flows (a Hubble JSON export or a CSV file, ``-`` for stdin, or
    flows already read) against the policies of ``r``: which are allowed and by which
    rule, which are dropped, which ends match nothing, and the workload pairs allowed
    ports no flow used.

    With ``proposed`` (the cluster with a change applied) or ``default_deny`` (a
    deny-all NetworkPolicy added to every namespace that holds pods, on top of
    ``proposed`` when both are given), also which flows allowed today the change would
    break.
    """
    data = read_flows(flows, skip_invalid) if isinstance(flows, str) else flows
    after, change = proposed, "the proposed change" if proposed is not None else ""
    if default_deny:
        after = Reach(with_default_deny((proposed or r).cluster))
        change = "a default deny in every namespace" + (" and the change" if proposed else "")
    name = flows if isinstance(flows, str) else "flows"
    view = r.analysis.view("workload")
    result = _check(view, data, name, after.reachability if after is not None else None, change)
    result.diagnostics = tuple(r.diagnostics)
    return result
