"""The parsed expectations file: the promises, their endpoints and selectors, and the
``checks`` section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reach.audit.report import Finding
from reach.model.ipspace import IPNetwork
from reach.model.ports import PortSet
from reach.model.selectors import LabelSelector


@dataclass(frozen=True)
class Selector:
    """One item of ``from``/``to``: pods (namespace, labels, workloads, ANDed) or addresses."""

    path: str
    namespaces: tuple[str, ...] = ()
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    workloads: tuple[str, ...] = ()
    cidrs: tuple[IPNetwork, ...] = ()
    excepts: tuple[IPNetwork, ...] = ()
    external: bool = False
    internet: bool = False

    @property
    def is_external(self) -> bool:
        return bool(self.cidrs) or self.external or self.internet

    def __str__(self) -> str:
        if self.external:
            return "outside the cluster"
        if self.internet:
            return "the internet"
        if self.cidrs:
            text = ", ".join(str(c) for c in self.cidrs)
            if self.excepts:
                text += f" except {', '.join(str(e) for e in self.excepts)}"
            return text
        parts = []
        if self.namespaces:
            parts.append(f"namespace {'|'.join(self.namespaces)}")
        if self.namespace_selector is not None:
            parts.append(f"namespaces with {self.namespace_selector}")
        if self.workloads:
            parts.append(" | ".join(self.workloads))
        if self.pod_selector is not None and not self.pod_selector.is_empty():
            parts.append(str(self.pod_selector))
        return ", ".join(parts) if parts else "any pod"


@dataclass(frozen=True)
class Endpoint:
    """``from`` or ``to``: the union of its selectors."""

    path: str
    selectors: tuple[Selector, ...]

    def __str__(self) -> str:
        return " or ".join(str(s) for s in self.selectors)

    @property
    def internal(self) -> bool:
        return any(not s.is_external for s in self.selectors)

    @property
    def external_only(self) -> bool:
        return all(s.is_external for s in self.selectors)


@dataclass(frozen=True)
class Expectation:
    """One promise: ``from`` must not reach / must reach / is the only one to reach ``to``."""

    name: str
    kind: str  # "deny" | "allow" | "only"
    src: Endpoint
    dst: Endpoint
    ports: PortSet | None = None
    ports_text: str | None = None
    severity: str = "high"
    require: str = "all"
    transitive: bool = False
    reason: str = ""
    path: str = ""

    def text(self) -> str:
        on = f" on {self.ports_text}" if self.ports_text else ""
        if self.kind == "deny":
            how = " (directly or through other pods)" if self.transitive else ""
            return f"{self.src} must not reach {self.dst}{on}{how}"
        if self.kind == "allow":
            who = "some of " if self.require == "any" else ""
            return f"{who}{self.src} must reach {self.dst}{on}"
        return f"only {self.src} may reach {self.dst}{on}"


@dataclass(frozen=True)
class Ignore:
    """A finding of a built-in check the team accepts, with the reason."""

    check: str
    namespace: str | None = None
    subject: str | None = None
    reason: str = ""

    def matches(self, f: Finding) -> bool:
        return (
            f.check == self.check
            and (self.namespace is None or f.namespace == self.namespace)
            and (self.subject is None or f.subject == self.subject)
        )


@dataclass(frozen=True)
class ChecksConfig:
    """The ``checks`` section: checks to skip, severities to change, findings to ignore."""

    skip: frozenset[str] = frozenset()
    severity: Mapping[str, str] = field(default_factory=dict)
    ignore: tuple[Ignore, ...] = ()


@dataclass
class Expectations:
    """A parsed expectations file."""

    source: str = "<expectations>"
    expectations: list[Expectation] = field(default_factory=list)
    checks: ChecksConfig = field(default_factory=ChecksConfig)
