"""What changing Istio's security objects in place needs (:mod:`reach.engine.meshmoves`):
the ingress rows before the mesh's answer is ANDed in, and the answers over label
classes that are not the mesh's (how label classes merge once the mesh's answers are
set aside)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from reach.engine.arrays import BoolVec, IntVec, PortSetIds
from reach.engine.classes import NamedPorts, Signature, signatures
from reach.engine.keyanswers import KeyAnswers
from reach.engine.meshlayer import Ands


@dataclass
class MeshState:
    """The ingress side of a compilation with Istio's mesh layer as NetworkPolicies,
    Cilium's and Calico's rules give it (``rows[row_of[d], s]``), and every answer but the
    mesh's over label classes (the policies' subjects and the rules' peers)."""

    rows: PortSetIds
    row_of: IntVec
    answers: list[BoolVec]
    #: The named ports each label class resolves (they part behaviour classes too).
    named_ports: list[NamedPorts]
    #: The same answers of one new label class key (None with Calico's tiers).
    key_answers: KeyAnswers | None = None
    #: The ingress rows with the mesh's answer ANDed in, kept for the next update.
    ands: Ands = field(default_factory=dict, repr=False)
    #: Numbers the answers when first asked, after a policy changed (the answers over
    #: label classes are then not kept: :mod:`reach.engine.meshpolicy`).
    numbered: Callable[[], tuple[IntVec, dict[Signature, int]]] | None = None
    _code: IntVec | None = field(default=None, repr=False)
    _ids: dict[Signature, int] = field(default_factory=dict, repr=False)

    def code(self) -> IntVec:
        """Per label class: the number of its answers but the mesh's (equal numbers, equal
        answers), computed when first asked."""
        if self._code is None and self.numbered is not None:
            self._code, self._ids = self.numbered()
        if self._code is None:
            ids = self._ids
            found = signatures(self.answers, self.named_ports)
            self._code = np.array([ids.setdefault(s, len(ids)) for s in found], dtype=np.intp)
        return self._code

    def code_of(self, signature: Signature) -> int | None:
        """The number :meth:`code` gives the answers of ``signature`` (None: no label class
        has them)."""
        self.code()
        return self._ids.get(signature)

    def with_label(self, label: int, code: int) -> MeshState:
        """This state with label class ``label`` (new, or one whose pods went) of answers
        numbered ``code`` (the answers themselves are not kept: only their number)."""
        codes = self.code()
        if label == len(codes):
            codes = np.append(codes, code)
        else:
            codes = codes.copy()
            codes[label] = code
        return replace(self, _code=codes)
