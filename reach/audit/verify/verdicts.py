"""The verdicts: whether a ``deny``, ``allow`` or ``only`` expectation holds, and the finding
a broken or vacuous one carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from reach.audit.context import Context, why_withheld
from reach.audit.expect.expectations import Expectation
from reach.audit.report import EXPECTATION, ExpectationResult, Finding
from reach.audit.verify.endpoints import ResolvedEndpoint, everything_but, resolve_endpoint
from reach.audit.verify.pairs import ClassPairs, class_pairs, count_hits, count_text, pairs_where
from reach.audit.verify.witness import first_port, pair_witness, transitive_path
from reach.engine.arrays import BoolVec
from reach.model.ports import PortSet


@dataclass(frozen=True)
class _Question:
    """An expectation asked of the cluster: its resolved ends and their class pairs."""

    ctx: Context
    exp: Expectation
    src: ResolvedEndpoint
    dst: ResolvedEndpoint
    pairs: ClassPairs

    def first_hit(self, hit: BoolVec) -> tuple[dict[str, Any], dict[str, Any], int, int]:
        """The witness of the first class pair of ``hit``; the details of the failed finding
        (that witness, the pod pairs and the ranges of all hits); the pair's two classes."""
        count, ranges = count_hits(self.ctx, self.pairs, hit, self.src, self.dst)
        i, j = (int(x) for x in np.argwhere(hit)[0])
        witness = pair_witness(self.ctx, self.exp, self.pairs, hit, i, j, self.src, self.dst)
        details = {"witness": witness, "pairs": count, "ranges": ranges}
        return witness, details, int(self.pairs.src[i]), int(self.pairs.dst[j])


def evaluate(ctx: Context, exp: Expectation) -> ExpectationResult:
    """Does the expectation hold? A failed or vacuous one carries a finding with the witness."""
    src = resolve_endpoint(ctx, exp.src)
    dst = resolve_endpoint(ctx, exp.dst)
    empty = [s for s, endpoint in (("from", src), ("to", dst)) if endpoint.empty]
    if exp.kind == "only":
        empty = ["to"] if dst.empty else []
    if empty:
        hints = (src.hints if "from" in empty else []) + (dst.hints if "to" in empty else [])
        what = " and ".join(empty)
        msg = f"{what} match{'es' if len(empty) == 1 else ''} nothing in this cluster, so "
        msg += "the expectation checks nothing"
        if hints:
            msg += f" ({'; '.join(hints)})"
        return _result(exp, "vacuous", _finding(exp, msg, {"hints": hints}, severity="low"))
    if exp.kind == "only":
        src = everything_but(ctx, src)
    pairs = class_pairs(ctx, src, dst)
    if not pairs.valid.any():
        msg = "from and to hold the same single pod, and a pod with itself is no pair: "
        msg += "the expectation checks nothing"
        return _result(exp, "vacuous", _finding(exp, msg, {}, severity="low"))
    question = _Question(ctx, exp, src, dst, pairs)
    return _allow(question) if exp.kind == "allow" else _deny(question)


def _result(exp: Expectation, status: str, finding: Finding | None = None) -> ExpectationResult:
    return ExpectationResult(
        exp.name, exp.kind, exp.text(), exp.severity, status, exp.path, finding
    )


def _finding(
    exp: Expectation, message: str, details: dict[str, Any], severity: str | None = None
) -> Finding:
    witness = details.get("witness", {})
    hosts = [witness[k] for k in ("src_node", "dst_node") if witness.get(f"{k[:3]}_host_network")]
    notes = tuple(
        f"{h} uses the host network; the network plugin may enforce policies differently"
        for h in hosts
    )
    return Finding(
        check=EXPECTATION,
        severity=severity or exp.severity,
        title=exp.name,
        subject=exp.name,
        message=message,
        rationale=exp.reason or exp.text(),
        details={"expect": exp.kind, "text": exp.text(), "field": exp.path, **details},
        notes=notes,
    )


