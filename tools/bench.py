"""`python -m dashboard bench`: how fast the dashboard feels, measured on this machine.

Measures the build, the cold start against a bare `import dash, plotly, pandas`, and for each scale (1×, 10×,
100× the corpus, by a synthetic generator) the server time and payload of a realistic mix of filter changes
through the real callbacks (Flask's test client, the same code path as HTTP), and the time from a filter change
to every view painted in headless Chromium; and at 1× the first visit (navigation at ?period=1936-1938 with an
empty cache → every view painted, and the bytes on the wire: the sum of every response's transferSize). Prints a
table; `--json FILE` writes the figures. `--film` adds the film (`export-animation`): 75 frames of 1917–1991 at
1920×1080 as an MP4, with where its time goes (building the frames' figures, kaleido's render, the encoder).
"""

from __future__ import annotations

from types import MappingProxyType

import json
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard import paths
from dashboard.dates import shifted

SCALES_FULL = (1, 10, 100)
SCALES_QUICK = (1, 10)
# calls per scale: the minimum is 200 server calls and 30 browser changes
SERVER_CALLS = MappingProxyType({"full": 200, "quick": 30})
BROWSER_CHANGES = MappingProxyType({"full": 30, "quick": 5})
FIRST_VISITS = MappingProxyType({"full": 10, "quick": 3})
# What Chromium sends: the payload is measured as it travels, compressed the way the browser would get it.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
_MULTIPLIED = ("events", "places", "routes", "actors", "relations", "estimates")


def synthetic_frames(frames: dict[str, pd.DataFrame], factor: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """The corpus multiplied `factor` times: copies with new ids, years shifted by up to ±6 and places moved by up
    to ±3°, references remapped within each copy. Quotes and offsets are the originals' (text is not re-read)."""
    if factor <= 1:
        return dict(frames)
    rng = np.random.default_rng(seed)
    out = dict(frames)
    for name in _MULTIPLIED:
        parts = [frames[name]]
        for k in range(1, factor):
            df = frames[name].copy()
            sfx = f"_x{k}"
            key = df.columns[0]
            df[key] = df[key] + sfx
            shift = int(rng.integers(-6, 7))
            for col in ("year_start", "year_end", "refined_year_start", "refined_year_end"):
                if col in df:
                    df[col] = (df[col] + shift).clip(1800, 2030)
            for col in ("when", "when_refined"):
                if col in df:
                    df[col] = df[col].map(lambda w, shift=shift: shifted(w, shift))
            if name == "places":
                df["lat"] = (df["lat"] + rng.uniform(-3, 3, len(df))).clip(-89, 89)
                df["lon"] = (df["lon"] + rng.uniform(-3, 3, len(df))).clip(-179, 179)
            for col in ("place_id", "origin_place_id", "destination_place_id", "source_id", "target_id",
                        "event_id", "happening_id"):
                if col in df and col != key:
                    df[col] = df[col].map(lambda v, sfx=sfx: v + sfx if isinstance(v, str) else v)
            if "actor_ids" in df:
                df["actor_ids"] = df["actor_ids"].map(lambda ids, sfx=sfx: tuple(a + sfx for a in ids))
            parts.append(df)
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def _records(frames) -> int:
    return int(sum(len(frames[n]) for n in _MULTIPLIED))


def _timed_subprocess(code: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=paths.REPO)
    return time.perf_counter() - t


def cold_start() -> float:
    """Process start → first HTTP 200 of the page."""
    from tools.loadtest import free_port, wait_until_served

    port = free_port()
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "--port", str(port)], cwd=paths.REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return wait_until_served(f"http://127.0.0.1:{port}/", proc, 60, poll_s=0.02) - t
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class _Mix:
    """A realistic mix of filter changes: period drags, movement toggles, search, selections."""

    vocab: object
    actors: list
    events: list
    rng: random.Random

    def next(self) -> dict:
        v, r = self.vocab, self.rng
        sel: dict = {}
        kind = r.choice(["drag", "drag", "drag", "movement", "search", "select", "select"])
        if kind == "drag":
            start = r.randint(v.year_min, v.year_max - 1)
            sel |= {"year_start": start, "year_end": min(v.year_max, start + r.randint(1, 20))}
        elif kind == "movement":
            sel["movement_ids"] = r.sample(sorted(v.movement_ids), k=r.randint(1, 3))
        elif kind == "search":
            sel["q"] = r.choice(["purge", "Trotsky", "deport", "1937", "Kronstadt", "party"])
        else:
            sel["selected"] = r.choice(self.actors + self.events)
        return sel


