"""A request bounded as a whole: ``--request-timeout`` is the most one request may take.

urllib3's timeouts bound each step (connecting, and each wait for bytes), so an answer
that trickles in (64 bytes every half second) is never cut off. Here the request runs in
a daemon thread that the read waits for at most the timeout; past it, the answer is shut
down (so the thread ends at its next read) and the read fails with a timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import urllib3


def bounded(call: Callable[..., Any], timeout: float | None) -> bytes:
    """The body of ``call(_preload_content=False, _request_timeout=timeout)``, all of it
    within ``timeout`` seconds (``None``: no limit); a urllib3 ``TimeoutError`` past it."""
    if not timeout:
        return _body(call(_preload_content=False, _request_timeout=timeout))
    got: dict[str, Any] = {}

    def work() -> None:
        try:
            resp = got["response"] = call(_preload_content=False, _request_timeout=timeout)
            got["body"] = _body(resp)
        except BaseException as e:  # handed to the caller's thread
            got["error"] = e

    worker = threading.Thread(target=work, name="reach-live-request", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        resp = got.get("response")
        if resp is not None and hasattr(resp, "shutdown"):
            resp.shutdown()
        raise urllib3.exceptions.TimeoutError(f"no whole answer within {timeout:g} s")
    if "error" in got:
        raise got["error"]
    body: bytes = got["body"]
    return body


def _body(resp: Any) -> bytes:
    try:
        data: bytes = resp.data
        return data
    finally:
        resp.release_conn()
