"""Slide export: one 16:9 canvas that places the timeline, the map and the network for a Selection, for a projector.

Belongs here: the layout of the canvas only — a headline, the views' own figures (timeline_figure, map_figure and
the network's Plotly figure, built for their box's size in presentation mode) with their axes, geo and legends moved
into their boxes, the legend model's swatches (legend.py) drawn beside them, a line stating the filters and the
selected record, and a credit line (slide_figure, a plain dict); the same as JSON for the browser to render
(slide_payload: "Download slide" runs plotly.js's toImage in the user's browser, assets/slide_download.js); and
PNG, SVG or PDF through one kaleido (headless Chromium) server per process for the command line (write_slide,
export_slides). Does not belong here: drawing or re-reading a view (views/*: a slide never re-draws a mark, a label
or a legend entry of a view, nor parses one), choosing selections (selection.py, cli.py), or Dash (never imported).

Sizes: the canvas is always laid out at 1920×1080 px (its own text sized for a projector: body ≥ 16 px, title
40 px); a larger 16:9 size is the same layout rendered at a scale (3840×2160 = scale 2), never re-laid-out tiny.
Offline: the map's topojson is read from assets/topojson (a file:// URL for kaleido, /assets/topojson/ in the
browser), MathJax is off, plotly.js is the copy inside the plotly package, and Chromium's own background requests
go to a proxy address on loopback where nothing listens (OFFLINE_PROXY).
Module state: one lock (a constant) guarding kaleido's process-wide server, started lazily on the first image.
"""

from __future__ import annotations

import inspect
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterable

from dashboard.context import borders_layer
from dashboard.filenames import export_name
from dashboard.formatting import esc
from dashboard.legend import PLOTLY_DASH, Legend, LegendGroup, legend_model
from dashboard.paths import TOPOJSON_DIR
from dashboard.selection import Selection, clean_period, related_ids, shown, summary
from dashboard.theme import FONT_FAMILY, LIGHT, MAP_REGIONS, PALETTES, Palette
from dashboard.views.map import EXPORT_RESOLUTION, citation_counts, map_figure
from dashboard.views.timeline import timeline_figure
from dashboard.views.source import source_model

TITLE = "Stalinism and the anti-Stalinist left"
FORMATS = ("png", "svg", "pdf")
# The layout's own size in px; other 16:9 sizes are rendered from it at a scale.
BASE_SIZE = (1920, 1080)
SIZES = MappingProxyType({"1920x1080": (1920, 1080), "3840x2160": (3840, 2160)})
# Type sizes in px at 1920×1080 of what the slide itself writes: readable from the back of a lecture room.
TITLE_PX = 40
HEADLINE_PX = 28
TEXT_PX = 18  # the filters and selection lines, panel titles
SMALL_PX = 16  # the smallest text the slide writes: legends, credits
SIDE_PX = 36  # left and right page margin
ROW_PX = 27  # one row of a legend strip
COL_GAP_PX = 36  # between the map and the network panels
PANEL_TITLE_PX = 32  # room for a panel's title above its frame
# The timeline's share of the height between the header and the legends (the panels below take the rest).
TIMELINE_SHARE = 0.42
# Width of the map's legend column (px), and the most rows the movement and network legend strips take.
MAP_LEGEND_PX = 290
MOVEMENT_ROWS = 3
NETWORK_LEGEND_ROWS = 4
# Approximate advance widths of DejaVu Sans (Chromium's fallback for the theme's system fonts on Linux; wider than
# most), in em, for laying out the slide's own text without a browser. Over-estimates are safe: they leave room.
_NARROW, _SEMI, _WIDE = set("il.,:;'|!·ıj"), set("frt()[]/ -\"*"), set("mwMW@%—…")
COORDS_CREDIT = "Coordinates: editor's geocoding"
# Chromium's proxy for every http(s) request: the discard port on loopback, where nothing listens, so that no
# request leaves the machine (file:// URLs, which is all a slide reads, are never proxied).
OFFLINE_PROXY = "http://127.0.0.1:9"
# A rendering never waits longer than this (s) for Chromium.
RENDER_TIMEOUT_S = 60
# One lock for kaleido's process-wide server: it is started once, and its sync calls share one queue, so two
# threads calling at once could receive each other's image.
_KALEIDO_LOCK = threading.Lock()
# Slide figures built at once per process for the browser (slide_payload): each takes a few tens of ms of CPU, and
# a thread waiting for the slot does not hold the interpreter, so other requests keep their share.
_PAYLOAD_SLOT = threading.BoundedSemaphore(1)
# A record's kind as the selected-record line names it.
_KIND_WORDS = MappingProxyType({"events": "event", "places": "site", "routes": "route", "actors": "actor",
                                "relations": "tie", "estimates": "estimate", "periods": "period"})
# Plotly's margins (px) where a figure sets none.
_PLOTLY_MARGIN = MappingProxyType({"l": 80, "r": 80, "t": 100, "b": 80})


# ---------------------------------------------------------------------------------------------------------------
# Text measurement and the canvas in px
# ---------------------------------------------------------------------------------------------------------------


