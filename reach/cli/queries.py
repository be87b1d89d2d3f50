"""``reach path``, ``blast-radius``, ``exposure`` and ``explain``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reach.analysis.views import GRANULARITIES
from reach.cli.common import ByOpt, NsOpt, PortOpt, ResultFmt, app, choice, query
from reach.cli.inputs import NO_SOURCE, Input, with_input
from reach.cli.outputs import picture, show
from reach.output import ResultFormat

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
(app=web, with -n to restrict the namespace), namespace/NAME, an IP address or
CIDR for addresses outside the cluster, or svc/NAME (svc/ns/name) for a Service's
backends. 'reach path internet DST' follows the entry points (LoadBalancer,
NodePort, Ingress, Route) in. Cilium entities and names with no addresses are
pseudo nodes: kube-apiserver[Entity] or entity:kube-apiserver, api.example.com[FQDN]
or fqdn:api.example.com. A Calico network set is named as printed:
ns/name[NetworkSet], name[GlobalNetworkSet].
"""


NoL7Opt = Annotated[
    bool,
    typer.Option(
        "--no-l7",
        help="Hops that Istio allows only depending on L7 conditions (methods, paths, "
        "JWT, CUSTOM; marked [GET /x] otherwise) do not count (docs/istio.md).",
    ),
]


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
        bool,
        typer.Option(
            "--all", help="Show every shortest path, each route once (up to 20, and how many)."
        ),
    ] = False,
    same_port: Annotated[
        bool,
        typer.Option(
            "--same-port",
            help="With --port: one port of the filter on every hop, the same end to end "
            "(what a connection forwarded along the path needs), rather than some port each.",
        ),
    ] = False,
    by: ByOpt = "workload",
    namespace: NsOpt = None,
    fmt: ResultFmt = ResultFormat.TXT,
    png: PngOpt = None,
    no_l7: NoL7Opt = False,
    source: Input = NO_SOURCE,
) -> None:
    """Can SRC reach DST? Direct ports and policies, or why not; then the shortest paths.

    A hop goes from one pod to another (never from a pod to itself) or between a
    pod and an outside address. A multi-hop path assumes that whoever holds an
    intermediate pod can open new connections from it. The first line gives the
    verdict: "=>" (direct) or "reaches" when some path exists (exit 0), "cannot
    connect" when none does (exit 1). The terms are defined in docs/queries.md.

    Examples:

      reach path -f examples/shop web/frontend db/postgres

      reach path -f examples/shop web/api-gateway app/payments --port 8080/TCP --all

      reach path -f examples/shop web/frontend db/postgres --port 1-65535/TCP --same-port

      reach path -f manifests/ app=web 10.0.0.0/8 -n shop --format json

      reach path -f examples/shop web/frontend db/postgres --png path.png

      reach path -f examples/istio default/sleep default/httpbin --no-l7
    """
    result_format = choice(ResultFormat, fmt, "--format")
    choice(GRANULARITIES, by, "--by")
    r = source.load()
    found = query(
        lambda: r.path(
            src, dst, port, max_hops, all_paths, by, namespace, same_port=same_port, no_l7=no_l7
        )
    )
    show(found, result_format)
    if png is not None:
        picture(
            png,
            r.draw_path(found, src=src, dst=dst, namespace=namespace, by=by, source=source.title),
        )
    raise typer.Exit(0 if found.reachable else 1)


SrcArg = Annotated[str, typer.Argument(metavar="SRC", help="The node assumed compromised.")]
DstArg = Annotated[str, typer.Argument(metavar="DST", help="The node to protect.")]
HopsOpt = Annotated[int | None, typer.Option("--hops", help="Stop after this many hops.", min=1)]
PotentialOpt = Annotated[
    bool,
    typer.Option(
        "--potential",
        help="Also list the pods that do not exist yet, one hop: the representative peers "
        "(entire cluster, pods of namespaces with given labels, pods with given labels) "
        "the node's policies admit, with their ports (docs/queries.md, 'Representatives').",
    ),
]


def _radius_command(name: str, argument: object, *, backward: bool, doc: str) -> None:
    """Register ``blast-radius`` (forward from the node) or ``exposure`` (backward to it):
    one body and one option list; ``argument`` annotates the node, ``doc`` is the help."""

    def command(
        node: str,
        hops: HopsOpt = None,
        port: PortOpt = None,
        by: ByOpt = "workload",
        namespace: NsOpt = None,
        fmt: ResultFmt = ResultFormat.TXT,
        png: PngOpt = None,
        potential: PotentialOpt = False,
        no_l7: NoL7Opt = False,
        source: Input = NO_SOURCE,
    ) -> None:
        result_format = choice(ResultFormat, fmt, "--format")
        choice(GRANULARITIES, by, "--by")
        r = source.load()
        ask = r.exposure if backward else r.blast_radius
        found = query(lambda: ask(node, hops, port, by, namespace, potential, no_l7=no_l7))
        show(found, result_format)
        if png is not None:
            picture(png, r.draw_radius(found, source=source.title))

    command.__doc__ = doc
    command.__annotations__["node"] = argument
    app.command(name, epilog=REFS_HELP)(with_input(command))


_radius_command(
    "blast-radius",
    SrcArg,
    backward=False,
    doc="""Everything SRC can reach, directly and transitively, grouped by namespace.

    Each entry shows its hop distance, the ports of the hop into it and the
    previous hop. External ranges are included but never crossed.

    Examples:

      reach blast-radius -f examples/shop web/api-gateway

      reach blast-radius -f examples/shop pod/web/frontend-0 --hops 2 --port 5432/TCP

      reach blast-radius -f examples/shop web/api-gateway --png blast.png

      reach blast-radius -f examples/shop web/api-gateway --potential

      reach blast-radius -f examples/istio default/sleep --no-l7
    """,
)
_radius_command(
    "exposure",
    DstArg,
    backward=True,
    doc="""Everything that can reach DST, directly and transitively, external ranges included.

    Flags internet exposure: reachable from addresses that the IANA special-purpose
    registries do not mark as not globally reachable (docs/queries.md).

    Examples:

      reach exposure -f examples/shop db/postgres

      reach exposure -f examples/shop db/postgres --hops 1 --format json

      reach exposure -f examples/shop db/postgres --png exposure.png

      reach exposure -f examples/shop db/postgres --potential --format json
    """,
)


@app.command("explain", epilog=REFS_HELP)
@with_input
def explain_cmd(
    src: Annotated[str, typer.Argument(metavar="SRC", help="Source node.")],
    dst: Annotated[str, typer.Argument(metavar="DST", help="Destination node.")],
    namespace: NsOpt = None,
    fmt: ResultFmt = ResultFormat.TXT,
    source: Input = NO_SOURCE,
) -> None:
    """Why SRC may (not) connect to DST: policies and rules on each side, and the result.

    Exit 0 when some connection is allowed, 1 when none is.

    Examples:

      reach explain -f examples/shop app/orders db/postgres

      reach explain -f examples/shop web/frontend db/postgres --format json
    """
    result_format = choice(ResultFormat, fmt, "--format")
    r = source.load()
    explanations = query(lambda: r.explain(src, dst, namespace))
    show(explanations, result_format)
    raise typer.Exit(0 if any(not e.allowed.is_empty() for e in explanations) else 1)
