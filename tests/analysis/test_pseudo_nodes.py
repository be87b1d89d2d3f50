"""Pseudo nodes (Cilium entities and FQDNs with no addresses) in every output: the listing
in each format, references, path, explain, blast radius, diff, summary, exports, pictures
and the audit (docs/semantics.md, "Pseudo nodes")."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

import reach
from reach.analysis.refs import RefError
from reach.draw.model import picture_of
from reach.draw.style import PSEUDO_GROUP
from tests.helpers import EXAMPLES, run

CILIUM = str(EXAMPLES / "cilium")
FQDN = "api.payment-provider.example[FQDN]"
APISERVER = """\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: apiserver, namespace: app}
spec:
  endpointSelector: {matchLabels: {app: orders}}
  egress:
    - toEntities: [kube-apiserver]
      toPorts: [{ports: [{port: "6443", protocol: TCP}]}]
"""


@pytest.fixture
def with_apiserver(tmp_path: Path) -> list[str]:
    """examples/cilium plus a rule of orders toward the kube-apiserver on 6443."""
    extra = tmp_path / "apiserver.yaml"
    extra.write_text(APISERVER)
    return ["-f", CILIUM, "-f", str(extra)]


def test_list_txt_has_the_lines_of_pseudo_nodes() -> None:
    code, out, _ = run(["list", "-f", CILIUM])
    assert code == 0
    assert f"app/payments[Deployment] => {FQDN} : TCP 443" in out.splitlines()


def test_list_json_gives_a_pseudo_node_its_id_type_kind_and_name_only() -> None:
    _, out, _ = run(["list", "-f", CILIUM, "--format", "json"])
    nodes = [n for n in json.loads(out)["nodes"] if n["type"] == "pseudo"]
    assert nodes == [
        {"id": FQDN, "type": "pseudo", "kind": "FQDN", "name": "api.payment-provider.example"}
    ]


def test_list_csv_and_md_carry_the_pseudo_node() -> None:
    _, out, _ = run(["list", "-f", CILIUM, "--format", "csv"])
    rows = [r for r in csv.reader(io.StringIO(out)) if FQDN in r[:2]]
    assert rows and all("pseudo" in r for r in rows)
    _, md, _ = run(["list", "-f", CILIUM, "--format", "md"])
    assert f"| app/payments[Deployment] | {FQDN} | TCP 443 |" in md


def test_a_pseudo_node_is_never_merged_with_the_ranges_beside_it() -> None:
    # prometheus reaches every address and the name alike: two lines, not one
    _, out, _ = run(["list", "-f", CILIUM])
    lines = [line for line in out.splitlines() if line.startswith("monitoring/prometheus")]
    assert (
        "monitoring/prometheus[Deployment] => 0.0.0.0-255.255.255.255[External] : All "
        "Connections" in lines
    )
    assert f"monitoring/prometheus[Deployment] => {FQDN} : All Connections" in lines


@pytest.mark.parametrize(
    "ref",
    [
        FQDN,
        "fqdn:api.payment-provider.example",
        "FQDN:API.payment-provider.example.",
        "api.payment-provider.example[fqdn]",
    ],
)
def test_every_form_of_reference_names_the_pseudo_node(ref: str) -> None:
    target = reach.load([CILIUM]).analysis.resolve(ref)
    assert target.label == FQDN and target.external and target.address_range() is None


def test_an_unknown_pseudo_node_is_an_error_naming_those_that_exist() -> None:
    with pytest.raises(RefError, match=r"no FQDN node 'other\.example'.*" + re.escape(FQDN)):
        reach.load([CILIUM]).analysis.resolve("fqdn:other.example")
    with pytest.raises(RefError, match="no Entity node 'kube-apiserver'.*none in this input"):
        reach.load([CILIUM]).analysis.resolve("entity:kube-apiserver")


def test_path_and_explain_to_a_pseudo_node(with_apiserver: list[str]) -> None:
    code, out, _ = run(["path", *with_apiserver, "app/orders", "entity:kube-apiserver"])
    assert code == 0
    assert out.startswith("app/orders[Deployment] => kube-apiserver[Entity] : TCP 6443  (direct)")
    code, out, _ = run(["explain", *with_apiserver, "app/orders", "kube-apiserver[Entity]"])
    assert code == 0
    assert "CiliumNetworkPolicy app/apiserver egress[0]: TCP 6443" in out


def test_path_from_a_pseudo_node_takes_the_pods_side_only() -> None:
    code, out, _ = run(["path", "-f", CILIUM, f"fqdn:{FQDN[:-6]}", "web/api-gateway"])
    assert code == 0
    assert out.startswith(f"{FQDN} => web/api-gateway[Deployment] : TCP 8443  (direct)")
    code, out, _ = run(["path", "-f", CILIUM, FQDN, "app/payments", "--max-hops", "1"])
    assert code == 1, out  # payments admits only orders and prometheus
    assert "no rule admits api.payment-provider.example[FQDN]" in out


def test_blast_radius_of_a_pseudo_node_does_not_reach_itself() -> None:
    _, out, _ = run(["blast-radius", "-f", CILIUM, FQDN, "--format", "json"])
    found = json.loads(out)
    assert FQDN not in [e["node"] for e in found["entries"]]
    assert "web/api-gateway[Deployment]" in [e["node"] for e in found["entries"]]


def test_blast_radius_counts_the_pseudo_nodes_it_reaches() -> None:
    code, out, _ = run(["blast-radius", "-f", CILIUM, "app/payments"])
    assert code == 0
    assert ", 1 pseudo node;" in out.splitlines()[0]
    assert f"  1 hop   {FQDN} : TCP 443" in out.splitlines()


def test_diff_compares_pseudo_nodes_by_id(tmp_path: Path) -> None:
    new = tmp_path / "new"
    new.mkdir()
    for f in Path(CILIUM).glob("*.yaml"):
        text = f.read_text().replace("api.payment-provider.example", "api.other.example")
        (new / f.name).write_text(text)
    _, out, _ = run(["diff", CILIUM, str(new), "--format", "json"])
    report = json.loads(out)
    assert {(n["change"], n["id"], n["type"]) for n in report["nodes"]} == {
        ("removed", FQDN, "pseudo"),
        ("added", "api.other.example[FQDN]", "pseudo"),
    }
    assert report["counts"]["added_nodes"] == 0
    changes = {(c["change"], c["src"], c["dst"]) for c in report["connections"]}
    assert ("removed", "app/payments[Deployment]", FQDN) in changes
    assert ("added", "app/payments[Deployment]", "api.other.example[FQDN]") in changes


def test_summary_counts_pseudo_nodes_only_when_there_are_some() -> None:
    assert reach.load([CILIUM]).summary().to_dict()["pseudo_nodes"] == 1
    assert "pseudo_nodes" not in reach.load([str(EXAMPLES / "shop")]).summary().to_dict()


def test_exports_carry_pseudo_nodes() -> None:
    _, graphml, _ = run(["export", "-f", CILIUM, "--format", "graphml"])
    assert f'<node id="{FQDN}">' in graphml and '<data key="type">pseudo</data>' in graphml
    _, dot, _ = run(["export", "-f", CILIUM, "--format", "dot"])
    assert 'subgraph "cluster_pseudo"' in dot and f'"{FQDN}" [label=' in dot
    _, text, _ = run(["export", "-f", CILIUM, "--format", "json"])
    nodes = {n["id"]: n for n in json.loads(text)["nodes"]}
    assert nodes[FQDN]["type"] == "pseudo" and nodes[FQDN]["kind"] == "FQDN"


def test_pictures_put_pseudo_nodes_in_a_box_of_their_own() -> None:
    g = reach.load([CILIUM]).graph
    pic = picture_of(g)
    assert pic.nodes[FQDN].type == "pseudo" and pic.nodes[FQDN].group == PSEUDO_GROUP
    assert "1 pseudo node" in pic.subtitle


def test_audit_runs_with_pseudo_nodes(with_apiserver: list[str]) -> None:
    code, out, _ = run(["audit", *with_apiserver])
    assert code in (0, 1), out
    assert "findings" in out


def test_the_diagnostics_name_the_pseudo_nodes(with_apiserver: list[str]) -> None:
    diags = {d.code: d for d in reach.load(with_apiserver[1::2]).diagnostics}
    assert FQDN in diags["cilium-fqdn"].message and diags["cilium-fqdn"].partial
    assert "kube-apiserver[Entity]" in diags["cilium-entity"].message
