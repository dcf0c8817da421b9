"""Thin Dash callbacks: turn inputs into plain arguments, hand off to pure functions, return their results.

`sync` folds one user event into the shared Selection (kept in a dcc.Store and the URL, and written back to the
controls) and renders every view for it in the same answer, with what changed around them (PANELS_IN_SYNC), so a
change is one round trip; `draw` renders the views when their sizes change (the page opening, a window resized),
and answers nothing for a selection `sync` drew (it still follows every selection, so that Dash keeps the two in
order: see `register`); `panels` (panel_updates) everything around them — the source panel, the network's legend,
the theme and presentation mode, the citation, the records grid — in one request, re-sending only what changed
(after `sync`: the records grid's rows alone); the rest answer one button each (playback speed, the table,
downloads, the network's image export; the slide's figure, which the browser renders, see
assets/slide_download.js).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, no_update
from dash.development.base_component import Component

from dashboard import __version__, ids
from dashboard.context import AppContext, clean_sizes, source_key, source_panel
from dashboard.downloads import data_filename, field_download, package_filename, package_zip, shown_zip
from dashboard.field_formats import cite_view
from dashboard.filenames import export_name
from dashboard.film_jobs import FilmJobs, film_view
from dashboard.layout import network_legend_children, network_legend_key, records_grid
from dashboard.events import CONTROL_IDS, KEEP, OPTION_CONTROLS, sync_step, user_first
from dashboard.selection import Selection, from_dict, to_query
from dashboard.static_html import static_block
from dashboard.theme import PALETTES
from dashboard.views.filters import PLAY_SPEEDS
from dashboard.views.network import network_stylesheet
from dashboard.views.table import csv_export_params, selected_row_ids, table_caption, table_rows
from dashboard.views.text import view_text


def as_json(value):
    """A Dash component tree (or a list of them) as the plain JSON Dash sends for it: the same bytes on the wire, but
    Dash then writes the response in one orjson call — given component objects, it first walks every value of the
    response through plotly's generic cleaner, which cost the `panels` callback about a third of its time."""
    if isinstance(value, Component):
        out = value.to_plotly_json()
        out["props"] = {k: as_json(v) for k, v in out["props"].items()}
        return out
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    return value


def root_class(sel: Selection) -> str:
    return " ".join(["app"] + (["theme-dark"] if sel.theme == "dark" else []) + (["present"] if sel.present else [])
                    + (["view-debates"] if sel.view == "debates" else []))


@dataclass(frozen=True)
class Had:
    """What the page shows now around the views (the `panels` callback's states): what is unchanged is not re-sent."""

    source_key: object = None
    legend_key: object = None
    root_class: object = None
    cite: object = None
    table_open: object = None
    rows_key: object = None


def panel_updates(app_ctx: AppContext, sel: Selection, had: Had, *, n_grids: int, href) -> tuple:
    """Everything around the views for `sel`, in the order of the `panels` callback's outputs: the source panel and
    its key, the network's legend and its key, the page's class, the network's stylesheet and the theme button's
    label, the citation, and the records grid's rows, caption, selected row and rows key (`n_grids`: 0 before the
    table was first shown, else 1). One request for all of them, and no_update for what has not changed: every
    request and every component a response replaces costs the browser a pass over all the page's components (so the
source panel and the legend, which have no callbacks of their own, travel as HTML: dashboard.static_html)."""
    b = app_ctx.bundle
    key = source_key(sel)
    source = (no_update,) * 2 if key == had.source_key else (as_json(static_block(source_panel(app_ctx, sel))), key)
    legend = app_ctx.legend_for(sel)
    l_key = network_legend_key(legend)
    legend_out = (no_update,) * 2 if l_key == had.legend_key else (
        as_json(static_block(network_legend_children(legend))), l_key)
    chrome = chrome_updates(sel, had.root_class, b)
    base = href.split("?")[0] if isinstance(href, str) else ""
    cite = cite_view(sel, base, __version__, dt.date.today(), bundle=b)
    return (*source, *legend_out, *chrome, no_update if cite == had.cite else cite,
            *_table_update(app_ctx, sel, had, n_grids))


