"""``reach flows check``: observed flows against the policies."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from reach import api
from reach.cli.common import ResultFmt, app, choice, fail, say
from reach.cli.inputs import NO_SOURCE, Input, with_input
from reach.cli.outputs import show
from reach.errors import InvalidInput, ReachError
from reach.output import ResultFormat
from reach.words import count

flows_app = typer.Typer(
    help="Observed flows (Hubble exports, CSV) against the policies.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(flows_app, name="flows")


@flows_app.command("check")
@with_input
def check_cmd(
    flows: Annotated[
        str,
        typer.Option(
            "--flows",
            help="The observed flows: 'hubble observe -o json' output (one JSON flow per "
            "line), or a CSV of src,dst,port/proto[,count] with nodes as 'reach path' "
            "takes them; - for stdin.",
            metavar="FILE",
        ),
    ],
    proposed: Annotated[
        list[str] | None,
        typer.Option(
            "--proposed",
            help="Manifests of a change, read after the input (an object of the same kind, "
            "namespace and name replaces the input's): which observed flows would it break?",
            metavar="PATH",
        ),
    ] = None,
    default_deny: Annotated[
        bool,
        typer.Option(
            "--default-deny",
            help="Which observed flows would a deny-all NetworkPolicy in every namespace "
            "break (on top of --proposed when given)?",
        ),
    ] = False,
    fmt: ResultFmt = ResultFormat.TXT,
    source: Input = NO_SOURCE,
) -> None:
    """Check observed flows against the policies: allowed (by which rule), dropped, not
    matched to the model; the flows a change would break; and the ports each workload
    pair is allowed that no flow used (over-permissive).

    Exit 1 when an observed flow is dropped by the policies, or by the change checked
    with --proposed or --default-deny; 0 otherwise; 2 on bad input (a malformed line
    is named as file:line; --skip-invalid leaves such lines out and lists them).
    docs/flows.md describes the matching of flows to workloads.

    Examples:

      reach flows check -f examples/shop --flows examples/rollout/flows.csv

      reach flows check -f k8s/ --flows hubble.json --default-deny

      reach flows check -f k8s/ --flows hubble.json --proposed new-policies/ --format json
    """
    result_format = choice(ResultFormat, fmt, "--format")
    if proposed and (source.live or source.kustomize or source.helm):
        fail("--proposed works with -f inputs: give the cluster's manifests (or a snapshot)")
    r = source.load()
    after = source_with(source, proposed) if proposed else None
    try:
        result = api.check_flows(
            r, flows, proposed=after, default_deny=default_deny, skip_invalid=source.skip_invalid
        )
    except InvalidInput as e:
        for p in e.problems:
            say(f"reach: error: {p}")
        raise fail(
            f"{count(len(e.problems), 'malformed line')} in {flows}; fix them, or pass "
            "--skip-invalid to check the rest"
        ) from None
    except ReachError as e:
        raise fail(str(e)) from None
    show(result, result_format)
    if result.failed:
        raise typer.Exit(1)


def source_with(source: Input, proposed: list[str]) -> api.Reach:
    """The input with the proposed manifests read after it."""
    return replace(source, file=[*source.file, *proposed]).load()
