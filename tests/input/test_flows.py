"""Reading observed flows: Hubble's JSON export (proto names and lowerCamelCase JSON
names) and the CSV form, and malformed lines named as file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reach.errors import InvalidInput
from reach.input.flows import read_flows
from tests.helpers import EXAMPLES

HUBBLE = str(EXAMPLES / "flows" / "shop-hubble.json")


def _line(**flow: object) -> str:
    return json.dumps({"flow": flow, "node_name": "n"})


def test_hubble_export_reads_flows_and_counts_what_it_skips() -> None:
    read = read_flows(HUBBLE)
    assert read.replies == 1  # the is_reply line
    assert read.not_flows == 1  # the node_status line
    assert not read.no_l4 and not read.invalid
    assert len(read.flows) == 13
    first = read.flows[0]
    assert (first.protocol, first.port, first.verdict) == ("TCP", 8080, "FORWARDED")
    assert first.src.namespace == "web" and first.src.workloads == (("Deployment", "frontend"),)
    assert "k8s:app=frontend" in first.src.labels and first.dst.ip == "10.0.1.9"
    assert first.origin == f"{HUBBLE}:1"


def test_hubble_reads_lower_camel_case_json_names(tmp_path: Path) -> None:
    f = tmp_path / "f.json"
    end = {"namespace": "a", "podName": "p"}
    f.write_text(
        _line(source=end, destination=end, l4={"UDP": {"destinationPort": 53}}, isReply=False)
    )
    (flow,) = read_flows(str(f)).flows
    assert (flow.src.pod, flow.protocol, flow.port) == ("p", "UDP", 53)


def test_hubble_reply_is_skipped_by_either_name(tmp_path: Path) -> None:
    f = tmp_path / "f.json"
    f.write_text(
        _line(l4={"TCP": {"destination_port": 1}}, is_reply=True)
        + "\n"
        + _line(l4={"TCP": {"destination_port": 1}}, isReply=True)
    )
    read = read_flows(str(f))
    assert read.replies == 2 and not read.flows


def test_hubble_flow_without_l4_is_counted_not_read(tmp_path: Path) -> None:
    f = tmp_path / "f.json"
    f.write_text(_line(verdict="DROPPED"))
    read = read_flows(str(f))
    assert read.no_l4 == [f"{f}:1"] and not read.flows


def test_icmp_is_read_as_a_protocol_without_port(tmp_path: Path) -> None:
    f = tmp_path / "f.json"
    f.write_text(_line(l4={"ICMPv4": {"type": 8}}))
    (flow,) = read_flows(str(f)).flows
    assert (flow.protocol, flow.port) == ("ICMP", 0)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not a JSON object"),
        ("[1, 2]", "not a JSON object: a list"),
        (
            _line(l4={"TCP": {"destination_port": "80"}}),
            "flow.l4.TCP.destination_port: '80' is not a port number",
        ),
        (_line(l4={"TCP": {"destination_port": 70000}}), "is not a port number"),
        (
            _line(l4={"TCP": {}}, source={"labels": "app=x"}),
            "flow.source.labels: must be a list of strings",
        ),
        (_line(l4=5), "flow.l4: must be an object"),
    ],
)
def test_malformed_hubble_line_is_named_by_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    f = tmp_path / "f.json"
    f.write_text(_line(l4={"TCP": {"destination_port": 1}}) + "\n\n" + line + "\n")
    with pytest.raises(InvalidInput) as e:
        read_flows(str(f))
    (problem,) = e.value.problems
    assert problem.origin == f"{f}:3"
    assert message in str(problem)


def test_skip_invalid_leaves_malformed_lines_out_and_keeps_them(tmp_path: Path) -> None:
    f = tmp_path / "f.json"
    f.write_text(_line(l4={"TCP": {"destination_port": 1}}) + "\n{bad\n")
    read = read_flows(str(f), skip_invalid=True)
    assert len(read.flows) == 1 and [p.origin for p in read.invalid] == [f"{f}:2"]


def test_csv_reads_refs_ports_and_counts(tmp_path: Path) -> None:
    f = tmp_path / "f.csv"
    f.write_text("src,dst,port,count\n# a comment\n\nweb/a, db/b ,5432/tcp,7\nx,y,53/UDP\nx,y,80\n")
    flows = read_flows(str(f)).flows
    assert [(x.src.ref, x.dst.ref, x.protocol, x.port, x.count) for x in flows] == [
        ("web/a", "db/b", "TCP", 5432, 7),
        ("x", "y", "UDP", 53, 1),
        ("x", "y", "TCP", 80, 1),
    ]
    assert flows[0].origin == f"{f}:4"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("a,b", "expected src,dst,port/proto[,count], got 2 fields"),
        ("a,b,http", "'http' is not a port"),
        ("a,b,0/TCP", "'0/TCP' is not a port"),
        ("a,b,80/ICMP", "the protocol must be TCP, UDP or SCTP"),
        ("a,b,80,many", "'many' is not a count"),
        (",b,80", "must not be empty"),
    ],
)
def test_malformed_csv_row_is_named_by_file_and_line(
    tmp_path: Path, row: str, message: str
) -> None:
    f = tmp_path / "f.csv"
    f.write_text(f"a,b,80\n{row}\n")
    with pytest.raises(InvalidInput) as e:
        read_flows(str(f))
    (problem,) = e.value.problems
    assert problem.origin == f"{f}:2" and message in problem.message


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        read_flows(str(tmp_path / "nope.json"))


def test_csv_header_may_follow_comments(tmp_path: Path) -> None:
    f = tmp_path / "f.csv"
    f.write_text("# exported\nsrc,dst,port\na,b,80\n")
    assert [x.port for x in read_flows(str(f)).flows] == [80]


@pytest.mark.parametrize(
    "port",
    [
        "80",
        "80/TCP",
        "53/UDP",
        "9/SCTP",
        "65535",
        "65536",
        "0",
        "0/TCP",
        "080/TCP",
        "80/",
        "/TCP",
        "80/tcp",
        "80 / UDP",
        "80/ICMP",
        "٣/TCP",
        "²",
        "80/TCP/UDP",
        "99999999999",
    ],
)
def test_csv_ports_read_without_the_pattern_are_read_as_the_pattern_reads_them(
    tmp_path: Path, port: str
) -> None:
    """Plain ports (``8080``, ``8080/TCP``) skip the regular expression: the flow, or the
    error, must be the one the pattern gives."""
    from reach.input.flows import _Bad, _port

    f = tmp_path / "f.csv"
    f.write_text(f"a,b,{port}\n")
    try:
        expected: tuple[int, str] | str = _port(port)
    except _Bad as bad:
        expected = bad.message
    got = read_flows(str(f), skip_invalid=True)
    if isinstance(expected, str):
        assert not got.flows and [p.message for p in got.invalid] == [expected]
    else:
        (flow,) = got.flows
        assert (flow.port, flow.protocol) == expected
