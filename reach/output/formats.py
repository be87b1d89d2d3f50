"""The format names of each kind of result, in the order ``--help`` lists them."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class ListFormat(StrEnum):
    """The connection list (a :class:`~reach.analysis.views.View`)."""

    TXT = "txt"
    JSON = "json"
    CSV = "csv"
    MD = "md"


class AuditFormat(StrEnum):
    """The audit report."""

    TXT = "txt"
    JSON = "json"
    MD = "md"
    JUNIT = "junit"
    SARIF = "sarif"


class DiffFormat(StrEnum):
    """The diff report."""

    TXT = "txt"
    JSON = "json"
    MD = "md"
    CSV = "csv"
    SARIF = "sarif"


class ResultFormat(StrEnum):
    """Any other result: a query's (path, radius, explanations), the summary, the matrix."""

    TXT = "txt"
    JSON = "json"
    MD = "md"


class GraphFormat(StrEnum):
    """An export graph: Graphviz DOT, GraphML, networkx node-link JSON."""

    DOT = "dot"
    GRAPHML = "graphml"
    JSON = "json"


Format = TypeVar("Format", bound=StrEnum)


def names(kind: type[StrEnum]) -> str:
    """The names of ``kind`` as help and errors list them: ``txt, json``."""
    return ", ".join(kind)


def parse(kind: type[Format], name: str) -> Format:
    """The member of ``kind`` called ``name``; a ValueError naming the choices otherwise."""
    try:
        return kind(name)
    except ValueError:
        raise ValueError(f"format must be one of {names(kind)}, not {name!r}") from None
