"""One Plotly canvas of several figures: each figure's plot area placed in a box of px, its axes renumbered and
its domains, shapes, annotations and legend moved there, untouched otherwise; and legend entries (legend.py's
swatches) laid out in rows and drawn on hidden px axes.

Belongs here: the mechanics of composing figures (used by slides.py for its canvas). Does not belong here: what
goes where on a slide (slides.py), drawing a view (views/*), Dash (never imported). Pure functions over plain
figure dicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Iterable

from dashboard.formatting import esc
from dashboard.legend import LegendGroup
from dashboard.views.network import PLOTLY_DASH
from dashboard.theme import FONT_FAMILY, Palette

# The canvas's size in px (16:9; other sizes are the same canvas rendered at a scale).
CANVAS_PX = (1920, 1080)
# The smallest text the canvas writes itself (legend entries), px.
SMALL_PX = 16
ROW_PX = 27  # one row of a legend strip
# Approximate advance widths of DejaVu Sans (Chromium's fallback for the theme's system fonts on Linux; wider than
# most), in em, for laying out text without a browser. Over-estimates are safe: they leave room.
_NARROW, _SEMI, _WIDE = set("il.,:;'|!·ıj"), set("frt()[]/ -\"*"), set("mwMW@%—…")
# Plotly's margins (px) where a figure sets none.
_PLOTLY_MARGIN = MappingProxyType({"l": 80, "r": 80, "t": 100, "b": 80})


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



@dataclass(frozen=True)
class Box:
    """A rectangle on the canvas, in px from the top left."""

    x: float
    y: float
    w: float
    h: float

    @property
    def size(self) -> tuple[int, int]:
        return int(round(self.w)), int(round(self.h))

    def inset(self, left: float = 0, top: float = 0, right: float = 0, bottom: float = 0) -> "Box":
        return Box(self.x + left, self.y + top, max(self.w - left - right, 1.0), max(self.h - top - bottom, 1.0))

    def px(self, fx: float, fy: float) -> tuple[float, float]:
        """Canvas paper coordinates of the point at fractions (fx, fy) of the box, fy from the bottom as in
        Plotly's paper coordinates."""
        return (self.x + fx * self.w) / CANVAS_PX[0], 1 - (self.y + (1 - fy) * self.h) / CANVAS_PX[1]

    def xdomain(self, d=(0.0, 1.0)) -> list[float]:
        return [max(0.0, self.px(d[0], 0)[0]), min(1.0, self.px(d[1], 0)[0])]

    def ydomain(self, d=(0.0, 1.0)) -> list[float]:
        return [max(0.0, self.px(0, d[0])[1]), min(1.0, self.px(0, d[1])[1])]


# ---------------------------------------------------------------------------------------------------------------
# Placing a figure in a box: its plot area (paper) inside its own margins, its axes renumbered
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
    return box.inset(max(float(m["l"]), left), float(m["t"]), float(m["r"]), max(float(m["b"]), bottom))


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
# Legend entries in rows, on hidden px axes
# ---------------------------------------------------------------------------------------------------------------

_SWATCH_PX = MappingProxyType({"marker": 20, "line": 34, "note": 0})


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


def wrap_text(label: str, width: float, size: float = SMALL_PX) -> tuple[str, ...]:
    """`label` in lines of at most `width` px at `size` px, broken between words (a word longer than a line
    stays whole)."""
    lines, cur = [], ""
    for w in label.split(" "):
        if cur and text_px(f"{cur} {w}", size) > width:
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
            lines = (sw.label,) if need <= width - x else wrap_text(sw.label, width - x - _icon_px(sw))
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
