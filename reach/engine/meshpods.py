"""A pod of a label class key the compilation has not seen (or whose pods went), beside
Istio's mesh layer: it joins the behaviour class of the label classes that answer every
policy and rule peer as it does (compared answer by answer with the classes the mesh
sees alike) and that the mesh sees as it sees the pod (the mesh's codes,
:meth:`MeshLayer.codes`). Its answers but the mesh's come from its key alone
(:class:`~reach.engine.keyanswers.KeyAnswers`, kept in
:class:`~reach.engine.meshstate.MeshState`), the mesh's from the pod. When no class
has both, it makes a class (:mod:`reach.engine.classmoves`, the mesh layer made again
over the new classes: :mod:`reach.engine.meshclasses`).

Label classes whose pods went count while their class stands: their answers are those of
the compilation and the mesh they were coded with (an Istio update takes them out of the
class keys, :mod:`reach.engine.meshmoves`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.arrays import IntVec
from reach.engine.classes import LabelKey, NamedPorts
from reach.engine.classmoves import NEW, NewClass
from reach.engine.policystate import PolicyState
from reach.engine.reachability import ClassKeys, Reachability
from reach.model.cluster import Pod


def mesh_joined(
    x: Reachability, keys: ClassKeys, key: LabelKey, pod: Pod
) -> tuple[Reachability, ClassKeys, NewClass | None] | None:
    """``x`` with its mesh layer holding label class ``key`` (of ``pod``), ``keys`` with
    it in its behaviour class, or in a :data:`NEW` one (described) when no class answers
    as it does; None when its answers cannot be asked here."""
    state, mesh, policies = x.mesh_state, x.mesh, x.policy_state
    if state is None or mesh is None or state.key_answers is None or policies is None:
        return None
    n_label = len(keys.label_keys)
    if len(mesh.features) != n_label:
        return None
    found = state.key_answers.answers_of(key)
    if found is None:
        return None
    feature = mesh.feature_of(pod)
    layer, mesh_code = mesh.coded(feature)
    behaviour = np.array(keys.behaviour, dtype=np.intp)
    seen = np.unique(behaviour[(mesh.label_codes == mesh_code) & (behaviour >= 0)])
    cls = _alike(x, policies, seen, *found)
    label = keys.label.get(key, n_label)
    new = None
    if cls is None:  # a class of its own; its answers but the mesh's numbered as a class's
        alike = _alike(x, policies, np.arange(x.n_internal), *found)
        code = int(state.class_code[alike]) if alike is not None else _unused(state.class_code)
        cls, new = NEW, NewClass(key, label, *found, mesh_code=code)
    moved = replace(x, mesh=layer.with_label(label, feature, mesh_code))
    if label < n_label:
        in_class = list(keys.behaviour)
        in_class[label] = cls
        return moved, replace(keys, behaviour=in_class), new
    return (
        moved,
        replace(
            keys,
            label={**keys.label, key: label},
            label_keys=[*keys.label_keys, key],
            behaviour=[*keys.behaviour, cls],
        ),
        new,
    )


def _unused(code: IntVec) -> int:
    """A number no class has."""
    return int(code.max()) + 1 if len(code) else 0


def _alike(
    x: Reachability,
    state: PolicyState,
    classes: IntVec,
    answers: list[bool],
    named_ports: NamedPorts,
) -> int | None:
    """The class of ``classes`` that answers every policy and rule peer as ``answers`` and
    resolves the named ports as ``named_ports`` (None: none does), compared answer by
    answer."""
    n = x.n_internal
    columns = [*state.subjects, *(r.peers[:n] for r in x.rules)]
    if not len(classes) or len(columns) != len(answers):
        return None
    table = np.array([column[classes] for column in columns], dtype=bool).reshape(
        len(columns), len(classes)
    )
    same = np.all(table == np.array(answers, dtype=bool)[:, None], axis=0)
    for c in classes[same].tolist():
        if state.classes.named_ports[c] == named_ports:
            return int(c)
    return None
