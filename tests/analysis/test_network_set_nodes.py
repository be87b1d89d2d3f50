"""Calico network sets as nodes of their own in every output: the listing in each format,
references, path, explain, blast radius, exposure, diff, exports and pictures
(docs/semantics.md, "Network sets as nodes"), on examples/calico (the GlobalNetworkSet
payment-partner, 192.0.2.0/24)."""

from __future__ import annotations

import csv
import io
import ipaddress
import json
from pathlib import Path

import pytest

import reach
from reach.analysis.refs import RefError
from reach.draw.model import picture_of
from tests.helpers import EXAMPLES, run

CALICO = str(EXAMPLES / "calico")
PARTNER = "payment-partner[GlobalNetworkSet]"
PARTNER_NET = ipaddress.ip_network("192.0.2.0/24")
#: A namespaced set overlapping the partner's lower half, and a network of its own.
PARTNER_API = """\
apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata: {name: partner-api, namespace: app, labels: {role: partner-api}}
spec:
  nets: [192.0.2.0/25, 10.9.0.0/16]
"""


@pytest.fixture
def with_overlap(tmp_path: Path) -> list[str]:
    """examples/calico plus app/partner-api (192.0.2.0/25 inside the partner's /24)."""
    extra = tmp_path / "partner-api.yaml"
    extra.write_text(PARTNER_API)
    return ["-f", CALICO, "-f", str(extra)]


def _lines(args: list[str]) -> list[str]:
    code, out, err = run(["list", *args])
    assert code == 0, err
    return out.splitlines()


def _ranges(line: str) -> list[ipaddress.IPv4Network]:
    """The networks of the External ranges a line names."""
    out = []
    for end in line.split(" : ")[0].split(" => "):
        if end.endswith("[External]"):
            first, last = end.removesuffix("[External]").split("-")
            out += ipaddress.summarize_address_range(
                ipaddress.IPv4Address(first), ipaddress.IPv4Address(last)
            )
    return out


def test_list_names_the_set_node_and_no_range_holds_its_addresses() -> None:
    lines = _lines(["-f", CALICO])
    assert f"app/payments[Deployment] => {PARTNER} : TCP 443" in lines
    assert not [line for line in lines if any(n.overlaps(PARTNER_NET) for n in _ranges(line))]


def test_an_ipblock_over_the_set_connects_the_set_node() -> None:
    # api-gateway admits 0.0.0.0/0 (less the abusive network) on 8443: the partner too
    assert f"{PARTNER} => web/api-gateway[Deployment] : TCP 8443" in _lines(["-f", CALICO])


def test_list_json_gives_the_set_node_its_labels_and_nets() -> None:
    _, out, _ = run(["list", "-f", CALICO, "--format", "json"])
    nodes = [n for n in json.loads(out)["nodes"] if n["type"] == "networkset"]
    assert nodes == [
        {
            "id": PARTNER,
            "type": "networkset",
            "kind": "GlobalNetworkSet",
            "name": "payment-partner",
            "labels": {"role": "payment-partner"},
            "nets": ["192.0.2.0/24"],
        }
    ]


def test_list_csv_and_md_carry_the_set_node() -> None:
    _, out, _ = run(["list", "-f", CALICO, "--format", "csv"])
    rows = [r for r in csv.reader(io.StringIO(out)) if PARTNER in r[:2]]
    assert rows and all("networkset" in r for r in rows)
    _, md, _ = run(["list", "-f", CALICO, "--format", "md"])
    assert f"| app/payments[Deployment] | {PARTNER} | TCP 443 |" in md


def test_overlapping_sets_both_hold_the_shared_addresses(with_overlap: list[str]) -> None:
    lines = _lines(with_overlap)
    # payments reaches the partner's addresses on 443: those of partner-api too
    assert "app/payments[Deployment] => app/partner-api[NetworkSet] : TCP 443" in lines
    assert f"app/payments[Deployment] => {PARTNER} : TCP 443" in lines
    # coredns is denied the partner, not 10.9.0.0/16: the union over the set's addresses
    assert (
        "kube-system/coredns[Deployment] => app/partner-api[NetworkSet] : All Connections" in lines
    )
    assert not [
        line for line in lines if line.startswith(f"kube-system/coredns[Deployment] => {PARTNER}")
    ]
    net = ipaddress.ip_network("10.9.0.0/16")
    assert not [line for line in lines if any(n.overlaps(net) for n in _ranges(line))]


