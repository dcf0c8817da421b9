"""The Dash application: create_app() wires the frames, the page and the callbacks; `server` is for gunicorn.

Offline by construction: every script and style is served from this machine (serve_locally), the map's topojson
from assets/topojson, no fonts are fetched, and Dash's version check and Plotly's cloud button are off.

First visit: plotly.js is the geo bundle in assets/vendor (scatter, scattergeo, choropleth: the traces the views
draw), which dcc.Graph takes as window.Plotly instead of loading Dash's full bundle — unless the data set is large
enough for the timeline's heatmap level of detail, which only the full bundle draws. Cytoscape is its base bundle;
the SVG exporter (assets/lazy, never loaded with the page) is fetched on the network's first SVG click by
assets/network_svg.js. Fingerprinted scripts are cached for a year (see _cache_headers).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from functools import lru_cache, partial
from pathlib import Path
from types import MappingProxyType
from typing import Callable

from dash import Dash
from flask import Response
from plotly.io.json import to_json_plotly as to_json

from dashboard import callbacks, ids
from dashboard.add_app import MAX_REQUEST_BYTES as ADD_MAX_REQUEST_BYTES
from dashboard.add_app import create_add_app
from dashboard.context import make_context
from dashboard.events import opening_props
from dashboard.background import make_manager
from dashboard.film_jobs import FilmJobs
from dashboard.frames import Bundle, load_bundle
from dashboard.layout import TITLE, page
from dashboard.lazy_grid import defer_grid_bundle, grid_script_url
from dashboard.page_scripts import SlimScriptsDash
from dashboard.paths import ASSETS_DIR, CACHE_DIR


# Scripts under assets/ that the page does not load: lazy/ is fetched on demand; the geo bundle when it cannot draw
# every figure (see plotly_in_assets).
LAZY_ASSETS = "lazy"
PLOTLY_GEO = "plotly-geo.min.js"
YEAR = 31536000


def plotly_in_assets(bundle: Bundle) -> bool:
    """Whether the geo plotly.js in assets/ draws every figure of this data set: it has no heatmap, which the
    timeline draws instead of marks beyond MAX_EVENT_MARKS events (the 10× and 100× benchmark corpora)."""
    from dashboard.views.timeline import MAX_EVENT_MARKS

    return len(bundle.events) <= MAX_EVENT_MARKS


def create_app(bundle: Bundle | None = None, *, debug: bool = False, film_dir: Path | None = None,
               background=None) -> Dash:
    """The app; `film_dir` is where the films of "Download animation" are made (default CACHE_DIR/films: one
    folder for every server process, see dashboard.film_jobs); `background` runs the background callbacks (default
    dashboard.background.make_manager: Celery with Redis when REDIS_URL is set, else diskcache in
    CACHE_DIR/background/jobs)."""
    app_ctx = make_context(bundle or load_bundle())
    app = _Dash(
        __name__,
        title=TITLE,
        assets_folder=str(ASSETS_DIR),
        assets_path_ignore=[LAZY_ASSETS],
        assets_ignore="" if plotly_in_assets(app_ctx.bundle) else "^" + re.escape(PLOTLY_GEO) + "$",
        serve_locally=True,
        update_title=None,
        # the records grid enters the page when the table is first shown (dashboard.lazy_grid): the browser cannot
        # check callbacks against a layout holding it (it would need the grid's script); tests/test_app.py checks
        # every callback's ids against the page and the grid instead
        suppress_callback_exceptions=True,
        compress=True,
    )
    app.enable_dev_tools(debug=debug, dev_tools_ui=debug, dev_tools_props_check=debug, dev_tools_hot_reload=False,
                         dev_tools_disable_version_check=True, dev_tools_serve_dev_bundles=debug)
    topojson_url = _topojson_route(app)
    _preload_topojson(app, topojson_url)
    defer_grid_bundle()
    app.layout = page(app_ctx, topojson_url, grid_script=grid_script_url(app.config.requests_pathname_prefix))
    app.opening_props = partial(opening_props, vocab=app_ctx.vocab, era_ids=app_ctx.era_ids)
    films = FilmJobs(app_ctx, film_dir or CACHE_DIR / "films")
    app.server.extensions["films"] = films
    app.server.extensions["app_ctx"] = app_ctx  # (the benchmark reads it)
    callbacks.register(app, app_ctx, topojson_url, films)
    _film_route(app, films)
    _coverage_route(app, app_ctx.bundle)
    jobs = background if background is not None else make_manager(CACHE_DIR / "background" / "jobs")
    app.server.extensions["background"] = jobs  # (dashboard.worker hands its Celery app to `celery worker`)
    add = create_add_app(app, app_ctx.bundle, topojson_url, jobs)
    app.server.extensions["add_page"] = add  # the "Add a text" page's own Dash app (tests post to it)
    _guard_callback_requests(add, max_bytes=ADD_MAX_REQUEST_BYTES)
    _secure_headers(app, add)
    _cache_headers(app)
    _precompress(app)
    _guard_callback_requests(app)
    return app


class _Dash(SlimScriptsDash):
    """Dash whose page layout, set once when the app is made, is written as JSON once: Dash writes the whole tree on
    every page load (about as much of a worker's time as a filter change's views), and a class of 30 opening the page
    at once is 30 of them. What is written is what Dash would serve (get_layout: its extra components included); a
    layout set again is written again; a layout function or layout hooks are left to Dash."""

    # the page's opening state for a URL query: {component id: {prop: value}} or None (see serve_layout)
    opening_props: Callable[[str], dict | None] | None = None
    OPENINGS_KEPT = 64  # layouts written for a URL, per app (the most recent)

    def serve_layout(self):
        layout, extra = self.layout, len(self._extra_components)
        if callable(layout) or self._hooks.get_hooks("layout"):
            return super().serve_layout()
        written = self.__dict__.get("_layout_written")
        if written is None or written[0] is not layout or written[1] != extra:
            written = self._layout_written = (layout, extra, to_json(self.get_layout()))
            self._openings = OrderedDict()
        resp = self.backend.make_response(self._opening_layout(written[2]), mimetype="application/json")
        resp.headers["Cache-Control"] = "no-store"  # it depends on the page's URL, which its own URL does not carry
        return resp

    def _opening_layout(self, default_json: str) -> str:
        """The layout opened at the page's URL: the request's Referer (the page, same origin: the app sends
        `Referrer-Policy: same-origin`) names it. Its selection, controls and dcc.Location's props are written into
        the layout, so the first callbacks are the views' and the panels' (the URL-reading `sync` has
        prevent_initial_call, and a Location whose props match the window reports nothing on mount). Without a
        Referer for this page, or for a query the page would write differently, the default layout: the Location
        then reports the URL and `sync` reads it, one round trip later."""
        from urllib.parse import urlsplit

        from flask import request

        ref = urlsplit(request.referrer or "")
        if self.opening_props is None or ref.scheme not in ("http", "https") or ref.netloc != request.host \
                or ref.path != self.config.requests_pathname_prefix:
            return default_json
        search = f"?{ref.query}" if ref.query else ""
        key = (ref.scheme, ref.netloc, ref.path, search)
        hit = self._openings.get(key)
        if hit is None:
            props = self.opening_props(search)
            if props is None:
                return default_json
            href = f"{ref.scheme}://{ref.netloc}{ref.path}{search}"
            props = {**props, ids.URL: {"pathname": ref.path, "search": search, "href": href}}
            hit = to_json(_with_props(json.loads(default_json), props))
            if len(self._openings) >= self.OPENINGS_KEPT:
                self._openings.popitem(last=False)
        self._openings[key] = hit
        self._openings.move_to_end(key)
        return hit


def _with_props(tree, props: dict):
    """The layout's JSON tree with `props` ({component id: {prop: value}}) set on the components of those ids."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            p = node.get("props")
            if isinstance(p, dict) and "namespace" in node and isinstance(p.get("id"), str) and p["id"] in props:
                p.update(props[p["id"]])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return tree


