"""Faction network view: actors as nodes (colour = movement, shape = actor type, size = ties), relations as typed
edges (allied solid, opposed dashed, violent acts red with arrows, membership thin), for dash-cytoscape.

Pure: network_positions(bundle) computes a deterministic layout once; network_elements(...) and
network_stylesheet(...) return plain lists of dicts. Never imports dash.
The period filter shows the network *as of* those years: ties dated outside the period are faded; undated ties
stay, drawn paler and marked "undated" in their data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dashboard.formatting import years_label
from dashboard.selection import Selection, Shown
from dashboard.theme import ACTOR_SHAPES, EDGE_STYLES, FONT_FAMILY, HIGHLIGHT, INK, NO_MOVEMENT

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


def network_elements(bundle, sel: Selection, shown: Shown, related: frozenset[str],
                     positions: dict[str, tuple[float, float]]) -> list[dict]:
    actors = bundle.actors.set_index("actor_id")
    rel = bundle.relations
    full = set(shown.relation_ids)
    faded = set(shown.faded_relation_ids)
    visible_actors = set(shown.actor_ids)
    active_nodes = set()
    for r in rel[rel["relation_id"].isin(full)].itertuples():
        active_nodes.update((r.source_id, r.target_id))
    selecting = bool(sel.selected)
    elements = []
    for a, (x, y) in positions.items():
        row = actors.loc[a]
        mv = row["movement_ids"]
        classes = [row["actor_type"], f"mv-{mv[0]}" if mv else "mv-none"]
        if int(row["tie_count"]) >= LABEL_MIN_TIES or a in related:
            classes.append("labelled")
        if a not in active_nodes or (sel.movement_ids and a not in visible_actors and a not in active_nodes):
            classes.append("faded")
        if selecting:
            classes.append("selected" if a == sel.selected else ("related" if a in related else "dim"))
        elements.append({
            "data": {"id": a, "label": row["name"], "size": node_size(int(row["tie_count"])),
                     "type": row["actor_type"], "movements": ", ".join(mv)},
            "position": {"x": x, "y": y},
            "classes": " ".join(classes),
        })
    for r in rel.itertuples():
        undated = pd.isna(r.year_start) and pd.isna(r.year_end)
        classes = [f"rel-{r.relation_type}"]
        if r.relation_id not in full:
            classes.append("faded")
        if undated:
            classes.append("undated")
        if selecting:
            classes.append("selected" if r.relation_id == sel.selected else ("related" if r.relation_id in related
                                                                              else "dim"))
        elements.append({
            "data": {"id": r.relation_id, "source": r.source_id, "target": r.target_id,
                     "relation_type": r.relation_type, "years": years_label(r.year_start, r.year_end),
                     "undated": bool(undated)},
            "classes": " ".join(classes),
        })
    return elements


def network_stylesheet(bundle, *, present: bool = False) -> list[dict]:
    scale = 1.3 if present else 1.0
    sheet = [
        {"selector": "node", "style": {
            "width": "data(size)", "height": "data(size)", "label": "", "font-size": 9 * scale,
            "min-zoomed-font-size": 6,
            "font-family": FONT_FAMILY, "color": INK, "text-valign": "bottom", "text-margin-y": 3,
            "text-wrap": "wrap", "text-max-width": 90, "background-color": NO_MOVEMENT, "border-width": 1,
            "border-color": "#FFFFFF", "text-outline-color": "#FFFFFF", "text-outline-width": 1.5,
            "text-outline-opacity": 0.85,
        }},
        {"selector": "edge", "style": {
            "curve-style": "bezier", "control-point-step-size": 7, "width": 1.2, "line-color": "#9AA4AF", "target-arrow-shape": "none",
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
        {"selector": "node.related", "style": {"opacity": 1, "border-width": 2, "border-color": HIGHLIGHT}},
        {"selector": "edge.related", "style": {"opacity": 1, "width": 2 * scale}},
        {"selector": "node.selected", "style": {"opacity": 1, "border-width": 4, "border-color": HIGHLIGHT,
                                                "font-weight": "bold", "font-size": 11 * scale, "z-index": 10}},
        {"selector": "edge.selected", "style": {"opacity": 1, "width": 3.5 * scale, "z-index": 10}},
        {"selector": ":selected", "style": {"overlay-opacity": 0}},
    ]
    return sheet
