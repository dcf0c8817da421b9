"""Thin Dash callbacks: turn inputs into plain arguments, hand off to pure functions, return their results.

`sync` folds one user event into the shared Selection (kept in a dcc.Store and the URL, and written back to the
controls); `draw` renders every view from (frames, selection) and `source` the selected record's passage; `chrome` applies the theme and presentation mode;
the rest answer one button each (playback speed, the table, downloads, the network's image export; the slide's
figure, which the browser renders, see assets/slide_download.js).
"""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, no_update

from dashboard import ids
from dashboard.context import AppContext, render
from dashboard.downloads import data_filename, package_filename, package_zip, shown_zip
from dashboard.filenames import export_name
from dashboard.selection import (Selection, apply_event, from_dict, from_query, play_start, play_step, shown,
                                 to_query)
from dashboard.theme import PALETTES
from dashboard.views.filters import PLAY_SPEEDS
from dashboard.views.network import network_stylesheet
from dashboard.views.source import overview_model, render_source, source_model
from dashboard.views.table import table_caption, table_rows
from dashboard.views.text import view_text

# Which control a trigger came from → the event name selection.apply_event understands.
_EVENTS = {
    ids.PERIOD_SLIDER: "period_slider", ids.PERIOD_MENU: "period_button", ids.MOVEMENTS: "movements", ids.TYPES: "types", ids.SEARCH: "search",
    ids.RESET: "reset", ids.LANES: "lanes", ids.REGION: "region", ids.BG_CLICK: "clear", ids.BORDERS: "borders",
}
# Years shown around a clicked cell of the timeline's per-year counts.
_ZOOM_BEFORE, _ZOOM_AFTER = 2, 2
PLAY_LABEL, PAUSE_LABEL = "▶ Play", "❚❚ Pause"


def _first_customdata(click) -> object:
    try:
        value = click["points"][0]["customdata"]
    except (KeyError, IndexError, TypeError):
        return None
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


# customdata of a mark that zooms the period when clicked: "zoom:1936-1938" (first and last year, inclusive)
ZOOM_PREFIX = "zoom:"


def _zoom_span(value) -> list[int] | None:
    """[start, end + 1] on the year axis for a "zoom:START-END" customdata, else None."""
    if not isinstance(value, str) or not value.startswith(ZOOM_PREFIX):
        return None
    a, _, b = value[len(ZOOM_PREFIX):].partition("-")
    if not (a.isdigit() and b.isdigit() and len(a) <= 4 and len(b) <= 4):
        return None
    s, e = sorted((int(a), int(b)))
    return [s, e + 1]


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
        picked = _first_customdata(value)
        if isinstance(picked, int):  # a cell of the timeline's per-year counts: zoom in around its year
            return "timeline_range", [picked - _ZOOM_BEFORE, picked + _ZOOM_AFTER + 1]
        zoom = _zoom_span(picked)
        if zoom is not None:  # a "+7" count of unlabelled marks: zoom to where they are
            return "timeline_range", zoom
        return "select", picked
    if trigger == ids.TIMELINE:
        rng = _relayout_range(value)
        return ("timeline_range", rng) if rng is not None else (None, None)
    if trigger == ids.NETWORK:
        return "select", value.get("id") if isinstance(value, dict) else None
    if trigger == ids.TABLE:
        return "select", value.get("row_id") if isinstance(value, dict) else None
    if trigger == ids.THEME:
        return ("toggle_theme", None) if value else (None, None)
    if trigger in (ids.PRESENT, ids.PRESENT_EXIT):
        return ("present", trigger == ids.PRESENT) if value else (None, None)
    return _EVENTS.get(trigger), value


# The controls _controls() writes back, in its order.
_CONTROL_IDS = (ids.PERIOD_SLIDER, ids.PERIOD_MENU, ids.MOVEMENTS, ids.TYPES, ids.SEARCH, ids.LANES, ids.REGION,
                ids.BORDERS)


def _controls(sel: Selection, app_ctx: AppContext) -> tuple:
    v = app_ctx.vocab
    period = [sel.year_start, sel.year_end] if sel.has_period else [v.year_min, v.year_max]
    era = next((pid for pid, _, s, e in v.periods if (s, e) == (sel.year_start, sel.year_end)
                and pid in app_ctx.era_ids), None)
    return period, era, list(sel.movement_ids), list(sel.types), sel.q, sel.lanes, sel.region, sel.borders


def root_class(sel: Selection) -> str:
    return " ".join(["app"] + (["theme-dark"] if sel.theme == "dark" else []) + (["present"] if sel.present else []))


