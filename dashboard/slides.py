"""Slides: one 16:9 canvas that places the timeline, the map and the network for a Selection, for a projector.

Belongs here: the slide's layout only — a headline, the views' own figures (timeline_figure, map_figure and the
network's Plotly figure, built for their box's size in presentation mode) placed in their boxes (canvas.py moves
their axes, geo and annotations there), the legend model's entries (legend.py) beside them, a line stating the
filters and the selected record, and a credit line (slide_figure, a plain dict); the same with its config for the
browser to render (slide_payload: "Download slide" runs plotly.js's toImage in the user's browser,
assets/slide_download.js). Does not belong here: drawing or re-reading a view (views/*: a slide never re-draws a
mark, a label or a legend entry of a view, nor parses one), images on the server (slide_export.py, for the command
line), choosing selections (selection.py, cli.py), or Dash (never imported).

Sizes: the canvas is always laid out at 1920×1080 px (its own text sized for a projector: body ≥ 16 px, title
40 px); a larger 16:9 size is the same layout rendered at a scale (3840×2160 = scale 2), never re-laid-out tiny.
Module state: one semaphore (a constant) letting one thread per process build a slide for the browser at a time.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import threading
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Callable

from dashboard.canvas import (CANVAS_PX, ROW_PX, SMALL_PX, Box, Canvas, fit_text, flow_legend, legend_rows,
                              legend_traces, place_cartesian, place_geo, text_px, wrap_text)
from dashboard.context import borders_layer
from dashboard.filenames import export_name
from dashboard.formatting import esc
from dashboard.legend import Legend, legend_model
from dashboard.selection import Selection, clean_period, related_ids, shown, summary
from dashboard.theme import FONT_FAMILY, LIGHT, PALETTES
from dashboard.views.debates import debates_figure
from dashboard.views.map import EXPORT_RESOLUTION, map_figure
from dashboard.views.network import network_figure, network_model
from dashboard.views.timeline import timeline_figure

TITLE = "Stalinism and the anti-Stalinist left"
FORMATS = ("png", "svg", "pdf")
# The layout's own size in px; other 16:9 sizes are rendered from it at a scale.
BASE_SIZE = CANVAS_PX
SIZES = MappingProxyType({"1920x1080": (1920, 1080), "3840x2160": (3840, 2160)})
# Type sizes in px at 1920×1080 of what the slide itself writes (and at least canvas.SMALL_PX: legends, credits):
# readable from the back of a lecture room.
TITLE_PX = 40
HEADLINE_PX = 28
TEXT_PX = 18  # the filters and selection lines, panel titles
SIDE_PX = 36  # left and right page margin
COL_GAP_PX = 36  # between the map and the network panels
PANEL_TITLE_PX = 32  # room for a panel's title above its frame
# The timeline's share of the height between the header and the legends (the panels below take the rest).
TIMELINE_SHARE = 0.42
# Width of the map's legend column (px), and the most rows the movement and network legend strips take.
MAP_LEGEND_PX = 290
MOVEMENT_ROWS = 3
NETWORK_LEGEND_ROWS = 4
# Lines the selected record's line (title and quote) may take before it is cut.
SELECTED_LINES = 2
COORDS_CREDIT = "Coordinates: editor's geocoding"
# Slide figures built at once per process for the browser (slide_payload): each takes a few tens of ms of CPU, and
# a thread waiting for the slot does not hold the interpreter, so other requests keep their share.
_PAYLOAD_SLOT = threading.BoundedSemaphore(1)
# A record's kind as the selected-record line names it.
_KIND_WORDS = MappingProxyType({"events": "event", "places": "site", "routes": "route", "actors": "actor",
                                "relations": "tie", "estimates": "estimate", "periods": "period", "claims": "claim"})


# ---------------------------------------------------------------------------------------------------------------
# Sizes and the slide's own annotations
# ---------------------------------------------------------------------------------------------------------------


def scale_for(size: tuple[int, int]) -> float:
    """The scale a 16:9 `size` renders the 1920×1080 layout at; ValueError for any other shape."""
    w, h = size
    if not (isinstance(w, int) and isinstance(h, int)) or w <= 0 or h <= 0:
        raise ValueError(f"slide size must be two positive integers, not {size!r}")
    if w * 9 != h * 16:
        raise ValueError(f"slide size must be 16:9 (e.g. 1920x1080 or 3840x2160), not {w}x{h}")
    return w / BASE_SIZE[0]


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
# The views, built for their boxes
# ---------------------------------------------------------------------------------------------------------------


def _sized(builder: Callable, size: tuple[int, int] | None) -> dict:
    """`size=` for a view builder that lays itself out for a size in px (labels placed for it), else nothing."""
    return {"size": size} if size is not None and "size" in inspect.signature(builder).parameters else {}


@dataclass(frozen=True)
class SlideViews:
    """The views' own figures as the slide places them, with the boxes they were built for."""

    timeline: dict
    map: dict
    network: dict
    legend: Legend
    boxes: MappingProxyType  # view → Box on the canvas
    debates: dict | None = None  # the Debates view, in the map's place when the page shows it (sel.view)


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
    model = network_model(b, present, sh, rel, ctx.positions, prep=ctx.network, present=True,
                          **_sized(network_model, size("network")))
    net = network_figure(model, pal)
    legend = legend or legend_model(b, sh, pal, ctx.map, ctx.network)
    deb = None
    if sel.view == "debates":
        box = boxes.get("map_panel") if boxes else None
        deb = debates_figure(b, sel, present=True, palette=pal,
                             **({"size": (int(box.w) - 8, int(box.h) - 8)} if box is not None else {}))
    return SlideViews(timeline=tl, map=mp, network=net, legend=legend,
                      boxes=MappingProxyType(dict(boxes or {})), debates=deb)


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
    src = ctx.source_for(sel.selected) if sel.selected else None
    if src is None:
        return ""
    kind = ctx.bundle.kind_of.get(sel.selected, "")
    line = f"Selected: {src.title} ({_KIND_WORDS.get(kind, kind or 'record')})"
    if src.quote:
        line += f" — “{' '.join(str(src.quote).split())}”"
    # where the texts disagree on it, both sides in a few words (the page's source panel sets them side by side)
    for _what, sides in src.disagree[:1]:
        line += " · sources disagree: " + " ≠ ".join(f"{doc}: “{value}”" for _, doc, value, _ in sides)
    if src.happening_differs and not src.disagree:
        line += f" · the sources differ on the {src.happening_differs}"
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


