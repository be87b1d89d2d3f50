"""Every output of reach, through one entry point::

    render(result, fmt, out, **options)

writes ``result`` in format ``fmt`` (a name, or a member of the format enum of
its kind) to the stream ``out``, with the package for that kind of result:

- a View, the connection list: :class:`ListFormat` txt, json, csv, md (``listing``);
- an AuditReport: :class:`AuditFormat` txt, json, md, junit (``audit``);
- a DiffReport: :class:`DiffFormat` txt, json, md, csv (``diff``);
- a networkx DiGraph from :meth:`reach.Reach.export_graph`: :class:`GraphFormat`
  dot, graphml, json (``graph``);
- any other result (``str()`` and ``to_dict()``), or a list of them:
  :class:`ResultFormat` txt, json (``results``). These are the queries' PathResult,
  Radius and list of Explanation, the Summary, and the namespace matrix.

``out`` takes text, or bytes (the text formats then write UTF-8); GraphML needs
bytes, or a text stream over a binary ``buffer``. Text from the input is escaped as
:mod:`reach.output.escape` says (control and bidirectional characters in txt, lone
surrogates everywhere). :func:`to_text` returns what
``render`` writes as a string.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, TypedDict, TypeGuard, Unpack, cast

from reach.analysis.diff import DiffReport
from reach.analysis.views import View
from reach.audit.report import DEFAULT_FAIL_ON, AuditReport
from reach.errors import Diagnostic
from reach.output import audit, diff, listing, results
from reach.output.diagnostics import carried
from reach.output.escape import escaped
from reach.output.formats import (
    AuditFormat,
    DiffFormat,
    GraphFormat,
    ListFormat,
    ResultFormat,
    parse,
)
from reach.output.results.protocol import Results
from reach.output.streams import Stream, text_stream

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "AuditFormat",
    "DiffFormat",
    "GraphFormat",
    "ListFormat",
    "ResultFormat",
    "render",
    "to_text",
]


def render(
    result: object,
    fmt: str,
    out: Stream,
    *,
    fail_on: str = DEFAULT_FAIL_ON,
    colour: bool = False,
    policies: bool = True,
    tooltips: bool | None = None,
    diagnostics: Sequence[Diagnostic] | None = None,
) -> None:
    """Write ``result`` in ``fmt`` to ``out``; ValueError for a format its kind lacks.

    ``diagnostics`` are those of the load the result answers about; by default those
    it carries (a view, and every result :class:`reach.Reach` returns, carries them).
    Every format writes them (see :mod:`reach.output.diagnostics`). Options, each for
    the kinds that use it: ``fail_on`` (audit: the severity that fails), ``colour``
    (audit txt: ANSI colours), ``policies`` (graphml and node-link json: name each
    edge's policies), ``tooltips`` (dot: edge tooltips; by default up to 2,000 edges).
    """
    diags = carried(result) if diagnostics is None else tuple(diagnostics)
    if _is_graph(result):
        from reach.output import graph  # networkx loads only for graphs

        graph.render(
            result,
            parse(GraphFormat, fmt),
            out,
            policies=policies,
            tooltips=tooltips,
            diagnostics=diags,
        )
        return
    with text_stream(out) as raw:  # each kind's package has a renderer per format
        kind = _kind(result)
        name = parse(kind, fmt)
        txt = name in ("txt", "junit")  # junit: XML holds no control characters
        text = escaped(raw, txt=txt, colour=colour and kind is AuditFormat)
        if isinstance(result, View):
            listing.RENDERERS[ListFormat(name)](result, text, diags)
        elif isinstance(result, AuditReport):
            audit.RENDERERS[AuditFormat(name)](
                result, text, fail_on=fail_on, colour=colour, diagnostics=diags
            )
        elif isinstance(result, DiffReport):
            diff.RENDERERS[DiffFormat(name)](result, text, diags)
        else:
            results.RENDERERS[ResultFormat(name)](cast(Results, result), text, diags)
        text.flush()


def _kind(result: object) -> type[StrEnum]:
    """The format enum of a (non-graph) result's kind."""
    if isinstance(result, View):
        return ListFormat
    if isinstance(result, AuditReport):
        return AuditFormat
    if isinstance(result, DiffReport):
        return DiffFormat
    return ResultFormat


class Options(TypedDict, total=False):
    """The options of :func:`render`, as :func:`to_text` passes them on."""

    fail_on: str
    colour: bool
    policies: bool
    tooltips: bool | None
    diagnostics: Sequence[Diagnostic] | None


def to_text(result: object, fmt: str, **options: Unpack[Options]) -> str:
    """What :func:`render` writes, as a string (every format but graphml)."""
    out = io.StringIO()
    render(result, fmt, out, **options)
    return out.getvalue()


def _is_graph(result: object) -> TypeGuard[nx.DiGraph]:
    """Whether ``result`` is a networkx DiGraph (checked without loading networkx)."""
    networkx = sys.modules.get("networkx")
    return networkx is not None and isinstance(result, networkx.DiGraph)
