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
from reach.engine.calicoclasses import calico_candidates
from reach.engine.calicostate import CalicoState
from reach.engine.classes import LabelKey
from reach.engine.classmoves import NEW, NewClass, absorbed
from reach.engine.meshcuts import service_ports
from reach.engine.portcuts import with_cuts
from reach.engine.reachability import ClassKeys, Reachability
from reach.model.cluster import Cluster, Pod


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
    if len(mesh.features) != len(keys.label_keys):
        return None
    found = state.key_answers.answers_of(key)
    if found is None:
        return None
    alike = answered_alike(x, policies, state.key_answers, *found)
    return _placed(x, keys, key, pod, alike, NewClass(key, -1, *found))


def calico_mesh_joined(
    x: Reachability, keys: ClassKeys, key: LabelKey, pod: Pod, cluster: Cluster
) -> tuple[Reachability, ClassKeys, NewClass | None] | None:
    """:func:`mesh_joined` beside Calico's tiers too (``x`` with its Calico state and
    answers per key as its own: :func:`reach.engine.calicomesh.with_calico`): the classes
    that answer every policy as ``key`` does are Calico's candidates
    (``calicoclasses.calico_candidates``, ``cluster``: with the pod), among which the mesh
    picks; a key that joins a class joins the Calico state's label classes too
    (``classmoves.absorbed``), as beside the tiers alone."""
    cut = with_cuts(x, service_ports(x.cluster.services, [pod]))
    if cut is None or x.mesh is None or len(x.mesh.features) != len(keys.label_keys):
        return None
    found = calico_candidates(cut, keys, key, cluster)
    if found is None:
        return None
    candidates, answers = found
    placed = _placed(cut, keys, key, pod, candidates.tolist(), NewClass(key, -1, *answers))
    state = cut.calico_state
    if placed is None or placed[2] is not None or state is None:
        return placed
    moved, in_class, _ = placed
    if keys.label.get(key, len(keys.label_keys)) < len(state.labels):
        return placed
    absorbed_state = absorbed(state, in_class, moved)  # (its class answers alike on it)
    if not isinstance(absorbed_state, CalicoState):
        return None
    return replace(moved, calico_state=absorbed_state), in_class, None


def _placed(
    x: Reachability, keys: ClassKeys, key: LabelKey, pod: Pod, alike: list[int], new: NewClass
) -> tuple[Reachability, ClassKeys, NewClass | None] | None:
    """``x`` with its mesh layer holding label class ``key`` (of ``pod``), and ``keys``
    with it in the first class of ``alike`` (those that answer every policy as it does)
    that the mesh sees as it sees the pod, or in a :data:`NEW` one (``new``: its answers)
    when none is."""
    state, mesh = x.mesh_state, x.mesh
    if state is None or mesh is None:
        return None
    n_label = len(keys.label_keys)
    feature = mesh.feature_of(pod)
    layer, mesh_code = mesh.coded(feature)
    seen = mesh.label_codes[[keys.label[keys.first_key[c]] for c in alike]]
    same = [c for c, code in zip(alike, seen.tolist(), strict=True) if code == mesh_code]
    label = keys.label.get(key, n_label)
    made = None
    if same:
        cls = same[0]
    else:  # a class of its own; its answers but the mesh's numbered as a class's
        code = int(state.class_code[alike[0]]) if alike else _unused(state.class_code)
        cls, made = NEW, replace(new, label=label, mesh_code=code)
    moved = replace(x, mesh=layer.with_label(label, feature, mesh_code))
    if label < n_label:
        in_class = list(keys.behaviour)
        in_class[label] = cls
        return moved, replace(keys, behaviour=in_class), made
    return (
        moved,
        replace(
            keys,
            label={**keys.label, key: label},
            label_keys=[*keys.label_keys, key],
            behaviour=[*keys.behaviour, cls],
        ),
        made,
    )


def _unused(code: IntVec) -> int:
    """A number no class has."""
    return int(code.max()) + 1 if len(code) else 0
