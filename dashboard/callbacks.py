"""Thin Dash callbacks: turn inputs into plain arguments, hand off to pure functions, return their results.

Two callbacks: `sync` folds one user event into the shared Selection (kept in a dcc.Store and the URL, and
written back to the controls); `draw` renders every view from (frames, selection).
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update

from dashboard import ids
from dashboard.context import AppContext, render
from dashboard.selection import Selection, apply_event, from_dict, from_query, to_query
from dashboard.views.source import render_source

# Which control a trigger came from → the event name selection.apply_event understands.
_EVENTS = {
    ids.PERIOD_SLIDER: "period_slider", ids.PERIOD_MENU: "period_button", ids.MOVEMENTS: "movements", ids.TYPES: "types", ids.SEARCH: "search",
    ids.RESET: "reset", ids.LANES: "lanes", ids.REGION: "region", ids.BG_CLICK: "clear",
}


def _first_customdata(click) -> str | None:
    try:
        value = click["points"][0]["customdata"]
    except (KeyError, IndexError, TypeError):
        return None
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def _relayout_range(relayout) -> object:
    if not isinstance(relayout, dict):
        return None
    if relayout.get("xaxis.autorange"):
        return "autorange"
    if "xaxis.range[0]" in relayout and "xaxis.range[1]" in relayout:
        return [relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]]
    if isinstance(relayout.get("xaxis.range"), list):
        return relayout["xaxis.range"]
    return None


def event_of(trigger, value) -> tuple[str | None, object]:
    """(event name, value) for a Dash trigger id and the triggering property's value."""
    if isinstance(trigger, dict):
        if trigger.get("type") == ids.PERIOD_BUTTON:
            return ("period_button", trigger.get("period")) if value else (None, None)
        if trigger.get("type") == ids.CITE_LINK:
            return ("select", trigger.get("record")) if value else (None, None)
        if trigger.get("type") == ids.CLEAR:
            return ("clear", None) if value else (None, None)
        return None, None
    if trigger in (ids.TIMELINE, ids.MAP) and isinstance(value, dict) and "points" in value:
        return "select", _first_customdata(value)
    if trigger == ids.TIMELINE:
        rng = _relayout_range(value)
        return ("timeline_range", rng) if rng is not None else (None, None)
    if trigger == ids.NETWORK:
        return "select", value.get("id") if isinstance(value, dict) else None
    return _EVENTS.get(trigger), value


def _controls(sel: Selection, app_ctx: AppContext) -> tuple:
    v = app_ctx.vocab
    period = [sel.year_start, sel.year_end] if sel.has_period else [v.year_min, v.year_max]
    era = next((pid for pid, _, s, e in v.periods if (s, e) == (sel.year_start, sel.year_end)
                and pid in app_ctx.era_ids), None)
    return period, era, list(sel.movement_ids), list(sel.types), sel.q, sel.lanes, sel.region


def register(app, app_ctx: AppContext) -> None:
    vocab = app_ctx.vocab

    @app.callback(
        Output(ids.SELECTION, "data"), Output(ids.URL, "search"),
        Output(ids.PERIOD_SLIDER, "value"), Output(ids.PERIOD_MENU, "value"), Output(ids.MOVEMENTS, "value"), Output(ids.TYPES, "value"),
        Output(ids.SEARCH, "value"), Output(ids.LANES, "value"), Output(ids.REGION, "value"),
        Input(ids.URL, "search"), Input(ids.PERIOD_SLIDER, "value"), Input(ids.PERIOD_MENU, "value"),
        Input({"type": ids.PERIOD_BUTTON, "period": ALL}, "n_clicks"),
        Input(ids.MOVEMENTS, "value"), Input(ids.TYPES, "value"), Input(ids.SEARCH, "value"),
        Input(ids.RESET, "n_clicks"), Input(ids.LANES, "value"), Input(ids.REGION, "value"),
        Input(ids.TIMELINE, "clickData"), Input(ids.TIMELINE, "relayoutData"), Input(ids.MAP, "clickData"),
        Input(ids.NETWORK, "tapNodeData"), Input(ids.NETWORK, "tapEdgeData"), Input(ids.BG_CLICK, "data"),
        Input({"type": ids.CITE_LINK, "record": ALL}, "n_clicks"),
        Input({"type": ids.CLEAR, "scope": ALL}, "n_clicks"),
        State(ids.SELECTION, "data"),
    )
    def sync(search, *args):
        previous = args[-1]
        trigger = ctx.triggered_id
        if trigger is None or trigger == ids.URL or previous is None:
            sel = from_query(search, vocab)
        else:
            # the triggering property's value (for the network: tapNodeData or tapEdgeData, both carry an id)
            value = ctx.triggered[0]["value"] if ctx.triggered else None
            event, value = event_of(trigger, value)
            if event is None:
                return (no_update,) * 9
            sel = apply_event(from_dict(previous, vocab), vocab, event, value)
        return (sel.to_dict(), to_query(sel), *_controls(sel, app_ctx))

    @app.callback(
        Output(ids.TIMELINE, "figure"), Output(ids.MAP, "figure"), Output(ids.NETWORK, "elements"),
        Output(ids.SOURCE, "children"), Output(ids.SUMMARY, "children"),
        Input(ids.SELECTION, "data"),
    )
    def draw(data):
        out = render(app_ctx, from_dict(data, vocab))
        return out.timeline, out.map, out.elements, render_source(out.source), out.summary
