"""The behaviour class of each projected label class key (``KeyAnswers.projected``),
renumbered with the classes by one array operation.

A dictionary from key to class had to be made again whenever classes were renumbered,
hashing every key again (keys are nested tuples, whose hashes Python does not keep): 7 ms
of a class made at 10k pods beside Calico, with 4,226 keys. Here each key has a slot, and
the slots' classes are an array: renumbering takes the array through the renumbering and
copies the dictionary (a copy keeps the hashes). A key whose class is gone keeps its slot,
with no class.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from reach.engine.arrays import IntVec
from reach.engine.classes import LabelKey

#: The class of a slot whose class is gone.
NONE = -1


class Projections:
    """Projected key -> behaviour class (``get``, ``put``); ``len`` counts the keys with
    a class."""

    def __init__(
        self,
        slots: dict[LabelKey, int] | None = None,
        classes: IntVec | None = None,
        spaces: set[str] | None = None,
    ):
        self._slots: dict[LabelKey, int] = slots if slots is not None else {}
        self._classes: IntVec = classes if classes is not None else np.empty(0, dtype=np.intp)
        self._more: list[int] = []  # classes put since the array was made
        self._live = int((self._classes >= 0).sum())
        #: The namespaces whose compiled keys were put (``KeyAnswers.projected_class``).
        self.spaces: set[str] = spaces if spaces is not None else set()

    def __len__(self) -> int:
        return self._live

    def get(self, key: LabelKey) -> int | None:
        """The class of ``key``; None when it has none."""
        slot = self._slots.get(key)
        if slot is None:
            return None
        cls = self._class(slot)
        return cls if cls >= 0 else None

    def put(self, key: LabelKey, cls: int) -> None:
        """``key`` is of class ``cls`` (from now on)."""
        cls = int(cls)  # a numpy integer's comparisons are numpy booleans, which do not add
        slot = self._slots.get(key)
        if slot is None:
            self._slots[key] = len(self._classes) + len(self._more)
            self._more.append(cls)
            self._live += int(cls >= 0)
            return
        before = self._class(slot)
        self._live += int(cls >= 0) - int(before >= 0)
        if slot < len(self._classes):
            self._classes[slot] = cls
        else:
            self._more[slot - len(self._classes)] = cls

    def copy(self) -> Projections:
        """These projections, apart from this object (``put`` on one leaves the other)."""
        return Projections(dict(self._slots), self._array().copy(), set(self.spaces))

    def renumbered(self, renumber: IntVec) -> Projections:
        """These projections with each class ``c`` now ``renumber[c]`` (negative: gone)."""
        classes = self._array()
        taken = renumber[np.maximum(classes, 0)]
        kept = np.where(classes >= 0, taken, NONE)
        return Projections(dict(self._slots), kept, set(self.spaces))

    def without(self, leave: Callable[[LabelKey], bool]) -> Projections:
        """These projections without the keys ``leave`` says."""
        classes = self._array()
        kept = {key: slot for key, slot in self._slots.items() if not leave(key)}
        order = list(kept.values())
        slots = dict(zip(kept, range(len(kept)), strict=True))
        return Projections(slots, classes[order], set(self.spaces))

    def _class(self, slot: int) -> int:
        if slot < len(self._classes):
            return int(self._classes[slot])
        return self._more[slot - len(self._classes)]

    def _array(self) -> IntVec:
        """Every slot's class, as one array (the classes put since joined to it)."""
        if self._more:
            more = np.array(self._more, dtype=np.intp)
            self._classes = np.concatenate([self._classes, more])
            self._more = []
        return self._classes
