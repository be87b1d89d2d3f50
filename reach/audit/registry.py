"""The check registry: every built-in check by stable id, in catalogue order."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from reach.audit.context import Context, workloads_message
from reach.audit.report import Finding

#: CIS Kubernetes Benchmark 5.3.2: "Ensure that all Namespaces have Network Policies defined".
CIS_NETPOL = "CIS Kubernetes Benchmark 5.3.2"


class NotApplicable(Exception):
    """Raised by a check that has nothing to look at (the message says why)."""


@dataclass(frozen=True)
class Check:
    """A built-in check: stable id, severity, one-line rationale, CIS reference if any."""

    id: str
    title: str
    severity: str
    rationale: str
    cis: str | None
    fn: Callable[[Context, Check], Iterable[Finding]]

    def run(self, ctx: Context) -> list[Finding]:
        return list(self.fn(ctx, self))

    def finding(
        self,
        subject: str,
        message: str,
        namespace: str | None = None,
        details: dict[str, Any] | None = None,
        notes: Iterable[str] = (),
    ) -> Finding:
        return Finding(
            check=self.id,
            severity=self.severity,
            title=self.title,
            subject=subject,
            message=message,
            namespace=namespace,
            rationale=self.rationale,
            cis=self.cis,
            details=details or {},
            notes=tuple(notes),
        )


#: Every built-in check by id, in catalogue order.
CHECKS: dict[str, Check] = {}

CheckFn = Callable[["Context", Check], Iterable[Finding]]


class DirectionalFn(Protocol):
    """A check function for either direction: ``fn(ctx, chk, direction="ingress")``."""

    def __call__(self, ctx: Context, chk: Check, direction: str) -> Iterable[Finding]: ...


def check(
    id: str, title: str, severity: str, rationale: str, cis: str | None = None
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under a stable id."""

    def register(fn: CheckFn) -> CheckFn:
        CHECKS[id] = Check(id, title, severity, rationale, cis, fn)
        return fn

    return register


def check_per_direction(
    id: str,
    title: str,
    cis: str | None,
    *,
    ingress: str,
    egress: str,
    severities: tuple[str, str] = ("medium", "low"),
) -> Callable[[DirectionalFn], DirectionalFn]:
    """Register a function as two checks, the ingress one then the egress one.

    ``id`` and ``title`` name the direction as ``{direction}``; ``ingress`` and ``egress``
    are the rationales, ``severities`` the ingress and the egress severity (an open
    ingress is the graver by default).
    """

    def register(fn: DirectionalFn) -> DirectionalFn:
        for direction, rationale, severity in zip(
            ("ingress", "egress"), (ingress, egress), severities, strict=True
        ):
            # update_wrapper keeps fn's module: the catalogue orders the checks by it
            bound = functools.update_wrapper(functools.partial(fn, direction=direction), fn)
            check(
                id.format(direction=direction),
                title.format(direction=direction),
                severity,
                rationale,
                cis,
            )(bound)
        return fn

    return register


def catalogue() -> list[Check]:
    """The built-in checks in catalogue order."""
    return list(CHECKS.values())


def grouped_findings(
    ctx: Context, chk: Check, entries: list[tuple[int, str, dict[str, Any]]]
) -> Iterable[Finding]:
    """One finding per namespace and message: about the workload when it is alone, else
    about the namespace, listing its workloads."""
    groups: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    for wl, text, details in entries:
        groups.setdefault((ctx.workload_namespace(wl), text), []).append((wl, details))
    for (ns, text), items in sorted(groups.items()):
        wls = sorted((wl for wl, _ in items), key=ctx.workload_name)
        details = {**items[0][1], "workloads": ctx.workload_details(wls)}
        if len(wls) == 1:
            subject, message = ctx.workload_name(wls[0]), text
        else:
            subject = ns
            message = f"{text} [{workloads_message(ctx, wls)}]"
        yield chk.finding(subject, message, ns, details, ctx.hostnet_notes(wls))
