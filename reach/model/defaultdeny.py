"""A cluster with a default deny added: what ``reach flows check --default-deny`` checks
the observed flows against (the first step of a rollout: which flows would a default
deny break?)."""

from __future__ import annotations

from dataclasses import replace

from reach.model.cluster import Cluster, NetworkPolicy
from reach.model.selectors import LabelSelector

#: The name of the policy added to each namespace.
NAME = "reach-default-deny"
#: Where output says the policy comes from.
ORIGIN = "(--default-deny)"


def with_default_deny(cluster: Cluster) -> Cluster:
    """``cluster`` plus, in every namespace that holds pods, a NetworkPolicy that selects
    every pod and isolates it for ingress and egress with no rule (deny all)."""
    namespaces = sorted({p.namespace for p in cluster.pods})
    added = [
        NetworkPolicy(ns, NAME, LabelSelector(), True, True, origin=ORIGIN) for ns in namespaces
    ]
    return replace(cluster, policies=[*cluster.policies, *added])
