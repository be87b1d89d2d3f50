"""Builders of Cilium manifests for the input tests, and a loader that keeps origins."""

from __future__ import annotations

from typing import Any

import pytest

from reach.errors import Diagnostic, Diagnostics, InvalidInput, Problem
from reach.input.loader import build_cluster
from reach.input.raw import RawObject
from reach.model.cilium import CiliumPolicy, CiliumRule
from reach.model.cluster import Cluster

Obj = dict[str, Any]
CNP = "CiliumNetworkPolicy"
CCNP = "CiliumClusterwideNetworkPolicy"


def cnp(spec: Obj | None = None, *, name: str = "p", ns: str | None = "shop", **top: Any) -> Obj:
    """A CiliumNetworkPolicy with ``spec`` (and any other top-level field, e.g. ``specs``)."""
    meta: Obj = {"name": name}
    if ns is not None:
        meta["namespace"] = ns
    obj: Obj = {"apiVersion": "cilium.io/v2", "kind": CNP, "metadata": meta}
    if spec is not None:
        obj["spec"] = spec
    obj.update(top)
    return obj


def ccnp(spec: Obj | None = None, *, name: str = "p", **top: Any) -> Obj:
    obj = cnp(spec, name=name, ns=None, **top)
    obj["kind"] = CCNP
    return obj


def group(name: str, *cidrs: str, **labels: str) -> Obj:
    """A CiliumCIDRGroup."""
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumCIDRGroup",
        "metadata": {"name": name, "labels": labels},
        "spec": {"externalCIDRs": list(cidrs)},
    }


def load(*objs: Obj) -> tuple[Cluster, list[Diagnostic]]:
    """The cluster of the objects (origins ``p.yaml#1``, ``#2`` ...) and its diagnostics."""
    raws = [RawObject(o, f"p.yaml#{i}") for i, o in enumerate(objs, start=1)]
    diag = Diagnostics()
    cluster = build_cluster(raws, diag)
    return cluster, diag.notes


def policies(*objs: Obj) -> list[CiliumPolicy]:
    return load(*objs)[0].cilium_policies


def one_rule(spec: Obj, kind: str = CNP) -> CiliumRule:
    """The one rule of a policy with ``spec``."""
    obj = cnp(spec) if kind == CNP else ccnp(spec)
    (pol,) = policies(obj)
    (rule,) = pol.rules
    return rule


def problems(*objs: Obj) -> list[str]:
    """Every error of the input, as ``origin path: message``."""
    with pytest.raises(InvalidInput) as e:
        load(*objs)
    return [str(p) for p in e.value.problems]


def problem(*objs: Obj) -> Problem:
    """The one error of the input."""
    with pytest.raises(InvalidInput) as e:
        load(*objs)
    (p,) = e.value.problems
    return p


def sel(**labels: str) -> Obj:
    return {"matchLabels": labels}
