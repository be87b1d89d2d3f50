"""A pod of a label class key the compilation has not seen (or whose pods went), beside
Istio's mesh layer: it joins the behaviour class of the label classes that answer every
policy and rule peer as it does (found by the hashes of the classes' answers, compared
answer by answer) and that the mesh sees as it sees the pod (the mesh's codes,
:meth:`MeshLayer.codes`). Its answers but the mesh's come from its key alone
(:class:`~reach.engine.keyanswers.KeyAnswers`, kept in
:class:`~reach.engine.meshstate.MeshState`), the mesh's from the pod. When no class
has both, it makes a class (:mod:`reach.engine.classmoves`, the mesh layer made again
over the new classes: :mod:`reach.engine.meshclasses`).

Under a REGISTRY_ONLY Sidecar what the mesh sees of a key holds what its proxy forwards
and the registry hosts that reach it (``Features.egress``, ``Features.entries``), and the
port atoms are cut at the ports its Services lead to on it first: a pod of a new key
joins or makes a class there too.

Label classes whose pods went count while their class stands: their answers are those of
the compilation and the mesh they were coded with (an Istio update takes them out of the
class keys, :mod:`reach.engine.meshmoves`).
"""

from __future__ import annotations

from dataclasses import replace

from reach.engine.alikeclasses import answered_alike
from reach.engine.arrays import IntVec
from reach.engine.classes import LabelKey
from reach.engine.classmoves import NEW, NewClass
from reach.engine.meshcuts import service_ports
from reach.engine.portcuts import with_cuts
from reach.engine.reachability import ClassKeys, Reachability
from reach.model.cluster import Pod


def mesh_joined(
    x: Reachability, keys: ClassKeys, key: LabelKey, pod: Pod
) -> tuple[Reachability, ClassKeys, NewClass | None] | None:
    """``x`` with its mesh layer holding label class ``key`` (of ``pod``), ``keys`` with
    it in its behaviour class, or in a :data:`NEW` one (described) when no class answers
    as it does; None when its answers cannot be asked here. The ports its Services lead
    to on it may cut the port atoms anew (the mesh admits or refuses them apart: a
    plain-TCP port, say): they are cut first."""
    if x.mesh is not None:
        cut = with_cuts(x, service_ports(x.cluster.services, [pod]))
        if cut is None:
            return None
        x = cut
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
    alike = answered_alike(x, policies, state.key_answers, *found)
    seen = mesh.label_codes[[keys.label[keys.first_key[c]] for c in alike]]
    same = [c for c, code in zip(alike, seen.tolist(), strict=True) if code == mesh_code]
    label = keys.label.get(key, n_label)
    new = None
    if same:
        cls = same[0]
    else:  # a class of its own; its answers but the mesh's numbered as a class's
        code = int(state.class_code[alike[0]]) if alike else _unused(state.class_code)
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
