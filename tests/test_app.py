"""The served app, through Flask's test client: offline config, thin callbacks answering real requests."""

from __future__ import annotations

import json
import re

from dashboard import ids
from tools.loadtest import callback_outputs


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
        assert re.search(r'"topojsonURL": "/assets/topojson/"', c)


def test_topojson_served_locally(client):
    r = client.get("/assets/topojson/world_50m.json")
    assert r.status_code == 200 and r.get_json()["type"] == "Topology"


def test_draw_callback_over_http(app, client):
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.TIMELINE}.figure"))
    outputs = callback_outputs(key)
    body = {"output": key, "outputs": outputs,
            "inputs": [{"id": ids.SELECTION, "property": "data",
                        "value": {"year_start": 1936, "year_end": 1938, "selected": "trotsky"}},
                       {"id": ids.VIEW_SIZES, "property": "data", "value": {"timeline": [946, 300]}}],
            "changedPropIds": [f"{ids.SELECTION}.data"], "state": []}
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert resp[ids.SUMMARY]["children"].startswith("1936–1938")
    assert "Leon Trotsky" in resp[ids.VIEW_TEXT]["children"]
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.SOURCE}.children"))
    body |= {"output": key, "outputs": callback_outputs(key), "inputs": body["inputs"][:1],
             "state": [{"id": ids.SOURCE, "property": "data-key", "value": None}]}
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    panel = r.get_json()["response"][ids.SOURCE]
    assert "Leon Trotsky" in json.dumps(panel["children"])
    # the same record under another filter: the panel is not sent again
    again = {**body, "inputs": [{"id": ids.SELECTION, "property": "data",
                                 "value": {"year_start": 1930, "year_end": 1940, "selected": "trotsky"}}],
             "state": [{"id": ids.SOURCE, "property": "data-key", "value": panel["data-key"]}]}
    r = client.post("/_dash-update-component", json=again)
    assert r.status_code == 204 or r.get_json()["response"] == {}  # nothing sent again


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
