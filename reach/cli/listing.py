"""``reach list`` and ``reach summary``."""

from __future__ import annotations

from typing import Annotated

import typer

from reach.analysis.exposure_section import exposure_section
from reach.analysis.views import GRANULARITIES
from reach.cli.common import ByOpt, OutOpt, ResultFmt, app, choice, say
from reach.cli.inputs import NO_SOURCE, Input, with_input
from reach.cli.outputs import opened, show
from reach.output import ListFormat, ResultFormat, render
from reach.output.formats import names
from reach.output.listing import exposure as exposed


@app.command("list")
@with_input
def list_cmd(
    fmt: Annotated[
        str, typer.Option("--format", help=f"Output format: {names(ListFormat)}.")
    ] = ListFormat.TXT,
    by: ByOpt = "workload",
    output: OutOpt = None,
    ipv6: Annotated[
        bool | None,
        typer.Option(
            "--ipv6/--no-ipv6",
            help="Show IPv6 external ranges. Default: not in txt (its grammar is IPv4-only); "
            "in other formats when a policy names an IPv6 CIDR.",
            show_default=False,
        ),
    ] = None,
    exposure: Annotated[
        bool,
        typer.Option(
            "--exposure",
            help="Then what each node is open to beyond the input: any pod at all "
            "(entire-cluster) and the pods rules describe by labels (representatives), "
            "and the nodes no policy protects.",
        ),
    ] = False,
    source: Input = NO_SOURCE,
) -> None:
    """List every allowed connection: src => dst : ports.

    Examples:

      reach list -f examples/shop

      reach list -f examples/shop --exposure --format json -o exposure.json

      reach list -f manifests/ --by pod --format json -o conns.json

      kubectl get pods,netpol,ns -A -o yaml | reach list -f -
    """
    list_format = choice(ListFormat, fmt, "--format")
    choice(GRANULARITIES, by, "--by")
    r = source.load()
    notes: list[str] = []
    view = r.listing(list_format, by, ipv6, notes)
    for note in notes:
        say(f"reach: note: {note}")
    with opened(output) as out:
        if exposure:
            exposed.render(view, exposure_section(view), list_format, out)
        else:
            render(view, list_format, out)


@app.command("summary")
@with_input
def summary_cmd(fmt: ResultFmt = ResultFormat.TXT, source: Input = NO_SOURCE) -> None:
    """Load and compile only; print counts of pods, workloads, classes, policies and pairs.

    Example:

      reach summary -f examples/shop --format json
    """
    result_format = choice(ResultFormat, fmt, "--format")
    show(source.load().summary(), result_format)
