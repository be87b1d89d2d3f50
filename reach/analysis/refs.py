"""Node references: how users name what they ask about, in the CLI and the API alike.

Accepted forms:

- ``ns/name[Kind]``: a workload (or a lone pod, with ``[Pod]``), exactly as printed;
- ``ns/name``: the workload ``name`` in ``ns`` (or the pod, when no workload has the name);
- ``name``: the same in the namespace given with ``-n`` (default ``default``), or
  unique across namespaces;
- ``kind/name`` such as ``deployment/frontend``; ``namespace/NAME`` for a whole namespace;
- ``pod/ns/name``: a single pod;
- ``key=value[,key2=value2]``: the pods matching the label selector (in ``-n ns`` if given);
- an IP address or CIDR: the external address segments it covers;
- ``ns/name[NetworkSet]``, ``name[GlobalNetworkSet]`` (as printed): a Calico network set,
  the external segments within its CIDRs;
- ``kube-apiserver[Entity]``, ``api.example.com[FQDN]`` (as printed), or the short forms
  ``entity:kube-apiserver``, ``fqdn:api.example.com``: a pseudo peer (a Cilium entity or
  ``toFQDNs`` name with no known addresses, :mod:`reach.model.pseudo`);
- ``svc/NAME``, ``service/NAME``, ``svc/ns/name``: a Service's backend pods
  (:mod:`reach.analysis.services`).
"""

from __future__ import annotations

import difflib
import ipaddress
from dataclasses import dataclass, field

import numpy as np

from reach.analysis.services import backend_pods, find_service
from reach.analysis.views import segments_within
from reach.engine.arrays import IntVec
from reach.engine.reachability import Reachability
from reach.errors import ReachError
from reach.model.ipspace import IPRange
from reach.model.pseudo import fqdn_name
from reach.model.selectors import LabelSelector, Requirement
from reach.model.services import Service
from reach.words import excerpt


class RefError(ReachError):
    """An unknown or ambiguous node reference."""


@dataclass(frozen=True)
class Target:
    """What a reference resolved to: pods, external segments (of an address, a CIDR or a
    network set), or a pseudo peer."""

    text: str
    label: str
    pods: IntVec = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    segments: IntVec = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    #: The Service a ``svc/...`` reference names (``pods`` are its backends).
    service: Service | None = None
    #: The index (in ``Reachability.pseudo``) of the pseudo peer the reference names.
    pseudo: int | None = None
    #: The node id of the network set the reference names (``segments`` are its own).
    network_set: str | None = None

    @property
    def external(self) -> bool:
        """Whether the target is outside the cluster: addresses, or a pseudo peer."""
        return len(self.segments) > 0 or self.pseudo is not None

    def address_range(self) -> IPRange | None:
        """The addresses an outside target names (None for pods, network sets and pseudo
        peers)."""
        if not len(self.segments) or self.network_set is not None:
            return None
        return IPRange.of_network(ipaddress.ip_network(self.text.strip(), strict=False))

    def classes(self, reachability: Reachability) -> IntVec:
        """The classes of the target's pods (or its external segments, or pseudo peer)."""
        if self.pseudo is not None:
            return np.array([reachability.first_pseudo + self.pseudo], dtype=np.intp)
        if self.external:
            return self.segments + reachability.n_internal
        return np.unique(reachability.pod_class[self.pods])


def resolve(reachability: Reachability, text: str, namespace: str | None = None) -> Target:
    """Resolve ``text`` to a :class:`Target`; raise :class:`RefError` listing candidates."""
    text = text.strip()
    if not text:
        raise RefError("empty node reference")
    ext = _external(reachability, text)
    if ext is not None:
        return ext
    pseudo = _pseudo(reachability, text)
    if pseudo is not None:
        return pseudo
    network_set = _network_set(reachability, text)
    if network_set is not None:
        return network_set
    if "=" in text:
        return _selector(reachability, text, namespace)
    svc = find_service(reachability.cluster, text, namespace)
    if svc is not None:
        backends = backend_pods(reachability.cluster, svc)
        return Target(text, svc.ref, np.array(backends, dtype=np.intp), service=svc)
    pods = reachability.pods
    parts = text.split("/")
    if parts[0].lower() == "pod" and len(parts) == 3:
        idx = [i for i, p in enumerate(pods) if p.namespace == parts[1] and p.name == parts[2]]
        return _one(reachability, text, idx, f"{parts[1]}/{parts[2]}[Pod]", kind="pod")
    if text.endswith("]") and "[" in text:
        head, kind = text[:-1].split("[", 1)
        ns, _, name = head.rpartition("/")
        ns = ns or namespace or "default"
        idx = [
            i
            for i, p in enumerate(pods)
            if (p.owner.namespace, p.owner.name, p.owner.kind) == (ns, name, kind)
        ]
        return _one(reachability, text, idx, f"{ns}/{name}[{kind}]")
    if len(parts) == 2 and parts[0].lower() in ("namespace", "ns"):
        idx = [i for i, p in enumerate(pods) if p.namespace == parts[1]]
        return _one(reachability, text, idx, f"namespace {parts[1]}")
    if len(parts) == 2:
        first, name = parts
        kinds = {p.owner.kind.lower() for p in pods}
        if first.lower() in kinds and first not in reachability.cluster.namespaces:
            return _by_name(reachability, text, name, namespace, kind=first.lower())
        return _by_name(reachability, text, name, first)
    if len(parts) == 1:
        return _by_name(reachability, text, text, namespace)
    raise RefError(
        f"cannot read node reference {excerpt(text)}; see 'reach path --help' for the forms"
    )


