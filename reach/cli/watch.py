"""``reach watch``: follow a live cluster and say what each change opened or closed."""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer

from reach.analysis.views import GRANULARITIES
from reach.cli.common import ByOpt, app, choice, fail, say
from reach.cli.inputs import NO_SOURCE, Input, with_input
from reach.errors import ReachError
from reach.output.escape import escape
from reach.words import count

if TYPE_CHECKING:
    from reach.api.metrics import Metrics
    from reach.api.watching import Watcher, WatchUpdate

FORMATS = ("txt", "jsonl")


@app.command("watch")
@with_input
def watch_cmd(
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect",
            help="Expectations file (as 'reach audit --expect'): report each expectation "
            "as it breaks or is restored.",
            metavar="FILE",
        ),
    ] = None,
    by: ByOpt = "workload",
    fmt: Annotated[
        str, typer.Option("--format", help="txt, or jsonl: one JSON object per update.")
    ] = "txt",
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            help="Serve Prometheus metrics on this port (/metrics); needs "
            "pip install 'reach[watch]'.",
        ),
    ] = None,
    max_updates: Annotated[
        int | None,
        typer.Option("--max-updates", help="Stop after this many updates (scripts, tests)."),
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option("--duration", help="Stop after this many seconds.", metavar="SECONDS"),
    ] = None,
    source: Input = NO_SOURCE,
) -> None:
    """Read a live cluster, then watch it: for each change, the connections it opened and
    closed and the expectations it broke or restored, as it happens.

    Every kind reach reads is listed, then watched (resuming after dropped connections,
    listing again after 410 Gone). Ctrl-C stops with a summary on stderr. Exit 0, or 1
    when expectations are broken at the end; 2 on bad options or an unreadable cluster.
    docs/watch.md describes the output, the metrics and running it in a cluster.

    Examples:

      reach watch --context prod

      reach watch --context prod --expect isolation.yaml --format jsonl >> changes.log

      reach watch --in-cluster --expect /etc/reach/isolation.yaml --metrics-port 9090
    """
    if source.file or not source.live:
        fail("watch follows a live cluster: give --context, --kubeconfig or --in-cluster")
    choice(GRANULARITIES, by, "--by")
    choice(FORMATS, fmt, "--format")
    from reach.api.watching import Watcher  # imports the kubernetes client

    try:
        watcher = Watcher(source.live_options(), expect, by)
        metrics = _metrics(metrics_port)
        first = watcher.start()
    except ReachError as e:
        raise fail(str(e)) from None
    started = time.monotonic()
    _emit(first, fmt, metrics, watcher)
    try:
        while max_updates is None or watcher.updates < max_updates:
            left = None if duration is None else duration - (time.monotonic() - started)
            if left is not None and left <= 0:
                break
            update = watcher.next(1.0 if left is None else min(1.0, left))
            if update is not None:
                _emit(update, fmt, metrics, watcher)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        if metrics is not None:
            metrics.close()
    say(_summary(watcher, time.monotonic() - started))
    raise typer.Exit(1 if watcher.broken else 0)


def _metrics(port: int | None) -> Metrics | None:
    if port is None:
        return None
    if not 0 < port < 65536:
        fail(f"--metrics-port must be a port number from 1 to 65535, not {port}")
    from reach.api.metrics import Metrics

    return Metrics(port)


def _emit(update: WatchUpdate, fmt: str, metrics: Metrics | None, watcher: Watcher) -> None:
    if metrics is not None:
        metrics.observe(update, len(watcher.broken))
    text = json.dumps(update.to_dict()) if fmt == "jsonl" else escape(str(update))
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _summary(watcher: Watcher, seconds: float) -> str:
    counts = watcher.watch.counts
    lat = watcher.latencies
    median = f", median {statistics.median(lat) * 1000:.0f} ms" if lat else ""
    broken = watcher.broken
    held = f"; {count(len(broken), 'expectation')} broken now" if watcher.expect else ""
    return (
        f"reach: watched {seconds:.0f} s: {count(counts['events'], 'event')} in "
        f"{count(watcher.updates, 'update')}{median}; {count(counts['reconnects'], 'reconnect')}, "
        f"{count(counts['relists'], 'relist')}{held}"
    )
