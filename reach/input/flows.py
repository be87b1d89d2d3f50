"""Reading observed flows: Hubble's JSON export, or a plain CSV.

- ``hubble observe -o json`` (also ``jsonpb``) writes one JSON object per line, a
  GetFlowsResponse "according to proto3's JSON mapping" (observe_help.txt): the flow
  under ``flow``, its fields by their proto names (``pod_name``) or their lowerCamelCase
  JSON names (``podName``), both of which proto3 JSON parsers accept. Lines of other
  responses (``node_status``, ``lost_events``) hold no flow and are counted, not read.
  Replies (``is_reply: true``) are the other half of a connection already seen, and are
  skipped; a flow without an L4 protocol (no ``l4``) is no connection reach can check
  and is counted as such.
- A CSV: ``src,dst,port/proto[,count]`` per line, the ends as ``reach path`` takes them
  (``web/frontend``, ``pod/web/frontend-0``, ``10.0.0.1``), the protocol TCP when not
  given; an optional header row ``src,dst,...`` first; blank lines and ``#`` comments skipped.

A malformed line is an error ``file:line: message`` (every one at once, exit 2), or with
``skip_invalid`` left out and named.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reach.errors import InvalidInput, Problem
from reach.model.flows import FlowEnd, ObservedFlow
from reach.model.ports import MAX_PORT
from reach.words import excerpt

#: Hubble's L4 protocols with ports, by their key under ``l4``, and the rest.
_PORTED = {"TCP": "TCP", "UDP": "UDP", "SCTP": "SCTP"}
_PORTLESS = {"ICMPv4": "ICMP", "ICMPv6": "ICMPv6", "VRRP": "VRRP", "IGMP": "IGMP"}
_PORT = re.compile(r"^\s*(\d+)\s*(?:/\s*([A-Za-z]+)\s*)?$")


@dataclass
class FlowFile:
    """What a flows file held: the flows, and what was read but not taken as a flow."""

    flows: list[ObservedFlow] = field(default_factory=list)
    replies: int = 0  #: Hubble replies skipped (the other half of a connection)
    not_flows: int = 0  #: lines of other responses (node status, lost events)
    no_l4: list[str] = field(default_factory=list)  #: origins of flows without L4
    invalid: list[Problem] = field(default_factory=list)  #: left out (skip_invalid)


def read_flows(path: str, skip_invalid: bool = False) -> FlowFile:
    """The flows of ``path`` (Hubble JSON lines or CSV, told apart by the ``.csv``
    extension or by a first line that starts with ``{``); ``-`` reads stdin."""
    try:
        text = _text(path)
    except OSError as e:
        raise InvalidInput([Problem(path, "", f"cannot read: {e.strerror or e}")]) from None
    except UnicodeDecodeError:
        raise InvalidInput([Problem(path, "", "not UTF-8 text")]) from None
    out = FlowFile()
    first = text.lstrip()[:1]
    if path.endswith(".csv") or (first and first != "{"):
        _read_csv(text, path, out)
    else:
        _read_hubble(text, path, out)
    if out.invalid and not skip_invalid:
        raise InvalidInput(out.invalid)
    return out


def _text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return Path(path).read_text(encoding="utf-8")


def _read_hubble(text: str, path: str, out: FlowFile) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        origin = f"{path}:{number}"
        try:
            doc = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as e:
            message = e.msg if isinstance(e, json.JSONDecodeError) else "nested too deep"
            out.invalid.append(Problem(origin, "", f"not a JSON object: {message}"))
            continue
        if not isinstance(doc, Mapping):
            out.invalid.append(Problem(origin, "", f"not a JSON object: {excerpt(doc)}"))
            continue
        flow = doc.get("flow", doc if _looks_like_flow(doc) else None)
        if flow is None:
            out.not_flows += 1
            continue
        try:
            _hubble_flow(flow, origin, out)
        except _Bad as bad:
            out.invalid.append(Problem(origin, bad.field, bad.message))


class _Bad(Exception):
    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(message)
        self.field = field_path
        self.message = message


def _looks_like_flow(doc: Mapping[str, Any]) -> bool:
    return any(k in doc for k in ("source", "destination", "l4", "IP", "verdict"))


def _get(obj: Mapping[str, Any], snake: str) -> Any:
    """A field by its proto name or its lowerCamelCase JSON name."""
    if snake in obj:
        return obj[snake]
    head, *rest = snake.split("_")
    return obj.get(head + "".join(w.title() for w in rest))


def _hubble_flow(flow: Any, origin: str, out: FlowFile) -> None:
    if not isinstance(flow, Mapping):
        raise _Bad("flow", f"must be an object, not {excerpt(flow)}")
    if _get(flow, "is_reply") is True:
        out.replies += 1
        return
    l4 = flow.get("l4")
    if l4 is None:
        out.no_l4.append(origin)
        return
    if not isinstance(l4, Mapping):
        raise _Bad("flow.l4", f"must be an object, not {excerpt(l4)}")
    protocol, port = _layer4(l4)
    if protocol is None:
        out.no_l4.append(origin)
        return
    raw_ip = flow.get("IP")
    ip: Mapping[str, Any] = raw_ip if isinstance(raw_ip, Mapping) else {}
    verdict = flow.get("verdict", "")
    out.flows.append(
        ObservedFlow(
            src=_endpoint(flow.get("source"), str(ip.get("source") or ""), "flow.source"),
            dst=_endpoint(
                flow.get("destination"), str(ip.get("destination") or ""), "flow.destination"
            ),
            protocol=protocol,
            port=port,
            origin=origin,
            verdict=verdict if isinstance(verdict, str) else str(verdict),
        )
    )


def _layer4(l4: Mapping[str, Any]) -> tuple[str | None, int]:
    for key, protocol in _PORTED.items():
        if key in l4:
            body = l4[key]
            if not isinstance(body, Mapping):
                raise _Bad(f"flow.l4.{key}", f"must be an object, not {excerpt(body)}")
            port = _get(body, "destination_port")
            if port is None:
                port = 0  # proto3 JSON leaves out zero values
            if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= MAX_PORT:
                raise _Bad(
                    f"flow.l4.{key}.destination_port", f"{excerpt(port)} is not a port number"
                )
            return protocol, port
    for key, protocol in _PORTLESS.items():
        if key in l4:
            return protocol, 0
    return None, 0


def _endpoint(raw: Any, ip: str, where: str) -> FlowEnd:
    if raw is None:
        return FlowEnd(ip=ip)
    if not isinstance(raw, Mapping):
        raise _Bad(where, f"must be an object, not {excerpt(raw)}")
    labels = raw.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise _Bad(f"{where}.labels", "must be a list of strings")
    workloads = raw.get("workloads") or []
    if not isinstance(workloads, list) or not all(isinstance(w, Mapping) for w in workloads):
        raise _Bad(f"{where}.workloads", "must be a list of objects")
    namespace, pod = raw.get("namespace") or "", _get(raw, "pod_name") or ""
    if not isinstance(namespace, str) or not isinstance(pod, str):
        raise _Bad(where, "namespace and pod_name must be strings")
    return FlowEnd(
        namespace=namespace,
        pod=pod,
        labels=tuple(labels),
        workloads=tuple((str(w.get("kind") or ""), str(w.get("name") or "")) for w in workloads),
        ip=ip,
    )


def _read_csv(text: str, path: str, out: FlowFile) -> None:
    first = True
    ends: dict[str, FlowEnd] = {}  # one end per distinct reference: matched once, cheaply
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if first and cells[0].lower() == "src":
            first = False
            continue  # a header, as the first row
        first = False
        origin = f"{path}:{number}"
        try:
            out.flows.append(_csv_flow(cells, origin, ends))
        except _Bad as bad:
            out.invalid.append(Problem(origin, bad.field, bad.message))


def _csv_flow(cells: list[str], origin: str, ends: dict[str, FlowEnd]) -> ObservedFlow:
    if len(cells) not in (3, 4):
        raise _Bad("", f"expected src,dst,port/proto[,count], got {len(cells)} fields")
    src, dst, port_text = cells[:3]
    if not src or not dst:
        raise _Bad("", "the source and the destination must not be empty")
    number, _, given = port_text.partition("/")
    if number.isascii() and number.isdigit() and (given in _PORTED or number == port_text):
        port, protocol = int(number), given or "TCP"  # 8080, 8080/TCP
        if not 1 <= port <= MAX_PORT:
            raise _Bad("", f"{excerpt(port_text)} is not a port such as 8080/TCP or 53/UDP")
    else:  # spaces, lower case, errors
        port, protocol = _port(port_text)
    count = 1
    if len(cells) == 4:
        if not cells[3].isdigit() or not cells[3].isascii():
            raise _Bad("", f"{excerpt(cells[3])} is not a count")
        count = int(cells[3])
    return ObservedFlow(_end(src, ends), _end(dst, ends), protocol, port, origin, count)


def _port(text: str) -> tuple[int, str]:
    """``8080``, ``8080/TCP`` or ``53/udp``: the port and the protocol (TCP by default)."""
    m = _PORT.match(text)
    if not m or not 1 <= int(m.group(1)) <= MAX_PORT:
        raise _Bad("", f"{excerpt(text)} is not a port such as 8080/TCP or 53/UDP")
    protocol = (m.group(2) or "TCP").upper()
    if protocol not in _PORTED:
        raise _Bad("", f"{excerpt(m.group(2))}: the protocol must be TCP, UDP or SCTP")
    return int(m.group(1)), protocol


def _end(ref: str, ends: dict[str, FlowEnd]) -> FlowEnd:
    found = ends.get(ref)
    if found is None:
        found = ends[ref] = FlowEnd(ref=ref)
    return found
