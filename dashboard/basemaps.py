"""The optional "borders of the time" map layer: which historical base map a period uses, its credit, and the
plotly trace that draws it.

Belongs here: the basemap years, the asset file names under assets/basemaps/, reading those files (cached,
handed out as fresh copies) and building one plain plotly trace dict from them. Does not belong here: making
the files (scripts/make_basemaps.py clips and simplifies the source polygons), the rest of the map (views/map.py)
or asset URLs (the caller turns borders_asset() into a URL with Dash). Pure: never imports dash.
Module state: lru caches of each file's text and (id, hover text) pairs, immutable values only.

The polygons are "historical-basemaps" by André Ourednik (GPL-3.0); assets/basemaps/README.md says what was done
to them and what to beware of.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from dashboard.formatting import esc
from dashboard.paths import ASSETS_DIR
from dashboard.theme import Palette, hex_to_rgba

# Years of the source snapshots, ascending: a period is drawn with the latest of these not after its end.
BASEMAP_YEARS = (1920, 1930, 1938, 1945, 1960)
# The regions with a file of their own (the presets); a fitted map ("fit") uses the smallest whose box holds it.
BASEMAP_REGIONS = ("ussr", "europe", "world")
BASEMAPS_DIR = ASSETS_DIR / "basemaps"
# What plotly.js (4.1.1) shows of each conic map region, as (lon min, lat min, lon max, lat max) in degrees: it fits
# the projection to the region's lon/lat ranges, then draws the whole rectangle around that curved shape, so the
# USSR view also shows the British Isles and the Sahara. Measured in Chromium by inverting the projection over the
# drawn frame (the same for any plot size), rounded outward, for the MAP_REGIONS values in VISIBLE_MEASURED_FOR.
# Clipping to less would draw the clip box's edges as borders that never existed. (The USSR view's frame reaches
# 181°E at 55°N; the source polygons stop at 180°, so that sliver has none.)
VISIBLE_BOXES = MappingProxyType({"ussr": (-31, 18, 180, 90), "europe": (-37, 30, 77, 72)})
VISIBLE_MEASURED_FOR = MappingProxyType({
    "ussr": {"lon": (15, 150), "lat": (30, 75), "projection": "conic equal area", "rotation_lon": 75},
    "europe": {"lon": (-12, 60), "lat": (34, 68), "projection": "conic equal area", "rotation_lon": 20},
})
# Degrees kept around the visible box, for a little panning; the world map is not clipped.
CLIP_MARGIN_DEG = 5
BASEMAP_CREDIT = "historical-basemaps, A. Ourednik (GPL-3.0)"
# Opacity of the polygons' fill: almost none (the land colour below shows through), but deliberately overlapping
# polygons (disputed territory) read a shade darker.
FILL_ALPHA = 0.03
BORDER_WIDTH = 0.8  # px


def borders_year(period_end: int | None) -> int | None:
    """The basemap year for a period ending in `period_end`: the latest basemap year not after it (the last one
    when there is no period; None when the period ends before the first)."""
    if period_end is None:
        return BASEMAP_YEARS[-1]
    earlier = [y for y in BASEMAP_YEARS if y <= period_end]
    return earlier[-1] if earlier else None


def basemap_credit(year: int) -> str:
    """The visible credit the licence asks for, naming the year drawn."""
    return f"Borders of {year}: {BASEMAP_CREDIT}"


def clip_box(region: str) -> tuple[float, float, float, float] | None:
    """(lon min, lat min, lon max, lat max) the region's basemap is clipped to, or None for the whole world."""
    if region == "world":
        return None
    lon0, lat0, lon1, lat1 = VISIBLE_BOXES[region]
    m = CLIP_MARGIN_DEG
    return (max(lon0 - m, -180), max(lat0 - m, -90), min(lon1 + m, 180), min(lat1 + m, 90))


# The map regions without a file of their own, and the file they take until the map knows its frame: the world's
# holds any fit (views/map.py then swaps in the smallest file that holds its frame, with refit_trace()).
FITTED_REGIONS = MappingProxyType({"fit": "world"})


