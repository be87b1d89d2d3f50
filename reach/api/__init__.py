"""The library entry point: load a cluster, then ask it questions.

>>> import reach
>>> r = reach.load(["examples/shop"])          # doctest: +SKIP
>>> for c in r.connections(by="workload"):     # doctest: +SKIP
...     print(c)

:class:`Reach` (``facade``) is a thin facade: each method hands its arguments to the
function of :mod:`reach.analysis`, :mod:`reach.audit`, :mod:`reach.output` or
:mod:`reach.draw` that does the work, with the :class:`Analysis` it holds.
``loading`` builds it from files, a live cluster or Python objects; ``notebook``
plugs pictures and diagnostics into the notebook display of results.
"""

from reach.api.facade import Reach
from reach.api.flows import check_flows
from reach.api.functions import audit, diff
from reach.api.generate import generate
from reach.api.loading import LARGE_INPUT, from_objects, load, load_live
from reach.api.whatif import Deleted

__all__ = [
    "LARGE_INPUT",
    "Deleted",
    "Reach",
    "audit",
    "check_flows",
    "diff",
    "from_objects",
    "generate",
    "load",
    "load_live",
]
