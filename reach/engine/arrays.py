"""The numpy array types the engine and its users pass around."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntVec = npt.NDArray[np.intp]
BoolVec = npt.NDArray[np.bool_]
#: Interned port-set ids (``PortAtoms`` ids; 0 is the empty set), of any shape.
PortSetIds = npt.NDArray[np.int32]
UIntVec = npt.NDArray[np.uint64]
