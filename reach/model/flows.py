"""Observed flows: connections seen on a running cluster (Hubble, or a CSV from
anywhere), to check against what the policies allow (``reach flows check``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlowEnd:
    """One end of an observed flow, as the observer saw it.

    From Hubble: the namespace, pod, labels (``k8s:app=web`` as Cilium writes them, the
    source prefix kept), workloads and IP of its ``source``/``destination`` endpoint.
    From a CSV: ``ref``, a node reference as ``reach path`` takes it.
    """

    namespace: str = ""
    pod: str = ""
    labels: tuple[str, ...] = ()
    workloads: tuple[tuple[str, str], ...] = ()  #: (kind, name)
    ip: str = ""
    ref: str = ""

    def __str__(self) -> str:
        if self.ref:
            return self.ref
        if self.pod:
            return f"pod/{self.namespace}/{self.pod}"
        if self.workloads:
            kind, name = self.workloads[0]
            return f"{self.namespace}/{name}[{kind}]"
        reserved = [label for label in self.labels if label.startswith("reserved:")]
        if reserved and not self.ip:
            return reserved[0]
        return self.ip or (f"{self.namespace}/<{','.join(self.labels)}>" if self.labels else "?")


@dataclass(frozen=True)
class ObservedFlow:
    """A connection seen from ``src`` to ``dst`` on a destination port (``port`` 0: a
    protocol without ports), ``count`` times; ``verdict`` is what the observer reported
    (Hubble's FORWARDED, DROPPED, AUDIT ...; "" from a CSV). ``origin`` is ``file:line``
    of its first sighting."""

    src: FlowEnd
    dst: FlowEnd
    protocol: str
    port: int
    origin: str
    count: int = 1
    verdict: str = ""
