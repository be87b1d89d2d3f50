"""What decides one pair: the rule matches and decisions on each side, and the verdict.

These are the answers :class:`~reach.engine.provenance.Provenance` gives, with
their text (``reach explain``) and their JSON form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reach.model.ports import PortSet


@dataclass(frozen=True)
class RuleMatch:
    """A NetworkPolicy rule that admits the peer, and the ports it allows for this pair."""

    policy: str
    direction: str
    index: int
    ports: PortSet
    origin: str = ""
    #: What the rule filters beyond ports (Cilium L7 rules), shown after the ports.
    note: str = ""

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.policy} {self.direction}[{self.index}]: {self.ports}{note}"


@dataclass(frozen=True)
class Decision:
    """A step of the walk: who decided which ports, and how."""

    tier: str  # "Admin" | "NetworkPolicy" | "Baseline" | "default"
    by: str  # the rule (or policy set) that decided
    action: str  # "Allow" | "Deny" | "Pass"
    ports: PortSet
    policy: str = ""  # the deciding policy, when one rule decided

    def __str__(self) -> str:
        verb = {"Allow": "allows", "Deny": "denies", "Pass": "passes"}[self.action]
        return f"{self.by} {verb} {self.ports}"

    @property
    def shown_tier(self) -> str:
        """The tier as text shows it: ``Cilium`` for a Cilium rule (in the NetworkPolicy tier)."""
        return "Cilium" if self.policy.startswith("Cilium") else self.tier

    def to_dict(self) -> dict[str, str]:
        return {"tier": self.tier, "by": self.by, "action": self.action, "ports": str(self.ports)}


@dataclass(frozen=True)
class SideVerdict:
    """One direction at one end: the decisions of each tier and what they leave allowed."""

    direction: str  # "egress" (at the source) or "ingress" (at the destination)
    isolated: bool  # by NetworkPolicies
    policies: tuple[str, ...]  # the NetworkPolicies that isolate it
    rules: tuple[RuleMatch, ...]  # NetworkPolicy rules that admit the peer
    allowed: PortSet
    decisions: tuple[Decision, ...] = ()
    #: Walked through Calico's tiers (``policies`` then names the tiers that apply).
    calico: bool = False

    @property
    def tiered(self) -> bool:
        """Whether an Admin or Baseline policy, or a deny rule (Cilium), took part, or the
        side was walked through Calico's tiers."""
        return self.calico or any(
            d.tier in ("Admin", "Baseline") or _rule_deny(d) for d in self.decisions
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "direction": self.direction,
            "isolated": self.isolated,
            "policies": list(self.policies),
            "rules": [
                {
                    "policy": r.policy,
                    "index": r.index,
                    "ports": r.ports.to_json(),
                    "text": str(r.ports),
                    **({"note": r.note} if r.note else {}),
                }
                for r in self.rules
            ],
            "decisions": [d.to_dict() for d in self.decisions],
            "allowed": str(self.allowed),
        }


@dataclass(frozen=True)
class MeshSide:
    """What the destination's Istio sidecar decides (the mesh layer), for ``explain``."""

    sidecar: bool
    allowed: PortSet
    reasons: tuple[str, ...] = ()
    #: Connections allowed at L4 whose requests a rule conditions: ``rule effect [summary]``.
    marks: tuple[str, ...] = ()
    #: Only the source's proxy decides (REGISTRY_ONLY toward a destination without sidecar,
    #: such as an external address).
    source_only: bool = False

    def lines(self, dst: str) -> list[str]:
        if not self.sidecar:
            return [f"  mesh: {dst} has no Istio sidecar -> not filtered"]
        whose = "the source" if self.source_only else dst
        out = [f"  mesh (Istio sidecar of {whose}):"]
        out += [f"    {r}" for r in self.reasons]
        out += [f"    L7 conditioned: {m}" for m in self.marks]
        out.append(f"    => {self.allowed}")
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "sidecar": self.sidecar,
            "reasons": list(self.reasons),
            "l7_conditioned": list(self.marks),
            "allowed": str(self.allowed),
        }


