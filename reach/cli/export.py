"""``reach export``: the graph as DOT, PNG, SVG, GraphML or node-link JSON."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated

import typer

from reach.analysis.views import GRANULARITIES
from reach.api import Reach
from reach.cli.common import NO_SOURCE, ByOpt, Input, app, check_choice, fail, with_input
from reach.errors import ReachError

FORMATS = ("dot", "png", "svg", "graphml", "json")
EXTENSIONS = {
    ".dot": "dot",
    ".gv": "dot",
    ".png": "png",
    ".svg": "svg",
    ".graphml": "graphml",
    ".xml": "graphml",
    ".json": "json",
}
PICTURES = ("png", "svg")


def source_text(source: Input) -> str:
    """How titles name the input: the files given, or the live cluster's context."""
    if source.file:
        return ", ".join(source.file)
    if source.context:
        return f"context {source.context}"
    return "live cluster"


def picture_format(path: Path) -> str:
    """``svg`` for a ``.svg`` file, else ``png``."""
    return "svg" if path.suffix.lower() == ".svg" else "png"


@app.command("export")
@with_input
def export_cmd(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file; its extension picks the format."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"{', '.join(FORMATS)} (default: from the -o extension, else dot).",
        ),
    ] = None,
    by: ByOpt = "workload",
    namespaces: Annotated[
        list[str],
        typer.Option(
            "--namespace",
            "-n",
            help="Only these namespaces (and the external ranges they talk to). Repeatable.",
        ),
    ] = [],  # noqa: B006 - typer reads the default
    focus: Annotated[
        str | None,
        typer.Option(
            "--focus", help="Only the neighbourhood of this node (a reference, as in 'reach path')."
        ),
    ] = None,
    hops: Annotated[
        int, typer.Option("--hops", help="How far --focus reaches, forward and backward.", min=1)
    ] = 1,
    view: Annotated[
        str,
        typer.Option("--view", help="graph, or matrix: the namespace x namespace heatmap."),
    ] = "graph",
    value: Annotated[
        str, typer.Option("--value", help="What the matrix shows: share or count of pairs.")
    ] = "share",
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="Who draws PNG/SVG: matplotlib, or graphviz (needs the 'dot' program).",
        ),
    ] = "matplotlib",
    policies: Annotated[
        bool,
        typer.Option(
            "--policies/--no-policies",
            help="GraphML/JSON: name each edge's policies (slow on very large graphs).",
        ),
    ] = True,
    source: Input = NO_SOURCE,
) -> None:
    """Export the reachability graph: DOT, PNG, SVG, GraphML or node-link JSON.

    DOT boxes each namespace (subgraph cluster_*) and groups the external
    ranges; PNG and SVG are drawn with matplotlib. A graph of more than 60
    nodes or 250 edges is drawn at namespace granularity instead, and the
    matrix when even that is too large (a note on stderr says so).

    Examples:

      reach export -f examples/shop -o shop.png

      reach export -f examples/shop --by namespace -o shop.svg

      reach export -f examples/shop --focus web/api-gateway --hops 1 -o gw.dot

      reach export -f manifests/ --view matrix -o matrix.png

      reach export -f manifests/ -n app -n db -o app.graphml
    """
    if fmt is None:
        fmt = EXTENSIONS.get(output.suffix.lower(), "dot") if output else "dot"
    check_choice(fmt, FORMATS, "--format")
    check_choice(by, GRANULARITIES, "--by")
    from reach.draw.cluster import VIEWS  # loads networkx: only export needs it

    check_choice(view, VIEWS, "--view")
    check_choice(value, ("share", "count"), "--value")
    check_choice(engine, ("matplotlib", "graphviz"), "--engine")
    if view == "matrix" and fmt not in (*PICTURES, "json"):
        fail("--view matrix is a picture (png, svg) or json")
    if engine == "graphviz":
        if fmt not in PICTURES or view != "graph":
            fail("--engine graphviz draws graph pictures (png, svg) only")
        if shutil.which("dot") is None:
            fail("--engine graphviz needs Graphviz's 'dot' program on the PATH")
    if fmt == "png" and output is None and sys.stdout.isatty():
        fail("a PNG goes to a file: give -o FILE.png (or pipe the output)")
    r = source.load()
    title = source_text(source)
    try:
        _export(r, output, fmt, by, namespaces, focus, hops, view, value, engine, policies, title)
    except ReachError as e:
        raise fail(str(e)) from None


def _export(
    r: Reach,
    output: Path | None,
    fmt: str,
    by: str,
    namespaces: list[str],
    focus: str | None,
    hops: int,
    view: str,
    value: str,
    engine: str,
    policies: bool,
    title: str,
) -> None:
    from reach import draw

    if view == "matrix" and fmt == "json":
        data = draw.matrix_data(r.view("pod" if by == "pod" else "workload"), sorted(namespaces))
        _write(output, (json.dumps(data.to_dict(), indent=1) + "\n").encode())
        return
    if fmt in PICTURES and engine == "graphviz":
        text = r.to_dot(by, namespaces, focus, hops, source=title)
        try:
            done = subprocess.run(
                ["dot", f"-T{fmt}"], input=text.encode(), capture_output=True, check=True
            )
        except subprocess.CalledProcessError as e:
            raise ReachError(f"dot failed: {e.stderr.decode(errors='replace').strip()}") from None
        _write(output, done.stdout)
        return
    if fmt in PICTURES:
        notes: list[str] = []
        fig = r.draw(
            by=by,
            view=view,
            namespaces=namespaces,
            focus=focus,
            hops=hops,
            source=title,
            value=value,
            notes=notes,
        )
        for note in notes:
            typer.echo(f"reach: note: {note}", err=True)
        _write(output, draw.figure_bytes(fig, fmt))
        return
    g = r.export_graph(by, namespaces, focus, hops, source=title)
    if fmt != "dot" and policies and g.number_of_edges() > 100_000:
        typer.echo(
            f"reach: note: naming the policies of {g.number_of_edges():,} edges takes a while; "
            "--no-policies skips it",
            err=True,
        )
    with _opened(output) as out:
        if fmt == "graphml":
            from reach.output.graph import graphml

            graphml.write(g, out, policies=policies)
            return
        stream = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
        try:
            if fmt == "dot":
                from reach.output.graph import dot

                dot.render(g, stream)
            else:
                from reach.output.graph import nodelink

                nodelink.render(g, stream, policies=policies)
        finally:
            stream.flush()
            stream.detach()


@contextlib.contextmanager
def _opened(output: Path | None) -> Iterator[IO[bytes]]:
    """The binary file to stream into: ``output``, or stdout."""
    if output is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        f = output.open("wb")
    except OSError as e:
        raise fail(f"cannot write {output}: {e.strerror}") from None
    with f:
        yield f


def _write(output: Path | None, data: bytes) -> None:
    with _opened(output) as out:
        out.write(data)
