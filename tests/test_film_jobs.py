"""The dashboard's film jobs (dashboard.film_jobs): submit, progress, the film handed out once, cleanup after the TTL,
a full queue, bad input and a failed render — with a quick stand-in renderer, and one real two-frame film."""

from __future__ import annotations

import os
import threading
import time

import pytest

from dashboard import film_jobs
from dashboard.film_jobs import FilmJobs, JobStatus, progress_text
from dashboard.selection import Selection
from helpers import quick_film


def test_films001_submit_progress_result_and_cleanup(app_ctx, tmp_path):
    calls, released = [], []
    jobs = FilmJobs(app_ctx, tmp_path, render=quick_film(calls), release=lambda: released.append(True))
    sub = jobs.submit(Selection(1930, 1939), step=5, fmt="gif")
    assert film_jobs.valid_job_id(sub.job_id) and sub.message == "Queued."
    assert jobs.wait_idle(10)
    st = jobs.status(sub.job_id)
    assert (st.state, st.done, st.total) == ("done", 2, 2)
    assert st.filename == "film_1930-1939.gif" and "2 frames" in progress_text(st)
    assert calls[0][1:] == ((1930, 1939), 5, "gif", film_jobs.FILM_SIZE)
    assert released == [True]  # no film left to make: kaleido's Chromium is stopped
    f, name, fmt = jobs.take(sub.job_id)
    with f:
        assert (f.read(), name, fmt) == (b"FILMgif", "film_1930-1939.gif", "gif")
    assert jobs.take(sub.job_id) is None and jobs.status(sub.job_id) is None  # handed out once
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_films002_progress_moves_while_rendering(app_ctx, tmp_path):
    gate = threading.Event()
    jobs = FilmJobs(app_ctx, tmp_path, render=quick_film(gate=gate))
    sub = jobs.submit(Selection(1917, 1991), step=1, fmt="mp4")
    time.sleep(0.2)
    st = jobs.status(sub.job_id)
    assert st.state in ("queued", "rendering") and st.done == 0
    assert progress_text(st) in ("Film queued…", "Starting the film…")
    gate.set()
    assert jobs.wait_idle(10)
    assert jobs.status(sub.job_id).total == 75


def test_films003_queue_full_is_a_message(app_ctx, tmp_path):
    gate = threading.Event()
    jobs = FilmJobs(app_ctx, tmp_path, queue_max=2, render=quick_film(gate=gate))
    first = [jobs.submit(Selection(1936, 1938)) for _ in range(2)]
    assert all(s.job_id for s in first)
    full = jobs.submit(Selection(1936, 1938))
    assert full.job_id is None and "already making 2 films" in full.message
    # another process sharing the folder sees the same queue
    assert FilmJobs(app_ctx, tmp_path, queue_max=2).submit(Selection()).job_id is None
    gate.set()
    assert jobs.wait_idle(10)
    assert jobs.submit(Selection(1936, 1938)).job_id  # room again once they are done
    assert jobs.wait_idle(10)


@pytest.mark.parametrize("step, fmt, sel", [(3, "mp4", Selection()), ("5", "mp4", Selection()), (True, "gif", None),
                                             (1.0, "gif", Selection()), (1, "avi", Selection()),
                                             (1, ["mp4"], Selection()), (1, "mp4", {"year_start": 1917})])
def test_films004_bad_input_is_a_message(app_ctx, tmp_path, step, fmt, sel):
    jobs = FilmJobs(app_ctx, tmp_path, render=quick_film())
    sub = jobs.submit(sel, step=step, fmt=fmt)
    assert sub.job_id is None and sub.message.endswith(".")
    assert not list(tmp_path.glob("*"))


@pytest.mark.parametrize("job_id", [None, "", "../../etc/passwd", "a" * 22 + "/", "a" * 22 + "\n", 42, ["x"],
                                    "A" * 22])
def test_films005_forged_ids_find_nothing(app_ctx, tmp_path, job_id):
    jobs = FilmJobs(app_ctx, tmp_path, render=quick_film())
    assert jobs.status(job_id) is None and jobs.take(job_id) is None
    assert progress_text(None).startswith("That film is no longer here")


def test_films006_failed_render_and_expiry(app_ctx, tmp_path):
    jobs = FilmJobs(app_ctx, tmp_path, ttl_s=60, stale_s=30, render=quick_film(fail=True))
    sub = jobs.submit(Selection(1936, 1938))
    assert jobs.wait_idle(10)
    st = jobs.status(sub.job_id)
    assert st.state == "failed" and "RuntimeError" in progress_text(st) and jobs.take(sub.job_id) is None
    assert not list(tmp_path.glob("*.mp4"))
    # a film never collected is deleted after the TTL; a job that stopped moving is reported failed
    state = tmp_path / f"{sub.job_id}.json"
    old = time.time() - 120
    os.utime(state, (old, old))
    jobs.sweep()
    assert not state.exists()
    jobs._write(JobStatus("B" * 22, "rendering", 3, 75, "film_x.mp4"), "mp4")
    os.utime(tmp_path / ("B" * 22 + ".json"), (time.time() - 45,) * 2)
    assert jobs.status("B" * 22).state == "failed" and "restarted" in jobs.status("B" * 22).message


def test_films007_a_real_two_frame_film(app_ctx, tmp_path):
    from PIL import Image

    jobs = FilmJobs(app_ctx, tmp_path, size=(320, 180))
    sub = jobs.submit(Selection(1930, 1939), step=5, fmt="gif")
    assert jobs.wait_idle(120)
    st = jobs.status(sub.job_id)
    assert st.state == "done", st
    f, name, _ = jobs.take(sub.job_id)
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / name
    with f:
        path.write_bytes(f.read())
    with Image.open(path) as im:
        assert im.n_frames == 2 and im.size == (320, 180)


def test_films008_another_process_answers_for_the_job(app_ctx, tmp_path):
    """gunicorn's workers share the folder: the one that did not make the film reports it and hands it out."""
    jobs = FilmJobs(app_ctx, tmp_path, render=quick_film(), release=lambda: None)
    sub = jobs.submit(Selection(1936, 1936), step=1, fmt="mp4")
    assert jobs.wait_idle(10)
    other = FilmJobs(app_ctx, tmp_path)
    assert other.status(sub.job_id) == jobs.status(sub.job_id)
    f, *rest = other.take(sub.job_id)
    f.close()
    assert rest == ["film_1936-1936.mp4", "mp4"] and other.take(sub.job_id) is None
    assert jobs.status(sub.job_id) is None


def test_films009_the_worker_runs_niced(app_ctx, tmp_path):
    """The film's thread (and what it starts: kaleido's thread, Chromium) yields the CPU to the request threads."""
    seen = []

    def render(ctx, sel, out, **kw):
        seen.append(os.nice(0))  # this thread's niceness (Linux: per thread)
        out.write_bytes(b"x")
        return out, 1

    jobs = FilmJobs(app_ctx, tmp_path, render=render, release=lambda: None)
    jobs.submit(Selection(1936, 1936))
    assert jobs.wait_idle(10)
    assert seen and seen[0] >= os.nice(0) + film_jobs.FILM_NICE or seen[0] == 19
