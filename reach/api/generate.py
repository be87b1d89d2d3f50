"""``reach.generate(r, ...)``: NetworkPolicies that allow exactly what is wanted, from
today's connections, observed flows or an expectations file, verified by analysing
them again."""

from __future__ import annotations

from pathlib import Path

from reach.analysis.compiled import Analysis
from reach.analysis.gencilium import to_cilium
from reach.analysis.generate import Generated
from reach.analysis.generate import generate as _generate
from reach.analysis.genexisting import existing as existing_policies
from reach.analysis.genexisting import missing
from reach.analysis.genmodel import to_model
from reach.analysis.genresult import GenerateResult
from reach.analysis.genverify import verify, with_policies
from reach.analysis.units import Connections, End, Unit, Wanted, as_wanted, connections, units
from reach.analysis.wantedflows import wanted_from_flows
from reach.api.facade import Reach
from reach.audit.expect import Expectations, load_expectations
from reach.audit.genexpect import check_promises, wanted_from_expectations
from reach.errors import ReachError
from reach.input.cilium import parse_cilium_policy
from reach.input.flows import FlowFile, read_flows
from reach.model.cilium import CiliumPolicy


def generate(
    r: Reach,
    flows: str | FlowFile | None = None,
    *,
    expect: str | Path | Expectations | None = None,
    keep_existing: bool = False,
    skip_invalid: bool = False,
    cilium: bool = False,
) -> GenerateResult:
    """Policies for ``r``'s pods that allow exactly today's connections (neither
    ``flows`` nor ``expect``), the connections the observed ``flows`` made (a Hubble
    JSON export or a CSV file, or flows already read), or those the ``allow``
    expectations of ``expect`` require (a file, or expectations already read; raises
    ``ExpectationError`` for forms it cannot generate from). Every pod gets a default
    deny both ways. With ``keep_existing`` the input's NetworkPolicies stay and only
    what they miss is generated. With ``cilium``, the policies are CiliumNetworkPolicies
    (each generated NetworkPolicy translated rule for rule, ``reach.analysis.gencilium``),
    and they are what is verified.

    The result holds the policies (``.yaml()``) and their verification: the cluster
    analysed with them in place of its NetworkPolicies (beside them with
    ``keep_existing``; other policy kinds kept), compared with what was wanted, pair by
    pair and port by port, and the expectations checked (``.verification.ok``)."""
    if flows is not None and expect is not None:
        raise ReachError("give flows or expectations, not both")
    reachability = r.reachability
    found = units(reachability)
    skipped: list[str] = []
    notes: dict[tuple[End, End], str] = {}
    wanted: Wanted | Connections
    exps = None
    if expect is not None:
        exps = expect if isinstance(expect, Expectations) else load_expectations(expect)
        made = wanted_from_expectations(r.analysis, found, exps)
        wanted, notes, source = made.wanted, made.notes, exps.source
    elif flows is None:
        wanted, source = connections(reachability, found), "today's connections"
    else:
        data = read_flows(flows, skip_invalid) if isinstance(flows, str) else flows
        made_flows = wanted_from_flows(reachability, found, data)
        wanted, notes, skipped = made_flows.wanted, made_flows.notes, made_flows.skipped
        source = flows if isinstance(flows, str) else "flows"
    generated, allows = _generated(r, found, wanted, notes, keep_existing)
    policies = [] if cilium else to_model(generated.policies)
    cnps = _as_cilium(generated) if cilium else []
    checked, after = verify(
        r.cluster,
        found,
        wanted,
        policies,
        keep_existing=keep_existing,
        existing=allows,
        cilium=cnps,
    )
    if exps is not None:
        after_cluster = with_policies(r.cluster, policies, keep_existing, cnps)
        checked.promises = check_promises(Analysis(after_cluster, after), exps)
    result = GenerateResult(source, generated, checked, len(found), skipped, keep_existing)
    result.diagnostics = tuple(r.diagnostics)
    return result


def _generated(
    r: Reach,
    found: list[Unit],
    wanted: Wanted | Connections,
    notes: dict[tuple[End, End], str],
    keep_existing: bool,
) -> tuple[Generated, Wanted | None]:
    """The policies; with ``keep_existing``, only for what the input's policies miss,
    and what those allow on their own."""
    if not keep_existing:
        return _generate(found, wanted, notes), None
    kept = existing_policies(r.cluster, found)
    todo = missing(as_wanted(wanted), kept.allows)
    made = _generate(found, todo, notes, taken=kept.taken, isolated=kept.isolated)
    return made, kept.allows


def _as_cilium(generated: Generated) -> list[CiliumPolicy]:
    """``generated`` rewritten as CiliumNetworkPolicies (in place), and their model, read by
    Cilium's parser as any input is: what is verified is what is written."""
    out: list[CiliumPolicy] = []
    for i, (policy, comments) in enumerate(
        zip(generated.policies, generated.comments, strict=True)
    ):
        cnp, generated.comments[i] = to_cilium(policy, comments)
        generated.policies[i] = cnp
        out += parse_cilium_policy(cnp, "CiliumNetworkPolicy", f"<generated>#{i + 1}").policies
    return out
