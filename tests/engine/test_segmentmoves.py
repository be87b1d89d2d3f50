"""Address segments cut again in place (``reach.engine.segmentmoves.resegmented``): each
part of a segment cut finer allows and is allowed what the segment was, toward every
class, and cut back to the segments before, the rows are those of the compilation."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from reach.engine.segmentmoves import resegmented
from reach.model.ipspace import IPBlock, overlay, parse_network, segments
from tests.api.test_whatif import rows_as_ports
from tests.strategies import CIDRS, clusters

#: Bounds no rule of the strategies names, and some they do.
CUTS = ["203.0.113.0/24", "10.1.2.0/25", "192.168.0.0/24", "2001:db8:2::/48", "0.0.0.0/1"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=clusters(), cuts=st.lists(st.sampled_from([*CUTS, *CIDRS]), max_size=3))
def test_a_segment_cut_finer_allows_what_it_did_and_cut_back_is_the_compilation(
    objects: list[dict[str, object]], cuts: list[str]
) -> None:
    x = reach.from_objects(objects).reachability
    finer = overlay(x.segments, segments(IPBlock(parse_network(c), ()) for c in cuts))[0]
    y = resegmented(x, finer)
    assert y.segments == finer
    n = x.n_internal
    starts = [(s.version, s.first) for s in x.segments]
    held = [n + starts.index(max(t for t in starts if t <= (s.version, s.first))) for s in finer]
    parts = np.arange(n, n + len(finer))
    internal = np.arange(n)
    pseudo = np.arange(x.first_pseudo, x.n_classes)
    texts = x.atoms.texts
    for a, b, c, d in (
        (internal, parts, internal, np.array(held, dtype=np.intp)),
        (parts, internal, np.array(held, dtype=np.intp), internal),
    ):
        got = [[texts[i] for i in row] for row in y.ids(a, b).tolist()]
        want = [[texts[i] for i in row] for row in x.ids(c, d).tolist()]
        assert got == want
    if len(pseudo):  # the pseudo peers follow the segments
        shifted = np.arange(y.first_pseudo, y.n_classes)
        assert y.ids(internal, shifted).tolist() == x.ids(internal, pseudo).tolist()
    for rule, before in zip(y.rules, x.rules, strict=True):
        assert rule.peers[n : n + len(finer)].tolist() == before.peers[held].tolist()
    back = resegmented(y, x.segments)
    assert back.segments == x.segments
    assert rows_as_ports(back) == rows_as_ports(x)
    for rule, before in zip(back.rules, x.rules, strict=True):
        assert rule.peers.tolist() == before.peers.tolist()
