"""``reach export``: the graph as DOT, PNG, SVG, GraphML or node-link JSON, or the matrix."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypedDict

import typer

from reach.analysis.views import GRANULARITIES
from reach.api import Reach
from reach.cli.common import ByOpt, app, choice, fail, say
from reach.cli.inputs import NO_SOURCE, Input, with_input
from reach.cli.outputs import opened
from reach.errors import ReachError
from reach.output import GraphFormat, ResultFormat, render
from reach.output.formats import names


class ExportFormat(StrEnum):
    """What ``reach export`` writes: a graph format (:class:`GraphFormat`), or a picture."""

    DOT = "dot"
    PNG = "png"
    SVG = "svg"
    GRAPHML = "graphml"
    JSON = "json"
    HTML = "html"


class Engine(StrEnum):
    """Who draws PNG and SVG."""

    MATPLOTLIB = "matplotlib"
    GRAPHVIZ = "graphviz"


PICTURES = (ExportFormat.PNG, ExportFormat.SVG)
EXTENSIONS = {
    ".dot": ExportFormat.DOT,
    ".gv": ExportFormat.DOT,
    ".png": ExportFormat.PNG,
    ".svg": ExportFormat.SVG,
    ".graphml": ExportFormat.GRAPHML,
    ".xml": ExportFormat.GRAPHML,
    ".json": ExportFormat.JSON,
    ".html": ExportFormat.HTML,
}
#: The policies of more edges than this take a while to name: a note says so.
MANY_EDGES = 100_000

OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file; its extension picks the format."),
]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help=f"{names(ExportFormat)} (default: from the -o extension, else dot).",
    ),
]
NamespacesOpt = Annotated[
    list[str],
    typer.Option(
        "--namespace",
        "-n",
        help="Only these namespaces (and the external ranges they talk to). Repeatable.",
    ),
]
FocusOpt = Annotated[
    str | None,
    typer.Option(
        "--focus", help="Only the neighbourhood of this node (a reference, as in 'reach path')."
    ),
]
HopsOpt = Annotated[
    int, typer.Option("--hops", help="How far --focus reaches, forward and backward.", min=1)
]
ViewOpt = Annotated[
    str, typer.Option("--view", help="graph, or matrix: the namespace x namespace heatmap.")
]
ValueOpt = Annotated[
    str, typer.Option("--value", help="What the matrix shows: share or count of pairs.")
]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine", help="Who draws PNG/SVG: matplotlib, or graphviz (needs the 'dot' program)."
    ),
]
PoliciesOpt = Annotated[
    bool,
    typer.Option(
        "--policies/--no-policies",
        help="GraphML/JSON: name each edge's policies (slow on very large graphs).",
    ),
]
PotentialOpt = Annotated[
    bool,
    typer.Option(
        "--potential",
        help="Add the representative peers: the pods that do not exist yet (entire cluster, "
        "pods of namespaces with given labels, pods with given labels) as the exposure "
        "section of 'reach list' prints them, as nodes of type representative "
        "(docs/exports.md).",
    ),
]


class GraphScope(TypedDict):
    """Which graph: the keyword arguments every graph method of :class:`Reach` takes."""

    by: str
    namespaces: list[str]
    focus: str | None
    hops: int
    source: str
    potential: bool


@dataclass(frozen=True)
class Export:
    """What ``reach export`` writes, its options checked."""

    output: Path | None
    fmt: ExportFormat
    scope: GraphScope
    view: str
    value: str
    engine: Engine
    policies: bool


@app.command("export")
@with_input
def export_cmd(
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    by: ByOpt = "workload",
    namespaces: NamespacesOpt = [],  # noqa: B006 - typer reads the default
    focus: FocusOpt = None,
    hops: HopsOpt = 1,
    view: ViewOpt = "graph",
    value: ValueOpt = "share",
    engine: EngineOpt = Engine.MATPLOTLIB,
    policies: PoliciesOpt = True,
    potential: PotentialOpt = False,
    source: Input = NO_SOURCE,
) -> None:
    """Export the reachability graph: DOT, PNG, SVG, GraphML, node-link JSON or HTML.

    DOT boxes each namespace (subgraph cluster_*) and groups the external
    ranges; PNG and SVG are drawn with matplotlib. A graph of more than 60
    nodes or 250 edges is drawn at namespace granularity instead, and so is
    one where everything reaches everything; the matrix when even that is too
    large (a note on stderr says so). HTML is one self-contained interactive
    page: pan, zoom, search, a namespace filter, a click shows the blast
    radius or exposure.

    Examples:

      reach export -f examples/shop -o shop.png

      reach export -f examples/shop --by namespace -o shop.svg

      reach export -f examples/shop --focus web/api-gateway --hops 1 -o gw.dot

      reach export -f manifests/ --view matrix -o matrix.png

      reach export -f manifests/ -n app -n db -o app.graphml

      reach export -f examples/shop --potential -o shop-potential.png

      reach export -f examples/shop -o shop.html
    """
    if fmt is None:
        fmt = EXTENSIONS.get(output.suffix.lower(), ExportFormat.DOT) if output else "dot"
    export_format, drawer = _checked(output, fmt, by, view, value, engine)
    if potential and view == "matrix":
        fail("--potential adds nodes to the graph view, not to --view matrix")
    r = source.load()
    scope = GraphScope(
        by=by,
        namespaces=namespaces,
        focus=focus,
        hops=hops,
        source=source.title,
        potential=potential,
    )
    job = Export(output, export_format, scope, view, value, drawer, policies)
    try:
        _export(r, job)
    except ReachError as e:
        raise fail(str(e)) from None


def _checked(
    output: Path | None, fmt: str, by: str, view: str, value: str, engine: str
) -> tuple[ExportFormat, Engine]:
    """The choices as enums; exit 2 on a bad one, or on options that do not go together."""
    export_format = choice(ExportFormat, fmt, "--format")
    choice(GRANULARITIES, by, "--by")
    from reach.draw.cluster import VIEWS  # loads networkx: only export needs it
    from reach.draw.matrix import VALUE_CHOICES
    from reach.output.graph import graphviz

    choice(VIEWS, view, "--view")
    choice(VALUE_CHOICES, value, "--value")
    drawer = choice(Engine, engine, "--engine")
    if view == "matrix" and export_format not in (*PICTURES, ExportFormat.JSON):
        fail("--view matrix is a picture (png, svg) or json")
    if drawer is Engine.GRAPHVIZ:
        if export_format not in PICTURES or view != "graph":
            fail("--engine graphviz draws graph pictures (png, svg) only")
        if not graphviz.available():
            fail("--engine graphviz needs Graphviz's 'dot' program on the PATH")
    if export_format is ExportFormat.PNG and output is None and sys.stdout.isatty():
        fail("a PNG goes to a file: give -o FILE.png (or pipe the output)")
    return export_format, drawer


def _export(r: Reach, job: Export) -> None:
    """Compute what ``job`` asks for, then write it."""
    if job.view == "matrix" and job.fmt is ExportFormat.JSON:
        matrix = r.matrix(job.scope["by"], job.scope["namespaces"])
        with opened(job.output, binary=True) as out:
            render(matrix, ResultFormat.JSON, out)
    elif job.fmt in PICTURES:
        picture = _picture(r, job)
        with opened(job.output, binary=True) as out:
            out.write(picture)
    elif job.fmt is ExportFormat.HTML:
        from reach.draw.html import graph_html  # the page inlines its graph library

        page = graph_html(r.export_graph(**job.scope))
        with opened(job.output, binary=True) as out:
            out.write(page.encode())
    else:
        _graph(r, job)


def _picture(r: Reach, job: Export) -> bytes:
    """The PNG or SVG bytes, drawn by Graphviz or by matplotlib (saying its fallbacks)."""
    if job.engine is Engine.GRAPHVIZ:
        return r.draw_graphviz(job.fmt, **job.scope)
    from reach.draw import figure_bytes  # matplotlib loads only for pictures

    notes: list[str] = []
    fig = r.draw(view=job.view, value=job.value, notes=notes, **job.scope)
    for note in notes:
        say(f"reach: note: {note}")
    return figure_bytes(fig, job.fmt)


def _graph(r: Reach, job: Export) -> None:
    """The graph as DOT, GraphML or node-link JSON."""
    g = r.export_graph(**job.scope)
    edges = g.number_of_edges()
    if job.fmt is not ExportFormat.DOT and job.policies and edges > MANY_EDGES:
        say(
            f"reach: note: naming the policies of {edges:,} edges takes a while; "
            "--no-policies skips it"
        )
    with opened(job.output, binary=True) as out:
        render(g, GraphFormat(job.fmt), out, policies=job.policies)
