"""What changing Istio's security objects in place needs (:mod:`reach.engine.meshmoves`):
the ingress rows before the mesh's answer is ANDed in, and which behaviour classes answer
every policy and rule peer alike (how classes merge once the mesh's answers are set
aside)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from reach.engine.arrays import BoolVec, IntVec, PortSetIds
from reach.engine.keyanswers import KeyAnswers
from reach.engine.meshands import Ands

if TYPE_CHECKING:
    from reach.engine.calicostate import CalicoState


@dataclass
class MeshState:
    """The ingress side of a compilation with Istio's mesh layer as NetworkPolicies,
    Cilium's and Calico's rules give it (``rows[row_of[d], s]``), and a number per
    behaviour class of its answers but the mesh's (equal numbers, equal answers)."""

    rows: PortSetIds
    row_of: IntVec
    class_code: IntVec
    #: Answers a new label class key (beside Calico's tiers too, with Calico's plan).
    key_answers: KeyAnswers | None = None
    #: The ingress rows with the mesh's answer ANDed in, kept for the next update, in the
    #: order of the rows they are (``Reachability.ingress_rows``).
    ands: Ands = field(default_factory=dict, repr=False)
    #: Beside Calico's tiers: Calico's state (``Reachability.calico_state`` is None beside
    #: the mesh), while it holds for the classes (:mod:`reach.engine.calicomesh`).
    calico: CalicoState | None = field(default=None, repr=False)

    def label_code(self, behaviour: list[int]) -> IntVec:
        """The number of each label class's answers: its class's (-1: its class is
        gone)."""
        of = np.array(behaviour, dtype=np.intp)
        if not len(self.class_code):  # no class (no pod)
            return np.full(len(of), -1, dtype=np.intp)
        out: IntVec = np.where(of >= 0, self.class_code[np.maximum(of, 0)], -1)
        return out


def recoded(code: IntVec, columns: list[BoolVec]) -> IntVec:
    """The classes' numbers after a change that only added answers (``columns``, over the
    classes): classes alike before part by the new answers."""
    if not columns:
        return code
    table = np.column_stack([code, *(c.astype(np.intp) for c in columns)])
    _, inverse = np.unique(table, axis=0, return_inverse=True)
    out: IntVec = inverse.reshape(-1).astype(np.intp)
    return out
