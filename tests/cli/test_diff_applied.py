"""``reach diff OLD --apply PATH --delete PATH``: NEW is OLD with the objects of PATH
applied or deleted in place, and the diff is that of OLD against a load of the objects
after; bad paths and objects exit 2 naming file, document and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

from reach import api
from tests.helpers import EXAMPLES, SHOP, TYPO, run
from tests.k8s_server import KubeAPIServer, shop_objects

TYPO_POLICIES = str(Path(TYPO) / "policies.yaml")


def _changes(argv: list[str]) -> dict[str, Any]:
    """The JSON diff of ``reach argv`` without its side names."""
    code, out, err = run([*argv, "--format", "json", "--by", "pod"])
    assert code == 0, err
    report = json.loads(out)
    assert report["connections"] or report["nodes"], "a change to compare"
    return {k: v for k, v in report.items() if k not in ("old", "new")}


def test_applied_objects_diff_as_a_load_of_the_objects_after(tmp_path: Path) -> None:
    """The typo's policies applied to the shop (each replaces the shop's of its name) is
    the shop with the typo's policy file: the same connections and nodes change."""
    after = tmp_path / "after"
    shutil.copytree(SHOP, after)
    shutil.copy(TYPO_POLICIES, after / "policies.yaml")
    assert _changes(["diff", SHOP, "--apply", TYPO_POLICIES]) == _changes(
        ["diff", SHOP, str(after)]
    )
    code, out, _ = run(["diff", SHOP, "--apply", TYPO_POLICIES])
    assert out.startswith(f"reach diff {SHOP} -> {SHOP} + {TYPO_POLICIES} (by workload)")
    assert "- app/orders[Deployment] => db/postgres[StatefulSet] : TCP 5432" in out
    assert run(["diff", SHOP, "--apply", TYPO_POLICIES, "--exit-code"])[0] == 1


def test_deleted_then_applied_diff_as_a_load_of_the_objects_after(tmp_path: Path) -> None:
    """``--delete`` takes out the objects of its file (by kind, namespace and name), before
    ``--apply`` puts in those of its own."""
    docs = [d for d in yaml.safe_load_all((Path(SHOP) / "policies.yaml").read_text()) if d]
    gone = [d for d in docs if d["metadata"]["name"] == "postgres-ingress"]
    (tmp_path / "gone.yaml").write_text(yaml.safe_dump_all(gone))
    opened = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "open-redis", "namespace": "db"},
        "spec": {"podSelector": {"matchLabels": {"app": "redis"}}, "ingress": [{}]},
    }
    (tmp_path / "open.yaml").write_text(yaml.safe_dump(opened))
    after = tmp_path / "after"
    shutil.copytree(SHOP, after)
    kept = [d for d in docs if d["metadata"]["name"] != "postgres-ingress"] + [opened]
    (after / "policies.yaml").write_text(yaml.safe_dump_all(kept))
    argv = ["diff", SHOP, "--delete", str(tmp_path / "gone.yaml")]
    calls: list[object] = []
    real = api.Reach._update

    def counted(self: api.Reach, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(self, *args, **kwargs)

    with mock.patch.object(api.Reach, "_update", counted):  # one update: deleted, then
        changes = _changes([*argv, "--apply", str(tmp_path / "open.yaml")])  # applied
    assert len(calls) == 1
    assert changes == _changes(["diff", SHOP, str(after)])


def test_bad_paths_and_objects_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: bad, namespace: db}\nspec: {podSelector: {}, policyTypes: [Sideways]}\n"
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1,\n")
    (tmp_path / "empty").mkdir()
    missing = tmp_path / "missing.yaml"
    missing.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: nowhere, namespace: db}\n"
    )
    cases = [
        (["diff", SHOP], "give NEW, or --apply/--delete PATH"),
        (["diff", SHOP, TYPO, "--apply", TYPO_POLICIES], "give NEW, or --apply/--delete PATH"),
        (["diff", SHOP, "--apply", str(tmp_path / "nope")], "no such file or directory"),
        (["diff", SHOP, "--apply", str(bad)], f"{bad}#1 spec.policyTypes[0]: 'Sideways'"),
        (["diff", SHOP, "--apply", str(broken)], f"{broken}:2: malformed YAML"),
        (["diff", SHOP, "--apply", str(tmp_path / "empty")], "no Kubernetes object found"),
        (["diff", SHOP, "--delete", str(missing)], "no NetworkPolicy 'nowhere' (namespace db)"),
    ]
    for argv, said in cases:
        code, out, err = run(argv)
        assert code == 2 and out == "", (argv, err)
        assert said in err and "Traceback" not in err, (argv, err)


