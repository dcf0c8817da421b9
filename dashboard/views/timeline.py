"""Timeline view: events in lanes (by movement or by type), year ranges as bars, the texts' named periods as
labelled bands, and estimates as a companion series below.

Pure: timeline_figure(bundle, selection, shown, related) → a new plotly Figure. Never imports dash.
Each event mark carries its event_id in customdata; named periods carry their period_id.
The x axis is in years: a mark for year Y covers [Y, Y+1), so a single year is drawn at Y + 0.5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.formatting import esc as _esc, fmt_range as _fmt_range, outside_note, preview as _preview, years_label as _years_label
from dashboard.selection import Selection, Shown
from dashboard.theme import (BAND_FILLS, DIM_OPACITY, EVENT_SYMBOLS, GRID, HIGHLIGHT, INK, MUTED, NO_MOVEMENT,
                             base_layout)

NO_MOVEMENT_LANE = "No movement"
# Vertical offsets for marks that would overlap in one lane (lane spacing is 1).
_STACK = (0.0, 0.24, -0.24, 0.12, -0.12, 0.36, -0.36)


def _lane_rows(events: pd.DataFrame, movements: pd.DataFrame, lanes: str) -> tuple[pd.DataFrame, list[str], dict]:
    """One row per (event, lane): an event of two movements stands in both lanes."""
    colors = dict(zip(movements["movement_id"], movements["color"]))
    names = dict(zip(movements["movement_id"], movements["name"]))
    rows = []
    for ev in events.itertuples():
        first_color = colors.get(ev.movement_ids[0], NO_MOVEMENT) if ev.movement_ids else NO_MOVEMENT
        if lanes == "type":
            rows.append((ev.Index, ev.event_type.replace("_", " ").capitalize(), first_color))
        else:
            for m in ev.movement_ids or (None,):
                rows.append((ev.Index, names.get(m, NO_MOVEMENT_LANE), colors.get(m, NO_MOVEMENT)))
    lane_df = pd.DataFrame(rows, columns=["idx", "lane", "color"])
    if lanes == "type":
        order = sorted(lane_df["lane"].unique())
        lane_colors = {lane: MUTED for lane in order}
    else:
        order = [n for n in movements["name"] if n in set(lane_df["lane"])]
        if NO_MOVEMENT_LANE in set(lane_df["lane"]):
            order.append(NO_MOVEMENT_LANE)
        lane_colors = {names[m]: colors[m] for m in movements["movement_id"]} | {NO_MOVEMENT_LANE: NO_MOVEMENT}
    out = lane_df.merge(events, left_on="idx", right_index=True)
    return out, order, lane_colors


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


def timeline_figure(bundle, sel: Selection, shown: Shown, related: frozenset[str], *, present: bool = False,
                    year_span: tuple[int, int] | None = None) -> go.Figure:
    events = bundle.events
    events = events[events["event_id"].isin(set(shown.event_ids))].reset_index(drop=True)
    movements = bundle.movements
    periods = bundle.periods
    estimates = bundle.estimates
    estimates = estimates[estimates["estimate_id"].isin(set(shown.estimate_ids)) & (estimates["unit"] == "people")
                          & estimates["year_start"].notna()].reset_index(drop=True)
    scale = 1.35 if present else 1.0

    has_estimates = len(estimates) > 0
    fig = make_subplots(rows=2 if has_estimates else 1, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=[0.76, 0.24] if has_estimates else [1.0])

    rows, order, lane_colors = _lane_rows(events, movements, sel.lanes)
    lanes = order
    lane_y = {lane: -i for i, lane in enumerate(lanes)}  # first lane on top

    selecting = bool(sel.selected)

    if len(rows):
        x0 = rows["year_start"].astype(float).to_numpy()
        x1 = rows["year_end"].astype(float).to_numpy() + 1
        xm = (x0 + x1) / 2
        lane_idx = rows["lane"].map(lane_y).to_numpy()
        y = lane_idx + _stack_offsets(xm, lane_idx)
        is_range = (x1 - x0) > 1
        ids = rows["event_id"].to_numpy()
        opacity = np.array([1.0 if (not selecting or i in related) else DIM_OPACITY for i in ids])
        # ranges: one trace of bars with gaps, coloured per lane colour group
        for color, grp in pd.DataFrame({"c": rows["color"], "r": is_range}).groupby("c"):
            sub = grp.index[grp["r"]].to_numpy()
            if not len(sub):
                continue
            xs, ys = [], []
            for i in sub:
                xs += [x0[i], x1[i], None]
                ys += [y[i], y[i], None]
            dimmed = selecting and not any(ids[i] in related for i in sub)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=color, width=5 * scale),
                                     opacity=DIM_OPACITY if dimmed else 0.45, hoverinfo="skip", showlegend=False),
                          row=1, col=1)
        symbols = [EVENT_SYMBOLS.get(t, "circle") for t in rows["event_type"]] if sel.lanes == "movement" else \
            ["circle"] * len(rows)
        sizes = np.where(ids == sel.selected, 16, 10) * scale
        hover = [
            f"<b>{_esc(r.title)}</b><br>{_years_label(r.year_start, r.year_end, r.date_note)} · "
            f"{r.event_type.replace('_', ' ')}<br><i>{_preview(r.quote)}</i>"
            + ("<br>⚑ outside the texts: " + _esc(outside_note(r.outside_text)) if outside_note(r.outside_text)
               else "")
            for r in rows.itertuples()
        ]
        fig.add_trace(go.Scatter(
            x=xm, y=y, mode="markers", customdata=ids, hovertext=hover, hoverinfo="text", name="Events",
            marker=dict(color=rows["color"].tolist(), symbol=symbols, size=sizes, opacity=opacity,
                        line=dict(width=np.where(ids == sel.selected, 2.5, 0.6),
                                  color=np.where(ids == sel.selected, HIGHLIGHT, "white").tolist())),
            showlegend=False,
        ), row=1, col=1)

    if has_estimates:
        ex = (estimates["year_start"].astype(float) + estimates["year_end"].astype(float) + 1) / 2
        lo = estimates["low"].astype(float)
        hi = estimates["high"].astype(float)
        val = hi.fillna(lo)
        err_minus = (val - lo).fillna(0)
        half = (estimates["year_end"].astype(float) + 1 - estimates["year_start"].astype(float)) / 2
        eids = estimates["estimate_id"].to_numpy()
        fig.add_trace(go.Scatter(
            x=ex, y=val, mode="markers", customdata=eids, name="Estimates", showlegend=False,
            marker=dict(symbol="diamond", size=7 * scale, color=INK, line=dict(width=0),
                        opacity=[1.0 if (not selecting or i in related) else DIM_OPACITY for i in eids]),
            error_x=dict(type="data", array=half, visible=True, width=0, thickness=1.5, color="#6E7781"),
            error_y=dict(type="data", array=[0] * len(val), arrayminus=err_minus, visible=True, width=3,
                         thickness=1.2, color=MUTED),
            hovertext=[f"<b>{_esc(r.what)}</b><br>{_fmt_range(r.low, r.high, r.qualifier, r.unit)} · "
                       f"{_years_label(r.year_start, r.year_end)}<br><i>{_preview(r.quote)}</i>"
                       for r in estimates.itertuples()],
            hoverinfo="text",
        ), row=2, col=1)
        fig.update_yaxes(type="log", title=dict(text="people (log)", font=dict(size=10 * scale, color=MUTED)),
                         gridcolor=GRID, row=2, col=1, fixedrange=True, tickfont=dict(size=9.5 * scale))

    ticktext = [f'<span style="color:{lane_colors.get(lane, MUTED)}">{_esc(lane)}</span>' for lane in lanes]
    fig.update_yaxes(tickvals=[lane_y[lane] for lane in lanes], ticktext=ticktext, range=[-len(lanes) + 0.4, 0.6],
                     fixedrange=True, showgrid=True, gridcolor=GRID, zeroline=False, row=1, col=1,
                     tickfont=dict(size=11 * scale))
    if year_span is None:
        year_span = (int(events["year_start"].min()) if len(events) else 1900,
                     int(events["year_end"].max()) if len(events) else 2020)
    xr = [sel.year_start, sel.year_end + 1] if sel.has_period else [year_span[0] - 1, year_span[1] + 2]
    _period_bands(fig, periods, sel, xr, scale)
    span = xr[1] - xr[0]
    dtick = 1 if span <= 14 else 2 if span <= 30 else 5 if span <= 60 else 10
    fig.update_xaxes(range=xr, showgrid=True, gridcolor=GRID, zeroline=False, tickformat="d", dtick=dtick,
                     tickfont=dict(size=11 * scale))
    fig.update_layout(**base_layout(
        dragmode="zoom", hovermode="closest", showlegend=False,
        margin=dict(l=8, r=12, t=22, b=8),
        font=dict(size=12 * scale, color=INK),
    ))
    if not len(rows):
        fig.add_annotation(text="No events match these filters", x=0.5, y=0.6, xref="paper", yref="paper",
                           showarrow=False, font=dict(size=14, color=MUTED))
    return fig


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


def _period_bands(fig: go.Figure, periods: pd.DataFrame, sel: Selection, xr: list, scale: float) -> None:
    """The texts' section periods as alternating shaded bands, labelled; a named era picked as the period (or
    selected) is drawn as a tinted band with its label. Shapes and labels are added in one layout update (adding
    them one by one re-validates the figure each time)."""
    span = xr[1] - xr[0]
    shapes, notes = [], []
    sections = periods[periods["period_type"] == "section"].sort_values("year_start")
    for k, r in enumerate(sections.itertuples()):
        x0, x1 = float(r.year_start), float(r.year_end) + 1
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, layer="below",
                           fillcolor=BAND_FILLS[k % 2], line=dict(width=0)))
        lo, hi = max(x0, xr[0]), min(x1, xr[1])
        text = _fit_label(r.label, hi - lo, span, scale) if hi > lo else ""
        if text:
            notes.append(dict(x=(lo + hi) / 2, y=1.0, xref="x", yref="paper", text=_esc(text), showarrow=False,
                              yanchor="bottom", xanchor="center", font=dict(size=9.5 * scale, color=MUTED),
                              hovertext=_esc(r.label)))
    eras = periods[periods["period_type"] == "era"]
    picked = eras[((eras["year_start"] == sel.year_start) & (eras["year_end"] == sel.year_end))
                  | (eras["period_id"] == sel.selected)]
    for r in picked.itertuples():
        x0, x1 = float(r.year_start), float(r.year_end) + 1
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, layer="below",
                           fillcolor="rgba(11,92,173,0.07)", line=dict(color="rgba(11,92,173,0.5)", width=1,
                                                                        dash="dot")))
        notes.append(dict(x=x0, y=0.995, xref="x", yref="paper", text=f"<b>{_esc(r.label)}</b>", showarrow=False,
                          xanchor="left", yanchor="top", font=dict(size=10.5 * scale, color="#0B5CAD")))
    fig.update_layout(shapes=list(fig.layout.shapes) + shapes, annotations=list(fig.layout.annotations) + notes)
