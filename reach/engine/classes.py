"""Steps 1 and 2 of compilation: pods grouped into label classes, then behaviour classes."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.labelindex import LabelIndex
from reach.engine.rules import NamedKey
from reach.model.cluster import Pod

#: For each (name, protocol) that rules use, the container port numbers it names on a pod.
NamedPorts = tuple[tuple[int, ...], ...]


@dataclass
class LabelClasses:
    """Step 1: pods alike in namespace, labels, used named ports and host networking.

    Only the named ports some rule uses tell pods apart. Replicas collapse here.
    The arrays and lists are indexed by label class.
    """

    of_pod: IntVec  #: the label class of each pod
    namespace: IntVec  #: the position of its namespace among the sorted namespace names
    named_ports: list[NamedPorts]
    host_network: BoolVec
    labels: LabelIndex  #: the label set of each label class, indexed for selectors
    #: The service account of each label class ("" unless asked for: Cilium selects by it).
    service_accounts: list[str]

    def __len__(self) -> int:
        return len(self.namespace)


def label_classes(
    pods: list[Pod],
    namespace_position: dict[str, int],
    named: list[NamedKey],
    *,
    service_accounts: bool = False,
    mesh: bool = False,
    mesh_key: Callable[[Pod], Hashable] | None = None,
) -> LabelClasses:
    """Group pods by (namespace, labels, container ports of the named ports used, host net),
    and by service account when ``service_accounts``; with ``mesh`` (Istio) by service
    account and sidecar injection annotation, and by ``mesh_key`` (where the pod's address
    falls in Istio's ipBlocks, how it resolves Services' named target ports:
    ``MeshLayer.class_key``)."""
    keys: dict[tuple[object, ...], int] = {}
    of_pod = np.empty(len(pods), dtype=np.intp)
    wanted = set(named)
    for i, pod in enumerate(pods):
        used = tuple(
            sorted(
                (c.name, c.protocol, c.port) for c in pod.ports if (c.name, c.protocol) in wanted
            )
        )
        account = pod.service_account if service_accounts or mesh else ""
        inject = pod.sidecar_inject if mesh else None
        address = mesh_key(pod) if mesh_key is not None else None
        key = (pod.namespace, pod.labels, used, pod.host_network, account, inject, address)
        of_pod[i] = keys.setdefault(key, len(keys))
    found = list(keys)
    return LabelClasses(
        of_pod=of_pod,
        namespace=np.array([namespace_position[k[0]] for k in found], dtype=np.intp),  # type: ignore[index]
        named_ports=[_resolution(k[2], named) for k in found],  # type: ignore[arg-type]
        host_network=np.array([bool(k[3]) for k in found], dtype=bool),
        labels=LabelIndex([k[1] for k in found]),  # type: ignore[misc]
        service_accounts=[str(k[4]) for k in found],
    )


def _resolution(used: tuple[tuple[str, str, int], ...], named: list[NamedKey]) -> NamedPorts:
    """For each (name, protocol) rules use, the container ports it names on a pod."""
    return tuple(
        tuple(sorted({port for name, proto, port in used if name == want and proto == protocol}))
        for want, protocol in named
    )


@dataclass
class BehaviourClasses:
    """Step 2: label classes that answer every policy and rule peer alike merge into one.

    Two label classes are in one behaviour class when every policy selects both or
    neither, every rule peer matches both or neither, and every named port the
    rules use resolves the same on both: the class then behaves as one pod, as
    source and as destination. Classes are numbered ``0..len-1``; the external
    segments are numbered after them by the compiler.
    """

    of_label_class: IntVec  #: the behaviour class of each label class
    first_label_class: IntVec  #: the first label class of each behaviour class
    named_ports: list[NamedPorts]  #: how each behaviour class resolves the used named ports

    def __len__(self) -> int:
        return len(self.first_label_class)


def behaviour_classes(labels: LabelClasses, answers: list[BoolVec]) -> BehaviourClasses:
    """Merge label classes with the same ``answers`` (one vector over label classes each)."""
    n_label = len(labels)
    # every policy's and rule's answer for each label class, packed 64 to a word
    packed = np.zeros((n_label, (len(answers) + 63) // 64), dtype=np.uint64)
    for j, column in enumerate(answers):
        packed[:, j >> 6] |= column.astype(np.uint64) << np.uint64(j & 63)
    class_ids: dict[tuple[bytes, NamedPorts], int] = {}
    of_label_class = np.empty(n_label, dtype=np.intp)
    for i in range(n_label):
        key = (packed[i].tobytes(), labels.named_ports[i])
        of_label_class[i] = class_ids.setdefault(key, len(class_ids))
    first = np.zeros(len(class_ids), dtype=np.intp)
    first[of_label_class[::-1]] = np.arange(n_label)[::-1]
    return BehaviourClasses(
        of_label_class=of_label_class,
        first_label_class=first,
        named_ports=[labels.named_ports[int(i)] for i in first],
    )
