"""Where plotly.js draws a lon/lat point of a geo subplot, in pixels: its projections and its fitting, reproduced.

Belongs here: the raw projections behind the map's projection types (d3-geo's conicEqualArea and naturalEarth1,
and equirectangular), and the way plotly.js (4.1, src/plots/geo/geo.js updateProjection) fits a view into its
subplot: the lon/lat range box (a polygon whose edges are great-circle arcs) is fitted into the domain with d3's
fitExtent, the visible frame is the rectangle around that fitted shape, and the map is then centred so that
`geo.center` lands in the middle of the frame. Does not belong here: what a map shows or where its labels go
(views/map.py). Pure numpy; never imports dash.

Checked against Chromium: tests/browser compare these pixels with the drawn subplot's own projection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RAD = math.pi / 180
# plotly.js pulls the range box in by this many degrees on every side (constants.clipPad).
CLIP_PAD = 1e-3
# plotly.js's default standard parallels of a conic projection, degrees.
DEFAULT_PARALLELS = (0.0, 60.0)
# Points per edge of the range box when taking its projected bounds (d3 resamples the arcs adaptively to 0.1 px at
# scale 150; 96 points per edge put the bounds within 0.01 px of that for the spans a map uses).
EDGE_SAMPLES = 96
PROJECTIONS = ("conic equal area", "natural earth", "equirectangular")


def _wrap(lam: np.ndarray) -> np.ndarray:
    """d3's rotation wraps a longitude (radians) once into [-π, π]."""
    return np.where(lam > math.pi, lam - 2 * math.pi, np.where(lam < -math.pi, lam + 2 * math.pi, lam))


def raw_projection(kind: str, parallels: tuple[float, float] | None = None):
    """The unit projection (λ, φ in radians → x, y with y up) d3-geo uses for a plotly projection type."""
    if kind == "natural earth":
        def natural_earth(lam, phi):
            p2 = phi * phi
            p4 = p2 * p2
            return (lam * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4))),
                    phi * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4))))
        return natural_earth
    if kind == "equirectangular":
        return lambda lam, phi: (lam, phi)
    if kind == "conic equal area":
        y0, y1 = ((parallels or DEFAULT_PARALLELS)[0] * RAD, (parallels or DEFAULT_PARALLELS)[1] * RAD)
        sy0 = math.sin(y0)
        n = (sy0 + math.sin(y1)) / 2
        if abs(n) < 1e-6:  # parallels symmetric about the equator: d3 falls back to cylindrical equal area
            cos0 = math.cos(y0)
            return lambda lam, phi: (lam * cos0, np.sin(phi) / cos0)
        c = 1 + sy0 * (2 * n - sy0)
        r0 = math.sqrt(c) / n

        def conic(lam, phi):
            r = np.sqrt(np.maximum(c - 2 * n * np.sin(phi), 0)) / n
            return r * np.sin(lam * n), r0 - r * np.cos(lam * n)
        return conic
    raise ValueError(f"no projection {kind!r}; known: {PROJECTIONS}")


@dataclass(frozen=True)
class GeoView:
    """What a plotly geo subplot is asked to show: its `layout()` is the geo layout's projection and axes."""

    projection: str
    rotation_lon: float
    lon: tuple[float, float]
    lat: tuple[float, float]
    # geo.center.lat; None leaves plotly's default (the middle of the lat range)
    center_lat: float | None = None
    # standard parallels of a conic projection; None leaves plotly's default (DEFAULT_PARALLELS)
    parallels: tuple[float, float] | None = None

    def layout(self) -> dict:
        proj: dict = {"type": self.projection, "rotation": {"lon": round(self.rotation_lon, 4)}}
        if self.parallels is not None:
            proj["parallels"] = [round(self.parallels[0], 4), round(self.parallels[1], 4)]
        out = {"projection": proj, "lonaxis": {"range": [round(v, 4) for v in self.lon]},
               "lataxis": {"range": [round(v, 4) for v in self.lat]}}
        if self.center_lat is not None:
            out["center"] = {"lon": round(self.rotation_lon, 4), "lat": round(self.center_lat, 4)}
        return out

    @property
    def rounded(self) -> "GeoView":
        """The view as plotly receives it (layout() rounds to 4 decimals)."""
        r = lambda v: round(v, 4)  # noqa: E731
        return GeoView(self.projection, r(self.rotation_lon), (r(self.lon[0]), r(self.lon[1])),
                       (r(self.lat[0]), r(self.lat[1])), None if self.center_lat is None else r(self.center_lat),
                       None if self.parallels is None else (r(self.parallels[0]), r(self.parallels[1])))


