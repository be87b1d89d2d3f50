"""reach: Kubernetes NetworkPolicy reachability as a graph you can query."""

from reach.analysis.nodes import Connection, Node
from reach.analysis.summary import Summary
from reach.api import (
    Deleted,
    Reach,
    audit,
    check_flows,
    diff,
    from_objects,
    generate,
    load,
    load_live,
)
from reach.errors import InvalidInput, PartialAnswerWarning, Problem, ReachError
from reach.model.ports import PortSet

__all__ = [
    "Connection",
    "Deleted",
    "InvalidInput",
    "Node",
    "PartialAnswerWarning",
    "PortSet",
    "Problem",
    "Reach",
    "ReachError",
    "Summary",
    "audit",
    "check_flows",
    "diff",
    "from_objects",
    "generate",
    "load",
    "load_live",
]
__version__ = "0.1.0"
