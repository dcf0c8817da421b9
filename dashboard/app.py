"""The Dash application: create_app() wires the frames, the page and the callbacks; `server` is for gunicorn.

Offline by construction: every script and style is served from this machine (serve_locally), the map's topojson
from assets/topojson, no fonts are fetched, and Dash's version check and Plotly's cloud button are off.
"""

from __future__ import annotations

from functools import lru_cache

from dash import Dash
from flask import Response

from dashboard import callbacks
from dashboard.context import make_context
from dashboard.frames import Bundle, load_bundle
from dashboard.layout import TITLE, page
from dashboard.paths import ASSETS_DIR


def create_app(bundle: Bundle | None = None, *, debug: bool = False) -> Dash:
    import dash_cytoscape as cyto

    cyto.load_extra_layouts()  # the cytoscape bundle with the SVG exporter (the network's "SVG" button)
    app_ctx = make_context(bundle or load_bundle())
    app = Dash(
        __name__,
        title=TITLE,
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        update_title=None,
        suppress_callback_exceptions=False,
        compress=True,
    )
    app.enable_dev_tools(debug=debug, dev_tools_ui=debug, dev_tools_props_check=debug, dev_tools_hot_reload=False,
                         dev_tools_disable_version_check=True, dev_tools_serve_dev_bundles=debug)
    app.layout = page(app_ctx, app.get_asset_url("topojson/"))
    callbacks.register(app, app_ctx, app.get_asset_url("topojson/"))
    _coverage_route(app, app_ctx.bundle)
    _secure_headers(app)
    _guard_callback_requests(app)
    return app


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


def _guard_callback_requests(app: Dash) -> None:
    """Refuse callback requests that are not even shaped like one of the app's callbacks (400): unknown output,
    or a different number of outputs, inputs or states than it declares. Dash would fail on them with a 500."""
    from flask import request

    path = app.config.requests_pathname_prefix + "_dash-update-component"

    def _len(v) -> int:
        return len(v) if isinstance(v, list) else 1

    @app.server.before_request
    def _check():
        if request.method == "POST" and request.path == path:
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


def content_security_policy(app: Dash) -> str:
    """Only the app's own origin; Dash's inline scripts by hash. Plotly and the dropdowns set inline styles.

    The records grid (dash-ag-grid) needs nothing more: its formatters, theme and listeners are functions in
    assets/records_grid.js that dash-ag-grid calls by name (its own parser, no eval), so script-src stays without
    'unsafe-eval'; its theme API writes <style> elements into the page, which style-src 'unsafe-inline' (already
    here for Plotly) covers. A nonce (AG Grid's styleNonce) would not narrow it while Plotly needs 'unsafe-inline'.
    """
    hashes = " ".join(app.csp_hashes())  # already quoted: 'sha256-…'
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


def _secure_headers(app: Dash) -> None:
    policy = content_security_policy(app)

    @app.server.after_request
    def _headers(resp: Response) -> Response:
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        resp.headers["Content-Security-Policy"] = policy
        return resp


def __getattr__(name: str):
    # `gunicorn dashboard.app:server` builds the app once per process (or once before forking with --preload)
    if name == "server":
        return _server()
    raise AttributeError(name)


@lru_cache(maxsize=1)
def _server():
    return create_app().server
