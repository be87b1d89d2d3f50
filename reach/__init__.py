"""reach: Kubernetes NetworkPolicy reachability as a graph you can query."""

from .api import Reach, Summary, from_objects, load
from .connections import Connection, Node
from .errors import InvalidInput, Problem, ReachError
from .ports import PortSet

__all__ = [
    "Connection",
    "InvalidInput",
    "Node",
    "PortSet",
    "Problem",
    "Reach",
    "ReachError",
    "Summary",
    "from_objects",
    "load",
]
__version__ = "0.1.0"