def _coverage_route(app: Dash, bundle: Bundle) -> None:
    """`/coverage?doc=<doc_id>`: the reading view of one text (dashboard.views.coverage_view), plain HTML from
    Flask rather than a Dash page: the dashboard does not route by path, and a static page needs no callbacks."""
    from flask import request

    from dashboard.views.coverage_view import UnknownDocument, coverage_model, not_found_page, render_page

    prefix = app.config.requests_pathname_prefix
    urls = (app.get_asset_url("app.css"), app.get_asset_url("coverage.css"))
    docs = tuple(zip(bundle.documents["doc_id"], bundle.documents["title"]))
    model = lru_cache(maxsize=8)(lambda doc_id: coverage_model(bundle, doc_id))  # per app: built on first view

    @app.server.route(prefix + "coverage")
    def _coverage():
        doc_id = request.args.get("doc") or docs[0][0]
        theme = request.args.get("theme") if request.args.get("theme") in ("dark", "light") else ""
        try:
            m = model(doc_id) if doc_id in dict(docs) else None
        except UnknownDocument:
            m = None
        if m is None:
            page_ = not_found_page(doc_id, docs, coverage_path=prefix + "coverage", dashboard_path=prefix,
                                   asset_urls=urls)
            return Response(page_, status=404, mimetype="text/html")
        return Response(render_page(m, dashboard_path=prefix, coverage_path=prefix + "coverage", asset_urls=urls,
                                    theme=theme), mimetype="text/html")


