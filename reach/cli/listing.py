"""``reach list`` and ``reach summary``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from reach.analysis.views import GRANULARITIES
from reach.cli.common import (
    NO_SOURCE,
    ByOpt,
    Input,
    OutOpt,
    app,
    check_choice,
    open_output,
    with_input,
)
from reach.output.listing import FORMATS, renderers


@app.command("list")
@with_input
def list_cmd(
    fmt: Annotated[
        str, typer.Option("--format", help=f"Output format: {', '.join(FORMATS)}.")
    ] = "txt",
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
    source: Input = NO_SOURCE,
) -> None:
    """List every allowed connection: src => dst : ports.

    Examples:

      reach list -f examples/shop

      reach list -f manifests/ --by pod --format json -o conns.json

      kubectl get pods,netpol,ns -A -o yaml | reach list -f -
    """
    check_choice(fmt, FORMATS, "--format")
    check_choice(by, GRANULARITIES, "--by")
    r = source.load()
    if ipv6 is None and fmt == "txt":
        ipv6 = False
        if r.reachability.ipv6:
            typer.echo(
                "reach: note: policies name IPv6 CIDRs; txt lists IPv4 ranges only "
                "(add --ipv6, or use --format json)",
                err=True,
            )
    out = open_output(output)
    try:
        renderers()[fmt](r.view(by, ipv6), out)
    finally:
        if out is not sys.stdout:
            out.close()


@app.command("summary")
@with_input
def summary_cmd(
    fmt: Annotated[str, typer.Option("--format", help="txt or json.")] = "txt",
    source: Input = NO_SOURCE,
) -> None:
    """Load and compile only; print counts of pods, workloads, classes, policies and pairs.

    Example:

      reach summary -f examples/shop --format json
    """
    check_choice(fmt, ("txt", "json"), "--format")
    s = source.load().summary()
    if fmt == "json":
        typer.echo(json.dumps(s.to_json(), indent=1))
        return
    for key, value in s.to_json().items():
        typer.echo(f"{key.replace('_', ' ')}: {value}")
