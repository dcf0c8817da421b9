"""Timeline view: events in lanes (by movement or by type), year ranges as bars, the texts' named periods as
labelled bands, and estimates (low–high as error bars) as a companion series below.

Pure: timeline_figure(bundle, selection, shown, related) → a new figure as a plain dict (plotly's JSON form: no
graph_objects validation on the request path). Never imports dash.
Each event mark carries its event_id in customdata; named periods carry their period_id. When more events are
shown than can be told apart (MAX_EVENT_MARKS), the lanes show how many events fall in each year instead, and a
cell's customdata is its year (a click zooms in).
The x axis is in years: a mark for year Y covers [Y, Y+1), so a single year is drawn at Y + 0.5.
What does not depend on the selection (lanes, stacking, hover text) is computed once: prepare_timeline().
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from dashboard.formatting import esc as _esc, fmt_range as _fmt_range, outside_note, preview as _preview, years_label as _years_label
from dashboard.selection import Selection, Shown, shown_mask
from dashboard.theme import DIM_OPACITY, EVENT_SYMBOLS, LIGHT, Palette, base_layout

NO_MOVEMENT_LANE = "No movement"
# Vertical offsets for marks that would overlap in one lane (lane spacing is 1).
_STACK = (0.0, 0.24, -0.24, 0.12, -0.12, 0.36, -0.36)
# Above this many event marks the lanes show counts per year: marks this dense cannot be told apart or clicked.
MAX_EVENT_MARKS = 1200
# Above this many event marks, hover labels leave out the quote (the source panel shows it on click).
DETAILED_HOVER_MARKS = 400
# Above this many estimates only the largest are drawn (a note says so).
MAX_ESTIMATE_MARKS = 300
# Colour of the per-year density cells and of a named era picked as the period.
ACCENT = "#0B5CAD"


@dataclass(frozen=True, eq=False)
class LaneRows:
    """One row per (event, lane) for one lane mode: an event of two movements stands in both lanes."""

    event_row: np.ndarray  # row of the event in the events frame
    lane: np.ndarray
    color: np.ndarray
    symbol: np.ndarray
    ids: np.ndarray
    x0: np.ndarray
    x1: np.ndarray
    xm: np.ndarray
    offset: np.ndarray  # vertical offset within the lane, from stacking over all events (stable when filtering)
    hover: np.ndarray
    short_hover: np.ndarray  # title and years only
    lane_order: tuple[str, ...]  # every lane, in display order
    lane_colors: MappingProxyType


@dataclass(frozen=True, eq=False)
class TimelinePrep:
    lanes: MappingProxyType  # lane mode → LaneRows
    estimate_hover: np.ndarray
    sections: tuple[tuple[int, int, str], ...]  # the texts' section periods (start, end, label), in order
    eras: tuple[tuple[str, int, int, str], ...]  # eras named in the texts (period_id, start, end, label)


def _stack_offsets(x: np.ndarray, lane: np.ndarray) -> np.ndarray:
    """Spread marks that fall within a year of each other in the same lane."""
    off = np.zeros(len(x))
    order = np.lexsort((x, lane))
    last_lane, recent = None, []
    for i in order:
        if lane[i] != last_lane:
            last_lane, recent = lane[i], []
        recent = [(xx, slot) for xx, slot in recent if x[i] - xx < 1.5]
        used = {slot for _, slot in recent}
        slot = 0
        while slot in used:
            slot += 1
        off[i] = _STACK[slot % len(_STACK)]
        recent.append((x[i], slot))
    return off


def _event_hover(r) -> str:
    note = outside_note(r.outside_text)
    return (f"<b>{_esc(r.title)}</b><br>{_years_label(r.year_start, r.year_end, r.date_note)} · "
            f"{r.event_type.replace('_', ' ')}<br><i>{_preview(r.quote)}</i>"
            + (f"<br>⚑ outside the texts: {_esc(note)}" if note else ""))


def _short_hover(r) -> str:
    return f"<b>{_esc(r.title)}</b><br>{_years_label(r.year_start, r.year_end, r.date_note)}"


def _lane_rows(events: pd.DataFrame, movements: pd.DataFrame, mode: str, hover: list[str],
               short: list[str]) -> LaneRows:
    colors = dict(zip(movements["movement_id"], movements["color"]))
    names = dict(zip(movements["movement_id"], movements["name"]))
    rows = []
    for i, ev in enumerate(events.itertuples()):
        first_color = colors.get(ev.movement_ids[0], "") if ev.movement_ids else ""
        if mode == "type":
            rows.append((i, ev.event_type.replace("_", " ").capitalize(), first_color or None))
        else:
            for m in ev.movement_ids or (None,):
                rows.append((i, names.get(m, NO_MOVEMENT_LANE), colors.get(m)))
    idx = np.array([r[0] for r in rows], dtype=np.int64)
    lane = np.array([r[1] for r in rows], dtype=object)
    color = np.array([r[2] for r in rows], dtype=object)  # None: no movement (the palette's grey)
    x0 = events["year_start"].astype(float).to_numpy()[idx]
    x1 = events["year_end"].astype(float).to_numpy()[idx] + 1
    xm = (x0 + x1) / 2
    types = events["event_type"].to_numpy(dtype=object)[idx]
    symbol = np.array([EVENT_SYMBOLS.get(t, "circle") if mode == "movement" else "circle" for t in types],
                      dtype=object)
    if mode == "type":
        order = tuple(sorted(set(lane)))
        lane_colors = {}
    else:
        present = set(lane)
        order = tuple(n for n in movements["name"] if n in present) + (
            (NO_MOVEMENT_LANE,) if NO_MOVEMENT_LANE in present else ())
        lane_colors = {names[m]: colors[m] for m in movements["movement_id"]}
    # stacking needs a numeric lane key
    lane_key = np.array([order.index(v) for v in lane]) if len(lane) else np.zeros(0)
    return LaneRows(event_row=idx, lane=lane, color=color, symbol=symbol,
                    ids=events["event_id"].to_numpy(dtype=object)[idx], x0=x0, x1=x1, xm=xm,
                    offset=_stack_offsets(xm, lane_key), hover=np.array(hover, dtype=object)[idx],
                    short_hover=np.array(short, dtype=object)[idx],
                    lane_order=order, lane_colors=MappingProxyType(lane_colors))


def prepare_timeline(bundle) -> TimelinePrep:
    """Everything about the timeline that does not depend on the selection (once per bundle)."""
    events, movements, estimates, periods = bundle.events, bundle.movements, bundle.estimates, bundle.periods
    hover = [_event_hover(r) for r in events.itertuples()]
    short = [_short_hover(r) for r in events.itertuples()]
    est_hover = [f"<b>{_esc(r.what)}</b><br>{_fmt_range(r.low, r.high, r.qualifier, r.unit)} · "
                 f"{_years_label(r.year_start, r.year_end)}<br><i>{_preview(r.quote)}</i>"
                 for r in estimates.itertuples()]
    return TimelinePrep(
        lanes=MappingProxyType({mode: _lane_rows(events, movements, mode, hover, short) for mode in ("movement", "type")}),
        estimate_hover=np.array(est_hover, dtype=object),
        sections=tuple((int(r.year_start), int(r.year_end), r.label) for r in
                       periods[periods["period_type"] == "section"].sort_values("year_start").itertuples()),
        eras=tuple((r.period_id, int(r.year_start), int(r.year_end), r.label) for r in
                   periods[periods["period_type"] == "era"].itertuples()),
    )


def timeline_figure(bundle, sel: Selection, shown: Shown, related: frozenset[str], *, present: bool = False,
                    year_span: tuple[int, int] | None = None, palette: Palette = LIGHT,
                    prep: TimelinePrep | None = None) -> dict:
    prep = prep or prepare_timeline(bundle)
    p = palette
    scale = 1.35 if present else 1.0
    lr: LaneRows = prep.lanes[sel.lanes]
    ev_mask = shown_mask(bundle, shown, "events")
    k = np.flatnonzero(ev_mask[lr.event_row]) if len(lr.event_row) else np.zeros(0, dtype=np.int64)
    present_lanes = set(lr.lane[k])
    lanes = [lane for lane in lr.lane_order if lane in present_lanes]
    lane_y = {lane: -i for i, lane in enumerate(lanes)}  # first lane on top
    lane_colors = dict(lr.lane_colors) | {NO_MOVEMENT_LANE: p.no_movement}

    estimates = bundle.estimates
    es_mask = shown_mask(bundle, shown, "estimates") & bundle.index.estimate_people
    es_rows = np.flatnonzero(es_mask)
    has_estimates = len(es_rows) > 0
    xaxis_row1 = "x"
    traces: list[dict] = []
    notes: list[dict] = []
    selecting = bool(sel.selected)

    if year_span is None:
        yrs = bundle.events[["year_start", "year_end"]].stack()
        year_span = (int(yrs.min()), int(yrs.max())) if len(yrs) else (1900, 2020)
    xr = [sel.year_start, sel.year_end + 1] if sel.has_period else [year_span[0] - 1, year_span[1] + 2]

    density = len(k) > MAX_EVENT_MARKS
    if len(k) and density:
        traces.append(_density_trace(lr, k, lane_y, xr, p))
        notes.append(dict(text=f"{len(k):,} events: too many to draw one by one, so each cell counts the events of "
                          "a year · narrow the period or click a cell to zoom in",
                          x=0, y=1.0, xref="paper", yref="paper", xanchor="left", yanchor="bottom",
                          showarrow=False, font=dict(size=10 * scale, color=p.muted),
                          bgcolor=p.paper))
    elif len(k):
        y = np.array([lane_y[v] for v in lr.lane[k]]) + lr.offset[k]
        ids = lr.ids[k]
        colors = np.array([c or p.no_movement for c in lr.color[k]], dtype=object)
        on = np.array([(not selecting) or i in related for i in ids], dtype=bool)
        x0, x1, xm = lr.x0[k], lr.x1[k], lr.xm[k]
        is_range = (x1 - x0) > 1
        # ranges: one trace of bars with gaps per colour
        for color in sorted(set(colors[is_range])):
            sub = np.flatnonzero(is_range & (colors == color))
            xs, ys = [], []
            for i in sub:
                xs += [float(x0[i]), float(x1[i]), None]
                ys += [float(y[i]), float(y[i]), None]
            dimmed = selecting and not on[sub].any()
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", xaxis=xaxis_row1, yaxis="y",
                               line=dict(color=color, width=5 * scale), opacity=DIM_OPACITY if dimmed else 0.45,
                               hoverinfo="skip", showlegend=False, name="Ranges"))
        is_sel = ids == sel.selected
        traces.append(dict(
            type="scatter", x=xm.tolist(), y=np.round(y, 3).tolist(), mode="markers", xaxis=xaxis_row1,
            yaxis="y", customdata=ids.tolist(), hoverinfo="text", name="Events",
            hovertext=(lr.hover if len(k) <= DETAILED_HOVER_MARKS else lr.short_hover)[k].tolist(),
            showlegend=False,
            marker=dict(color=colors.tolist(), symbol=lr.symbol[k].tolist(),
                        size=(np.where(is_sel, 16, 10) * scale).tolist(),
                        opacity=np.where(on, 1.0, DIM_OPACITY).tolist(),
                        line=dict(width=np.where(is_sel, 2.5, 0.6).tolist(),
                                  color=np.where(is_sel, p.highlight, p.mark_line).tolist())),
        ))
    else:
        notes.append(dict(text="No events match these filters", x=0.5, y=0.6, xref="paper", yref="paper",
                          showarrow=False, font=dict(size=14, color=p.muted)))

    layout_axes: dict = {}
    if has_estimates:
        if len(es_rows) > MAX_ESTIMATE_MARKS:
            vals = estimates["high"].astype(float).fillna(estimates["low"].astype(float)).to_numpy()[es_rows]
            es_rows = np.sort(es_rows[np.argsort(-np.nan_to_num(vals, nan=0.0), kind="stable")[:MAX_ESTIMATE_MARKS]])
            notes.append(dict(text=f"the {MAX_ESTIMATE_MARKS} largest estimates", x=1, y=0.0, xref="paper",
                              yref="paper", xanchor="right", yanchor="bottom", showarrow=False,
                              font=dict(size=9 * scale, color=p.muted)))
        traces.append(_estimates_trace(estimates.iloc[es_rows], prep.estimate_hover[es_rows], sel, related,
                                       scale, p))
        layout_axes = dict(
            xaxis=dict(domain=[0, 1], anchor="y", matches="x2", showticklabels=False),
            yaxis=dict(domain=[0.305, 1.0]),
            xaxis2=dict(domain=[0, 1], anchor="y2"),
            yaxis2=dict(domain=[0.0, 0.226], anchor="x2", type="log", fixedrange=True, gridcolor=p.grid,
                        automargin=True, zeroline=False,
                        tickfont=dict(size=9.5 * scale, color=p.muted),
                        title=dict(text="people (log)", font=dict(size=10 * scale, color=p.muted))),
        )
    else:
        layout_axes = dict(xaxis=dict(domain=[0, 1], anchor="y"), yaxis=dict(domain=[0, 1], anchor="x"))

    ticktext = [f'<span style="color:{lane_colors.get(lane, p.muted) if sel.lanes == "movement" else p.muted}">'
                f'{_esc(lane)}</span>' for lane in lanes]
    layout_axes["yaxis"] |= dict(tickvals=[lane_y[lane] for lane in lanes], ticktext=ticktext,
                                 range=[-len(lanes) + 0.4, 0.6], fixedrange=True, showgrid=True, gridcolor=p.grid,
                                 zeroline=False, tickfont=dict(size=11 * scale), automargin=True)
    span = xr[1] - xr[0]
    dtick = 1 if span <= 14 else 2 if span <= 30 else 5 if span <= 60 else 10
    x_common = dict(range=xr, showgrid=True, gridcolor=p.grid, zeroline=False, tickformat="d", dtick=dtick,
                    tickfont=dict(size=11 * scale, color=p.ink), automargin=True)
    layout_axes["xaxis"] |= x_common
    if has_estimates:
        layout_axes["xaxis2"] |= x_common
    shapes, band_notes = _period_bands(prep, sel, xr, scale, p)
    layout = base_layout(
        palette=p, dragmode="zoom", hovermode="closest", showlegend=False, margin=dict(l=8, r=12, t=22, b=8),
        font=dict(size=12 * scale, color=p.ink), shapes=shapes, annotations=band_notes + notes, **layout_axes,
    )
    return {"data": traces, "layout": layout}


def _density_trace(lr: LaneRows, k: np.ndarray, lane_y: dict, xr: list, p: Palette) -> dict:
    """Events per lane and year as a heatmap; each cell's customdata is its year."""
    years = np.arange(int(xr[0]), int(xr[1]))
    year_of = np.clip(np.floor(lr.xm[k]).astype(int), years[0], years[-1]) - years[0]
    n_lanes = len(lane_y)
    row_of = np.array([-lane_y[v] for v in lr.lane[k]])
    grid = np.zeros((n_lanes, len(years)))
    np.add.at(grid, (row_of, year_of), 1)
    z = [[int(v) if v else None for v in row] for row in grid]
    return dict(type="heatmap", x=(years + 0.5).tolist(), y=[-i for i in range(n_lanes)], z=z, xaxis="x",
                yaxis="y", customdata=[years.tolist()] * n_lanes, name="Events per year",
                hovertemplate="%{customdata}: %{z} events<br>click to zoom in<extra></extra>",
                colorscale=[[0, "rgba(11,92,173,0.12)"], [1, ACCENT]], showscale=False, xgap=1, ygap=6,
                zmin=0)


