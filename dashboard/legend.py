"""The legend model: what the colours, shapes and lines on screen stand for, listing only what is on screen.

Belongs here: legend_model(bundle, shown, palette, map_prep) → the groups of swatches (movements whose colour the
views draw; the map's deported peoples and site symbols; the network's actor shapes and tie kinds) as plain data,
for every renderer: the page and the slide (dashboard/slides.py draws every group as Plotly marks beside its view, with
canvas.legend_traces). Does not belong here: drawing (no dash,
no plotly), or choosing what is shown (selection.shown).
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from dashboard.selection import Shown, shown_mask
from dashboard.theme import (ACTOR_SHAPES, EDGE_STYLES, LIGHT, PLACE_SYMBOLS, PLACE_TYPE_LABELS, RELATION_LABELS,
                             Palette, hex_to_rgba)
from dashboard.views.network import PLOTLY_SYMBOLS

NO_MOVEMENT_LABEL = "no movement"


@dataclass(frozen=True)
class Swatch:
    """One legend entry: a marker (symbol, fill) or a line (dash, width, arrow), and its words."""

    label: str
    color: str
    kind: str = "marker"  # "marker" | "line" | "note" (words only)
    symbol: str = "circle"  # a Plotly marker symbol; for HTML, `shape` below
    shape: str = ""  # the cytoscape shape (actors), for the page's legend
    dash: str = "solid"  # cytoscape line style: solid | dashed | dotted
    width: float = 2.0
    arrow: bool = False
    key: str = ""  # what it stands for: a movement id, an actor type, the relation types joined by '+'


@dataclass(frozen=True)
class LegendGroup:
    key: str  # "movements" | "actors" | "ties"
    title: str
    swatches: tuple[Swatch, ...]


@dataclass(frozen=True)
class Legend:
    movements: LegendGroup
    routes: LegendGroup
    sites: LegendGroup
    actors: LegendGroup
    ties: LegendGroup

    @property
    def groups(self) -> tuple[LegendGroup, ...]:
        return tuple(g for g in (self.movements, self.routes, self.sites, self.actors, self.ties) if g.swatches)


def _routes(bundle, sh: Shown, palette: Palette, map_prep) -> list[Swatch]:
    """One line per people deported on the shown routes, in the colour the map gives them (views/map.py's
    ROUTE_PALETTES by map_prep.route_color_index), in order of their first deportation; then how to read them."""
    from dashboard.views.map import ROUTE_PALETTES

    rows = np.flatnonzero(shown_mask(bundle, sh, "routes"))
    if not len(rows) or map_prep is None:
        return []
    routes = bundle.routes
    start = bundle.index.routes.start[rows]  # the routes' first years, as the filters read them
    order = rows[np.lexsort((routes["route_id"].to_numpy(dtype=object)[rows], start))]
    colors = ROUTE_PALETTES.get(palette.name, ROUTE_PALETTES["light"])
    people = routes["people"].to_numpy(dtype=object)
    out: dict[str, Swatch] = {}
    for i in order:
        if people[i] not in out:
            out[people[i]] = Swatch(people[i], colors[map_prep.route_color_index[i]], kind="line", width=3,
                                    arrow=True, key=people[i])
    notes = [Swatch("width = people deported", palette.muted, kind="note")]
    if routes["origin_implied"].to_numpy(dtype=bool)[rows].any():
        notes.append(Swatch("dashed = homeland implied", palette.muted, kind="note"))
    return list(out.values()) + notes


def _sites(bundle, sh: Shown, palette: Palette) -> list[Swatch]:
    """Site symbols of the shown places' types (types sharing a symbol in one entry), and the halo of places that
    stand for a region or country."""
    mask = shown_mask(bundle, sh, "places")
    places = bundle.places
    types = set(places["place_type"].to_numpy(dtype=object)[mask])
    by_symbol: dict[str, list[str]] = {}
    for t in [t for t in PLACE_SYMBOLS if t in types] + sorted(types - set(PLACE_SYMBOLS)):
        by_symbol.setdefault(PLACE_SYMBOLS.get(t, "circle"), []).append(t)
    out = [Swatch(" / ".join(PLACE_TYPE_LABELS.get(t, t) for t in kinds), palette.muted, symbol=symbol,
                  key="+".join(kinds)) for symbol, kinds in by_symbol.items()]
    if places["approximate"].to_numpy(dtype=bool)[mask].any():
        out.append(Swatch("approximate (region, country)", hex_to_rgba(palette.no_movement, 0.25), key="approximate"))
    return out


def legend_model(bundle, sh: Shown, palette: Palette = LIGHT, map_prep=None, network_prep=None) -> Legend:
    """The legend of what `sh` (selection.shown) puts on screen: a swatch per movement family (the colour the
    views give its movements) of a shown event or of an actor the network shows (in the movements frame's order,
    'no movement' last, in the palette's grey);
    the peoples of the shown routes in their map colours (with `map_prep`, views/map.prepare_map) and the symbols
    of the shown sites; the shapes of the strongly drawn actors' types, and the tie kinds drawn at full strength
    (kinds sharing a line style and colour in one entry, as the network draws them alike). With `network_prep`
    (views/network.prepare_network), only actors the network has a place for count (an actor without a tie is
    never drawn)."""
    actors = bundle.actors
    active = shown_mask(bundle, sh, "actors").copy()
    if network_prep is not None:
        placed = np.zeros(len(active), dtype=bool)
        placed[network_prep.node_row] = True
        active &= placed
    used: set[str] = set()
    none = False
    for ids in bundle.events["movement_ids"].to_numpy(dtype=object)[shown_mask(bundle, sh, "events")]:
        used.update(ids)
        none |= not len(ids)
    for ids in actors["movement_ids"].to_numpy(dtype=object)[active]:
        if len(ids):
            used.add(ids[0])  # a node takes its first movement's colour
        else:
            none = True
    mv = bundle.movements
    family = dict(zip(mv["movement_id"], mv["family_id"] if "family_id" in mv else mv["movement_id"]))
    families = {family.get(m, m) for m in used}
    movements = [Swatch(name, color, key=m) for m, name, color in
                 mv[["movement_id", "name", "color"]].itertuples(index=False) if m in families]
    if none:
        movements.append(Swatch(NO_MOVEMENT_LABEL, palette.no_movement, key=""))

    types = set(actors["actor_type"].to_numpy(dtype=object)[active])
    shapes = [Swatch(t, palette.no_movement, symbol=PLOTLY_SYMBOLS.get(shape, "circle"), shape=shape, key=t)
              for t, shape in ACTOR_SHAPES.items() if t in types]

    rel_types = set(bundle.relations["relation_type"].to_numpy(dtype=object)[shown_mask(bundle, sh, "relations")])
    by_style: dict[tuple[str, str], list[str]] = {}
    for rt, (style, color, _, _) in EDGE_STYLES.items():
        if rt in rel_types:
            by_style.setdefault((style, color), []).append(rt)
    ties = [Swatch(" / ".join(RELATION_LABELS[t] for t in kinds), color, kind="line", dash=style,
                   width=max(EDGE_STYLES[t][2] for t in kinds), arrow=any(EDGE_STYLES[t][3] for t in kinds),
                   key="+".join(kinds))
            for (style, color), kinds in by_style.items()]
    return Legend(movements=LegendGroup("movements", "Movements", tuple(movements)),
                  routes=LegendGroup("routes", "Deportations", tuple(_routes(bundle, sh, palette, map_prep))),
                  sites=LegendGroup("sites", "Sites", tuple(_sites(bundle, sh, palette))),
                  actors=LegendGroup("actors", "Actors", tuple(shapes)),
                  ties=LegendGroup("ties", "Ties", tuple(ties)))
