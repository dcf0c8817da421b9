"""Background callbacks (dashboard.background): the manager chosen by the environment, each app's own jobs, the
machine's slots for heavy jobs, and the Add a text page's preview run off the request thread — by the diskcache
manager in a process of its own, and by a real Celery worker through a real redis-server when REDIS_URL is set."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dash.background_callback.managers import BaseBackgroundCallbackManager

from dashboard import ids
from dashboard.adding import AddContext, proposal_of, read_input
from dashboard.background import OwnDiskcacheManager, make_manager, manager_kind
from dashboard.slots import JobSlots
from dashboard.paths import REPO

TEXT = ("== The Hungarian Revolution ==\n"
        "The Hungarian Revolution of 1956 began on 23 October 1956, when students marched in Budapest.\n"
        "In November 1956 Soviet tanks crushed the uprising, and Imre Nagy was later executed in 1958.\n")


def test_bg001_the_manager_is_diskcache_unless_redis_url_is_set(tmp_path):
    m = make_manager(tmp_path / "jobs", environ={})
    assert manager_kind(m) == "diskcache" and Path(m.handle.directory) == tmp_path / "jobs"
    c = make_manager(tmp_path / "jobs", environ={"REDIS_URL": "redis://127.0.0.1:1/0"})  # not reached until used
    assert manager_kind(c) == "celery"
    assert c.handle.conf.broker_url == "redis://127.0.0.1:1/0"
    with pytest.raises(ValueError, match="REDIS_URL must be a redis://"):
        make_manager(tmp_path / "jobs", environ={"REDIS_URL": "http://example.org"})
    assert manager_kind(make_manager(tmp_path / "jobs", environ={"REDIS_URL": "  "})) == "diskcache"


def test_bg002_each_manager_runs_its_own_apps_function(tmp_path):
    """Dash registers every background callback in every manager of the process, by a key made of the callback's
    outputs and its function's source: two apps' callbacks share it. Each manager keeps the one adopted for it."""
    import diskcache

    def made(value):
        def job():
            return value
        return job

    first, second = made("first app"), made("second app")
    m1 = OwnDiskcacheManager(diskcache.Cache(str(tmp_path / "a")))
    m1.adopt(first)
    key = BaseBackgroundCallbackManager.register_func(first, False, "out.children")
    m2 = OwnDiskcacheManager(diskcache.Cache(str(tmp_path / "b")))
    m2.adopt(second)
    assert BaseBackgroundCallbackManager.register_func(second, False, "out.children") == key  # the same key
    for m, want in ((m1, "first app"), (m2, "second app")):
        m.func_registry[key]("result", "result-progress", [], {})  # run in this process
        assert m.handle.get("result") == want
    # and a job's key is its own, so that two jobs with the same arguments never read each other's result
    assert m1.build_cache_key(first, [1], [], None) != m1.build_cache_key(first, [1], [], None)


def _hold(folder, ready):
    with JobSlots(folder, 1).slot() as held:
        assert held
        ready.set()
        time.sleep(60)  # until killed


def test_bg003_slots_bound_the_jobs_of_every_process_and_a_dead_holder_frees_its_slot(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    other = ctx.Process(target=_hold, args=(tmp_path, ready))
    other.start()
    try:
        assert ready.wait(10)
        t = time.monotonic()
        with JobSlots(tmp_path, 1).slot(wait_s=0.3) as held:
            assert not held and time.monotonic() - t >= 0.3
        with JobSlots(tmp_path, 2).slot() as held:  # a second slot is free
            assert held
        os.kill(other.pid, signal.SIGKILL)  # killed while holding it
        other.join(10)
        with JobSlots(tmp_path, 1).slot(wait_s=5) as held:
            assert held
    finally:
        if other.is_alive():
            other.kill()
        other.join(5)


def _preview_body(page, store, review):
    from tools.loadtest import callback_outputs

    key = next(k for k in page.callback_map if f"{ids.ADD_PREVIEW_PANEL}.hidden" in k)
    spec = page.callback_map[key]
    return {"output": key, "outputs": callback_outputs(key),
            "inputs": [{"id": d["id"], "property": d["property"], "value": 1} for d in spec["inputs"]],
            "state": [{"id": d["id"], "property": d["property"], "value": v}
                      for d, v in zip(spec["state"], [store, review])],
            "changedPropIds": [f"{ids.ADD_PREVIEW}.n_clicks"]}


def _preview(client, page, bundle, timeout_s=120):
    """A preview asked for as the page asks (one request, then polls): (the first request's seconds, its JSON, the
    answer)."""
    add = AddContext(bundle)
    store = read_input(add, TEXT.encode(), doc_id="hungary_notes")
    ev = proposal_of(add, store).of("events")[0].record["event_id"]
    body = _preview_body(page, store, {"decisions": {ev: "accepted"}})
    t = time.perf_counter()
    first = client.post("/add/_dash-update-component", json=body)
    took = time.perf_counter() - t
    assert first.status_code == 200, first.get_data(as_text=True)[:300]
    handles = first.get_json()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(0.2)
        r = client.post("/add/_dash-update-component", json=body,
                        query_string={"cacheKey": handles["cacheKey"], "job": handles["job"]})
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        if "response" in r.get_json():
            return took, handles, r.get_json()["response"], ev
    raise AssertionError(f"no preview within {timeout_s} s")


def test_bg004_the_preview_is_a_job_of_its_own_not_the_request_threads(app, client, bundle):
    page = app.server.extensions["add_page"]
    assert manager_kind(app.server.extensions["background"]) == "diskcache"
    took, handles, out, ev = _preview(client, page, bundle)
    # the request only started the job (a build takes seconds): its answer is the job's handles, signed
    assert set(handles) >= {"cacheKey", "job"} and "~" in handles["job"]
    assert int(handles["job"].split("~")[0]) != os.getpid()  # a process of its own
    assert out[ids.ADD_PREVIEW_PANEL]["hidden"] is False and ev in str(out[ids.ADD_PREVIEW_TIMELINE]["figure"])
    # a forged handle reads nothing and kills nothing
    body = _preview_body(page, None, None)
    r = client.post("/add/_dash-update-component", json=body,
                    query_string={"cacheKey": "0" * 64, "job": f"{os.getpid()}"})
    assert r.status_code in (200, 204) and "response" not in (r.get_json(silent=True) or {})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: `make test` installs Debian's redis-server"
    port, folder = _free_port(), tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def celery_worker(redis_url, tmp_path_factory):
    """`celery -A dashboard.worker worker`, as the README says, with REDIS_URL; stopped at the end."""
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    env = dict(os.environ, REDIS_URL=redis_url, DASHBOARD_CACHE_DIR=str(tmp_path_factory.mktemp("worker-cache")),
               PYTHONPATH=str(REPO))
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "dashboard.worker", "worker", "--pool", "solo",
                                 "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and " ready." not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(0.3)
        assert " ready." in log.read_text(errors="replace"), log.read_text(errors="replace")[-3000:]
        yield proc, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_bg005_with_redis_url_a_celery_worker_builds_the_preview(bundle, redis_url, celery_worker, tmp_path):
    from dashboard.app import create_app

    proc, log = celery_worker
    manager = make_manager(tmp_path / "unused", environ={"REDIS_URL": redis_url})
    app = create_app(bundle, background=manager)
    page = app.server.extensions["add_page"]
    took, handles, out, ev = _preview(app.server.test_client(), page, bundle)
    assert out[ids.ADD_PREVIEW_PANEL]["hidden"] is False and ev in str(out[ids.ADD_PREVIEW_TIMELINE]["figure"])
    assert "1 events" in str(out[ids.ADD_PREVIEW_MESSAGE]["children"])
    text = log.read_text(errors="replace")
    assert "background_callback_" in text and "succeeded" in text  # the worker ran it, not this process
    assert not (tmp_path / "unused").exists()  # and no diskcache was made
    assert proc.poll() is None
