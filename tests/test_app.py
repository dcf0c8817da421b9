"""The served app, through Flask's test client: offline config, thin callbacks answering real requests."""

from __future__ import annotations

import json
import re

from dashboard import ids
from tests.helpers import find_component
from tools.loadtest import callback_outputs, draw_body, request_body


def test_index_serves_only_local_resources(client):
    r = client.get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert "cdn." not in html and "fonts.googleapis" not in html


def test_dash_version_check_off_and_no_dev_tools(client):
    html = client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', html,
                                  re.S).group(1))
    assert config["disable_version_check"] is True
    assert config["ui"] is False


def test_graph_config_is_offline(client):
    layout = client.get("/_dash-layout").get_json()
    text = json.dumps(layout)
    for gid in (ids.TIMELINE, ids.MAP):
        m = re.search(r'\{[^{}]*"id": "%s"' % gid, text)
        assert m
    configs = re.findall(r'"config": (\{.*?"topojsonURL": "[^"]+".*?\})', text)
    assert configs
    for c in configs:
        assert '"showSendToCloud": false' in c and '"displaylogo": false' in c
        assert re.search(r'"topojsonURL": "/assets/topojson/v/[0-9a-f]{12}/"', c)


def test_the_page_holds_no_network_the_first_answer_draws_it(app, client):
    """A page opens at its URL's filters: a default network in the layout would travel and be drawn only to be
    replaced by the first answer's (it was 134 KB of a 175 KB layout)."""
    network = find_component(app.layout, ids.NETWORK)
    assert network is not None and network.elements == []
    assert network.stylesheet
    assert len(client.get("/_dash-layout").get_data()) < 100_000


def test_topojson_served_locally(client):
    r = client.get("/assets/topojson/world_50m.json")
    assert r.status_code == 200 and r.get_json()["type"] == "Topology"


def _topojson_url(client) -> str:
    return re.search(r'"topojsonURL": "([^"]+)"', json.dumps(client.get("/_dash-layout").get_json())).group(1)


def test_topojson_under_a_versioned_path_is_cached_for_a_year(client):
    url = _topojson_url(client)
    r = client.get(url + "world_110m.json")
    assert r.status_code == 200 and r.get_json()["type"] == "Topology"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    r.close()
    assert client.get("/assets/topojson/v/000000000000/world_110m.json").status_code == 404  # another version
    assert client.get(url + "..%2Fapp.css").mimetype != "text/css"  # no way out of the folder
    assert client.get(url + "nothing.json").status_code == 404


def _scripts(client, path: str = "/") -> list[str]:
    return re.findall(r'<script src="([^"]+)"', client.get(path).get_data(as_text=True))


def test_page_loads_the_geo_plotly_from_assets_and_the_base_cytoscape(client):
    scripts = _scripts(client)
    plotly = [i for i, s in enumerate(scripts) if "plotly" in s]
    assert [scripts[i].split("?")[0] for i in plotly] == ["/assets/vendor/plotly-geo.min.js"]
    # window.Plotly is there before dash-renderer renders the first dcc.Graph (which would load the full bundle)
    assert plotly[0] < next(i for i, s in enumerate(scripts) if "dash_renderer" in s)
    assert any("dash_cytoscape/dash_cytoscape.v" in s for s in scripts)
    assert not any("extra" in s or s.endswith(".txt") for s in scripts), scripts
    assert [s.split("?")[0] for s in scripts if "/lazy/" in s] == ["/assets/lazy/regenerator-runtime.js"]
    # the exporter is not loaded with the page, but is there for assets/network_svg.js
    r = client.get("/assets/lazy/cytoscape-svg.js")
    assert r.status_code == 200 and b"cytoscapeSvg" in r.data
    r.close()


def test_page_loads_regenerator_runtime_instead_of_the_polyfill_and_no_dash_table(client):
    # dash-renderer and dcc's lazy loader call regeneratorRuntime; core-js (the rest of @babel/polyfill) patches
    # only older browsers; no page here has a DataTable
    for prefix in ("/", "/add/"):
        scripts = _scripts(client, prefix)
        assert not any("polyfill" in s or "dash_table" in s for s in scripts), scripts
        regen = [i for i, s in enumerate(scripts) if "regenerator-runtime.js?m=" in s]
        react = next(i for i, s in enumerate(scripts) if "/deps/react@" in s)
        assert regen == [0] and react == 1, scripts  # where the polyfill stood: before React and every library
        r = client.get(scripts[0])
        assert r.status_code == 200 and b"regeneratorRuntime = runtime" in r.data
        if prefix == "/":
            assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        r.close()