def test_a_set_is_a_node_without_any_calico_policy(tmp_path: Path) -> None:
    extra = tmp_path / "set.yaml"
    extra.write_text(PARTNER_API)
    lines = _lines(["-f", str(EXAMPLES / "shop"), "-f", str(extra)])
    assert any(line.endswith("=> app/partner-api[NetworkSet] : All Connections") for line in lines)


def test_the_set_is_named_as_printed() -> None:
    analysis = reach.load([CALICO]).analysis
    target = analysis.resolve(PARTNER)
    assert target.label == PARTNER and target.external and target.address_range() is None
    with pytest.raises(RefError, match=r"no GlobalNetworkSet 'partner\[GlobalNetworkSet\]'.*"):
        analysis.resolve("partner[GlobalNetworkSet]")


def test_path_and_explain_to_the_set_node() -> None:
    code, out, _ = run(["path", "-f", CALICO, "app/orders", PARTNER])
    assert code == 0
    assert f"app/payments[Deployment] => {PARTNER} : TCP 443" in out
    code, out, _ = run(["explain", "-f", CALICO, "web/api-gateway", PARTNER])
    assert out.startswith(f"web/api-gateway[Deployment] => {PARTNER} : No Connections")
    assert "denied by tier security, policy security.partner-only, egress rule 0" in out


def test_blast_radius_counts_the_set_and_exposure_of_the_set_leaves_it_out() -> None:
    code, out, _ = run(["blast-radius", "-f", CALICO, "app/payments"])
    assert code == 0
    assert ", 1 network set;" in out.splitlines()[0]
    assert f"  1 hop   {PARTNER} : TCP 443" in out.splitlines()
    _, out, _ = run(["exposure", "-f", CALICO, PARTNER, "--format", "json"])
    found = json.loads(out)
    assert PARTNER not in [e["node"] for e in found["entries"]]
    assert ("app/payments[Deployment]", 1) in [(e["node"], e["hops"]) for e in found["entries"]]


def test_diff_compares_set_nodes_by_id(tmp_path: Path) -> None:
    new = tmp_path / "new"
    new.mkdir()
    for f in Path(CALICO).glob("*.yaml"):
        (new / f.name).write_text(f.read_text().replace("name: payment-partner", "name: partner"))
    _, out, _ = run(["diff", CALICO, str(new), "--format", "json"])
    report = json.loads(out)
    assert {(n["change"], n["id"], n["type"]) for n in report["nodes"]} == {
        ("removed", PARTNER, "networkset"),
        ("added", "partner[GlobalNetworkSet]", "networkset"),
    }
    assert report["counts"]["added_network_set_nodes"] == 1 and report["counts"]["added_nodes"] == 0
    changes = {(c["change"], c["src"], c["dst"]) for c in report["connections"]}
    assert ("added", "app/payments[Deployment]", "partner[GlobalNetworkSet]") in changes


def test_exports_carry_the_set_node_with_its_cidrs() -> None:
    _, graphml, _ = run(["export", "-f", CALICO, "--format", "graphml"])
    assert f'<node id="{PARTNER}">' in graphml and '<data key="type">networkset</data>' in graphml
    assert '<data key="cidr">192.0.2.0/24</data>' in graphml
    _, dot, _ = run(["export", "-f", CALICO, "--format", "dot"])
    assert f'"{PARTNER}" [label="payment-partner\\nGlobalNetworkSet", shape="cylinder"' in dot
    _, text, _ = run(["export", "-f", CALICO, "--format", "json"])
    nodes = {n["id"]: n for n in json.loads(text)["nodes"]}
    assert nodes[PARTNER]["type"] == "networkset" and nodes[PARTNER]["cidr"] == "192.0.2.0/24"


def test_pictures_draw_the_set_among_the_external_ranges_with_its_cidrs() -> None:
    pic = picture_of(reach.load([CALICO]).graph)
    node = pic.nodes[PARTNER]
    assert node.kind == "GlobalNetworkSet" and node.group == "" and "192.0.2.0/24" in node.label
    assert "1 network set" in pic.subtitle


def test_inputs_without_network_sets_have_no_set_node() -> None:
    _, out, _ = run(["list", "-f", str(EXAMPLES / "shop"), "--format", "json"])
    assert not [n for n in json.loads(out)["nodes"] if n["type"] == "networkset"]
