"""Prometheus metrics of ``reach watch --metrics-port`` (the official Python client,
``pip install 'reach[watch]'``): what the cluster allows now, and how fast reach keeps up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reach.errors import ReachError

if TYPE_CHECKING:
    from reach.api.watching import WatchUpdate

#: How long :meth:`Metrics.close` waits for the server's thread.
STOP_SECONDS = 5.0
#: Update latencies (seconds) the histogram counts.
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The metrics of one watch, served over HTTP on ``port`` (``/metrics``)."""

    def __init__(self, port: int, address: str = "0.0.0.0") -> None:  # noqa: S104 - in a pod
        try:
            import prometheus_client as prom
        except ImportError:
            raise ReachError(
                "--metrics-port needs the Prometheus client: pip install 'reach[watch]'"
            ) from None
        self.registry = prom.CollectorRegistry()
        r = self.registry
        self.broken = prom.Gauge(
            "reach_expectations_broken", "Expectations of the --expect file broken now", registry=r
        )
        self.pairs = prom.Gauge(
            "reach_allowed_pairs",
            "Allowed (source, destination) pairs at the watch's granularity",
            registry=r,
        )
        self.exposed = prom.Gauge(
            "reach_internet_exposed", "Nodes that some internet address may reach", registry=r
        )
        self.events = prom.Counter(
            "reach_events_processed",
            "Objects added, modified or deleted that reach applied",
            registry=r,
        )
        self.updates = prom.Counter(
            "reach_updates", "Updates (bursts of events analysed together)", registry=r
        )
        self.latency = prom.Histogram(
            "reach_update_seconds",
            "Seconds from a burst of events to its answer",
            buckets=BUCKETS,
            registry=r,
        )
        try:
            self.server, self.thread = prom.start_http_server(port, address, registry=r)
        except OSError as e:
            raise ReachError(f"--metrics-port {port}: cannot listen on {address}: {e}") from None

    def observe(self, update: WatchUpdate, broken: int) -> None:
        """Record one update (the first state too: it sets the gauges)."""
        self.broken.set(broken)
        self.pairs.set(update.connections)
        self.exposed.set(update.exposed)
        if update.diff is not None:
            self.events.inc(len(update.events))
            self.updates.inc()
            self.latency.observe(update.seconds)

    def close(self) -> None:
        """Stop serving, and wait for the server's thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(STOP_SECONDS)