def _by_name(
    reachability: Reachability, text: str, name: str, namespace: str | None, kind: str | None = None
) -> Target:
    """A workload (or, failing that, a pod) by name, in a namespace or unique across them."""
    pods = reachability.pods
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i, p in enumerate(pods):
        w = p.owner
        if w.name == name and (kind is None or w.kind.lower() == kind):
            groups.setdefault((w.namespace, w.name, w.kind), []).append(i)
    if not groups and kind is None:
        for i, p in enumerate(pods):
            if p.name == name:
                groups.setdefault((p.namespace, p.name, "Pod"), []).append(i)
    if namespace is not None:
        groups = {k: v for k, v in groups.items() if k[0] == namespace}
    elif len(groups) > 1:
        in_default = {k: v for k, v in groups.items() if k[0] == "default"}
        groups = in_default or groups
    if len(groups) == 1:
        (ns, nm, kd), idx = next(iter(groups.items()))
        return Target(text, f"{ns}/{nm}[{kd}]", np.array(idx, dtype=np.intp))
    if not groups:
        raise RefError(_unknown(reachability, text))
    names = ", ".join(f"{ns}/{nm}[{kd}]" for ns, nm, kd in sorted(groups))
    raise RefError(f"{excerpt(text)} is ambiguous: it names {names}; write one of these in full")


def _one(
    reachability: Reachability, text: str, idx: list[int], label: str, kind: str = ""
) -> Target:
    if not idx:
        raise RefError(_unknown(reachability, text, pods=kind == "pod"))
    return Target(text, label, np.array(idx, dtype=np.intp))


def _selector(reachability: Reachability, text: str, namespace: str | None) -> Target:
    reqs = []
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise RefError(
                f"cannot read label selector {excerpt(text)}; write key=value[,key=value]"
            )
        reqs.append(Requirement(key.strip(), "In", frozenset([value.strip()])))
    sel = LabelSelector(tuple(reqs))
    idx = [
        i
        for i, p in enumerate(reachability.pods)
        if (namespace is None or p.namespace == namespace) and sel.matches(p.label_map)
    ]
    where = f" in namespace {namespace}" if namespace else ""
    if not idx:
        raise RefError(f"no pod matches {excerpt(text)}{where}")
    return Target(text, f"pods with {text}{where}", np.array(idx, dtype=np.intp))


def _external(reachability: Reachability, text: str) -> Target | None:
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    want = IPRange.of_network(net)
    segs = [i for i, s in enumerate(reachability.segments) if s.overlaps(want)]
    return Target(text, f"{text}[External]", segments=np.array(segs, dtype=np.intp))


#: Pseudo peer kinds by the words that name them: ``[Entity]``, ``entity:``, ``fqdn:``...
_PSEUDO_KINDS = {"entity": "Entity", "fqdn": "FQDN"}


def _pseudo(reachability: Reachability, text: str) -> Target | None:
    """``name[Entity]``, ``name[FQDN]``, ``entity:name`` or ``fqdn:name`` (None: another
    form); a pseudo peer that no Cilium rule names is an error listing those that exist."""
    word, sep, name = text.partition(":")
    if not sep or word.lower() not in _PSEUDO_KINDS:
        if not text.endswith("]") or "[" not in text:
            return None
        name, word = text[:-1].rsplit("[", 1)
        if word.lower() not in _PSEUDO_KINDS or "/" in name:
            return None
    kind = _PSEUDO_KINDS[word.lower()]
    name = fqdn_name(name.strip()) if kind == "FQDN" else name.strip()
    for i, peer in enumerate(reachability.pseudo):
        if (peer.kind, peer.name) == (kind, name):
            return Target(text, peer.id, pseudo=i)
    known = ", ".join(p.id for p in reachability.pseudo if p.kind == kind)
    raise RefError(
        f"no {kind} node {name!r}: such nodes are the {kind} peers that Cilium rules name "
        f"({known or 'none in this input'})"
    )


def _network_set(reachability: Reachability, text: str) -> Target | None:
    """``ns/name[NetworkSet]`` or ``name[GlobalNetworkSet]`` as printed (None: another form);
    a set not in the input is an error listing those that are."""
    kind = text[:-1].rpartition("[")[2] if text.endswith("]") else ""
    if kind not in ("NetworkSet", "GlobalNetworkSet"):
        return None
    sets = reachability.cluster.calico.network_sets
    for network_set in sets:
        if network_set.node_id == text:
            segs = segments_within(reachability.segments, network_set)
            return Target(text, text, segments=segs, network_set=text)
    known = ", ".join(sorted(s.node_id for s in sets if s.kind == kind))
    raise RefError(f"no {kind} {excerpt(text)} in the input ({known or 'none in this input'})")


#: Longer than any node's name (a namespace and a name of 253 characters each, a kind).
_LONGEST_NAME = 600


def _unknown(reachability: Reachability, text: str, pods: bool = False) -> str:
    names = {str(p.owner) for p in reachability.pods} | {p.id for p in reachability.pseudo}
    if pods:
        names |= {f"pod/{p}" for p in reachability.pods}
    short = {n.split("/", 1)[-1].split("[")[0]: n for n in names}
    close: list[str] = []
    if len(text) <= _LONGEST_NAME:  # no name is longer: nothing is close (and no slow compare)
        close = difflib.get_close_matches(text, sorted(names), n=5, cutoff=0.5)
        close += [short[c] for c in difflib.get_close_matches(text, list(short), n=5, cutoff=0.6)]
    hint = ", ".join(dict.fromkeys(close)) if close else "none close; 'reach list' shows every node"
    return f"no node matches {excerpt(text)}; closest: {hint}"