def server_figures(app, ctx, calls: int, seed: int = 3) -> dict:
    from dashboard import ids
    from tools.loadtest import draw_body

    client = app.server.test_client()
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.TIMELINE}.figure"))
    b = ctx.bundle
    mix = _Mix(ctx.vocab, list(b.relations["source_id"].unique()[:500]), list(b.events["event_id"][:500]),
               random.Random(seed))
    panels_key = next(k for k in app.callback_map if k.startswith(f"..{ids.SOURCE}.children"))
    panels_spec = app.callback_map[panels_key]
    times, sizes, raw_sizes, panel_times = [], [], [], []
    rows_key = None
    drawn = app.server.extensions.get("app_ctx")
    for _ in range(calls):
        sel = mix.next()
        if drawn is not None:
            drawn.forget_drawn()  # every change drawn: the figure is the views' cost, not the memo's
        body = draw_body(key, sel, None)  # (the views a change's `sync` answer carries, drawn by `draw`)
        t = time.perf_counter()
        r = client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": ACCEPT_ENCODING})
        times.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"callback answered {r.status_code}")
        sizes.append(len(r.data) / 1024)
        raw_sizes.append(len(_decoded(r)) / 1024)
        # the same change's other request: the panels around the views, with the records table open (its rows)
        t = time.perf_counter()
        r = client.post("/_dash-update-component", json=_panels_body(panels_key, panels_spec, sel, rows_key),
                        headers={"Accept-Encoding": ACCEPT_ENCODING})
        panel_times.append((time.perf_counter() - t) * 1000)
        if r.status_code not in (200, 204):  # (204: nothing changed)
            raise RuntimeError(f"the panels callback answered {r.status_code}")
        if r.status_code == 200:
            rows_key = json.loads(_decoded(r))["response"].get(ids.TABLE_ROWS_KEY, {}).get("data", rows_key)
    return {"filter_server_ms_p50": round(float(np.percentile(times, 50)), 1),
            "filter_server_ms_p95": round(float(np.percentile(times, 95)), 1),
            "filter_payload_kb_p95": round(float(np.percentile(sizes, 95)), 1),
            "filter_payload_raw_kb_p95": round(float(np.percentile(raw_sizes, 95)), 1),
            "panels_server_ms_p50": round(float(np.percentile(panel_times, 50)), 1),
            "panels_server_ms_p95": round(float(np.percentile(panel_times, 95)), 1)}


def _panels_body(key: str, spec: dict, selection: dict, rows_key) -> dict:
    """A request to the `panels` callback with the records table open (one grid in the page)."""
    from dashboard import ids
    from tools.loadtest import callback_outputs

    values = {(ids.SELECTION, "data"): selection, (ids.URL, "href"): "http://127.0.0.1/",
              (ids.TABLE_OPEN, "data"): True, (ids.TABLE_GRID, "data"): 1, (ids.TABLE_ROWS_KEY, "data"): rows_key}
    return {"output": key, "outputs": callback_outputs(key, {ids.GRID: [ids.records_grid()]}),
            "inputs": [{"id": d["id"], "property": d["property"], "value": values.get((d["id"], d["property"]))}
                       for d in spec["inputs"]],
            "state": [{"id": d["id"], "property": d["property"], "value": values.get((d["id"], d["property"]))}
                      for d in spec["state"]],
            "changedPropIds": [f"{ids.SELECTION}.data"]}


