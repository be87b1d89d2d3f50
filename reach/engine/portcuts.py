"""A policy whose ports cut the port space where no rule did, put in without compiling
again (:mod:`reach.engine.policymoves`).

Port atoms are the port space cut at every bound a rule uses; a port set is a mask over
them and is interned as an id (:mod:`reach.engine.atoms`). Cutting an atom in parts keeps
every port set what it was: its mask has the atom's bit in each part. So the atoms are
cut again (:meth:`PortAtoms.refined`), every id keeps its port set, and the rows of ids,
the table of their ANDs and the named-port resolutions hold as they are; only the masks
are written again: those of the interned ids, of every compiled rule, and the rule
masks' cache (made again when first read). The policy's ports are then masks over the
finer atoms, as a compilation that read them would cut them.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from reach.engine.atoms import Mask, refined_masks
from reach.engine.moves import Moved
from reach.engine.policystate import PolicyState
from reach.engine.portmasks import numeric_ports
from reach.engine.reachability import Reachability
from reach.engine.rules import CompiledRule
from reach.model.ports import PortSet


def policy_ports(state: PolicyState, policy: Moved) -> list[PortSet]:
    """The numeric ports of the policy's rules (named ports resolve per destination)."""
    lists = {rule.ports for rule in (*policy.ingress, *policy.egress) if rule.ports is not None}
    return [state.masks.numeric_of.get(p) or numeric_ports(p) for p in lists]


def with_cuts(x: Reachability, portsets: list[PortSet]) -> Reachability | None:
    """``x`` with its port atoms cut again at the bounds of ``portsets`` (``x`` itself when
    they cut nothing anew); None without a policy state (or Calico's)."""
    found = x.atoms.refined(portsets)
    if found is None:
        return x
    state = x.policy_state if x.policy_state is not None else x.calico_state
    if state is None:
        return None
    atoms, part_of = found
    masks = copy.copy(state.masks)
    masks.atoms, masks._base = atoms, {}
    done: dict[bytes, Mask] = {}

    def again(rule: CompiledRule) -> CompiledRule:
        key = rule.mask.tobytes()
        mask = done.get(key)
        if mask is None:
            mask = done[key] = refined_masks(rule.mask, part_of, atoms.words)
        return rule.with_(mask=mask)

    calico = x.calico_state
    return replace(
        x,
        atoms=atoms,
        rules=[again(rule) for rule in x.rules],
        policy_state=replace(x.policy_state, masks=masks) if x.policy_state else None,
        calico_state=replace(calico, masks=masks) if calico is not None else None,
        _side_masks=atoms.values[: len(x._side_masks)],
    )
