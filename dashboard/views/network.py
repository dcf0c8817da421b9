"""Faction network view: actors as nodes (colour = movement, shape = actor type, size = ties), relations as typed
edges (allied solid, opposed dashed, violent acts red with arrows, membership thin), for dash-cytoscape.

Pure: network_positions(bundle) computes a deterministic layout once; network_elements(...) and
network_stylesheet(...) return plain lists of dicts. Never imports dash.
The period filter shows the network *as of* those years: ties dated outside the period are faded; undated ties
stay, drawn paler and marked "undated" in their data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.selection import Selection, Shown
from dashboard.theme import ACTOR_SHAPES, EDGE_STYLES, FONT_FAMILY, LIGHT, Palette

# Layout canvas in cytoscape pixels, about the panel's size so that the fitted zoom is near 1 and labels read.
CANVAS = 360.0
ASPECT = 1.7
_ITERATIONS = 400
_SEED = 7
# Nodes with at least this many ties are labelled; others show their name on selection or hover (title).
LABEL_MIN_TIES = 4
# Above this many nodes the force layout (O(n²) per iteration) is skipped for seeded movement clusters.
MAX_FORCE_NODES = 600


def network_actor_ids(bundle) -> list[str]:
    """Actors drawn in the network: those taking part in at least one relation."""
    rel = bundle.relations
    ids = set(rel["source_id"]) | set(rel["target_id"])
    return sorted(ids)


def network_positions(bundle) -> dict[str, tuple[float, float]]:
    """A deterministic force-directed layout (Fruchterman–Reingold), seeded by movement so that movements
    cluster. Computed once per bundle; positions never move when filters change."""
    ids = network_actor_ids(bundle)
    n = len(ids)
    if n == 0:
        return {}
    index = {a: i for i, a in enumerate(ids)}
    actors = bundle.actors.set_index("actor_id")
    movements = list(bundle.movements["movement_id"])
    rng = np.random.default_rng(_SEED)
    pos = np.zeros((n, 2))
    for a, i in index.items():
        mv = actors.at[a, "movement_ids"] if a in actors.index else ()
        k = movements.index(mv[0]) if mv and mv[0] in movements else len(movements)
        angle = 2 * math.pi * k / (len(movements) + 1)
        pos[i] = [math.cos(angle), math.sin(angle)]
    pos = pos * 0.6 + rng.normal(scale=0.25, size=(n, 2))
    if n > MAX_FORCE_NODES:
        # too many nodes for an O(n²) force layout at start-up: keep the seeded movement clusters
        return _to_canvas(pos, index)
    relations = bundle.relations
    edges = np.array([(index[s], index[t]) for s, t in zip(relations["source_id"], relations["target_id"])],
                     dtype=int)
    area = 4.0
    k = math.sqrt(area / n)
    temp = 0.25
    for it in range(_ITERATIONS):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta ** 2).sum(-1)) + 1e-9
        np.fill_diagonal(dist, np.inf)
        disp = ((k * k / dist ** 2)[:, :, None] * delta).sum(1)
        if len(edges):
            d = pos[edges[:, 0]] - pos[edges[:, 1]]
            dl = np.sqrt((d ** 2).sum(-1))[:, None] + 1e-9
            f = d * dl / k
            np.add.at(disp, edges[:, 0], -f)
            np.add.at(disp, edges[:, 1], f)
        disp -= pos * 0.6  # gravity keeps small unconnected parts near the main component
        length = np.sqrt((disp ** 2).sum(-1))[:, None] + 1e-9
        pos += disp / length * np.minimum(length, temp)
        temp = max(0.005, temp * 0.985)
    return _to_canvas(pos, index)


def _to_canvas(pos: np.ndarray, index: dict) -> dict[str, tuple[float, float]]:
    # pull far-flung outliers in (radius ** 0.55) so the dense core gets the room
    centre = np.median(pos, axis=0)
    rel = pos - centre
    r = np.sqrt((rel ** 2).sum(-1))[:, None] + 1e-9
    pos = rel / r * r ** 0.55
    pos -= pos.min(0)
    pos /= np.maximum(pos.max(0), 1e-9)
    # the panel is wider than tall: stretch to its usual aspect ratio
    pos = pos * [CANVAS * ASPECT, CANVAS]
    return {a: (round(float(pos[i, 0]), 1), round(float(pos[i, 1]), 1)) for a, i in index.items()}


def node_size(ties: int) -> float:
    return round(7 + 4 * math.sqrt(max(ties, 0)), 1)


@dataclass(frozen=True, eq=False)
class NetworkPrep:
    """What the network draws that does not depend on the selection, once per bundle."""

    nodes: tuple[dict, ...]  # cytoscape node data + position, in positions' order
    node_row: np.ndarray  # row of each node in the actors frame
    node_ties: np.ndarray
    node_classes: tuple[str, ...]  # actor type and movement classes
    labelled: np.ndarray  # bool: enough ties to be labelled
    edges: tuple[dict, ...]  # cytoscape edge data, in relations' order
    edge_source: np.ndarray  # node position of each relation's ends (−1 when not drawn)
    edge_target: np.ndarray
    edge_classes: tuple[str, ...]


def prepare_network(bundle, positions: dict[str, tuple[float, float]]) -> NetworkPrep:
    actors = bundle.actors
    row_of = {a: i for i, a in enumerate(actors["actor_id"])}
    node_ids = list(positions)
    node_row = np.array([row_of[a] for a in node_ids], dtype=np.int64)
    names = actors["name"].to_numpy(dtype=object)
    types = actors["actor_type"].to_numpy(dtype=object)
    ties = actors["tie_count"].to_numpy(dtype=np.int64)
    mvs = actors["movement_ids"].to_numpy(dtype=object)
    nodes, classes = [], []
    for a, i in zip(node_ids, node_row):
        mv = mvs[i]
        x, y = positions[a]
        nodes.append({"data": {"id": a, "label": names[i], "size": node_size(int(ties[i])), "type": types[i]},
                      "position": {"x": x, "y": y}})
        classes.append(f"{types[i]} {'mv-' + mv[0] if mv else 'mv-none'}")
    node_at = {a: k for k, a in enumerate(node_ids)}
    rel = bundle.relations
    undated = (rel["year_start"].isna() & rel["year_end"].isna()).to_numpy()
    edges, edge_classes = [], []
    for r, u in zip(rel.itertuples(), undated):
        # only what the browser and the slides read: years and movements are in the source panel on a click
        edges.append({"data": {"id": r.relation_id, "source": r.source_id, "target": r.target_id,
                               "relation_type": r.relation_type}})
        edge_classes.append(f"rel-{r.relation_type}" + (" undated" if u else ""))
    return NetworkPrep(
        nodes=tuple(nodes), node_row=node_row, node_ties=ties[node_row], node_classes=tuple(classes),
        labelled=ties[node_row] >= LABEL_MIN_TIES, edges=tuple(edges),
        edge_source=np.array([node_at.get(x, -1) for x in rel["source_id"]], dtype=np.int64),
        edge_target=np.array([node_at.get(x, -1) for x in rel["target_id"]], dtype=np.int64),
        edge_classes=tuple(edge_classes),
    )


def network_elements(bundle, sel: Selection, shown: Shown, related: frozenset[str],
                     positions: dict[str, tuple[float, float]], *, prep: NetworkPrep | None = None) -> list[dict]:
    """Cytoscape elements. Beyond MAX_NETWORK_NODES nodes, only the most connected of those active in the period
    are drawn (plus the selected record and its ties); network_note() says so."""
    prep = prep or prepare_network(bundle, positions)
    n = len(prep.nodes)
    if shown.masks is not None:
        full, visible = shown.masks["relations"], shown.masks["actors"]
    else:
        full = bundle.relations["relation_id"].isin(set(shown.relation_ids)).to_numpy()
        visible = bundle.actors["actor_id"].isin(set(shown.actor_ids)).to_numpy()
    src, tgt = prep.edge_source, prep.edge_target
    active = np.zeros(n, dtype=bool)
    for ends in (src[full], tgt[full]):
        active[ends[ends >= 0]] = True
    node_ids = [nd["data"]["id"] for nd in prep.nodes]
    is_related = np.array([a in related for a in node_ids], dtype=bool) if related else np.zeros(n, dtype=bool)
    keep = _kept_nodes(active, prep.node_ties, is_related)
    selecting = bool(sel.selected)
    elements = []
    for k in np.flatnonzero(keep):
        a = node_ids[k]
        classes = prep.node_classes[k]
        if prep.labelled[k] or is_related[k]:
            classes += " labelled"
        if not active[k] or (sel.movement_ids and not visible[prep.node_row[k]] and not active[k]):
            classes += " faded"
        if selecting:
            classes += " selected" if a == sel.selected else (" related" if is_related[k] else " dim")
        elements.append(prep.nodes[k] | {"classes": classes})
    drawn = keep[np.maximum(src, 0)] & keep[np.maximum(tgt, 0)] & (src >= 0) & (tgt >= 0)
    for j in np.flatnonzero(drawn):
        e = prep.edges[j]
        classes = prep.edge_classes[j]
        if not full[j]:
            classes += " faded"
        if selecting:
            rid = e["data"]["id"]
            classes += " selected" if rid == sel.selected else (" related" if rid in related else " dim")
        elements.append(e | {"classes": classes})
    return elements


# Above this many nodes, only the most connected are drawn: a denser graph is a hairball nobody can read or click.
MAX_NETWORK_NODES = 350


def _kept_nodes(active: np.ndarray, ties: np.ndarray, related: np.ndarray) -> np.ndarray:
    n = len(active)
    if n <= MAX_NETWORK_NODES:
        return np.ones(n, dtype=bool)
    keep = related.copy()
    order = np.lexsort((-ties, ~active))  # active first, then by number of ties
    room = max(MAX_NETWORK_NODES - int(keep.sum()), 0)
    keep[order[:room]] = True
    return keep


def network_note(n_nodes: int) -> str:
    """A line for the panel when the network is capped ('' when every node is drawn)."""
    if n_nodes <= MAX_NETWORK_NODES:
        return ""
    return f"the {MAX_NETWORK_NODES} most connected of {n_nodes:,} actors"


def network_stylesheet(bundle, *, present: bool = False, palette: Palette = LIGHT) -> list[dict]:
    scale = 1.3 if present else 1.0
    p = palette
    sheet = [
        {"selector": "node", "style": {
            "width": "data(size)", "height": "data(size)", "label": "", "font-size": 9 * scale,
            "min-zoomed-font-size": 6,
            "font-family": FONT_FAMILY, "color": p.ink, "text-valign": "bottom", "text-margin-y": 3,
            "text-wrap": "wrap", "text-max-width": 90, "background-color": p.no_movement, "border-width": 1,
            "border-color": p.mark_line, "text-outline-color": p.paper, "text-outline-width": 1.5,
            "text-outline-opacity": 0.85,
        }},
        {"selector": "edge", "style": {
            "curve-style": "bezier", "control-point-step-size": 7, "width": 1.2, "line-color": "#8C94A0", "target-arrow-shape": "none",
            "arrow-scale": 0.6, "opacity": 0.85,
        }},
    ]
    sheet.append({"selector": "node.labelled", "style": {"label": "data(label)"}})
    for atype, shape in ACTOR_SHAPES.items():
        sheet.append({"selector": f"node.{atype}", "style": {"shape": shape}})
    for r in bundle.movements.itertuples():
        sheet.append({"selector": f"node.mv-{r.movement_id}", "style": {"background-color": r.color}})
    for rtype, (style, color, width, arrow) in EDGE_STYLES.items():
        sheet.append({"selector": f"edge.rel-{rtype}", "style": {
            "line-style": style, "line-color": color, "width": round(width * 0.6 * scale, 2),
            "target-arrow-shape": "triangle" if arrow else "none", "target-arrow-color": color,
        }})
    sheet += [
        {"selector": "edge.undated", "style": {"opacity": 0.5}},
        {"selector": ".faded", "style": {"opacity": 0.1, "text-opacity": 0.15}},
        {"selector": ".dim", "style": {"opacity": 0.15, "text-opacity": 0.2}},
        {"selector": "node.related", "style": {"opacity": 1, "border-width": 2, "border-color": p.highlight}},
        {"selector": "edge.related", "style": {"opacity": 1, "width": 2 * scale}},
        {"selector": "node.selected", "style": {"opacity": 1, "border-width": 4, "border-color": p.highlight,
                                                "font-weight": "bold", "font-size": 11 * scale, "z-index": 10}},
        {"selector": "edge.selected", "style": {"opacity": 1, "width": 3.5 * scale, "z-index": 10}},
        {"selector": ":selected", "style": {"overlay-opacity": 0}},
    ]
    return sheet
