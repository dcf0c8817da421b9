"""Slide export: one 16:9 image that composes the timeline, the map and the network for a Selection, for a projector.

Belongs here: composing what render() gives the three views into one Plotly canvas with a headline, compact
legends, a line stating the filters and the selected record, and a credit line (slide_figure); turning that canvas
into PNG, SVG or PDF with one kaleido (headless Chromium) server per process (slide_bytes, write_slide,
export_slides). Does not belong here: drawing a view (views/*: the slide reuses their traces, and redraws the
cytoscape network as Plotly traces from the same positions and classes), choosing selections (selection.py, cli.py),
or Dash (never imported).

Sizes: the canvas is always laid out at 1920×1080 px (text sized for a projector: body ≥ 16 px, title 40 px); a
larger 16:9 size is the same layout rendered at a scale (3840×2160 = scale 2), never re-laid-out tiny.
Offline: the map's topojson is read from assets/topojson through a file:// URL, MathJax is off, plotly.js is the
copy inside the plotly package, the figure holds no http(s) URL, and Chromium's own background requests go to a
proxy address on loopback where nothing listens (OFFLINE_PROXY).
Module state: one lock (a constant) guarding kaleido's process-wide server, started lazily on the first image.
"""

from __future__ import annotations

import copy
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterable

import plotly.graph_objects as go

from dashboard.context import render
from dashboard.filenames import export_name
from dashboard.formatting import esc
from dashboard.paths import TOPOJSON_DIR
from dashboard.selection import Selection, clean_period, shown
from dashboard.theme import (ACTOR_SHAPES, DIM_OPACITY, EDGE_STYLES, FONT_FAMILY, LIGHT, MAP_REGIONS, PALETTES,
                             PLACE_SYMBOLS, PLACE_TYPE_LABELS, RELATION_LABELS, Palette, hex_to_rgba)

TITLE = "Stalinism and the anti-Stalinist left"
FORMATS = ("png", "svg", "pdf")
# The layout's own size in px; other 16:9 sizes are rendered from it at a scale.
BASE_SIZE = (1920, 1080)
SIZES = MappingProxyType({"1920x1080": (1920, 1080), "3840x2160": (3840, 2160)})
# Type sizes in px at 1920×1080: readable from the back of a lecture room.
TITLE_PX = 40
HEADLINE_PX = 28
TEXT_PX = 18  # the filters and selection lines, panel titles
SMALL_PX = 16  # the smallest text on the slide: ticks, labels, legends, credits
SIDE_PX = 36  # left and right page margin
ROW_PX = 27  # one row of a legend strip
COLUMN_ROW_PX = 24  # one row of a legend column (inside a panel, where height is scarce)
# Approximate advance widths of DejaVu Sans (Chromium's fallback for the theme's system fonts on Linux; wider than
# most), in em, for laying out legends and labels without a browser. Over-estimates are safe: they only leave room.
_NARROW, _SEMI, _WIDE = set("il.,:;'|!·ıj"), set("frt()[]/ -\"*"), set("mwMW@%—…")
# Network node labels: how many at most, their wrap width in characters, and how wide a mark must be (px) for
# labels to keep clear of it (smaller marks show through a label's halo).
MAX_NODE_LABELS = 14
NODE_LABEL_CHARS = 22
BIG_NODE_PX = 18
# Natural Earth scale of a world map on a 1920 px slide: 1:110m is made for world maps this size; 1:50m (the
# view's) takes three times as long to render, for coastline detail a projector does not show.
WORLD_RESOLUTION = 110
# When the map shows at most this many sites, the slide names them all (where the labels do not clash).
LABEL_ALL_SITES = 12
# Padding around a map label (px) when checking that labels do not clash.
MAP_LABEL_PAD_PX = 6
# Cytoscape node shapes (theme.ACTOR_SHAPES) → Plotly marker symbols.
NODE_SYMBOLS = MappingProxyType({"ellipse": "circle", "diamond": "diamond", "round-rectangle": "square",
                                 "hexagon": "hexagon", "round-triangle": "triangle-up", "tag": "pentagon"})
# Cytoscape line styles (theme.EDGE_STYLES) → Plotly dashes.
PLOTLY_DASH = MappingProxyType({"solid": "solid", "dashed": "dash", "dotted": "dot"})
# Opacities of the network's classes, as network_stylesheet() gives them (faint marks a little stronger: a
# projector washes out what a screen shows).
NODE_FADED_OPACITY = 0.14
EDGE_OPACITY = 0.85
EDGE_UNDATED_OPACITY = 0.5
EDGE_FADED_OPACITY = 0.1
COORDS_CREDIT = "Coordinates: editor's geocoding"
# Chromium's proxy for every http(s) request: the discard port on loopback, where nothing listens, so that no
# request leaves the machine (file:// URLs, which is all a slide reads, are never proxied).
OFFLINE_PROXY = "http://127.0.0.1:9"
# A rendering never waits longer than this (s) for Chromium.
RENDER_TIMEOUT_S = 60
# One lock for kaleido's process-wide server: it is started once, and its sync calls share one queue, so two
# threads calling at once could receive each other's image.
_KALEIDO_LOCK = threading.Lock()
# A record's kind as the selected-record line names it.
_KIND_WORDS = MappingProxyType({"events": "event", "places": "site", "routes": "route", "actors": "actor",
                                "relations": "tie", "estimates": "estimate", "periods": "period"})


# ---------------------------------------------------------------------------------------------------------------
# Text measurement and small helpers
# ---------------------------------------------------------------------------------------------------------------


