"""The Calico documentation's own example policies, each with the connections it allows.

Each directory of ``tests/calico_docs/`` is one example of the Calico pages
(``../shared/specs/calico/docs/``: ``reference-resources/*.mdx``, ``network-policy/*.mdx``,
``_includes-content/*.mdx``), the policy copied verbatim where the page gives one, with the
pods, namespaces and network sets the page talks about, and (as ``tests/cilium_docs/``):

- ``expected.txt``: the connections derived by hand from the page's text, in the grammar
  of ``reach list --by workload`` (IPv4, as txt prints); ``#`` lines cite the file and
  sentence each answer comes from and are not compared;
- ``case.yaml``::

      about: the page, its section and what the case checks
      warnings: [text, ...]   # each must appear (case-insensitive) in a diagnostic of
                              # the input, any severity (code or message); ``a|b``: either
      unsure: why             # optional: what of the expected answer the docs leave open

Each case is evaluated twice, and both answers must equal ``expected.txt``
(``../shared/conformance/compare.py``: insensitive to line order and range splitting):

- by the engine, through ``reach list -f CASE/input --by workload``;
- by the brute-force reference ``tests/reference_calico.py``, asked about every pod pair
  and every IPv4 interval between the addresses the input and the expectation name, on
  every protocol and every port interval between the numbers they name (the answer is
  the same throughout such an interval), and written out as a listing.
"""

from __future__ import annotations

import ipaddress
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

import reach
from reach.analysis.listing import table
from reach.analysis.views import build_view
from tests.helpers import run
from tests.reference_calico import PROTOCOLS, CalicoReference, Endpoint
from tests.test_cilium_docs import _connections
from tests.test_conformance import _compare_module

HERE = Path(__file__).parent / "calico_docs"
CASES = sorted(p.parent for p in HERE.glob("*/case.yaml"))
IPV4_END = 2**32
PORT_END = 65536
_ADDRESS = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:/(\d{1,2}))?(?![\d.])")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,5})(?![\w.])")


def _spec(case: Path) -> dict[str, Any]:
    data = yaml.safe_load((case / "case.yaml").read_text())
    assert isinstance(data, dict) and data.get("about"), f"{case}/case.yaml needs an 'about'"
    return data


def _inputs(case: Path) -> str:
    return "\n".join(p.read_text() for p in sorted((case / "input").glob("*.yaml")))


def _expected(case: Path) -> str:
    return _connections((case / "expected.txt").read_text())


# ---------------------------------------------------------------------------- the reference


def address_bounds(texts: list[str], expected: Any) -> list[int]:
    """The starts of the elementary IPv4 intervals: 0, and the first address and the one
    after the last of every address or CIDR written in ``texts`` and of every external
    node of the parsed ``expected`` listing."""
    bounds = {0}
    for text in texts:
        for address, prefix in _ADDRESS.findall(text):
            try:
                net = ipaddress.ip_network(f"{address}/{prefix or 32}", strict=False)
            except ValueError:
                continue
            bounds.update((int(net.network_address), int(net.broadcast_address) + 1))
    for src, dst in expected.pairs():
        for node in (src, dst):
            if not isinstance(node, str) and node.version == 4:
                bounds.update((node.start, node.end + 1))
    return sorted(b for b in bounds if b < IPV4_END)


def port_bounds(texts: list[str], expected: Any) -> list[int]:
    """The starts of the elementary port intervals: 1, and every number ``n`` of 1-65535
    written in ``texts`` (``n`` and ``n + 1``) and every bound of the ``expected`` ports."""
    bounds = {1}
    for text in texts:
        for number in _NUMBER.findall(text):
            n = int(number)
            if 1 <= n <= 65535:
                bounds.update((n, n + 1))
    for conns in expected.pairs().values():
        for intervals in conns.ports.values():
            for first, last in intervals:
                bounds.update((first, last + 1))
    return sorted(b for b in bounds if b < PORT_END)


def _intervals(bounds: list[int], end: int) -> list[tuple[int, int]]:
    edges = [*bounds, end]
    return [(edges[i], edges[i + 1] - 1) for i in range(len(bounds))]


def _ports_text(reference: CalicoReference, src: Endpoint, dst: Endpoint, ports: Any) -> str:
    """The ports the reference allows from ``src`` to ``dst``, in the listing's grammar."""
    parts = []
    for protocol in PROTOCOLS:
        allowed = [
            f"{first}" if first == last else f"{first}-{last}"
            for first, last in ports
            if reference.allowed(src, dst, protocol, first)
        ]
        if allowed:
            parts.append(f"{protocol} {','.join(allowed)}")
    return ",".join(parts)


