"""Filter bar: period slider and named-period buttons, movements (with their colours), types, search, reset.

Layout only: the values it shows come from the Selection (callbacks write them back after every change).
"""

from __future__ import annotations

from types import MappingProxyType

import re

from dash import dcc, html

from dashboard import ids
from dashboard.schema import EVENT_TYPES, PLACE_TYPES
from dashboard.selection import Vocab
from dashboard.theme import MAP_REGIONS, PLACE_TYPE_LABELS


def movement_options(movements) -> list[dict]:
    """The families (the texts' broad movements, each with its colour), each followed by the movements, currents
    and groups the texts name inside it (indented, in the family's colour)."""
    families = movements[movements["family_id"] == movements["movement_id"]]
    out = []
    for fam in families.itertuples():
        members = movements[(movements["family_id"] == fam.movement_id) & (movements["movement_id"] != fam.movement_id)]
        for r, inner in ((fam, False), *((m, True) for m in members.sort_values("name").itertuples())):
            out.append({
                "label": html.Span([html.Span(className="swatch", style={"backgroundColor": r.color}),
                                    ("↳ " if inner else "") + r.name],
                                   className="movement-option" + (" movement-inner" if inner else "")),
                "value": r.movement_id, "search": r.name,
            })
    return out


def type_options(events, places) -> list[dict]:
    present_events = set(events["event_type"])
    present_places = set(places["place_type"])
    opts = [{"label": f"Event: {t.replace('_', ' ')}", "value": t} for t in EVENT_TYPES if t in present_events]
    seen = {o["value"] for o in opts}
    for t in PLACE_TYPES:
        if t in present_places and t not in seen:
            opts.append({"label": f"Place: {PLACE_TYPE_LABELS.get(t, t).lower()}", "value": t})
    return opts


def short_period_label(label: str) -> str:
    """'Mid-century critiques (1939–1953)' → '1939–1953': the years in the label's parentheses, else the label."""
    m = re.search(r"\(([^()]*\d{2}[^()]*)\)\s*$", label)
    return m.group(1) if m else label