def _unwrapped_lon(lon: tuple[float, float]) -> tuple[float, float]:
    lon0, lon1 = lon[0] + CLIP_PAD, lon[1] - CLIP_PAD
    if lon0 > 0 and lon1 < 0:  # a range across the antimeridian, as plotly reads it
        lon1 += 360
    return lon0, lon1


def _great_circle(a: tuple[float, float], b: tuple[float, float], n: int) -> tuple[np.ndarray, np.ndarray]:
    """n points (lon, lat in degrees) along the great-circle arc from a to b, as d3 draws a polygon's edge."""
    def vec(p):
        lo, la = p[0] * RAD, p[1] * RAD
        return np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])
    va, vb = vec(a), vec(b)
    omega = math.acos(float(np.clip(va @ vb, -1, 1)))
    t = np.linspace(0, 1, n)
    if omega < 1e-12:
        pts = np.outer(1 - t, va) + np.outer(t, vb)
    else:
        pts = (np.outer(np.sin((1 - t) * omega), va) + np.outer(np.sin(t * omega), vb)) / math.sin(omega)
    lon = np.arctan2(pts[:, 1], pts[:, 0]) / RAD
    # keep the longitudes continuous from a (the caller rotates and wraps them)
    lon = a[0] + (((lon - a[0]) + 180) % 360 - 180)
    lat = np.arcsin(np.clip(pts[:, 2], -1, 1)) / RAD
    return lon, lat


def _great_circles(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """_great_circle for every edge a[i] → b[i] at once (arrays of (lon, lat) rows), the edges' points one after
    another."""
    def vec(p):
        lo, la = p[:, 0] * RAD, p[:, 1] * RAD
        return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=1)
    va, vb = vec(a), vec(b)
    omega = np.arccos(np.clip((va * vb).sum(1), -1, 1))[:, None, None]
    t = np.linspace(0, 1, n)[None, :, None]
    small = omega < 1e-12
    safe = np.where(small, 1.0, omega)
    slerp = (np.sin((1 - t) * safe) * va[:, None, :] + np.sin(t * safe) * vb[:, None, :]) / np.sin(safe)
    lerp = (1 - t) * va[:, None, :] + t * vb[:, None, :]
    pts = np.where(small, lerp, slerp)
    lon = np.arctan2(pts[..., 1], pts[..., 0]) / RAD
    lon = a[:, :1] + (((lon - a[:, :1]) + 180) % 360 - 180)
    lat = np.arcsin(np.clip(pts[..., 2], -1, 1)) / RAD
    return lon.ravel(), lat.ravel()


def range_box(lon: tuple[float, float], lat: tuple[float, float]) -> list[tuple[float, float]]:
    """The vertices of plotly's range polygon (makeRangeBox): the box pulled in by CLIP_PAD, top and bottom edges
    in four arcs each."""
    lon0, lon1 = _unwrapped_lon(lon)
    lat0, lat1 = lat[0] + CLIP_PAD, lat[1] - CLIP_PAD
    q = (lon1 - lon0) / 4
    return [(lon0, lat0), (lon0, lat1), (lon0 + q, lat1), (lon0 + 2 * q, lat1), (lon0 + 3 * q, lat1), (lon1, lat1),
            (lon1, lat0), (lon1 - q, lat0), (lon1 - 2 * q, lat0), (lon1 - 3 * q, lat0), (lon0, lat0)]


