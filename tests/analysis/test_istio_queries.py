"""Istio in the queries (issue 24): explain names the AuthorizationPolicy and rule beside the
NetworkPolicies; path and blast radius traverse L7-conditioned hops and mark them;
``--no-l7`` leaves them out."""

from __future__ import annotations

import json

import pytest

import reach
from tests.helpers import EXAMPLES, run

ISTIO = str(EXAMPLES / "istio")


@pytest.fixture(scope="module")
def mesh() -> reach.Reach:
    return reach.load([ISTIO])


def test_explain_names_the_authorization_policy_that_allows_at_l7(mesh: reach.Reach) -> None:
    (exp,) = mesh.explain("foo/sleep", "foo/httpbin")
    assert exp.mesh is not None and exp.mesh.sidecar
    assert exp.mesh.marks == (
        "AuthorizationPolicy foo/httpbin rules[0] allows [GET /headers] on TCP 1-65535",
    )
    assert "foo/httpbin ingress[0]: TCP 8000" in str(exp)  # the NetworkPolicy beside it


def test_explain_names_the_allow_policies_none_of_whose_rules_match(mesh: reach.Reach) -> None:
    (exp,) = mesh.explain("bar/sleep", "foo/httpbin")
    assert exp.allowed.is_empty()
    assert exp.reason() == (
        "the Istio sidecar of foo/httpbin[Deployment] refuses TCP: no rule of the ALLOW "
        "policies (AuthorizationPolicy foo/httpbin) matches: TCP 1-65535 denied"
    )


def test_explain_says_strict_mtls_refuses_a_caller_without_sidecar(mesh: reach.Reach) -> None:
    (exp,) = mesh.explain("legacy/sleep", "foo/httpbin")
    assert "mTLS STRICT refuses plain text" in exp.reason()


def test_explain_json_has_the_mesh_part_only_with_istio() -> None:
    _, out, _ = run(["explain", "-f", ISTIO, "foo/sleep", "foo/httpbin", "--format", "json"])
    (exp,) = json.loads(out)["explanations"]
    assert exp["mesh"]["sidecar"] is True and exp["mesh"]["l7_conditioned"]
    _, out, _ = run(
        ["explain", "-f", str(EXAMPLES / "shop"), "web/frontend", "app/orders", "--format", "json"]
    )
    assert all("mesh" not in e for e in json.loads(out)["explanations"])


def test_path_traverses_an_l7_conditioned_hop_and_marks_it(mesh: reach.Reach) -> None:
    found = mesh.path("foo/sleep", "foo/httpbin")
    assert found.reachable and found.direct_l7 == " [GET /headers]"
    assert str(found).splitlines()[0].endswith("TCP 8000 [GET /headers]  (direct)")
    assert found.to_dict()["direct"]["l7"] == "GET /headers"


def test_path_no_l7_ignores_l7_only_hops(mesh: reach.Reach) -> None:
    assert not mesh.path("foo/sleep", "foo/httpbin", no_l7=True).reachable
    code, out, _ = run(["path", "-f", ISTIO, "foo/sleep", "foo/httpbin", "--no-l7"])
    assert code == 1 and "what depends on L7 conditions is refused" in out


def test_blast_radius_marks_the_hop_and_no_l7_drops_it(mesh: reach.Reach) -> None:
    radius = mesh.blast_radius("foo/sleep")
    (hop,) = [e for e in radius.entries if e.node.id == "foo/httpbin[Deployment]"]
    assert (str(hop.ports), hop.l7) == ("TCP 8000", " [GET /headers]")
    assert hop.to_dict()["l7"] == "GET /headers"
    without = mesh.blast_radius("foo/sleep", no_l7=True)
    assert "foo/httpbin[Deployment]" not in {e.node.id for e in without.entries}


def test_exposure_no_l7_from_the_command_line() -> None:
    _, out, _ = run(["exposure", "-f", ISTIO, "foo/httpbin"])
    assert "foo/sleep[Deployment] : TCP 8000 [GET /headers]" in out
    _, out, _ = run(["exposure", "-f", ISTIO, "foo/httpbin", "--no-l7"])
    assert "foo/sleep[Deployment]" not in out


def test_no_l7_changes_nothing_without_istio() -> None:
    shop = reach.load([str(EXAMPLES / "shop")])
    assert shop.analysis.without_l7() is shop.analysis


def test_marks_in_every_listing_format() -> None:
    for fmt, needle in (
        (
            "txt",
            "# L7 conditioned: foo/sleep[Deployment] => foo/httpbin[Deployment] : TCP 8000 [GET /headers]",
        ),
        ("csv", "# L7 conditioned: foo/sleep[Deployment] => foo/httpbin[Deployment]"),
        ("md", "| GET /headers (allows) |"),
        ("json", '"effect": "allows"'),
    ):
        _, out, _ = run(["list", "-f", ISTIO, "--format", fmt])
        assert needle in out, fmt


def test_exports_carry_the_l7_conditions_on_the_edge() -> None:
    _, dot, _ = run(["export", "-f", ISTIO, "--format", "dot"])
    assert 'label="TCP 8000 [GET /headers (allows)]"' in dot
    _, out, _ = run(["export", "-f", ISTIO, "--format", "json"])
    edges = json.loads(out)["links"] if "links" in json.loads(out) else json.loads(out)["edges"]
    (edge,) = [e for e in edges if e.get("l7")]
    assert (edge["source"], edge["target"], edge["l7"]) == (
        "foo/sleep[Deployment]",
        "foo/httpbin[Deployment]",
        "GET /headers (allows)",
    )