def test_slim_scripts_refuses_scripts_it_does_not_know():
    import pytest

    from dashboard.page_scripts import PageScriptsError, slim_scripts

    react = '<script src="/_dash-component-suites/dash/deps/react@18.v4_4_1m1.3.1.min.js"></script>\n'
    tags = ('<script src="/_dash-component-suites/dash/deps/polyfill@7.v4_4_1m1.12.1.min.js"></script>\n' + react
            + '<script src="/_dash-component-suites/dash/dash_table/bundle.v7_4_1m1.js"></script>\n')
    assert slim_scripts(tags, "/r.js") == '<script src="/r.js"></script>\n' + react
    with pytest.raises(PageScriptsError):  # a Dash without the polyfill's tag: this module needs a look
        slim_scripts(tags.split("\n", 1)[1], "/r.js")


def test_geo_plotly_is_the_bundled_version_and_draws_the_corpus(client, bundle):
    from plotly.offline import get_plotlyjs_version

    from dashboard.app import plotly_in_assets

    r = client.get("/assets/vendor/plotly-geo.min.js")
    assert "plotly.js (geo - minified) v4.1.1" in r.data[:400].decode()
    r.close()
    assert get_plotlyjs_version() == "4.1.1"  # the version of the full bundle Dash would load instead
    assert plotly_in_assets(bundle)  # the corpus never needs the timeline's heatmap


def test_large_data_sets_get_the_full_plotly(frames, bundle):
    from dashboard.app import create_app, plotly_in_assets
    from dashboard.frames import bundle_from_frames
    from dashboard.views.timeline import MAX_EVENT_MARKS
    from tools.bench import synthetic_frames

    big_bundle = bundle_from_frames(synthetic_frames(frames, MAX_EVENT_MARKS // len(bundle.events) + 1))
    assert not plotly_in_assets(big_bundle)
    scripts = _scripts(create_app(big_bundle).server.test_client())
    assert not any("plotly" in s for s in scripts)  # dcc.Graph then loads Dash's full bundle (it has heatmap)


def test_cache_headers(client):
    scripts = _scripts(client)
    suite = next(s for s in scripts if s.startswith("/_dash-component-suites/") and ".v" in s)
    asset = next(s for s in scripts if s.startswith("/assets/") and "?m=" in s)
    for url in (suite, asset):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        r.close()
    for url in ("/assets/app.css", "/assets/topojson/world_110m.json",
                "/_dash-component-suites/plotly/package_data/plotly.min.js"):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-cache" and r.headers.get("ETag"), url
        r.close()
    assert "immutable" not in client.get("/assets/nothing.js?m=1").headers.get("Cache-Control", "")
    assert "Cache-Control" not in client.get("/").headers or "immutable" not in client.get("/").headers[
        "Cache-Control"]


def test_draw_callback_over_http(app, client):
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.TIMELINE}.figure"))
    body = draw_body(key, {"year_start": 1936, "year_end": 1938, "selected": "trotsky"}, {"timeline": [946, 300]})
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert resp[ids.SUMMARY]["children"].startswith("1936–1938")
    assert "Leon Trotsky" in resp[ids.VIEW_TEXT]["children"]
    # the panels around the views: the selected record's passage, the legend, the page's class, the citation
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.SOURCE}.children"))
    selection = {"year_start": 1936, "year_end": 1938, "selected": "trotsky"}
    r = client.post("/_dash-update-component", json=_panels_body(app, key, selection, {}))
    assert r.status_code == 200
    resp = r.get_json()["response"]
    panel = resp[ids.SOURCE]
    assert "Leon Trotsky" in json.dumps(panel["children"])
    assert resp[ids.APP_ROOT]["className"] == "app" and "1936-1938" in resp[ids.CITE_TEXT]["children"]
    had = {(ids.SOURCE, "data-key"): panel["data-key"], (ids.NETWORK_LEGEND, "data-key"):
           resp[ids.NETWORK_LEGEND]["data-key"], (ids.APP_ROOT, "className"): "app",
           (ids.CITE_TEXT, "children"): resp[ids.CITE_TEXT]["children"]}
    # the same change again: nothing is sent again
    r = client.post("/_dash-update-component", json=_panels_body(app, key, selection, had))
    assert r.status_code == 204 or r.get_json()["response"] == {}
    # the same record under another filter: the panel is not sent again, the citation is
    r = client.post("/_dash-update-component", json=_panels_body(
        app, key, {"year_start": 1930, "year_end": 1940, "selected": "trotsky"}, had))
    resp = r.get_json()["response"]
    assert ids.SOURCE not in resp and "1930-1940" in resp[ids.CITE_TEXT]["children"]