def _decoded(r) -> bytes:
    """The response body before compression (for the uncompressed size)."""
    enc = r.headers.get("Content-Encoding", "")
    if enc == "br":
        import brotli

        return brotli.decompress(r.data)
    if enc == "gzip":
        import gzip

        return gzip.decompress(r.data)
    if enc == "zstd":
        from backports import zstd

        return zstd.decompress(r.data)
    return r.data


# Counts the page's callback requests under way (window.__dashPending): a view is painted when its response has
# arrived and none is left — the views' and the panels' alike (Dash 4 sets no loading attribute to wait on).
COUNT_CALLBACKS = """(() => {
  window.__dashPending = 0;
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (!url.includes('_dash-update-component')) return fetch0.apply(this, arguments);
    window.__dashPending++;
    return fetch0.apply(this, arguments).then(
      r => r.clone().arrayBuffer().then(() => { window.__dashPending--; return r; },
                                        () => { window.__dashPending--; return r; }),
      e => { window.__dashPending--; throw e; });
  };
})();"""

_PAINTED = """async (q) => {
  const before = document.querySelector('#summary-line').textContent;
  const t0 = performance.now();
  history.pushState({}, '', q);
  window.dispatchEvent(new PopStateEvent('popstate'));
  await new Promise((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error('no update')), 30000);
    const check = () => {
      if (document.querySelector('#summary-line').textContent !== before && window.__dashPending === 0 &&
          (!window.viewSizes || window.viewSizes.settled())) {
        clearTimeout(limit); resolve(); }
      else requestAnimationFrame(check);
    };
    check();
  });
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""


def browser_figures(app, changes: int, seed: int = 5) -> dict:
    import logging

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    rng = random.Random(seed)
    times = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox",
                                                                                   "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1600, "height": 900})
            page.add_init_script(COUNT_CALLBACKS)
            page.goto(f"http://127.0.0.1:{srv.server_port}/")
            page.wait_for_selector("#timeline-graph .scatterlayer", timeout=60000)
            page.wait_for_timeout(500)
            for _i in range(changes):
                start = rng.randint(1920, 1990)
                times.append(page.evaluate(_PAINTED, f"/?period={start}-{start + rng.randint(2, 25)}"))
            browser.close()
    finally:
        srv.shutdown()
    return {"browser_update_ms_p50": round(float(np.percentile(times, 50)), 1),
            "browser_update_ms_p95": round(float(np.percentile(times, 95)), 1)}


# Every view painted: the timeline's marks, the map's land and marks, the network's nodes drawn by cytoscape, the
# views drawn for the sizes they have (the page's layout settles after the first answer: view_sizes.js then asks
# for the views again), no callback request under way (COUNT_CALLBACKS); then two frames. Returns the time since
# navigation started (performance.now()'s origin).
_FIRST_PAINT = """() => new Promise((resolve, reject) => {
  const limit = setTimeout(() => reject(new Error('not painted')), 60000);
  const cyOf = () => { const el = document.querySelector('#network-graph');
    if (!el) return null; const c = [el, ...el.querySelectorAll('div')].find(d => d._cyreg && d._cyreg.cy);
    return c ? c._cyreg.cy : null; };
  const check = () => {
    const cy = cyOf();
    if (document.querySelector('#timeline-graph .scatterlayer .point') &&
        document.querySelector('#map-graph .geo .layer.land path, #map-graph .geo .countries path') &&
        document.querySelector('#map-graph .geo .scatterlayer .trace') &&
        cy && cy.nodes().length > 0 && document.querySelector('#network-graph canvas') &&
        document.querySelector('#summary-line') && document.querySelector('#summary-line').textContent &&
        (!window.viewSizes || window.viewSizes.settled()) &&
        window.__dashPending === 0) {
      clearTimeout(limit);
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
    } else requestAnimationFrame(check);
  };
  check();
})"""

FIRST_VISIT_QUERY = "/?period=1936-1938"


def first_visit(page, url: str) -> dict:
    """One visit in a fresh browser context: navigation → every view painted (ms), the bytes that travelled
    (each response's transferSize: headers and compressed body), and the URLs requested."""
    page.goto(url, wait_until="commit")
    ms = page.evaluate(_FIRST_PAINT)
    page.wait_for_timeout(300)  # late requests (topojson, fonts) still count as the first visit's bytes
    entries = page.evaluate("""() => [...performance.getEntriesByType('navigation'),
                                      ...performance.getEntriesByType('resource')]
                                     .map(e => [e.name, e.transferSize, e.encodedBodySize])""")
    return {"ms": ms, "bytes": int(sum(e[1] for e in entries)), "urls": [e[0] for e in entries],
            "sizes": {e[0]: e[1] for e in entries}}


def first_visit_figures(app, visits: int) -> dict:
    """The first visit at 1936–1938, `visits` times with an empty cache (a new context each), then one repeat
    visit in the last context (what the cache headers save)."""
    import logging

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_port}{FIRST_VISIT_QUERY}"
    times, sizes, repeat, largest = [], [], None, []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox",
                                                                                   "--disable-gpu"])
            for i in range(visits + 1):  # the first visit warms the server (layout cache, callbacks), not counted
                if "app_ctx" in app.server.extensions:
                    app.server.extensions["app_ctx"].forget_drawn()  # each counted visit's views are drawn
                context = browser.new_context(viewport={"width": 1600, "height": 900})
                context.add_init_script(COUNT_CALLBACKS)  # every page of the context, the repeat visit's too
                page = context.new_page()
                v = first_visit(page, url)
                if i:
                    times.append(v["ms"])
                    sizes.append(v["bytes"])
                    largest = sorted(v["sizes"].items(), key=lambda kv: -kv[1])[:5]
                if i == 0 and "precompressed" in app.server.extensions:
                    app.server.extensions["precompressed"].wait()  # scripts packed once per file version
                if i == visits:
                    page2 = context.new_page()
                    repeat = first_visit(page2, url)
                context.close()
            browser.close()
    finally:
        srv.shutdown()
    return {"first_visit_ms_p50": round(float(np.percentile(times, 50)), 1),
            "first_visit_ms_p95": round(float(np.percentile(times, 95)), 1),
            "first_visit_kb": round(float(np.median(sizes)) / 1024, 1),
            "repeat_visit_ms": round(repeat["ms"], 1), "repeat_visit_kb": round(repeat["bytes"] / 1024, 1),
            "first_visit_largest_kb": {u.split("?")[0].rsplit("/", 1)[-1]: round(s / 1024, 1) for u, s in largest}}


