"""What a request of a live read is for and where it goes, as failure messages word it."""

from __future__ import annotations

from dataclasses import dataclass

from reach.input.live.resources import Resource


@dataclass(frozen=True)
class Endpoint:
    """The API server being read: its kubeconfig context and URL."""

    context: str
    server: str

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