@dataclass(frozen=True)
class Explanation:
    """Egress at the source AND ingress at the destination give the allowed set."""

    src: str
    dst: str
    egress: SideVerdict | None  # None when the source is an external address
    ingress: SideVerdict | None  # None when the destination is an external address
    allowed: PortSet
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: The two ends are one and the same pod: the rules are shown, but a pod's connection
    #: to itself is no connection between pods.
    same_pod: bool = False
    #: The mesh layer (Istio), when the input has Istio security objects.
    mesh: MeshSide | None = None

    def reason(self) -> str:
        """One sentence on why nothing is allowed: the decisive tier and rule."""
        if self.same_pod:
            return (
                f"{self.src} and {self.dst} are the same pod, and a pod's connection to itself "
                "is not a hop"
            )
        parts = []
        for side in (self.ingress, self.egress):
            if side is None or not side.allowed.is_empty():
                continue
            who = self.dst if side.direction == "ingress" else self.src
            deny = [d for d in side.decisions if d.action == "Deny" and d.tier != "NetworkPolicy"]
            rule_denies = [d for d in side.decisions if _rule_deny(d)]
            if not side.isolated or side.rules:  # a rule admitted the peer: the denies decide
                deny += rule_denies
            passed = [d for d in side.decisions if d.action == "Pass"]
            if deny:
                lead = f"passed by {passed[0].by}, then " if passed else ""
                parts.append(f"{side.direction} of {who} {lead}denied by {deny[0].by}")
            elif side.isolated:
                lead = f"passed by {passed[0].by}, then " if passed else ""
                also = "".join(f" ({d.by} denies {d.ports})" for d in rule_denies)
                if side.direction == "ingress":
                    parts.append(
                        f"{lead}{self.dst} is isolated for ingress by {', '.join(side.policies)}; "
                        f"no rule admits {self.src}{also}"
                    )
                else:
                    parts.append(
                        f"{lead}{self.src}'s egress is isolated by {', '.join(side.policies)}; "
                        f"no rule admits {self.dst}{also}"
                    )
        mesh = self.mesh
        if mesh is not None and mesh.sidecar and not mesh.allowed & PortSet.of("TCP"):
            whose = self.src if mesh.source_only else self.dst
            parts.append(f"the Istio sidecar of {whose} refuses TCP: {'; '.join(mesh.reasons)}")
        if not parts and self.allowed.is_empty():
            parts.append("the egress and ingress sides allow disjoint ports")
        return "; and ".join(parts)

    def __str__(self) -> str:
        lines = [f"{self.src} => {self.dst} : {self.allowed}"]
        for side in (self.egress, self.ingress):
            if side is None:
                continue
            who = self.src if side.direction == "egress" else self.dst
            if side.tiered:
                lines.append(f"  {side.direction} of {who}:")
                lines.extend(f"    [{d.shown_tier}] {d}" for d in side.decisions)
                lines.append(f"    => {side.allowed}")
                continue
            if not side.isolated:
                lines.append(
                    f"  {side.direction} of {who}: not isolated (no policy selects it) -> all"
                )
                continue
            lines.append(f"  {side.direction} of {who}: isolated by {', '.join(side.policies)}")
            if not side.rules:
                lines.append("    no rule admits the peer -> nothing")
            for r in side.rules:
                lines.append(f"    {r}")
            lines.append(f"    => {side.allowed}")
        if self.mesh is not None:
            lines.extend(self.mesh.lines(self.dst))
        if self.allowed.is_empty():
            lines.append(f"  not allowed: {self.reason()}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "src": self.src,
            "dst": self.dst,
            "allowed": str(self.allowed),
            "ports": self.allowed.to_json(),
            "egress": self.egress.to_dict() if self.egress else None,
            "ingress": self.ingress.to_dict() if self.ingress else None,
            "reason": self.reason() if self.allowed.is_empty() else "",
            "notes": list(self.notes),
            **({"mesh": self.mesh.to_dict()} if self.mesh is not None else {}),
        }


def _rule_deny(decision: Decision) -> bool:
    """A deny rule of the NetworkPolicy tier (Cilium's ``ingressDeny``/``egressDeny``), as
    opposed to the isolation of the tier's policies (which names no single policy)."""
    return decision.tier == "NetworkPolicy" and decision.action == "Deny" and bool(decision.policy)