def _deny(q: _Question) -> ExpectationResult:
    """``deny`` (and ``only``, with ``src`` the sources outside ``from``): no pair connects on
    the expectation's ports, nor, when transitive, through other pods."""
    ctx, exp, pairs = q.ctx, q.exp, q.pairs
    atoms = ctx.reachability.atoms
    touch = atoms.all_int if exp.ports is None else atoms.to_int(atoms.touching(exp.ports))
    hit = pairs_where(ctx, pairs, lambda v: bool(v & touch)) & pairs.valid
    others = "a source outside `from`: " if exp.kind == "only" else ""
    if hit.any():
        witness, details, _, _ = q.first_hit(hit)
        egress = _allowed_by(witness["egress_policies"], external=witness["src_external"])
        ingress = _allowed_by(witness["ingress_policies"], external=witness["dst_external"])
        msg = (
            f"{others}{witness['src']} can reach {witness['dst']} on {witness['port']} "
            f"(allowed: {witness['ports']}); "
            f"egress allowed by {egress}, ingress by {ingress}; "
            f"{count_text(details['pairs'], details['ranges'], 'violating')} in all"
        )
        return _result(exp, "failed", _finding(exp, msg, details))
    if exp.transitive:
        path = transitive_path(ctx, exp, pairs, q.src, q.dst)
        if path is not None:
            hops = " => ".join([path[0]["src"], *(h["dst"] for h in path)])
            steps = "; ".join(f"{h['src']} => {h['dst']} : {h['ports']}" for h in path)
            msg = f"reachable in {len(path)} hops: {hops} ({steps})"
            return _result(exp, "failed", _finding(exp, msg, {"witness": {"path": path}}))
    return _result(exp, "passed")


def _allow(q: _Question) -> ExpectationResult:
    """``allow``: every pair (or, with ``require: any``, some pair) connects on every port of
    the expectation (without ports: on some port)."""
    ctx, exp, pairs = q.ctx, q.exp, q.pairs
    atoms = ctx.reachability.atoms
    if exp.ports is None:
        ok = pairs_where(ctx, pairs, lambda v: v != 0)
    else:
        need = atoms.to_int(atoms.touching(exp.ports))
        ok = pairs_where(ctx, pairs, lambda v: v & need == need)
    if exp.require == "any":
        if (ok & pairs.valid).any():
            return _result(exp, "passed")
        bad = pairs.valid
    else:
        bad = ~ok & pairs.valid
        if not bad.any():
            return _result(exp, "passed")
    witness, details, s, d = q.first_hit(bad)
    why = _why_not_allowed(ctx, exp, witness, s, d)
    on = f" on {exp.ports_text}" if exp.ports_text else ""
    if exp.require == "any":
        lead = f"no pair connects{on}; for example {witness['src']} cannot reach {witness['dst']}"
    else:
        allowed = f" (allowed: {witness['ports']})" if witness["ports"] != "No Connections" else ""
        lead = f"{witness['src']} cannot reach {witness['dst']}{on}{allowed}"
    msg = f"{lead}: {why}; {count_text(details['pairs'], details['ranges'], 'failing')} in all"
    return _result(exp, "failed", _finding(exp, msg, details))


def _why_not_allowed(
    ctx: Context, exp: Expectation, witness: dict[str, Any], s: int, d: int
) -> str:
    """Why class ``s`` does not reach class ``d`` as the ``allow`` expectation wants: the
    side that withholds ports first, then the policies that allow on the other side.
    Adds the port missing and the explanation to ``witness``."""
    want = exp.ports if exp.ports is not None else PortSet.all()
    if exp.ports is not None:
        missing = exp.ports - ctx.reachability.ports(s, d)
        witness["port"], witness["missing"] = first_port(missing), str(missing)
    else:
        witness["port"], witness["missing"] = "any port", "All Connections"
    explanation = ctx.analysis.provenance.explain(s, d, witness["src_node"], witness["dst_node"])
    parts: list[str] = []
    for side, who, names in (
        (explanation.egress, explanation.src, witness["egress_policies"]),
        (explanation.ingress, explanation.dst, witness["ingress_policies"]),
    ):
        if side is None:
            continue
        # without ports, "reach" means some port: a side that allows any port is not at fault
        fine = bool(side.allowed) if exp.ports is None else want.issubset(side.allowed)
        text = None if fine else why_withheld(side, want)
        if text is not None:
            parts.insert(0, f"{who}'s {text}")
        elif names:
            parts.append(f"{side.direction} allowed by {', '.join(names)}")
    why = "; ".join(parts) or explanation.reason() or "the two sides allow disjoint ports"
    witness["explanation"] = explanation.to_dict()
    return why


def _allowed_by(names: list[str], *, external: bool) -> str:
    """The policies allowing one side of a witness, as the message names them."""
    if external:
        return "(outside the cluster)"
    return ", ".join(names) if names else "(not isolated: no policy selects it)"
