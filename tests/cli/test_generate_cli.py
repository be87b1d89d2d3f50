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


ISOLATION = str(ROLLOUT / "isolation.yaml")


def _specs(text: str) -> list[object]:
    return [d for d in yaml.safe_load_all(text) if d]


def test_expect_writes_the_policies_the_flows_give_and_checks_every_expectation(
    tmp_path: Path,
) -> None:
    """The rollout's isolation.yaml says in allow expectations what flows.csv observed:
    the same policies (comments aside), every expectation holding on the result."""
    out = tmp_path / "from-expect.yaml"
    code, _, err = run(["generate", "-f", APP, "--expect", ISOLATION, "-o", str(out)])
    assert code == 0, err
    assert "verified: they allow exactly the 24 wanted connections; 14 of 14" in err
    assert "  ok    the web tier never reaches the database" in err
    flows = run(["generate", "-f", APP, "--flows", FLOWS])[1]
    assert _specs(out.read_text()) == _specs(flows)
    assert "(expectation 'orders charge payments')" in out.read_text()


def test_expect_names_a_broken_deny_and_exits_1(tmp_path: Path) -> None:
    """An allow that a deny of the same file forbids: generated, then the deny fails."""
    path = tmp_path / "isolation.yaml"
    path.write_text(
        """expectations:
  - {name: gateway to postgres, expect: allow, from: {workload: web/api-gateway},
     to: {workload: db/postgres}, ports: [5432/TCP]}
  - {name: web never reaches db, expect: deny, from: {namespace: web}, to: {namespace: db}}
"""
    )
    code, _, err = run(["generate", "-f", APP, "--expect", str(path)])
    assert code == 1
    assert "NOT verified: 1 expectation broken; 1 of 2 expectations hold" in err
    assert "  FAIL  web never reaches db: web/api-gateway[Deployment]" in err


def test_expect_forms_it_cannot_generate_from_are_errors_with_their_field(
    tmp_path: Path,
) -> None:
    path = tmp_path / "isolation.yaml"
    path.write_text(
        """expectations:
  - {expect: allow, from: {namespace: web}, to: {namespace: app}}
  - {expect: allow, require: any, from: {namespace: web}, to: {namespace: app}, ports: 80}
  - {expect: deny, from: {namespace: web}, to: {namespace: db}}
"""
    )
    code, out, err = run(["generate", "-f", APP, "--expect", str(path)])
    assert code == 2 and not out
    assert f"{path}:2:5: {path} expectations[0].ports: is required to generate" in err
    assert f"{path} expectations[1].require: reach generate cannot generate from" in err
    assert "expectations[2]" not in err  # deny is checked, not generated from
    assert "2 problems in the expectations file" in err


def test_expect_selecting_part_of_the_pods_with_one_label_set_is_an_error(
    tmp_path: Path,
) -> None:
    """Two Deployments whose pods share their labels: selecting one by its workload
    would take the other's pods too; said with the field path, exit 2."""
    app = tmp_path / "app.yaml"
    pods = "".join(
        f"""---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: c, image: x}}]}}
"""
        for name in ("blue", "green")
    )
    app.write_text(pods)
    path = tmp_path / "isolation.yaml"
    path.write_text(
        "expectations:\n  - {expect: allow, from: {workload: shop/blue}, to: {namespace: shop},"
        " ports: [80]}\n"
    )
    code, _, err = run(["generate", "-f", str(app), "--expect", str(path)])
    assert code == 2
    assert "expectations[0].from: selects 1 of the 2 pods of shop" in err


def test_a_bad_expectations_file_is_an_error_before_loading(tmp_path: Path) -> None:
    path = tmp_path / "isolation.yaml"
    path.write_text("expectations:\n  - {expect: allow, frm: {}, to: {}}\n")
    code, _, err = run(["generate", "-f", APP, "--expect", str(path)])
    assert code == 2 and "expectations[0].frm: unknown field" in err
    code, _, err = run(["generate", "-f", APP, "--expect", str(path), "--from-current"])
    assert code == 2 and "give one of --flows FILE, --expect FILE and --from-current" in err


def test_keep_existing_from_current_adds_only_what_is_missing(tmp_path: Path) -> None:
    """The shop's own policies kept: what is generated beside them takes none of their
    names, and the shop with both lists exactly what it listed before."""
    out = tmp_path / "more.yaml"
    code, _, err = run(
        ["generate", "-f", SHOP, "--from-current", "--keep-existing", "-o", str(out)]
    )
    assert code == 0, err
    assert "beside the existing ones; verified: with the existing ones they allow exactly" in err
    own = {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in _docs(Path(SHOP))}
    made = {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in _specs(out.read_text())}
    assert own and made and not made & own
    assert run(["list", "-f", SHOP])[1] == run(["list", "-f", SHOP, "-f", str(out)])[1]


def _docs(folder: Path) -> list[dict[str, dict[str, str]]]:
    return [
        d
        for f in sorted(folder.glob("*.yaml"))
        for d in yaml.safe_load_all(f.read_text())
        if d and d.get("kind") == "NetworkPolicy"
    ]


def test_keep_existing_names_each_pair_the_existing_policies_allow_beyond_the_flows() -> None:
    """The shop's policies allow app/payments => db/redis, which no flow used: no
    added NetworkPolicy can take it away, so generate says so for that pair (exit 1)."""
    code, _, err = run(["generate", "-f", SHOP, "--flows", FLOWS, "--keep-existing"])
    assert code == 1
    assert "allowed by the existing policies and not wanted (" in err
    want = (
        "  app/payments[Deployment] => db/redis[StatefulSet]: the existing policies allow "
        "TCP 6379, which is not wanted; adding NetworkPolicies cannot remove it"
    )
    assert want in err.splitlines()
