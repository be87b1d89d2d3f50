"""SARIF 2.1.0 of a diff: one result per policy the change adds, removes or rewrites,
located at the policy (in the new input; in the old one when it was removed; at the
first field that differs when it was changed, :func:`reach.input.positions
.first_difference`), with the connections the change adds, removes or changes in its
namespace in the message.

A change of connectivity with no policy changed (labels of a workload, a workload added)
is one result without a location. Levels: ``warning`` when connectivity changes,
``note`` when it does not.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, TextIO

from reach.analysis.diff import DiffReport, EdgeChange
from reach.analysis.policychanges import PolicyChange
from reach.input.positions import Anchor, first_difference
from reach.output import sarif
from reach.output.diagnostics import Diags

#: The most connection changes a result's message lists.
SHOWN = 5

_RULES = [
    ("policy-added", "A policy was added", "The change adds this policy."),
    ("policy-removed", "A policy was removed", "The change removes this policy."),
    (
        "policy-changed",
        "A policy was changed",
        "The change rewrites this policy's selector, rules or ports.",
    ),
    (
        "connectivity-changed",
        "Connectivity changed without a policy change",
        "Connections change although no policy does: labels, workloads or namespaces changed.",
    ),
]


def render(report: DiffReport, out: TextIO, diagnostics: Diags = ()) -> None:
    """Write ``report`` as a SARIF log."""
    level = "warning" if report.edges else "note"
    rules = [
        sarif.rule(
            rid,
            title,
            "medium" if level == "warning" else "low",
            text,
            ["kubernetes", "network-policy", "diff"],
        )
        for rid, title, text in _RULES
    ]
    order = {r["id"]: i for i, r in enumerate(rules)}
    results = [_result(c, report, order, level) for c in report.policies]
    if report.edges and not report.policies:
        results.append(
            {
                "ruleId": "connectivity-changed",
                "ruleIndex": order["connectivity-changed"],
                "level": level,
                "message": {"text": _message(report, report.edges)},
            }
        )
    log = sarif.log({"rules": rules}, results, diagnostics)
    log["runs"][0]["properties"] = {"old": report.old, "new": report.new, "counts": report.counts()}
    out.write(json.dumps(log, indent=1) + "\n")


def _result(
    change: PolicyChange, report: DiffReport, order: dict[str, int], level: str
) -> dict[str, Any]:
    rid = f"policy-{change.change}"
    ns = change.anchor.obj.namespace if change.anchor.obj is not None else None
    mine = [e for e in report.edges if ns is None or _in(e.src, ns) or _in(e.dst, ns)]
    head = f"{change.policy} {change.change} ({report.old} -> {report.new})"
    return {
        "ruleId": rid,
        "ruleIndex": order[rid],
        "level": level,
        "message": {"text": head + "; " + _message(report, mine)},
        "locations": [sarif.location(_where(change))],
        "partialFingerprints": {"reachDiff/v1": sarif.fingerprint(rid, change.policy)},
        "properties": {"policy": change.policy, "change": change.change},
    }


def _where(change: PolicyChange) -> Anchor:
    """Where a change is: the first field of a changed policy that differs, else the policy."""
    if change.before is None:
        return change.anchor
    path = first_difference(change.before, change.anchor)
    return replace(change.anchor, path=path) if path else change.anchor


def _in(node: str, namespace: str) -> bool:
    return node == namespace or node.startswith(f"{namespace}/")


def _message(report: DiffReport, edges: list[EdgeChange]) -> str:
    text = report.summary()
    if edges:
        shown = "; ".join(str(e) for e in edges[:SHOWN])
        more = f" and {len(edges) - SHOWN} more" if len(edges) > SHOWN else ""
        text += f". In its namespace: {shown}{more}"
    return text
