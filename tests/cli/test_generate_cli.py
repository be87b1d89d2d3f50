"""``reach generate`` on the command line, and the rollout example it made
(examples/rollout: the shop without policies, a week of flows, the generated policies)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.helpers import EXAMPLES, SHOP, run

ROLLOUT = EXAMPLES / "rollout"
APP, FLOWS, POLICIES = str(ROLLOUT / "app"), str(ROLLOUT / "flows.csv"), ROLLOUT / "policies"


def test_from_current_writes_verified_policies_that_reproduce_the_listing(tmp_path: Path) -> None:
    out = tmp_path / "generated.yaml"
    code, stdout, err = run(["generate", "-f", SHOP, "--from-current", "-o", str(out)])
    assert code == 0 and not stdout
    assert "verified: they allow exactly the" in err
    docs = [d for d in yaml.safe_load_all(out.read_text()) if d]
    assert all(d["kind"] == "NetworkPolicy" for d in docs)
    # the shop's objects with the generated policies in place of its own list the same
    copy = tmp_path / "shop"
    copy.mkdir()
    for f in Path(SHOP).glob("*.yaml"):
        if f.name != "policies.yaml":
            (copy / f.name).write_text(f.read_text())
    before = run(["list", "-f", SHOP])[1]
    after = run(["list", "-f", str(copy), "-f", str(out)])[1]
    assert before == after


def test_the_committed_rollout_policies_are_what_generate_writes(tmp_path: Path) -> None:
    code, _, err = run(["generate", "-f", APP, "--flows", FLOWS, "-o", f"{tmp_path}/"])
    assert code == 0, err
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in POLICIES.iterdir())
    for name in written:
        assert (tmp_path / name).read_text() == (POLICIES / name).read_text(), name


def test_rollout_policies_allow_every_observed_flow_and_nothing_else() -> None:
    code, out, _ = run(["flows", "check", "-f", APP, "-f", str(POLICIES), "--flows", FLOWS])
    assert code == 0
    assert out.splitlines()[0].endswith("24 allowed, 0 dropped")
    assert "never observed" not in out  # no pair allowed beyond the flows


def test_rollout_default_deny_breaks_every_flow_before_the_policies() -> None:
    code, out, _ = run(["flows", "check", "-f", APP, "--flows", FLOWS, "--default-deny"])
    assert code == 1 and "24 broken by a default deny in every namespace" in out


def test_json_output_is_a_kubernetes_list(tmp_path: Path) -> None:
    code, out, _ = run(["generate", "-f", APP, "--flows", FLOWS, "--format", "json"])
    assert code == 0
    data = yaml.safe_load(out)
    assert data["kind"] == "List" and len(data["items"]) == 14


def test_usage_errors() -> None:
    assert run(["generate", "-f", SHOP])[0] == 2
    code, _, err = run(["generate", "-f", SHOP, "--from-current", "--flows", FLOWS])
    assert code == 2 and "one of --flows FILE, --expect FILE and --from-current" in err
    assert run(["generate", "-f", SHOP, "--from-current", "--format", "xml"])[0] == 2


def test_a_wanted_flow_another_policy_kind_denies_fails_verification(tmp_path: Path) -> None:
    """Other policy kinds are kept: an AdminNetworkPolicy that denies a wanted flow makes
    the result differ from what was wanted; generate says which pair, and exits 1."""
    anp = tmp_path / "anp.yaml"
    anp.write_text(
        """apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: no-redis}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: db}}}
  ingress:
  - action: Deny
    from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: app}}}]
"""
    )
    code, _, err = run(["generate", "-f", APP, "-f", str(anp), "--flows", FLOWS])
    assert code == 1
    assert "NOT verified: 5 pairs differ from what was wanted" in err
    want = "app/orders[Deployment] => db/redis[StatefulSet]: wanted TCP 6379, the policies allow"
    assert f"  {want} No Connections" in err