def _film_route(app: Dash, films: FilmJobs) -> None:
    """`/film/<job id>`: the finished film of "Download animation", once (FilmJobs.take deletes it); 404 for a job
    that is unknown, not finished or already collected."""
    prefix = app.config.routes_pathname_prefix
    types = {"gif": "image/gif", "mp4": "video/mp4"}

    def film(job_id: str):
        from flask import send_file

        taken = films.take(job_id)
        if taken is None:
            return Response("no such film", status=404, mimetype="text/plain")
        f, filename, fmt = taken  # streamed from the open file (already unlinked), closed when sent
        resp = send_file(f, mimetype=types[fmt], as_attachment=True, download_name=filename, max_age=0)
        resp.headers["Cache-Control"] = "no-store"
        return resp

    app.server.add_url_rule(prefix + "film/<job_id>", "film", film)


def _guard_callback_requests(app: Dash, max_bytes: int | None = None) -> None:
    """Refuse callback requests that are not even shaped like one of the app's callbacks (400): unknown output,
    or a different number of outputs, inputs or states than it declares. Dash would fail on them with a 500.
    A body over `max_bytes` is refused (413) unread."""
    from flask import request

    path = app.config.requests_pathname_prefix + "_dash-update-component"

    def _len(v) -> int:
        return len(v) if isinstance(v, list) else 1

    @app.server.before_request
    def _check():
        if request.method == "POST" and request.path == path:
            if max_bytes is not None and (request.content_length or 0) > max_bytes:
                return Response("callback request too large", status=413, mimetype="text/plain")
            body = request.get_json(silent=True)
            if not (isinstance(body, dict) and isinstance(body.get("output"), str)
                    and isinstance(body.get("inputs"), list) and isinstance(body.get("outputs", []), (list, dict))
                    and isinstance(body.get("state", []), list)):
                return Response("bad callback request", status=400, mimetype="text/plain")
            spec = app.callback_map.get(body["output"])
            if spec is None or len(body["inputs"]) != len(spec["inputs"]) \
                    or len(body.get("state", [])) != len(spec["state"]) \
                    or ("outputs" in body and _len(body["outputs"]) != _len(spec["output"])):
                return Response("bad callback request", status=400, mimetype="text/plain")
        return None


