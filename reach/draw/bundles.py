"""Bundling arrows that would pile up: what is drawn once instead of many times (no drawing here).

- **Outside peers.** An external range or an entry point (the internet) with at least
  :data:`OUTSIDE_BUNDLE_MIN` arrows into (or out of) the same namespace box gets one
  arrow to (from) the box. Each node an outside peer reaches (or that reaches one)
  gets a mark, bundled or not: exposure is seen on the nodes themselves.
- **Between boxes.** In a busy picture (more arrows than
  :data:`~reach.draw.style.LABEL_MAX_EDGES`, where port labels would be left out), at
  least :data:`BOX_BUNDLE_MIN` arrows from one namespace box to another become one
  arrow between the boxes, with their count; the connections and their ports are the
  arrow's SVG tooltip.

Highlighted arrows (a path's hops) are never bundled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reach.draw import style
from reach.draw.model import PEdge, Picture
from reach.draw.style import PSEUDO_GROUP

#: Arrows between one outside peer and one box bundled from this many on.
OUTSIDE_BUNDLE_MIN = 2
#: Arrows from one namespace box to another bundled from this many on.
BOX_BUNDLE_MIN = 4
#: Node types that stand outside the namespaces and whose arrows are bundled per box.
OUTSIDE = ("external", "entry")


@dataclass
class Bundle:
    """Arrows drawn as one: from ``src`` to ``dst``, each a node id or (``*_box``) a box."""

    src: str
    dst: str
    src_box: bool
    dst_box: bool
    edges: list[PEdge] = field(default_factory=list)

    @property
    def all_ports(self) -> bool:
        return all(e.all_ports for e in self.edges)

    @property
    def faded(self) -> bool:
        return all(e.faded for e in self.edges)

    def label(self, unit: str) -> str:
        """The count, and the ports when they are the same on every arrow (and not all)."""
        n = len(self.edges)
        text = f"{n} {unit}s" if self.src_box != self.dst_box else f"{n} connections"
        ports = {e.label for e in self.edges}
        if len(ports) == 1 and not self.all_ports:
            text += f": {next(iter(ports))}"
        return text

    def tooltip(self) -> str:
        """Each bundled connection and its ports, one per line."""
        return "\n".join(f"{e.src} → {e.dst}: {e.label}" for e in self.edges)


@dataclass(frozen=True)
class Mark:
    """A small mark on node ``node``: an outside peer ``peer`` reaches it (``into``) or it
    reaches the peer."""

    node: str
    peer: str
    into: bool
    tooltip: str


def boxed(pic: Picture, node_id: str) -> str | None:
    """The namespace box a node is drawn in, None when it is in no namespace box."""
    group = pic.nodes[node_id].group
    return None if group in ("", "*", PSEUDO_GROUP) else group


def bundle(pic: Picture) -> tuple[list[PEdge], list[Bundle], list[Mark]]:
    """The arrows drawn one by one, the bundles, and the marks of the outside bundles."""
    if any(p.shade is not None for p in pic.nodes.values()):
        return list(pic.edges), [], []  # a tree of hops: every arrow is a hop
    groups: dict[tuple[str, str, bool, bool], Bundle] = {}
    busy = len(pic.edges) > style.LABEL_MAX_EDGES
    for e in pic.edges:
        if e.highlight or e.src == e.dst:
            continue
        key = _bundle_key(pic, e)
        if key is not None and (busy or key[2] != key[3]):
            src, dst, src_box, dst_box = key
            groups.setdefault(key, Bundle(src, dst, src_box, dst_box)).edges.append(e)
    bundles = [
        b
        for b in groups.values()
        if len(b.edges) >= (OUTSIDE_BUNDLE_MIN if b.src_box != b.dst_box else BOX_BUNDLE_MIN)
    ]
    taken = {id(e) for b in bundles for e in b.edges}
    marks = []
    for e in pic.edges:  # every workload an outside peer reaches, or that reaches one
        key = None if e.highlight or e.src == e.dst else _bundle_key(pic, e)
        if key is not None and key[2] != key[3]:
            into = key[3]
            peer = e.src if into else e.dst
            what = "reached from" if into else "reaches"
            marks.append(Mark(e.dst if into else e.src, peer, into, f"{what} {peer}: {e.label}"))
    return [e for e in pic.edges if id(e) not in taken], bundles, marks


def _bundle_key(pic: Picture, e: PEdge) -> tuple[str, str, bool, bool] | None:
    """The bundle an arrow may join: (src, dst, src is a box, dst is a box), or None."""
    s, d = pic.nodes[e.src], pic.nodes[e.dst]
    bs, bd = boxed(pic, e.src), boxed(pic, e.dst)
    if s.type in OUTSIDE and bd is not None:
        return (e.src, bd, False, True)
    if d.type in OUTSIDE and bs is not None:
        return (bs, e.dst, True, False)
    if bs is not None and bd is not None and bs != bd:
        return (bs, bd, True, True)
    return None
