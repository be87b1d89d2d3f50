"""``reach explain A B``: the tiers, policies and rules on each side, per kind of pod pair."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reach.analysis.refs import Target
from reach.engine.verdicts import Explanation

if TYPE_CHECKING:
    from reach.analysis.compiled import Analysis


def explain(analysis: Analysis, a: str, b: str, namespace: str | None = None) -> list[Explanation]:
    """One explanation per distinct pair of pod classes between ``a`` and ``b``."""
    ta, tb = analysis.resolve(a, namespace), analysis.resolve(b, namespace)
    rb = analysis.reachability
    return [
        analysis.provenance.explain(
            s, d, _class_name(analysis, ta, s), _class_name(analysis, tb, d)
        )
        for s in ta.classes(rb).tolist()
        for d in tb.classes(rb).tolist()
    ]


def _class_name(analysis: Analysis, t: Target, cls: int) -> str:
    """The target's label, or one of its pods when it spans several classes."""
    rb = analysis.reachability
    if t.external or len(t.classes(rb)) == 1:
        return t.label
    first = next(i for i in t.pods.tolist() if rb.pod_class[i] == cls)
    return f"{t.label} (pod {rb.pods[first]})"
