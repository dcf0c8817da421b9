"""Hostile input through the real HTTP endpoint: forged, malformed and oversized callback inputs are answered
with defaults or no update — never a 500, never a hang."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import ids
from tools.loadtest import callback_outputs, draw_body

# A request that takes longer than this is a hang for a filter change.
SLOW_S = 5.0

junk = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**12, max_value=10**12)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=50)
    | st.sampled_from(["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "a" * 20000, "1936-1938",
                       "trotsky", "ev_x", "../../etc/passwd", "' OR 1=1 --", "\u0000\u202e"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def sync_spec(app, bundle):
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.SELECTION}.data"))
    return key, app.callback_map[key]


def _input_list(spec, values: list, bundle) -> list:
    period_ids = list(bundle.periods["period_id"])[:2]
    inputs = []
    for dep, value in zip(spec["inputs"], values):
        if isinstance(dep["id"], str) and dep["id"].startswith("{"):
            pattern = json.loads(dep["id"])
            if pattern.get("type") == ids.PERIOD_BUTTON:
                inputs.append([{"id": {"type": ids.PERIOD_BUTTON, "period": p}, "property": dep["property"],
                                "value": value} for p in period_ids])
            else:
                inputs.append([{"id": {**{k: v for k, v in pattern.items() if k == "type"}, **(
                    {"record": "trotsky"} if pattern.get("type") == ids.CITE_LINK else {"scope": "source"})},
                                "property": dep["property"], "value": value}])
        else:
            inputs.append({"id": dep["id"], "property": dep["property"], "value": value})
    return inputs


def _post(client, body) -> tuple[int, float]:
    t = time.perf_counter()
    r = client.post("/_dash-update-component", json=body)
    return r.status_code, time.perf_counter() - t


@given(values=st.lists(junk, min_size=32, max_size=32), changed=st.integers(min_value=0, max_value=10**6),
       state=st.lists(junk, min_size=12, max_size=12))  # (zipped with the spec: as many as it has)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
def test_sync_callback_survives_junk(client, sync_spec, bundle, values, changed, state):
    key, spec = sync_spec
    inputs = _input_list(spec, values, bundle)
    changed %= len(spec["inputs"])
    dep = spec["inputs"][changed]
    changed_id = dep["id"] if not dep["id"].startswith("{") else json.dumps(
        inputs[changed][0]["id"], separators=(",", ":"), sort_keys=True)
    assert len(values) >= len(spec["inputs"]) and len(state) >= len(spec["state"])
    # (the records grid as it is once the table was shown: one grid)
    body = {"output": key, "outputs": callback_outputs(key, {ids.GRID: [ids.records_grid()]}), "inputs": inputs,
            "state": [{"id": d["id"], "property": d["property"], "value": v} for d, v in zip(spec["state"], state)],
            "changedPropIds": [f"{changed_id}.{dep['property']}"]}
    status, took = _post(client, body)
    assert status in (200, 204), status
    assert took < SLOW_S


@given(data=junk, sizes=junk)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
def test_draw_callback_survives_junk(client, app, data, sizes):
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.TIMELINE}.figure"))
    body = draw_body(key, data, sizes)
    status, took = _post(client, body)
    assert status == 200
    assert took < SLOW_S


@pytest.mark.parametrize("selection", [
    {"year_start": "1936", "year_end": 10**30},
    {"year_start": 2000, "year_end": 1900},
    {"movement_ids": "<script>alert(1)</script>", "types": {"a": 1}},
    {"q": "x" * 20000, "selected": "<img src=x onerror=alert(1)>"},
    {"selected": ["trotsky"], "lanes": None, "region": 5},
])
@pytest.mark.parametrize("sizes", [None, {"timeline": [1e12, -4], "map": "x"}, {"network": [True, 300]}])
def test_draw_callback_clamps_named_cases(client, app, selection, sizes):
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.TIMELINE}.figure"))
    body = draw_body(key, selection, sizes)
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    summary = r.get_json()["response"][ids.SUMMARY]["children"]
    assert "<script" not in summary and "onerror" not in summary


def test_malformed_request_bodies_are_not_500(client):
    for body in (b"", b"{", b"[]", b'{"output": 5}', json.dumps({"output": "nope..x"}).encode()):
        r = client.post("/_dash-update-component", data=body, content_type="application/json")
        assert r.status_code < 500, (body, r.status_code)


@given(query=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_page_query_string_never_errors(client, query):
    r = client.get("/?" + quote(query, safe="=&?,"))
    assert r.status_code == 200


# Every other server callback (the panels around the views — source, legend, theme, citation, table rows —,
# network image, downloads, playback speed, table toggle). The slide download (the figure the browser renders)
# gets a few named cases below.
_OTHER_CALLBACKS = ("play-timer.interval", "..source-panel.children", "..table-open.data",
                    "network-graph.generateImage", "data-download.data")


@pytest.mark.parametrize("prefix", _OTHER_CALLBACKS)
@given(values=st.lists(junk, min_size=4, max_size=4), state=st.lists(junk, min_size=7, max_size=7),
       changed=st.integers(min_value=0, max_value=3))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
def test_every_callback_survives_junk(client, app, prefix, values, state, changed):
    key = next(k for k in app.callback_map if k.startswith(prefix))
    spec = app.callback_map[key]
    inputs = [{"id": d["id"], "property": d["property"], "value": v} for d, v in zip(spec["inputs"], values)]
    dep = spec["inputs"][changed % len(spec["inputs"])]
    # (the records grid as it is once the table was shown: one grid)
    body = {"output": key, "outputs": callback_outputs(key, {ids.GRID: [ids.records_grid()]}), "inputs": inputs,
            "state": [{"id": d["id"], "property": d["property"], "value": v} for d, v in zip(spec["state"], state)],
            "changedPropIds": [f"{dep['id']}.{dep['property']}"]}
    status, took = _post(client, body)
    assert status in (200, 204), status
    assert took < SLOW_S


@pytest.mark.parametrize("size, selection", [
    ("7680x4320", {"year_start": 2000, "year_end": 1900, "q": "<script>alert(1)</script>"}),
    ({"a": 1}, "not a selection"),
])
def test_slide_download_clamps_junk(client, app, size, selection):
    key = next(k for k in app.callback_map if k.startswith("slide-download.data"))
    body = {"output": key, "outputs": callback_outputs(key),
            "inputs": [{"id": ids.SLIDE_BUTTON, "property": "n_clicks", "value": 1}],
            "state": [{"id": ids.SELECTION, "property": "data", "value": selection},
                      {"id": ids.SLIDE_SIZE, "property": "value", "value": size}],
            "changedPropIds": [f"{ids.SLIDE_BUTTON}.n_clicks"]}
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    sent = r.get_json()["response"][ids.SLIDE_DOWNLOAD]["data"]  # the figure the browser renders
    assert (sent["width"], sent["height"], sent["scale"]) == (1920, 1080, 1)
    assert sent["figure"]["layout"]["width"] == 1920 and sent["figure"]["data"]
    assert "<script" not in json.dumps(sent)
    assert sent["filename"].startswith("slide_") and sent["filename"].endswith(".png")
