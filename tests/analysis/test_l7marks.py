"""Connections a Cilium L7 rule filters are marked, and only those (analysis/l7marks.py)."""

from __future__ import annotations

import io

from reach.analysis.l7marks import l7_marks
from reach.model.ports import PortSet, PortSpec
from reach.output.listing import txt
from tests.ciliumbuilders import cluster, cnp, rule, sel

HTTP = rule(endpoints=(sel("a", app="web"),), ports=(PortSpec("TCP", 80),), l7=("HTTP GET /",))
OTHER = rule(wildcard=True, ports=(PortSpec("TCP", 5432),))


def test_only_the_connections_the_rule_admits_on_its_ports_are_marked() -> None:
    r = cluster(cnp("a", "db", sel("a", app="db"), HTTP, OTHER))
    marks = l7_marks(r.view("workload")).marks
    assert [(str(m.src), str(m.dst), m.ports, m.summary) for m in marks] == [
        ("a/web[Pod]", "a/db[Pod]", PortSet.of("TCP", 80), "HTTP GET /")
    ]
    assert marks[0].rule == "CiliumNetworkPolicy a/db ingress[0]"


def test_a_port_the_other_end_denies_is_not_marked() -> None:
    deny80 = rule("egress", deny=True, wildcard=True, ports=(PortSpec("TCP", 80),))
    web = cnp("a", "web", sel("a", app="web"), deny80, egress_isolating=False)
    r = cluster(cnp("a", "db", sel("a", app="db"), HTTP), web)
    assert l7_marks(r.view("workload")).marks == ()


def test_txt_listing_shows_marks_as_comment_lines() -> None:
    r = cluster(cnp("a", "db", sel("a", app="db"), HTTP))
    out = io.StringIO()
    txt.render(r.view("workload"), out)
    assert (
        "# L7 filtered: a/web[Pod] => a/db[Pod] : TCP 80 by CiliumNetworkPolicy a/db ingress[0] "
        "(HTTP GET /)\n"
    ) in out.getvalue()


def test_no_l7_rule_no_marks() -> None:
    r = cluster(cnp("a", "db", sel("a", app="db"), OTHER))
    assert l7_marks(r.view("workload")).lines() == []
