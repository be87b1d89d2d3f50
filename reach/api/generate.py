"""``reach.generate(r, ...)``: NetworkPolicies that allow exactly what is wanted, from
today's connections or from observed flows, verified by analysing them again."""

from __future__ import annotations

from reach.analysis.generate import generate as _generate
from reach.analysis.genresult import GenerateResult
from reach.analysis.genverify import verify
from reach.analysis.units import current, units
from reach.analysis.wantedflows import wanted_from_flows
from reach.api.facade import Reach
from reach.input.flows import FlowFile, read_flows
from reach.input.netpol import parse_network_policy


def generate(
    r: Reach, flows: str | FlowFile | None = None, *, skip_invalid: bool = False
) -> GenerateResult:
    """Policies for ``r``'s pods that allow exactly today's connections (no ``flows``),
    or exactly the connections the observed ``flows`` made (a Hubble JSON export or a
    CSV file, or flows already read). Every pod gets a default deny both ways. The
    result holds the policies (``.yaml()``) and their verification: the cluster analysed
    with them in place of its NetworkPolicies (other policy kinds kept), compared with
    what was wanted, pair by pair and port by port (``.verification.ok``)."""
    reachability = r.reachability
    found = units(reachability)
    skipped: list[str] = []
    notes = {}
    if flows is None:
        wanted, source = current(reachability, found), "today's connections"
    else:
        data = read_flows(flows, skip_invalid) if isinstance(flows, str) else flows
        made = wanted_from_flows(reachability, found, data)
        wanted, notes, skipped = made.wanted, made.notes, made.skipped
        source = flows if isinstance(flows, str) else "flows"
    generated = _generate(found, wanted, notes)
    policies = [
        parse_network_policy(p, f"(generated)#{i}") for i, p in enumerate(generated.policies, 1)
    ]
    checked = verify(r.cluster, found, wanted, policies)
    result = GenerateResult(source, generated, checked, len(found), skipped)
    result.diagnostics = tuple(r.diagnostics)
    return result
