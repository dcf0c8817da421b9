"""The "borders of the time" layer: its files (present, small, clipped, licensed) and the pure helpers that pick,
credit, load and draw them. No browser."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dashboard.basemaps import (BASEMAP_CREDIT, BASEMAP_REGIONS, BASEMAP_YEARS, BASEMAPS_DIR, CLIP_MARGIN_DEG,
                                VISIBLE_BOXES, VISIBLE_MEASURED_FOR, basemap_credit, borders_asset, borders_ids,
                                borders_path, borders_trace, borders_year, clip_box, load_borders)
from dashboard.paths import REPO
from dashboard.theme import DARK, LIGHT, MAP_REGIONS

# The size budget of one file the browser fetches, in bytes.
MAX_FILE_BYTES = 300 * 1024
FILES = [(y, r) for y in BASEMAP_YEARS for r in BASEMAP_REGIONS]


def _coords(geometry):
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for poly in polys:
        for ring in poly:
            yield from ring


@pytest.mark.parametrize("year,region", FILES)
def test_basemap_file_is_small_valid_and_clipped(year, region):
    path = borders_path(year, region)
    assert path.is_file(), f"missing {path}: run scripts/make_basemaps.py"
    assert path.stat().st_size <= MAX_FILE_BYTES
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    assert len(features) >= 20
    ids = [f["id"] for f in features]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == len(ids)
    # Names repeat only where the source overlaps two rulers on purpose (Qatar in 1938): name and ruler are unique.
    keys = [(f["properties"]["name"], f["properties"].get("ruler")) for f in features]
    assert len(set(keys)) == len(keys)
    box = clip_box(region) or (-180, -90, 180, 90)
    for f in features:
        props = f["properties"]
        assert isinstance(props["name"], str) and props["name"].strip()
        assert set(props) <= {"name", "ruler", "precision"}
        assert props.get("ruler") != props["name"]
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        points = list(_coords(f["geometry"]))
        assert len(points) >= 4, f["id"]
        for lon, lat in points:
            assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3], (f["id"], lon, lat)
            assert round(lon, 2) == lon and round(lat, 2) == lat


def test_basemap_files_show_the_ussr_and_its_neighbours():
    names = {f["properties"]["name"] for f in load_borders(1938, "ussr")["features"]}
    assert {"USSR", "Poland", "Estonia", "Latvia", "Lithuania", "Finland", "Mongolia"} <= names
    assert "USSR" in {f["properties"]["name"] for f in load_borders(1960, "europe")["features"]}


def test_clip_box_covers_what_the_map_shows():
    # The visible boxes were measured for these region settings; if MAP_REGIONS changes, measure again.
    for region, measured in VISIBLE_MEASURED_FOR.items():
        assert {k: MAP_REGIONS[region][k] for k in measured} == measured, region
    assert set(VISIBLE_BOXES) | {"world"} == set(BASEMAP_REGIONS)
    assert clip_box("world") is None
    for region, box in VISIBLE_BOXES.items():
        spec = MAP_REGIONS[region]
        lon0, lat0, lon1, lat1 = clip_box(region)
        assert lon0 <= spec["lon"][0] - CLIP_MARGIN_DEG and lon1 >= min(spec["lon"][1] + CLIP_MARGIN_DEG, 180)
        assert lat0 <= spec["lat"][0] - CLIP_MARGIN_DEG and lat1 >= spec["lat"][1] + CLIP_MARGIN_DEG
        assert lon0 <= box[0] and lat0 <= box[1] and lon1 >= min(box[2], 180) and lat1 >= box[3]


@pytest.mark.parametrize("end,year", [(1919, None), (1920, 1920), (1929, 1920), (1930, 1930), (1937, 1930),
                                      (1938, 1938), (1944, 1938), (1945, 1945), (1953, 1945), (1960, 1960),
                                      (2000, 1960), (None, 1960), (1500, None)])
def test_borders_year_is_latest_not_after_period_end(end, year):
    assert borders_year(end) == year


def test_basemap_licence_and_credit():
    licence = (BASEMAPS_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in licence and "Version 3, 29 June 2007" in licence
    readme = (BASEMAPS_DIR / "README.md").read_text(encoding="utf-8")
    assert "GPL-3.0" in readme and "Ourednik" in readme and "2024-09-12" in readme
    assert "GPL-3.0" in BASEMAP_CREDIT and "Ourednik" in BASEMAP_CREDIT
    assert basemap_credit(1938) == "Borders of 1938: historical-basemaps, A. Ourednik (GPL-3.0)"


def test_borders_asset_names():
    assert borders_asset(1938, "ussr") == "basemaps/borders_1938_ussr.json"
    with pytest.raises(ValueError):
        borders_asset(1939, "ussr")
    with pytest.raises(ValueError):
        borders_asset(1938, "asia")


def test_load_borders_returns_independent_copies():
    a = load_borders(1938, "ussr")
    a["features"][0]["properties"]["name"] = "changed"
    a["features"].clear()
    b = load_borders(1938, "ussr")
    assert b["features"] and b["features"][0]["properties"]["name"] != "changed"
    assert b is not load_borders(1938, "ussr")


@pytest.mark.parametrize("mode", ["url", "inline"])
def test_borders_trace_is_a_plain_choropleth_of_the_file(mode):
    year, region = 1938, "ussr"
    geojson = "/assets/" + borders_asset(year, region) if mode == "url" else load_borders(year, region)
    tr = borders_trace(year, region, LIGHT, geojson=geojson)
    assert type(tr) is dict and tr["type"] == "choropleth"
    assert tr["geojson"] == geojson
    assert tr["featureidkey"] == "id" and tr["locationmode"] == "geojson-id"
    file_ids = [f["id"] for f in load_borders(year, region)["features"]]
    assert tr["locations"] == file_ids == list(borders_ids(year, region))
    assert len(tr["z"]) == len(file_ids) and len(set(tr["z"])) == 1
    assert tr["showscale"] is False and tr["showlegend"] is False
    assert tr["marker"]["line"]["color"] == LIGHT.country
    assert "borders of 1938" in tr["name"] and "borders of 1938" in tr["hovertemplate"]
    assert "customdata" not in tr  # a click on a polygon selects no record
    assert "<b>Poland</b>" in tr["text"][file_ids.index("poland")]
    uk_qatar = file_ids.index("qatar__united_kingdom_of_great_britain_and_ireland")
    assert "ruled by United Kingdom" in tr["text"][uk_qatar]
    # Plotly accepts it as it is.
    go = pytest.importorskip("plotly.graph_objects")
    go.Figure(data=[tr])


def test_borders_trace_follows_the_palette_and_is_fresh():
    a = borders_trace(1945, "europe", DARK, geojson="u")
    assert a["marker"]["line"]["color"] == DARK.country
    a["locations"].clear()
    assert borders_trace(1945, "europe", DARK, geojson="u")["locations"]


def test_basemaps_module_never_imports_dash():
    code = "import sys, dashboard.basemaps; sys.exit('dash' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0
