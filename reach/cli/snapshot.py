"""``reach snapshot``: save a live read as one offline file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reach.cli.common import app, fail, say
from reach.cli.inputs import NO_SOURCE, Input, with_input
from reach.cli.outputs import opened
from reach.errors import Diagnostics, ReachError
from reach.input.snapshot import write_snapshot


@app.command("snapshot")
@with_input
def snapshot_cmd(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    source: Input = NO_SOURCE,
) -> None:
    """Read a live cluster and save what the analysis needs as one multi-document YAML file.

    The file holds no secrets: only names, labels, ports, phases, IPs and
    policies. 'reach list -f cluster.yaml' then gives exactly the live result.

    Examples:

      reach snapshot --context prod -o prod.yaml

      reach snapshot --kubeconfig ~/.kube/staging -o staging.yaml
    """
    if source.file or not source.live:
        fail("snapshot reads a live cluster: give --context, --kubeconfig or --in-cluster")
    from reach.input.live import LiveSource  # imports the kubernetes client

    diag = Diagnostics()
    src = LiveSource(source.live_options())
    try:
        raws = src.read(diag)
    except ReachError as e:
        raise fail(str(e)) from None
    for w in diag.warnings:
        say(f"reach: warning: {w}")
    with opened(output) as out:
        write_snapshot(raws, out, src.info)
    if output is not None:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(src.info.get("counts", {}).items()))
        say(f"reach: wrote {output} ({counts})")
