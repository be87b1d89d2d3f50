"""The label class of each behaviour class's least key, read from the class keys
(``ClassKeys.label``, ``ClassKeys.first_key``) by the key objects.

A label class key is a tuple of tuples, slow to hash: at 100k pods, 23,000 first keys
looked up in the label dict took 40-50 ms at each change beside the mesh layer
(:meth:`reach.engine.meshlayer.MeshLayer.first_of`). The first keys are mostly the dict's
own objects, so they are found by the object's id, in an index kept for the dict read
last (a pod or policy change makes new first keys over the same dict); a key that is
another object is looked up by value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from reach.engine.arrays import IntVec
from reach.engine.classes import LabelKey

#: The label dict read last (held, so that its keys' ids stay theirs) and the label class
#: of each of its keys by the key object's id.
_LABEL_IDS: list[tuple[Mapping[LabelKey, int], dict[int, int]]] = []


def first_labels(label: Mapping[LabelKey, int], first_key: Sequence[LabelKey]) -> IntVec:
    """The label class (``label``: of each key) of each key of ``first_key``."""
    by_id = _label_ids(label)
    return np.array([by_id.get(id(k)) or label[k] for k in first_key], dtype=np.intp)


def _label_ids(label: Mapping[LabelKey, int]) -> dict[int, int]:
    """The label class of each key of ``label`` by the key object's id, kept for the dict
    read last."""
    if _LABEL_IDS and _LABEL_IDS[0][0] is label:
        return _LABEL_IDS[0][1]
    by_id = {id(k): i for k, i in label.items()}
    _LABEL_IDS[:] = [(label, by_id)]
    return by_id