def _check(year: int, region: str) -> str:
    """The file region for `region` (a preset's own; the world's for a fitted map), or ValueError."""
    if year not in BASEMAP_YEARS:
        raise ValueError(f"no basemap for {year!r}; years: {BASEMAP_YEARS}")
    region = FITTED_REGIONS.get(region, region)
    if region not in BASEMAP_REGIONS:
        raise ValueError(f"no basemap region {region!r}; regions: {BASEMAP_REGIONS}")
    return region


def borders_asset(year: int, region: str) -> str:
    """The file's name relative to assets/ ("basemaps/borders_1938_ussr.json"); Dash's get_asset_url makes it
    a URL."""
    region = _check(year, region)
    return f"basemaps/borders_{year}_{region}.json"


def borders_path(year: int, region: str) -> Path:
    return ASSETS_DIR / borders_asset(year, region)


@lru_cache(maxsize=None)
def _borders_text(year: int, region: str) -> str:
    region = _check(year, region)
    # The text, not the parsed dict, is cached: a str can't be mutated by a caller.
    return borders_path(year, region).read_text(encoding="utf-8")


def load_borders(year: int, region: str) -> dict:
    """The region's polygons for that year as a GeoJSON FeatureCollection: a fresh dict on every call."""
    return json.loads(_borders_text(year, region))


@lru_cache(maxsize=None)
def _features(year: int, region: str) -> tuple[tuple[str, str], ...]:
    """(feature id, hover text) per feature, in file order."""
    region = _check(year, region)
    rows = []
    for f in load_borders(year, region)["features"]:
        p = f["properties"]
        ruler = p.get("ruler")
        text = f"<b>{esc(p['name'])}</b>"
        if ruler and ruler != p["name"]:
            text += f"<br>ruled by {esc(ruler)}"
        rows.append((f["id"], text))
    return tuple(rows)


def borders_ids(year: int, region: str) -> tuple[str, ...]:
    """The feature ids of the region's file, in file order."""
    return tuple(i for i, _ in _features(year, region))


def borders_trace(year: int, region: str, palette: Palette, *, geojson: str | dict) -> dict:
    """One plotly choropleth trace (a plain dict) outlining the polities of `year` in `region`.

    `geojson` is either a URL string (the browser fetches the file once from the app's /assets/ and caches it,
    keeping figures small: pass Dash's get_asset_url(borders_asset(year, region))) or the parsed file
    (load_borders(year, region)) for server-side image export. Add it before the site and route traces: it is
    hoverable (the polity's name), and a click on it reports a point with a location but no customdata.
    """
    region = _check(year, region)
    rows = _features(year, region)
    fill = hex_to_rgba(palette.country, FILL_ALPHA)
    label = f"borders of {year}"
    return {
        "type": "choropleth",
        "name": label,
        "geojson": geojson,
        "featureidkey": "id",
        "locationmode": "geojson-id",
        "locations": [i for i, _ in rows],
        "z": [0] * len(rows),
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, fill], [1, fill]],
        "showscale": False,
        "showlegend": False,
        "marker": {"line": {"color": palette.country, "width": BORDER_WIDTH}},
        "text": [t for _, t in rows],
        # The year goes in the label itself: plotly's side box for the trace name takes the (transparent) fill.
        "hovertemplate": f"%{{text}}<br><i>{label}</i><extra></extra>",
        "hoverlabel": {"bgcolor": palette.paper, "bordercolor": palette.country, "font": {"color": palette.ink}},
    }


def refit_trace(year: int, trace: dict, region: str, palette: Palette) -> dict:
    """`trace` (a borders_trace of any region's file for `year`) redrawn from `region`'s file, keeping how its
    geojson is given: a URL (the same folder, that file's name) or the parsed file. The trace itself when it
    already uses that file."""
    region = _check(year, region)
    geojson = trace.get("geojson")
    if isinstance(geojson, str):
        for other in BASEMAP_REGIONS:
            tail = borders_asset(year, other)
            if geojson.endswith(tail):
                if other == region:
                    return trace
                return borders_trace(year, region, palette, geojson=geojson[: -len(tail)] + borders_asset(year, region))
        return trace  # a URL this module did not make: left as it is
    if isinstance(geojson, dict):
        if [f.get("id") for f in geojson.get("features", ())] == list(borders_ids(year, region)):
            return trace
    return borders_trace(year, region, palette, geojson=load_borders(year, region))
