"""The streamed listing equals a plain one built pair by pair from the view.

``analysis.listing.table_chunks`` merges external segments up front and computes the
internal pairs a few source nodes at a time. The reference here takes every
pair from ``View.edges()``, merges adjacent external segments per node with a
simple loop, and sorts the lines: the two must agree line for line, whatever
the chunk size, and the JSON stream must parse to the same edges.
"""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings

import reach
from reach.analysis.listing import table_chunks
from reach.analysis.nodes import external_node
from reach.analysis.views import View
from reach.model.ipspace import IPRange
from reach.output.listing import json as json_format
from tests.helpers import SHOP
from tests.strategies import clusters


def reference_lines(view: View) -> list[str]:
    n_int = view.n_internal
    texts = view.reachability.atoms.texts
    lines: list[tuple[str, str, str]] = []
    runs: dict[tuple[int, bool], list[tuple[int, int]]] = {}
    for s, d, p in view.edges():
        if s < n_int and d < n_int:
            lines.append((view.nodes[s].id, view.nodes[d].id, texts[p]))
        elif s >= n_int:
            runs.setdefault((d, True), []).append((s, p))
        else:
            runs.setdefault((s, False), []).append((d, p))
    for (node, ext_is_src), segs in runs.items():
        merged: list[tuple[IPRange, int]] = []
        for idx, p in sorted(segs):
            rng = view.nodes[idx].range
            if (
                merged
                and merged[-1][0].version == rng.version
                and merged[-1][0].last + 1 == rng.first
                and merged[-1][1] == p
            ):
                merged[-1] = (IPRange(rng.version, merged[-1][0].first, rng.last), p)
            else:
                merged.append((rng, p))
        for rng, p in merged:
            ext = external_node(rng).id
            here = view.nodes[node].id
            lines.append((ext, here, texts[p]) if ext_is_src else (here, ext, texts[p]))
    return [f"{s} => {d} : {t}" for s, d, t in sorted(lines)]


def streamed_lines(view: View, chunk: int) -> list[str]:
    _, chunks = table_chunks(view, chunk)
    return [line for rows in chunks for line in rows.lines()]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_streamed_listing_equals_the_pairwise_one(objects: list[dict]) -> None:
    r = reach.from_objects(objects)
    for by in ("workload", "pod", "namespace"):
        for ipv6 in (None, True):
            view = r.view(by, ipv6)
            want = reference_lines(view)
            for chunk in (1, 2, 256):
                assert streamed_lines(view, chunk) == want


@pytest.mark.parametrize("by", ["workload", "namespace"])
def test_json_stream_has_every_edge_and_node(by: str) -> None:
    r = reach.load(SHOP)
    view = r.view(by)
    out = io.StringIO()
    json_format.render(view, out)
    doc = json.loads(out.getvalue())
    edges = [f"{e['src']} => {e['dst']} : {e['text']}" for e in doc["edges"]]
    assert edges == reference_lines(view)
    ids = {n["id"] for n in doc["nodes"]}
    assert all(e["src"] in ids and e["dst"] in ids for e in doc["edges"])