# The film the issue measures: 1917–1991 a year a frame (75 frames), 1920×1080, MP4.
FILM_PERIOD = (1917, 1991)


def film_figures(ctx, period: tuple[int, int] = FILM_PERIOD) -> dict:
    """The film's wall time and, for its frames, the time to build their figures alone and the time to render and
    decode them alone (kaleido started before, as the film's own first call does); the load average beside them,
    as the machine is shared."""
    import os
    import tempfile

    from dashboard import animation
    from dashboard.slide_export import fit_region, render_batch
    from dashboard.selection import Selection

    load = os.getloadavg()[0]
    sel = fit_region(ctx.bundle, Selection(*period))
    sels = animation.frame_selections(animation.steady_region(ctx.bundle, sel, period), ctx.vocab, period, 1)
    with tempfile.TemporaryDirectory(prefix="bench-film-") as tmp:
        out = Path(tmp) / "film.mp4"
        t = time.perf_counter()
        _, n = animation.export_animation(ctx, sel, out, period=period, step=1, fmt="mp4")
        total = time.perf_counter() - t
        mb = out.stat().st_size / 1e6
        t = time.perf_counter()
        figs = [animation.frame_figure(ctx, s) for s in sels]
        build = time.perf_counter() - t
        t = time.perf_counter()
        step = animation.FRAME_BATCH
        for first in range(0, len(figs), step):
            render_batch([(f, Path(tmp) / f"{first + k}.png") for k, f in enumerate(figs[first:first + step])])
        render = time.perf_counter() - t
    return {"film_frames": n, "film_s": round(total, 1), "film_mb": round(mb, 1),
            "film_build_ms_per_frame": round(1000 * build / n, 1),
            "film_render_ms_per_frame": round(1000 * render / n, 1),
            "film_load_average": round(load, 2)}