@dataclass(frozen=True)
class Fitted:
    """A GeoView fitted into a figure of `size` px with `margin` (l, r, t, b) px: where each lon/lat is drawn."""

    view: GeoView
    size: tuple[float, float]
    scale: float  # px per unit of the raw projection
    middle: tuple[float, float]  # px where geo.center lands: the middle of the subplot's extent
    center_raw: tuple[float, float]  # the raw projection of geo.center (rotated)
    frame: tuple[float, float, float, float]  # (x0, y0, x1, y1) px: the rectangle plotly draws and clips to

    def project(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Pixel x, y (from the figure's top left) of lon/lat in degrees."""
        f = raw_projection(self.view.projection, self.view.parallels)
        lam = _wrap((np.asarray(lon, dtype=float) - self.view.rotation_lon) * RAD)
        x, y = f(lam, np.asarray(lat, dtype=float) * RAD)
        return (self.middle[0] + self.scale * (np.asarray(x) - self.center_raw[0]),
                self.middle[1] - self.scale * (np.asarray(y) - self.center_raw[1]))

    def inside(self, x, y, pad: float = 0.0) -> np.ndarray:
        x0, y0, x1, y1 = self.frame
        x, y = np.asarray(x), np.asarray(y)
        return (x >= x0 + pad) & (x <= x1 - pad) & (y >= y0 + pad) & (y <= y1 - pad)

    def visible_box(self, step: float = 1.0) -> tuple[float, float, float, float]:
        """(lon min, lat min, lon max, lat max) of the grid points (every `step` degrees) drawn inside the frame,
        widened by a step: what of the globe the map shows."""
        lo, la = np.meshgrid(np.arange(-180, 180 + step / 2, step), np.arange(-90, 90 + step / 2, step))
        x, y = self.project(lo.ravel(), la.ravel())
        ok = self.inside(x, y)
        if not ok.any():
            return (-180.0, -90.0, 180.0, 90.0)
        lo, la = lo.ravel()[ok], la.ravel()[ok]
        return (max(float(lo.min()) - step, -180), max(float(la.min()) - step, -90),
                min(float(lo.max()) + step, 180), min(float(la.max()) + step, 90))


def raw_bounds(view: GeoView) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the range polygon in the raw projection, rotated, y down (as d3 takes bounds)."""
    f = raw_projection(view.projection, view.parallels)
    verts = np.array(range_box(view.lon, view.lat), dtype=float)
    lon, lat = _great_circles(verts[:-1], verts[1:], EDGE_SAMPLES)
    lon = lon - view.rotation_lon
    if lon.min() < -180 or lon.max() > 180:
        # the box reaches across the rotated antimeridian: d3 cuts it there, adding the cut to its outline
        cut = np.linspace(lat.min(), lat.max(), EDGE_SAMPLES * 2)
        eps = 1e-6
        lon = np.concatenate([lon, np.full_like(cut, 180 - eps), np.full_like(cut, -180 + eps)])
        lat = np.concatenate([lat, cut, cut])
    x, y = f(_wrap(lon * RAD), lat * RAD)
    return float(np.min(x)), float(np.min(-y)), float(np.max(x)), float(np.max(-y))


def center_for_middle(view: GeoView) -> float:
    """The geo.center latitude that puts the range polygon in the middle of the frame (plotly's default, the middle
    latitude, leaves a conic map's box off centre, partly cut at one edge): the latitude on the central meridian
    whose raw y is the middle of the polygon's y bounds."""
    f = raw_projection(view.projection, view.parallels)
    _, y0, _, y1 = raw_bounds(view)
    target = -(y0 + y1) / 2  # y up
    lo, hi = -89.9, 89.9
    y_lo = float(f(np.array(0.0), np.array(lo * RAD))[1])
    rising = float(f(np.array(0.0), np.array(hi * RAD))[1]) > y_lo
    for _ in range(80):
        mid = (lo + hi) / 2
        y = float(f(np.array(0.0), np.array(mid * RAD))[1])
        if (y < target) == rising:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def fit(view: GeoView, size: tuple[float, float], margin: tuple[float, float, float, float]) -> Fitted:
    """Where plotly draws `view` in a figure of `size` (width, height) px with `margin` (l, r, t, b) px, the geo
    domain being the whole plot area."""
    view = view.rounded
    w, h = size
    ml, mr, mt, mb = margin
    ex0, ey0, ex1, ey1 = ml, mt, w - mr, h - mb
    f = raw_projection(view.projection, view.parallels)
    center_lat = view.center_lat if view.center_lat is not None else (view.lat[0] + view.lat[1]) / 2
    # geo.center.lon defaults to the rotation's longitude: the centre sits on the central meridian
    cx, cy = f(np.array(0.0), np.array(center_lat * RAD))
    bx0, by0, bx1, by1 = raw_bounds(view)
    k = min((ex1 - ex0) / (bx1 - bx0), (ey1 - ey0) / (by1 - by0))
    mx, my = (ex0 + ex1) / 2, (ey0 + ey1) / 2
    half_w, half_h = k * (bx1 - bx0) / 2, k * (by1 - by0) / 2
    return Fitted(view=view, size=(w, h), scale=k, middle=(mx, my), center_raw=(float(cx), float(cy)),
                  frame=(mx - half_w, my - half_h, mx + half_w, my + half_h))