def text_px(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width in px of one line of `text` (HTML tags and entities stripped) at `size` px."""
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


def _wrap_label(text: str, chars: int = NODE_LABEL_CHARS) -> list[str]:
    """At most two lines of about `chars` characters, the second cut with an ellipsis."""
    lines, cur = [], ""
    for w in text.split(" "):
        if cur and len(cur) + 1 + len(w) > chars:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    if len(lines[-1]) > chars + 2:
        lines[-1] = lines[-1][: chars].rstrip() + "…"
    return lines


def _as_dict(fig) -> dict:
    """A deep copy of a figure given as a plotly Figure or as a plain dict: never the caller's objects."""
    d = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else copy.deepcopy(fig)
    return {"data": [dict(t) for t in d.get("data", [])], "layout": dict(d.get("layout", {}))}


def _field(obj, name: str, default=None):
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


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

    def xdomain(self) -> list[float]:
        return [max(0.0, self.x / BASE_SIZE[0]), min(1.0, (self.x + self.w) / BASE_SIZE[0])]

    def ydomain(self) -> list[float]:
        return [max(0.0, 1 - (self.y + self.h) / BASE_SIZE[1]), min(1.0, 1 - self.y / BASE_SIZE[1])]


def _px_x(x: float) -> float:
    return x / BASE_SIZE[0]


def _px_y(y: float) -> float:
    return 1 - y / BASE_SIZE[1]


def _note(text: str, x: float, y: float, *, size: float = SMALL_PX, color: str, xanchor: str = "left",
          yanchor: str = "top", name: str | None = None, **extra) -> dict:
    """An annotation placed in canvas px."""
    a = dict(text=text, x=_px_x(x), y=_px_y(y), xref="paper", yref="paper", xanchor=xanchor, yanchor=yanchor,
             showarrow=False, align=xanchor if xanchor in ("left", "right") else "center",
             font=dict(size=size, color=color, family=FONT_FAMILY), **extra)
    if name:
        a["name"] = name
    return a


# ---------------------------------------------------------------------------------------------------------------
# Font sizes: every text of the views at least SMALL_PX
# ---------------------------------------------------------------------------------------------------------------


def _at_least(font, size: float = SMALL_PX) -> dict:
    font = dict(font or {})
    s = font.get("size")
    if isinstance(s, (list, tuple)):
        font["size"] = [max(float(v or 0), size) for v in s]
    else:
        font["size"] = max(float(s or 0), size)
    return font


def _bump_trace_fonts(t: dict) -> None:
    if "textfont" in t or "text" in t or "texttemplate" in t:
        t["textfont"] = _at_least(t.get("textfont"))


def _bump_axis(ax: dict, ink: str) -> dict:
    ax = dict(ax)
    ax["tickfont"] = _at_least(ax.get("tickfont"))
    ax["tickfont"].setdefault("color", ink)
    title = ax.get("title")
    if isinstance(title, dict) and title.get("text"):
        ax["title"] = dict(title, font=_at_least(title.get("font")))
    ax["automargin"] = False
    return ax


# ---------------------------------------------------------------------------------------------------------------
# Legends: entries laid out in rows (strips) or one per row (columns), drawn on hidden px axes
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LegendItem:
    label: str
    kind: str = "marker"  # "marker" | "line" | "heading" | "note"
    symbol: str = "circle"
    color: str = ""
    line_color: str = ""
    line_width: float = 1.0
    size: float = 15
    dash: str = "solid"
    width: float = 2.5
    arrow: bool = False

    @property
    def icon_px(self) -> float:
        return 0 if self.kind in ("heading", "note") else (34 if self.kind == "line" else 20)

    @property
    def px(self) -> float:
        gap = 6 if self.icon_px else 0
        return self.icon_px + gap + text_px(self.label, SMALL_PX, bold=self.kind == "heading")


Placed = tuple  # (item, x px, row, label): one legend entry laid out


def _flow(items: list[_LegendItem], width: float, gap: float = 22) -> list[Placed]:
    """Items left to right, wrapped at `width`; a heading never ends a row."""
    out, x, row = [], 0.0, 0
    for i, it in enumerate(items):
        need = it.px
        if it.kind == "heading" and i + 1 < len(items):
            need += 14 + items[i + 1].px
        if x > 0 and x + need > width:
            row, x = row + 1, 0.0
        out.append((it, x, row, it.label))
        x += it.px + (14 if it.kind == "heading" else gap)
    return out


def _column(items: list[_LegendItem], width: float, max_rows: int) -> list[Placed]:
    """One entry per row under its heading, in two sub-columns when one is too long; what still does not fit is
    summed up as '+ N more'. Labels are cut to the column's width."""
    out: list[Placed] = []
    row = 0
    groups: list[tuple[_LegendItem | None, list[_LegendItem]]] = []
    for it in items:
        if it.kind == "heading" or not groups:
            groups.append((it if it.kind == "heading" else None, []))
            if it.kind == "heading":
                continue
        groups[-1][1].append(it)
    for gi, (head, entries) in enumerate(groups):
        # notes closing the last group are dropped first when rows run short
        while gi == len(groups) - 1 and entries and entries[-1].kind == "note" and row + 1 + len(entries) > max_rows:
            entries = entries[:-1]
        if head is not None:
            out.append((head, 0.0, row, head.label))
            row += 1
        left = max_rows - row
        if left <= 0:
            break
        n = len(entries)
        cols = 1 if n <= left or width < 2 * 150 else 2
        per_col = min(math.ceil(n / cols), left)
        cap = per_col * cols
        kept = entries if n <= cap else entries[: cap - 1]
        col_w = width / cols
        for k, it in enumerate(kept):
            c, r = divmod(k, per_col)
            room = col_w - 12 - (it.icon_px + 6 if it.icon_px else 0)
            out.append((it, c * col_w, row + r, fit_text(it.label, SMALL_PX, room)))
        if len(kept) < n:
            c, r = divmod(len(kept), per_col)
            out.append((_LegendItem("", kind="note"), c * col_w, row + r, f"+ {n - len(kept)} more"))
        row += per_col
    return out


def _rows(placed: list[Placed]) -> int:
    return (max(r for _, _, r, _ in placed) + 1) if placed else 0


def _legend_traces(placed: list[Placed], box: Box, axis: int, pal: Palette,
                   row_px: float = ROW_PX) -> tuple[list[dict], dict]:
    """Traces drawing laid-out legend entries in `box`, on their own hidden axes (numbered `axis`), in px."""
    xa, ya = f"x{axis}", f"y{axis}"
    layout = {
        f"xaxis{axis}": dict(domain=box.xdomain(), range=[0, box.w], visible=False, fixedrange=True, anchor=ya),
        f"yaxis{axis}": dict(domain=box.ydomain(), range=[box.h, 0], visible=False, fixedrange=True, anchor=xa),
    }
    traces: list[dict] = []
    mk = dict(x=[], y=[], symbol=[], color=[], size=[], lcolor=[], lwidth=[])
    tx, ty, tt, tc = [], [], [], []
    for it, x, row, label in placed:
        yc = row * row_px + row_px / 2
        if it.kind == "marker":
            mk["x"].append(x + it.icon_px / 2)
            mk["y"].append(yc)
            mk["symbol"].append(it.symbol)
            mk["color"].append(it.color or pal.muted)
            mk["size"].append(it.size)
            mk["lcolor"].append(it.line_color or it.color or pal.muted)
            mk["lwidth"].append(it.line_width)
        elif it.kind == "line":
            end = x + it.icon_px - (8 if it.arrow else 0)
            traces.append(dict(type="scatter", x=[x, end], y=[yc, yc], mode="lines", xaxis=xa, yaxis=ya,
                               line=dict(color=it.color, width=it.width, dash=PLOTLY_DASH.get(it.dash, it.dash)),
                               hoverinfo="skip", showlegend=False, cliponaxis=False))
            if it.arrow:
                traces.append(dict(type="scatter", x=[end + 3], y=[yc], mode="markers", xaxis=xa, yaxis=ya,
                                   marker=dict(symbol="triangle-right", size=12, color=it.color, line=dict(width=0)),
                                   hoverinfo="skip", showlegend=False, cliponaxis=False))
        text = esc(label)
        tx.append(x + (it.icon_px + 6 if it.icon_px else 0))
        ty.append(yc)
        tt.append(f"<b>{text}</b>" if it.kind == "heading" else text)
        tc.append(pal.muted if it.kind == "note" else pal.ink)
    if mk["x"]:
        traces.append(dict(type="scatter", x=mk["x"], y=mk["y"], mode="markers", xaxis=xa, yaxis=ya,
                           hoverinfo="skip", showlegend=False, cliponaxis=False,
                           marker=dict(symbol=mk["symbol"], color=mk["color"], size=mk["size"], opacity=1,
                                       line=dict(color=mk["lcolor"], width=mk["lwidth"]))))
    if tt:
        traces.append(dict(type="scatter", x=tx, y=ty, text=tt, mode="text", textposition="middle right",
                           xaxis=xa, yaxis=ya, hoverinfo="skip", showlegend=False, cliponaxis=False,
                           textfont=dict(size=SMALL_PX, family=FONT_FAMILY, color=tc)))
    return traces, layout


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


def _selected_line(ctx, sel: Selection, rendered) -> str:
    """'Selected: Leon Trotsky (actor) — “…quote…”' in plain text; '' when nothing is selected."""
    if not sel.selected:
        return ""
    src = rendered.source
    kind = ctx.bundle.kind_of.get(sel.selected, "")
    title = _field(src, "title") or sel.selected
    quote = _field(src, "quote") or ""
    line = f"Selected: {title} ({_KIND_WORDS.get(kind, kind or 'record')})"
    if quote:
        line += f" — “{' '.join(str(quote).split())}”"
    return line


def _credit_lines(ctx, sel: Selection) -> list[str]:
    """The texts' titles and licence, the borders' credit and the coordinates' source, in one or two lines."""
    docs = ctx.bundle.documents
    parts = [str(c) for c in docs["credit"]] if "credit" in docs else []
    parts += [_borders_credit(sel), COORDS_CREDIT]
    one = " · ".join(parts)
    width = BASE_SIZE[0] - 2 * SIDE_PX
    if text_px(one, SMALL_PX) <= width:
        return [one]
    first, second = " · ".join(parts[:-2]), " · ".join(parts[-2:])
    return [fit_text(first, SMALL_PX, width), fit_text(second, SMALL_PX, width)]


def _borders_credit(sel: Selection) -> str:
    from dashboard.views.map import MODERN_BORDERS_CREDIT

    if sel.borders != "period":
        return MODERN_BORDERS_CREDIT
    try:
        from dashboard.basemaps import basemap_credit, borders_year
    except ImportError:
        return MODERN_BORDERS_CREDIT
    year = borders_year(sel.year_end if sel.has_period else None)
    return basemap_credit(year) if year is not None else MODERN_BORDERS_CREDIT


def _drawn_colors(figs: Iterable[dict]) -> set[str]:
    """Every marker colour and line colour drawn by the views' mark traces, lower-cased."""
    out: set[str] = set()
    for fig in figs:
        for t in fig["data"]:
            for part in ("marker", "line"):
                c = (t.get(part) or {}).get("color")
                for v in (c if isinstance(c, (list, tuple)) else [c]):
                    if isinstance(v, str):
                        out.add(v.lower())
    return out


def _lane_names(timeline: dict) -> set[str]:
    """The plain names of the timeline's lanes (its y tick labels)."""
    names = set()
    for key, ax in timeline["layout"].items():
        if key.startswith("yaxis") and isinstance(ax, dict):
            for t in ax.get("ticktext") or ():
                names.add(re.sub(r"<[^>]+>", "", str(t)).replace("&amp;", "&").strip())
    return names


def _movement_items(ctx, sel: Selection, timeline: dict, map_fig: dict, elements: list,
                    pal: Palette) -> list[_LegendItem]:
    """A swatch per movement whose colour is drawn (events and their lanes, sites, unfaded nodes) and that no
    coloured lane label of the timeline already names. Route colours stand for the people deported, not for
    movements: they are left out."""
    mv = ctx.bundle.movements
    sites = {"data": [t for t in map_fig["data"] if "lines" not in str(t.get("mode", ""))]}
    drawn = _drawn_colors([timeline, sites])
    colors = {m: str(c) for m, c in zip(mv["movement_id"], mv["color"])}
    for el in elements:
        if "source" in el.get("data", {}):
            continue
        classes = set(el.get("classes", "").split())
        if "faded" in classes and not ({"selected", "related"} & classes):
            continue
        drawn.add(_node_color(el, colors, pal).lower())
    named = _lane_names(timeline) if sel.lanes == "movement" else set()
    entries = [_LegendItem(r.name, symbol="circle", color=r.color, line_color=pal.mark_line)
               for r in mv.itertuples() if str(r.color).lower() in drawn and r.name not in named]
    if pal.no_movement.lower() in drawn and "No movement" not in named:
        entries.append(_LegendItem("no movement", symbol="circle", color=pal.no_movement, line_color=pal.mark_line))
    if not entries:
        return []
    head = "Movements" if not named else "Movements (besides the timeline's lanes)"
    return [_LegendItem(head, kind="heading")] + entries


def _citations(bundle) -> Counter:
    """How often each place is cited (events and both ends of routes): which map labels win a clash."""
    c: Counter = Counter(p for p in bundle.events["place_id"] if isinstance(p, str))
    c.update(bundle.routes["origin_place_id"])
    c.update(bundle.routes["destination_place_id"])
    return c


def _site_items(ctx, sh, pal: Palette) -> list[_LegendItem]:
    """Sites by symbol (types sharing a symbol share an entry), and the halo of approximate places."""
    places = ctx.bundle.places
    sites = places[places["place_id"].isin(set(sh.place_ids))]
    if not len(sites):
        return []
    by_symbol: dict[str, list[str]] = {}
    types = set(sites["place_type"])
    for ptype in [t for t in PLACE_SYMBOLS if t in types] + sorted(types - set(PLACE_SYMBOLS)):
        by_symbol.setdefault(PLACE_SYMBOLS.get(ptype, "circle"), []).append(PLACE_TYPE_LABELS.get(ptype, ptype))
    items = [_LegendItem("Sites", kind="heading")]
    for sym, labels in by_symbol.items():
        label = labels[0] + "".join(" / " + lab[0].lower() + lab[1:] for lab in labels[1:])
        items.append(_LegendItem(label, symbol=sym, color=pal.muted,
                                 line_color=pal.muted if sym.endswith("open") else pal.mark_line,
                                 line_width=2 if sym.endswith("open") else 1))
    if "approximate" in sites and sites["approximate"].any():
        items.append(_LegendItem("approximate location", symbol="circle", size=19,
                                 color=hex_to_rgba(pal.no_movement, 0.18), line_color=pal.halo_line))
    return items


def _route_items(map_fig: dict) -> list[_LegendItem]:
    """One entry per people deported, in the colour the map draws their routes (read from its line traces)."""
    entries: dict[str, _LegendItem] = {}
    for t in map_fig["data"]:
        name = re.sub(r"<[^>]+>", "", str(t.get("name") or "")).replace("&amp;", "&").strip()
        line = t.get("line") or {}
        if "lines" in str(t.get("mode", "")) and name and isinstance(line.get("color"), str) \
                and name not in entries:
            entries[name] = _LegendItem(name, kind="line", color=line["color"], width=3, arrow=True,
                                        dash=str(line.get("dash") or "solid"))
    if not entries:
        return []
    return ([_LegendItem("Deportations", kind="heading")] + list(entries.values())
            + [_LegendItem("width = people deported", kind="note"),
               _LegendItem("dashed = homeland implied", kind="note")])


def _visible(el: dict) -> bool:
    classes = set(el.get("classes", "").split())
    return "faded" not in classes or bool({"selected", "related"} & classes)


def _tie_items(elements: list) -> list[_LegendItem]:
    """Tie kinds drawn at full strength, those sharing a line style and colour in one entry."""
    present = {el["data"].get("relation_type") for el in elements if "source" in el.get("data", {}) and _visible(el)}
    groups: dict[tuple[str, str], list[str]] = {}
    for rt, (style, color, _, _) in EDGE_STYLES.items():
        if rt in present:
            groups.setdefault((style, color), []).append(rt)
    if not groups:
        return []
    items = [_LegendItem("Ties", kind="heading")]
    for (style, color), types in groups.items():
        width = max(EDGE_STYLES[t][2] for t in types)
        items.append(_LegendItem(" / ".join(RELATION_LABELS.get(t, t) for t in types), kind="line", color=color,
                                 width=max(2.0, width * 1.1), dash=style, arrow=any(EDGE_STYLES[t][3] for t in types)))
    return items


def _actor_items(elements: list, pal: Palette, note: str = "") -> list[_LegendItem]:
    """Node shapes drawn at full strength, how to read a node's size, and the view's note when it is capped."""
    types = {el["data"].get("type") for el in elements if "source" not in el.get("data", {}) and _visible(el)}
    items = [_LegendItem(t, symbol=NODE_SYMBOLS.get(ACTOR_SHAPES[t], "circle"), color=pal.muted,
                         line_color=pal.mark_line) for t in ACTOR_SHAPES if t in types]
    if not items:
        return []
    return ([_LegendItem("Actors", kind="heading")] + items + [_LegendItem("size = ties", kind="note")]
            + ([_LegendItem(note, kind="note")] if note else []))


# -- the timeline ---------------------------------------------------------------------------------------------


def _lane_label(label_html: str, width: float, pal: Palette) -> str:
    """A lane's tick label for the slide: the name in ink, cut to `width` px, then a dot in the lane's colour (a
    coloured name is unreadable on a projector when the colour is light, like #88CCEE on white, or dark on the
    dark theme). Lanes in the muted colour (by event type) get a plain name in ink."""
    m = re.fullmatch(r"<span style=[\"']color:\s*([^;\"']+);?[\"']>(.*)</span>", label_html.strip(), flags=re.S)
    color, text = (m.group(1).strip(), m.group(2)) if m else (None, label_html)
    plain = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    dot = color is not None and color.lower() != pal.muted.lower()
    color = pal.ink if color is not None and not dot else color  # lanes by type: plain names, in ink
    room = width - (text_px(" ●", SMALL_PX) if dot else 0)
    if text_px(plain, SMALL_PX) > room:
        plain = plain.split(" (")[0]
        if text_px(plain, SMALL_PX) > room:
            plain = fit_text(plain, SMALL_PX, room)
    if dot:
        return f'<span style="color:{pal.ink}">{esc(plain)}</span> <span style="color:{color}">●</span>'
    return f'<span style="color:{color}">{esc(plain)}</span>' if color else esc(plain)


def _lane_gutter(fig: dict) -> float:
    """Width in px of the timeline's left gutter: its widest lane label, within bounds."""
    widest = 0.0
    for key, ax in fig["layout"].items():
        if key.startswith("yaxis") and isinstance(ax, dict):
            for t in ax.get("ticktext") or ():
                widest = max(widest, text_px(str(t) + " ●", SMALL_PX))
            if isinstance(ax.get("title"), dict) and ax["title"].get("text"):
                widest = max(widest, 70.0)
    return min(max(widest + 18, 110.0), 430.0)


def _remap(v: float, lo: float, hi: float) -> float:
    return lo + float(v) * (hi - lo)


# Timeline geometry in px: per lane (and the least a lane gets when space is short: 16 px labels still clear each
# other), the bounds of the lanes' part, the estimates row below it.
LANE_PX, LANE_MIN_PX = 21, 17
LANES_MIN_PX, LANES_MAX_PX = 150, 320
SECONDARY_PX, SECONDARY_GAP_PX = 64, 14


def _timeline_axes(fig: dict) -> tuple[str | None, list[str]]:
    """(the lanes' y axis, the other y axes: estimates) of a timeline figure."""
    ys = sorted((k for k, v in fig["layout"].items() if k.startswith("yaxis") and isinstance(v, dict)),
                key=lambda k: int(k[5:] or 1))
    lanes = next((k for k in ys if fig["layout"][k].get("ticktext") is not None), ys[0] if ys else None)
    return lanes, [k for k in ys if k != lanes]


def timeline_height(fig: dict, lane_px: float = LANE_PX) -> float:
    """Height in px of the timeline's plot area on a slide: `lane_px` for each lane's label (within bounds), and
    room for the estimates."""
    lanes_key, others = _timeline_axes(fig)
    n = len((fig["layout"].get(lanes_key) or {}).get("tickvals") or ()) if lanes_key else 0
    lanes_px = min(max(n * lane_px, LANES_MIN_PX), LANES_MAX_PX)
    return lanes_px + len(others) * (SECONDARY_PX + SECONDARY_GAP_PX)


def _band_labels(periods, xaxis: dict, box: Box, pal: Palette) -> list[dict]:
    """Labels above the timeline for the texts' section periods (the shaded bands), fitted to the slide: the
    longest of full label, name, years, or a cut name that fits its band and keeps clear of its neighbours. A
    band with no room for any stays unlabelled. (The view's own labels are fitted to a screen panel.)"""
    rng = xaxis.get("range")
    if not rng or periods is None or not len(periods):
        return []
    lo_x, hi_x = float(rng[0]), float(rng[1])
    span = (hi_x - lo_x) or 1.0
    sections = periods[periods["period_type"] == "section"].sort_values(["year_start", "year_end"])
    bands = []
    for r in sections.itertuples():
        lo, hi = max(float(r.year_start), lo_x), min(float(r.year_end) + 1, hi_x)
        whole = float(r.year_end) + 1 - float(r.year_start)
        if hi - lo >= min(3.0, whole / 3):  # a band barely in view is not named: its label would mislead
            bands.append(((lo + hi) / 2, (hi - lo) / span * box.w, str(r.label)))
    bands.sort()
    out, right_edge = [], -1e9
    for i, (centre, band_px, full) in enumerate(bands):
        cx = box.x + (centre - lo_x) / span * box.w
        nxt = box.x + (bands[i + 1][0] - lo_x) / span * box.w if i + 1 < len(bands) else box.x + box.w + 400
        room = min(2 * (cx - right_edge - 8), nxt - cx - 8, band_px + 40, 2 * (box.x + box.w + 20 - cx))
        name = full.split(" (")[0]
        years = re.search(r"\(([^()]*\d{4}[^()]*)\)\s*$", full)
        cut = fit_text(name, SMALL_PX, room) if room > 0 else ""
        cands = [full, name, years.group(1) if years else "", cut if len(cut) >= 12 else ""]
        text = next((c for c in cands if c and text_px(c, SMALL_PX) <= room), "")
        if not text:
            continue
        right_edge = cx + text_px(text, SMALL_PX) / 2
        out.append(dict(text=esc(text), x=_px_x(cx), y=_px_y(box.y), xref="paper", yref="paper",
                        xanchor="center", yanchor="bottom", showarrow=False, name="band",
                        font=dict(size=SMALL_PX, color=pal.muted, family=FONT_FAMILY)))
    return out


def _place_timeline(fig: dict, box: Box, pal: Palette, periods=None) -> tuple[list[dict], dict, list[dict], list[dict]]:
    """The timeline's traces and axes moved into `box` (its plot area): lanes on top, each other y axis
    (estimates) in a row below; fonts at least SMALL_PX; band labels re-fitted."""
    lay = fig["layout"]
    (x0, x1), (y0, y1) = box.xdomain(), box.ydomain()
    lanes_key, others = _timeline_axes(fig)
    lanes_h = box.h - len(others) * (SECONDARY_PX + SECONDARY_GAP_PX)
    rows = {lanes_key: Box(box.x, box.y, box.w, lanes_h)} if lanes_key else {}
    for i, k in enumerate(others):
        top = box.y + lanes_h + SECONDARY_GAP_PX + i * (SECONDARY_PX + SECONDARY_GAP_PX)
        rows[k] = Box(box.x, top, box.w, SECONDARY_PX)
    axes = {}
    gutter = box.x - SIDE_PX - 14
    for key, ax in lay.items():
        if not (key.startswith("xaxis") or key.startswith("yaxis")) or not isinstance(ax, dict):
            continue
        ax = _bump_axis(ax, pal.ink)
        if key.startswith("xaxis"):
            d = ax.get("domain") or [0, 1]
            ax["domain"] = [_remap(d[0], x0, x1), _remap(d[1], x0, x1)]
        else:
            ax["domain"] = rows[key].ydomain() if key in rows else [y0, y1]
        if key == lanes_key and ax.get("ticktext"):
            ax["ticktext"] = [_lane_label(str(t), gutter, pal) for t in ax["ticktext"]]
        if key in others:
            if ax.get("type") == "log":
                ax.update(dtick=3, exponentformat="SI")  # 1, 1k, 1M: three ticks fit the short row
            if isinstance(ax.get("title"), dict):
                ax["title"] = dict(ax["title"], standoff=10)
        axes[key] = ax
    for key in ("xaxis", "yaxis"):
        axes.setdefault(key, {"domain": list((x0, x1) if key == "xaxis" else (y0, y1)), "automargin": False})
    traces = []
    for t in fig["data"]:
        t = dict(t)
        _bump_trace_fonts(t)
        traces.append(t)
    shapes = [_remap_ref(s, box) for s in lay.get("shapes") or ()]
    notes = []
    for a in lay.get("annotations") or ():
        # a band's label sits on the plot's top edge, anchored at its bottom, positioned in years
        is_band = (str(a.get("xref", "")).startswith("x") and a.get("yref", "paper") == "paper"
                   and a.get("yanchor") == "bottom" and float(a.get("y") or 0) >= 0.99)
        # a picked era's name, inside the plot's top-left corner: the slide's headline already says it
        is_era = (str(a.get("xref", "")).startswith("x") and a.get("yref", "paper") == "paper"
                  and a.get("yanchor") == "top" and float(a.get("y") or 0) >= 0.98)
        if is_band or is_era:
            continue  # band labels are redone by _band_labels, fitted to the slide
        a = _remap_ref(a, box)
        a["font"] = _at_least(a.get("font"))
        notes.append(a)
    notes = _band_labels(periods, axes.get("xaxis", {}), box, pal) + notes
    return traces, axes, shapes, notes


def _remap_ref(obj: dict, box: Box) -> dict:
    """A shape or annotation of a view, its paper coordinates moved into `box`."""
    obj = dict(obj)
    (x0, x1), (y0, y1) = box.xdomain(), box.ydomain()
    if obj.get("xref", "paper") == "paper":
        for k in ("x", "x0", "x1"):
            if isinstance(obj.get(k), (int, float)):
                obj[k] = _remap(obj[k], x0, x1)
    if obj.get("yref", "paper") == "paper":
        for k in ("y", "y0", "y1"):
            if isinstance(obj.get(k), (int, float)):
                obj[k] = _remap(obj[k], y0, y1)
    return obj


# -- the map --------------------------------------------------------------------------------------------------


def _geo_ranges(geo: dict) -> tuple[list[float], list[float]]:
    lon_r = (geo.get("lonaxis") or {}).get("range") or [-180, 180]
    lat_r = (geo.get("lataxis") or {}).get("range") or [-90, 90]
    return [float(v) for v in lon_r], [float(v) for v in lat_r]


def _thin_map_labels(traces: list[dict], geo: dict, box: Box, counts) -> None:
    """Blank the labels that would stick out of the map's frame or overlap a more-cited place's label. Positions
    are estimated from lon/lat in a local equirectangular view of the region, with margins: good enough to keep
    labels apart and inside, never exact."""
    lon_r, lat_r = _geo_ranges(geo)
    lon_mid = (lon_r[0] + lon_r[1]) / 2
    widest = math.cos(math.radians(min(abs(lat_r[0]), abs(lat_r[1]))))  # the frame's widest parallel
    k = min(box.w / max((lon_r[1] - lon_r[0]) * widest, 1e-6), box.h / max(lat_r[1] - lat_r[0], 1e-6))
    labels = []
    for ti, t in enumerate(traces):
        text = t.get("text")
        if not isinstance(text, (list, tuple)) or "text" not in str(t.get("mode", "")):
            continue
        ids = list(t.get("customdata") or [None] * len(text))
        for pi, (s, lon, lat) in enumerate(zip(text, t.get("lon") or (), t.get("lat") or ())):
            if s and lon is not None and lat is not None:
                rank = counts.get(ids[pi], 0) if pi < len(ids) and isinstance(ids[pi], str) else 0
                labels.append((-rank, ti, pi, s, float(lon), float(lat)))
    kept: list[tuple[float, float, float, float]] = []
    for _, ti, pi, s, lon, lat in sorted(labels, key=lambda r: r[:3]):
        cx = box.w / 2 + (lon - lon_mid) * math.cos(math.radians(lat)) * k
        cy = (lat_r[1] - lat) * k
        w = text_px(str(s), SMALL_PX) + MAP_LABEL_PAD_PX * 2
        h = SMALL_PX * 1.3 + MAP_LABEL_PAD_PX
        r = (cx - w / 2, cy - h - 8, cx + w / 2, cy - 8)  # above the mark ("top center")
        inside = lon_r[0] <= lon <= lon_r[1] and lat_r[0] <= lat <= lat_r[1] and r[0] >= 0 and r[2] <= box.w \
            and r[1] >= 0
        if not inside or any(r[0] < q[2] and q[0] < r[2] and r[1] < q[3] and q[1] < r[3] for q in kept):
            traces[ti]["text"] = list(traces[ti]["text"])
            traces[ti]["text"][pi] = ""
        else:
            kept.append(r)


def _site_names(bundle, fig: dict) -> dict[str, str]:
    """Place id → name for every site mark of the map when there are at most LABEL_ALL_SITES of them (the slide
    then names them all); empty otherwise (the view's own choice of labels stands)."""
    names = dict(zip(bundle.places["place_id"], bundle.places["name"]))
    ids = [c for t in fig["data"] if "text" in str(t.get("mode", ""))
           for c in (t.get("customdata") or ()) if isinstance(c, str) and c in names]
    return {c: esc(names[c]) for c in ids} if 0 < len(ids) <= LABEL_ALL_SITES else {}


def _place_map(fig: dict, box: Box, pal: Palette, counts, names: dict[str, str] | None = None,
               scale: float = 1.0) -> tuple[list[dict], dict]:
    """The map's traces on the slide's geo subplot in `box`: basemap colours of the palette, labels in ink at
    least SMALL_PX (every site named when `names` are given; none for a dimmed mark), thinned so that none clash
    or stick out; the view's own legend and notes are left out."""
    lay = fig["layout"]
    geo = dict(lay.get("geo") or {})
    geo.update(domain=dict(x=box.xdomain(), y=box.ydomain()), bgcolor="rgba(0,0,0,0)", landcolor=pal.land,
               oceancolor=pal.ocean, lakecolor=pal.ocean, countrycolor=pal.country, coastlinecolor=pal.coast,
               showframe=False)
    lon_r, _ = _geo_ranges(geo)
    if lon_r[1] - lon_r[0] >= 300 and scale <= 1:
        geo["resolution"] = WORLD_RESOLUTION
    traces = []
    for t in fig["data"]:
        t = dict(t)
        t.pop("legendgroup", None)
        t["showlegend"] = False
        if t.get("geo", "geo") != "geo":
            t["geo"] = "geo"
        if names and "text" in str(t.get("mode", "")) and isinstance(t.get("customdata"), (list, tuple)):
            old = list(t.get("text") or [""] * len(t["customdata"]))
            t["text"] = [names.get(c, o) if isinstance(c, str) else o for c, o in zip(t["customdata"], old)]
        if "text" in t and "text" in str(t.get("mode", "")):
            font = _at_least(t.get("textfont"))
            font.update(color=pal.ink, shadow="auto", family=FONT_FAMILY)
            t["textfont"] = font
            opacity = (t.get("marker") or {}).get("opacity")
            if isinstance(opacity, (list, tuple)) and isinstance(t.get("text"), (list, tuple)):
                # a dimmed mark (unrelated to the selected record) loses its label: a faint label with a halo reads
                # as a smudge on a projector
                t["text"] = [s if (o is None or o >= 0.5) else "" for s, o in zip(t["text"], opacity)]
        traces.append(t)
    _thin_map_labels(traces, geo, box, counts)
    # an empty trace keeps the basemap drawn when no mark is (plotly draws no geo subplot without a trace)
    traces.insert(0, dict(type="scattergeo", lon=[], lat=[], mode="markers", hoverinfo="skip", showlegend=False,
                          name="basemap", geo="geo"))
    return traces, geo


def outside_view(bundle, sel: Selection, region: str | None = None) -> list[str]:
    """Names of the sites the selection shows that lie outside the map region's frame, most cited first."""
    spec = MAP_REGIONS[region or sel.region]
    (lon0, lon1), (lat0, lat1) = spec["lon"], spec["lat"]
    places = bundle.places
    sites = places[places["place_id"].isin(set(shown(bundle, sel).place_ids))]
    out = sites[~(sites["lon"].between(lon0, lon1) & sites["lat"].between(lat0, lat1))]
    counts = _citations(bundle)
    return [r.name for r in sorted(out.itertuples(), key=lambda r: (-counts.get(r.place_id, 0), r.name))]


def fit_region(bundle, sel: Selection) -> Selection:
    """The selection with the first map region (USSR, Europe, world) whose frame holds every site it shows; the
    selection as it is when it shows no site."""
    for region in MAP_REGIONS:
        if not outside_view(bundle, sel, region):
            return replace(sel, region=region) if region != sel.region else sel
    return sel


# -- the network ----------------------------------------------------------------------------------------------


def _node_color(el: dict, colors: dict[str, str], pal: Palette) -> str:
    d = el.get("data", {})
    c = d.get("color") or d.get("colour")
    if isinstance(c, str) and c:
        return c
    for cls in el.get("classes", "").split():
        if cls.startswith("mv-") and cls[3:] in colors:
            return colors[cls[3:]]
    return pal.no_movement


def _network(elements: list, box: Box, axis: int, colors: dict[str, str], pal: Palette) -> tuple[list, dict, int]:
    """The cytoscape elements as Plotly traces on their own axes (numbered `axis`) filling `box`: the same
    positions, colours, shapes and classes (faded, dim, related, selected). Returns (traces, layout, n shown)."""
    nodes = [el for el in elements if "source" not in el.get("data", {}) and "position" in el]
    edges = [el for el in elements if "source" in el.get("data", {})]
    xa, ya = f"x{axis}", f"y{axis}"
    if not nodes:
        return [], {f"xaxis{axis}": dict(domain=box.xdomain(), visible=False),
                    f"yaxis{axis}": dict(domain=box.ydomain(), visible=False)}, 0
    xs = [float(n["position"]["x"]) for n in nodes]
    ys = [float(n["position"]["y"]) for n in nodes]
    pad_x, pad_top, pad_bottom = 24.0, 18.0, 40.0  # px: room for marks and the labels below them
    cw, ch = max(max(xs) - min(xs), 1.0), max(max(ys) - min(ys), 1.0)
    zoom = min((box.w - 2 * pad_x) / cw, (box.h - pad_top - pad_bottom) / ch)
    cx = (min(xs) + max(xs)) / 2
    cy = (min(ys) + max(ys)) / 2 + (pad_bottom - pad_top) / 2 / zoom
    layout = {
        f"xaxis{axis}": dict(domain=box.xdomain(), range=[cx - box.w / 2 / zoom, cx + box.w / 2 / zoom],
                             visible=False, fixedrange=True, anchor=ya),
        f"yaxis{axis}": dict(domain=box.ydomain(), range=[cy + box.h / 2 / zoom, cy - box.h / 2 / zoom],
                             visible=False, fixedrange=True, anchor=xa),
    }
    mark_scale = max(zoom, 0.8) * 1.15
    by_id = {}
    for n in nodes:
        d, classes = n["data"], set(n.get("classes", "").split())
        op = 1.0
        if "faded" in classes:
            op = NODE_FADED_OPACITY
        if "dim" in classes:
            op = DIM_OPACITY
        if {"related", "selected"} & classes:
            op = 1.0
        size = max(float(d.get("size") or 10) * mark_scale, 8.0)
        by_id[d["id"]] = dict(x=float(n["position"]["x"]), y=float(n["position"]["y"]), size=size, op=op,
                              classes=classes, label=str(d.get("label", d["id"])),
                              symbol=NODE_SYMBOLS.get(ACTOR_SHAPES.get(d.get("type"), "ellipse"), "circle"),
                              color=_node_color(n, colors, pal))

    # edges: one trace per (type, opacity, width); arrowheads as rotated triangles just off the target's edge
    groups: dict[tuple, dict] = {}
    arrows: dict[tuple, dict] = {}
    for e in edges:
        d, classes = e["data"], set(e.get("classes", "").split())
        s, t = by_id.get(d["source"]), by_id.get(d["target"])
        if s is None or t is None:
            continue
        style, color, width, arrow = EDGE_STYLES.get(d.get("relation_type"), ("solid", pal.muted, 1.2, False))
        w = width * 0.75 * mark_scale
        op = EDGE_OPACITY
        if "undated" in classes:
            op = EDGE_UNDATED_OPACITY
        if "faded" in classes:
            op = EDGE_FADED_OPACITY
        if "dim" in classes:
            op = DIM_OPACITY * 0.8
        if "related" in classes:
            op, w = 1.0, max(w, 2.4 * mark_scale)
        if "selected" in classes:
            op, w = 1.0, max(w, 4.0 * mark_scale)
        key = (style, color, round(w, 2), round(op, 2))
        dx, dy = t["x"] - s["x"], t["y"] - s["y"]
        length = math.hypot(dx, dy)
        if length < 1e-6:
            continue
        ux, uy = dx / length, dy / length
        back = (t["size"] / 2 + 2) / zoom
        ex, ey = (t["x"] - ux * back, t["y"] - uy * back) if arrow else (t["x"], t["y"])
        g = groups.setdefault(key, dict(x=[], y=[]))
        g["x"] += [s["x"], ex, None]
        g["y"] += [s["y"], ey, None]
        if arrow and length * zoom > t["size"] / 2 + 10:
            a = arrows.setdefault((color, round(op, 2)), dict(x=[], y=[], angle=[], size=[]))
            a["x"].append(ex)
            a["y"].append(ey)
            a["angle"].append(round(math.degrees(math.atan2(ux, -uy)), 1))  # clockwise from up; y points down
            a["size"].append(round(7 + w * 1.6, 1))
    traces: list[dict] = []
    for (style, color, w, op), g in sorted(groups.items(), key=lambda kv: kv[0][3]):  # faint ties first
        traces.append(dict(type="scatter", x=g["x"], y=g["y"], mode="lines", xaxis=xa, yaxis=ya, opacity=op,
                           line=dict(color=color, width=w, dash=PLOTLY_DASH.get(style, "solid")),
                           hoverinfo="skip", showlegend=False, name="ties"))
    for (color, op), a in arrows.items():
        traces.append(dict(type="scatter", x=a["x"], y=a["y"], mode="markers", xaxis=xa, yaxis=ya, opacity=op,
                           marker=dict(symbol="triangle-up", angle=a["angle"], size=a["size"], color=color,
                                       line=dict(width=0)),
                           hoverinfo="skip", showlegend=False, name="arrows"))

    # nodes: faint ones first, so the ones that matter are drawn on top
    order = sorted(by_id, key=lambda i: (by_id[i]["op"], "selected" in by_id[i]["classes"], by_id[i]["size"]))
    sel_border = {i: 4.0 if "selected" in by_id[i]["classes"] else 2.5 if "related" in by_id[i]["classes"] else 1.0
                  for i in order}
    traces.append(dict(
        type="scatter", mode="markers", xaxis=xa, yaxis=ya, hoverinfo="skip", showlegend=False, name="actors",
        x=[by_id[i]["x"] for i in order], y=[by_id[i]["y"] for i in order], customdata=order,
        marker=dict(symbol=[by_id[i]["symbol"] for i in order], size=[round(by_id[i]["size"], 1) for i in order],
                    color=[by_id[i]["color"] for i in order], opacity=[by_id[i]["op"] for i in order],
                    line=dict(width=[sel_border[i] for i in order],
                              color=[pal.highlight if sel_border[i] > 1 else pal.mark_line for i in order])),
    ))
    traces.append(_node_labels(by_id, box, zoom, layout, axis, pal))
    visible = sum(1 for v in by_id.values() if v["op"] >= 0.5)
    return traces, layout, visible


def _node_labels(by_id: dict, box: Box, zoom: float, layout: dict, axis: int, pal: Palette) -> dict:
    """Labels for the selected node, its related nodes and the most connected unfaded nodes, skipping any that
    would overlap a label already placed or leave the panel."""
    xr = layout[f"xaxis{axis}"]["range"]
    yr = layout[f"yaxis{axis}"]["range"]

    def to_px(x, y):
        return (x - xr[0]) * zoom, (y - yr[1]) * zoom

    def priority(i):
        c = by_id[i]["classes"]
        return (0 if "selected" in c else 1 if "related" in c else 2, -by_id[i]["size"], i)

    cands = [i for i in by_id if by_id[i]["op"] >= 0.5 and ("labelled" in by_id[i]["classes"]
                                                           or {"selected", "related"} & by_id[i]["classes"])]
    if len(cands) < 4:
        cands = [i for i in by_id if by_id[i]["op"] >= 0.5]
    # the big marks of unfaded nodes: a label had better not cover one (small marks show through the halo)
    marks = {}
    for i, n in by_id.items():
        if n["op"] >= 0.5 and n["size"] >= BIG_NODE_PX:
            px, py = to_px(n["x"], n["y"])
            r0 = n["size"] / 2 * 0.8
            marks[i] = (px - r0, py - r0, px + r0, py + r0)

    def hits(r, boxes) -> bool:
        return any(r[0] < q[2] and q[0] < r[2] and r[1] < q[3] and q[1] < r[3] for q in boxes)

    kept_boxes: list[tuple] = []
    xs, ys, texts, where = [], [], [], []
    for i in sorted(cands, key=priority):
        if len(texts) >= MAX_NODE_LABELS:
            break
        n = by_id[i]
        lines = _wrap_label(n["label"])
        w = max(text_px(line, SMALL_PX) for line in lines) + 6
        h = len(lines) * SMALL_PX * 1.25
        px, py = to_px(n["x"], n["y"])
        gap = n["size"] / 2 + 2
        # below, above, right, left of the mark: (text position, rectangle, offset of the anchor in px)
        options = [
            ("bottom center", (px - w / 2, py + gap, px + w / 2, py + gap + h), (0, gap - 1)),
            ("top center", (px - w / 2, py - gap - h, px + w / 2, py - gap), (0, -gap + 1)),
            ("middle right", (px + gap, py - h / 2, px + gap + w, py + h / 2), (gap - 2, 0)),
            ("middle left", (px - gap - w, py - h / 2, px - gap, py + h / 2), (-gap + 2, 0)),
        ]
        others = [m for j, m in marks.items() if j != i]
        fits = [o for o in options if o[1][0] >= 0 and o[1][2] <= box.w and o[1][1] >= 0 and o[1][3] <= box.h
                and not hits(o[1], kept_boxes)]
        clear = [o for o in fits if not hits(o[1], others)]
        # the selected node is labelled even over other marks (the label has a halo)
        pick = clear[0] if clear else (fits[0] if fits and "selected" in n["classes"] else None)
        if pick is None:
            continue
        pos, rect, (dx, dy) = pick
        kept_boxes.append(rect)
        xs.append(n["x"] + dx / zoom)
        ys.append(n["y"] + dy / zoom)
        where.append(pos)
        text = "<br>".join(esc(line) for line in lines)
        texts.append(f"<b>{text}</b>" if "selected" in n["classes"] else text)
    return dict(type="scatter", mode="text", x=xs, y=ys, text=texts, textposition=where,
                xaxis=f"x{axis}", yaxis=f"y{axis}", hoverinfo="skip", showlegend=False, cliponaxis=False,
                name="actor labels", textfont=dict(size=SMALL_PX, color=pal.ink, family=FONT_FAMILY, shadow="auto"))


# -- a panel and its legend -----------------------------------------------------------------------------------


def _geo_aspect(fig: dict) -> float:
    """Width / height of the map's frame, estimated from its lon/lat ranges (the world's projection: about 2)."""
    geo = (fig.get("layout") or {}).get("geo") or {}
    lon_r, lat_r = _geo_ranges(geo)
    if lon_r[1] - lon_r[0] >= 300:
        return 1.95
    mid = math.radians((lat_r[0] + lat_r[1]) / 2)
    return max(0.5, (lon_r[1] - lon_r[0]) * math.cos(mid) / max(lat_r[1] - lat_r[0], 1e-6) * 1.05)


def _network_aspect(elements: list) -> float:
    pos = [el["position"] for el in elements if "position" in el]
    if len(pos) < 2:
        return 1.7
    w = max(p["x"] for p in pos) - min(p["x"] for p in pos)
    h = max(p["y"] for p in pos) - min(p["y"] for p in pos)
    return max(0.5, min(4.0, (w + 48) / max(h + 58, 1)))


def _split_panel(panel: Box, aspect: float, items: list[_LegendItem], col_px: float):
    """Where a view and its legend go inside `panel`: the legend as a column on the right or as rows below,
    whichever leaves the view (of width/height `aspect`) drawn bigger. Returns (view box, (placed, box, row px))."""
    if not items:
        return panel, ([], Box(panel.x, panel.y, 0, 0), ROW_PX)
    max_rows = int(panel.h // COLUMN_ROW_PX)
    col = _column(items, col_px - 14, max_rows)
    side_view = Box(panel.x, panel.y, panel.w - col_px, panel.h)
    side = (side_view, (col, Box(panel.x + panel.w - col_px + 8, panel.y, col_px - 14, max_rows * COLUMN_ROW_PX),
                        COLUMN_ROW_PX))
    rows = _flow(items, panel.w - 8)
    rows_h = _rows(rows) * ROW_PX
    below_view = Box(panel.x, panel.y, panel.w, panel.h - rows_h - 8)
    below = (below_view, (rows, Box(panel.x + 4, panel.y + panel.h - rows_h, panel.w - 8, rows_h), ROW_PX))

    def drawn(b: Box) -> float:
        return min(b.w, b.h * aspect) if b.h > 120 else 0.0

    truncated = any(label.startswith("+ ") and label.endswith(" more") for _, _, _, label in col)
    return below if drawn(below_view) > drawn(side_view) * (0.9 if truncated else 1.02) else side


# -- the page -------------------------------------------------------------------------------------------------


def slide_figure(ctx, sel: Selection, *, size: tuple[int, int] = BASE_SIZE) -> go.Figure:
    """One 16:9 canvas: headline, timeline across the top, map and network side by side (each with its legend),
    the filters and the selected record, credits. Laid out at 1920×1080 px; `size` only sets the scale it is
    rendered at (kept in layout.meta for write_slide)."""
    scale = _scale_for(size)
    pal = PALETTES.get(sel.theme, LIGHT)
    W, H = BASE_SIZE
    rendered = render(ctx, replace(sel, present=True), export=True)
    sh = shown(ctx.bundle, sel)
    tl = _as_dict(rendered.timeline)  # render() draws the views in the selection's theme
    mp = _as_dict(rendered.map)
    elements = copy.deepcopy(list(rendered.elements))
    colors = dict(zip(ctx.bundle.movements["movement_id"], ctx.bundle.movements["color"]))
    inner = W - 2 * SIDE_PX
    col_gap = 36
    col_w = (inner - col_gap) / 2
    period = f"{sel.year_start}–{sel.year_end}" if sel.has_period else ""
    notes: list[dict] = []
    shapes: list[dict] = []
    data: list[dict] = []
    layout_axes: dict = {}

    # -- header -------------------------------------------------------------------------------------------
    y = 22.0
    notes.append(_note(f"<b>{esc(TITLE)}</b>", SIDE_PX, y, size=TITLE_PX, color=pal.ink, name="title"))
    y += TITLE_PX * 1.25
    headline = _period_headline(sel, ctx.vocab)
    if 0 < len(sel.movement_ids) <= 3:
        names = dict(zip(ctx.bundle.movements["movement_id"], ctx.bundle.movements["name"]))
        headline += " · " + ", ".join(names.get(m, m) for m in sel.movement_ids)
    headline = fit_text(headline, HEADLINE_PX, inner)
    notes.append(_note(esc(headline), SIDE_PX, y, size=HEADLINE_PX, color=pal.ink, name="headline"))
    y += HEADLINE_PX * 1.3
    notes.append(_note(esc(fit_text(f"Showing {rendered.summary}", TEXT_PX, inner)), SIDE_PX, y, size=TEXT_PX,
                       color=pal.muted, name="filters"))
    y += TEXT_PX * 1.45
    selected = _selected_line(ctx, sel, rendered)
    if selected:
        notes.append(_note(esc(fit_text(selected, TEXT_PX, inner)), SIDE_PX, y, size=TEXT_PX, color=pal.ink,
                           name="selected"))
        y += TEXT_PX * 1.45
    header_bottom = y

    # -- from the bottom up: credits, movements, the strips under the panels --------------------------------
    credits = _credit_lines(ctx, sel)
    credit_y = H - 16 - len(credits) * SMALL_PX * 1.3
    for i, line in enumerate(credits):
        notes.append(_note(esc(line), SIDE_PX, credit_y + i * SMALL_PX * 1.3, size=SMALL_PX, color=pal.muted,
                           name="credit" if i == 0 else f"credit{i + 1}"))
    mv_placed = _flow(_movement_items(ctx, sel, tl, mp, elements, pal), inner)
    mv_box = Box(SIDE_PX, credit_y - 8 - _rows(mv_placed) * ROW_PX, inner, _rows(mv_placed) * ROW_PX)
    net_note = str(_field(rendered, "network_note", "") or "")
    route_items = _route_items(mp)
    site_placed = _flow(_site_items(ctx, sh, pal), col_w)
    actor_placed = _flow(_actor_items(elements, pal, net_note), col_w)
    strip_h = max(_rows(site_placed), _rows(actor_placed)) * ROW_PX
    strip_y = mv_box.y - (10 if mv_box.h else 4) - strip_h
    panels_bottom = strip_y - 8

    # -- the timeline: band labels above its plot area, ticks below -----------------------------------------
    band_px, ticks_px, titles_px = 26, 30, 32
    gutter = _lane_gutter(tl)
    tl_h = timeline_height(tl)
    panels_top = header_bottom + band_px + tl_h + ticks_px + 12 + titles_px
    min_panel = 330
    if panels_bottom - panels_top < min_panel:  # many lanes and legends: the timeline gives way to the panels
        tl_h = max(tl_h - (min_panel - (panels_bottom - panels_top)), timeline_height(tl, LANE_MIN_PX))
        panels_top = header_bottom + band_px + tl_h + ticks_px + 12 + titles_px
    tl_box = Box(SIDE_PX + gutter, header_bottom + band_px, inner - gutter, tl_h)
    traces, axes, tl_shapes, tl_notes = _place_timeline(tl, tl_box, pal, ctx.bundle.periods)
    data += traces
    layout_axes.update(axes)
    shapes += tl_shapes
    notes += tl_notes

    # -- the panels: map | network, each with a legend column inside its frame ------------------------------
    panel_h = panels_bottom - panels_top
    map_x, net_x = SIDE_PX, SIDE_PX + col_w + col_gap
    tie_items = _tie_items(elements)
    map_panel = Box(map_x + 6, panels_top + 6, col_w - 12, panel_h - 12)
    net_panel = Box(net_x + 6, panels_top + 6, col_w - 12, panel_h - 12)
    geo_box, route_legend = _split_panel(map_panel, _geo_aspect(mp), route_items, 300)
    net_box, tie_legend = _split_panel(net_panel, _network_aspect(elements), tie_items, 330)
    map_traces, geo = _place_map(mp, geo_box, pal, _citations(ctx.bundle), _site_names(ctx.bundle, mp), scale)
    data += map_traces
    net_traces, net_layout, net_visible = _network(elements, net_box, 20, colors, pal)
    data += net_traces
    layout_axes.update(net_layout)
    legends = [
        route_legend,
        tie_legend,
        (site_placed, Box(map_x, strip_y, col_w, strip_h), ROW_PX),
        (actor_placed, Box(net_x, strip_y, col_w, strip_h), ROW_PX),
        (mv_placed, mv_box, ROW_PX),
    ]
    for k, (placed, box, row_px) in enumerate(legends):
        if placed and box.h > 0 and box.w > 0:
            traces, lay = _legend_traces(placed, box, 21 + k, pal, row_px)
            data += traces
            layout_axes.update(lay)

    ttl_y = panels_top - titles_px + 4
    map_sub = "modern borders" if sel.borders != "period" else _borders_credit(sel).split(":")[0].lower()
    notes.append(_note(f"<b>Deportations and sites</b>  <span style='color:{pal.muted}'>{esc(map_sub)}</span>",
                       map_x, ttl_y, size=TEXT_PX, color=pal.ink))
    net_sub = f"as of {period}: ties outside it faint" if period else "all years"
    notes.append(_note(f"<b>Factions and ties</b>  <span style='color:{pal.muted}'>{net_sub}</span>", net_x, ttl_y,
                       size=TEXT_PX, color=pal.ink))
    for x in (map_x, net_x):
        shapes.append(dict(type="rect", xref="paper", yref="paper", x0=_px_x(x), x1=_px_x(x + col_w),
                           y0=_px_y(panels_bottom), y1=_px_y(panels_top), line=dict(color=pal.grid, width=1.5),
                           fillcolor="rgba(0,0,0,0)", layer="below"))
    away = outside_view(ctx.bundle, sel) if sh.place_ids else []
    if away:
        names = ", ".join(away[:3]) + (f" and {len(away) - 3} more" if len(away) > 3 else "")
        notes.append(_note(esc(fit_text(f"Outside this view: {names}", SMALL_PX, geo_box.w - 12)),
                           geo_box.x + 6, geo_box.y + geo_box.h - 4, size=SMALL_PX, color=pal.ink, yanchor="bottom",
                           bgcolor=hex_to_rgba(pal.paper, 0.85), name="outside"))
    if not sh.place_ids and not sh.route_ids:
        notes.append(_note("No places or routes match these filters", geo_box.x + geo_box.w / 2,
                           geo_box.y + geo_box.h / 2, size=TEXT_PX, color=pal.muted, xanchor="center",
                           yanchor="middle", bgcolor=pal.paper))
    if net_visible == 0:
        why = "No ties match these filters" + (f" in {period}" if period else "")
        notes.append(_note(why, net_box.x + net_box.w / 2, net_box.y + net_box.h / 2, size=TEXT_PX,
                           color=pal.muted, xanchor="center", yanchor="middle", bgcolor=pal.paper))

    layout = dict(
        template="none", width=W, height=H, autosize=False, margin=dict(l=0, r=0, t=0, b=0, pad=0),
        paper_bgcolor=pal.paper, plot_bgcolor="rgba(0,0,0,0)", showlegend=False, hovermode=False,
        font=dict(family=FONT_FAMILY, size=SMALL_PX, color=pal.ink),
        geo=geo, shapes=shapes, annotations=notes,
        meta=dict(slide_size=[int(size[0]), int(size[1])], slide_scale=scale),
        **layout_axes,
    )
    return go.Figure(data=data, layout=layout)


# ---------------------------------------------------------------------------------------------------------------
# Images: one kaleido server per process
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