def test_a_change_is_answered_with_the_views_in_one_request(app, client):
    """`sync` sets the selection and draws the views for it in the same answer (no second round trip to `draw`),
    for the sizes the page measured."""
    deps = client.get("/_dash-dependencies").get_json()
    sync = next(d for d in deps if f"..{ids.SELECTION}.data..." in d["output"])
    props = {f"{ids.PERIOD_SLIDER}.value": [1936, 1938], f"{ids.VIEW_SIZES}.data": {"timeline": [946, 300]},
             f"{ids.SELECTION}.data": {}, f"{ids.URL}.href": "http://localhost/?x"}
    r = client.post("/_dash-update-component", json=request_body(sync, props, f"{ids.PERIOD_SLIDER}.value"))
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert resp[ids.SELECTION]["data"]["year_start"] == 1936 and resp[ids.URL]["search"] == "?period=1936-1938"
    assert resp[ids.SUMMARY]["children"].startswith("1936–1938")
    assert {ids.MAP, ids.NETWORK, ids.VIEW_TEXT, ids.NETWORK_NOTE} <= set(resp)
    # and what changed around the views: the source panel (its overview of 1936-1938), the legend, the citation
    assert "1936–1938" in json.dumps(resp[ids.SOURCE]["children"], ensure_ascii=False)
    assert "1936-1938" in resp[ids.CITE_TEXT]["children"]
    had = {(ids.SOURCE, "data-key"): resp[ids.SOURCE]["data-key"], (ids.APP_ROOT, "className"): "app",
           (ids.NETWORK_LEGEND, "data-key"): resp[ids.NETWORK_LEGEND]["data-key"],
           (ids.CITE_TEXT, "children"): resp[ids.CITE_TEXT]["children"]}
    key_p = next(k for k in app.callback_map if k.startswith(f"..{ids.SOURCE}.children"))
    r = client.post("/_dash-update-component", json=_panels_body(app, key_p, resp[ids.SELECTION]["data"], had))
    assert r.status_code == 204 or r.get_json()["response"] == {}  # `panels` after it: nothing left to send
    # the same views as `draw` gives for that selection and those sizes
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.TIMELINE}.figure"))
    sizes = props[f"{ids.VIEW_SIZES}.data"]
    drawn = client.post("/_dash-update-component", json=draw_body(
        key, resp[ids.SELECTION]["data"], sizes)).get_json()["response"]
    assert drawn[ids.TIMELINE] == resp[ids.TIMELINE] and drawn[ids.MAP] == resp[ids.MAP]
    assert drawn[ids.VIEWS_DRAWN] == resp[ids.VIEWS_DRAWN]
    # `draw`, which the new selection fires too, then answers nothing: the page has those views
    r = client.post("/_dash-update-component", json=draw_body(
        key, resp[ids.SELECTION]["data"], sizes, resp[ids.VIEWS_DRAWN]["data"]))
    assert r.status_code == 204 or r.get_json()["response"] == {}
    # for other sizes, or views drawn for something else, it draws
    for other_sizes, other_drawn in ((small := {"timeline": [946, 300], "map": [420, 260]}, resp[ids.VIEWS_DRAWN][
            "data"]), (sizes, "an older selection")):
        r = client.post("/_dash-update-component", json=draw_body(
            key, resp[ids.SELECTION]["data"], other_sizes, other_drawn))
        assert ids.TIMELINE in r.get_json()["response"]
    # (and the sizes count: the map is drawn for its panel)
    props[f"{ids.VIEW_SIZES}.data"] = small
    r = client.post("/_dash-update-component", json=request_body(sync, props, f"{ids.PERIOD_SLIDER}.value"))
    assert r.get_json()["response"][ids.MAP] != resp[ids.MAP]
    # a theme toggle repaints the page with its figures: its class, the network's stylesheet and the button's
    # label come in the same answer (then `panels` finds them sent)
    props[f"{ids.SELECTION}.data"] = resp[ids.SELECTION]["data"]
    props[f"{ids.APP_ROOT}.className"] = "app"
    props[f"{ids.THEME}.n_clicks"] = 1
    dark = client.post("/_dash-update-component", json=request_body(sync, props, f"{ids.THEME}.n_clicks")
                       ).get_json()["response"]
    assert dark[ids.SELECTION]["data"]["theme"] == "dark" and "dark" in dark[ids.APP_ROOT]["className"]
    assert dark[ids.THEME]["children"] == "Light" and dark[ids.NETWORK]["stylesheet"]
    assert dark[ids.TIMELINE]["figure"] != resp[ids.TIMELINE]["figure"]
    panels = client.post("/_dash-update-component", json=_panels_body(
        app, key_p, dark[ids.SELECTION]["data"], {(ids.APP_ROOT, "className"): dark[ids.APP_ROOT]["className"]}))
    assert ids.APP_ROOT not in panels.get_json()["response"]
    # (and a change that keeps the class sends none of them)
    props[f"{ids.PERIOD_SLIDER}.value"] = [1930, 1940]
    kept = client.post("/_dash-update-component", json=request_body(sync, props, f"{ids.PERIOD_SLIDER}.value")
                       ).get_json()["response"]
    assert ids.TIMELINE in kept and ids.APP_ROOT not in kept and ids.THEME not in kept
    props[f"{ids.SELECTION}.data"] = kept[ids.SELECTION]["data"]
    # an event that changes nothing (a click on nothing) sends nothing, the views neither
    r = client.post("/_dash-update-component", json=request_body(sync, props, f"{ids.TIMELINE}.clickData"))
    assert r.status_code == 204 or ids.TIMELINE not in r.get_json()["response"]


