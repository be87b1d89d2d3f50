"""``reach generate --expect``: the connections an expectations file requires, and its
promises checked on the generated result (docs/flows.md, "From an expectations file").

Generated from: every ``allow`` expectation with ``require: all`` (the default) and
``ports``: each unit of ``from`` to each unit of ``to`` (a unit with itself only when
it has two pods or more), or a unit and the addresses of the other side, on exactly
those ports. A side must select whole units: pods that share a namespace and labels
are told apart by no NetworkPolicy. ``deny`` and ``only`` expectations are not
generated from; they, and the ``allow`` ones, are checked on the cluster analysed with
the generated policies, as ``reach audit --expect`` checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reach.analysis.compiled import Analysis
from reach.analysis.genverify import Promise
from reach.analysis.rangeports import disjoint
from reach.analysis.units import End, Unit, Wanted
from reach.audit.context import Context
from reach.audit.expect.expectations import Expectation, Expectations
from reach.audit.expect.parse import ExpectationError
from reach.audit.verify import evaluate
from reach.audit.verify.endpoints import ResolvedEndpoint, resolve_endpoint
from reach.engine.arrays import IntVec
from reach.errors import Problem
from reach.input.positions import position_text
from reach.model.ipspace import IPRange
from reach.model.ports import PortSet


@dataclass
class FromExpectations:
    """The wanted connections, and per connection the expectations that want it."""

    wanted: Wanted = field(default_factory=dict)
    notes: dict[tuple[End, End], str] = field(default_factory=dict)


def wanted_from_expectations(
    analysis: Analysis, found: list[Unit], exps: Expectations
) -> FromExpectations:
    """What the ``allow`` expectations of ``exps`` require between ``found`` units and
    outside ranges; raise :class:`ExpectationError` naming every expectation that cannot
    be generated from (its field path), before anything is generated."""
    ctx = Context(analysis)
    unit_of = np.empty(len(analysis.reachability.pods), dtype=np.intp)
    for i, unit in enumerate(found):
        unit_of[unit.pods] = i
    sizes = np.array([len(u.pods) for u in found], dtype=np.intp)
    problems: list[Problem] = []
    pairs: Wanted = {}
    outside: dict[tuple[int, bool], list[tuple[IPRange, PortSet]]] = {}
    names: dict[tuple[End, End], list[str]] = {}
    for exp in exps.expectations:
        if exp.kind != "allow":
            continue
        why = _unsupported(exp)
        if why is not None:
            problems.append(Problem(exps.source, why[0], why[1]))
            continue
        assert exp.ports is not None
        ends = []
        for endpoint in (exp.src, exp.dst):
            resolved = resolve_endpoint(ctx, endpoint)
            partial = _partial_unit(resolved, unit_of, sizes, found)
            if partial is not None:
                problems.append(Problem(exps.source, endpoint.path, partial))
            ends.append((resolved, np.unique(unit_of[resolved.pods]).tolist()))
        (src, src_units), (dst, dst_units) = ends
        for a in src_units:
            for b in dst_units:
                if a != b or sizes[a] > 1:
                    pairs[(a, b)] = pairs.get((a, b), PortSet.empty()) | exp.ports
                    names.setdefault((a, b), []).append(exp.name)
        _add_outside(outside, names, src_units, dst.addresses, True, exp)
        _add_outside(outside, names, dst_units, src.addresses, False, exp)
    if problems:
        raise ExpectationError([_located(p) for p in problems])
    out = FromExpectations()
    out.wanted.update(pairs)
    for (a, outgoing), items in outside.items():
        for r, ports in disjoint(items):
            out.wanted[(a, r) if outgoing else (r, a)] = ports
    out.notes = _notes(out.wanted, names)
    return out


def _unsupported(exp: Expectation) -> tuple[str, str] | None:
    """The field and the reason an ``allow`` expectation cannot be generated from."""
    if exp.require == "any":
        return (
            f"{exp.path}.require",
            "reach generate cannot generate from require: any (which pair would it "
            "allow?); name the pairs, or leave require out",
        )
    if exp.ports is None:
        return (
            f"{exp.path}.ports",
            "is required to generate from an allow expectation: reach generate allows "
            "exactly the ports named (without ports the expectation asks for some port)",
        )
    return None


def _partial_unit(
    resolved: ResolvedEndpoint, unit_of: IntVec, sizes: IntVec, found: list[Unit]
) -> str | None:
    """Why the pods of ``resolved`` are not whole units, if they are not."""
    if not len(resolved.pods):
        return None
    held = np.bincount(unit_of[resolved.pods], minlength=len(found))
    part = np.flatnonzero((held > 0) & (held < sizes))
    if not len(part):
        return None
    unit = found[int(part[0])]
    return (
        f"selects {int(held[part[0]])} of the {int(sizes[part[0]])} pods of "
        f"{unit.namespace} with the labels of {unit.name}; no NetworkPolicy can tell pods "
        "of one namespace with the same labels apart, so reach generate cannot allow "
        "only these (select by labels or namespace instead)"
    )


def _add_outside(
    outside: dict[tuple[int, bool], list[tuple[IPRange, PortSet]]],
    names: dict[tuple[End, End], list[str]],
    units: list[int],
    ranges: list[IPRange],
    outgoing: bool,
    exp: Expectation,
) -> None:
    assert exp.ports is not None
    for unit in units:
        for r in ranges:
            outside.setdefault((unit, outgoing), []).append((r, exp.ports))
            names.setdefault(((unit, r) if outgoing else (r, unit)), []).append(exp.name)


def _notes(wanted: Wanted, names: dict[tuple[End, End], list[str]]) -> dict[tuple[End, End], str]:
    """Per wanted connection, the expectations that want it (for the comments); a range
    cut or merged by :func:`disjoint` is named by the expectations of the ranges it meets."""
    out = {}
    by_unit: dict[tuple[int, bool], list[tuple[IPRange, list[str]]]] = {}
    for (a, b), who in names.items():
        if isinstance(a, IPRange) and isinstance(b, int):
            by_unit.setdefault((b, False), []).append((a, who))
        elif isinstance(a, int) and isinstance(b, IPRange):
            by_unit.setdefault((a, True), []).append((b, who))
    for key in wanted:
        a, b = key
        if isinstance(a, int) and isinstance(b, int):
            who = names.get(key, [])
        else:
            unit, r = (a, b) if isinstance(a, int) else (b, a)
            assert isinstance(unit, int) and isinstance(r, IPRange)
            meets = by_unit.get((unit, isinstance(a, int)), [])
            who = [n for other, ns in meets if other.overlaps(r) for n in ns]
        if who:
            out[key] = "expectation " + ", ".join(f"'{n}'" for n in dict.fromkeys(who))
    return out


def _located(p: Problem) -> Problem:
    return Problem(p.origin, p.path, p.message, position_text(f"{p.origin}#1", p.path))


def check_promises(after: Analysis, exps: Expectations) -> list[Promise]:
    """Every expectation of ``exps`` checked on ``after`` (the cluster with the generated
    policies), as ``reach audit`` checks it."""
    ctx = Context(after)
    out = []
    for exp in exps.expectations:
        result = evaluate(ctx, exp)
        message = result.finding.message if result.finding is not None else ""
        out.append(Promise(result.name, result.kind, result.status, message))
    return out
