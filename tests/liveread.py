"""Reading the test API server (tests/k8s_server.py) as reach does: shared by the live tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from reach.errors import Diagnostics
from reach.input.live import LiveOptions, LiveSource
from reach.input.raw import RawObject
from tests.k8s_server import KubeAPIServer

Serve = Callable[..., KubeAPIServer]
Objects = list[dict[str, Any]]


def serving() -> Iterator[Serve]:
    """A ``serve(objects, **kw)`` that starts servers, each stopped when the test ends."""
    started: list[KubeAPIServer] = []

    def start(objects: Objects, **kw: Any) -> KubeAPIServer:
        srv = KubeAPIServer(objects, **kw).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


def read(kubeconfig: Path, **kw: Any) -> tuple[list[RawObject], LiveSource, Diagnostics]:
    """The raw objects of a live read, its source (for ``info``) and its diagnostics."""
    diag = Diagnostics()
    src = LiveSource(LiveOptions(kubeconfig=str(kubeconfig), **kw))
    return list(src.objects(diag)), src, diag