# The load figures (--load): users, seconds; the soak (--soak): users, seconds after a warm-up of its own.
LOAD = (200, 60)
SOAK = (50, 600)
SOAK_WARMUP_S = 60


def load_figures(users: int = LOAD[0], seconds: float = LOAD[1]) -> dict:
    """The load test's figures against the dashboard served as `make serve` does: `users` simulated users for
    `seconds`, with the mix's slides and downloads (tools.loadtest)."""
    from tools.loadtest import production_server, run as load_run

    with production_server() as (url, _):
        return load_run(url, users=users, seconds=seconds)


def soak_figures(users: int = SOAK[0], seconds: float = SOAK[1], warmup_s: float = SOAK_WARMUP_S,
                 every_s: float = 30.0) -> dict:
    """The soak: the same load held for `seconds` after a warm-up, each worker's memory at its start and end."""
    from tools.loadtest import production_server, soak

    with production_server() as (url, pid):
        return soak(url, pid, users=users, seconds=seconds, warmup_s=warmup_s, every_s=every_s)


def run(quick: bool = False, browser: bool = True, progress=print, film: bool = False, huge: bool = False,
        load: bool = False, soak: bool = False) -> dict:
    from dashboard.app import create_app
    from dashboard.context import make_context
    from dashboard.frames import bundle_from_frames
    from dashboard.pipeline.build import build_frames
    from dashboard.selection import vocab_from_bundle

    mode = "quick" if quick else "full"
    progress("build…")
    t = time.perf_counter()
    frames = build_frames(paths.DATA_DIR)
    build_s = time.perf_counter() - t
    progress("bare import…")
    bare = _timed_subprocess("import dash, plotly, pandas")
    progress("cold start…")
    cold = cold_start()
    result = {"build_s": round(build_s, 2), "cold_start_s": round(cold, 2), "bare_import_s": round(bare, 2),
              "machine": _machine(), "scales": []}
    for scale in (SCALES_QUICK if quick else SCALES_FULL):
        progress(f"{scale}×: building the synthetic corpus…")
        f = synthetic_frames(frames, scale)
        bundle = bundle_from_frames(f)
        app = create_app(bundle)
        ctx = _Corpus(bundle, vocab_from_bundle(bundle))
        row = {"scale": scale, "records": _records(f)}
        progress(f"{scale}×: {SERVER_CALLS[mode]} filter changes through the callbacks…")
        row |= server_figures(app, ctx, SERVER_CALLS[mode])
        if browser:
            progress(f"{scale}×: {BROWSER_CHANGES[mode]} changes in headless Chromium…")
            row |= browser_figures(app, BROWSER_CHANGES[mode])
            if scale == 1:
                progress(f"1×: {FIRST_VISITS[mode]} first visits at {FIRST_VISIT_QUERY}…")
                result["first_visit"] = first_visit_figures(app, FIRST_VISITS[mode])
        result["scales"].append(row)
    if huge:
        progress(f"{HUGE_SCALE}×: in a process of its own (about {HUGE_MINUTES} minutes)…")
        result["scales"].append(huge_figures(browser))
    if load:
        progress(f"load: {LOAD[0]} users for {LOAD[1]} s against gunicorn, slides and downloads among them…")
        result["load"] = load_figures()
    if soak:
        progress(f"soak: {SOAK[0]} users for {SOAK_WARMUP_S} s, then {SOAK[1] // 60} minutes, each worker's "
                 "memory sampled…")
        result["soak"] = soak_figures()
    if film:
        progress("film: 75 frames of 1917–1991 at 1920×1080 (MP4)…")
        result["film"] = film_figures(make_context(bundle_from_frames(frames)))
    return result


