"""A pod of a label class key the compilation has not seen (or whose pods went), beside
Istio's mesh layer: it joins the behaviour class of the label classes that answer every
policy and rule peer as it does and that the mesh sees as it sees the pod (the kept
answers of :class:`~reach.engine.meshstate.MeshState` and the mesh's codes,
:meth:`MeshLayer.codes`). Its answers but the mesh's come from its key alone
(:class:`~reach.engine.keyanswers.KeyAnswers`), the mesh's from the pod. When no class
has both, it makes a class: :func:`mesh_joined` returns None and the caller compiles.

Label classes whose pods went count while their class stands: their answers are those of
the compilation and the mesh they were coded with (an Istio update takes them out of the
class keys, :mod:`reach.engine.meshmoves`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.classes import LabelKey, signature_of
from reach.engine.reachability import ClassKeys, Reachability
from reach.model.cluster import Pod


def mesh_joined(
    x: Reachability, keys: ClassKeys, key: LabelKey, pod: Pod
) -> tuple[Reachability, ClassKeys] | None:
    """``x`` with its mesh layer and state holding label class ``key`` (of ``pod``), and
    ``keys`` with it in its behaviour class; None when no class answers as it does."""
    state, mesh = x.mesh_state, x.mesh
    if state is None or mesh is None or state.key_answers is None:
        return None
    n_label = len(keys.label_keys)
    if len(mesh.features) != n_label or len(state.code()) != n_label:
        return None
    found = state.key_answers.answers_of(key)
    if found is None:
        return None
    feature = mesh.feature_of(pod)
    code, mesh_code = state.code_of(signature_of(*found)), mesh.code_of(feature)
    if code is None or mesh_code is None:
        return None
    behaviour = np.array(keys.behaviour, dtype=np.intp)
    alike = (state.code() == code) & (mesh.label_codes == mesh_code) & (behaviour >= 0)
    if not alike.any():
        return None
    cls = int(behaviour[np.flatnonzero(alike)[0]])
    label = keys.label.get(key, n_label)
    moved = replace(
        x, mesh=mesh.with_label(label, feature, mesh_code), mesh_state=state.with_label(label, code)
    )
    if label < n_label:
        in_class = list(keys.behaviour)
        in_class[label] = cls
        return moved, replace(keys, behaviour=in_class)
    return moved, replace(
        keys,
        label={**keys.label, key: label},
        label_keys=[*keys.label_keys, key],
        behaviour=[*keys.behaviour, cls],
    )
