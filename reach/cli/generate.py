"""``reach generate``: NetworkPolicies that allow exactly what is wanted, verified."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reach import api
from reach.analysis.genresult import GenerateResult
from reach.audit.expect import ExpectationError, load_expectations
from reach.cli.common import app, fail, say
from reach.cli.inputs import NO_SOURCE, Input, with_input
from reach.cli.outputs import opened
from reach.errors import InvalidInput, ReachError
from reach.words import count

FlowsOpt = Annotated[
    str | None,
    typer.Option(
        "--flows",
        help="Allow exactly the connections these observed flows made (a Hubble JSON "
        "export or a CSV, as 'reach flows check' reads them).",
        metavar="FILE",
    ),
]
CurrentOpt = Annotated[
    bool,
    typer.Option("--from-current", help="Allow exactly the connections the input allows today."),
]
ExpectOpt = Annotated[
    str | None,
    typer.Option(
        "--expect",
        help="Allow exactly what the allow expectations of this expectations file "
        "require (the format of 'reach audit --expect'); every expectation of it is "
        "then checked on the result.",
        metavar="FILE",
    ),
]
KeepOpt = Annotated[
    bool,
    typer.Option(
        "--keep-existing",
        help="Keep the input's NetworkPolicies and generate only what they miss; "
        "pairs they allow beyond what is wanted are named (exit 1).",
    ),
]
OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the policies to this file, or, for a directory (existing, or "
        "written with a trailing /), one NAMESPACE.yaml per namespace.",
    ),
]


@app.command("generate")
@with_input
def generate_cmd(
    flows: FlowsOpt = None,
    from_current: CurrentOpt = False,
    expect: ExpectOpt = None,
    keep_existing: KeepOpt = False,
    output: OutputOpt = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="yaml or json (NetworkPolicies), or cilium: CiliumNetworkPolicies as YAML "
            "(the same rules; these are what is verified).",
        ),
    ] = "yaml",
    source: Input = NO_SOURCE,
) -> None:
    """Write NetworkPolicies that allow exactly the wanted connections and nothing else:
    a default deny per namespace, then one policy per workload with its ingress and
    egress rules, selectors on stable labels, a comment per rule.

    The policies are verified before they are written: the input is analysed again
    with them in place of its NetworkPolicies (beside them with --keep-existing; its
    other policy kinds kept) and compared with what was wanted, pair by pair and port by
    port, and the expectations of --expect are checked. The verdict is printed on
    stderr; exit 1 when they differ or an expectation breaks (named), 0 when exact.
    docs/flows.md describes the layout and its limits.

    Examples:

      reach generate -f examples/shop --from-current

      reach generate -f examples/shop --flows examples/flows/shop-flows.csv -o policies/

      reach generate -f examples/rollout/app --expect examples/rollout/isolation.yaml

      reach generate -f k8s/ --flows hubble.json --keep-existing -o generated.yaml

      reach generate -f examples/shop --from-current --format cilium
    """
    if sum((flows is not None, from_current, expect is not None)) != 1:
        fail("give one of --flows FILE, --expect FILE and --from-current")
    if fmt not in ("yaml", "json", "cilium"):
        fail(f"--format must be yaml, json or cilium, not {fmt!r}")
    exps = None
    if expect is not None:
        try:
            exps = load_expectations(expect)
        except InvalidInput as e:
            raise _problems(e, "in the expectations file") from None
    r = source.load()
    try:
        result = api.generate(
            r,
            flows,
            expect=exps,
            keep_existing=keep_existing,
            skip_invalid=source.skip_invalid,
            cilium=fmt == "cilium",
        )
    except ExpectationError as e:
        raise _problems(e, "in the expectations file (reach generate cannot use them)") from None
    except InvalidInput as e:
        raise _problems(e, f"in {flows}", "malformed line") from None
    except ReachError as e:
        raise fail(str(e)) from None
    _write(result, output, fmt)
    say(str(result))
    if not result.verification.ok:
        raise typer.Exit(1)


def _problems(e: InvalidInput, where: str, noun: str = "problem") -> typer.Exit:
    """Print every problem, then exit 2."""
    for p in e.problems:
        say(f"reach: error: {p}")
    return fail(f"{count(len(e.problems), noun)} {where}")


def _write(result: GenerateResult, output: str | None, fmt: str) -> None:
    """To stdout or one file; to a directory (existing, or named with a trailing ``/``)
    one file per namespace."""
    if output is None or not (output.endswith(("/", "\\")) or Path(output).is_dir()):
        with opened(Path(output) if output else None) as out:
            out.write(_text(result, fmt, None))
        return
    folder = Path(output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise fail(f"cannot create {output}: {e.strerror or e}") from None
    for namespace in result.namespaces:
        with opened(folder / f"{namespace}.{'json' if fmt == 'json' else 'yaml'}") as out:
            out.write(_text(result, fmt, namespace))


def _text(result: GenerateResult, fmt: str, namespace: str | None) -> str:
    if fmt == "json":
        policies = [
            p
            for p in result.generated.policies
            if namespace is None or p["metadata"]["namespace"] == namespace
        ]
        return json.dumps({"apiVersion": "v1", "kind": "List", "items": policies}, indent=1) + "\n"
    return result.yaml(namespace)
