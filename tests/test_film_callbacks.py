""""Download animation" through the app's HTTP endpoints: the click queues a film of the page's selection, the poll
reports its progress and then its URL, the film route hands it out once; forged inputs get defaults or no update.
The app here has its own film folder and a quick stand-in renderer (dashboard.film_jobs' worker is real)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import film_jobs, ids
from helpers import quick_film
from test_hostile import junk
from tools.loadtest import callback_outputs


@pytest.fixture(scope="module")
def film_app(bundle, tmp_path_factory):
    from dashboard.app import create_app

    app = create_app(bundle, film_dir=tmp_path_factory.mktemp("films"))
    calls: list = []
    app.server.extensions["films"].render = quick_film(calls)
    app.film_calls = calls
    return app


@pytest.fixture(scope="module")
def film_client(film_app):
    return film_app.server.test_client()


def _key(app, prefix: str) -> str:
    return next(k for k in app.callback_map if k.startswith(prefix))


def _submit(client, app, clicks, selection, step, fmt):
    key = _key(app, f"{ids.FILM_JOB}.data")
    body = {"output": key, "outputs": callback_outputs(key),
            "inputs": [{"id": ids.FILM_BUTTON, "property": "n_clicks", "value": clicks}],
            "state": [{"id": ids.SELECTION, "property": "data", "value": selection},
                      {"id": ids.PLAY_STEP, "property": "value", "value": step},
                      {"id": ids.FILM_FORMAT, "property": "value", "value": fmt}],
            "changedPropIds": [f"{ids.FILM_BUTTON}.n_clicks"]}
    return client.post("/_dash-update-component", json=body)


def _poll(client, app, job, tick=1):
    key = _key(app, f"..{ids.FILM_STATUS}.children")
    body = {"output": key, "outputs": callback_outputs(key),
            "inputs": [{"id": ids.FILM_JOB, "property": "data", "value": job},
                       {"id": ids.FILM_TIMER, "property": "n_intervals", "value": tick}],
            "changedPropIds": [f"{ids.FILM_TIMER}.n_intervals"]}
    return client.post("/_dash-update-component", json=body)


def test_filmcb001_click_queues_polls_and_downloads_once(film_app, film_client):
    r = _submit(film_client, film_app, 1, {"year_start": 1930, "year_end": 1939, "movement_ids": ["trotskyism"]},
                5, "gif")
    assert r.status_code == 200
    job = r.get_json()["response"][ids.FILM_JOB]["data"]
    assert film_jobs.valid_job_id(job["id"])
    assert film_app.server.extensions["films"].wait_idle(10)
    sel, period, step, fmt, _ = film_app.film_calls[-1]
    assert (period, step, fmt, sel.movement_ids) == ((1930, 1939), 5, "gif", ("trotskyism",))

    got = _poll(film_client, film_app, job).get_json()["response"]
    assert got[ids.FILM_STATUS]["children"] == "Film ready: film_1930-1939_trotskyism.gif (2 frames)."
    assert got[ids.FILM_TIMER]["disabled"] is True and got[ids.FILM_BUTTON]["disabled"] is False
    ready = got[ids.FILM_READY]["data"]
    assert ready == {"url": f"/film/{job['id']}", "filename": "film_1930-1939_trotskyism.gif"}

    r = film_client.get(ready["url"])
    assert r.status_code == 200 and r.mimetype == "image/gif" and r.data == b"FILMgif"
    cd = r.headers["Content-Disposition"]
    assert cd.startswith("attachment") and "filename=film_1930-1939_trotskyism.gif" in cd
    assert r.headers["Cache-Control"] == "no-store"
    assert film_client.get(ready["url"]).status_code == 404  # once
    gone = _poll(film_client, film_app, job).get_json()["response"]
    assert gone[ids.FILM_STATUS]["children"].startswith("That film is no longer here")


def test_filmcb002_a_film_under_way_keeps_polling(film_app, film_client, tmp_path):
    import threading

    films = film_app.server.extensions["films"]
    gate = threading.Event()
    films.render = quick_film(gate=gate)
    try:
        job = _submit(film_client, film_app, 2, None, 1, "mp4").get_json()["response"][ids.FILM_JOB]["data"]
        got = _poll(film_client, film_app, job).get_json()["response"]
        assert got[ids.FILM_TIMER]["disabled"] is False and got[ids.FILM_BUTTON]["disabled"] is True
        assert got[ids.FILM_PROGRESS]["hidden"] is False and got[ids.FILM_READY]["data"] is None
        # a full queue is a message in the page, not an error
        others = [_submit(film_client, film_app, 3, None, 1, "mp4") for _ in range(film_jobs.QUEUE_MAX)]
        full = others[-1].get_json()["response"][ids.FILM_JOB]["data"]
        assert full["id"] is None and "already making" in full["message"]
        shown = _poll(film_client, film_app, full).get_json()["response"]
        assert shown[ids.FILM_STATUS]["children"] == full["message"]
    finally:
        gate.set()
        assert films.wait_idle(10)
        films.render = quick_film(film_app.film_calls)


@pytest.mark.parametrize("step, fmt, message", [(3, "mp4", "Step must be 1 or 5 years."),
                                                ("<script>", "mp4", "Step must be 1 or 5 years."),
                                                (1, {"a": 1}, "Format must be GIF or MP4.")])
def test_filmcb003_bad_controls_are_a_message(film_app, film_client, step, fmt, message):
    r = _submit(film_client, film_app, 1, "not a selection", step, fmt)
    assert r.status_code == 200
    assert r.get_json()["response"][ids.FILM_JOB]["data"] == {"id": None, "message": message}


@given(clicks=junk, selection=junk, step=junk, fmt=junk, job=junk, tick=junk)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
def test_filmcb004_forged_inputs_get_defaults_or_no_update(film_app, film_client, clicks, selection, step, fmt, job,
                                                           tick):
    r = _submit(film_client, film_app, clicks, selection, step, fmt)
    assert r.status_code in (200, 204)
    sent = r.get_json().get("response", {}).get(ids.FILM_JOB) if r.status_code == 200 else None
    if sent is not None:  # a click: queued, or why not
        assert set(sent["data"]) == {"id", "message"} and isinstance(sent["data"]["message"], str)
    r = _poll(film_client, film_app, job, tick)
    assert r.status_code == 200
    got = r.get_json()["response"]
    assert got[ids.FILM_READY]["data"] is None or film_jobs.valid_job_id(got[ids.FILM_READY]["data"]["url"][6:])
    assert isinstance(got[ids.FILM_STATUS]["children"], str) and len(got[ids.FILM_STATUS]["children"]) <= 200
    film_app.server.extensions["films"].wait_idle(10)


@given(job_id=st.text(max_size=40))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_filmcb005_forged_film_urls_are_404(film_client, job_id):
    from urllib.parse import quote

    r = film_client.get("/film/" + quote(job_id, safe=""))
    assert r.status_code in (404, 308) or r.mimetype == "text/html"  # "/film/" alone, "/film/a/b": the page
