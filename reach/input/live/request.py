"""What a request of a live read is for and where it goes, as failure messages word it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from reach.input.live.resources import Resource


@dataclass(frozen=True)
class Endpoint:
    """The API server being read: its kubeconfig context and URL (as :func:`shown_url`
    shows it: every message and snapshot header names the server by ``server``)."""

    context: str
    server: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "server", shown_url(self.server))

    @property
    def where(self) -> str:
        return f"context {self.context!r} ({self.server})"


@dataclass(frozen=True)
class Request:
    """What a request is for, to word its failure: verb, target, and the RBAC grant."""

    verb: str
    target: str  # "networkpolicies at cluster scope", "/version"
    grant: str  # "list on networking.k8s.io/networkpolicies"
    page: int = 0

    @property
    def doing(self) -> str:
        page = f" (page {self.page})" if self.page > 1 else ""
        return f"{self.verb} {self.target}{page}"


def list_request(res: Resource, page: int = 0) -> Request:
    return Request("list", f"{res.plural} at cluster scope", f"list on {res.rbac}", page)


def get_request(path: str, urls: str = "") -> Request:
    """A discovery request; ``urls`` are the nonResourceURLs that allow it."""
    return Request("get", path, f"get on nonResourceURLs {urls or f'{path}, {path}/*'}")


def shown_url(url: str) -> str:
    """``url`` without what may be secret: the user information (``user:password@``),
    the query and the fragment; the scheme, host, port and path are kept."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:  # not a URL (an unbalanced "[" in the host): keep what cannot hide one
        return url.rpartition("@")[2].split("?")[0].split("#")[0]
