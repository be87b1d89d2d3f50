"""``reach summary`` counts Cilium and Calico policies, only when the input has some."""

from __future__ import annotations

from tests.ciliumbuilders import cluster, cnp, rule, sel
from tests.helpers import ROOT, run


def test_summary_counts_cilium_policies_only_when_present() -> None:
    assert "cilium_policies" not in cluster().summary().to_dict()
    with_one = cluster(cnp("a", "p", sel("a"), rule(empty=True))).summary()
    assert with_one.to_dict()["cilium_policies"] == 1
    assert "cilium policies: 1" in str(with_one)


def test_summary_counts_calico_policies() -> None:
    code, out, err = run(["summary", "-f", str(ROOT / "tests/realworld/calico-policy-in-app-repo")])
    assert code == 0, err
    assert "calico policies: 2" in out
    _, shop, _ = run(["summary", "-f", str(ROOT / "examples/shop")])
    assert "calico" not in shop and "cilium" not in shop