def content_security_policy(*apps: Dash) -> str:
    """Only the app's own origin; Dash's inline scripts by hash. Plotly and the dropdowns set inline styles.

    The records grid (dash-ag-grid) needs nothing more: its formatters, theme and listeners are functions in
    assets/records_grid.js that dash-ag-grid calls by name (its own parser, no eval), so script-src stays without
    'unsafe-eval'; its theme API writes <style> elements into the page, which style-src 'unsafe-inline' (already
    here for Plotly) covers. A nonce (AG Grid's styleNonce) would not narrow it while Plotly needs 'unsafe-inline'.
    """
    hashes = " ".join(dict.fromkeys(h for a in apps for h in a.csp_hashes()))  # already quoted: 'sha256-…'
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {hashes}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


def _secure_headers(app: Dash, *more: Dash) -> None:
    policy = content_security_policy(app, *more)

    @app.server.after_request
    def _headers(resp: Response) -> Response:
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        resp.headers["Content-Security-Policy"] = policy
        return resp


def _topojson_route(app: Dash) -> str:
    """The map's topojson (assets/topojson) under a path that names its version, `assets/topojson/v/<digest>/`, with
    a year-long cache: plotly.js appends the file name to the config's topojsonURL, so the fingerprint cannot be a
    query. Repeat visits read it from the cache; on the first, the page's preload (_preload_topojson) has it
    there before any map draw asks."""
    from flask import abort, send_from_directory

    folder = ASSETS_DIR / "topojson"
    stamp = "|".join(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in sorted(folder.glob("*.json")))
    digest = hashlib.sha1(stamp.encode()).hexdigest()[:12]

    def topojson(version: str, name: str):
        if version != digest or not re.fullmatch(r"[\w-]+\.json", name):
            abort(404)
        resp = send_from_directory(folder, name, max_age=YEAR)
        resp.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return resp

    # under assets/ like every other static file; the two static segments win over Dash's assets/<path:…> rule
    app.server.add_url_rule(app.config.routes_pathname_prefix + "assets/topojson/v/<version>/<name>", "topojson",
                            topojson)
    return f"{app.config.requests_pathname_prefix}assets/topojson/v/{digest}/"


def _preload_topojson(app: Dash, topojson_url: str) -> None:
    """The page's response names the screen map's topojson as a preload (`Link` header): the browser fetches it
    while the scripts load, instead of after the first map figure, and every later draw reads it from the cache —
    plotly.js fetches it once per draw that starts before it has arrived (twice on some first visits)."""
    from dashboard.views.map import SCREEN_RESOLUTION

    link = f"<{topojson_url}world_{SCREEN_RESOLUTION}m.json>; rel=preload; as=fetch; crossorigin=anonymous"

    @app.server.after_request
    def _preload(resp: Response) -> Response:
        if resp.status_code == 200 and resp.mimetype == "text/html":
            resp.headers["Link"] = link
        return resp


def _fingerprinted(app: Dash, path: str, args) -> bool:
    """A component suite whose path carries its version (`.v4_4_1m1796158731.`) or an asset with `?m=<mtime>`."""
    from dash.fingerprint import check_fingerprint

    prefix = app.config.requests_pathname_prefix
    return (path.startswith(prefix + "_dash-component-suites/") and check_fingerprint(path)[1]) or \
        (path.startswith(prefix + "assets/") and bool(args.get("m")))