def _estimates_trace(est: pd.DataFrame, hover: np.ndarray, sel: Selection, related: frozenset[str], scale: float,
                     p: Palette) -> dict:
    lo = est["low"].astype(float)
    hi = est["high"].astype(float)
    val = hi.fillna(lo)
    ex = (est["year_start"].astype(float) + est["year_end"].astype(float) + 1) / 2
    half = (est["year_end"].astype(float) + 1 - est["year_start"].astype(float)) / 2
    eids = est["estimate_id"].to_numpy(dtype=object)
    selecting = bool(sel.selected)
    return dict(
        type="scatter", x=ex.tolist(), y=val.tolist(), mode="markers", xaxis="x2", yaxis="y2",
        customdata=eids.tolist(), name="Estimates", showlegend=False, hovertext=hover.tolist(), hoverinfo="text",
        marker=dict(symbol="diamond", size=7 * scale, color=p.ink, line=dict(width=0),
                    opacity=[1.0 if (not selecting or i in related) else DIM_OPACITY for i in eids]),
        error_x=dict(type="data", array=half.tolist(), visible=True, width=0, thickness=1.5, color=p.muted),
        error_y=dict(type="data", array=[0] * len(val), arrayminus=(val - lo).fillna(0).tolist(), visible=True,
                     width=3, thickness=1.2, color=p.muted),
    )