def _slider_marks(vocab: Vocab) -> dict:
    start = (vocab.year_min // 10 + 1) * 10
    return {y: {"label": str(y)} for y in range(start, vocab.year_max + 1, 10)}


# Playback speeds: milliseconds per step.
PLAY_SPEEDS = MappingProxyType({"slow": 2500, "normal": 1500, "fast": 800})
# the button's label while paused and while playing (assets/playback.js writes them too)
PLAY_LABEL, PAUSE_LABEL = "▶ Play", "❚❚ Pause"


def slot(component, kind: str = "field") -> html.Div:
    """A box of the size `component` has once drawn. Dash loads a dropdown's or a slider's code only when the page
    first draws it, and draws nothing until then; without the box, the filter bar and the header would grow under
    the views a moment after the page opens, and the views would be drawn twice (once for the sizes they had, once
    for the sizes they got). The sizes are in assets/app.css (.slot-*)."""
    return html.Div(component, className=f"slot slot-{kind}")


def play_controls() -> html.Div:
    """Play / pause, the step (one or five years) and the speed; the timer starts disabled. A click is read in the
    browser (assets/playback.js): a pause stops the timer there and then, a start asks the server for the first
    period (PLAY_REQUEST), the button's label follows the timer, and a tick asks for the next step (PLAY_TICK) only
    once the last one has been answered."""
    return html.Div(className="play-controls", children=[
        html.Button(PLAY_LABEL, id=ids.PLAY, n_clicks=0, className="tool-button play-button",
                    title="Step the period through the years; every view follows"),
        dcc.RadioItems(id=ids.PLAY_STEP, options=[{"label": "1 year", "value": 1}, {"label": "5 years", "value": 5}],
                       value=1, inline=True, className="view-toggle"),
        slot(dcc.Dropdown(id=ids.PLAY_SPEED, options=[{"label": k, "value": k} for k in PLAY_SPEEDS],
                          value="normal", clearable=False, searchable=False, className="play-speed"), "small"),
        dcc.Interval(id=ids.PLAY_TIMER, interval=PLAY_SPEEDS["normal"], disabled=True, n_intervals=0),
        dcc.Store(id=ids.PLAY_REQUEST, storage_type="memory"),
        dcc.Store(id=ids.PLAY_TICK, storage_type="memory"),
    ])


def filter_bar(bundle, vocab: Vocab, playback=None) -> html.Div:
    periods = bundle.periods.sort_values(["period_type", "year_start"], ascending=[False, True])
    return html.Div(className="filter-bar", role="search", children=[
        html.Div(className="filter-period", children=[
            html.Label("Period", htmlFor=ids.PERIOD_SLIDER, className="filter-label"),
            slot(dcc.RangeSlider(id=ids.PERIOD_SLIDER, min=vocab.year_min, max=vocab.year_max, step=1,
                                 value=[vocab.year_min, vocab.year_max], marks=_slider_marks(vocab), allowCross=False,
                                 tooltip={"placement": "bottom", "always_visible": False}, updatemode="mouseup"),
                 "slider"),
            html.Div(className="period-buttons", children=[
                html.Span("Sections:", className="period-buttons-label"),
                *[html.Button(short_period_label(r.label), id=ids.period_button(r.period_id), n_clicks=0,
                              className="period-button section", title=f"{r.label}: {r.year_start}–{r.year_end}")
                  for r in periods[periods["period_type"] == "section"].itertuples()],
            ]),
            playback,
        ]),
        html.Div(className="filter-controls", children=[
            slot(dcc.Dropdown(id=ids.MOVEMENTS, options=movement_options(bundle.movements), multi=True,
                              placeholder="All movements", className="filter-movements", value=[])),
            slot(dcc.Dropdown(id=ids.TYPES, options=type_options(bundle.events, bundle.places), multi=True,
                              placeholder="All event and place types", className="filter-types", value=[])),
            slot(dcc.Dropdown(id=ids.PERIOD_MENU, className="period-menu", placeholder="Named periods…",
                              clearable=True, searchable=True, value=None,
                              options=[{"label": f"{r.label} ({r.year_start}–{r.year_end})", "value": r.period_id}
                                       for r in periods[periods["period_type"] == "era"].itertuples()])),
            dcc.Input(id=ids.SEARCH, type="search", placeholder="Search titles and quotes…", debounce=True,
                      className="filter-search", value="", maxLength=200),
            html.Button("Reset", id=ids.RESET, n_clicks=0, className="reset-button",
                        title="Clear every filter and the selection"),
        ]),
    ])


def lane_toggle() -> dcc.RadioItems:
    return dcc.RadioItems(id=ids.LANES, options=[{"label": "by movement", "value": "movement"},
                                                 {"label": "by type", "value": "type"}],
                          value="movement", inline=True, className="view-toggle")


def region_toggle() -> dcc.RadioItems:
    return dcc.RadioItems(id=ids.REGION, options=[{"label": v["label"], "value": k} for k, v in MAP_REGIONS.items()],
                          value="fit", inline=True, className="view-toggle")


def view_switch() -> dcc.RadioItems:
    """The map's panel shows the map, or the Debates view (?view=debates)."""
    return dcc.RadioItems(id=ids.VIEW_SWITCH, options=[{"label": "Deportations and sites", "value": "map"},
                                                       {"label": "Debates", "value": "debates"}],
                          value="map", inline=True, className="view-toggle view-switch")


def borders_toggle() -> dcc.RadioItems:
    return dcc.RadioItems(id=ids.BORDERS, options=[{"label": "modern borders", "value": "modern"},
                                                   {"label": "borders of the time", "value": "period"}],
                          value="modern", inline=True, className="view-toggle")


def network_toggle() -> dcc.RadioItems:
    """The network shows the actors of what the filters show, or everyone with the rest faded."""
    return dcc.RadioItems(id=ids.NETWORK_MODE, options=[{"label": "what is shown", "value": "shown"},
                                                        {"label": "everyone, faded", "value": "all"}],
                          value="shown", inline=True, className="view-toggle")


def dates_toggle() -> dcc.RadioItems:
    """Dates drawn: refined from outside the texts (⚑) where a record has one, or the texts' own dates only."""
    return dcc.RadioItems(id=ids.DATE_MODE, options=[{"label": "refined dates ⚑", "value": "refined"},
                                                     {"label": "texts' dates", "value": "text"}],
                          value="refined", inline=True, className="view-toggle",
                          inputClassName="dates-input")