class Precompressed:
    """Fingerprinted scripts, styles and the topojson compressed once at the highest level (brotli 11, or zstd 19
    for a browser that takes zstd but not brotli: plotly.js 375 KB instead of 458 at Flask-Compress's per-request
    level), off the request threads the first time a file version is asked for (about 15 s of one core for
    plotly.js), kept in CACHE_DIR/compressed across starts. Until a file is ready, Flask-Compress answers."""

    LEVELS = MappingProxyType({"zstd": 19, "br": 11})
    TYPES = frozenset({"application/javascript", "text/javascript", "text/css", "application/json"})

    def __init__(self, app: Dash, folder: Path):
        self.app, self.folder = app, folder
        self.pending: set[str] = set()
        self.lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()

    @staticmethod
    def encoding(accept: str) -> str | None:
        offered = {e.split(";")[0].strip() for e in accept.split(",")}
        return next((e for e in ("br", "zstd") if e in offered), None)

    def file(self, url: str, enc: str) -> Path:
        return self.folder / f"{hashlib.sha1(url.encode()).hexdigest()}.{enc}"

    def apply(self, resp: Response, url: str, enc: str) -> Response:
        from flask import request

        f = self.file(url, enc)
        if f.is_file():
            etag, weak = resp.get_etag()
            resp.direct_passthrough = False
            resp.set_data(f.read_bytes())
            resp.headers["Content-Encoding"] = enc
            resp.headers["Vary"] = "Accept-Encoding"
            if etag:
                resp.set_etag(f"{etag}:{enc}", weak=weak)
                resp.make_conditional(request)  # a revalidation that matches is a 304
            return resp
        with self.lock:
            if (url, enc) in self.pending:
                return resp
            self.pending.add((url, enc))
            self.idle.clear()
        threading.Thread(target=self._compress, args=(url, enc), daemon=True).start()
        return resp

    def _compress(self, url: str, enc: str) -> None:
        try:
            body = self.app.server.test_client().get(url.split("#")[0], headers={"Accept-Encoding": "identity"})
            data = body.get_data()
            body.close()
            if body.status_code == 200:
                if enc == "zstd":
                    from flask_compress.compat import compression

                    packed = compression.zstd.compress(data, self.LEVELS[enc])
                else:
                    import brotli

                    packed = brotli.compress(data, quality=self.LEVELS[enc])
                self.folder.mkdir(parents=True, exist_ok=True)
                tmp = self.file(url, enc).with_suffix(f".{threading.get_ident()}.tmp")
                tmp.write_bytes(packed)
                tmp.replace(self.file(url, enc))
        finally:
            with self.lock:
                self.pending.discard((url, enc))
                if not self.pending:
                    self.idle.set()

    def wait(self, timeout: float = 120) -> bool:
        """Block until no compression is under way (for the benchmark)."""
        return self.idle.wait(timeout)


def _precompress(app: Dash) -> Precompressed:
    from flask import request

    pre = Precompressed(app, CACHE_DIR / "compressed")
    topojson = app.config.requests_pathname_prefix + "assets/topojson/v/"  # versioned: see _topojson_route

    @app.server.after_request
    def _packed(resp: Response) -> Response:
        enc = Precompressed.encoding(request.headers.get("Accept-Encoding", ""))
        if not (enc and resp.status_code == 200 and resp.mimetype in Precompressed.TYPES
                and "Content-Encoding" not in resp.headers):
            return resp
        if _fingerprinted(app, request.path, request.args) or request.path.startswith(topojson):
            return pre.apply(resp, request.full_path, enc)
        etag = resp.get_etag()[0]  # the async chunks Dash serves unversioned, with a digest of their content
        if etag and request.path.startswith(app.config.requests_pathname_prefix + "_dash-component-suites/"):
            return pre.apply(resp, f"{request.full_path}#{etag}", enc)
        return resp

    app.server.extensions["precompressed"] = pre
    return pre


def _cache_headers(app: Dash) -> None:
    """Fingerprinted files are immutable: a component suite's path carries its version and mtime
    (`.v4_4_1m1796158731.`), an asset's URL its mtime (`?m=…`), so a changed file gets a new URL. Anything else
    under /assets/ (the topojson, fetched by plotly without a fingerprint) is revalidated (ETag, 304)."""
    from flask import request

    prefix = app.config.requests_pathname_prefix
    suites, assets = prefix + "_dash-component-suites/", prefix + "assets/"
    topojson = assets + "topojson/v/"  # versioned: see _topojson_route

    @app.server.after_request
    def _cache(resp: Response) -> Response:
        if resp.status_code not in (200, 304):
            return resp
        path = request.path
        if _fingerprinted(app, path, request.args) or path.startswith(topojson):
            resp.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        elif path.startswith((suites, assets)):
            resp.headers["Cache-Control"] = "no-cache"
        return resp


def __getattr__(name: str):
    # `gunicorn dashboard.app:server` builds the app once per process (or once before forking with --preload)
    if name == "server":
        return _server()
    raise AttributeError(name)


@lru_cache(maxsize=1)
def _server():
    return create_app().server