# Width of the plot area in px, roughly, used to decide how much of a band's label fits.
_PLOT_PX = 1000
_CHAR_PX = 6.2


def _fit_label(label: str, band_years: float, span_years: float, scale: float) -> str:
    """The band's label cut to fit its width: the full label, its name without the years, or nothing."""
    room = band_years / max(span_years, 1) * _PLOT_PX / (_CHAR_PX * scale)
    name = label.split(" (")[0]
    for candidate in (label, name):
        if len(candidate) <= room:
            return candidate
    if room >= 8:
        return name[: int(room) - 1].rstrip() + "…"
    return ""


def _period_bands(prep: TimelinePrep, sel: Selection, xr: list, scale: float,
                  p: Palette) -> tuple[list[dict], list[dict]]:
    """The texts' section periods as alternating shaded bands, labelled; a named era picked as the period (or
    selected) is drawn as a tinted band with its label."""
    span = xr[1] - xr[0]
    shapes, notes = [], []
    for k, (start, end, label) in enumerate(prep.sections):
        x0, x1 = float(start), float(end) + 1
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, layer="below",
                           fillcolor=p.band_fills[k % 2], line=dict(width=0)))
        lo, hi = max(x0, xr[0]), min(x1, xr[1])
        text = _fit_label(label, hi - lo, span, scale) if hi > lo else ""
        if text:
            notes.append(dict(x=(lo + hi) / 2, y=1.0, xref="x", yref="paper", text=_esc(text), showarrow=False,
                              yanchor="bottom", xanchor="center", font=dict(size=9.5 * scale, color=p.muted),
                              hovertext=_esc(label)))
    for period_id, start, end, label in prep.eras:
        if not ((start, end) == (sel.year_start, sel.year_end) or period_id == sel.selected):
            continue
        x0, x1 = float(start), float(end) + 1
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, layer="below",
                           fillcolor="rgba(11,92,173,0.07)", line=dict(color="rgba(11,92,173,0.5)", width=1,
                                                                        dash="dot")))
        notes.append(dict(x=x0, y=0.995, xref="x", yref="paper", text=f"<b>{_esc(label)}</b>", showarrow=False,
                          xanchor="left", yanchor="top",
                          font=dict(size=10.5 * scale, color=ACCENT if p.name == "light" else "#8DB8F0")))
    return shapes, notes
