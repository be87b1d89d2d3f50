"""The peers of one generated rule: the units and outside ranges it admits, written
with as few peers as say exactly that (docs/flows.md, "Generating policies").

- every unit of every namespace: ``namespaceSelector: {}``;
- whole namespaces (every unit of them wanted alike): ``podSelector: {}`` for the
  policy's own, ``namespaceSelector`` by name for another; three or more as one peer
  whose name is ``In`` the list;
- units of a namespace that is not whole: each by its own selector, except that units
  picked by one label alone (``app: web``) share a peer per key, three or more of
  them (``app In [web, api, cart]``); or, when that still takes three peers or more
  and every unit left out is picked by one label alone, one peer that leaves exactly
  those out (``app NotIn [db]``: NotIn also admits pods without the key, which
  are all wanted then; like a whole namespace, it admits pods made there later);
- outside ranges as ``ipBlock`` CIDRs (:func:`reach.analysis.generate.ip_blocks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]
NAME_LABEL = "kubernetes.io/metadata.name"
#: Peers are merged into one when that saves this many or more (fewer read better apart).
GROUP_AT = 3


_NS_SELECTORS: dict[str, Obj] = {}


def ns_peer(namespace: str) -> Obj:
    """A peer of every pod of ``namespace``; its selector is one object per namespace,
    which the YAML writer and the model writer each handle once."""
    selector = _NS_SELECTORS.get(namespace)
    if selector is None:
        selector = _NS_SELECTORS[namespace] = {"matchLabels": {NAME_LABEL: namespace}}
    return {"namespaceSelector": selector}


@dataclass
class PeerWriter:
    """Peers over ``units`` (namespace per unit) with their ``selectors``."""

    namespaces: list[str]  #: per unit
    selectors: list[Obj]  #: per unit
    by_namespace: dict[str, set[int]]

    def __post_init__(self) -> None:
        #: per unit: (key, value) when its selector is one label alone
        self.single: list[tuple[str, str] | None] = [_single(s) for s in self.selectors]
        self.total = sum(len(v) for v in self.by_namespace.values())
        #: Rules share their peers often (a namespace's units wanted alike): each distinct
        #: set of units is written once, its peers shared (nothing modifies them).
        self._written: dict[tuple[str, frozenset[int]], list[Obj]] = {}
        self._selected: dict[tuple[str, frozenset[int]], list[tuple[int, Obj]]] = {}

    def unit_peers(self, own: str, units: set[int]) -> list[Obj]:
        """The peers that admit exactly the pods of ``units`` (policy in namespace ``own``)."""
        key = (own, frozenset(units))
        peers = self._written.get(key)
        if peers is None:
            peers = self._written[key] = self._unit_peers(own, units)
        return list(peers)

    def _unit_peers(self, own: str, units: set[int]) -> list[Obj]:
        """:meth:`unit_peers`, written."""
        if len(units) == self.total:
            return [{"namespaceSelector": {}}]
        chosen: dict[str, set[int]] = {}
        for o in units:
            chosen.setdefault(self.namespaces[o], set()).add(o)
        whole = sorted(ns for ns, held in chosen.items() if held == self.by_namespace[ns])
        placed: list[tuple[tuple[int, int], Obj]] = []  # (order, peer)
        if len(whole) >= GROUP_AT:
            placed.append(((0, 0), self._namespaces_peer(whole)))
        else:
            for ns in whole:
                placed.append(((0, 0), {"podSelector": {}} if ns == own else ns_peer(ns)))
        for ns, held in chosen.items():
            if ns in whole:
                continue
            for first, selector in self._within(ns, held):
                peer: Obj = {"podSelector": selector}
                if ns != own:
                    peer = {**ns_peer(ns), **peer}
                placed.append(((1, first), peer))
        placed.sort(key=lambda op: op[0])
        return [peer for _, peer in placed]

    def _namespaces_peer(self, whole: list[str]) -> Obj:
        """Namespaces by name (``In``: no namespace made later is admitted)."""
        expression = {"key": NAME_LABEL, "operator": "In", "values": whole}
        return {"namespaceSelector": {"matchExpressions": [expression]}}

    def _within(self, ns: str, held: set[int]) -> list[tuple[int, Obj]]:
        """Pod selectors for ``held`` units of namespace ``ns`` (not all of them), each with
        the first unit it stands for (made once per set of units, shared)."""
        key = (ns, frozenset(held))
        out = self._selected.get(key)
        if out is None:
            out = self._selected[key] = self._new_within(ns, held)
        return out

    def _new_within(self, ns: str, held: set[int]) -> list[tuple[int, Obj]]:
        """:meth:`_within`, written."""
        out: list[tuple[int, Obj]] = []
        groups: dict[str, list[int]] = {}
        for o in sorted(held):
            single = self.single[o]
            if single is None:
                out.append((o, self.selectors[o]))
            else:
                groups.setdefault(single[0], []).append(o)
        for key, members in groups.items():
            if len(members) < GROUP_AT:
                out += [(m, self.selectors[m]) for m in members]
            else:
                values = sorted(s[1] for m in members if (s := self.single[m]) is not None)
                expression = {"key": key, "operator": "In", "values": values}
                out.append((members[0], {"matchExpressions": [expression]}))
        left_out = self.by_namespace[ns] - held
        if len(out) >= GROUP_AT and all(self.single[o] is not None for o in left_out):
            return [(min(held), _not_in([s for o in left_out if (s := self.single[o])]))]
        out.sort(key=lambda fs: fs[0])
        return out


def _single(selector: Obj) -> tuple[str, str] | None:
    """The label of a selector that is one ``matchLabels`` label alone."""
    labels = selector.get("matchLabels", {})
    if len(selector) == 1 and len(labels) == 1:
        ((key, value),) = labels.items()
        return str(key), str(value)
    return None


def _not_in(labels: list[tuple[str, str]]) -> Obj:
    by_key: dict[str, list[str]] = {}
    for key, value in labels:
        by_key.setdefault(key, []).append(value)
    expressions = [
        {"key": key, "operator": "NotIn", "values": sorted(values)}
        for key, values in sorted(by_key.items())
    ]
    return {"matchExpressions": expressions}