def test_an_empty_network_panel_shows_its_message(app, client):
    """The network panel's message (in its middle) is shown when no actor matches the filters, hidden otherwise."""
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.TIMELINE}.figure"))
    for selection, empty in (({"types": ["deportation"], "movement_ids": ["trotskyism"]}, True),
                             ({"year_start": 1936, "year_end": 1938}, False)):
        resp = client.post("/_dash-update-component", json=draw_body(key, selection, None)).get_json()["response"]
        assert resp[ids.NETWORK_EMPTY]["hidden"] is (not empty), selection
        assert (resp[ids.NETWORK]["elements"] == []) is empty
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "No actors or ties match these filters" in layout


def _panels_body(app, key: str, selection: dict, had: dict) -> dict:
    """A request to the `panels` callback, as the browser sends it before the table was shown (no grid)."""
    spec = app.callback_map[key]
    values = {(ids.SELECTION, "data"): selection, (ids.URL, "href"): "http://localhost/?x"} | had
    return {"output": key, "outputs": callback_outputs(key),
            "inputs": [{"id": d["id"], "property": d["property"], "value": values.get((d["id"], d["property"]))}
                       for d in spec["inputs"]],
            "state": [{"id": d["id"], "property": d["property"], "value": values.get((d["id"], d["property"]))}
                      for d in spec["state"]],
            "changedPropIds": [f"{ids.SELECTION}.data"]}


def test_one_selection_is_filtered_once(app_ctx):
    """What the filters show is computed once per process for a selection: the views, the source panel, the
    legend and the table of one change share it, whatever the theme, the selected record or the map's switches."""
    from dataclasses import replace

    from dashboard.context import render
    from dashboard.selection import Selection, shown

    sel = Selection(1936, 1938, movement_ids=("trotskyism",))
    first = app_ctx.shown_for(sel)
    assert app_ctx.shown_for(replace(sel, theme="dark", selected="trotsky", region="europe")) is first
    assert render(app_ctx, sel).shown is first
    assert app_ctx.shown_for(Selection(1936, 1939, movement_ids=("trotskyism",))) is not first
    assert first.event_ids == shown(app_ctx.bundle, sel).event_ids


