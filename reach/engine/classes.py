"""Steps 1 and 2 of compilation: pods grouped into label classes, then behaviour classes."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
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
    """Step 1: pods alike in namespace, labels, named container ports and host networking.

    Replicas collapse here. Of the named ports, only those some rule uses tell behaviour
    classes apart (``named_ports``: how each label class resolves them).
    The arrays and lists are indexed by label class.
    """

    of_pod: IntVec  #: the label class of each pod
    namespace: IntVec  #: the position of its namespace among the sorted namespace names
    named_ports: list[NamedPorts]
    host_network: BoolVec
    labels: LabelIndex  #: the label set of each label class, indexed for selectors
    #: The service account of each label class ("" unless asked for: Cilium selects by it).
    service_accounts: list[str]
    #: How a pod's label class key is made, and the key of each label class.
    key_of: KeyOf
    keys: list[LabelKey]

    def __len__(self) -> int:
        return len(self.namespace)


#: (namespace, labels, named container ports, host network, service account, sidecar injection,
#: the mesh's key: where the pod's address falls in Istio's ipBlocks, ``MeshLayer.class_key``).
LabelKey = tuple[
    str,
    tuple[tuple[str, str], ...],
    tuple[tuple[str | None, str, int], ...],
    bool,
    str,
    str | None,
    Hashable,
]


@dataclass(frozen=True)
class KeyOf:
    """What tells pods apart into label classes besides namespace, labels and host
    networking: every named container port (so that a rule naming a port no rule named
    before leaves the label classes as they are: :mod:`reach.engine.namedmoves`), the
    service account (Cilium's and Calico's selectors read it: so that the first Cilium
    policy leaves them as they are too), and whether sidecar injection (Istio) counts."""

    mesh: bool
    mesh_key: Callable[[Pod], Hashable] | None = None

    def __call__(self, pod: Pod) -> LabelKey:
        """The label class key of ``pod``."""
        used = tuple(sorted((c.name, c.protocol, c.port) for c in pod.ports if c.name))
        account = pod.service_account
        inject = pod.sidecar_inject if self.mesh else None
        address = self.mesh_key(pod) if self.mesh_key is not None else None
        return (pod.namespace, pod.labels, used, pod.host_network, account, inject, address)


def sort_key(key: LabelKey) -> tuple[object, ...]:
    """The order of label classes: by key (the absent injection annotation first; the
    mesh's key by its text, which is made of tuples, booleans, strings and numbers)."""
    return (*key[:5], key[5] is not None, key[5] or "", repr(key[6]))


def label_classes(
    pods: list[Pod],
    namespace_position: dict[str, int],
    named: list[NamedKey],
    *,
    mesh: bool = False,
    mesh_key: Callable[[Pod], Hashable] | None = None,
) -> LabelClasses:
    """Group pods by (namespace, labels, named container ports, host net, service
    account); with ``mesh`` (Istio) by sidecar injection annotation too, and by
    ``mesh_key`` (where the pod's address falls in Istio's ipBlocks:
    ``MeshLayer.class_key``)."""
    keys: dict[LabelKey, int] = {}
    of_pod = np.empty(len(pods), dtype=np.intp)
    key_of = KeyOf(mesh, mesh_key)
    for i, pod in enumerate(pods):
        of_pod[i] = keys.setdefault(key_of(pod), len(keys))
    # numbered in key order, not in the order of their first pod: a pod that comes or goes
    # never renumbers the classes of the others (reach.engine.podmoves)
    found = sorted(keys, key=sort_key)
    rank = np.empty(len(found), dtype=np.intp)
    rank[[keys[k] for k in found]] = np.arange(len(found))
    return classes_of_keys(found, rank[of_pod], namespace_position, named, key_of)


def classes_of_keys(
    found: list[LabelKey],
    of_pod: IntVec,
    namespace_position: Mapping[str, int],
    named: list[NamedKey],
    key_of: KeyOf,
) -> LabelClasses:
    """The label classes of these keys (``of_pod``: the class of each pod)."""
    return LabelClasses(
        key_of=key_of,
        keys=found,
        of_pod=of_pod,
        namespace=np.array([namespace_position[k[0]] for k in found], dtype=np.intp),
        named_ports=[resolution(k[2], named) for k in found],
        host_network=np.array([bool(k[3]) for k in found], dtype=bool),
        labels=LabelIndex([k[1] for k in found]),
        service_accounts=[str(k[4]) for k in found],
    )


def extended(
    labels: LabelClasses,
    keys: list[LabelKey],
    namespace_position: Mapping[str, int],
    named: list[NamedKey],
) -> LabelClasses:
    """``labels`` with the label classes of ``keys`` after its own (they have no pods). A
    key of a namespace deleted after its pods went, known with no class, takes no
    namespace (-1), as :func:`reach.engine.namespacesets.namespaces_moved` gives the
    compiled ones; a namespace of that name made again gives it its place."""
    position = {k[0]: namespace_position.get(k[0], -1) for k in keys}
    more = classes_of_keys(keys, np.zeros(0, dtype=np.intp), position, named, labels.key_of)
    return LabelClasses(
        of_pod=labels.of_pod,
        namespace=np.concatenate([labels.namespace, more.namespace]),
        named_ports=[*labels.named_ports, *more.named_ports],
        host_network=np.concatenate([labels.host_network, more.host_network]),
        labels=labels.labels.extended([k[1] for k in keys]),
        service_accounts=[*labels.service_accounts, *more.service_accounts],
        key_of=labels.key_of,
        keys=[*labels.keys, *keys],
    )


def resolution(used: tuple[tuple[str | None, str, int], ...], named: list[NamedKey]) -> NamedPorts:
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

    #: The behaviour class of each signature (:func:`signatures`).
    by_signature: dict[Signature, int]
    of_label_class: IntVec  #: the behaviour class of each label class
    first_label_class: IntVec  #: the first label class of each behaviour class
    named_ports: list[NamedPorts]  #: how each behaviour class resolves the used named ports

    def __len__(self) -> int:
        return len(self.first_label_class)

    def representatives(self) -> IntVec:
        """The first label class of each label class's behaviour class (itself, where its
        class is gone, -1: ``reach.engine.classmoves``)."""
        of = self.of_label_class
        out: IntVec = np.arange(len(of))
        kept = of >= 0
        out[kept] = self.first_label_class[of[kept]]
        return out


def least_members(of: IntVec, classes: IntVec) -> IntVec:
    """The least label class that ``of`` (the class of each label class; negative: none)
    puts in each of ``classes``; -1 for a class it puts none in. Where a class's first
    label class can stand for it no more (its pods went, it is forgotten), the least
    other one that can does."""
    out = np.full(len(classes), -1, dtype=np.intp)
    held = np.flatnonzero(of >= 0)
    found, at = np.unique(of[held], return_index=True)
    if not len(found) or not len(classes):
        return out
    where = np.minimum(np.searchsorted(found, classes), len(found) - 1)
    hit = found[where] == classes
    out[hit] = held[at[where[hit]]]
    return out


#: What makes a behaviour class: every answer, packed, and the named ports' resolution.
Signature = tuple[bytes, NamedPorts]


def signatures(answers: list[BoolVec], named_ports: list[NamedPorts]) -> list[Signature]:
    """The signature of each label class: its answer to every policy and rule (one vector
    over label classes each), packed 64 to a word, and how it resolves the named ports."""
    packed = np.zeros((len(named_ports), (len(answers) + 63) // 64), dtype=np.uint64)
    for j, column in enumerate(answers):
        packed[:, j >> 6] |= column.astype(np.uint64) << np.uint64(j & 63)
    return [(packed[i].tobytes(), ports) for i, ports in enumerate(named_ports)]


def signature_of(answers: list[bool], named_ports: NamedPorts) -> Signature:
    """The signature of one label class: :func:`signatures` of its answers alone (bit j of
    word w is answer ``64 w + j``)."""
    bits = np.zeros((len(answers) + 63) // 64 * 64, dtype=bool)
    bits[: len(answers)] = answers
    words = np.packbits(bits, bitorder="little").view("<u8").astype(np.uint64)
    return (words.tobytes(), named_ports)


def coded_classes(
    labels: LabelClasses, answers: list[BoolVec], code: IntVec
) -> tuple[BehaviourClasses, IntVec]:
    """:func:`behaviour_classes` of ``answers`` and of answers one per value of ``code``
    (Istio's mesh layer: its answers are numbered per label class), computed from the
    signatures of ``answers`` alone; and the number of each label class's ``answers``.
    The classes' signatures are not made (``by_signature`` is empty: beside the mesh
    layer a new key finds its class by :mod:`reach.engine.meshpods`)."""
    ids: dict[Signature, int] = {}
    found = signatures(answers, labels.named_ports)
    base = np.array([ids.setdefault(s, len(ids)) for s in found], dtype=np.intp)
    pairs: dict[tuple[int, int], int] = {}
    of_label_class = np.array(
        [pairs.setdefault(p, len(pairs)) for p in zip(base.tolist(), code.tolist(), strict=True)],
        dtype=np.intp,
    )
    first = np.zeros(len(pairs), dtype=np.intp)
    first[of_label_class[::-1]] = np.arange(len(labels))[::-1]
    classes = BehaviourClasses(
        by_signature={},
        of_label_class=of_label_class,
        first_label_class=first,
        named_ports=[labels.named_ports[int(i)] for i in first],
    )
    return classes, base


def behaviour_classes(labels: LabelClasses, answers: list[BoolVec]) -> BehaviourClasses:
    """Merge label classes with the same ``answers`` (one vector over label classes each)."""
    n_label = len(labels)
    class_ids: dict[Signature, int] = {}
    of_label_class = np.empty(n_label, dtype=np.intp)
    for i, key in enumerate(signatures(answers, labels.named_ports)):
        of_label_class[i] = class_ids.setdefault(key, len(class_ids))
    first = np.zeros(len(class_ids), dtype=np.intp)
    first[of_label_class[::-1]] = np.arange(n_label)[::-1]
    return BehaviourClasses(
        by_signature=class_ids,
        of_label_class=of_label_class,
        first_label_class=first,
        named_ports=[labels.named_ports[int(i)] for i in first],
    )
