"""Step 3 of compilation: port atoms, and each rule's ports as masks over them.

All port boundaries that any rule (or any resolved named port) uses cut the
port space into atoms (see ``atoms``). A rule with numbers only has one mask.
A rule that names ports has one mask per way the destination can resolve the
names, and a last one, numbers only, toward external addresses.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from reach.engine.arrays import IntVec
from reach.engine.atoms import Mask, PortAtoms
from reach.engine.classes import NamedPorts
from reach.engine.rules import AnyRule, NamedKey
from reach.model.cluster import PortSpec
from reach.model.ports import PortSet

#: How many stores (:meth:`RuleMasks.kept`) masks and their copies keep.
KEPT_STORES = 8


class RuleMasks:
    """The port atoms of one compilation, and the mask rows of each rule.

    Behaviour classes share few distinct named-port resolutions, so masks are
    computed per distinct resolution: ``resolution_of[c]`` is the mask row for
    destination class ``c`` (``len(resolutions)``, the numbers-only row, for the
    external segments).
    """

    def __init__(
        self,
        rules: list[AnyRule],
        *,
        named: list[NamedKey],
        class_named_ports: list[NamedPorts],
        n_external: int,
        extra: list[PortSet] | None = None,
    ) -> None:
        """``extra``: more port sets whose bounds cut the atoms (Calico rules' ports)."""
        self.rules = rules
        self._named_position = {key: i for i, key in enumerate(named)}
        #: The numeric part of each rule's ports (named ports resolve per destination).
        #: Rules often share their ports: each distinct list is read once (and its mask,
        #: in :meth:`mask`, made once).
        seen: dict[tuple[PortSpec, ...] | None, PortSet] = {}
        self.numeric = [
            seen.get(rule.ports) or seen.setdefault(rule.ports, numeric_ports(rule.ports))
            for rule in rules
        ]
        #: The numeric part of each distinct list of ports.
        self.numeric_of = seen
        self._base: dict[int, Mask] = {}
        self._kept: dict[object, tuple[PortAtoms, list[NamedPorts], dict[Any, Any]]] = {}
        #: The port sets that cut the atoms besides the rules' numeric ports.
        self.also_cut = [*resolved_ports(named, class_named_ports), *(extra or [])]
        self.atoms = PortAtoms([*seen.values(), *self.also_cut])
        #: The distinct named-port resolutions of the behaviour classes, and the mask row of
        #: each class.
        self.resolutions, self.resolution_of = _resolutions(class_named_ports, n_external)

    def reframed(
        self, named: list[NamedKey], class_named_ports: list[NamedPorts], n_external: int
    ) -> RuleMasks:
        """These masks with the named ports rules use being ``named``, resolved by the
        behaviour classes as ``class_named_ports`` (:mod:`reach.engine.namedmoves`; the
        atoms must be cut at the ports they resolve to already)."""
        out = copy.copy(self)
        out._named_position = {key: i for i, key in enumerate(named)}
        out.resolutions, out.resolution_of = _resolutions(class_named_ports, n_external)
        cut = set(self.also_cut)
        out.also_cut = [
            *self.also_cut,
            *(p for p in resolved_ports(named, out.resolutions) if p not in cut),
        ]
        return out

    def with_resolution(self, named: NamedPorts) -> RuleMasks:
        """These masks with one more resolution, ``named`` (a new class's, which no class
        had: :mod:`reach.engine.classmoves`), before the numbers-only row, whose number
        the external classes take; the atoms must be cut at its ports already."""
        out = copy.copy(self)
        before = len(self.resolutions)
        out.resolutions = [*self.resolutions, named]
        out.resolution_of = np.where(
            self.resolution_of == before, before + 1, self.resolution_of
        ).astype(np.intp)
        named_keys = sorted(self._named_position, key=self._named_position.__getitem__)
        cut = set(self.also_cut)
        more = resolved_ports(named_keys, [named])
        out.also_cut = [*self.also_cut, *(p for p in more if p not in cut)]
        return out

    def kept(self, key: object) -> dict[Any, Any]:
        """A store kept with these masks for what is made of their atoms and resolutions,
        under ``key``: one per atoms and resolutions objects (copies of these masks share
        the stores; one given other atoms or resolutions finds none of theirs)."""
        full = (key, id(self.atoms), id(self.resolutions))
        found = self._kept.get(full)
        if found is None or found[0] is not self.atoms or found[1] is not self.resolutions:
            if len(self._kept) >= KEPT_STORES:  # those of atoms and resolutions gone
                self._kept.clear()
            found = self._kept[full] = (self.atoms, self.resolutions, {})
        store: dict[Any, Any] = found[2]
        return store

    def mask(self, index: int) -> Mask:
        """Rule ``index``'s ports: ``(1, W)``, or one row per resolution plus the external row."""
        rule = self.rules[index]
        if rule.ports is None:
            return self.atoms.all[None, :]
        numeric = self.numeric[index]
        base = self._base.get(id(numeric))  # numeric: one object per distinct ports
        if base is None:
            base = self._base[id(numeric)] = self.atoms.mask(numeric)
        return self._with_names(rule, base)

    def mask_of(self, rule: AnyRule) -> Mask:
        """:meth:`mask` of a rule that is not among ``rules`` (its ports must cut no atom)."""
        if rule.ports is None:
            return self.atoms.all[None, :]
        numeric = self.numeric_of.get(rule.ports)
        return self._with_names(rule, self.atoms.mask(numeric or numeric_ports(rule.ports)))

    def _with_names(self, rule: AnyRule, base: Mask) -> Mask:
        """The mask rows of a rule whose numeric ports are ``base``."""
        assert rule.ports is not None
        names = _names(rule)
        if not names:
            return base[None, :]
        # A named port resolves on the destination pod's container ports (name and
        # protocol must both match); toward an external address it matches nothing.
        per_resolution = np.empty((len(self.resolutions), self.atoms.words), dtype=np.uint64)
        for i, resolution in enumerate(self.resolutions):
            per_resolution[i] = self._resolved(names, base, resolution)
        return np.vstack([per_resolution, base[None, :]])

    def _resolved(self, names: list[NamedKey], base: Mask, resolution: NamedPorts) -> Mask:
        """The mask row of a rule naming ``names`` (numeric ports ``base``) toward a
        destination that resolves them as ``resolution`` says."""
        by_protocol: dict[str, list[tuple[int, int]]] = {}
        for name, protocol in names:
            ports = resolution[self._named_position[(name, protocol)]]
            by_protocol.setdefault(protocol, []).extend((port, port) for port in ports)
        out: Mask = base | self.atoms.mask(PortSet.from_mapping(by_protocol))
        return out

    def row_added(self, rule: AnyRule, mask: Mask) -> Mask:
        """``mask``, the mask of ``rule`` (which names ports) over these masks' resolutions
        but the last, with the row of the last (:meth:`with_resolution`) before the
        numbers-only row."""
        row = self._resolved(_names(rule), mask[-1], self.resolutions[-1])
        return np.vstack([mask[:-1], row[None, :], mask[-1:]])


def names_ports(rule: AnyRule) -> bool:
    """Whether ``rule``'s ports name a port (its mask has a row per resolution)."""
    return rule.ports is not None and bool(_names(rule))


def _names(rule: AnyRule) -> list[NamedKey]:
    """The (name, protocol) of each named port of ``rule``'s ports, in order."""
    assert rule.ports is not None
    return [(p.port, p.protocol) for p in rule.ports if isinstance(p.port, str)]


def resolved_ports(named: list[NamedKey], resolutions: list[NamedPorts]) -> list[PortSet]:
    """Each port that one of ``resolutions`` resolves one of ``named`` to, once, as a port
    set (a compilation cuts the port atoms at each)."""
    found = {
        (protocol, port)
        for ports in set(resolutions)
        for (_, protocol), numbers in zip(named, ports, strict=True)
        for port in numbers
    }
    return [PortSet.of(protocol, port) for protocol, port in sorted(found)]


def numbering(values: list[NamedPorts]) -> tuple[list[NamedPorts], list[int]]:
    """The distinct ``values`` in order of first place, and the number of each value."""
    ids: dict[NamedPorts, int] = {}
    numbers = [ids.setdefault(value, len(ids)) for value in values]
    return list(ids), numbers


def _resolutions(
    class_named_ports: list[NamedPorts], n_external: int
) -> tuple[list[NamedPorts], IntVec]:
    """The distinct resolutions of the classes, and the mask row of each class and of the
    ``n_external`` external ends (the numbers-only row, after the resolutions')."""
    distinct, rows = numbering(class_named_ports)
    return distinct, np.array(rows + [len(distinct)] * n_external, dtype=np.intp)


def numeric_ports(ports: tuple[PortSpec, ...] | None) -> PortSet:
    """The numeric part of a rule's ports (named ports resolve per destination)."""
    if ports is None:
        return PortSet.all()
    out = PortSet.empty()
    for p in ports:
        if p.port is None:
            out |= PortSet.of(p.protocol)
        elif isinstance(p.port, int):
            out |= PortSet.of(p.protocol, p.port, p.end_port)
    return out