def _citation_line(sel: Selection, accessed: dt.date | None = None) -> str:
    """How to cite the slide's view (field_formats.cite_short: title, version, the view's query, today's date),
    cut to the slide's width."""
    from dashboard import __version__
    from dashboard.field_formats import cite_short

    line = cite_short(sel, __version__, accessed or dt.date.today())
    return fit_text(line, SMALL_PX, BASE_SIZE[0] - 2 * SIDE_PX)


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
    if selected:  # on up to SELECTED_LINES lines, the last cut at a word if the quote runs on
        lines = list(wrap_text(selected, inner, TEXT_PX))
        if len(lines) > SELECTED_LINES:
            lines = lines[:SELECTED_LINES - 1] + [fit_text(" ".join(lines[SELECTED_LINES - 1:]), TEXT_PX, inner)]
        notes.append(_note("<br>".join(esc(line) for line in lines), SIDE_PX, y, size=TEXT_PX, color=pal.ink,
                           name="selected"))
        y += TEXT_PX * 1.3 * len(lines) + TEXT_PX * 0.2
    credits = _credit_lines(ctx, sel)
    names = ["credit" if i == 0 else f"credit{i + 1}" for i in range(len(credits))] + ["citation"]
    credits.append(_citation_line(sel))
    credit_y = H - 16 - len(credits) * SMALL_PX * 1.3
    for i, (line, name) in enumerate(zip(credits, names)):
        notes.append(_note(esc(line), SIDE_PX, credit_y + i * SMALL_PX * 1.3, size=SMALL_PX, color=pal.muted,
                           name=name))
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
    scale = scale_for(size)
    pal = PALETTES.get(sel.theme, LIGHT)
    W, H = BASE_SIZE
    sh = ctx.shown_for(sel)
    fixed, notes, header_bottom = slide_layout(ctx, sel, sh)
    inner = W - 2 * SIDE_PX
    col_w = (inner - COL_GAP_PX) / 2
    legend = legend_model(ctx.bundle, sh, pal, ctx.map, ctx.network)
    mv_placed = flow_legend([legend.movements], inner, max_rows=MOVEMENT_ROWS)
    net_placed = flow_legend([legend.actors, legend.ties], col_w - 16, max_rows=NETWORK_LEGEND_ROWS)
    boxes = _boxes(header_bottom, fixed["credits"].y, legend_rows(mv_placed), legend_rows(net_placed))
    map_placed = flow_legend([legend.routes, legend.sites], MAP_LEGEND_PX,
                             max_rows=int(boxes["map_legend"].h // ROW_PX))
    views = slide_views(ctx, sel, boxes, inline_assets=inline_assets, sh=sh, legend=legend)

    canvas = Canvas(data=[], layout={}, annotations=[], shapes=[])
    place_cartesian(views.timeline, boxes["timeline"], canvas)
    debates = views.debates is not None  # the page shows the Debates view in the map's place: so does the slide
    if debates:
        place_cartesian(views.debates, boxes["map_panel"].inset(4, 4, 4, 4), canvas, own_legend=False)
    else:
        place_geo(views.map, boxes["map"], canvas, own_legend=False)  # the legend model's column stands beside it
    place_cartesian(views.network, boxes["network"], canvas, own_legend=False)
    legend_traces(mv_placed, boxes["movements"], canvas, pal, "movement legend")
    if not debates:
        legend_traces(map_placed, boxes["map_legend"], canvas, pal, "map legend")
    legend_traces(net_placed, boxes["network_legend"], canvas, pal, "network legend")

    titles = (("map_panel", "Debates: who argues what" if debates else "Deportations and sites"),
              ("network_panel", "Factions and ties"))
    period = f"{sel.year_start}–{sel.year_end}" if sel.has_period else ""
    subtitles = {"map_panel": "the texts' named holders, by stance" if debates else
                 "modern borders" if sel.borders != "period" else "borders of the time",
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
    return {"figure": fig, "width": BASE_SIZE[0], "height": BASE_SIZE[1], "scale": scale_for(size),
            "filename": export_name("slide", sel, "png")}