# The first outputs of `panels` (panel_updates' order), which `sync` also sends with the views: everything but the
# records grid's (its rows are drawn only once the table is open, by `panels`).
PANELS_IN_SYNC = ((ids.SOURCE, "children"), (ids.SOURCE, "data-key"), (ids.NETWORK_LEGEND, "children"),
                  (ids.NETWORK_LEGEND, "data-key"), (ids.APP_ROOT, "className"), (ids.NETWORK, "stylesheet"),
                  (ids.THEME, "children"), (ids.CITE_TEXT, "children"))


def chrome_updates(sel: Selection, had_class, bundle) -> tuple:
    """The page's class (theme, presentation), the network's stylesheet and the theme button's label, or no_update
    for each when the page's class is already this one."""
    cls = root_class(sel)
    if cls == had_class:
        return (no_update,) * 3
    return (cls, network_stylesheet(bundle, present=sel.present, palette=PALETTES[sel.theme]),
            "Light" if sel.theme == "dark" else "Dark")


def _table_update(app_ctx: AppContext, sel: Selection, had: Had, n_grids: int) -> tuple:
    """The records grid's rows (only when they changed: a click that selects a row resends none), caption, selected
    row (the grid marks it and scrolls to it: showSelected in assets/records_grid.js) and rows key."""
    if not had.table_open or not n_grids:
        return [no_update] * n_grids, no_update, [no_update] * n_grids, no_update
    rows = table_rows(app_ctx.bundle, app_ctx.shown_for(sel), sel)
    same = rows.key == had.rows_key
    return ([no_update] * n_grids if same else [rows.rows] * n_grids), table_caption(rows), \
        [{"ids": selected_row_ids(sel, rows)}] * n_grids, rows.key


def view_outputs(*, allow_duplicate: bool = False) -> list[Output]:
    """The views' properties, which both `sync` (a change) and `draw` (new sizes) set."""
    return [Output(cid, prop, allow_duplicate=allow_duplicate) for cid, prop in (
        (ids.TIMELINE, "figure"), (ids.MAP, "figure"), (ids.DEBATES, "figure"), (ids.NETWORK, "elements"),
        (ids.SUMMARY, "children"), (ids.VIEW_TEXT, "children"), (ids.NETWORK_NOTE, "children"),
        (ids.NETWORK, "zoom"), (ids.NETWORK, "pan"), (ids.NETWORK_EMPTY, "hidden"))]


def view_updates(app_ctx: AppContext, sel: Selection, sizes) -> tuple:
    """The views' new values (view_outputs' order) for a selection and the sizes the page measured; plain JSON only
    (no Dash components): Dash then serialises the response in one fast orjson call."""
    out = app_ctx.drawn_for(sel, clean_sizes(sizes))
    vp = out.network_viewport
    return (out.timeline, out.map, no_update if out.debates is None else out.debates, out.elements, out.summary,
            view_text(app_ctx.bundle, out), out.network_note, vp["zoom"], vp["pan"], bool(out.elements))


