"""The page: header (summary line, presentation and export controls), filter bar with playback, the grid of views
(timeline, map, network, source) and the table of the records shown.

Layout only; no callbacks here. Plotly graphs get an offline config: local topojson, no logo, no cloud button.
"""

from __future__ import annotations

import hashlib

import dash_ag_grid as dag
import dash_cytoscape as cyto
from dash import dcc, html

from dashboard import ids
from dashboard.context import AppContext, source_key, source_panel
from dashboard.filenames import export_name
from dashboard.legend import Legend, legend_model
from dashboard.selection import Selection
from dashboard.static_html import static_block
from dashboard.theme import LIGHT
from dashboard.views.filters import (borders_toggle, dates_toggle, filter_bar, lane_toggle, network_toggle,
                                     play_controls, region_toggle, slot, view_switch)
from dashboard.views.network import NO_ACTORS_MESSAGE, network_stylesheet
from dashboard.views.table import ROW_ID_GETTER, column_defs, event_listeners, grid_options

TITLE = "Stalinism and the anti-Stalinist left"
# How often the page asks how far its film has got (ms).
FILM_POLL_MS = 1000
# Pixel scale of the PNGs the Plotly toolbar downloads (3× the view's size on screen: sharp on a slide).
IMAGE_SCALE = 3


def graph_config(topojson_url: str, view: str) -> dict:
    """The offline config of a Plotly view (it never changes: the PNG's name after the filters comes with the
    figure, see assets/image_names.js)."""
    return {
        "displaylogo": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "topojsonURL": topojson_url,
        "responsive": True,
        "scrollZoom": view == "map",
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
        "toImageButtonOptions": {"format": "png", "scale": IMAGE_SCALE,
                                 "filename": export_name(view, Selection(), "png")[:-4]},
    }


def network_legend_children(legend: Legend) -> list:
    """The network's shapes and tie kinds on screen, from the legend model (legend.py, the slide's legend too)."""
    # one component per item, its swatch drawn by the stylesheet (assets/app.css: .legend-shape, .legend-line):
    # every component a response replaces costs the browser a pass over all the page's components
    shapes = [html.Span(s.label, className=f"legend-item legend-shape shape-{s.shape}")
              for s in legend.actors.swatches]
    edges = [html.Span(s.label + (" →" if s.arrow else ""), className="legend-item legend-line",
                       style={"--edge": f"{max(s.width, 1.2)}px {s.dash} {s.color}"}) for s in legend.ties.swatches]
    return [
        html.Div(shapes + [html.Span("size = number of ties · pale = tie undated or open-ended",
                                     className="legend-note")],
                 className="legend-row"),
        html.Div(edges, className="legend-row"),
    ]


def network_legend_key(legend: Legend) -> str:
    """What the network's legend shows, in a few characters: it is re-sent only when this changes (each of its
    components replaced costs the browser a pass over the whole page's components)."""
    return hashlib.blake2b(repr((legend.actors, legend.ties)).encode(), digest_size=8).hexdigest()


def _network_legend(legend: Legend) -> html.Details:
    """The legend under the network, folded away with a click (the page keeps it open by default)."""
    return html.Details(open=True, className="network-legend", children=[
        html.Summary("Legend", className="legend-summary"),
        html.Div(id=ids.NETWORK_LEGEND, children=static_block(network_legend_children(legend)),
                 **{"data-key": network_legend_key(legend)}),
    ])


def _svg_button(view: str) -> html.Span:
    """An SVG download beside the Plotly toolbar's PNG one (handled in the browser by assets/image_names.js)."""
    return html.Span(className="image-buttons control", children=[
        html.Button("SVG", className="tool-button small svg-download", n_clicks=0, title=f"Download the {view} as SVG",
                    **{"data-graph": ids.TIMELINE if view == "timeline" else ids.MAP}),
    ])


def _two_labels(wide: str, narrow: str) -> list:
    """A control's label, long on a wide screen and short below 1500 px (assets/app.css), so that the header keeps
    the title on one line at 1280 px."""
    return [html.Span(wide, className="label-wide"), html.Span(narrow, className="label-narrow")]


def _menu(label, title: str, body: list, extra_class: str = "") -> html.Details:
    """A header button that folds out a small panel (a native <details>: keyboard and screen readers know it)."""
    return html.Details(className=f"tool-menu {extra_class}".strip(), children=[
        html.Summary(label, className="tool-button", title=title),
        html.Div(body, className="tool-menu-body"),
    ])


