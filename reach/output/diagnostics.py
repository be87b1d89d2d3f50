"""The diagnostics of a load, as each format carries them (docs/diagnostics.md).

Every renderer receives the diagnostics of the answer it writes and puts them where its
format has room: keys of JSON, a closing section of txt and Markdown, ``<system-err>``
and properties in JUnit, comment lines after the rows of CSV, comments or graph
attributes in graph exports. Any :class:`~reach.errors.Diagnostic` is rendered the same
way, whatever its code.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import replace

from reach.analysis.views import View
from reach.errors import Diagnostic
from reach.output.markdown import cell
from reach.words import count

#: The diagnostics of one answer, in the order they were found.
Diags = Sequence[Diagnostic]

#: Key of an export graph's attributes that holds its diagnostics (a list of dicts).
GRAPH_KEY = "diagnostics"


def carried(result: object) -> tuple[Diagnostic, ...]:
    """The diagnostics a result carries: a view those of its load (input and engine); an
    export graph those in its :data:`GRAPH_KEY` attribute; any other result its
    ``diagnostics`` attribute, when it has one."""
    if isinstance(result, View):
        rb = result.reachability
        return (*rb.cluster.diagnostics, *rb.diagnostics)
    graph = getattr(result, "graph", None)
    if isinstance(graph, dict) and GRAPH_KEY in graph:
        return tuple(from_dict(d) for d in graph[GRAPH_KEY])
    found = getattr(result, "diagnostics", ())
    return tuple(d for d in found if isinstance(d, Diagnostic))


def from_dict(data: dict[str, object]) -> Diagnostic:
    """A diagnostic back from :meth:`~reach.errors.Diagnostic.to_dict`."""
    return Diagnostic(
        str(data["code"]),
        str(data["message"]),
        str(data.get("origin", "")),
        str(data.get("severity", "warning")),
        bool(data.get("partial", False)),
    )


def sided(label: str, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics of one side of a diff, their origin prefixed with ``label:``."""
    return [replace(d, origin=f"{label}: {d.origin}" if d.origin else label) for d in diagnostics]


def as_json(diagnostics: Diags) -> dict[str, list[object]]:
    """The JSON keys: ``warnings`` (the text of the warnings, as before) and
    ``diagnostics`` (every one, as ``{code, severity, origin, message, partial}``)."""
    return {
        "warnings": [str(d) for d in diagnostics if d.severity == "warning"],
        "diagnostics": [d.to_dict() for d in diagnostics],
    }


def line(d: Diagnostic) -> str:
    """One diagnostic on one line: ``[warning] code: origin: message (partial answer)``."""
    partial = " (partial answer)" if d.partial else ""
    return f"[{d.severity}] {d.code}: {d}{partial}"


def text_lines(diagnostics: Diags) -> list[str]:
    """The closing section of a txt report (nothing when there are none)."""
    if not diagnostics:
        return []
    return ["", f"diagnostics ({len(diagnostics)}):", *(f"  {line(d)}" for d in diagnostics)]


def comment_lines(diagnostics: Diags, *, partial_only: bool = False) -> list[str]:
    """``# `` lines, after the rows of the txt listing (partial ones only: its grammar is
    parsed by tools) and of CSV (every one)."""
    return [f"# {line(d)}" for d in diagnostics if d.partial or not partial_only]


def markdown_lines(diagnostics: Diags) -> list[str]:
    """A ``### Diagnostics`` section: a table of every diagnostic (nothing when none)."""
    if not diagnostics:
        return []
    rows = [
        f"| {d.severity} | `{d.code}` | {cell(d.origin)} | {cell(d.message)} | "
        f"{'**yes**' if d.partial else 'no'} |"
        for d in diagnostics
    ]
    return [
        "",
        "### Diagnostics",
        "",
        "| severity | code | origin | message | partial answer |",
        "|---|---|---|---|---|",
        *rows,
    ]


def html_list(diagnostics: Diags) -> str:
    """An HTML list for notebooks (empty when there are none)."""
    if not diagnostics:
        return ""
    items = "".join(f"<li><code>{html.escape(line(d))}</code></li>" for d in diagnostics)
    return f"<p><b>{count(len(diagnostics), 'diagnostic')}</b></p><ul>{items}</ul>"
