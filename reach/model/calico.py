"""Calico objects (``projectcalico.org/v3`` and its ``crd.projectcalico.org/v1`` storage form).

Parsing and validation are in ``reach.input.calico*``; what each field means, with the
sentence of the Calico documentation it comes from, is in docs/semantics.md ("Calico
policies"). Everything here is validated and defaulted already:

- a policy's ``types`` are defaulted from its rules (:attr:`CalicoPolicy.ingress_applies`);
- an absent ``selector`` is ``all()``; an absent GlobalNetworkPolicy ``namespaceSelector``
  or ``serviceAccountSelector`` is ``None`` (no constraint);
- ``tier`` defaults to ``default``; ``order`` is ``None`` when absent ("infinite");
- a rule's protocol names are canonical (``TCP``, ``UDP``, ``SCTP``, ``ICMP``, ``ICMPv6``,
  ``UDPLite``; numbers of those protocols become their names, other numbers stay numbers
  as text).

Selectors are trees (:mod:`reach.model.calicoselector`) evaluated over the labels that
:func:`endpoint_labels`, :func:`namespace_labels` and :func:`service_account_labels` give.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from reach.model.calicoselector import ALL, Selector
from reach.model.ipspace import IPBlock

CALICO_GROUPS = ("projectcalico.org", "crd.projectcalico.org")

#: Labels Calico gives every Kubernetes workload endpoint (a pod).
NAMESPACE_LABEL = "projectcalico.org/namespace"
ORCHESTRATOR_LABEL = "projectcalico.org/orchestrator"
SERVICE_ACCOUNT_LABEL = "projectcalico.org/serviceaccount"
#: The label of a namespace (namespaceSelector) or service account (serviceAccountSelector)
#: that holds its name: "Select a specific namespace by name using the
#: ``projectcalico.org/name`` label".
NAME_LABEL = "projectcalico.org/name"

#: Built-in tiers: name -> (order, default action). "The default tier [...] has the order
#: of 1,000,000"; kube-admin "has the order of 1,000 and a default action of Pass";
#: kube-baseline "has the order of 10,000,000 and a default action of Pass".
DEFAULT_TIER = "default"
ADMIN_TIER = "kube-admin"
BASELINE_TIER = "kube-baseline"
BUILTIN_TIERS: dict[str, tuple[float, str]] = {
    DEFAULT_TIER: (1_000_000.0, "Deny"),
    ADMIN_TIER: (1_000.0, "Pass"),
    BASELINE_TIER: (10_000_000.0, "Pass"),
}
#: The order Calico gives a Kubernetes NetworkPolicy in the default tier, and the name
#: prefix that orders it among policies of equal order.
K8S_POLICY_ORDER = 1000.0
K8S_POLICY_PREFIX = "knp.default."

ACTIONS = ("Allow", "Deny", "Log", "Pass")
#: Protocols with ports ("rules that specify ports must set protocol to TCP or UDP or SCTP").
PORT_PROTOCOLS = ("TCP", "UDP", "SCTP")
#: Protocol numbers of the named protocols (IANA).
PROTOCOL_NUMBERS = {"ICMP": 1, "TCP": 6, "UDP": 17, "ICMPv6": 58, "SCTP": 132, "UDPLite": 136}

POLICY_KINDS = ("NetworkPolicy", "GlobalNetworkPolicy")
STAGED_KINDS = ("StagedNetworkPolicy", "StagedGlobalNetworkPolicy")


@dataclass(frozen=True, slots=True)
class CalicoPort:
    """One item of ``ports``/``notPorts``: ``first..last`` (a number is ``n..n``, a range
    ``"a:b"`` is ``a..b``), or a named port (``name``; first and last 0)."""

    first: int = 0
    last: int = 0
    name: str | None = None

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        return str(self.first) if self.first == self.last else f"{self.first}:{self.last}"


@dataclass(frozen=True, slots=True)
class ServiceMatch:
    """``services``: a Service by name; ``namespace`` is already defaulted to the policy's
    ("If left empty, the rule will match within this policy's namespace"); ``""`` in a
    global policy or profile, which has none (reported; it matches nothing)."""

    name: str
    namespace: str

    def __str__(self) -> str:
        return f"service {self.namespace or '?'}/{self.name}"


@dataclass(frozen=True, slots=True)
class EntityMatch:
    """``source`` or ``destination`` of a rule; every criterion given must hold ("If the
    rule contains multiple match criteria [...] then all match criteria must match").

    ``None`` means the criterion is absent. ``ports``/``not_ports`` of a ``source`` are
    source ports, which reach does not know (reported, not evaluated).
    """

    selector: Selector | None = None
    not_selector: Selector | None = None
    namespace_selector: Selector | None = None
    nets: tuple[IPBlock, ...] | None = None
    not_nets: tuple[IPBlock, ...] = ()
    ports: tuple[CalicoPort, ...] | None = None
    not_ports: tuple[CalicoPort, ...] = ()
    service_account_names: tuple[str, ...] | None = None
    service_account_selector: Selector | None = None
    service: ServiceMatch | None = None

    @property
    def is_empty(self) -> bool:
        """No criterion: matches every packet."""
        return self == EntityMatch()

    @property
    def has_service_accounts(self) -> bool:
        return self.service_account_names is not None or self.service_account_selector is not None


@dataclass(frozen=True, slots=True)
class IcmpMatch:
    """``icmp``/``notICMP``: a type, and a code (which needs a type)."""

    type: int | None = None
    code: int | None = None


@dataclass(frozen=True, slots=True)
class CalicoRule:
    """One rule of ``ingress`` or ``egress``: "executed in order"; Allow and Deny end the
    evaluation, Pass goes to the next tier, Log continues with the next rule.

    ``protocol``/``not_protocol`` are canonical names (or a number as text); ``http`` is a
    summary of the ``http`` match (application layer, not evaluated: its L4 part is).
    """

    direction: str  # "ingress" | "egress"
    index: int
    action: str  # one of ACTIONS
    protocol: str | None = None
    not_protocol: str | None = None
    ip_version: int | None = None
    icmp: IcmpMatch | None = None
    not_icmp: IcmpMatch | None = None
    source: EntityMatch = field(default_factory=EntityMatch)
    destination: EntityMatch = field(default_factory=EntityMatch)
    http: str | None = None

    def matches_protocol(self, protocol: str) -> bool:
        """Whether ``protocol`` (a name of :data:`PROTOCOL_NUMBERS` or a number as text)
        passes ``protocol`` and ``notProtocol``."""
        if self.protocol is not None and self.protocol != protocol:
            return False
        return self.not_protocol is None or self.not_protocol != protocol

    def l4_protocols(self) -> tuple[str, ...]:
        """Which of TCP, UDP and SCTP (reach's port model) the rule's protocol fields let
        through; ``()`` for a rule of ICMP or another protocol only."""
        return tuple(p for p in PORT_PROTOCOLS if self.matches_protocol(p))


@dataclass(frozen=True, slots=True)
class CalicoPolicy:
    """A NetworkPolicy or GlobalNetworkPolicy (or a staged one, which is never enforced).

    ``namespace`` is ``""`` for a global policy. ``ingress_applies``/``egress_applies`` are
    the defaulted ``types``. ``namespace_selector`` is a GlobalNetworkPolicy's own.
    ``do_not_track``/``pre_dnat``/``apply_on_forward`` are the host-endpoint flags: a
    policy with ``doNotTrack`` or ``preDNAT`` applies to host endpoints only
    (:attr:`host_only`).
    """

    kind: str
    namespace: str
    name: str
    tier: str = DEFAULT_TIER
    order: float | None = None
    selector: Selector = ALL
    namespace_selector: Selector | None = None
    service_account_selector: Selector | None = None
    ingress: tuple[CalicoRule, ...] = ()
    egress: tuple[CalicoRule, ...] = ()
    ingress_applies: bool = True
    egress_applies: bool = False
    do_not_track: bool = False
    pre_dnat: bool = False
    apply_on_forward: bool = False
    staged_action: str | None = None  # for a staged kind: Set, Delete, Learn or Ignore
    origin: str = ""

    @property
    def is_global(self) -> bool:
        return not self.namespace

    @property
    def staged(self) -> bool:
        return self.kind in STAGED_KINDS

    @property
    def host_only(self) -> bool:
        """``doNotTrack`` and ``preDNAT`` policies apply to host endpoints, never to pods."""
        return self.do_not_track or self.pre_dnat

    @property
    def qualified_name(self) -> str:
        """``namespace/name`` (or the name of a global policy): the tie-break of equal orders."""
        return self.name if self.is_global else f"{self.namespace}/{self.name}"

    @property
    def sort_key(self) -> tuple[float, str]:
        """Order inside the tier: "Policies with identical order will be applied in
        alphanumerical order based on the Policy "Name""; no order is "infinite"."""
        return (math.inf if self.order is None else self.order, self.qualified_name)

    def applies_to(self, direction: str) -> bool:
        return self.ingress_applies if direction == "ingress" else self.egress_applies

    def rules(self, direction: str) -> tuple[CalicoRule, ...]:
        return self.ingress if direction == "ingress" else self.egress

    def __str__(self) -> str:
        return f"{self.kind} {self.qualified_name} (tier {self.tier})"


@dataclass(frozen=True, slots=True)
class Tier:
    """A Tier: "Tiers are sorted by their ``order`` - smallest number first"; no order is
    "infinite" (last), equal orders go by name. ``default_action`` is Deny or Pass."""

    name: str
    order: float | None = None
    default_action: str = "Deny"
    origin: str = ""  # "" for a built-in tier or one only named by policies

    @property
    def sort_key(self) -> tuple[float, str]:
        return (math.inf if self.order is None else self.order, self.name)

    def __str__(self) -> str:
        return f"tier {self.name}"


@dataclass(frozen=True, slots=True)
class NetworkSet:
    """A NetworkSet (``namespace`` set) or GlobalNetworkSet (``namespace`` ""): labelled
    CIDRs that rule selectors pick. ``labels`` are the object's labels plus, for a
    namespaced one, ``projectcalico.org/namespace``."""

    namespace: str
    name: str
    labels: tuple[tuple[str, str], ...]
    nets: tuple[IPBlock, ...]
    origin: str = ""

    @property
    def is_global(self) -> bool:
        return not self.namespace

    @property
    def kind(self) -> str:
        return "GlobalNetworkSet" if self.is_global else "NetworkSet"

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def node_id(self) -> str:
        """Its node's id: ``ns/name[NetworkSet]``, ``name[GlobalNetworkSet]``."""
        return f"{self.name if self.is_global else f'{self.namespace}/{self.name}'}[{self.kind}]"

    def __str__(self) -> str:
        return f"{self.kind} {self.name if self.is_global else f'{self.namespace}/{self.name}'}"


@dataclass(frozen=True, slots=True)
class Profile:
    """A Profile: rules evaluated after the last tier that passes (deprecated in favour of
    policies), and labels it gives its endpoints."""

    name: str
    ingress: tuple[CalicoRule, ...] = ()
    egress: tuple[CalicoRule, ...] = ()
    labels_to_apply: tuple[tuple[str, str], ...] = ()
    origin: str = ""

    def rules(self, direction: str) -> tuple[CalicoRule, ...]:
        return self.ingress if direction == "ingress" else self.egress

    def without_rules(self) -> Profile:
        """This Profile with its rules taken out (it brings Calico's plan nothing, as when
        no pod carries it, and Calico's tiers still decide: updates that take its rules out
        and put them back, ``api/carrierupdate.py``, ``api/entryupdate.py``)."""
        return replace(self, ingress=(), egress=())

    def __str__(self) -> str:
        return f"Profile {self.name}"


#: The rule Calico's per-namespace profiles hold in each direction on the Kubernetes
#: datastore: allow everything.
ALLOW_ALL = (CalicoRule("ingress", 0, "Allow"), CalicoRule("egress", 0, "Allow"))


def namespace_profile_name(namespace: str) -> str:
    """``kns.<namespace>``: the profile of every pod of the namespace."""
    return f"kns.{namespace}"


def service_account_profile_name(namespace: str, service_account: str) -> str:
    """``ksa.<namespace>.<service account>``: the profile of the pods running as it."""
    return f"ksa.{namespace}.{service_account}"


def default_profile(name: str) -> Profile:
    """The profile Calico generates for ``name`` when the input has no Profile of that
    name: ``kns.*`` allows all ingress and egress, ``ksa.*`` has no rules."""
    if name.startswith("kns."):
        return Profile(name, ingress=ALLOW_ALL[:1], egress=ALLOW_ALL[1:])
    return Profile(name)


@dataclass(frozen=True, slots=True)
class HostEndpoint:
    """A HostEndpoint: policy on a node's interfaces, outside reach's pod model (kept and
    reported)."""

    name: str
    node: str = ""
    interface: str = ""
    expected_ips: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    profiles: tuple[str, ...] = ()
    origin: str = ""


@dataclass(frozen=True, slots=True)
class StagedKubernetesPolicy:
    """A StagedKubernetesNetworkPolicy: read and validated, never enforced."""

    namespace: str
    name: str
    origin: str = ""


def builtin_tiers() -> dict[str, Tier]:
    """The tiers Calico creates: default, kube-admin and kube-baseline."""
    return {name: Tier(name, order, action) for name, (order, action) in BUILTIN_TIERS.items()}


@dataclass
class CalicoObjects:
    """Every Calico object of the input. ``policies`` are the enforced ones (staged ones are
    in ``staged``); ``tiers`` holds the tiers of the input, the built-in ones, and a tier
    named by a policy but not given (order None, default Deny)."""

    policies: list[CalicoPolicy] = field(default_factory=list)
    staged: list[CalicoPolicy] = field(default_factory=list)
    staged_kubernetes: list[StagedKubernetesPolicy] = field(default_factory=list)
    tiers: dict[str, Tier] = field(default_factory=builtin_tiers)
    network_sets: list[NetworkSet] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    host_endpoints: list[HostEndpoint] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.policies
            or self.staged
            or self.staged_kubernetes
            or any(t.origin for t in self.tiers.values())
            or self.network_sets
            or self.profiles
            or self.host_endpoints
        )

    def ordered_tiers(self) -> list[Tier]:
        """Every tier, in evaluation order."""
        return sorted(self.tiers.values(), key=lambda t: t.sort_key)

    def profile(self, name: str) -> Profile:
        """The Profile of that name from the input, or the one Calico generates."""
        return self.profiles.get(name) or default_profile(name)


def endpoint_labels(
    labels: Mapping[str, str], *, namespace: str, service_account: str
) -> dict[str, str]:
    """The labels a pod's workload endpoint carries: its own, plus
    ``projectcalico.org/namespace`` ("Select a namespace [...] by using
    projectcalico.org/namespace as the label name"), ``projectcalico.org/orchestrator: k8s``
    (the WorkloadEndpoint sample) and ``projectcalico.org/serviceaccount``."""
    out = dict(labels)
    out[NAMESPACE_LABEL] = namespace
    out[ORCHESTRATOR_LABEL] = "k8s"
    out[SERVICE_ACCOUNT_LABEL] = service_account
    return out


def namespace_labels(labels: Mapping[str, str], name: str) -> dict[str, str]:
    """The labels a namespaceSelector sees: the namespace's, plus ``projectcalico.org/name``."""
    out = dict(labels)
    out[NAME_LABEL] = name
    return out


def service_account_labels(name: str) -> dict[str, str]:
    """The labels a serviceAccountSelector sees. ServiceAccount objects are not read, so a
    service account has only ``projectcalico.org/name`` ("Select a specific service
    account by name using the projectcalico.org/name label")."""
    return {NAME_LABEL: name}
