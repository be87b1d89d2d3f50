"""How to reach a live cluster: kept apart so that naming it does not import the client."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LiveOptions:
    """How to reach the cluster, the way kubectl's flags say it.

    ``kubeconfig`` defaults to ``$KUBECONFIG`` (a ``:``-separated list, merged as
    kubectl does) and then ``~/.kube/config``; ``context`` defaults to the
    kubeconfig's current context. ``request_timeout`` is in seconds per request
    (``None`` or 0: no limit). ``progress`` ``None`` shows a bar on stderr only
    when stderr is a terminal and the read is large.
    """

    context: str | None = None
    kubeconfig: str | None = None
    in_cluster: bool = False
    request_timeout: float | None = 30
    page_limit: int = 500
    progress: bool | None = None
