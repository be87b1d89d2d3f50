"""The NetworkPolicy engine: compile a Cluster into factorized class-level reachability.

Pods never meet in pairs. Compilation runs in the steps of docs/architecture.md
("The engine"), one method each:

1. Label classes (``classes``): pods with the same namespace, labels, used
   named ports and host networking.
2. Behaviour classes (``classes``): label classes that every policy selects
   alike and every rule peer matches alike (``matching``), with the same
   named-port resolution, behave as one pod. External addresses are cut into
   segments (see ``ipspace``); each segment is one more class after them, and so is
   each pseudo peer (a Cilium entity or FQDN with no addresses: ``pseudopeers``).
3. Port atoms (``portmasks``): the port space cut at every boundary a rule or a
   resolved named port uses; each rule's ports become bitmasks over the atoms,
   one per named-port resolution when the rule names ports.
4. Each direction as rows of ids (``sides``): the egress side of each class
   toward every class and the ingress side from every class, walked through
   the tiers (Admin first match, NetworkPolicy, Baseline first match, default
   allow) and stored as interned port-set ids.
5. Pairs on demand (``reachability``): the ports of a pair are its egress id
   AND its ingress id, looked up in ``and_table``; nothing of size classes² is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reach.engine.arrays import BoolVec, IntVec, PortSetIds
from reach.engine.calicocompile import CalicoCompilation
from reach.engine.calicostate import CalicoState
from reach.engine.ciliummatch import CiliumMatcher
from reach.engine.classes import (
    BehaviourClasses,
    LabelClasses,
    behaviour_classes,
    coded_classes,
    label_classes,
)
from reach.engine.keyanswers import KeyAnswers
from reach.engine.labelindex import LabelIndex
from reach.engine.matching import Matcher
from reach.engine.meshlayer import MeshLayer
from reach.engine.meshlayer import blocks as mesh_blocks
from reach.engine.meshstate import MeshState
from reach.engine.policystate import PolicyState
from reach.engine.portmasks import RuleMasks
from reach.engine.pseudopeers import pseudo_held
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rules import (
    AnyPolicy,
    CompiledRule,
    cilium_selected,
    compiled_rule,
    evaluation_order,
    isolation,
    priority_ties,
    rule_blocks,
    rule_triples,
    used_named_ports,
)
from reach.engine.sides import SideRows
from reach.model.cluster import Cluster, NetworkPolicy
from reach.model.ipspace import segments
from reach.model.pseudo import pseudo_peers


class _Compiler:
    """One compilation: the cluster's policies and rules in tier order, then the steps."""

    def __init__(self, cluster: Cluster, l7: bool = True) -> None:
        self.cluster = cluster
        self.pods = cluster.pods
        for pod in self.pods:
            cluster.namespace(pod.namespace)
        for policy in cluster.policies:
            cluster.namespace(policy.namespace)
        self.namespace_names = sorted(cluster.namespaces)
        self.namespace_position = {name: i for i, name in enumerate(self.namespace_names)}
        self.namespace_labels = LabelIndex(
            [cluster.namespaces[name].labels for name in self.namespace_names]
        )
        #: Policies in evaluation order: Admin, NetworkPolicy (and Cilium), Baseline.
        self.policies: list[AnyPolicy] = evaluation_order(cluster)
        #: (policy, rule, direction) in evaluation order.
        self.rules = rule_triples(self.policies)
        #: The (port name, protocol) pairs that some rule uses, sorted.
        self.named_ports = used_named_ports(self.rules)
        blocks = rule_blocks(self.rules)
        self.calico = CalicoCompilation.of(cluster)
        if self.calico is not None:  # Calico's tiers decide: its rules, ports and addresses
            self.named_ports = sorted(set(self.named_ports) | self.calico.plan.named_ports)
            blocks += self.calico.plan.blocks
        else:  # network sets are nodes of their own: their addresses are cut out all the same
            blocks += [block for s in cluster.calico.network_sets for block in s.nets]
        #: Istio's sidecars, when the input has AuthorizationPolicies or PeerAuthentications.
        self.mesh = MeshLayer(cluster, l7) if cluster.istio else None
        if self.mesh is not None:
            blocks += mesh_blocks(cluster.istio)
        self.segments = segments(blocks)
        self.ipv6 = any(b.cidr.version == 6 for b in blocks)
        #: Cilium peers with no counterpart among pods and addresses: classes after segments.
        self.pseudo = pseudo_peers(cluster.cilium_policies)

    def compile(self) -> Reachability:
        """The steps of the module doc, one method each."""
        labels = self._label_classes()
        classes, subjects, peers = self._behaviour_classes(labels)
        masks = self._port_atoms(classes)
        rules = self._class_rules(subjects, peers, masks)
        sides = self._sides(classes, subjects, rules, masks)
        return self._reachability(labels, classes, subjects, rules, masks, sides)

    # -- step 1: label classes ------------------------------------------------------------
    def _label_classes(self) -> LabelClasses:
        return label_classes(
            self.pods,
            self.namespace_position,
            self.named_ports,
            mesh=self.mesh is not None,
            mesh_key=self.mesh.class_key if self.mesh is not None else None,
        )

    # -- step 2: behaviour classes --------------------------------------------------------
    def _behaviour_classes(
        self, labels: LabelClasses
    ) -> tuple[BehaviourClasses, list[BoolVec], list[BoolVec]]:
        """``(classes, subjects, peers)``: label classes that every policy selects alike and
        every rule peer matches alike merge; then each policy's subjects over behaviour
        classes, and each rule's peers over all classes (behaviour classes, then segments).
        """
        cilium = None
        if self.cluster.cilium_policies:
            cilium = CiliumMatcher(
                labels,
                namespaces=[self.cluster.namespaces[name] for name in self.namespace_names],
                services=self.cluster.services,
                segments=self.segments,
            )
        matcher = self.matcher = Matcher(
            labels,
            namespace_labels=self.namespace_labels,
            namespace_position=self.namespace_position,
            segments=self.segments,
            cilium=cilium,
        )
        selected = [matcher.selected(policy) for policy in self.policies]
        rule_peers = [matcher.rule_peers(rule, policy) for policy, rule, _ in self.rules]
        calico = []
        if self.calico is not None:
            calico = self.calico.match(
                labels, self.cluster, self.namespace_names, matcher.peer_segments, self.segments
            )
        answers = selected + [pods for pods, _ in rule_peers] + calico
        if self.mesh is not None:  # the mesh's answers, numbered per label class
            self.mesh.label_features(self.pods, labels.of_pod)
            classes, self.unmeshed_code = coded_classes(labels, answers, self.mesh.codes())
        else:
            classes = behaviour_classes(labels, answers)
        first = classes.first_label_class
        if self.mesh is not None:
            self.mesh.in_classes(first, self.segments, len(self.pseudo))
        if self.calico is not None:
            self.calico.in_classes(first)
        subjects = [sel[first] for sel in selected]
        return classes, subjects, self._peers(rule_peers, first)

    def _peers(self, rule_peers: list[tuple[BoolVec, BoolVec]], first: IntVec) -> list[BoolVec]:
        """Each rule's peers over every class: one array for the rules whose peers the
        matcher answered alike (its answers are kept by the peers' value) and that hold the
        same pseudo peers. At 100k pods 13,518 rules have 7,302 such arrays (171 MB, against
        317 MB one each), and every renumbering takes each array once
        (``taking.taken_each``). The arrays are not written once made."""
        made: dict[tuple[int, int, bytes], BoolVec] = {}
        out = []
        for (pods, external), (_, rule, _) in zip(rule_peers, self.rules, strict=True):
            held = pseudo_held(rule, self.pseudo)
            key = (id(pods), id(external), held.tobytes())  # rule_peers holds them all
            found = made.get(key)
            if found is None:
                found = made[key] = np.concatenate([pods[first], external, held])
            out.append(found)
        return out

    # -- step 3: port atoms, rule masks, named-port resolutions ---------------------------
    def _port_atoms(self, classes: BehaviourClasses) -> RuleMasks:
        return RuleMasks(
            [rule for _, rule, _ in self.rules],
            named=self.named_ports,
            class_named_ports=classes.named_ports,
            n_external=len(self.segments) + len(self.pseudo),
            extra=(self.calico.plan.port_sets if self.calico is not None else [])
            + (self.mesh.port_sets() if self.mesh is not None else []),
        )

    def _class_rules(
        self, subjects: list[BoolVec], peers: list[BoolVec], masks: RuleMasks
    ) -> list[CompiledRule]:
        """Every rule in class space: its policy's subjects, its peers and its port masks."""
        subjects_of = {id(p): sel for p, sel in zip(self.policies, subjects, strict=True)}
        rules = [
            compiled_rule(
                policy,
                rule,
                direction,
                subjects_of[id(policy)],
                rule_peers,
                masks.mask(k),
                masks.resolution_of,
            )
            for k, ((policy, rule, direction), rule_peers) in enumerate(
                zip(self.rules, peers, strict=True)
            )
        ]
        if self.calico is not None:
            rules = self.calico.rules(rules, masks, self.named_ports, len(self.pseudo))
        return rules

    # -- step 4: each direction as rows of ids --------------------------------------------
    def _sides(
        self,
        classes: BehaviourClasses,
        subjects: list[BoolVec],
        rules: list[CompiledRule],
        masks: RuleMasks,
    ) -> dict[str, _Side]:
        """Both directions of every class (ingress, then egress), with the isolation of
        NetworkPolicies and Cilium policies, as rows of ids."""
        n_internal = len(classes)
        isolated = isolation(self.policies, subjects, n_internal)
        if self.calico is not None:
            sides = self.calico.sides(self.policies, subjects, rules, masks)
            out = {d: _Side(*side) for d, side in sides.items()}
        else:
            rows = SideRows(
                rules, masks.atoms, n_internal=n_internal, resolution_of=masks.resolution_of
            )
            out = {d: _Side(*rows.build(d, isolated[d]), isolated[d]) for d in isolated}
        if self.mesh is not None:  # the mesh layer: what the sidecars admit, on the ingress
            side = self.unmeshed_ingress = out["ingress"]
            meshed, of, self.ands, _ = self.mesh.ingress(side.rows, side.row_of, masks.atoms)
            out["ingress"] = _Side(meshed, of, side.isolated)
        return out

    # -- step 5: pairs on demand ----------------------------------------------------------
    def _reachability(
        self,
        labels: LabelClasses,
        classes: BehaviourClasses,
        subjects: list[BoolVec],
        rules: list[CompiledRule],
        masks: RuleMasks,
        sides: dict[str, _Side],
    ) -> Reachability:
        """The two sides of every class; a pair's ports are computed when asked for."""
        calico = self._calico_state(labels, classes, subjects, masks)
        network_policy_subjects = [
            sel
            for policy, sel in zip(self.policies, subjects, strict=True)
            if isinstance(policy, NetworkPolicy)
        ]
        return Reachability(
            cluster=self.cluster,
            pods=self.pods,
            pod_class=classes.of_label_class[labels.of_pod],
            segments=self.segments,
            pseudo=self.pseudo,
            atoms=masks.atoms,
            egress_rows=sides["egress"].rows,
            egress_group=sides["egress"].row_of,
            ingress_rows=sides["ingress"].rows,
            ingress_group=sides["ingress"].row_of,
            ingress_isolated=sides["ingress"].isolated,
            egress_isolated=sides["egress"].isolated,
            n_internal=len(classes),
            ipv6=self.ipv6,
            rules=rules,
            selected_matrix=np.array(network_policy_subjects, dtype=bool).reshape(
                len(network_policy_subjects), len(classes)
            ),
            cilium_selected=cilium_selected(self.policies, subjects, len(classes)),
            diagnostics=priority_ties(rules),
            calico=self.calico.tiers if self.calico is not None else None,
            mesh=self.mesh,
            class_keys=self._class_keys(labels, classes),
            policy_state=self._policy_state(labels, classes, subjects, masks),
            calico_state=calico if self.mesh is None else None,
            mesh_state=self._mesh_state(labels, classes, calico),
            pod_label_class=labels.of_pod,
            _side_masks=list(masks.atoms.values),
        )

    def _policy_state(
        self,
        labels: LabelClasses,
        classes: BehaviourClasses,
        subjects: list[BoolVec],
        masks: RuleMasks,
    ) -> PolicyState | None:
        """What changing a policy in place needs (reach.engine.policymoves; with the mesh
        layer, reach.engine.meshpolicy)."""
        if self.calico is not None:
            return None
        self.matcher.forget()  # an update asks a few answers again, not all
        return PolicyState(
            labels, classes, self.matcher, masks, self.named_ports, self.policies, subjects
        )

    def _calico_state(
        self,
        labels: LabelClasses,
        classes: BehaviourClasses,
        subjects: list[BoolVec],
        masks: RuleMasks,
    ) -> CalicoState | None:
        """What changing a Calico policy in place needs (reach.engine.calicomoves; beside
        the mesh layer the mesh state keeps it: reach.engine.calicomesh)."""
        if self.calico is None:
            return None
        self.matcher.forget()
        return CalicoState(
            labels,
            classes,
            self.matcher,
            masks,
            self.named_ports,
            self.policies,
            subjects,
            calico_matcher=self.calico.matcher,
        )

    def _mesh_state(
        self, labels: LabelClasses, classes: BehaviourClasses, calico: CalicoState | None
    ) -> MeshState | None:
        """What changing Istio's security objects in place needs (reach.engine.meshmoves),
        and Calico's (``calico``: reach.engine.calicomesh)."""
        if self.mesh is None:
            return None
        side = self.unmeshed_ingress
        answers = self._key_answers(labels)
        code = self.unmeshed_code[classes.first_label_class]
        return MeshState(side.rows, side.row_of, code, answers, ands=self.ands, calico=calico)

    def _class_keys(self, labels: LabelClasses, classes: BehaviourClasses) -> ClassKeys:
        """What a pod of a key seen here needs to join its class (reach.engine.podmoves);
        the mesh layer knows its first label classes were read from its keys."""
        keys = ClassKeys(
            key_of=labels.key_of,
            label={key: i for i, key in enumerate(labels.keys)},
            label_keys=labels.keys,
            behaviour=classes.of_label_class.tolist(),
            first_key=[labels.keys[i] for i in classes.first_label_class.tolist()],
            by_signature=classes.by_signature,
            answers=self._key_answers(labels) if self.mesh is None else None,
        )
        if self.mesh is not None:  # (its first label classes: the keys' first keys')
            self.mesh.read_from = (keys.label, keys.first_key)
        return keys

    def _key_answers(self, labels: LabelClasses) -> KeyAnswers:
        """How to answer every policy and rule peer for one new label class key (with the
        mesh layer: every answer but the mesh's, kept in its state)."""
        # with Calico's tiers, projections read the selectors of every Calico rule too
        calico = (self.calico.plan,) if self.calico is not None else ()
        return KeyAnswers(
            self.policies,
            self.rules,
            self.cluster.namespaces,
            self.named_ports,
            labels.key_of,
            self.cluster.services if self.cluster.cilium_policies else None,
            calico,
            tuple(self.cluster.services) if self.calico is not None else (),
        )


@dataclass
class _Side:
    """Step 4's result for one direction: ``rows[row_of[own], other]`` is the id of what the
    side allows; ``isolated[own]``: NetworkPolicies isolate class ``own`` in the direction."""

    rows: PortSetIds
    row_of: IntVec
    isolated: BoolVec


def compile_cluster(cluster: Cluster, l7: bool = True) -> Reachability:
    """Compile the cluster's policies into class-level reachability (see the module doc).

    ``l7=False``: connections Istio allows only depending on L7 conditions (marked) count
    as not allowed (``--no-l7`` of path and blast radius)."""
    return _Compiler(cluster, l7).compile()
