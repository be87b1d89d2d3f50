"""Diagnostics for the parts of Calico objects that reach does not model or cannot decide.

Each is a :class:`~reach.errors.Diagnostic` with a ``calico-*`` code (docs/diagnostics.md,
"Calico policies"), naming the object, the rule and what reach does with the part:
``partial`` when the answer may differ from what Calico enforces.
"""

from __future__ import annotations

from reach.errors import Diagnostics
from reach.model.calico import (
    NAME_LABEL,
    CalicoPolicy,
    CalicoRule,
    EntityMatch,
    namespace_profile_name,
    service_account_profile_name,
)
from reach.model.calicoselector import Selector, keys
from reach.model.cluster import Cluster, Pod
from reach.model.services import Service


def calico_diagnostics(cluster: Cluster, diag: Diagnostics) -> None:
    """Add the diagnostics of every Calico object of ``cluster``."""
    calico = cluster.calico
    for pol in calico.staged:
        diag.add(
            "calico-staged",
            f"{pol} is staged (stagedAction {pol.staged_action}): staged policies preview what "
            "a policy would do and are never enforced; reach leaves it out",
            pol.origin,
            severity="info",
        )
    for staged in calico.staged_kubernetes:
        diag.add(
            "calico-staged",
            f"StagedKubernetesNetworkPolicy {staged.namespace}/{staged.name} is staged: never "
            "enforced; reach leaves it out",
            staged.origin,
            severity="info",
        )
    for hep in calico.host_endpoints:
        diag.add(
            "calico-host-endpoint",
            f"HostEndpoint {hep.name} (node {hep.node}) applies Calico policy to a node's "
            "interfaces, outside reach's pod model: traffic of host-networked pods and traffic "
            "entering through nodes may differ",
            hep.origin,
            partial=True,
        )
    for pol in calico.policies:
        _policy(pol, cluster.services, diag)
    for profile in calico.profiles.values():
        for rule in profile.ingress + profile.egress:
            _rule(f"Profile {profile.name}", profile.origin, rule, cluster.services, diag)
    unused_profiles(cluster, diag)


def _policy(pol: CalicoPolicy, services: list[Service], diag: Diagnostics) -> None:
    if pol.host_only:
        flags = [n for n, on in (("doNotTrack", pol.do_not_track), ("preDNAT", pol.pre_dnat)) if on]
        diag.add(
            "calico-host-policy",
            f"{pol} sets {' and '.join(flags)}: it applies to host endpoints only, outside "
            "reach's pod model; it selects no pod here, and traffic entering through nodes may "
            "differ",
            pol.origin,
            partial=True,
        )
        return
    if pol.apply_on_forward:
        diag.add(
            "calico-apply-on-forward",
            f"{pol} sets applyOnForward: it is evaluated for pods as usual; forwarded traffic "
            "through host endpoints is outside reach's pod model",
            pol.origin,
            severity="info",
        )
    for direction in ("ingress", "egress"):
        if pol.rules(direction) and not pol.applies_to(direction):
            diag.add(
                "calico-rules-ignored",
                f"{pol} has {direction} rules but its types leave out "
                f"{direction.capitalize()}: they are never applied",
                pol.origin,
            )
    if pol.service_account_selector is not None:
        _service_account_keys(
            str(pol), "serviceAccountSelector", pol.service_account_selector, pol.origin, diag
        )
    for rule in pol.ingress + pol.egress:
        _rule(str(pol), pol.origin, rule, services, diag)


