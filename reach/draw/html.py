"""The export graph as one self-contained interactive HTML page (``reach export -o x.html``).

The page inlines Cytoscape.js (``reach/draw/assets/cytoscape.min.js``, MIT, see
``cytoscape.LICENSE`` there) and the graph as JSON: it needs no network when viewed.
It offers pan and zoom, a search by name (matching nodes are lit, the others
dimmed), a namespace filter, and a click on a node that lights up its blast radius
(what it reaches, hop by hop) or its exposure (what reaches it), as the mode says;
as in ``reach blast-radius``, hops go on from workloads and pods only, never through
an external range or an entry point.
Node names, colours and edge styles are those of the pictures.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import TYPE_CHECKING

from reach.draw.model import picture_of
from reach.draw.style import ALL_PORTS_COLOUR, SOME_PORTS_COLOUR, colour
from reach.draw.titles import input_name

if TYPE_CHECKING:
    import networkx as nx

#: The Cytoscape.js build inlined in each page.
LIBRARY = "cytoscape.min.js"


def graph_elements(g: nx.DiGraph) -> list[dict[str, object]]:
    """Cytoscape elements of the graph: a parent node per namespace box, the nodes in them
    (name, full name, kind, colour), the edges (ports, all-ports or not)."""
    pic = picture_of(g)
    elements: list[dict[str, object]] = []
    groups = sorted({p.group for p in pic.nodes.values() if p.group not in ("", "*")})
    for grp in groups:
        elements.append({"data": {"id": f"box:{grp}", "label": grp, "box": True}})
    for p in pic.nodes.values():
        data: dict[str, object] = {
            "id": p.id,
            "label": p.label.replace("\n", ""),
            "full": p.tooltip,
            "kind": p.kind,
            "type": p.type,
            "namespace": p.group if p.group not in ("", "*") else "",
            "colour": colour(p.kind),
        }
        if p.group not in ("", "*"):
            data["parent"] = f"box:{p.group}"
        elements.append({"data": data})
    for i, e in enumerate(pic.edges):
        elements.append(
            {
                "data": {
                    "id": f"e{i}",
                    "source": e.src,
                    "target": e.dst,
                    "label": e.label,
                    "all": e.all_ports,
                    "colour": ALL_PORTS_COLOUR if e.all_ports else SOME_PORTS_COLOUR,
                }
            }
        )
    return elements


def graph_html(g: nx.DiGraph) -> str:
    """The page: title, controls, the graph, the library and the script, in one file."""
    source = input_name(str(g.graph.get("source") or "cluster"))
    by = g.graph.get("granularity", "workload")
    title = f"{source}: reachability by {by}"
    data = json.dumps(graph_elements(g), sort_keys=True).replace("</", "<\\/")
    library = resources.files("reach.draw").joinpath("assets", LIBRARY).read_text("utf-8")
    return (
        PAGE.replace("__TITLE__", html.escape(title))
        .replace("__LIBRARY__", library)
        .replace("__DATA__", data)
    )


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
  html, body { height: 100%; }
  body { margin: 0; font-family: sans-serif; color: #263238; display: flex;
         flex-direction: column; }
  header { padding: 6px 10px; border-bottom: 1px solid #cfd8dc; display: flex;
           gap: 14px; align-items: center; flex-wrap: wrap; font-size: 14px; }
  h1 { font-size: 16px; margin: 0; font-weight: normal; }
  #graph { flex: 1; min-height: 0; }
  #status { color: #607d8b; }
</style>
</head>
<body>
<header>
  <h1>__TITLE__</h1>
  <label>search <input id="search" type="search" placeholder="name"></label>
  <label>namespace <select id="namespace"><option value="">all</option></select></label>
  <label>click shows <select id="mode">
    <option value="radius">blast radius (what it reaches)</option>
    <option value="exposure">exposure (what reaches it)</option>
  </select></label>
  <span id="status"></span>
</header>
<div id="graph"></div>
<script>__LIBRARY__</script>
<script>
"use strict";
const elements = __DATA__;
const cy = cytoscape({
  container: document.getElementById("graph"),
  elements: elements,
  wheelSensitivity: 0.3,
  style: [
    { selector: "node", style: {
        "background-color": "data(colour)", "label": "data(label)", "font-size": 9,
        "text-valign": "bottom", "text-margin-y": 3, "width": 18, "height": 18 } },
    { selector: "node[type = 'external']", style: { "shape": "diamond" } },
    { selector: "node[type = 'entry']", style: { "shape": "pentagon", "width": 24,
        "height": 24 } },
    { selector: "node[type = 'namespace']", style: { "shape": "square" } },
    { selector: "node[?box]", style: {
        "background-color": "#f7f9fa", "border-color": "#90a4ae", "border-width": 1,
        "shape": "round-rectangle", "text-valign": "top", "font-weight": "bold",
        "font-size": 11, "padding": 12 } },
    { selector: "edge", style: {
        "line-color": "data(colour)", "target-arrow-color": "data(colour)",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "width": 1.2,
        "opacity": 0.8 } },
    { selector: "edge[?all]", style: { "width": 2.4 } },
    { selector: ".dim", style: { "opacity": 0.15 } },
    { selector: ".found", style: { "border-width": 3, "border-color": "#212121" } },
    { selector: ".lit", style: { "border-width": 3, "border-color": "#e65100",
        "line-color": "#e65100", "target-arrow-color": "#e65100", "opacity": 1 } },
    { selector: ".start", style: { "border-width": 4, "border-color": "#212121" } },
  ],
  layout: { name: "cose", animate: false, randomize: true, nodeDimensionsIncludeLabels: true,
            nodeRepulsion: () => 1000000, idealEdgeLength: () => 90, nodeOverlap: 40,
            componentSpacing: 120, numIter: 2500, padding: 30 },
});
const status = document.getElementById("status");
const search = document.getElementById("search");
const namespace = document.getElementById("namespace");
const mode = document.getElementById("mode");
const spaces = [...new Set(cy.nodes().map(n => n.data("namespace")).filter(x => x))].sort();
for (const ns of spaces) {
  const o = document.createElement("option"); o.value = ns; o.textContent = ns;
  namespace.appendChild(o);
}
// a hop goes on from a node someone may hold (a pod), never through an outside address
const HELD = ["workload", "pod", "namespace"];
function nodes() { return cy.nodes().filter(n => !n.data("box")); }
function clear() { cy.elements().removeClass("dim found lit start"); status.textContent = ""; }
function find(text) {
  clear();
  const q = text.trim().toLowerCase();
  if (!q) return [];
  const hits = nodes().filter(n => n.data("full").toLowerCase().includes(q));
  cy.elements().not(hits).addClass("dim");
  hits.addClass("found");
  status.textContent = hits.length + " found";
  return hits.map(n => n.id());
}
function light(id, how) {
  clear();
  const start = cy.getElementById(id);
  const next = how === "radius" ? (n => n.outgoers("edge")) : (n => n.incomers("edge"));
  const seen = new Set([id]);
  let frontier = [start];
  const edges = [];
  while (frontier.length) {
    const after = [];
    for (const n of frontier) {
      next(n).forEach(e => {
        edges.push(e);
        const m = how === "radius" ? e.target() : e.source();
        if (seen.has(m.id())) return;
        seen.add(m.id());
        if (HELD.includes(m.data("type"))) after.push(m);  // hops go on from pods only
      });
    }
    frontier = after;
  }
  const lit = nodes().filter(n => seen.has(n.id()) && n.id() !== id);
  cy.elements().addClass("dim");
  start.removeClass("dim").addClass("start");
  lit.removeClass("dim").addClass("lit");
  cy.collection(edges).removeClass("dim").addClass("lit");
  cy.nodes("[?box]").removeClass("dim");
  status.textContent = (how === "radius" ? "blast radius of " : "exposure of ") +
    start.data("full") + ": " + lit.length + " nodes";
  return lit.map(n => n.id()).sort();
}
function only(ns) {
  cy.batch(() => {
    cy.elements().style("display", "element");
    if (ns) {
      nodes().filter(n => n.data("namespace") && n.data("namespace") !== ns)
        .style("display", "none");
      cy.nodes("[?box]").filter(n => n.data("label") !== ns).style("display", "none");
    }
  });
}
search.addEventListener("input", () => find(search.value));
namespace.addEventListener("change", () => only(namespace.value));
cy.on("tap", "node", ev => { if (!ev.target.data("box")) light(ev.target.id(), mode.value); });
cy.on("tap", ev => { if (ev.target === cy) clear(); });
window.reach = { cy: cy, find: find, light: light, only: only };
</script>
</body>
</html>
"""
