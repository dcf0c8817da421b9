"""The dashboard's "Download animation": films rendered off the request threads, one at a time per server process.

A callback submits a job (the page's selection, the step, GIF or MP4) and polls its progress; the film is rendered
by animation.export_animation in the process's one worker thread (through slide_export's one kaleido server),
written to a temporary file and handed out once by the download route (streamed from the file: a GIF of 75 frames
is 8.5 MB), which deletes it. The jobs' state lives in files in one folder (a small JSON per job, the film beside
it), not in memory: gunicorn's workers are separate processes and a page's next request may reach the other one.
Whatever is not collected is deleted after TTL_S.

Belongs here: job ids, the queue and its bound, progress, the temporary files, the texts the page shows for a job.
Does not belong here: the frames and their encoding (animation.py), kaleido (slide_export.py), Dash (never
imported: the callbacks and the route in app.py hand plain values to FilmJobs).
No module state: a FilmJobs is made per app (create_app keeps it in app.server.extensions["films"]).
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from dashboard.animation import FORMATS, STEPS, export_animation
from dashboard.filenames import export_name
from dashboard.selection import Selection
from dashboard.slide_export import stop_kaleido

# Films waiting or rendering, over every process sharing the folder, beyond which a new one is refused: each
# takes a kaleido server half a minute to a few minutes of CPU.
QUEUE_MAX = 3
# A film not downloaded within this many seconds is deleted (s).
TTL_S = 15 * 60
# A job whose state has not moved for this long lost its process (a restart): it is reported failed (s).
STALE_S = 5 * 60
# The film's frame size (px): the slides' own; 3840×2160 would take a shared server four times as long.
FILM_SIZE = (1920, 1080)
# The worker thread's niceness (Linux: per thread, inherited by the threads and processes it starts: kaleido's
# server thread and its Chromium), so that the request threads and other users come first for the CPU.
FILM_NICE = 10
# Job ids: 16 random bytes, URL-safe base64 (22 characters); anything else is never looked up on disk.
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{22}")
_ACTIVE = ("queued", "rendering")


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    state: str  # queued | rendering | done | failed
    done: int = 0  # frames rendered
    total: int = 0  # frames in the film
    filename: str = ""
    message: str = ""  # why it failed


@dataclass(frozen=True)
class Submitted:
    job_id: str | None
    message: str  # what the page says: queued, or why not


def valid_job_id(job_id) -> bool:
    return isinstance(job_id, str) and _JOB_ID.fullmatch(job_id) is not None


class FilmJobs:
    """The films of one app: submit(), status(), take(). State in `folder`; one worker thread per process, started
    on the first submit (so none exists in gunicorn's --preload parent before it forks)."""

    def __init__(self, ctx, folder: Path, *, queue_max: int = QUEUE_MAX, ttl_s: float = TTL_S,
                 stale_s: float = STALE_S, size: tuple[int, int] = FILM_SIZE, render: Callable = export_animation,
                 release: Callable[[], None] = stop_kaleido):
        self.ctx, self.folder = ctx, Path(folder)
        self.queue_max, self.ttl_s, self.stale_s, self.size = queue_max, ttl_s, stale_s, size
        self.render = render  # animation.export_animation's signature (tests pass a quick one)
        self.release = release  # called when this process has no film left to make: Chromium's memory back
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.Queue | None = None
        self._waiting: set[str] = set()  # this process's queued jobs, kept fresh while the one before renders
        self._idle = threading.Event()
        self._idle.set()

    # --- files -------------------------------------------------------------------------------------------------
    def _state_path(self, job_id: str) -> Path:
        return self.folder / f"{job_id}.json"

    def _write(self, status: JobStatus, fmt: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f"{status.job_id}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps({**status.__dict__, "fmt": fmt}), encoding="utf-8")
        tmp.replace(self._state_path(status.job_id))

    def _read(self, job_id: str) -> tuple[JobStatus, str, float] | None:
        """(status, format, seconds since its last change), or None for no such job."""
        path = self._state_path(job_id)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            age = time.time() - path.stat().st_mtime
            fmt = d.pop("fmt")
            return JobStatus(**d), fmt, age
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def film_path(self, job_id: str, fmt: str) -> Path:
        return self.folder / f"{job_id}.{fmt}"

    def _delete(self, job_id: str) -> None:
        for p in self.folder.glob(f"{job_id}.*"):
            p.unlink(missing_ok=True)

    def sweep(self) -> None:
        """Delete the jobs (and films) untouched for ttl_s, whatever their state."""
        if not self.folder.is_dir():
            return
        now = time.time()
        for p in self.folder.glob("*.json"):
            try:
                old = now - p.stat().st_mtime > self.ttl_s
            except OSError:
                continue
            if old:
                self._delete(p.stem)
        for p in (*self.folder.glob("*.tmp"), *self.folder.glob("*.sending")):  # a process died mid-write
            try:
                if now - p.stat().st_mtime > self.ttl_s:
                    p.unlink(missing_ok=True)
            except OSError:
                continue

    def _active(self) -> int:
        if not self.folder.is_dir():
            return 0
        n = 0
        for p in self.folder.glob("*.json"):
            got = self._read(p.stem)
            if got is not None and got[0].state in _ACTIVE and got[2] < self.stale_s:
                n += 1
        return n

    # --- the page's three calls ----------------------------------------------------------------------------------
    def submit(self, sel: Selection, *, step=1, fmt="mp4") -> Submitted:
        """Queue the film of `sel`'s filters, one frame per `step` years of its period; a message instead of a job
        for a bad step or format or a full queue."""
        if type(step) is not int or step not in STEPS:
            return Submitted(None, f"Step must be {' or '.join(map(str, STEPS))} years.")
        if fmt not in FORMATS:
            return Submitted(None, f"Format must be {' or '.join(f.upper() for f in FORMATS)}.")
        if not isinstance(sel, Selection):
            return Submitted(None, "No view to film.")
        self.sweep()
        with self._lock:
            if self._active() >= self.queue_max:
                return Submitted(None, f"The server is already making {self.queue_max} films: try again in a few "
                                       "minutes.")
            q = self._worker()
            job_id = secrets.token_urlsafe(16)
            self._write(JobStatus(job_id, "queued", filename=export_name("film", sel, fmt)), fmt)
            self._idle.clear()
            self._waiting.add(job_id)
            q.put((job_id, sel, step, fmt))
        return Submitted(job_id, "Queued.")

    def status(self, job_id) -> JobStatus | None:
        """The job's state (a stale one reported failed); None for an unknown, expired or forged id."""
        if not valid_job_id(job_id):
            return None
        got = self._read(job_id)
        if got is None:
            return None
        st, _, age = got
        if st.state in _ACTIVE and age > self.stale_s:
            return JobStatus(job_id, "failed", st.done, st.total, st.filename, "The server restarted: try again.")
        return st

    def take(self, job_id) -> tuple[BinaryIO, str, str] | None:
        """(the film opened for reading, its file name, its format) of a finished job, once: the job and the film's
        name are gone before it returns (the open file streams a film of tens of MB without holding it in memory;
        the caller closes it); None otherwise. A rename claims the film, so two processes never both hand it out."""
        if not valid_job_id(job_id):
            return None
        got = self._read(job_id)
        if got is None or got[0].state != "done":
            return None
        st, fmt, _ = got
        claimed = self.folder / f"{job_id}.{os.getpid()}.{threading.get_ident()}.sending"
        try:
            self.film_path(job_id, fmt).rename(claimed)
        except OSError:  # collected meanwhile (by another thread or process)
            return None
        try:
            f = claimed.open("rb")
        finally:
            claimed.unlink(missing_ok=True)
            self._state_path(job_id).unlink(missing_ok=True)
        return f, st.filename, fmt

    def wait_idle(self, timeout: float = 60) -> bool:
        """Block until this process's worker has nothing left to do (for tests)."""
        return self._idle.wait(timeout)

    # --- the worker ----------------------------------------------------------------------------------------------
    def _worker(self) -> queue.Queue:
        """This process's queue, its thread started on first use (call with _lock held)."""
        if self._queue is None or self._pid != os.getpid():  # a forked child inherits no thread
            self._pid, self._queue = os.getpid(), queue.Queue()
            threading.Thread(target=self._run, args=(self._queue,), name="film-jobs", daemon=True).start()
        return self._queue

    def _run(self, q: queue.Queue) -> None:
        try:
            os.nice(FILM_NICE)
        except (AttributeError, OSError):  # not on this system: the film still runs, at normal priority
            pass
        while True:
            job_id, sel, step, fmt = q.get()
            try:
                self._make(job_id, sel, step, fmt)
            finally:
                q.task_done()
                if q.unfinished_tasks == 0:
                    try:
                        self.release()
                    except Exception:  # noqa: BLE001 — a server already gone is no reason to stop the worker
                        pass
                with self._lock:  # a film queued meanwhile keeps the worker busy
                    if q.unfinished_tasks == 0:
                        self._idle.set()

    def _make(self, job_id: str, sel: Selection, step: int, fmt: str) -> None:
        with self._lock:
            self._waiting.discard(job_id)
        got = self._read(job_id)
        if got is None:  # swept meanwhile
            return
        base = got[0]

        def progress(i: int, n: int) -> None:
            self._write(JobStatus(job_id, "rendering", i, n, base.filename), fmt)
            with self._lock:  # the films queued behind this one are waiting, not lost
                for other in self._waiting:
                    try:
                        os.utime(self._state_path(other))
                    except OSError:
                        pass

        self._write(JobStatus(job_id, "rendering", 0, 0, base.filename), fmt)
        period = (sel.year_start, sel.year_end) if sel.has_period else \
            (self.ctx.vocab.year_min, self.ctx.vocab.year_max)
        out = self.film_path(job_id, fmt)
        try:
            _, n = self.render(self.ctx, sel, out, period=period, step=step, fmt=fmt, size=self.size,
                               progress=progress)
        except Exception as e:  # noqa: BLE001 — a failed film is reported to its page, never raised in a thread
            out.unlink(missing_ok=True)
            self._write(JobStatus(job_id, "failed", filename=base.filename,
                                  message=f"The film could not be made ({type(e).__name__})."), fmt)
            return
        self._write(JobStatus(job_id, "done", n, n, base.filename), fmt)


def progress_text(st: JobStatus | None) -> str:
    """What the page says about a job."""
    if st is None:
        return "That film is no longer here: make it again."
    if st.state == "queued":
        return "Film queued…"
    if st.state == "rendering":
        if st.total and st.done >= st.total:
            return "Encoding the film…"
        return f"Rendering frame {st.done} of {st.total}…" if st.total else "Starting the film…"
    if st.state == "done":
        return f"Film ready: {st.filename} ({st.total} frames)."
    return st.message or "The film could not be made."


@dataclass(frozen=True)
class FilmView:
    """What the page shows of its film: the words, the progress bar, whether to poll, the file when it is ready."""
    text: str = ""
    done: int = 0
    total: int = 1
    bar_hidden: bool = True
    stop_polling: bool = True
    ready: dict | None = None  # {"url", "filename"}: assets/film_download.js fetches it
    button_disabled: bool = False


# Longest submit message the page repeats from its store (a forged store is the forger's own page).
_MESSAGE_MAX = 200


def film_view(films: FilmJobs, job, url_prefix: str) -> FilmView:
    """The page's view of the job in its store ({"id", "message"} as the submit callback wrote it; anything else
    is no job)."""
    if not isinstance(job, dict):
        return FilmView()
    job_id = job.get("id")
    if not valid_job_id(job_id):
        message = job.get("message")
        return FilmView(text=message[:_MESSAGE_MAX] if isinstance(message, str) else "")
    st = films.status(job_id)
    text = progress_text(st)
    if st is not None and st.state in _ACTIVE:
        return FilmView(text, st.done, max(st.total, 1), bar_hidden=False, stop_polling=False, button_disabled=True)
    if st is not None and st.state == "done":
        return FilmView(text, st.total, max(st.total, 1), bar_hidden=False,
                        ready={"url": f"{url_prefix}film/{job_id}", "filename": st.filename})
    return FilmView(text)