def _field_menu() -> html.Details:
    """Downloads of what the filters show in the formats of the field's tools (dashboard.field_formats)."""
    def button(label: str, bid: str, title: str) -> html.Button:
        return html.Button(label, id=bid, n_clicks=0, className="tool-button menu-item", title=title)
    return _menu("Gazetteer · Gephi", "The places and the network shown, in the formats of gazetteers and network "
                 "tools", [
                     button("Places as Linked Places (LPF)", ids.LPF_BUTTON,
                            "GeoJSON-LD for the World Historical Gazetteer, Peripleo and GeoJSON tools"),
                     button("Network as GEXF", ids.GEXF_BUTTON, "For Gephi: the ties' years play on its timeline"),
                     button("Network as GraphML", ids.GRAPHML_BUTTON, "For yEd, Cytoscape, igraph"),
                 ])


def _cite_menu() -> html.Details:
    """The view's citation (written by a callback), a copy button, and the two texts for a reference manager."""
    return _menu(_two_labels("Cite this view", "Cite"),
                 "A citation of this view, and the source texts for a reference manager", [
        html.P(id=ids.CITE_TEXT, className="cite-text"),
        html.Div(className="cite-actions", children=[
            dcc.Clipboard(id=ids.CITE_COPY, target_id=ids.CITE_TEXT, title="Copy the citation",
                          className="tool-button cite-copy"),
            html.Span("Sources:", className="cite-label"),
            html.Button("CSL-JSON", id=ids.CSL_BUTTON, n_clicks=0, className="tool-button small",
                        title="The two source texts as CSL-JSON (Zotero, Mendeley, any reference manager)"),
            html.Button("BibTeX", id=ids.BIB_BUTTON, n_clicks=0, className="tool-button small",
                        title="The two source texts as BibTeX"),
        ]),
    ], extra_class="cite-menu")


def _film_menu() -> html.Details:
    """"Download animation": the film of the current filters (one frame per step of Play), made on the server off
    the request threads (dashboard.film_jobs); its progress in words and a bar, then the file."""
    return _menu("Animation", "The current filters played as a film (GIF or MP4), made on the server", [
        html.P("One 1920×1080 frame per step of Play (1 or 5 years) over the period shown, with the year written "
               "large. The server makes it: a minute or so for 75 frames.", className="film-note"),
        html.Div(className="film-actions", children=[
            dcc.Dropdown(id=ids.FILM_FORMAT, options=[{"label": "MP4", "value": "mp4"},
                                                      {"label": "GIF", "value": "gif"}],
                         value="mp4", clearable=False, searchable=False, className="film-format"),
            html.Button("Download animation", id=ids.FILM_BUTTON, n_clicks=0, className="tool-button",
                        title="Make the film of the current filters and download it when it is ready"),
        ]),
        html.Progress(id=ids.FILM_PROGRESS, value="0", max="1", hidden=True, className="film-progress",
                      **{"aria-label": "Frames of the film rendered"}),
        html.P(id=ids.FILM_STATUS, className="film-status", role="status", **{"aria-live": "polite"}),
    ], extra_class="film-menu")


def _header_controls() -> html.Div:
    return html.Div(className="header-controls control", children=[
        html.Button("Present", id=ids.PRESENT, n_clicks=0, className="tool-button",
                    title="Presentation mode: hide the controls, enlarge text and marks (Esc leaves)"),
        html.Button("Dark", id=ids.THEME, n_clicks=0, className="tool-button", title="Switch light / dark theme"),
        html.Div(className="tool-group", children=[
            html.Button(_two_labels("Download slide", "Slide"), id=ids.SLIDE_BUTTON, n_clicks=0,
                        className="tool-button",
                        title="One 16:9 PNG of the current view: the three views, legend, filters and credits "
                              "(rendered in this browser)"),
            slot(dcc.Dropdown(id=ids.SLIDE_SIZE, options=[{"label": "1920×1080", "value": "1920x1080"},
                                                          {"label": "3840×2160", "value": "3840x2160"}],
                              value="1920x1080", clearable=False, searchable=False, className="slide-size"), "tool"),
        ]),
        _film_menu(),
        html.Button(_two_labels("Download data", "Data"), id=ids.DATA_BUTTON, n_clicks=0, className="tool-button",
                    title="CSV files of the records shown, with a data package description (zip)"),
        html.Button(_two_labels("Full data package", "Package"), id=ids.PACKAGE_BUTTON, n_clicks=0,
                    className="tool-button",
                    title="Every record, passage and mention as CSV with datapackage.json, and the places, network "
                          "and sources in the formats below (zip)"),
        _field_menu(),
        _cite_menu(),
        dcc.Download(id=ids.FIELD_DOWNLOAD),
        dcc.Store(id=ids.SLIDE_DOWNLOAD, storage_type="memory"),
        dcc.Store(id=ids.SLIDE_RENDERED, storage_type="memory"),
        dcc.Store(id=ids.FILM_JOB, storage_type="memory"),
        dcc.Store(id=ids.FILM_READY, storage_type="memory"),
        dcc.Store(id=ids.FILM_SAVED, storage_type="memory"),
        dcc.Interval(id=ids.FILM_TIMER, interval=FILM_POLL_MS, disabled=True, n_intervals=0),
        dcc.Download(id=ids.DATA_DOWNLOAD),
    ])


