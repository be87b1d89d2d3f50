"""Failures of a live read, translated into :class:`LiveError` messages that say what to do.

The client raises ``ApiException`` for HTTP answers (and for TLS failures, as
status 0) and urllib3 errors for the transport; each becomes one message
naming the cause, the request and the remedy (see ``docs/live.md``).
"""

from __future__ import annotations

import json
from typing import Any

import urllib3
from kubernetes.client.exceptions import ApiException

from reach.errors import ReachError
from reach.input.live.request import Endpoint, Request

DOCS = "docs/live.md"


class LiveError(ReachError):
    """Reading the live cluster failed; the message says why and what to do."""


class NotServed(LiveError):
    """404: the server does not serve the resource (a CRD that is not installed)."""


class Expired(LiveError):
    """410 Gone: a continue token expired (the list is then read again whole)."""


def api_error(e: ApiException, req: Request, at: Endpoint) -> LiveError:
    """The error for an HTTP answer that is not a success."""
    status = int(e.status or 0)
    message = _status_message(e.body)
    said = f"\n  server said: {message}" if message else ""
    if status == 0:  # the client turns TLS failures into status 0
        reason = str(e.reason or "")
        if "SSL" in reason or "CERTIFICATE" in reason.upper():
            return tls_error(reason, req, at)
        return LiveError(f"{at.where}: {req.doing} failed: {reason}")
    if status == 401:
        return LiveError(
            f"unauthorized (401): the API server at {at.server} rejected the credentials "
            f"of context {at.context!r} while trying to {req.doing}; refresh them "
            "(log in again or renew the token in the kubeconfig user entry), "
            f"check with `kubectl auth whoami`{said}"
        )
    if status == 403:
        return LiveError(
            f"forbidden: cannot {req.verb} {req.target} (403); grant {req.grant}, see {DOCS}{said}"
        )
    if status == 404:
        return NotServed(
            f"{at.where}: not found (404) while trying to {req.doing}; "
            f"the server does not serve it (is {at.server} a Kubernetes API server?){said}"
        )
    if status == 410:
        return Expired(
            f"{at.where}: the list changed too much while reading it (410 Gone, the "
            f"continue token expired) while trying to {req.doing}; nothing was kept, "
            f"run again (a larger --page-limit reads in fewer requests){said}"
        )
    if status == 429 or status >= 500:
        return LiveError(
            f"{at.where}: server error {status} while trying to {req.doing}; the read "
            f"was abandoned and nothing partial is returned: try again later{said}"
        )
    return LiveError(f"{at.where}: HTTP {status} while trying to {req.doing}{said}")


def transport_error(
    e: urllib3.exceptions.HTTPError, req: Request, at: Endpoint, timeout: float | None
) -> LiveError:
    """The error for a request that got no answer (refused, timed out, broken, TLS)."""
    cause: BaseException = e
    if isinstance(e, urllib3.exceptions.MaxRetryError) and e.reason is not None:
        cause = e.reason
    if isinstance(cause, urllib3.exceptions.SSLError) or "CERTIFICATE_VERIFY" in str(cause):
        return tls_error(str(cause), req, at)
    if isinstance(cause, urllib3.exceptions.NewConnectionError):  # before ConnectTimeoutError
        return LiveError(
            f"cannot reach the API server {at.server} of context {at.context!r} "
            f"({_short(cause)}); check that the cluster is running and that the kubeconfig "
            "points at it (`kubectl cluster-info`)"
        )
    if isinstance(cause, urllib3.exceptions.TimeoutError):
        return LiveError(
            f"timeout: the API server {at.server} did not answer within {timeout:g} s "
            f"while trying to {req.doing}; raise --request-timeout (or check the network "
            "path to the server); nothing partial is returned"
            if timeout
            else f"timeout while trying to {req.doing} on {at.server}"
        )
    if isinstance(cause, urllib3.exceptions.ProtocolError):
        hint = (
            f"check that {at.server} is a Kubernetes API server (and http/https is right)"
            if req.verb == "get"
            else "the read was abandoned and nothing partial is returned: try again"
        )
        return LiveError(
            f"{at.where}: the connection broke while trying to {req.doing} "
            f"({_short(cause)}); {hint}"
        )
    return LiveError(f"{at.where}: {req.doing} failed: {_short(cause)}")


def tls_error(reason: str, req: Request, at: Endpoint) -> LiveError:
    return LiveError(
        f"TLS verification of the API server {at.server} failed while trying to "
        f"{req.doing}: {_short_text(reason)}; set the cluster's CA in the kubeconfig "
        "(certificate-authority or certificate-authority-data of the cluster entry), "
        "or, for a throwaway test cluster only, insecure-skip-tls-verify: true"
    )


def _status_message(body: Any) -> str:
    """The ``message`` of a Kubernetes ``Status`` body, or the body itself (shortened)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip():
        return ""
    try:
        doc = json.loads(body)
    except ValueError:
        return _short_text(body)
    if isinstance(doc, dict) and isinstance(doc.get("message"), str):
        return str(doc["message"])
    return _short_text(body)


def _short(e: BaseException) -> str:
    """The readable part of a urllib3 error, without the wrapping around it."""
    text = e.args[0] if e.args and isinstance(e.args[0], str) else str(e)
    if "): " in text and text.startswith(("HTTPConnection(", "HTTPSConnection(")):
        text = text.split("): ", 1)[1]
    return _short_text(text)


def _short_text(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