def test_the_memo_of_shown_selections_shrinks_as_the_records_grow(app_ctx):
    """A Shown holds the ids of what it shows: a data set of 800,000 records (the benchmark's 1000×) remembers 8
    selections, not 64 of about 8 MB each; the corpus remembers the full number."""
    from dashboard.context import MEMO_SIZE, SHOWN_MEMO_RECORDS, shown_memo_size

    assert shown_memo_size(len(app_ctx.bundle.kind_of)) == MEMO_SIZE
    assert app_ctx._shown.cache_info().maxsize == MEMO_SIZE
    assert shown_memo_size(829_000) == 8 and shown_memo_size(SHOWN_MEMO_RECORDS // 20) == 20
    assert shown_memo_size(0) == MEMO_SIZE and shown_memo_size(10**9) == 8


def test_security_headers_on_every_response(client):
    for path in ("/", "/_dash-layout", "/assets/app.css"):
        r = client.get(path)
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
        assert "unsafe-eval" not in csp and "http" not in csp


def test_gunicorn_entry_point_exposes_server():
    import dashboard.app as module

    assert callable(module.server)


def test_fingerprinted_scripts_are_packed_once_at_the_highest_level(app, client):
    import brotli
    from flask_compress.compat import compression

    url = next(s for s in _scripts(client) if "plotly-geo" in s)
    client.get(url, headers={"Accept-Encoding": "gzip, br, zstd"}).close()  # asks for it (once per file version)
    assert app.server.extensions["precompressed"].wait(120)
    r = client.get(url, headers={"Accept-Encoding": "gzip, br, zstd"})
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    assert r.headers["Content-Encoding"] == "br" and r.headers["Cache-Control"].endswith("immutable")
    assert brotli.decompress(r.data) == raw.get_data()
    assert len(r.data) < 0.9 * len(compression.zstd.compress(raw.get_data(), 3))  # Flask-Compress's level
    etag = r.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip, br, zstd", "If-None-Match": etag})
    assert again.status_code == 304
    again.close()
    raw.close()
    r.close()
    # what changes (the page, the callbacks' answers) keeps Flask-Compress's own per-request level
    page = client.get("/", headers={"Accept-Encoding": "zstd"})
    assert page.headers.get("Content-Encoding") == "zstd" and "immutable" not in page.headers.get("Cache-Control", "")


def _component_ids(component, out: list) -> list:
    cid = getattr(component, "id", None)
    if cid is not None:
        out.append(cid)
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            _component_ids(child, out)
    return out


def test_every_callback_names_components_of_the_page_or_the_grid(app):
    # the browser does not check callbacks against the layout (suppress_callback_exceptions: the records grid
    # enters the page later, dashboard.lazy_grid), so this does: every plain id a callback reads or writes is in
    # the page or in the grid, and every pattern-matching id is of a type the ids module names
    from dashboard.layout import records_grid

    found = _component_ids(app.layout, []) + _component_ids(records_grid(), [])
    plain = {c for c in found if isinstance(c, str)}
    types = {getattr(ids, name) for name in dir(ids) if name.isupper() and isinstance(getattr(ids, name), str)}
    checked = 0
    for key, spec in app.callback_map.items():
        outs = [part.rsplit(".", 1)[0] for part in (key.strip(".").split("...") if key.startswith("..") else [key])]
        named = outs + [d["id"] for d in spec["inputs"] + spec["state"]]
        for cid in named:
            cid = json.loads(cid) if isinstance(cid, str) and cid.startswith("{") else cid
            checked += 1
            if isinstance(cid, dict):
                assert cid.get("type") in types, (key, cid)
            else:
                assert cid in plain, (key, cid)
    assert checked > 60


def test_layout_is_written_once_and_again_when_it_changes(bundle):
    from dash import html
    from plotly.io.json import to_json_plotly

    from dashboard.app import create_app

    app = create_app(bundle)
    c = app.server.test_client()
    first = c.get("/_dash-layout").get_data()
    assert first == to_json_plotly(app.layout).encode()
    assert c.get("/_dash-layout").get_data() == first
    app.layout = html.Div("another page", id="other")
    assert c.get("/_dash-layout").get_json()["props"] == {"children": "another page", "id": "other"}
    app._extra_components.append(html.Div(id="extra"))  # what Dash adds to a layout is served too
    assert "extra" in json.dumps(c.get("/_dash-layout").get_json())


def _props_by_id(tree) -> dict:
    out, stack = {}, [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            p = node.get("props")
            if isinstance(p, dict) and "namespace" in node and isinstance(p.get("id"), str):
                out[p["id"]] = p
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


def test_layout_opens_at_the_pages_url(app, client):
    """The layout served to a page carries that page's selection (its Referer), so that the first callbacks are the
    views' own; for anything else the default layout, never one of another URL (no-store)."""
    ref = "http://localhost/?period=1936-1938&movement=trotskyism"
    r = client.get("/_dash-layout", headers={"Referer": ref})
    assert r.headers["Cache-Control"] == "no-store"
    props = _props_by_id(r.get_json())
    sel = props[ids.SELECTION]["data"]
    assert (sel["year_start"], sel["year_end"], sel["movement_ids"]) == (1936, 1938, ["trotskyism"])
    assert props[ids.PERIOD_SLIDER]["value"] == [1936, 1938]
    assert props[ids.MOVEMENTS]["value"] == ["trotskyism"]
    assert props[ids.URL] | {} == {**props[ids.URL], "search": "?period=1936-1938&movement=trotskyism",
                                   "pathname": "/", "href": ref}
    assert client.get("/_dash-layout", headers={"Referer": ref}).get_data() == r.get_data()  # kept, same bytes

    default = _props_by_id(client.get("/_dash-layout").get_json())
    assert "data" not in default[ids.SELECTION] and "search" not in default[ids.URL]
    for other in ("http://localhost/?movement=trotskyism&period=1936-1938",  # not as the page writes it
                  "http://localhost/?period=zzz",
                  "http://elsewhere.example/?period=1936-1938",  # another site
                  "http://localhost/add/?period=1936-1938",  # another page of the server
                  "javascript://localhost/?period=1936-1938",
                  "not a url"):
        got = _props_by_id(client.get("/_dash-layout", headers={"Referer": other}).get_json())
        assert "data" not in got[ids.SELECTION] and "search" not in got[ids.URL], other
    # the default selection: the layout's own values, and the Location's props that match the window
    bare = _props_by_id(client.get("/_dash-layout", headers={"Referer": "http://localhost/"}).get_json())
    assert bare[ids.URL]["search"] == "" and bare[ids.PERIOD_SLIDER]["value"] == default[ids.PERIOD_SLIDER]["value"]


def test_layouts_for_urls_are_kept_for_the_most_recent_only(bundle):
    from dashboard.app import create_app

    app = create_app(bundle)
    app.OPENINGS_KEPT = 3
    c = app.server.test_client()
    for year in range(1930, 1940):
        c.get("/_dash-layout", headers={"Referer": f"http://localhost/?period={year}-{year + 2}"})
    assert len(app._openings) == 3


def test_panels_send_components_as_the_json_dash_would_write():
    from dash import dcc, html
    from plotly.io.json import to_json_plotly

    from dashboard.callbacks import as_json

    tree = html.Div([html.Span("a", className="x", **{"data-k": 1}), "b", None,
                     html.Details([html.Summary("s"), dcc.Markdown("*m*")], open=True)], id="i")
    assert json.dumps(as_json(tree)) == json.dumps(json.loads(to_json_plotly(tree)))
    assert as_json([tree, "t"]) == [as_json(tree), "t"] and as_json(3) == 3


def test_drawn_views_are_remembered_per_selection_and_size(app_ctx):
    from dashboard.context import DEFAULT_SIZES, render
    from dashboard.legend import legend_model
    from dashboard.selection import Selection
    from dashboard.theme import PALETTES

    sel = Selection(year_start=1936, year_end=1938)
    drawn = app_ctx.drawn_for(sel, DEFAULT_SIZES)
    assert app_ctx.drawn_for(Selection(year_start=1936, year_end=1938), dict(DEFAULT_SIZES)) is drawn
    fresh = render(app_ctx, sel, sizes=DEFAULT_SIZES)
    assert (drawn.timeline, drawn.map, drawn.elements, drawn.summary) == \
        (fresh.timeline, fresh.map, fresh.elements, fresh.summary)
    app_ctx.forget_drawn()
    again = app_ctx.drawn_for(sel, DEFAULT_SIZES)
    assert again is not drawn and again.map == drawn.map  # drawn anew, the same
    smaller = {**DEFAULT_SIZES, "map": (400, 300)}
    assert app_ctx.drawn_for(sel, smaller).map["layout"] != drawn.map["layout"]  # another size, drawn again
    dark = Selection(year_start=1936, year_end=1938, theme="dark")
    assert app_ctx.legend_for(dark) == legend_model(app_ctx.bundle, app_ctx.shown_for(dark), PALETTES["dark"],
                                                    app_ctx.map, app_ctx.network)
    assert app_ctx.legend_for(dark) != app_ctx.legend_for(sel)


def test_the_browsers_filter_of_syncs_inputs_names_the_apps_ids():
    # assets/sync_inputs.js passes the source panel's clicks to a store by these names (it cannot import ids.py)
    from dashboard.paths import ASSETS_DIR

    js = (ASSETS_DIR / "sync_inputs.js").read_text()
    for name in (ids.CITE_LINK, ids.CLEAR, ids.LINK_CLICK, ids.SOURCE):
        assert f'"{name}"' in js or f"#{name} " in js, name