def records_grid() -> html.Div:
    """The records table: sort by a click on a header, filter in the fields under the headers; a click or Enter
    selects a row's record everywhere. The functions it names are in assets/records_grid.js (no code strings)."""
    return html.Div(id=ids.TABLE, className="records-grid-box", children=[
        dag.AgGrid(id=ids.records_grid(), className="records-grid", columnDefs=column_defs(), rowData=[],
                   getRowId=ROW_ID_GETTER, dashGridOptions=grid_options(), eventListeners=event_listeners(),
                   style={"height": "100%"})])


def page(ctx: AppContext, topojson_url: str, grid_script: str = "") -> html.Div:
    """The dashboard's page; `grid_script`: the URL of dash-ag-grid's bundle, which assets/lazy_grid.js loads on the
    first "Show table" (dashboard.lazy_grid)."""
    b = ctx.bundle
    credits = " · ".join(b.documents["credit"])
    return html.Div(id=ids.APP_ROOT, className="app", children=[
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.SELECTION, storage_type="memory"),
        dcc.Store(id=ids.BG_CLICK, storage_type="memory"),
        dcc.Store(id=ids.VIEW_SIZES, storage_type="memory"),
        dcc.Store(id=ids.VIEWS_DRAWN, storage_type="memory"),
        dcc.Store(id=ids.TABLE_OPEN, storage_type="memory", data=False),
        dcc.Store(id=ids.TABLE_GRID, storage_type="memory", data=0),
        dcc.Store(id=ids.TABLE_CLICK, storage_type="memory"),
        dcc.Store(id=ids.LINK_CLICK, storage_type="memory"),
        dcc.Store(id=ids.TIMELINE_ZOOM, storage_type="memory"),
        dcc.Store(id=ids.TABLE_ROWS_KEY, storage_type="memory"),
        html.Button("Exit presentation", id=ids.PRESENT_EXIT, n_clicks=0, className="present-exit"),
        html.Header(className="app-header", children=[
            html.Div([html.H1(TITLE), html.Div(id=ids.SUMMARY, className="summary", role="status",
                                               **{"aria-live": "polite"})], className="title-block"),
            _header_controls(),
            html.Div(className="header-credit", children=[
                "Every record quotes its sentence from ", html.Em("Stalinism"), " and ", html.Em("Anti-Stalinist left"),
                " (Wikipedia, CC BY-SA 4.0). ⚑ marks what comes from outside the texts.",
            ]),
        ]),
        filter_bar(b, ctx.vocab, play_controls()),
        html.Div(id=ids.VIEW_TEXT, className="sr-only", **{"aria-label": "What the views show"}),
        html.Main(className="grid", children=[
            html.Section(className="panel panel-timeline", **{"aria-label": "Timeline"}, children=[
                html.Div(className="panel-head", children=[
                    html.H2("Timeline"),
                    html.Span("drag across years to set the period · double-click to reset", className="hint"),
                    lane_toggle(), dates_toggle(), _svg_button("timeline")]),
                # in a box of its own, which assets/view_sizes.js measures: it is there before the graph's code
                html.Div(className="graph-stack", children=[
                    dcc.Graph(id=ids.TIMELINE, className="graph", config=graph_config(topojson_url, "timeline"),
                              style={"height": "100%"}),
                ]),
            ]),
            html.Section(className="panel panel-map", **{"aria-label": "Map or debates"}, children=[
                html.Div(className="panel-head", children=[
                    # the switch is the panel's visible title; the heading names what it shows for screen readers
                    html.H2([html.Span("Deportations and sites", className="map-only"),
                             html.Span("Debates: who argues what", className="debates-only")], className="sr-only"),
                    view_switch(),
                    html.Span(className="map-only", children=[region_toggle(), borders_toggle(), _svg_button("map")]),
                ]),
                # both graphs keep the panel's size (their box's is what assets/view_sizes.js measures: it is
                # there before the graphs' code); the one not chosen is hidden under the other
                html.Div(className="graph-stack", children=[
                    dcc.Graph(id=ids.MAP, className="graph map-only", config=graph_config(topojson_url, "map"),
                              style={"height": "100%"}),
                    dcc.Graph(id=ids.DEBATES, className="graph debates-only",
                              config=graph_config(topojson_url, "debates"), style={"height": "100%"}),
                ]),
            ]),
            html.Section(className="panel panel-network", **{"aria-label": "Faction network"}, children=[
                html.Div(className="panel-head", children=[
                    html.H2("Factions and ties"), html.Span("as of the period", className="hint"), network_toggle(),
                    html.Span(id=ids.NETWORK_NOTE, className="hint"),
                    html.Span(className="image-buttons control", children=[
                        html.Button("PNG", id=ids.NETWORK_PNG, n_clicks=0, className="tool-button small",
                                    title="Download the network as PNG"),
                        html.Button("SVG", id=ids.NETWORK_SVG, n_clicks=0, className="tool-button small",
                                    title="Download the network as SVG"),
                    ]),
                ]),
                # positions are fixed (preset, never re-laid out); the zoom and pan come from the model, for which
                # the labels were placed (draw sends them with every change). Empty until the first answer: the
                # page opens at a URL's filters, so a default network here would be drawn only to be replaced
                # (134 KB of elements, and some 0.35 s of a first visit spent drawing them)
                # not `responsive`: its own re-zoom on a resize would undo the viewport the labels were placed for;
                # the server redraws for the new size instead (assets/view_sizes.js)
                # the network and its message when it is empty, in a box of their own: the message sits in the
                # middle of the network's area, not of the whole panel (its head and legend too)
                html.Div(className="network-stack", children=[
                    cyto.Cytoscape(id=ids.NETWORK, className="network", layout={"name": "preset", "fit": False},
                                   zoom=1, pan={"x": 0, "y": 0}, stylesheet=network_stylesheet(b), elements=[],
                                   minZoom=0.2,
                                   maxZoom=4,
                                   userPanningEnabled=True, userZoomingEnabled=True, boxSelectionEnabled=False,
                                   autoRefreshLayout=False, responsive=False,
                                   style={"width": "100%", "height": "100%"}),
                    html.Div(NO_ACTORS_MESSAGE, id=ids.NETWORK_EMPTY,
                             className="network-empty", hidden=True),
                ]),
                _network_legend(legend_model(b, ctx.shown_for(Selection()), LIGHT, ctx.map, ctx.network)),
            ]),
            html.Aside(className="panel panel-source", **{"aria-label": "Source"}, children=[
                # what the views show with nothing selected, until the source callback answers for the URL's state
                html.Div(id=ids.SOURCE, className="source", **{"data-key": source_key(Selection())},
                         children=static_block(source_panel(ctx, Selection()))),
            ]),
        ]),
        html.Section(className="table-section", **{"aria-label": "Table of the records shown"}, children=[
            html.Div(className="panel-head", children=[
                html.H2("Records shown"),
                html.Button("Show table", id=ids.TABLE_TOGGLE, n_clicks=0, className="tool-button control",
                            **{"aria-expanded": "false", "aria-controls": ids.TABLE_PANEL,
                               "data-grid-script": grid_script}),
                html.Span(id=ids.TABLE_CAPTION, className="hint"),
                # shown with the table only (assets/records_grid.css)
                html.Button("Download CSV", id=ids.TABLE_CSV, n_clicks=0, className="tool-button small control",
                            title="The rows the table shows, as sorted and filtered, as CSV"),
            ]),
            # the grid itself (records_grid) is put here when the table is first shown: until then the page loads
            # none of dash-ag-grid's scripts (dashboard.lazy_grid)
            html.Div(id=ids.TABLE_PANEL, hidden=True, children=[]),
        ]),
        html.Footer(className="app-footer", children=[
            credits, " · Modern borders: Natural Earth · Borders of the time (optional): historical-basemaps by "
            "A. Ourednik, GPL-3.0 · Coordinates and a few years are the editor's, marked ⚑ · ",
            html.A("Coverage of the texts", href="coverage", className="coverage-link"), " · ",
            html.A("Add a text", href="add/", className="add-text-link",
                   title="Propose records from a text of your own and review them in the browser"),
        ]),
    ])
