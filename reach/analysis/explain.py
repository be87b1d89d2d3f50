"""``reach explain A B``: the tiers, policies and rules on each side, per kind of pod pair."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from reach.analysis.display import Qualified
from reach.analysis.refs import Target
from reach.analysis.routes import Ends
from reach.engine.verdicts import Explanation
from reach.model.ports import PortSet

if TYPE_CHECKING:
    from reach.analysis.compiled import Analysis


class Explanations(list[Explanation], Qualified):
    """The explanations of a pair: its text is theirs, separated by blank lines (what
    ``reach explain`` prints); its dict ``{"explanations": [...]}``."""

    def __str__(self) -> str:
        return "\n\n".join(map(str, self))

    def to_dict(self) -> dict[str, object]:
        return {"explanations": [e.to_dict() for e in self]}


def explain(analysis: Analysis, a: str, b: str, namespace: str | None = None) -> Explanations:
    """One explanation per distinct pair of pod classes between ``a`` and ``b``.

    When both ends hold one and the same pod of a class, that pair is no pair of pods:
    its rules are shown, but nothing is allowed (a pod's connection to itself is no hop).
    """
    ta, tb = analysis.resolve(a, namespace), analysis.resolve(b, namespace)
    rb = analysis.reachability
    start, dest = Ends(rb, ta), Ends(rb, tb)
    why = analysis.provenance.explain
    out = Explanations()
    for s in ta.classes(rb).tolist():
        for d in tb.classes(rb).tolist():
            exp = why(s, d, _class_name(analysis, ta, s), _class_name(analysis, tb, d))
            if not start.distinct(dest, s, d):
                note = f"{exp.src} and {exp.dst} are the same pod: no connection between pods"
                exp = replace(exp, allowed=PortSet.empty(), same_pod=True, notes=(*exp.notes, note))
            out.append(exp)
    return out


def _class_name(analysis: Analysis, t: Target, cls: int) -> str:
    """The target's label, or one of its pods when it spans several classes."""
    rb = analysis.reachability
    if t.external or len(t.classes(rb)) == 1:
        return t.label
    first = next(i for i in t.pods.tolist() if rb.pod_class[i] == cls)
    return f"{t.label} (pod {rb.pods[first]})"