def _rule(
    owner: str, origin: str, rule: CalicoRule, services: list[Service], diag: Diagnostics
) -> None:
    where = f"{owner} {rule.direction} rule {rule.index}"
    if not rule.l4_protocols():
        diag.add(
            "calico-icmp",
            f"{where}: protocol {rule.protocol or 'any but ' + str(rule.not_protocol)} is "
            "outside reach's port model (TCP, UDP, SCTP): the rule matches no connection here",
            origin,
            severity="info",
        )
    if rule.http is not None:
        diag.add(
            "calico-http",
            f"{where}: {rule.http} is an application-layer match: its L4 part is evaluated, and "
            "the requests it does not match are refused by Calico's application layer policy",
            origin,
            severity="info",
        )
    if rule.ip_version == 6:
        diag.add(
            "calico-ip-version",
            f"{where}: ipVersion 6: reach takes traffic between pods to be IPv4, so the rule "
            "matches only IPv6 addresses outside the cluster",
            origin,
            severity="info",
        )
    src = rule.source
    if src.ports is not None or src.not_ports:
        diag.add(
            "calico-source-ports",
            f"{where}: source ports are not known offline (clients use ephemeral ports): the "
            "source ports and notPorts are taken to match",
            origin,
            partial=True,
        )
    for side, entity in (("source", rule.source), ("destination", rule.destination)):
        _entity(f"{where} {side}", origin, entity, services, diag)


def _entity(
    where: str, origin: str, entity: EntityMatch, services: list[Service], diag: Diagnostics
) -> None:
    if entity.service_account_selector is not None:
        _service_account_keys(
            where, "serviceAccounts.selector", entity.service_account_selector, origin, diag
        )
    ref = entity.service
    if ref is None:
        return
    if not ref.namespace:
        diag.add(
            "calico-service-namespace",
            f"{where}: services {ref.name} has no namespace, and a global policy or profile has "
            "none to default to: it matches nothing here",
            origin,
            partial=True,
        )
        return
    found = [s for s in services if s.namespace == ref.namespace and s.name == ref.name]
    if not found:
        diag.add(
            "calico-service-missing",
            f"{where}: {ref}, which is not in the input: it matches nothing here",
            origin,
            partial=True,
        )
    elif found[0].selector is None:
        diag.add(
            "calico-service-missing",
            f"{where}: {ref} has no selector: its endpoints are managed elsewhere and not "
            "modelled; it matches nothing here",
            origin,
            partial=True,
        )


def _service_account_keys(
    where: str, field: str, selector: Selector, origin: str, diag: Diagnostics
) -> None:
    """ServiceAccount objects are not read: only ``projectcalico.org/name`` is known."""
    other = sorted(keys(selector) - {NAME_LABEL})
    if other:
        diag.add(
            "calico-serviceaccount-labels",
            f"{where} {field} tests {', '.join(other)}: reach does not read ServiceAccount "
            f"labels (a service account has only {NAME_LABEL}), so these labels are absent",
            origin,
            partial=True,
        )


#: The code of :func:`unused_profiles`' diagnostics (pods coming and going change them).
PROFILE_UNUSED = "calico-profile-unused"


def unused_profiles(cluster: Cluster, diag: Diagnostics, pods: list[Pod] | None = None) -> None:
    """Profiles that no pod carries (on the Kubernetes datastore a pod has kns.<namespace>
    and ksa.<namespace>.<service account>); with ``pods``, only the Profiles of their
    namespaces and accounts, looked up among the pods of their namespaces (a pod coming
    or going: reading every pod took 15 ms at 10k pods)."""
    calico = cluster.calico
    if not calico.profiles:
        return
    among = None
    if pods is not None:
        among = {n for p in pods for n in _profile_names(p)}
        spaces = sorted({p.namespace for p in pods})
    used: set[str] = set()
    for pod in cluster.pods if pods is None else (p for ns in spaces for p in cluster.pods_of(ns)):
        used.update(_profile_names(pod))
    for name, profile in calico.profiles.items():
        if name not in used and (among is None or name in among):
            diag.add(
                PROFILE_UNUSED,
                f"Profile {name} is not the profile of any pod of the input (pods carry "
                "kns.<namespace> and ksa.<namespace>.<service account>): it changes no answer",
                profile.origin,
                severity="info",
            )


def _profile_names(pod: Pod) -> tuple[str, str]:
    """The Profiles ``pod`` carries: of its namespace and of its account."""
    return (
        namespace_profile_name(pod.namespace),
        service_account_profile_name(pod.namespace, pod.service_account),
    )
