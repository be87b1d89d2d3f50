"""``reach path``, ``blast-radius``, ``exposure`` and ``explain``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reach.analysis.views import GRANULARITIES
from reach.cli.common import (
    NO_SOURCE,
    ByOpt,
    Input,
    NsOpt,
    PortOpt,
    QueryFmt,
    app,
    check_choice,
    emit,
    fail,
    query,
    with_input,
)
from reach.cli.export import source_text as title

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PngOpt = Annotated[
    Path | None,
    typer.Option(
        "--png",
        help="Also draw the result to this PNG file (an .svg name writes SVG).",
        metavar="FILE",
    ),
]

REFS_HELP = """
Nodes are named as 'reach list' prints them (ns/name[Kind]), or as ns/name, name
(with -n, or unique), kind/name (deployment/web), pod/ns/name, a label selector
(app=web, with -n to restrict the namespace), namespace/NAME, or an IP address or
CIDR for addresses outside the cluster.
"""


@app.command("path", epilog=REFS_HELP)
@with_input
def path_cmd(
    src: Annotated[str, typer.Argument(metavar="SRC", help="Where the connection starts.")],
    dst: Annotated[str, typer.Argument(metavar="DST", help="Where it should arrive.")],
    port: PortOpt = None,
    max_hops: Annotated[
        int | None, typer.Option("--max-hops", help="Longest path to consider.", min=1)
    ] = None,
    all_paths: Annotated[
        bool, typer.Option("--all", help="Show every shortest path (up to 20).")
    ] = False,
    by: ByOpt = "workload",
    namespace: NsOpt = None,
    fmt: QueryFmt = "txt",
    png: PngOpt = None,
    source: Input = NO_SOURCE,
) -> None:
    """Can SRC reach DST? Direct ports and policies, or why not; then the shortest paths.

    A multi-hop path assumes that whoever holds an intermediate pod can open new
    connections from it. Exit 0 when DST is reachable, 1 when it is not.

    Examples:

      reach path -f examples/shop web/frontend db/postgres

      reach path -f examples/shop web/api-gateway app/payments --port 8080/TCP --all

      reach path -f manifests/ app=web 10.0.0.0/8 -n shop --format json

      reach path -f examples/shop web/frontend db/postgres --png path.png
    """
    check_choice(fmt, ("txt", "json"), "--format")
    check_choice(by, GRANULARITIES, "--by")
    r = source.load()
    res = query(lambda: r.path(src, dst, port, max_hops, all_paths, by, namespace))
    emit(res, fmt)
    if png is not None:
        picture(
            png,
            r.draw_path(res, src=src, dst=dst, namespace=namespace, by=by, source=title(source)),
        )
    raise typer.Exit(0 if res.reachable else 1)


@app.command("blast-radius", epilog=REFS_HELP)
@with_input
def blast_cmd(
    src: Annotated[str, typer.Argument(metavar="SRC", help="The node assumed compromised.")],
    hops: Annotated[
        int | None, typer.Option("--hops", help="Stop after this many hops.", min=1)
    ] = None,
    port: PortOpt = None,
    by: ByOpt = "workload",
    namespace: NsOpt = None,
    fmt: QueryFmt = "txt",
    png: PngOpt = None,
    source: Input = NO_SOURCE,
) -> None:
    """Everything SRC can reach, directly and transitively, grouped by namespace.

    Each entry shows its hop distance, the ports of the hop into it and the
    previous hop. External ranges are included but never crossed.

    Examples:

      reach blast-radius -f examples/shop web/api-gateway

      reach blast-radius -f examples/shop pod/web/frontend-0 --hops 2 --port 5432/TCP

      reach blast-radius -f examples/shop web/api-gateway --png blast.png
    """
    _radius(source, src, False, hops, port, by, namespace, fmt, png)


@app.command("exposure", epilog=REFS_HELP)
@with_input
def exposure_cmd(
    dst: Annotated[str, typer.Argument(metavar="DST", help="The node to protect.")],
    hops: Annotated[
        int | None, typer.Option("--hops", help="Stop after this many hops.", min=1)
    ] = None,
    port: PortOpt = None,
    by: ByOpt = "workload",
    namespace: NsOpt = None,
    fmt: QueryFmt = "txt",
    png: PngOpt = None,
    source: Input = NO_SOURCE,
) -> None:
    """Everything that can reach DST, directly and transitively, external ranges included.

    Flags internet exposure: reachable from addresses outside the private ranges
    (RFC 1918; IPv6 unique-local and link-local).

    Examples:

      reach exposure -f examples/shop db/postgres

      reach exposure -f examples/shop db/postgres --hops 1 --format json

      reach exposure -f examples/shop db/postgres --png exposure.png
    """
    _radius(source, dst, True, hops, port, by, namespace, fmt, png)


def _radius(
    source: Input,
    target: str,
    backward: bool,
    hops: int | None,
    port: str | None,
    by: str,
    namespace: str | None,
    fmt: str,
    png: Path | None,
) -> None:
    """Blast radius (forward) or exposure (backward): print it, and draw it if asked."""
    check_choice(fmt, ("txt", "json"), "--format")
    check_choice(by, GRANULARITIES, "--by")
    r = source.load()
    ask = r.exposure if backward else r.blast_radius
    res = query(lambda: ask(target, hops, port, by, namespace))
    emit(res, fmt)
    if png is not None:
        picture(png, r.draw_radius(res, source=title(source)))


@app.command("explain", epilog=REFS_HELP)
@with_input
def explain_cmd(
    src: Annotated[str, typer.Argument(metavar="SRC", help="Source node.")],
    dst: Annotated[str, typer.Argument(metavar="DST", help="Destination node.")],
    namespace: NsOpt = None,
    fmt: QueryFmt = "txt",
    source: Input = NO_SOURCE,
) -> None:
    """Why SRC may (not) connect to DST: policies and rules on each side, and the result.

    Exit 0 when some connection is allowed, 1 when none is.

    Examples:

      reach explain -f examples/shop app/orders db/postgres

      reach explain -f examples/shop web/frontend db/postgres --format json
    """
    check_choice(fmt, ("txt", "json"), "--format")
    r = source.load()
    res = query(lambda: r.explain(src, dst, namespace))
    if fmt == "json":
        typer.echo(json.dumps([e.to_dict() for e in res], indent=1))
    else:
        typer.echo("\n\n".join(str(e) for e in res))
    raise typer.Exit(0 if any(not e.allowed.is_empty() for e in res) else 1)


def picture(path: Path, fig: Figure) -> None:
    """Write a highlight picture: SVG for an .svg name, else PNG."""
    from reach.cli.export import picture_format
    from reach.draw import save

    try:
        save(fig, path, picture_format(path))
    except OSError as e:
        raise fail(f"cannot write {path}: {e.strerror}") from None
