"""A bounded load test: N simulated users on loopback, each doing a realistic session against a running server.

A session opens the page (index, layout, dependencies), then repeats: a filter change or a click through the
`sync` callback (its answer carries the views), then `draw` (which answers nothing then) and the panels around
the views through `panels`, at once, as the browser does; now and then a slide, the data shown or a field format.
It reports requests, errors and p50/p95 latency, overall and by kind. `soak` holds the load for minutes and
samples each server worker's memory; `production_server` serves the dashboard as `make serve` does for the
benchmark and the tests. Only loopback addresses are allowed as targets; a run stops by itself after `seconds`.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

import httpx

from dashboard import ids, paths

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _percentile(values: list[float], p: float) -> float:
    lat = sorted(values)
    return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else float("nan")


@dataclass
class Stats:
    """Every request's time by what it was for (the page, a filter change's callbacks, a slide, a download)."""

    by_kind: dict[str, list[float]] = field(default_factory=dict)
    kb_by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, ms: float, kb: float) -> None:
        self.by_kind.setdefault(kind, []).append(ms)
        self.kb_by_kind.setdefault(kind, []).append(kb)

    def summary(self) -> dict:
        lat = [ms for values in self.by_kind.values() for ms in values]
        out = {"requests": len(lat) + len(self.errors), "errors": len(self.errors), "p50_ms": _percentile(lat, 0.50),
               "p95_ms": _percentile(lat, 0.95), "mean_ms": round(statistics.fmean(lat), 1) if lat else float("nan")}
        # (a response's size once decompressed)
        out["by_kind"] = {k: {"requests": len(v), "p50_ms": _percentile(v, 0.50), "p95_ms": _percentile(v, 0.95),
                              "kb_min": round(min(self.kb_by_kind[k]), 1),
                              "kb_p95": _percentile(self.kb_by_kind[k], 0.95)}
                          for k, v in sorted(self.by_kind.items())}
        return out


def callback_outputs(key: str, matches: dict | None = None) -> list | dict:
    """The `outputs` of a Dash callback request, from the callback's output key: a list for a multi-output key
    ('..a.b...c.d..'), one dict for a single output ('a.b'). A pattern-matching output ('{"of":["ALL"],"type":t}')
    is the list of the components of type t in `matches` (type → their ids; none by default), as the browser
    sends it."""
    def one(part: str):
        cid, prop = part.rsplit(".", 1)
        if cid.startswith("{"):
            kind = json.loads(cid).get("type")
            return [{"id": c, "property": prop} for c in (matches or {}).get(kind, [])]
        return {"id": cid, "property": prop}
    if not key.startswith(".."):
        return one(key)
    return [one(part) for part in key.strip(".").split("...")]


def draw_body(key: str, selection, sizes, drawn=None) -> dict:
    """A request to the `draw` callback (key `key`): the views for `selection` (the selection store's data) drawn
    for `sizes` (the view-sizes store's data); `drawn`: what the page's views were drawn for (none by default: it
    draws)."""
    return {"output": key, "outputs": callback_outputs(key),
            "inputs": [{"id": ids.SELECTION, "property": "data", "value": selection},
                       {"id": ids.VIEW_SIZES, "property": "data", "value": sizes}],
            "state": [{"id": ids.VIEWS_DRAWN, "property": "data", "value": drawn}],
            "changedPropIds": [f"{ids.SELECTION}.data"]}


# After a filter change, the share of simulated users who then ask for each download: the slide of what they see
# (its figure, which their browser renders), the data shown (a zip) and one of the field's formats.
# (what, share, the buttons one of which is clicked, the output it answers)
FOLLOW_UPS = (("slide", 0.05, (ids.SLIDE_BUTTON,), ids.SLIDE_DOWNLOAD),
              ("data", 0.05, (ids.DATA_BUTTON,), ids.DATA_DOWNLOAD),
              ("field", 0.05, (ids.LPF_BUTTON, ids.GEXF_BUTTON, ids.GRAPHML_BUTTON, ids.CSL_BUTTON, ids.BIB_BUTTON),
               ids.FIELD_DOWNLOAD))


# The browser windows of the simulated users (each user one of them): their views' px sizes go to the server as
# the page sends them (the view-sizes store), scaled from the panels of a 1920×1080 window.
WINDOWS = ((1920, 1080), (1536, 864), (1366, 768), (1280, 720), (2560, 1440))


def view_sizes(window: tuple[int, int]) -> dict:
    """The view-sizes store's data for a window: each view's panel scaled from the 1920×1080 one."""
    from dashboard.context import DEFAULT_SIZES

    fw, fh = window[0] / 1920, window[1] / 1080
    return {view: [round(w * fw), round(h * fh)] for view, (w, h) in DEFAULT_SIZES.items()}


def _outputs(key: str) -> list[str]:
    """The 'id.prop' parts of a callback's output key ('..a.b...c.d..' or 'a.b')."""
    return key.strip(".").split("...") if key.startswith("..") else [key]


def _dependency(deps: list[dict], output: str) -> dict:
    """The server-side callback with the output `output` ('id.prop')."""
    return next(d for d in deps if not d.get("clientside_function") and output in _outputs(d["output"]))


def request_body(dep: dict, props: dict, changed: str) -> dict:
    """A callback request shaped as the browser sends it: every input and state from the page's current
    properties (`props`: 'id.prop' → value, as the simulated session knows them; None for the others), a
    pattern-matching one as an empty list (no matching component: the records grid is not in the page until it
    is first shown)."""
    def one(d):
        if d["id"].startswith("{"):
            return []
        return {"id": d["id"], "property": d["property"], "value": props.get(f"{d['id']}.{d['property']}")}
    return {"output": dep["output"], "outputs": callback_outputs(dep["output"]),
            "inputs": [one(d) for d in dep["inputs"]], "state": [one(d) for d in dep.get("state", [])],
            "changedPropIds": [changed]}


class Session:
    """One simulated user: opens the page, then changes filters and selects records — each change runs the app's
    `sync` callback, which answers with the views, then `draw` and `panels` at once, as the browser does — and
    now and then downloads a slide, the data shown or a field format. The page's properties are kept as the
    browser keeps them: what each response set is what the next request sends."""

    def __init__(self, client: httpx.AsyncClient, deps: list[dict], vocab: dict, stats: Stats, rng: random.Random,
                 follow_ups=FOLLOW_UPS):
        self.client, self.stats, self.rng = client, stats, rng
        self.sync = _dependency(deps, f"{ids.SELECTION}.data")
        self.draw = _dependency(deps, f"{ids.TIMELINE}.figure")
        self.panels = _dependency(deps, f"{ids.SOURCE}.children")
        self.follow = [(kind, share, buttons, _dependency(deps, f"{output}.data"))
                       for kind, share, buttons, output in follow_ups]
        self.vocab = vocab
        self.props: dict = {f"{ids.SLIDE_SIZE}.value": "1920x1080",
                            f"{ids.VIEW_SIZES}.data": view_sizes(rng.choice(WINDOWS))}
        self.clicks = 0

    async def _request(self, kind: str, method: str, url: str, **kw) -> httpx.Response | None:
        t = time.perf_counter()
        try:
            r = await self.client.request(method, url, **kw)
        except httpx.HTTPError as e:
            self.stats.errors.append(f"{kind} {url}: {e!r}")
            return None
        ms = (time.perf_counter() - t) * 1000
        if r.status_code >= 400:
            self.stats.errors.append(f"{kind} {url}: HTTP {r.status_code}")
            return None
        self.stats.add(kind, ms, len(r.content) / 1024)
        return r

    async def _callback(self, kind: str, dep: dict, changed: str) -> None:
        r = await self._request(kind, "POST", "/_dash-update-component",
                                json=request_body(dep, self.props, changed))
        if r is not None and r.status_code == 200:
            for cid, props in r.json().get("response", {}).items():
                for prop, value in props.items():
                    self.props[f"{cid}.{prop}"] = value

    def _random_change(self) -> tuple[str, object]:
        v, r = self.vocab, self.rng
        kind = r.choice(["period", "period", "movement", "search", "select", "select", "reset"])
        if kind == "period":
            start = r.randint(v["year_min"], v["year_max"] - 1)
            return f"{ids.PERIOD_SLIDER}.value", [start, min(v["year_max"], start + r.randint(1, 15))]
        if kind == "movement":
            return f"{ids.MOVEMENTS}.value", r.sample(v["movements"], k=r.randint(0, 2))
        if kind == "search":
            return f"{ids.SEARCH}.value", r.choice(["", "purge", "Trotsky", "deport", "1937", "Kronstadt"])
        if kind == "select":
            return f"{ids.NETWORK}.tapNodeData", {"id": r.choice(v["actors"])}
        return f"{ids.RESET}.n_clicks", r.randint(1, 100)

    def _click(self, button: str) -> str:
        self.clicks += 1
        self.props[f"{button}.n_clicks"] = self.clicks
        return f"{button}.n_clicks"

    async def run(self, until: float) -> None:
        for path in ("/", "/_dash-layout", "/_dash-dependencies"):
            await self._request("page", "GET", path)
        self.props[f"{ids.URL}.href"] = f"{self.client.base_url}/"  # the page's address (the citation's link)
        while time.perf_counter() < until:
            changed, value = self._random_change()
            self.props[changed] = value
            await self._callback("change", self.sync, changed)  # (its answer carries the views)
            # then, as the browser does, `draw` (which answers nothing: the views were drawn for that selection and
            # sizes) and the panels, at once
            selection = f"{ids.SELECTION}.data"
            await asyncio.gather(self._callback("change", self.draw, selection),
                                 self._callback("change", self.panels, selection))
            for kind, share, buttons, dep in self.follow:
                if self.rng.random() < share:
                    await self._callback(kind, dep, self._click(self.rng.choice(buttons)))
            await asyncio.sleep(self.rng.uniform(1.0, 4.0))  # a person reads the views between changes


def _vocab() -> dict:
    """What a simulated user can pick (years, movements, actors), from the same frames as the server."""
    from dashboard.frames import load_bundle

    b = load_bundle()
    years = b.events["year_start"].dropna()
    return {"year_min": int(years.min()), "year_max": int(b.events["year_end"].max()),
            "movements": list(b.movements["movement_id"]),
            "actors": sorted(set(b.relations["source_id"]) | set(b.relations["target_id"]))}


async def _run(url: str, users: int, seconds: float, seed: int, vocab: dict, follow_ups=FOLLOW_UPS,
               sample: Callable[[], None] | None = None, every_s: float = 30.0) -> Stats:
    stats = Stats()
    limits = httpx.Limits(max_connections=users * 2)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        deps = (await client.get("/_dash-dependencies")).json()
        until = time.perf_counter() + seconds
        rng = random.Random(seed)
        sessions = [Session(client, deps, vocab, stats, random.Random(rng.random()), follow_ups)
                    for _ in range(users)]

        async def sampler():
            while time.perf_counter() < until:
                await asyncio.sleep(min(every_s, max(0.0, until - time.perf_counter())))
                sample()

        await asyncio.gather(*(s.run(until) for s in sessions), *([sampler()] if sample else []))
    return stats


def _check_loopback(url: str) -> None:
    host = urlparse(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load-test {host!r}: only loopback targets are allowed")


def _in_thread(coro):
    # a fresh event loop in its own thread, so that it runs even where the caller's thread already has one
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _result(stats: Stats, users: int, seconds: float) -> dict:
    out = stats.summary() | {"users": users, "seconds": seconds}
    if stats.errors:
        out["first_errors"] = stats.errors[:5]
    return out


def run(url: str, users: int = 50, seconds: float = 60, seed: int = 1, follow_ups=FOLLOW_UPS) -> dict:
    """N users for `seconds` against the server at `url` (loopback only): requests, errors, p50/p95 overall and by
    kind (page, change, slide, data, field)."""
    _check_loopback(url)
    return _result(_in_thread(_run(url, users, seconds, seed, _vocab(), follow_ups)), users, seconds)


def worker_pids(master_pid: int) -> list[int]:
    """The processes whose parent is `master_pid` (gunicorn's workers), from /proc."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:
            out.append(int(stat.parent.name))
    return sorted(out)


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """A process's resident set ("VmRSS") and its peak ("VmHWM") in MB (Linux /proc); empty when it is gone."""
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                found[k] = round(int(v.split()[0]) / 1024, 1)
    except OSError:
        pass
    return found


def rss_mb(pid: int) -> float:
    """A process's resident set in MB, 0 when it is gone."""
    return memory_mb(pid).get("VmRSS", 0.0)


def soak(url: str, master_pid: int, users: int = 50, seconds: float = 600, warmup_s: float = 60,
         seed: int = 2, every_s: float = 30.0) -> dict:
    """The load test held for `seconds` after `warmup_s` of the same load, with the resident set of each of the
    server's workers sampled every `every_s`: its size when the warm-up ends (every cache the mix fills once is then
    full), at the end, its largest, and the growth between the first and the last (the target: ≤ 10 %)."""
    _check_loopback(url)
    vocab = _vocab()
    warm = _in_thread(_run(url, users, warmup_s, seed, vocab))
    pids = worker_pids(master_pid)
    samples: dict[int, list[float]] = {pid: [rss_mb(pid)] for pid in pids}

    def sample():
        for pid in pids:
            samples[pid].append(rss_mb(pid))

    stats = _in_thread(_run(url, users, seconds, seed + 1, vocab, sample=sample, every_s=every_s))
    # (the last sample: after the load, when the workers have answered every request)
    sample()
    workers = [{"pid": pid, "rss_start_mb": s[0], "rss_end_mb": s[-1], "rss_max_mb": max(s),
                "growth_pct": round(100 * (s[-1] - s[0]) / s[0], 1) if s[0] else float("nan")}
               for pid, s in samples.items()]
    out = _result(stats, users, seconds) | {"warmup_s": warmup_s, "warmup_errors": warm.summary()["errors"],
                                             "workers": workers,
                                             "growth_pct_max": max((w["growth_pct"] for w in workers),
                                                                   default=float("nan"))}
    return out


GUNICORN_ARGS = ("--workers", "2", "--threads", "4", "--keep-alive", "30", "--preload")


def free_port() -> int:
    """A TCP port free on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_served(url: str, proc: subprocess.Popen, timeout_s: float, poll_s: float = 0.25) -> float:
    """Polls `url` until it answers 200 and returns that moment (time.perf_counter()); RuntimeError when `proc`
    ends first or `timeout_s` passes."""
    t = time.perf_counter()
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter()
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.perf_counter() - t > timeout_s:
            raise RuntimeError(f"the dashboard did not answer at {url} within {timeout_s:.0f} s")
        time.sleep(poll_s)


@contextmanager
def production_server(timeout_s: float = 120):
    """The dashboard served as `make serve` does (gunicorn, the same workers and threads) on a free loopback port:
    yields (url, the master's pid); stopped on leaving."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    port = free_port()
    proc = subprocess.Popen([str(gunicorn), *GUNICORN_ARGS, "--bind", f"127.0.0.1:{port}", "dashboard.app:server"],
                            cwd=paths.REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_served(url + "/", proc, timeout_s)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)