def reference_listing(case: Path) -> str:
    """The reference's answer for a case, as a ``reach list --by workload`` listing."""
    compare = _compare_module()
    expected = compare.parse(_expected(case))
    texts = [_inputs(case), (case / "expected.txt").read_text()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reach.PartialAnswerWarning)
        reference = CalicoReference(reach.load([str(case / "input")]).cluster)
    ports = _intervals(port_bounds(texts, expected), PORT_END)
    nets = _intervals(address_bounds(texts[:1], expected), IPV4_END)
    pods = sorted(reference.pods)

    def name(end: Endpoint) -> str:
        if isinstance(end, str):
            first, last = next((a, b) for a, b in nets if a == int(ipaddress.ip_address(end)))
            return f"{ipaddress.IPv4Address(first)}-{ipaddress.IPv4Address(last)}[External]"
        return f"{end[0]}/{end[1]}[Pod]"

    pairs: list[tuple[Endpoint, Endpoint]] = [(p, q) for p in pods for q in pods if p != q]
    for first, _ in nets:
        address = str(ipaddress.IPv4Address(first))
        pairs += [pair for pod in pods for pair in ((pod, address), (address, pod))]
    lines = []
    for src, dst in pairs:
        text = _ports_text(reference, src, dst, ports)
        if text:
            lines.append(f"{name(src)} => {name(dst)} : {text}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- the cases


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_engine_answers_as_the_docs(case: Path) -> None:
    spec = _spec(case)
    code, _, err = run(["list", "-f", str(case / "input"), "--by", "workload"])
    assert code == 0, err
    # the docs' answers are per address: network sets' addresses as External ranges (their
    # nodes unite them, tests/engine/test_calico_property.py)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reach.PartialAnswerWarning)
        reachability = reach.load([str(case / "input")]).analysis.reachability
    out = "\n".join(table(build_view(reachability, "workload", network_sets=False)).lines())
    diffs = _compare_module().compare(_expected(case), _connections(out))
    assert not diffs, "\n".join(diffs[:30]) + "\n--- reach list:\n" + out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reach.PartialAnswerWarning)
        notes = [f"{d.code}: {d.message}" for d in reach.load([str(case / "input")]).diagnostics]
    for wanted in spec.get("warnings", []):
        options = [w.lower() for w in wanted.split("|")]
        assert any(w in n.lower() for n in notes for w in options), (wanted, notes)
    assert not [n for n in notes if "unevaluated-kind" in n], notes


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_reference_answers_as_the_docs(case: Path) -> None:
    listing = reference_listing(case)
    diffs = _compare_module().compare(_expected(case), listing)
    assert not diffs, "\n".join(diffs[:30]) + "\n--- reference:\n" + listing


def test_every_case_cites_its_source() -> None:
    assert len(CASES) >= 25, "expected 25+ documentation cases"
    for case in CASES:
        _spec(case)
        lines = (case / "expected.txt").read_text().splitlines()
        cites = [line for line in lines if line.startswith("#")]
        assert any(".mdx" in line for line in cites), f"{case.name}: cite the page"
        assert sorted((case / "input").glob("*.yaml")), f"{case.name}: no input"


def test_bounds_split_at_every_address_and_port_named() -> None:
    compare = _compare_module()
    expected = compare.parse("a/b[Pod] => 10.0.0.0-10.0.0.255[External] : TCP 80-90\n")
    texts = ["nets: [1.2.3.0/24]\nports: [6379, '1234:5678']\nfrom 8.8.8.8"]
    assert address_bounds(texts, expected) == [
        0,
        int(ipaddress.IPv4Address("1.2.3.0")),
        int(ipaddress.IPv4Address("1.2.4.0")),
        int(ipaddress.IPv4Address("8.8.8.8")),
        int(ipaddress.IPv4Address("8.8.8.9")),
        int(ipaddress.IPv4Address("10.0.0.0")),
        int(ipaddress.IPv4Address("10.0.1.0")),
    ]
    bounds = port_bounds(texts, expected)
    assert {1, 24, 25, 80, 91, 1234, 1235, 5678, 5679, 6379, 6380} <= set(bounds)
    assert bounds == sorted(set(bounds)) and bounds[-1] <= 65535