@dataclass(frozen=True)
class _Corpus:
    """What the filter mix draws from: a data set and its vocabulary."""

    bundle: object
    vocab: object


# The largest scale, measured only with --huge: ~830,000 records.
HUGE_SCALE = 1000
HUGE_MINUTES = 5
HUGE_CALLS = 50
HUGE_BROWSER_CHANGES = 10


def huge_figures(browser: bool, scale: int = HUGE_SCALE, calls: int = HUGE_CALLS,
                 changes: int = HUGE_BROWSER_CHANGES) -> dict:
    """The 1000× corpus in a process of its own, like one server worker: the time to prepare it (synthetic corpus →
    frames → the app with its index and the views' preparations), the server and browser figures of fewer changes
    than the other scales, and the process's memory (resident set after the changes, and its peak)."""
    code = (f"import json; from tools.bench import _huge_row; "
            f"print(json.dumps(_huge_row({browser!r}, {int(scale)}, {int(calls)}, {int(changes)})))")
    r = subprocess.run([sys.executable, "-c", code], cwd=paths.REPO, capture_output=True, text=True,
                       timeout=HUGE_MINUTES * 60 * 6)
    if r.returncode != 0:
        raise RuntimeError(f"the {HUGE_SCALE}× run failed: {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _memory_mb() -> tuple[float, float]:
    """(resident set, its peak) of this process in MB (Linux /proc)."""
    from tools.loadtest import memory_mb

    found = memory_mb()
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


def _huge_row(browser: bool, scale: int = HUGE_SCALE, calls: int = HUGE_CALLS,
              changes: int = HUGE_BROWSER_CHANGES) -> dict:
    from dashboard.app import create_app
    from dashboard.frames import bundle_from_frames
    from dashboard.pipeline.build import cached_frames
    from dashboard.selection import vocab_from_bundle

    t = time.perf_counter()
    f = synthetic_frames(cached_frames(), scale)
    bundle = bundle_from_frames(f)
    app = create_app(bundle)
    row = {"scale": scale, "records": _records(f), "prepare_s": round(time.perf_counter() - t, 1)}
    row |= server_figures(app, _Corpus(bundle, vocab_from_bundle(bundle)), calls)
    if browser:
        row |= browser_figures(app, changes)
    row["rss_mb"], row["rss_peak_mb"] = _memory_mb()
    row["memo_full_rss_mb"], row["memo_full_rss_peak_mb"] = _memos_filled(app, bundle)
    return row


def _memos_filled(app, bundle, seed: int = 9) -> tuple[float, float]:
    """The process's memory once every memo of the views is full, as in a worker that has served a while: the
    changes above forget the drawn views before each (they time the drawing), so here as many new selections are
    drawn as the memos hold."""
    from dashboard.context import DRAWN_MEMO, shown_memo_size
    from dashboard.selection import from_dict, vocab_from_bundle

    ctx = app.server.extensions["app_ctx"]
    vocab = vocab_from_bundle(bundle)
    mix = _Mix(vocab, list(bundle.relations["source_id"].unique()[:500]), list(bundle.events["event_id"][:500]),
               random.Random(seed))
    for _ in range(max(DRAWN_MEMO, shown_memo_size(len(bundle.kind_of)))):
        sel = from_dict(mix.next(), vocab)
        ctx.drawn_for(sel, {})
        ctx.source_for(sel.selected)
        ctx.legend_for(sel)
    return _memory_mb()


def _machine() -> str:
    import os
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def table(result: dict) -> str:
    lines = [f"machine: {result['machine']}",
             f"build_s {result['build_s']} · cold_start_s {result['cold_start_s']} · bare_import_s "
             f"{result['bare_import_s']} · ratio {result['cold_start_s'] / max(result['bare_import_s'], 1e-9):.2f}",
             "", "| scale | records | server p50 ms | server p95 ms | payload p95 KB (wire) | payload p95 KB (raw) "
             "| browser p50 ms | browser p95 ms | panels p50 / p95 ms |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in result["scales"]:
        lines.append(f"| {r['scale']}× | {r['records']:,} | {r['filter_server_ms_p50']} | "
                     f"{r['filter_server_ms_p95']} | "
                     f"{r['filter_payload_kb_p95']} | {r.get('filter_payload_raw_kb_p95', '—')} | "
                     f"{r.get('browser_update_ms_p50', '—')} | "
                     f"{r.get('browser_update_ms_p95', '—')} | "
                     f"{r.get('panels_server_ms_p50', '—')} / {r.get('panels_server_ms_p95', '—')} |")
    for r in result["scales"]:
        if "rss_mb" in r:
            lines += ["", f"{r['scale']}×: prepared in {r['prepare_s']} s (synthetic corpus → frames → app); memory "
                          f"{r['rss_mb']} MB resident after the changes, {r['rss_peak_mb']} MB at the peak"
                          + (f"; {r['memo_full_rss_mb']} MB with every memo of the views full"
                             if "memo_full_rss_mb" in r else "")]
    fv = result.get("first_visit")
    if fv:
        lines += ["", f"first visit (1×, {FIRST_VISIT_QUERY}, empty cache → every view painted): "
                      f"p50 {fv['first_visit_ms_p50']} ms · p95 {fv['first_visit_ms_p95']} ms · "
                      f"{fv['first_visit_kb']} KB on the wire · repeat visit {fv['repeat_visit_kb']} KB",
                  "largest (KB): " + ", ".join(f"{k} {v}" for k, v in fv["first_visit_largest_kb"].items())]
    ld = result.get("load")
    if ld:
        kinds = " · ".join(f"{k} {v['p50_ms']} / {v['p95_ms']} ms ({v['requests']:,})"
                           for k, v in ld["by_kind"].items())
        lines += ["", f"load ({ld['users']} users × {ld['seconds']:g} s, gunicorn as `make serve`): "
                      f"{ld['requests']:,} requests, {ld['errors']} errors, p50 {ld['p50_ms']} ms · p95 "
                      f"{ld['p95_ms']} ms; by kind, p50 / p95 (requests): {kinds}"]
    sk = result.get("soak")
    if sk:
        workers = ", ".join(f"{w['rss_start_mb']} → {w['rss_end_mb']} MB ({w['growth_pct']:+} %)"
                            for w in sk["workers"])
        lines += ["", f"soak ({sk['users']} users × {sk['seconds'] / 60:g} min after {sk['warmup_s']:g} s of "
                      f"warm-up): {sk['requests']:,} requests, {sk['errors']} errors, p95 {sk['p95_ms']} ms; "
                      f"each worker's memory: {workers}; largest growth {sk['growth_pct_max']} %"]
    fm = result.get("film")
    if fm:
        lines += ["", f"film (export-animation, {fm['film_frames']} frames at 1920×1080, MP4): {fm['film_s']} s, "
                      f"{fm['film_mb']} MB · per frame: figure {fm['film_build_ms_per_frame']} ms, kaleido render "
                      f"{fm['film_render_ms_per_frame']} ms · load average {fm['film_load_average']}"]
    return "\n".join(lines)


def main(quick: bool, json_path: str | None, browser: bool = True, film: bool = False, huge: bool = False,
         load: bool = False, soak: bool = False) -> int:
    result = run(quick=quick, browser=browser, progress=lambda m: print(m, file=sys.stderr, flush=True), film=film,
                 huge=huge, load=load, soak=soak)
    print(table(result))
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0