def register(app, app_ctx: AppContext, topojson_url: str) -> None:
    vocab = app_ctx.vocab
    n_controls = 8

    @app.callback(
        Output(ids.SELECTION, "data"), Output(ids.URL, "search"),
        Output(ids.PERIOD_SLIDER, "value"), Output(ids.PERIOD_MENU, "value"), Output(ids.MOVEMENTS, "value"), Output(ids.TYPES, "value"),
        Output(ids.SEARCH, "value"), Output(ids.LANES, "value"), Output(ids.REGION, "value"), Output(ids.BORDERS, "value"),
        Output(ids.PLAY_TIMER, "disabled"), Output(ids.PLAY, "children"),
        Input(ids.URL, "search"), Input(ids.PERIOD_SLIDER, "value"), Input(ids.PERIOD_MENU, "value"),
        Input({"type": ids.PERIOD_BUTTON, "period": ALL}, "n_clicks"),
        Input(ids.MOVEMENTS, "value"), Input(ids.TYPES, "value"), Input(ids.SEARCH, "value"),
        Input(ids.RESET, "n_clicks"), Input(ids.LANES, "value"), Input(ids.REGION, "value"), Input(ids.BORDERS, "value"),
        Input(ids.THEME, "n_clicks"), Input(ids.PRESENT, "n_clicks"), Input(ids.PRESENT_EXIT, "n_clicks"),
        Input(ids.TIMELINE, "clickData"), Input(ids.TIMELINE, "relayoutData"), Input(ids.MAP, "clickData"),
        Input(ids.NETWORK, "tapNodeData"), Input(ids.NETWORK, "tapEdgeData"), Input(ids.BG_CLICK, "data"),
        Input({"type": ids.CITE_LINK, "record": ALL}, "n_clicks"),
        Input({"type": ids.CLEAR, "scope": ALL}, "n_clicks"),
        Input(ids.TABLE, "active_cell"), Input(ids.PLAY, "n_clicks"), Input(ids.PLAY_TIMER, "n_intervals"),
        State(ids.SELECTION, "data"), State(ids.PLAY_STEP, "value"), State(ids.PLAY_TIMER, "disabled"),
    )
    def sync(search, *args):
        previous, step, paused = args[-3], args[-2], args[-1]
        trigger = ctx.triggered_id
        play = (no_update, no_update)
        if trigger is None or trigger == ids.URL or previous is None:
            sel = from_query(search, vocab)
        elif trigger == ids.PLAY:
            current = from_dict(previous, vocab)
            if paused is False:
                sel, play = current, (True, PLAY_LABEL)
            else:
                sel, play = play_start(current, vocab, step), (False, PAUSE_LABEL)
        elif trigger == ids.PLAY_TIMER:
            if paused is not False:
                return (no_update,) * (4 + n_controls)
            sel, at_end = play_step(from_dict(previous, vocab), vocab, step)
            play = (True, PLAY_LABEL) if at_end else play
        else:
            # the triggering property's value (for the network: tapNodeData or tapEdgeData, both carry an id)
            value = ctx.triggered[0]["value"] if ctx.triggered else None
            event, value = event_of(trigger, value)
            if event is None:
                return (no_update,) * (4 + n_controls)
            sel = apply_event(from_dict(previous, vocab), vocab, event, value)
        controls = _controls(sel, app_ctx)
        if previous is not None and trigger is not None:
            # controls already showing their value are left alone: re-rendering them costs the browser time
            # (the control that fired is always answered: its raw value may need cleaning)
            shown_before = _controls(from_dict(previous, vocab), app_ctx)
            controls = tuple(no_update if now == before and trigger != control else now
                             for now, before, control in zip(controls, shown_before, _CONTROL_IDS))
        return (sel.to_dict(), to_query(sel), *controls, *play)

    @app.callback(Output(ids.PLAY_TIMER, "interval"), Input(ids.PLAY_SPEED, "value"))
    def speed(value):
        return PLAY_SPEEDS.get(value, PLAY_SPEEDS["normal"]) if isinstance(value, str) else PLAY_SPEEDS["normal"]

    @app.callback(
        Output(ids.TIMELINE, "figure"), Output(ids.MAP, "figure"), Output(ids.NETWORK, "elements"),
        Output(ids.SUMMARY, "children"), Output(ids.VIEW_TEXT, "children"),
        Output(ids.NETWORK_NOTE, "children"),
        Input(ids.SELECTION, "data"),
    )
    def draw(data):
        # plain JSON only (no Dash components): Dash then serialises the response in one fast orjson call
        sel = from_dict(data, vocab)
        out = render(app_ctx, sel)
        return (out.timeline, out.map, out.elements, out.summary,
                view_text(app_ctx.bundle, out), out.network_note)

    @app.callback(Output(ids.SOURCE, "children"), Input(ids.SELECTION, "data"))
    def source(data):
        sel = from_dict(data, vocab)
        model = source_model(app_ctx.bundle, sel.selected)
        overview = None if model is not None else overview_model(app_ctx.bundle, sel, shown(app_ctx.bundle, sel))
        return render_source(model, overview)

    @app.callback(
        Output(ids.APP_ROOT, "className"), Output(ids.NETWORK, "stylesheet"), Output(ids.THEME, "children"),
        Input(ids.SELECTION, "data"), State(ids.APP_ROOT, "className"),
    )
    def chrome(data, current):
        sel = from_dict(data, vocab)
        cls = root_class(sel)
        if cls == current:
            return no_update, no_update, no_update
        sheet = network_stylesheet(app_ctx.bundle, present=sel.present, palette=PALETTES[sel.theme])
        return cls, sheet, "Light" if sel.theme == "dark" else "Dark"

    @app.callback(
        Output(ids.TABLE_OPEN, "data"), Output(ids.TABLE_PANEL, "hidden"), Output(ids.TABLE_TOGGLE, "children"),
        Output(ids.TABLE_TOGGLE, "aria-expanded"),
        Input(ids.TABLE_TOGGLE, "n_clicks"), State(ids.TABLE_OPEN, "data"), prevent_initial_call=True,
    )
    def toggle_table(_, is_open):
        now = not bool(is_open)
        return now, not now, "Hide table" if now else "Show table", "true" if now else "false"

    @app.callback(
        Output(ids.TABLE, "data"), Output(ids.TABLE_CAPTION, "children"), Output(ids.TABLE, "style_data_conditional"),
        Input(ids.SELECTION, "data"), Input(ids.TABLE_OPEN, "data"),
    )
    def table(data, is_open):
        if not is_open:
            return no_update, no_update, no_update
        sel = from_dict(data, vocab)
        rows = table_rows(app_ctx.bundle, shown(app_ctx.bundle, sel), sel)
        highlight = [{"if": {"filter_query": '{id} = "%s"' % sel.selected}, "backgroundColor": "rgba(11,92,173,0.14)",
                      "fontWeight": "600"}] if sel.selected else []
        return rows.rows, table_caption(rows), highlight

    @app.callback(
        Output(ids.NETWORK, "generateImage"),
        Input(ids.NETWORK_PNG, "n_clicks"), Input(ids.NETWORK_SVG, "n_clicks"), State(ids.SELECTION, "data"),
        prevent_initial_call=True,
    )
    def network_image(png, svg, data):
        if ctx.triggered_id not in (ids.NETWORK_PNG, ids.NETWORK_SVG) or not (png or svg):
            return no_update
        sel = from_dict(data, vocab)
        fmt = "svg" if ctx.triggered_id == ids.NETWORK_SVG else "png"
        return {"type": fmt, "action": "download", "filename": export_name("network", sel, fmt)[: -len(fmt) - 1],
                "options": {"full": True, "scale": 3, "bg": PALETTES[sel.theme].paper}}

    @app.callback(
        Output(ids.DATA_DOWNLOAD, "data"),
        Input(ids.DATA_BUTTON, "n_clicks"), Input(ids.PACKAGE_BUTTON, "n_clicks"), State(ids.SELECTION, "data"),
        prevent_initial_call=True,
    )
    def download_data(data_clicks, package_clicks, data):
        b = app_ctx.bundle
        if ctx.triggered_id == ids.PACKAGE_BUTTON and package_clicks:
            return dcc.send_bytes(package_zip(b), package_filename())
        if ctx.triggered_id == ids.DATA_BUTTON and data_clicks:
            sel = from_dict(data, vocab)
            return dcc.send_bytes(shown_zip(b, sel, vocab, shown(b, sel)), data_filename(sel))
        return no_update

    @app.callback(
        Output(ids.SLIDE_DOWNLOAD, "data"),
        Input(ids.SLIDE_BUTTON, "n_clicks"), State(ids.SELECTION, "data"), State(ids.SLIDE_SIZE, "value"),
        prevent_initial_call=True,
    )
    def download_slide(clicks, data, size):
        # the slide's figure as plain JSON: the user's browser renders it to PNG (assets/slide_download.js), so no
        # image is made on the server and a busy hour of slides never holds up other users' requests
        from dashboard.slides import SIZES, slide_payload

        if not clicks:
            return no_update
        sel = from_dict(data, vocab)
        dims = SIZES.get(size if isinstance(size, str) else "", SIZES["1920x1080"])
        return slide_payload(app_ctx, sel, dims, topojson_url)

    app.clientside_callback(
        ClientsideFunction(namespace="slides", function_name="download"),
        Output(ids.SLIDE_RENDERED, "data"), Input(ids.SLIDE_DOWNLOAD, "data"), prevent_initial_call=True,
    )
