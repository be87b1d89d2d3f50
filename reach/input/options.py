"""How to reach a live cluster: kept apart so that naming it does not import the client."""

from __future__ import annotations

import math
from dataclasses import dataclass

from reach.errors import ReachError

#: The longest ``request_timeout`` (seconds): a day.
MAX_REQUEST_TIMEOUT = 86_400.0


@dataclass
class LiveOptions:
    """How to reach the cluster, the way kubectl's flags say it.

    ``kubeconfig`` defaults to ``$KUBECONFIG`` (a ``:``-separated list, merged as
    kubectl does) and then ``~/.kube/config``; ``context`` defaults to the
    kubeconfig's current context. ``request_timeout`` is in seconds per request, the
    whole request (connecting, waiting, and reading the answer), at most a day (``None``
    or 0: no limit); anything else is a ReachError. ``progress`` ``None`` shows a bar on stderr only
    when stderr is a terminal and the read is large.
    """

    context: str | None = None
    kubeconfig: str | None = None
    in_cluster: bool = False
    request_timeout: float | None = 30
    page_limit: int = 500
    progress: bool | None = None

    def __post_init__(self) -> None:
        t = self.request_timeout
        if t is not None and not (
            isinstance(t, int | float) and math.isfinite(t) and 0 <= t <= MAX_REQUEST_TIMEOUT
        ):
            raise ReachError(
                f"--request-timeout must be a number of seconds from 0 (no limit) to "
                f"{MAX_REQUEST_TIMEOUT:,.0f}, not {t!r}"
            )