def text_px(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width in px of one line of `text` (Plotly's HTML tags and entities stripped) at `size` px."""
    plain = re.sub(r"&[a-z]+;", "x", re.sub(r"<[^>]+>", "", text))
    em = 0.0
    for ch in plain:
        if ch in _NARROW:
            em += 0.31
        elif ch == "–":
            em += 0.5
        elif ch in _SEMI:
            em += 0.42
        elif ch in _WIDE:
            em += 0.98
        elif ch.isupper():
            em += 0.72
        elif ch.isdigit():
            em += 0.64
        else:
            em += 0.62
    return em * size * (1.15 if bold else 1.0)


def fit_text(text: str, size: float, width: float, *, bold: bool = False) -> str:
    """`text` cut at a word with an ellipsis so that it fits `width` px."""
    if text_px(text, size, bold=bold) <= width:
        return text
    words = text.split(" ")
    while len(words) > 1 and text_px(" ".join(words) + "…", size, bold=bold) > width:
        words.pop()
    out = " ".join(words)
    while len(out) > 1 and text_px(out + "…", size, bold=bold) > width:
        out = out[:-1]
    return out.rstrip(" ,;:·–-") + "…"


def _scale_for(size: tuple[int, int]) -> float:
    w, h = size
    if not (isinstance(w, int) and isinstance(h, int)) or w <= 0 or h <= 0:
        raise ValueError(f"slide size must be two positive integers, not {size!r}")
    if w * 9 != h * 16:
        raise ValueError(f"slide size must be 16:9 (e.g. 1920x1080 or 3840x2160), not {w}x{h}")
    return w / BASE_SIZE[0]


@dataclass(frozen=True)
class Box:
    """A rectangle on the 1920×1080 canvas, in px from the top left."""

    x: float
    y: float
    w: float
    h: float

    @property
    def size(self) -> tuple[int, int]:
        return int(round(self.w)), int(round(self.h))

    def inset(self, l: float = 0, t: float = 0, r: float = 0, b: float = 0) -> "Box":
        return Box(self.x + l, self.y + t, max(self.w - l - r, 1.0), max(self.h - t - b, 1.0))

    def px(self, fx: float, fy: float) -> tuple[float, float]:
        """Canvas paper coordinates of the point at fractions (fx, fy) of the box, fy from the bottom as in
        Plotly's paper coordinates."""
        return (self.x + fx * self.w) / BASE_SIZE[0], 1 - (self.y + (1 - fy) * self.h) / BASE_SIZE[1]

    def xdomain(self, d=(0.0, 1.0)) -> list[float]:
        return [max(0.0, self.px(d[0], 0)[0]), min(1.0, self.px(d[1], 0)[0])]

    def ydomain(self, d=(0.0, 1.0)) -> list[float]:
        return [max(0.0, self.px(0, d[0])[1]), min(1.0, self.px(0, d[1])[1])]


def _note(text: str, x: float, y: float, *, size: float = SMALL_PX, color: str, xanchor: str = "left",
          yanchor: str = "top", name: str | None = None, **extra) -> dict:
    """An annotation of the slide's own, placed in canvas px."""
    a = dict(text=text, x=x / BASE_SIZE[0], y=1 - y / BASE_SIZE[1], xref="paper", yref="paper", xanchor=xanchor,
             yanchor=yanchor, showarrow=False, align=xanchor if xanchor in ("left", "right") else "center",
             font=dict(size=size, color=color, family=FONT_FAMILY), **extra)
    if name:
        a["name"] = name
    return a


# ---------------------------------------------------------------------------------------------------------------
# Placing a view's figure in a box: its plot area (paper) inside the view's own margins, its axes renumbered
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Canvas:
    """What the slide's figure is assembled from."""

    data: list
    layout: dict
    annotations: list
    shapes: list
    next_axis: int = 1
    next_legend: int = 1


def _axis_keys(layout: dict, letter: str) -> list[str]:
    keys = [k for k, v in layout.items() if re.fullmatch(rf"{letter}axis\d*", k) and isinstance(v, dict)]
    return sorted(keys, key=lambda k: int(k[5:] or 1))


def _tick_font(ax: dict, layout: dict) -> float:
    return float((ax.get("tickfont") or {}).get("size") or (layout.get("font") or {}).get("size") or 12)


def _tick_room(fig: dict) -> tuple[float, float]:
    """(left, bottom) px that the view's automargin'd tick labels and axis titles need outside its plot area. On
    a canvas of several views automargin cannot work (it would move every subplot), so the box reserves it."""
    lay = fig["layout"]
    left = bottom = 0.0
    for key in _axis_keys(lay, "y"):
        ax = lay[key]
        if ax.get("visible") is False or ax.get("showticklabels") is False or ax.get("side") == "right":
            continue
        size = _tick_font(ax, lay)
        labels = ax.get("ticktext") or ["1M", "100k"]  # numeric ticks: Plotly's short forms
        need = max(text_px(str(t), size) for t in labels) + 10
        title = ax.get("title")
        if isinstance(title, dict) and title.get("text"):
            need += float((title.get("font") or {}).get("size") or size) * 1.6
        left = max(left, need)
    for key in _axis_keys(lay, "x"):
        ax = lay[key]
        if ax.get("visible") is False or ax.get("showticklabels") is False or ax.get("side") == "top":
            continue
        bottom = max(bottom, _tick_font(ax, lay) * 1.6 + 4)
    return left, bottom


def plot_area(fig: dict, box: Box) -> Box:
    """Where a view's paper (its plot area) lies when the whole figure fills `box`: inside its own margins, with
    room for the tick labels automargin would have made."""
    m = {**_PLOTLY_MARGIN, **(fig["layout"].get("margin") or {})}
    left, bottom = _tick_room(fig) if fig["data"] is not None else (0, 0)
    return box.inset(l=max(float(m["l"]), left), t=float(m["t"]), r=float(m["r"]), b=max(float(m["b"]), bottom))


def _renamer(fig: dict, first: int) -> Callable[[str], str]:
    """'x', 'y2', 'x2 domain' … of a view → the canvas's axis names, numbered from `first`."""
    lay = fig["layout"]
    numbers = sorted({int(k[5:] or 1) for k in _axis_keys(lay, "x") + _axis_keys(lay, "y")} | {1})
    new = {n: first + i for i, n in enumerate(numbers)}

    def rename(ref: str) -> str:
        m = re.fullmatch(r"([xy])(\d*)( domain)?", ref or "")
        if not m:
            return ref
        n = new.get(int(m.group(2) or 1), first)
        return f"{m.group(1)}{'' if n == 1 else n}{m.group(3) or ''}"

    return rename


def _moved(obj: dict, area: Box, rename: Callable[[str], str], geo: str | None = None) -> dict:
    """A shape, annotation, image or legend of a view: paper coordinates into `area`, axis references renamed."""
    obj = dict(obj)
    for axis, coords in (("x", ("x", "x0", "x1")), ("y", ("y", "y0", "y1"))):
        ref = obj.get(f"{axis}ref", "paper")
        if ref == "paper":
            for k in coords:
                v = obj.get(k)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    obj[k] = area.px(v, 0)[0] if axis == "x" else area.px(0, v)[1]
        elif isinstance(ref, str):
            obj[f"{axis}ref"] = rename(ref)
        for k in (f"a{axis}ref",):
            if isinstance(obj.get(k), str) and obj[k] not in ("pixel", "paper"):
                obj[k] = rename(obj[k])
    return obj


def _legend(fig: dict, area: Box, canvas: Canvas, rename, visible: bool) -> str | None:
    """The view's own legend as one of the canvas's legends, where the view puts it (hidden when the slide draws
    the legend model's entries for it instead); its name, or None."""
    lay = fig["layout"]
    if lay.get("showlegend") is False or not any(t.get("showlegend", True) is not False for t in fig["data"]):
        return None
    name = "legend" if canvas.next_legend == 1 else f"legend{canvas.next_legend}"
    canvas.next_legend += 1
    legend = dict(lay.get("legend") or {})
    legend.setdefault("x", 1.02)
    legend.setdefault("y", 1.0)
    legend = _moved({**legend, "xref": "paper", "yref": "paper"}, area, rename)
    canvas.layout[name] = legend if visible else {**legend, "visible": False}
    return name


def place_cartesian(fig: dict, box: Box, canvas: Canvas, *, own_legend: bool = True) -> Box:
    """Add a view's figure on x/y axes (timeline, network) to the canvas so that it fills `box` as it would fill a
    graph of that size: same traces, axes, shapes and annotations; only the domains and axis names change.
    Returns its plot area."""
    lay = fig["layout"]
    area = plot_area(fig, box)
    rename = _renamer(fig, canvas.next_axis)
    legend = _legend(fig, area, canvas, rename, own_legend)
    used = set()
    for letter in "xy":
        for key in _axis_keys(lay, letter) or [f"{letter}axis"]:
            ax = dict(lay.get(key) or {})
            d = ax.get("domain") or [0, 1]
            ax["domain"] = area.xdomain(d) if letter == "x" else area.ydomain(d)
            for ref in ("anchor", "matches", "overlaying", "scaleanchor"):
                if isinstance(ax.get(ref), str):
                    ax[ref] = rename(ax[ref])
            ax["automargin"] = False
            new = rename(f"{letter}{key[5:]}")
            used.add(int(new[1:] or 1))
            canvas.layout[f"{letter}axis{new[1:]}"] = ax
    canvas.next_axis = max(used) + 1
    for t in fig["data"]:
        t = dict(t, xaxis=rename(t.get("xaxis", "x")), yaxis=rename(t.get("yaxis", "y")))
        if legend and legend != "legend":
            t["legend"] = legend
        canvas.data.append(t)
    canvas.shapes += [_moved(s, area, rename) for s in lay.get("shapes") or ()]
    canvas.annotations += [_moved(a, area, rename) for a in lay.get("annotations") or ()]
    return area


def place_geo(fig: dict, box: Box, canvas: Canvas, *, own_legend: bool = True) -> Box:
    """Add the map's figure (one geo subplot) to the canvas so that it fills `box`: its geo in its plot area, its
    traces, annotations and legend as the view made them. Returns its plot area."""
    lay = fig["layout"]
    area = plot_area(fig, box)
    geo = dict(lay.get("geo") or {})
    d = geo.get("domain") or {}
    geo["domain"] = dict(x=area.xdomain(d.get("x", (0, 1))), y=area.ydomain(d.get("y", (0, 1))))
    canvas.layout["geo"] = geo
    legend = _legend(fig, area, canvas, lambda r: r, own_legend)
    for t in fig["data"]:
        t = dict(t, geo="geo")
        if legend and legend != "legend":
            t["legend"] = legend
        canvas.data.append(t)
    canvas.shapes += [_moved(s, area, lambda r: r) for s in lay.get("shapes") or ()]
    canvas.annotations += [_moved(a, area, lambda r: r) for a in lay.get("annotations") or ()]
    return area


# ---------------------------------------------------------------------------------------------------------------
# The legend model's swatches in rows, on hidden px axes
# ---------------------------------------------------------------------------------------------------------------

_SWATCH_PX = {"marker": 20, "line": 34, "note": 0}


@dataclass(frozen=True)
class Entry:
    """One legend entry laid out: a swatch (None for a group's title or a count), its lines of words, where."""

    swatch: object
    lines: tuple[str, ...]
    x: float
    row: int

    @property
    def muted(self) -> bool:
        return self.swatch is None and self.lines[0].startswith("+ ") or getattr(self.swatch, "kind", "") == "note"


def _icon_px(swatch) -> float:
    icon = _SWATCH_PX.get(getattr(swatch, "kind", "note"), 0)
    return icon + 6 if icon else 0


def _wrap(label: str, width: float) -> tuple[str, ...]:
    """`label` in lines of at most `width` px, broken between words (a word longer than a line stays whole)."""
    lines, cur = [], ""
    for w in label.split(" "):
        if cur and text_px(f"{cur} {w}", SMALL_PX) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return tuple(lines + [cur])


def flow_legend(groups: Iterable[LegendGroup], width: float, max_rows: int | None = None,
                gap: float = 22) -> list[Entry]:
    """The groups' entries left to right, wrapped at `width` px, each group led by its bold title (never alone at
    a row's end); an entry wider than a row is written on two or more lines (never cut). Beyond `max_rows`, the
    entries left out are counted ('+ 4 more') at the end of the last row."""
    out: list[Entry] = []
    x, row, tall = 0.0, 0, 1  # tall: rows taken by the current row's tallest entry

    def newline():
        nonlocal x, row, tall
        row, x, tall = row + tall, 0.0, 1

    for g in groups:
        if not g.swatches:
            continue
        head = text_px(g.title, SMALL_PX, bold=True)
        first = g.swatches[0]
        if x > 0 and x + head + 14 + min(_icon_px(first) + text_px(first.label, SMALL_PX), width / 2) > width:
            newline()
        out.append(Entry(None, (g.title,), x, row))
        x += head + 14
        for sw in g.swatches:
            need = _icon_px(sw) + text_px(sw.label, SMALL_PX)
            if x > 0 and x + need > width:
                newline()
            lines = (sw.label,) if need <= width - x else _wrap(sw.label, width - x - _icon_px(sw))
            out.append(Entry(sw, lines, x, row))
            tall = max(tall, len(lines))
            x += _icon_px(sw) + max(text_px(line, SMALL_PX) for line in lines) + gap
        x += gap
    if max_rows is not None and legend_rows(out) > max_rows:
        kept = [e for e in out if e.row + len(e.lines) <= max_rows]

        def count() -> str:
            return f"+ {sum(1 for e in out if e.swatch is not None and e not in kept)} more"

        def end(e: Entry) -> float:
            return e.x + _icon_px(e.swatch) + max(text_px(line, SMALL_PX) for line in e.lines) + gap

        while kept and kept[-1].row == max_rows - 1 and end(kept[-1]) + text_px(count(), SMALL_PX) > width:
            kept.pop()
        while kept and kept[-1].swatch is None:  # a title with none of its entries
            kept.pop()
        last = [e for e in kept if e.row + len(e.lines) - 1 == max_rows - 1]
        out = kept + [Entry(None, (count(),), max((end(e) for e in last), default=0.0), max_rows - 1)]
    return out


def legend_rows(placed: list[Entry]) -> int:
    return max((e.row + len(e.lines) for e in placed), default=0)


def legend_traces(placed: list[Entry], box: Box, canvas: Canvas, pal: Palette, name: str) -> None:
    """Draw laid-out legend entries in `box` on a pair of hidden axes of their own, in px."""
    if not placed:
        return
    n = canvas.next_axis
    canvas.next_axis += 1
    xa, ya = f"x{n}", f"y{n}"
    canvas.layout[f"xaxis{n}"] = dict(domain=box.xdomain(), range=[0, box.w], visible=False, fixedrange=True,
                                      anchor=ya)
    canvas.layout[f"yaxis{n}"] = dict(domain=box.ydomain(), range=[box.h, 0], visible=False, fixedrange=True,
                                      anchor=xa)
    common = dict(xaxis=xa, yaxis=ya, hoverinfo="skip", showlegend=False, cliponaxis=False)
    mk = dict(x=[], y=[], symbol=[], color=[], line=[])
    tx, ty, tt, tc = [], [], [], []
    for e in placed:
        s = e.swatch
        yc = (e.row + len(e.lines) / 2) * ROW_PX
        if s is not None and s.kind == "marker":
            mk["x"].append(e.x + 10)
            mk["y"].append(yc)
            mk["symbol"].append(s.symbol)
            mk["color"].append(s.color)
            mk["line"].append(pal.halo_line if s.key == "approximate" else pal.mark_line)
        elif s is not None and s.kind == "line":
            end = e.x + 34 - (8 if s.arrow else 0)
            canvas.data.append(dict(type="scatter", x=[e.x, end], y=[yc, yc], mode="lines", name=name, **common,
                                    line=dict(color=s.color, width=max(2.0, s.width),
                                              dash=PLOTLY_DASH.get(s.dash, "solid"))))
            if s.arrow:
                canvas.data.append(dict(type="scatter", x=[end + 3], y=[yc], mode="markers", name=name, **common,
                                        marker=dict(symbol="triangle-right", size=12, color=s.color,
                                                    line=dict(width=0))))
        tx.append(e.x + _icon_px(s))
        ty.append(yc)
        text = "<br>".join(esc(line) for line in e.lines)
        tt.append(f"<b>{text}</b>" if s is None and not e.muted else text)
        tc.append(pal.muted if e.muted else pal.ink)
    if mk["x"]:
        canvas.data.append(dict(type="scatter", mode="markers", name=name, **common, x=mk["x"], y=mk["y"],
                                marker=dict(symbol=mk["symbol"], color=mk["color"], size=15,
                                            line=dict(color=mk["line"], width=1))))
    canvas.data.append(dict(type="scatter", mode="text", name=name, **common, x=tx, y=ty, text=tt,
                            textposition="middle right", textfont=dict(size=SMALL_PX, family=FONT_FAMILY, color=tc)))


# ---------------------------------------------------------------------------------------------------------------
# The views, built for their boxes
# ---------------------------------------------------------------------------------------------------------------


def _sized(builder: Callable, size: tuple[int, int] | None) -> dict:
    """`size=` for a view builder that lays itself out for a size in px (labels placed for it), else nothing."""
    return {"size": size} if size is not None and "size" in inspect.signature(builder).parameters else {}


def _network_figure(ctx, sel: Selection, sh, rel, pal: Palette, size) -> dict:
    """The network view's own Plotly figure (views/network.py), on xaxis/yaxis."""
    from dashboard.views import network

    if hasattr(network, "network_figure") and hasattr(network, "network_model"):
        model = network.network_model(ctx.bundle, sel, sh, rel, ctx.positions, prep=ctx.network,
                                      **_sized(network.network_model, size))
        return network.network_figure(model, pal)
    return _interim_network_figure(ctx, sel, sh, rel, pal)


def _interim_network_figure(ctx, sel, sh, rel, pal: Palette) -> dict:
    """Until views/network.py draws its Plotly rendering: the cytoscape elements' nodes and ties at their
    positions, in their movement colours, nothing else."""
    from dashboard.legend import PLOTLY_NODE_SYMBOLS
    from dashboard.theme import ACTOR_SHAPES, EDGE_STYLES
    from dashboard.views.network import network_elements

    elements = network_elements(ctx.bundle, sel, sh, rel, ctx.positions, prep=ctx.network)
    colors = dict(zip(ctx.bundle.movements["movement_id"], ctx.bundle.movements["color"]))
    nodes = {el["data"]["id"]: el for el in elements if "source" not in el["data"]}
    traces = []
    for e in elements:
        d = e["data"]
        if "source" not in d or "faded" in e["classes"].split():
            continue
        s, t = nodes[d["source"]]["position"], nodes[d["target"]]["position"]
        style, color, width, _ = EDGE_STYLES[d["relation_type"]]
        traces.append(dict(type="scatter", x=[s["x"], t["x"]], y=[s["y"], t["y"]], mode="lines", hoverinfo="skip",
                           line=dict(color=color, width=width, dash=PLOTLY_DASH[style]), showlegend=False))
    strong = [n for n in nodes.values() if "faded" not in n["classes"].split()]
    mv = [next((c[3:] for c in n["classes"].split() if c.startswith("mv-")), "none") for n in strong]
    traces.append(dict(type="scatter", mode="markers+text", name="actors", showlegend=False, hoverinfo="skip",
                       x=[n["position"]["x"] for n in strong], y=[n["position"]["y"] for n in strong],
                       customdata=[n["data"]["id"] for n in strong], textposition="bottom center",
                       text=[esc(n["data"]["label"]) if "labelled" in n["classes"] else "" for n in strong],
                       textfont=dict(size=14, color=pal.ink),
                       marker=dict(color=[colors.get(m, pal.no_movement) for m in mv],
                                   size=[n["data"]["size"] for n in strong], line=dict(width=1, color=pal.mark_line),
                                   symbol=[PLOTLY_NODE_SYMBOLS[ACTOR_SHAPES[n["data"]["type"]]] for n in strong])))
    hidden = dict(visible=False, fixedrange=True)
    return {"data": traces, "layout": dict(margin=dict(l=8, r=8, t=8, b=8), showlegend=False,
                                           xaxis=dict(hidden), yaxis=dict(hidden, autorange="reversed",
                                                                          scaleanchor="x"))}


@dataclass(frozen=True)
class SlideViews:
    """The views' own figures as the slide places them, with the boxes they were built for."""

    timeline: dict
    map: dict
    network: dict
    legend: Legend
    boxes: MappingProxyType  # view → Box on the canvas


def slide_views(ctx, sel: Selection, boxes: dict[str, Box] | None = None, *, inline_assets: bool = True,
                sh=None, legend: Legend | None = None) -> SlideViews:
    """timeline_figure, map_figure and the network's figure for `sel` in presentation mode, each built for its
    box's size (when its builder lays itself out for a size), and the legend model of what they show. `sh`:
    selection.shown(bundle, sel) when the caller has it already."""
    b = ctx.bundle
    present = replace(sel, present=True)
    pal = PALETTES.get(sel.theme, LIGHT)
    sh = sh if sh is not None else shown(b, sel)
    rel = related_ids(b, sel.selected)
    size = (lambda k: boxes[k].size) if boxes else (lambda k: None)
    borders, credit = borders_layer(ctx, sel, export=inline_assets)
    tl = timeline_figure(b, present, sh, rel, present=True, year_span=ctx.year_span, palette=pal, prep=ctx.timeline,
                         **_sized(timeline_figure, size("timeline")))
    mp = map_figure(b, present, sh, rel, present=True, palette=pal, prep=ctx.map, borders=borders,
                    borders_credit=credit, resolution=EXPORT_RESOLUTION, **_sized(map_figure, size("map")))
    net = _network_figure(ctx, present, sh, rel, pal, size("network"))
    return SlideViews(timeline=tl, map=mp, network=net, legend=legend or legend_model(b, sh, pal, ctx.map),
                      boxes=MappingProxyType(dict(boxes or {})))


# ---------------------------------------------------------------------------------------------------------------
# The slide's own words
# ---------------------------------------------------------------------------------------------------------------


def _period_headline(sel: Selection, vocab) -> str:
    """The named period(s) the selection's years are (clamped like a selection), or the years themselves."""
    if not sel.has_period:
        return f"All years, {vocab.year_min}–{vocab.year_max}"
    years = f"{sel.year_start}–{sel.year_end}"
    names = []
    for _, label, s, e in sorted(vocab.periods, key=lambda p: (p[2], p[3], p[1])):
        if clean_period(s, e, vocab) == (sel.year_start, sel.year_end):
            names.append(label if re.search(r"\d{4}|present", label) else f"{label} ({years})")
    return " · ".join(dict.fromkeys(names)) if names else years


def _selected_line(ctx, sel: Selection) -> str:
    """'Selected: Leon Trotsky (actor) — “…quote…”' in plain text; '' when nothing is selected."""
    src = source_model(ctx.bundle, sel.selected) if sel.selected else None
    if src is None:
        return ""
    kind = ctx.bundle.kind_of.get(sel.selected, "")
    line = f"Selected: {src.title} ({_KIND_WORDS.get(kind, kind or 'record')})"
    if src.quote:
        line += f" — “{' '.join(str(src.quote).split())}”"
    return line


def _borders_credit(sel: Selection) -> str:
    from dashboard.basemaps import basemap_credit, borders_year
    from dashboard.views.map import MODERN_BORDERS_CREDIT

    year = borders_year(sel.year_end if sel.has_period else None) if sel.borders == "period" else None
    return basemap_credit(year) if year is not None else MODERN_BORDERS_CREDIT


def _credit_lines(ctx, sel: Selection) -> list[str]:
    """The texts' titles and licence, the borders' credit and the coordinates' source, in one or two lines."""
    parts = [str(c) for c in ctx.bundle.documents["credit"]] + [_borders_credit(sel), COORDS_CREDIT]
    width = BASE_SIZE[0] - 2 * SIDE_PX
    one = " · ".join(parts)
    if text_px(one, SMALL_PX) <= width:
        return [one]
    return [fit_text(" · ".join(parts[:-2]), SMALL_PX, width), fit_text(" · ".join(parts[-2:]), SMALL_PX, width)]


# ---------------------------------------------------------------------------------------------------------------
# The canvas
# ---------------------------------------------------------------------------------------------------------------


def slide_layout(ctx, sel: Selection, sh=None) -> tuple[dict[str, Box], list[dict], float]:
    """Where everything goes on the 1920×1080 canvas: the view boxes (timeline, map, network), the legend strips
    (movements, network) and the slide's own words. Returns (boxes, annotations, header bottom px)."""
    W, H = BASE_SIZE
    pal = PALETTES.get(sel.theme, LIGHT)
    inner = W - 2 * SIDE_PX
    notes: list[dict] = []
    y = 22.0
    notes.append(_note(f"<b>{esc(TITLE)}</b>", SIDE_PX, y, size=TITLE_PX, color=pal.ink, name="title"))
    y += TITLE_PX * 1.25
    headline = _period_headline(sel, ctx.vocab)
    if 0 < len(sel.movement_ids) <= 3:
        names = dict(zip(ctx.bundle.movements["movement_id"], ctx.bundle.movements["name"]))
        headline += " · " + ", ".join(names.get(m, m) for m in sel.movement_ids)
    notes.append(_note(esc(fit_text(headline, HEADLINE_PX, inner)), SIDE_PX, y, size=HEADLINE_PX, color=pal.ink,
                       name="headline"))
    y += HEADLINE_PX * 1.3
    filters = fit_text("Showing " + summary(ctx.bundle, sel, ctx.vocab, sh), TEXT_PX, inner)
    notes.append(_note(esc(filters), SIDE_PX, y, size=TEXT_PX, color=pal.muted, name="filters"))
    y += TEXT_PX * 1.45
    selected = _selected_line(ctx, sel)
    if selected:
        notes.append(_note(esc(fit_text(selected, TEXT_PX, inner)), SIDE_PX, y, size=TEXT_PX, color=pal.ink,
                           name="selected"))
        y += TEXT_PX * 1.45
    credits = _credit_lines(ctx, sel)
    credit_y = H - 16 - len(credits) * SMALL_PX * 1.3
    for i, line in enumerate(credits):
        notes.append(_note(esc(line), SIDE_PX, credit_y + i * SMALL_PX * 1.3, size=SMALL_PX, color=pal.muted,
                           name="credit" if i == 0 else f"credit{i + 1}"))
    return {"header": Box(SIDE_PX, 0, inner, y), "credits": Box(SIDE_PX, credit_y, inner, H - credit_y)}, notes, y


def _boxes(header_bottom: float, bottom: float, movement_rows: int, network_rows: int) -> dict[str, Box]:
    """The view boxes and legend strips between the header and the credits: the movements' strip at the bottom,
    the timeline across the top, the map (with its legend column on the right) and the network (with its legend
    rows below) side by side."""
    W = BASE_SIZE[0]
    inner = W - 2 * SIDE_PX
    col_w = (inner - COL_GAP_PX) / 2
    mv_h = movement_rows * ROW_PX
    movements = Box(SIDE_PX, bottom - 8 - mv_h, inner, mv_h)
    panels_bottom = movements.y - (10 if mv_h else 0)
    tl_h = round((panels_bottom - header_bottom) * TIMELINE_SHARE)
    timeline = Box(SIDE_PX, header_bottom + 4, inner, tl_h)
    panels_top = timeline.y + tl_h + 8 + PANEL_TITLE_PX
    panel_h = panels_bottom - panels_top
    map_panel = Box(SIDE_PX, panels_top, col_w, panel_h)
    net_panel = Box(SIDE_PX + col_w + COL_GAP_PX, panels_top, col_w, panel_h)
    leg_h = network_rows * ROW_PX
    return {"timeline": timeline, "movements": movements,
            "map_panel": map_panel, "map": map_panel.inset(4, 4, MAP_LEGEND_PX + 8, 4),
            "map_legend": Box(map_panel.x + map_panel.w - MAP_LEGEND_PX - 4, map_panel.y + 8, MAP_LEGEND_PX,
                              panel_h - 16),
            "network_panel": net_panel, "network": net_panel.inset(4, 4, 4, 4 + (leg_h + 6 if leg_h else 0)),
            "network_legend": Box(net_panel.x + 8, net_panel.y + net_panel.h - 4 - leg_h, net_panel.w - 16, leg_h)}


def slide_figure(ctx, sel: Selection, *, size: tuple[int, int] = BASE_SIZE, inline_assets: bool = True) -> dict:
    """One 16:9 canvas as a plain Plotly figure dict: the headline, the timeline across the top, the map and the
    network side by side below it (the views' own figures, built for their boxes), the legend model's entries
    beside them (movements along the bottom, the map's peoples and sites in a column at its right, the network's
    shapes and ties below it), the filters and the selected record, credits. Laid out at 1920×1080 px; `size`
    only sets the scale it is rendered at (layout.meta). `inline_assets=False` leaves the historical borders as an
    /assets/ URL for a browser to fetch (kaleido on the server gets them inlined)."""
    scale = _scale_for(size)
    pal = PALETTES.get(sel.theme, LIGHT)
    W, H = BASE_SIZE
    sh = shown(ctx.bundle, sel)
    fixed, notes, header_bottom = slide_layout(ctx, sel, sh)
    inner = W - 2 * SIDE_PX
    col_w = (inner - COL_GAP_PX) / 2
    legend = legend_model(ctx.bundle, sh, pal, ctx.map)
    mv_placed = flow_legend([legend.movements], inner, max_rows=MOVEMENT_ROWS)
    net_placed = flow_legend([legend.actors, legend.ties], col_w - 16, max_rows=NETWORK_LEGEND_ROWS)
    boxes = _boxes(header_bottom, fixed["credits"].y, legend_rows(mv_placed), legend_rows(net_placed))
    map_placed = flow_legend([legend.routes, legend.sites], MAP_LEGEND_PX,
                             max_rows=int(boxes["map_legend"].h // ROW_PX))
    views = slide_views(ctx, sel, boxes, inline_assets=inline_assets, sh=sh, legend=legend)

    canvas = Canvas(data=[], layout={}, annotations=[], shapes=[])
    place_cartesian(views.timeline, boxes["timeline"], canvas)
    place_geo(views.map, boxes["map"], canvas, own_legend=False)  # the legend model's column stands beside it
    place_cartesian(views.network, boxes["network"], canvas, own_legend=False)
    legend_traces(mv_placed, boxes["movements"], canvas, pal, "movement legend")
    legend_traces(map_placed, boxes["map_legend"], canvas, pal, "map legend")
    legend_traces(net_placed, boxes["network_legend"], canvas, pal, "network legend")

    titles = (("map_panel", "Deportations and sites"), ("network_panel", "Factions and ties"))
    period = f"{sel.year_start}–{sel.year_end}" if sel.has_period else ""
    subtitles = {"map_panel": "modern borders" if sel.borders != "period" else "borders of the time",
                 "network_panel": f"as of {period}" if period else "all years"}
    for key, title in titles:
        box = boxes[key]
        notes.append(_note(f"<b>{title}</b>  <span style='color:{pal.muted}'>{esc(subtitles[key])}</span>", box.x,
                           box.y - PANEL_TITLE_PX + 4, size=TEXT_PX, color=pal.ink, name=f"{key}_title"))
        x0, y1 = box.px(0, 1)
        x1, y0 = box.px(1, 0)
        canvas.shapes.append(dict(type="rect", xref="paper", yref="paper", x0=x0, x1=x1, y0=y0, y1=y1,
                                  line=dict(color=pal.grid, width=1.5), fillcolor="rgba(0,0,0,0)", layer="below"))
    layout = dict(
        template="none", width=W, height=H, autosize=False, margin=dict(l=0, r=0, t=0, b=0, pad=0),
        paper_bgcolor=pal.paper, plot_bgcolor="rgba(0,0,0,0)", hovermode=False,
        font=dict(family=FONT_FAMILY, size=SMALL_PX, color=pal.ink),
        **canvas.layout, shapes=canvas.shapes, annotations=canvas.annotations + notes,
        meta=dict(slide_size=[int(size[0]), int(size[1])], slide_scale=scale),
    )
    return {"data": canvas.data, "layout": layout}


def slide_payload(ctx, sel: Selection, size: tuple[int, int], topojson_url: str) -> dict:
    """What the browser needs to render and download the slide itself (assets/slide_download.js): the figure
    (its config pointing plotly.js at the app's own topojson), the image's size and scale, and its file name.
    Built by one thread of a process at a time (_PAYLOAD_SLOT): a burst of slide requests waits its turn instead of
    taking the CPU from every other user's request."""
    with _PAYLOAD_SLOT:
        fig = slide_figure(ctx, sel, size=size, inline_assets=False)
    fig["config"] = {"topojsonURL": topojson_url, "displaylogo": False, "mathjax": None}
    return {"figure": fig, "width": BASE_SIZE[0], "height": BASE_SIZE[1], "scale": _scale_for(size),
            "filename": export_name("slide", sel, "png")}


# ---------------------------------------------------------------------------------------------------------------
# Images on the server (the command line): one kaleido server per process
# ---------------------------------------------------------------------------------------------------------------
def topojson_url() -> str:
    """The local topojson folder as the file:// URL plotly.js reads `{url}{scope}_{resolution}m.json` from."""
    return TOPOJSON_DIR.resolve().as_uri() + "/"


def _start_kaleido() -> None:
    """Start kaleido's process-wide server unless it runs (call with _KALEIDO_LOCK held). Offline by
    construction: MathJax is off (its default is a CDN script; the slides use no LaTeX), plotly.js is the copy in
    the plotly package, the topojson a file:// URL, and Chromium's own background services (update checks,
    sign-in, the search engine's preconnect) are sent to OFFLINE_PROXY, where nothing listens."""
    import kaleido

    kaleido.start_sync_server(mathjax=False, timeout=RENDER_TIMEOUT_S, proxy_server=OFFLINE_PROXY,
                              silence_warnings=True)


def _image(fig, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    import kaleido

    d = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else fig
    layout = d.get("layout", {})
    meta = layout.get("meta") or {}
    scale = float(meta.get("slide_scale") or 1.0) if isinstance(meta, dict) else 1.0
    opts = dict(format=fmt, width=layout.get("width", BASE_SIZE[0]), height=layout.get("height", BASE_SIZE[1]),
                scale=scale)
    with _KALEIDO_LOCK:
        _start_kaleido()
        return kaleido.calc_fig_sync(d, opts=opts, topojson=topojson_url())


def write_slide(fig, path, fmt: str | None = None) -> Path:
    """Write one slide figure to `path` as png, svg or pdf (the format defaults to the path's suffix)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "png").lower()
    data = _image(fig, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def slide_bytes(ctx, sel: Selection, *, size: tuple[int, int] = BASE_SIZE, fmt: str = "png") -> bytes:
    """The slide for `sel` as image bytes (for a download). Thread-safe: renders are serialised per process."""
    return _image(slide_figure(ctx, sel, size=size), fmt)


def export_slides(ctx, selections: Iterable[Selection], out_dir, *, size: tuple[int, int] = BASE_SIZE,
                  fmt: str = "png", progress: Callable[[int, int, Path], None] | None = None) -> list[Path]:
    """One slide per selection in `out_dir`, named by filenames.export_name ('slide_1936-1938_trotskyism.png'),
    with one kaleido server for the whole batch. `progress(i, n, path)` is called after each file."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    _scale_for(size)
    selections = list(selections)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for i, sel in enumerate(selections, start=1):
        name = export_name("slide", sel, fmt)
        stem, k = name[: -len(fmt) - 1], 2
        while name in used:  # two selections with the same file name: keep both
            name, k = f"{stem}_{k}.{fmt}", k + 1
        used.add(name)
        path = write_slide(slide_figure(ctx, sel, size=size), out / name, fmt)
        written.append(path)
        if progress is not None:
            progress(i, len(selections), path)
    return written


# ---------------------------------------------------------------------------------------------------------------
# Batches: which slides a command line asks for
# ---------------------------------------------------------------------------------------------------------------

_PERIOD_ARG = re.compile(r"^\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*$")


def parse_period(text: str, vocab) -> tuple[int, int]:
    """'1936-1938', '1936' or a named period's id ('per_great_turn') → (start, end) within the texts' years;
    ValueError with a message a person can act on otherwise."""
    text = (text or "").strip()
    for pid, label, s, e in vocab.periods:
        if text == pid:
            start, end = clean_period(s, e, vocab)
            return (start, end) if start is not None else (vocab.year_min, vocab.year_max)
    m = _PERIOD_ARG.match(text)
    if not m:
        raise ValueError(f"--period {text!r}: expected YEAR, YEAR-YEAR (e.g. 1936-1938) or a named period's id")
    start, end = int(m.group(1)), int(m.group(2) or m.group(1))
    if end < start:
        raise ValueError(f"--period {text!r}: the end year comes before the start year")
    if end < vocab.year_min or start > vocab.year_max:
        raise ValueError(f"--period {text!r}: outside the texts' years {vocab.year_min}–{vocab.year_max}")
    return max(start, vocab.year_min), min(end, vocab.year_max)


def slide_selections(ctx, *, period: str | None = None, movement_ids: Iterable[str] = (), selected: str | None = None,
                     theme: str = "light", region: str = "auto", borders: str = "modern") -> list[Selection]:
    """The selections of a batch: the one `period`, or else one per named period of the texts (in time order),
    each with the same movements, selected record, theme and borders. `region` 'auto' picks, per slide, the
    first map region that holds every site shown. Unknown ids raise ValueError naming the valid ones."""
    vocab = ctx.vocab
    movement_ids = tuple(m.strip() for m in movement_ids if m.strip())
    unknown = [m for m in movement_ids if m not in vocab.movement_ids]
    if unknown:
        raise ValueError(f"--movement: unknown movement id(s) {', '.join(unknown)}; "
                         f"valid: {', '.join(sorted(vocab.movement_ids))}")
    if selected is not None and selected not in vocab.record_ids:
        raise ValueError(f"--select {selected!r}: no record has this id")
    if theme not in PALETTES:
        raise ValueError(f"--theme {theme!r}: expected one of {', '.join(PALETTES)}")
    if region != "auto" and region not in MAP_REGIONS:
        raise ValueError(f"--region {region!r}: expected auto or one of {', '.join(MAP_REGIONS)}")
    if period is not None:
        spans = [parse_period(period, vocab)]
    else:
        spans = [(s, e) for _, _, s, e in sorted(vocab.periods, key=lambda p: (p[2], p[3], p[1]))]
    from dashboard.selection import make_selection

    out = []
    for s, e in spans:
        sel = make_selection(vocab, year_start=s, year_end=e, movement_ids=movement_ids, selected=selected,
                             theme=theme, region="ussr" if region == "auto" else region, borders=borders)
        out.append(fit_region(ctx.bundle, sel) if region == "auto" else sel)
    return out


def outside_view(bundle, sel: Selection, region: str | None = None) -> list[str]:
    """Names of the sites the selection shows that lie outside the map region's frame, most cited first."""
    spec = MAP_REGIONS[region or sel.region]
    (lon0, lon1), (lat0, lat1) = spec["lon"], spec["lat"]
    places = bundle.places
    sites = places[places["place_id"].isin(set(shown(bundle, sel).place_ids))]
    out = sites[~(sites["lon"].between(lon0, lon1) & sites["lat"].between(lat0, lat1))]
    counts = citation_counts(bundle)
    return [r.name for r in sorted(out.itertuples(), key=lambda r: (-counts.get(r.place_id, 0), r.name))]


def fit_region(bundle, sel: Selection) -> Selection:
    """The selection with the first map region (USSR, Europe, world) whose frame holds every site it shows; the
    selection as it is when it shows no site."""
    for region in MAP_REGIONS:
        if not outside_view(bundle, sel, region):
            return replace(sel, region=region) if region != sel.region else sel
    return sel
