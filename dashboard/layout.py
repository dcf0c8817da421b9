"""The page: header with the summary line, filter bar, and the grid of views (timeline, map, network, source).

Layout only; no callbacks here. Plotly graphs get an offline config: local topojson, no logo, no cloud button.
"""

from __future__ import annotations

import dash_cytoscape as cyto
from dash import dcc, html

from dashboard import ids
from dashboard.context import AppContext
from dashboard.theme import ACTOR_SHAPES, EDGE_STYLES, RELATION_LABELS
from dashboard.views.filters import filter_bar, lane_toggle, region_toggle
from dashboard.views.network import network_stylesheet
from dashboard.views.source import render_source

TITLE = "Stalinism and the anti-Stalinist left"


def graph_config(topojson_url: str, view: str) -> dict:
    return {
        "displaylogo": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "topojsonURL": topojson_url,
        "responsive": True,
        "scrollZoom": view == "map",
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
        "toImageButtonOptions": {"format": "png", "scale": 3, "filename": view},
    }


def _network_legend() -> html.Div:
    shapes = [html.Span([html.Span(className=f"legend-shape shape-{shape}"), atype], className="legend-item")
              for atype, shape in ACTOR_SHAPES.items()]
    edges = []
    for rtype, (style, color, width, arrow) in EDGE_STYLES.items():
        edges.append(html.Span([
            html.Span(className="legend-line", style={"borderTop": f"{max(width, 1.2)}px {style} {color}"}),
            RELATION_LABELS[rtype] + (" →" if arrow else ""),
        ], className="legend-item"))
    return html.Div(id=ids.NETWORK_LEGEND, className="network-legend", children=[
        html.Div(shapes + [html.Span("size = number of ties · pale = undated tie · faint = outside the period",
                                     className="legend-note")], className="legend-row"),
        html.Div(edges, className="legend-row"),
    ])


def page(ctx: AppContext, topojson_url: str) -> html.Div:
    b = ctx.bundle
    credits = " · ".join(b.documents["credit"])
    return html.Div(className="app", children=[
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.SELECTION, storage_type="memory"),
        dcc.Store(id=ids.BG_CLICK, storage_type="memory"),
        html.Header(className="app-header", children=[
            html.Div([html.H1(TITLE), html.Div(id=ids.SUMMARY, className="summary", role="status",
                                               **{"aria-live": "polite"})], className="title-block"),
            html.Div(className="header-credit", children=[
                "Every record quotes its sentence from ", html.Em("Stalinism"), " and ", html.Em("Anti-Stalinist left"),
                " (Wikipedia, CC BY-SA 4.0). ⚑ marks what comes from outside the texts.",
            ]),
        ]),
        filter_bar(b, ctx.vocab),
        html.Main(className="grid", children=[
            html.Section(className="panel panel-timeline", **{"aria-label": "Timeline"}, children=[
                html.Div(className="panel-head", children=[
                    html.H2("Timeline"), html.Span("drag across years to set the period · double-click to reset",
                                                   className="hint"), lane_toggle()]),
                dcc.Graph(id=ids.TIMELINE, className="graph", config=graph_config(topojson_url, "timeline"),
                          style={"height": "100%"}),
            ]),
            html.Section(className="panel panel-map", **{"aria-label": "Map"}, children=[
                html.Div(className="panel-head", children=[html.H2("Deportations and sites"), region_toggle()]),
                dcc.Graph(id=ids.MAP, className="graph", config=graph_config(topojson_url, "map"),
                          style={"height": "100%"}),
            ]),
            html.Section(className="panel panel-network", **{"aria-label": "Faction network"}, children=[
                html.Div(className="panel-head", children=[html.H2("Factions and ties"),
                                                           html.Span("as of the period", className="hint")]),
                cyto.Cytoscape(id=ids.NETWORK, className="network", layout={"name": "preset", "fit": True,
                                                                              "padding": 12},
                               stylesheet=network_stylesheet(b), elements=[], minZoom=0.2, maxZoom=4,
                               userPanningEnabled=True, userZoomingEnabled=True, boxSelectionEnabled=False,
                               autoRefreshLayout=True, responsive=True,
                               style={"width": "100%", "height": "100%"}),
                _network_legend(),
            ]),
            html.Aside(className="panel panel-source", **{"aria-label": "Source"}, children=[
                html.Div(id=ids.SOURCE, className="source", children=render_source(None)),
            ]),
        ]),
        html.Footer(className="app-footer", children=[
            credits, " · Modern borders: Natural Earth · Coordinates and a few years are the editor's, marked ⚑.",
        ]),
    ])
