"""How pictures look: limits, colours, markers, sizes, and the figure they are drawn on.

The limits are read when a picture is made, so setting them on this module (or on
:mod:`reach.draw`, which passes them on) changes the next picture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reach.words import count

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.figure import Figure

#: A graph picture shows at most this many nodes ...
MAX_DRAW_NODES = 60
#: ... and at most this many edges; larger graphs fall back to the namespace view.
MAX_DRAW_EDGES = 250
#: Edges are labelled with their ports when the picture has at most this many.
LABEL_MAX_EDGES = 40
#: A graph where at least this share of the ordered pairs of workloads (or pods) are
#: connected, with at least :data:`DENSE_MIN_NODES` of them, says only "everything
#: reaches everything" (no policies): it is drawn as the namespace view, with a note.
DENSE_SHARE = 0.9
DENSE_MIN_NODES = 5

KIND_COLOURS = {
    "Deployment": "#4c78a8",
    "StatefulSet": "#8e6cbd",
    "DaemonSet": "#54a24b",
    "ReplicaSet": "#439894",
    "ReplicationController": "#439894",
    "Job": "#b79a20",
    "CronJob": "#9d755d",
    "Pod": "#7f7f7f",
    "Namespace": "#2a9d8f",
    "External": "#f58518",
    "Internet": "#d62728",
    "IngressController": "#e377c2",
    "EntireCluster": "#5e35b1",
    "Representative": "#00acc1",
    "Entity": "#6d4c41",
    "FQDN": "#c2185b",
    "NetworkSet": "#bf5b17",
    "GlobalNetworkSet": "#a0522d",
}
EXTRA_COLOURS = ["#e45756", "#72b7b2", "#ff9da6", "#bab0ac", "#eeca3b", "#b279a2"]
MARKERS = {
    "workload": "o",
    "pod": "o",
    "namespace": "s",
    "external": "D",
    "entry": "p",
    "representative": "8",
    "pseudo": "h",
    "start": "*",
}
MARKER_SIZE = {
    "workload": 13.0,
    "pod": 10.0,
    "namespace": 16.0,
    "external": 11.0,
    "entry": 16.0,
    "representative": 15.0,
    "pseudo": 14.0,
    "start": 20.0,
}
#: Legend text of the entry-point kinds.
ENTRY_NAMES = {"Internet": "internet", "IngressController": "{ingress-controller}"}
#: Legend text of the representative peers (``--potential``).
REPRESENTATIVE_NAMES = {
    "EntireCluster": "entire cluster",
    "Representative": "pods to come",
}
#: Legend text of the pseudo peers (Cilium entities and FQDNs with no known addresses).
PSEUDO_NAMES = {"Entity": "Cilium entity", "FQDN": "FQDN"}
#: The box of the pseudo nodes, and its title.
PSEUDO_GROUP = "(pseudo)"
PSEUDO_TITLE = "Cilium pseudo nodes"
ALL_PORTS_COLOUR = "#c62828"
SOME_PORTS_COLOUR = "#607d8b"
PATH_COLOUR = "#e65100"
FADED = "#b0bec5"

CELL_W, CELL_H = 3.6, 1.55  # one node's slot in a namespace box (data units)
BOX_PAD, BOX_TITLE, BOX_GAP = 0.35, 0.75, 1.1
INCH = 0.62  # inches per data unit


def too_large(g: nx.DiGraph) -> bool:
    """Whether a graph picture of ``g`` would be unreadable (see :data:`MAX_DRAW_NODES`)."""
    return bool(g.number_of_nodes() > MAX_DRAW_NODES or g.number_of_edges() > MAX_DRAW_EDGES)


def dense(g: nx.DiGraph) -> bool:
    """Whether nearly everything in ``g`` reaches everything (see :data:`DENSE_SHARE`)."""
    from reach.analysis.graph import NODE

    inner = {n for n, a in g.nodes(data=True) if a[NODE].type in ("workload", "pod")}
    k = len(inner)
    if k < DENSE_MIN_NODES:
        return False
    pairs = sum(1 for s, d in g.edges() if s != d and s in inner and d in inner)
    return pairs >= DENSE_SHARE * k * (k - 1)


def size_text(g: nx.DiGraph) -> str:
    nodes, edges = g.number_of_nodes(), g.number_of_edges()
    return f"{count(nodes, 'node', thousands=True)} and {count(edges, 'edge', thousands=True)}"


def colour(kind: str) -> str:
    """The colour of a node kind; kinds without one of their own share a few extra colours."""
    if kind in KIND_COLOURS:
        return KIND_COLOURS[kind]
    return EXTRA_COLOURS[sum(map(ord, kind)) % len(EXTRA_COLOURS)]


def hop_colours(max_hop: int) -> list[str]:
    """The shades of hop distances 1 .. ``max_hop``."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["plasma"]
    if max_hop <= 1:
        return [to_hex(cmap(0.15))]
    return [to_hex(cmap(0.12 + 0.72 * i / (max_hop - 1))) for i in range(max_hop)]


#: Settings under which figures are drawn: text as written (no mathtext, no TeX), and SVG
#: text as text.
PLAIN_RC = {"svg.fonttype": "none", "text.parse_math": False, "text.usetex": False}


def plain_text(fig: Figure) -> Figure:
    """``fig`` with every text drawn as written: names are text, and a name such as
    ``a$\\frac$`` is no mathtext (``$...$``) to parse (nor TeX). Text made when the figure
    is drawn (tick labels) is covered by the settings :func:`reach.draw.save` draws under."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        assert isinstance(text, Text)
        text.set_parse_math(False)
        text.set_usetex(False)
    return fig


def new_figure(width: float, height: float) -> Figure:
    """A figure of that size in inches (100 dpi, constrained layout), made without pyplot."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained", dpi=100)
