"""Make the "borders of the time" map files: assets/basemaps/borders_{year}_{region}.json, plus its LICENSE.

Usage: python scripts/make_basemaps.py SOURCE_DIR
  SOURCE_DIR holds world_{1920,1930,1938,1945,1960}.geojson and LICENSE from "historical-basemaps" by André
  Ourednik (github.com/aourednik/historical-basemaps; the committed files come from its snapshot of 2024-09-12).

Per year and map region (dashboard.theme.MAP_REGIONS): polygons without a name are dropped, those sharing a name
and a ruler merged; what remains is clipped to dashboard.basemaps.clip_box(region) (all that plotly.js shows of the
region, plus a margin; the world is not clipped), simplified as one coverage (shapely.coverage_simplify: neighbours
keep one shared border, with no slivers or overlaps between them, which a polygon-by-polygon simplify would leave),
snapped to a 0.01° grid, rid of islets, wound clockwise (d3-geo, hence plotly.js, fills the other side of the globe
otherwise) and written one feature per line, sorted by id. Deterministic: the same sources give byte-identical files.

Build-time only: the dashboard reads the output through dashboard.basemaps and never imports this.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import unicodedata
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box, mapping, shape
from shapely.geometry.polygon import orient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.basemaps import BASEMAP_REGIONS, BASEMAP_YEARS, BASEMAPS_DIR, borders_path, clip_box  # noqa: E402

# Simplification tolerance in degrees (about the square root of the area of the triangles removed), by region:
# about half a pixel at the width the dashboard draws each region (world 360°, USSR 135°, Europe 72° of longitude).
TOLERANCE_DEG = {"world": 0.15, "ussr": 0.06, "europe": 0.03}
# Coordinates are snapped to this grid, in degrees (0.01° ≈ 1 km: far below a pixel at these scales).
GRID_DEG = 0.01
# Polygon parts smaller than this many squared tolerances are dropped (islets that would be a dot), except a
# polity's largest part.
MIN_AREA_TOLERANCES = 4
SOURCE_CRS84 = "urn:ogc:def:crs:OGC:1.3:CRS84"


def slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_") or "x"


def read_source(path: Path) -> list[dict]:
    """Named polities of one source file: name, ruler, precision and geometry; same name and ruler merged."""
    data = json.loads(path.read_text(encoding="utf-8"))
    crs = (data.get("crs") or {}).get("properties", {}).get("name", SOURCE_CRS84)
    if crs != SOURCE_CRS84:
        raise ValueError(f"{path}: expected WGS 84 longitude/latitude, got {crs}")
    merged: dict[tuple[str, str], dict] = {}
    for f in data["features"]:
        p = f["properties"]
        name = (p.get("NAME") or "").strip()
        if not name or not f.get("geometry"):
            continue  # unnamed islets, Antarctica, a few gaps: nothing to show on hover
        ruler = (p.get("SUBJECTO") or "").strip() or name
        geom = shape(f["geometry"])
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        key = (name, ruler)
        precision = p.get("BORDERPRECISION")
        if key in merged:
            row = merged[key]
            row["geoms"].append(geom)
            # The merged polygon is only as precise as its least precise part.
            if precision is not None:
                row["precision"] = min(x for x in (row["precision"], precision) if x is not None)
        else:
            merged[key] = {"name": name, "ruler": ruler, "precision": precision, "geoms": [geom]}
    rows = []
    for row in merged.values():
        geom = polygonal(shapely.union_all(row.pop("geoms")))
        if not geom.is_empty:
            rows.append({**row, "geom": geom})
    return rows


def polygonal(geom) -> MultiPolygon:
    """The polygon parts of any geometry (clipping and snapping can leave lines and points), as a MultiPolygon."""
    out: list[Polygon] = []
    for g in shapely.get_parts(geom):  # one level: a collection may hold MultiPolygons
        if isinstance(g, Polygon):
            if not g.is_empty:
                out.append(g)
        elif isinstance(g, (MultiPolygon, shapely.GeometryCollection)):
            out.extend(polygonal(g).geoms)
    return MultiPolygon(out) if out else MultiPolygon()


def with_ids(rows: list[dict]) -> list[dict]:
    """A stable, readable id per polity (slug of the name; of the name and ruler where names repeat)."""
    names = [r["name"] for r in rows]
    taken: set[str] = set()
    out = []
    for r in sorted(rows, key=lambda r: (r["name"], r["ruler"])):
        base = slug(r["name"]) if names.count(r["name"]) == 1 else f"{slug(r['name'])}__{slug(r['ruler'])}"
        fid, n = base, 2
        while fid in taken:
            fid, n = f"{base}_{n}", n + 1
        taken.add(fid)
        out.append({**r, "id": fid})
    return out


def region_features(rows: list[dict], region: str) -> list[dict]:
    """Clip, simplify (as a coverage), snap and clean one region's polygons; GeoJSON features sorted by id."""
    bounds = clip_box(region)
    tol = TOLERANCE_DEG[region]
    clipped = []
    for r in rows:
        g = r["geom"]
        if bounds is not None:
            if not g.intersects(box(*bounds)):
                continue
            g = polygonal(shapely.clip_by_rect(g, *bounds))
            if g.is_empty:
                continue
        clipped.append((r, g))
    simplified = shapely.coverage_simplify(np.array([g for _, g in clipped], dtype=object), tol)
    features = []
    for (r, _), g in zip(clipped, simplified):
        g = shapely.set_precision(shapely.make_valid(g), GRID_DEG)
        parts = sorted(shapely.get_parts(polygonal(g)), key=lambda p: -p.area)
        if not parts or parts[0].area == 0:
            continue  # a sliver along the clip box or a neighbour
        # A small polity keeps its largest part, so that it is still there to hover.
        parts = [orient(p, sign=-1.0) for i, p in enumerate(parts)
                 if i == 0 or p.area >= MIN_AREA_TOLERANCES * tol * tol]
        props = {"name": r["name"]}
        if r["ruler"] != r["name"]:
            props["ruler"] = r["ruler"]
        if r["precision"] is not None:
            props["precision"] = int(r["precision"])
        geom = mapping(MultiPolygon(parts) if len(parts) > 1 else parts[0])
        features.append({"type": "Feature", "id": r["id"], "properties": props,
                         "geometry": {"type": geom["type"], "coordinates": rounded(geom["coordinates"])}})
    return sorted(features, key=lambda f: f["id"])


def rounded(coords):
    if isinstance(coords[0], (int, float)):
        return [round(float(c), 2) + 0.0 for c in coords]  # + 0.0 turns -0.0 into 0.0
    return [rounded(c) for c in coords]


def write(path: Path, year: int, region: str, features: list[dict]) -> None:
    head = {"type": "FeatureCollection", "year": year, "region": region,
            "source": "historical-basemaps by André Ourednik, snapshot 2024-09-12, GPL-3.0 (see LICENSE, README.md)"}
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"features":[\n'
    text += ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit(__doc__)
    source = Path(argv[0])
    BASEMAPS_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "LICENSE", BASEMAPS_DIR / "LICENSE")
    for year in BASEMAP_YEARS:
        rows = with_ids(read_source(source / f"world_{year}.geojson"))
        for region in BASEMAP_REGIONS:
            path = borders_path(year, region)
            features = region_features(rows, region)
            write(path, year, region, features)
            print(f"{path.relative_to(BASEMAPS_DIR.parent.parent)}: {len(features)} polities, "
                  f"{path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main(sys.argv[1:])