def views_key(sel: Selection, sizes) -> str:
    """What the views on the page were drawn for (a selection, the sizes the page measured), as a short digest."""
    text = json.dumps([sel.to_dict(), sorted(clean_sizes(sizes).items())], sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def register(app, app_ctx: AppContext, topojson_url: str, films: FilmJobs) -> None:
    vocab = app_ctx.vocab
    n_views = len(view_outputs())
    grid_all = {"type": ids.GRID, "of": ALL}  # the records grid, wherever it is (none until the table is shown)

    @app.callback(
        Output(ids.SELECTION, "data"), Output(ids.URL, "search"),
        *(Output(c, "value") for c in CONTROL_IDS),
        Output(ids.PLAY_TIMER, "disabled"),
        # the views drawn for the new selection in the same answer (and what they were drawn for): the browser
        # asks once per change
        *view_outputs(allow_duplicate=True), Output(ids.VIEWS_DRAWN, "data", allow_duplicate=True),
        # and what `panels` sends around them, what changed of it (the records grid's rows excepted): the page
        # repaints at once, and `panels` then finds it sent
        *(Output(cid, prop, allow_duplicate=True) for cid, prop in PANELS_IN_SYNC),
        Input(ids.URL, "search"), Input(ids.PERIOD_SLIDER, "value"), Input(ids.PERIOD_MENU, "value"),
        Input({"type": ids.PERIOD_BUTTON, "period": ALL}, "n_clicks"),
        Input(ids.MOVEMENTS, "value"), Input(ids.TYPES, "value"), Input(ids.SEARCH, "value"),
        Input(ids.RESET, "n_clicks"), *(Input(c, "value") for c, _ in OPTION_CONTROLS),
        Input(ids.THEME, "n_clicks"), Input(ids.PRESENT, "n_clicks"), Input(ids.PRESENT_EXIT, "n_clicks"),
        Input(ids.TIMELINE, "clickData"), Input(ids.TIMELINE_ZOOM, "data"), Input(ids.MAP, "clickData"),
        Input(ids.DEBATES, "clickData"),
        Input(ids.NETWORK, "tapNodeData"), Input(ids.NETWORK, "tapEdgeData"), Input(ids.BG_CLICK, "data"),
        Input(ids.LINK_CLICK, "data"), Input(ids.TABLE_CLICK, "data"),
        Input(ids.PLAY_REQUEST, "data"), Input(ids.PLAY_TICK, "data"),
        State(ids.SELECTION, "data"), State(ids.PLAY_STEP, "value"), State(ids.PLAY_TIMER, "disabled"),
        State(ids.VIEW_SIZES, "data"), State(ids.URL, "href"), State(ids.SOURCE, "data-key"),
        State(ids.NETWORK_LEGEND, "data-key"), State(ids.APP_ROOT, "className"), State(ids.CITE_TEXT, "children"),
        # the page opens with the URL's selection in its layout (dashboard.app._Dash.serve_layout), or, when it
        # cannot, its dcc.Location reports the URL on mount, which calls this
        prevent_initial_call=True,
    )
    def sync(search, *args):
        previous, step, paused, sizes, href, *had = args[-9:]
        # the triggering property's value (for the network: tapNodeData or tapEdgeData, both carry an id)
        values = {t["prop_id"]: t.get("value") for t in ctx.triggered}
        trigger, value = user_first([(cid, values.get(pid)) for pid, cid in ctx.triggered_prop_ids.items()])
        shown = tuple(ctx.inputs.get(f"{c}.value") for c in CONTROL_IDS)  # what the controls show now
        out = sync_step(trigger, value, search, previous, step, paused, vocab, app_ctx.era_ids, shown)
        if out.selection is None:
            return (no_update,) * (3 + len(CONTROL_IDS) + n_views + 1 + len(PANELS_IN_SYNC))
        keep = lambda v: no_update if v is KEEP else v  # noqa: E731
        sel = out.selection
        around = panel_updates(app_ctx, sel, Had(*had), n_grids=0, href=href)[:len(PANELS_IN_SYNC)]
        return (sel.to_dict(), to_query(sel), *map(keep, out.controls), keep(out.timer_disabled),
                *view_updates(app_ctx, sel, sizes), views_key(sel, sizes), *around)

    # (the source panel's links and clear buttons reach sync through the link-click store: assets/sync_inputs.js)

    # the timeline's zooms and resets only: plotly also reports its autosize, a request for nothing after a
    # first visit's views are drawn
    app.clientside_callback(
        ClientsideFunction(namespace="sync_inputs", function_name="zoomed"),
        Output(ids.TIMELINE_ZOOM, "data"), Input(ids.TIMELINE, "relayoutData"), prevent_initial_call=True,
    )

    # Play / Pause is read in the browser: a pause stops the timer at once (assets/playback.js says why)
    app.clientside_callback(
        ClientsideFunction(namespace="playback", function_name="toggle"),
        Output(ids.PLAY_TIMER, "disabled", allow_duplicate=True), Output(ids.PLAY_REQUEST, "data"),
        Input(ids.PLAY, "n_clicks"), State(ids.PLAY_TIMER, "disabled"), prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="playback", function_name="tick"),
        Output(ids.PLAY_TICK, "data"), Input(ids.PLAY_TIMER, "n_intervals"), State(ids.SELECTION, "data"),
        State(ids.PLAY_TICK, "data"), prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="playback", function_name="label"),
        Output(ids.PLAY, "children"), Input(ids.PLAY_TIMER, "disabled"), prevent_initial_call=True,
    )

    @app.callback(Output(ids.PLAY_TIMER, "interval"), Input(ids.PLAY_SPEED, "value"))
    def speed(value):
        return PLAY_SPEEDS.get(value, PLAY_SPEEDS["normal"]) if isinstance(value, str) else PLAY_SPEEDS["normal"]

    # `draw` follows the selection as well as the sizes, although `sync` draws the views for a new selection: Dash
    # then holds it while a `sync` is under way and drops a `draw` still under way when the selection changes, so
    # that views drawn for an older selection never arrive after newer ones. For the selection and sizes `sync`
    # drew, it answers nothing (a short request beside the panels').
    @app.callback(
        *view_outputs(), Output(ids.VIEWS_DRAWN, "data"),
        Input(ids.SELECTION, "data"), Input(ids.VIEW_SIZES, "data"), State(ids.VIEWS_DRAWN, "data"),
        # first called when assets/view_sizes.js has measured the views (always once, when the page opens): drawn
        # for the room they have, once
        prevent_initial_call=True,
    )
    def draw(data, sizes, drawn):
        sel = from_dict(data, vocab)
        key = views_key(sel, sizes)
        if key == drawn:
            return (no_update,) * (n_views + 1)
        return (*view_updates(app_ctx, sel, sizes), key)

    @app.callback(
        *(Output(cid, prop) for cid, prop in PANELS_IN_SYNC),
        Output(grid_all, "rowData"), Output(ids.TABLE_CAPTION, "children"), Output(grid_all, "selectedRows"),
        Output(ids.TABLE_ROWS_KEY, "data"),
        Input(ids.SELECTION, "data"), Input(ids.TABLE_GRID, "data"),
        State(ids.URL, "href"), State(ids.SOURCE, "data-key"), State(ids.NETWORK_LEGEND, "data-key"),
        State(ids.APP_ROOT, "className"), State(ids.CITE_TEXT, "children"), State(ids.TABLE_OPEN, "data"),
        State(ids.TABLE_ROWS_KEY, "data"),
    )
    def panels(data, _opened, href, *had):
        # (the grid's outputs match nothing until it is in the page: lists of one grid, or of none)
        return panel_updates(app_ctx, from_dict(data, vocab), Had(*had),
                             n_grids=len(ctx.outputs_list[len(PANELS_IN_SYNC)]), href=href)

    @app.callback(
        Output(ids.TABLE_OPEN, "data"), Output(ids.TABLE_PANEL, "hidden"), Output(ids.TABLE_TOGGLE, "children"),
        Output(ids.TABLE_TOGGLE, "aria-expanded"),
        Input(ids.TABLE_TOGGLE, "n_clicks"), State(ids.TABLE_OPEN, "data"), prevent_initial_call=True,
    )
    def toggle_table(_, is_open):
        now = not bool(is_open)
        return now, not now, "Hide table" if now else "Show table", "true" if now else "false"

    @app.callback(
        Output(ids.TABLE_PANEL, "children"), Output(ids.TABLE_GRID, "data"),
        Input(ids.TABLE_OPEN, "data"), State(ids.TABLE_GRID, "data"), prevent_initial_call=True,
    )
    def mount_grid(is_open, opened):
        # the grid enters the page the first time the table is shown (its scripts are loaded by then:
        # assets/lazy_grid.js); each showing counts, so that the rows are brought up to date
        if not is_open:
            return no_update, no_update
        opened = opened if isinstance(opened, int) else 0
        return (records_grid() if not opened else no_update), opened + 1

    app.clientside_callback(
        ClientsideFunction(namespace="records_grid", function_name="clicked"),
        Output(ids.TABLE_CLICK, "data"), Input(grid_all, "cellClicked"), prevent_initial_call=True,
    )

    @app.callback(
        Output(grid_all, "exportDataAsCsv"), Output(grid_all, "csvExportParams"),
        Input(ids.TABLE_CSV, "n_clicks"), State(ids.SELECTION, "data"), prevent_initial_call=True,
    )
    def table_csv(clicks, data):
        # the grid writes the file in the browser, from the rows it shows (its sort and filter)
        n = len(ctx.outputs_list[0])
        if not clicks or not n:
            return [no_update] * n, [no_update] * n
        return [True] * n, [csv_export_params(export_name("table", from_dict(data, vocab), "csv"))] * n

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
            return dcc.send_bytes(package_zip(b, app_ctx.positions), package_filename())
        if ctx.triggered_id == ids.DATA_BUTTON and data_clicks:
            sel = from_dict(data, vocab)
            return dcc.send_bytes(shown_zip(b, sel, vocab, app_ctx.shown_for(sel)), data_filename(sel))
        return no_update

    field_buttons = {ids.LPF_BUTTON: "lpf", ids.GEXF_BUTTON: "gexf", ids.GRAPHML_BUTTON: "graphml",
                     ids.CSL_BUTTON: "csl", ids.BIB_BUTTON: "bib"}

    @app.callback(
        Output(ids.FIELD_DOWNLOAD, "data"),
        *(Input(b, "n_clicks") for b in field_buttons), State(ids.SELECTION, "data"), prevent_initial_call=True,
    )
    def download_field_format(*args):
        kind = field_buttons.get(ctx.triggered_id)
        if kind is None or not ctx.triggered[0]["value"]:
            return no_update
        sel = from_dict(args[-1], vocab)
        data, name = field_download(app_ctx.bundle, sel, app_ctx.shown_for(sel), kind,
                                    positions=app_ctx.positions)
        return dcc.send_bytes(data, name)

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

    @app.callback(
        Output(ids.FILM_JOB, "data"),
        Input(ids.FILM_BUTTON, "n_clicks"), State(ids.SELECTION, "data"), State(ids.PLAY_STEP, "value"),
        State(ids.FILM_FORMAT, "value"), prevent_initial_call=True,
    )
    def submit_film(clicks, data, step, fmt):
        # only queued here: the worker thread of dashboard.film_jobs renders it, the next callback polls it
        if ctx.triggered_id != ids.FILM_BUTTON or not clicks:
            return no_update
        sub = films.submit(from_dict(data, vocab), step=step, fmt=fmt)
        return {"id": sub.job_id, "message": sub.message}

    @app.callback(
        Output(ids.FILM_STATUS, "children"), Output(ids.FILM_PROGRESS, "value"), Output(ids.FILM_PROGRESS, "max"),
        Output(ids.FILM_PROGRESS, "hidden"), Output(ids.FILM_TIMER, "disabled"), Output(ids.FILM_READY, "data"),
        Output(ids.FILM_BUTTON, "disabled"),
        Input(ids.FILM_JOB, "data"), Input(ids.FILM_TIMER, "n_intervals"), prevent_initial_call=True,
    )
    def poll_film(job, _tick):
        v = film_view(films, job, app.config.requests_pathname_prefix)
        return v.text, str(v.done), str(v.total), v.bar_hidden, v.stop_polling, v.ready, v.button_disabled

    app.clientside_callback(
        ClientsideFunction(namespace="films", function_name="download"),
        Output(ids.FILM_SAVED, "data"), Input(ids.FILM_READY, "data"), prevent_initial_call=True,
    )
