"""``reach audit`` (built-in checks and expectations) and ``reach diff OLD NEW`` (or
``reach diff OLD --apply PATH``: :mod:`reach.cli.applied`)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from reach import api
from reach.analysis.views import GRANULARITIES
from reach.audit import DEFAULT_FAIL_ON, FAIL_ON
from reach.audit.checks import catalogue
from reach.audit.expect import Expectations, load_expectations
from reach.audit.report import use_colour
from reach.cli.applied import Changes, applied_side
from reach.cli.common import ByOpt, OutOpt, app, choice, fail, say
from reach.cli.inputs import NO_SOURCE, Input, report_diagnostics, with_input
from reach.cli.outputs import opened
from reach.errors import Diagnostic, InvalidInput, ReachError
from reach.input.options import LiveOptions
from reach.output import AuditFormat, DiffFormat, render
from reach.output.diagnostics import sided
from reach.output.formats import names

LIVE_PREFIX = "live:"


def _problems(prefix: str, where: str, e: InvalidInput) -> typer.Exit:
    """Print every problem and exit 2."""
    for p in e.problems:
        say(f"reach: error: {prefix}{p}")
    n = len(e.problems)
    say(f"reach: {n} problem{'s' if n != 1 else ''} in {where}")
    raise typer.Exit(2)


@app.command("audit")
@with_input
def audit_cmd(
    expect: Annotated[
        Path | None,
        typer.Option(
            "--expect",
            metavar="FILE",
            help="Expectations file (YAML) with the isolation promises to check.",
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help=f"Output format: {names(AuditFormat)}.")
    ] = AuditFormat.TXT,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding is at least this severe: low, medium or high.",
        ),
    ] = DEFAULT_FAIL_ON,
    output: OutOpt = None,
    skip: Annotated[
        list[str] | None,
        typer.Option("--skip", metavar="CHECK", help="Do not run this check (its id; repeatable)."),
    ] = None,
    no_checks: Annotated[
        bool, typer.Option("--no-checks", help="Check the expectations only.")
    ] = False,
    list_checks: Annotated[
        bool, typer.Option("--list-checks", help="Print the built-in checks and exit.")
    ] = False,
    source: Input = NO_SOURCE,
) -> None:
    """Audit isolation: built-in checks, and the promises of an expectations file.

    Exit codes: 0 clean; 1 a finding at or above --fail-on (default high; a broken
    expectation is high unless its file says otherwise); 2 an error in the input,
    the expectations file or the options. Findings the expectations file ignores
    never fail the run. The checks and the schema are in docs/audit.md.

    Examples:

      reach audit -f examples/shop --expect examples/expectations/shop.yaml

      reach audit -f manifests/ --format junit -o reach-audit.xml --fail-on medium

      reach audit -f manifests/ --format sarif -o reach.sarif   # code scanning (docs/ci.md)

      reach audit --context prod --format md -o audit.md
    """
    audit_format = choice(AuditFormat, fmt, "--format")
    choice(FAIL_ON, fail_on, "--fail-on")
    if list_checks:
        for c in catalogue():
            cis = f" [{c.cis}]" if c.cis else ""
            typer.echo(f"{c.id} ({c.severity}): {c.title}{cis}\n    {c.rationale}")
        return
    known = {c.id for c in catalogue()}
    for s in skip or []:
        if s not in known:
            fail(f"--skip {s!r}: no such check; 'reach audit --list-checks' lists them")
    exps: Expectations | None = None
    if expect is not None:
        try:
            exps = load_expectations(expect)
        except InvalidInput as e:
            raise _problems("", "the expectations file", e) from None
    r = source.load()
    try:
        report = r.audit(exps, skip=skip or (), checks=not no_checks)
    except ReachError as e:
        raise fail(str(e)) from None
    with opened(output) as out:
        colour = output is None and audit_format is AuditFormat.TXT and use_colour(out)
        render(report, audit_format, out, fail_on=fail_on, colour=colour)
    raise typer.Exit(report.exit_code(fail_on))


def _load_side(
    text: str,
    label: str,
    kubeconfig: str | None,
    request_timeout: float,
    *,
    skip_invalid: bool,
    default_namespace: str | None,
    strict: bool,
) -> api.Reach:
    """A file or directory, or ``live:CONTEXT`` (``live:`` for the current context)."""
    try:
        if text.startswith(LIVE_PREFIX):
            options = LiveOptions(
                context=text[len(LIVE_PREFIX) :] or None,
                kubeconfig=kubeconfig,
                request_timeout=request_timeout,
            )
            if default_namespace:
                fail("--default-namespace applies to manifests, not to a live cluster")
            r = api.load_live(options, skip_invalid=skip_invalid)
        else:
            if text != "-" and not Path(text).exists():
                fail(f"{label} {text}: no such file or directory (or write live:CONTEXT)")
            r = api.load([text], skip_invalid=skip_invalid, default_namespace=default_namespace)
    except InvalidInput as e:
        raise _problems(f"{label} ", f"{label} {text}", e) from None
    except ReachError as e:
        raise fail(f"{label} {text}: {e}") from None
    report_diagnostics(r.diagnostics, strict=strict, prefix=f"{label} {text}: ")
    return r


#: The options of ``reach diff`` that say how each side is read.
KubeconfigOpt = Annotated[
    str | None, typer.Option("--kubeconfig", help="Kubeconfig for a live:CONTEXT side.")
]
TimeoutOpt = Annotated[
    float, typer.Option("--request-timeout", help="Seconds to wait for each live request.")
]
SkipInvalidOpt = Annotated[
    bool,
    typer.Option(
        "--skip-invalid", help="Analyze the valid objects and warn about the invalid ones."
    ),
]
DefaultNsOpt = Annotated[
    str | None,
    typer.Option(
        "--default-namespace",
        metavar="NS",
        help="Namespace of the objects that name none, on both sides, as "
        "'kubectl apply -n NS' gives it (default: default).",
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict", help="Exit 2 if either side's answer would be partial (docs/diagnostics.md)."
    ),
]


#: The help of ``--apply`` and ``--delete``.
_APPLY_HELP = (
    "NEW is OLD {} the objects of this file or directory{}, as 'kubectl {} -f' would "
    "(repeatable{})."
)

NewArg = Annotated[
    str | None,
    typer.Argument(
        metavar="[NEW]",
        help="After: file, directory, or live:CONTEXT (none with --apply or --delete).",
        show_default=False,
    ),
]
ApplyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--apply", metavar="PATH", help=_APPLY_HELP.format("with", " applied", "apply", "")
    ),
]
DeleteOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--delete",
        metavar="PATH",
        help=_APPLY_HELP.format("without", "", "delete", "; deleted before --apply applies"),
    ),
]


@app.command("diff")
def diff_cmd(
    old: Annotated[
        str,
        typer.Argument(metavar="OLD", help="Before: file, directory, or live:CONTEXT."),
    ],
    new: NewArg = None,
    by: ByOpt = "workload",
    fmt: Annotated[
        str, typer.Option("--format", help=f"Output format: {names(DiffFormat)}.")
    ] = DiffFormat.TXT,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when there is any difference.")
    ] = False,
    output: OutOpt = None,
    kubeconfig: KubeconfigOpt = None,
    request_timeout: TimeoutOpt = 30.0,
    skip_invalid: SkipInvalidOpt = False,
    default_namespace: DefaultNsOpt = None,
    strict: StrictOpt = False,
    apply: ApplyOpt = None,
    delete: DeleteOpt = None,
) -> None:
    """What a change does to connectivity: connections added, removed and changed.

    OLD and NEW are each a manifest file or directory, or live:CONTEXT to read a
    cluster (live: alone for the current context). Nodes (workloads, pods or
    namespaces) that exist on one side only are listed as added or removed.

    With --apply or --delete instead of NEW, NEW is OLD with those objects applied or
    deleted in place: what a change would do before it is made, to a live cluster
    too.

    Exit codes: 0 (also when there are differences, unless --exit-code: then 1
    when there is any difference); 2 an error in either input.

    Examples:

      reach diff examples/shop examples/shop-typo

      reach diff live:prod manifests/ --by namespace --format md

      reach diff base/k8s k8s/ --format sarif -o diff.sarif   # points at the changed policies

      git show main:k8s/netpol.yaml > /tmp/old.yaml && reach diff /tmp/old.yaml k8s/ --exit-code

      reach diff live:prod --apply pr/netpol.yaml --exit-code   # before it is applied

      reach diff examples/shop --apply examples/shop-typo/policies.yaml   # one typo
    """
    diff_format = choice(DiffFormat, fmt, "--format")
    choice(GRANULARITIES, by, "--by")
    changes = (apply or [], delete or [])
    if (new is None) == (not changes[0] and not changes[1]):
        raise fail("give NEW, or --apply/--delete PATH for a NEW made of OLD (not both)")
    side = partial(
        _load_side,
        kubeconfig=kubeconfig,
        request_timeout=request_timeout,
        skip_invalid=skip_invalid,
        default_namespace=default_namespace,
        strict=strict,
    )
    before = side(old, "OLD")
    old_diagnostics = sided("old", before.diagnostics)
    if new is not None:
        after = side(new, "NEW")
        report = api.diff(before, after, by, old, new)
        read: list[Diagnostic] = []
    else:
        how = Changes(*changes, default_namespace, skip_invalid)
        report, read = applied_side(before, old, how, by)
        after = before  # (changed in place)
        report_diagnostics([*after.diagnostics, *read], strict=strict, prefix=f"NEW {report.new}: ")
    sides = [*old_diagnostics, *sided("new", [*after.diagnostics, *read])]
    with opened(output) as out:
        render(report, diff_format, out, diagnostics=sides)
    raise typer.Exit(1 if exit_code and not report.empty else 0)
