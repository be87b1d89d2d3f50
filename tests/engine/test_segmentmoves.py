"""Address segments cut again in place (``reach.engine.segmentmoves.resegmented``): each
part of a segment cut finer allows and is allowed what the segment was, toward every
class, and cut back to the segments before, the rows are those of the compilation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from reach.engine.calicohash import answer_columns, class_hashes
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


def test_a_segment_cut_gives_calicos_class_hashes_the_rules_new_peers() -> None:
    """Beside Calico's tiers the class hashes are carried from update to update by
    comparing each answer column kept with the one after (``calicohash.carried``): a cut
    makes every rule's peers a fresh array, which holds the classes as before, so the
    state's columns take the new arrays and the next update need not compare them; the
    hashes stay those of the columns."""
    objects = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-a"}},
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns-a", "labels": {"app": "a"}},
            "spec": {"containers": [{"name": "c", "image": "i"}]},
        },
        {
            "apiVersion": "projectcalico.org/v3",
            "kind": "GlobalNetworkPolicy",
            "metadata": {"name": "out"},
            "spec": {
                "selector": "app == 'a'",
                "types": ["Egress"],
                "egress": [{"action": "Allow", "destination": {"nets": ["10.0.0.0/8"]}}],
            },
        },
    ]
    x = reach.from_objects(objects).reachability
    state = x.calico_state
    assert state is not None
    n = x.n_internal
    host = state.labels.host_network[state.classes.first_label_class]
    assert x.calico is not None
    columns = answer_columns(x.rules, x.calico.owners, host)
    x.calico_state = replace(state, hashes=class_hashes(columns, n), columns=columns)
    finer = overlay(x.segments, segments([IPBlock(parse_network("10.1.0.0/16"), ())]))[0]
    y = resegmented(x, finer)
    after = y.calico_state
    assert after is not None and after.columns is not None and after.hashes is not None
    kept = {id(column) for group in after.columns.values() for column in group}
    assert y.rules and all(id(rule.peers) in kept for rule in y.rules)
    assert not any(id(rule.peers) in kept for rule in x.rules)
    assert np.array_equal(after.hashes, class_hashes(after.columns, n))