def test_a_live_cluster_with_objects_applied(tmp_path: Path) -> None:
    """What applying the typo's policies to a live cluster would change, before it is
    done: the diff of the cluster against the typo's manifests."""
    srv = KubeAPIServer(shop_objects(EXAMPLES)).start()
    try:
        kc = str(srv.kubeconfig(tmp_path / "kc", context="prod"))
        live = ["diff", "live:prod", "--kubeconfig", kc]
        assert _changes([*live, "--apply", TYPO_POLICIES]) == _changes([*live[:2], TYPO, *live[2:]])
    finally:
        srv.stop()


INVALID = (
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: bad, namespace: app}\n"
    "spec: {podSelector: {}, ingress: [{ports: [{port: 'notaport!!'}]}]}\n"
)


def test_strict_reads_the_new_side_made_in_place() -> None:
    """NEW's partial diagnostics (a Cilium toFQDNs rule, which cannot be resolved offline)
    are warned of and, with --strict, exit 2, as they do when NEW is read whole."""
    cilium = str(EXAMPLES / "cilium" / "policies.yaml")
    code, _, err = run(["diff", SHOP, "--apply", cilium])
    assert code == 0 and f"reach: warning: NEW {SHOP} + {cilium}: " in err and "toFQDNs" in err
    code, out, err = run(["diff", SHOP, "--apply", cilium, "--strict"])
    assert code == 2 and out == "" and "--strict: the answer would be partial" in err


def test_skip_invalid_skips_objects_to_apply_and_those_old_skipped(tmp_path: Path) -> None:
    """With --skip-invalid an invalid object to apply is left out with a warning, as a
    NEW read whole leaves it out; and OLD's own skipped object does not stop an update
    that loads the objects after (the typo's workloads replace the shop's)."""
    (tmp_path / "bad.yaml").write_text(INVALID)
    (tmp_path / "open.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: open, namespace: db}\nspec: {podSelector: {}, ingress: [{}]}\n"
    )
    after = tmp_path / "after"
    shutil.copytree(SHOP, after)
    shutil.copy(tmp_path / "bad.yaml", after)
    shutil.copy(tmp_path / "open.yaml", after)
    argv = ["diff", SHOP, "--apply", str(tmp_path / "bad.yaml"), "--apply"]
    made = _changes([*argv, str(tmp_path / "open.yaml"), "--skip-invalid"])
    whole = _changes(["diff", SHOP, str(after), "--skip-invalid"])
    assert [made[k] for k in ("connections", "nodes")] == [
        whole[k] for k in ("connections", "nodes")
    ]
    assert [d["code"] for d in made["diagnostics"]] == ["skipped-invalid"]
    code, _, err = run([*argv, str(tmp_path / "open.yaml")])
    assert code == 2 and "'notaport!!'" in err
    code, out, err = run(argv[:-1] + ["--skip-invalid"])  # only it: skipped, no change
    assert code == 0 and "no differences" in out and "skipped-invalid: new: " in out, err
    old = tmp_path / "old"
    shutil.copytree(SHOP, old)
    shutil.copy(tmp_path / "bad.yaml", old)
    workloads = str(Path(TYPO) / "workloads.yaml")
    new = tmp_path / "new"
    shutil.copytree(old, new)
    shutil.copy(workloads, new / "workloads.yaml")
    applied = ["diff", str(old), "--apply", workloads, "--skip-invalid", "--by", "pod"]
    code, out, err = run([*applied, "--format", "json"])
    assert code == 0, err
    expected = run(
        ["diff", str(old), str(new), "--skip-invalid", "--by", "pod", "--format", "json"]
    )
    assert json.loads(out)["connections"] == json.loads(expected[1])["connections"]


def test_objects_to_apply_from_standard_input() -> None:
    """``--apply -`` reads standard input; OLD read from it cannot take a change."""
    text = Path(TYPO_POLICIES).read_bytes()
    code, out, err = run(
        ["diff", SHOP, "--apply", "-", "--format", "json", "--by", "pod"], stdin=text
    )
    assert code == 0, err
    assert _changes(["diff", SHOP, "--apply", TYPO_POLICIES]) == {
        k: v for k, v in json.loads(out).items() if k not in ("old", "new")
    }
    code, _, err = run(["diff", "-", "--apply", TYPO_POLICIES], stdin=text)
    assert code == 2 and "OLD - (standard input) cannot take --apply" in err


def test_what_reading_an_object_to_apply_says_is_named(tmp_path: Path) -> None:
    """An object with no usable name is named by file and document; a path whose only
    file is an unrendered Helm template says so before it exits 2."""
    (tmp_path / "noname.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: 5}\n")
    code, _, err = run(["diff", SHOP, "--apply", str(tmp_path / "noname.yaml")])
    assert code == 2 and f"{tmp_path / 'noname.yaml'}#1 metadata: a Pod" in err
    (tmp_path / "helm.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.name }}\n"
    )
    code, _, err = run(["diff", SHOP, "--apply", str(tmp_path / "helm.yaml")])
    assert code == 2 and "unrendered Helm template" in err and "no Kubernetes object" in err
