"""Smoke runs of the shipped load test and soak against the production server (gunicorn) on loopback."""

from __future__ import annotations

import httpx
import pytest

from dashboard import ids
from tools.loadtest import FOLLOW_UPS, production_server, request_body, run, soak


@pytest.fixture(scope="module")
def production():
    with production_server() as (url, pid):
        yield url, pid


def test_load_smoke_no_errors(production):
    result = run(production[0], users=5, seconds=5)
    assert result["errors"] == 0, result
    assert result["requests"] > 10
    assert result["by_kind"]["change"]["requests"] >= 15  # sync, draw and panels per change


def test_every_download_of_the_mix_answers(production):
    # every user asks for a slide, the data shown and a field format after each change
    always = tuple((kind, 1.0, buttons, output) for kind, _, buttons, output in FOLLOW_UPS)
    result = run(production[0], users=3, seconds=3, follow_ups=always)
    assert result["errors"] == 0, result
    assert {"slide", "data", "field"} <= set(result["by_kind"]), result
    # each answered with its file or figure (not an empty "nothing to update")
    kinds = result["by_kind"]
    assert kinds["slide"]["kb_min"] > 50 and kinds["data"]["kb_min"] > 1 and kinds["field"]["kb_min"] > 1, kinds


def test_soak_samples_each_worker(production):
    url, pid = production
    result = soak(url, pid, users=3, seconds=3, warmup_s=1, every_s=1)
    assert result["errors"] == 0 and result["warmup_errors"] == 0, result
    assert len(result["workers"]) == 2  # gunicorn --workers 2, as `make serve`
    for w in result["workers"]:
        assert 50 < w["rss_start_mb"] <= w["rss_max_mb"] and w["rss_end_mb"] > 50, w
    assert result["growth_pct_max"] == max(w["growth_pct"] for w in result["workers"])


def test_simulated_windows_send_their_views_sizes():
    from dashboard.context import DEFAULT_SIZES, clean_sizes
    from tools.loadtest import WINDOWS, view_sizes

    assert view_sizes((1920, 1080)) == {k: list(v) for k, v in DEFAULT_SIZES.items()}
    sizes = {tuple(map(tuple, view_sizes(w).values())) for w in WINDOWS}
    assert len(sizes) == len(WINDOWS)
    for w in WINDOWS:  # each a size the server takes as it is, not the default
        assert dict(clean_sizes(view_sizes(w))) == {k: tuple(v) for k, v in view_sizes(w).items()}


def test_requests_carry_what_the_page_holds():
    dep = {"output": f"..{ids.SLIDE_DOWNLOAD}.data...x.y..",
           "inputs": [{"id": ids.SLIDE_BUTTON, "property": "n_clicks"},
                      {"id": '{"type":"grid"}', "property": "rowData"}],
           "state": [{"id": ids.SELECTION, "property": "data"}, {"id": ids.SLIDE_SIZE, "property": "value"}]}
    body = request_body(dep, {f"{ids.SLIDE_BUTTON}.n_clicks": 2, f"{ids.SELECTION}.data": {"period": [1, 2]}},
                        f"{ids.SLIDE_BUTTON}.n_clicks")
    assert body["inputs"] == [{"id": ids.SLIDE_BUTTON, "property": "n_clicks", "value": 2}, []]
    assert [s["value"] for s in body["state"]] == [{"period": [1, 2]}, None]
    assert body["outputs"] == [{"id": ids.SLIDE_DOWNLOAD, "property": "data"}, {"id": "x", "property": "y"}]
    assert body["changedPropIds"] == [f"{ids.SLIDE_BUTTON}.n_clicks"]


def test_production_server_sends_security_headers(production):
    r = httpx.get(production[0] + "/")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]


def test_loadtest_refuses_non_loopback_targets():
    with pytest.raises(SystemExit):
        run("http://192.0.2.1:8050", users=1, seconds=1)
    with pytest.raises(SystemExit):
        soak("http://192.0.2.1:8050", 1, users=1, seconds=1)
