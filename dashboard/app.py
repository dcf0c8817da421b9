"""The Dash application: create_app() wires the frames, the page and the callbacks; `server` is for gunicorn.

Offline by construction: every script and style is served from this machine (serve_locally), the map's topojson
from assets/topojson, no fonts are fetched, and Dash's version check and Plotly's cloud button are off.
"""

from __future__ import annotations

from dash import Dash

from dashboard import callbacks
from dashboard.context import make_context
from dashboard.frames import Bundle, load_bundle
from dashboard.layout import TITLE, page
from dashboard.paths import ASSETS_DIR


def create_app(bundle: Bundle | None = None, *, debug: bool = False) -> Dash:
    app_ctx = make_context(bundle or load_bundle())
    app = Dash(
        __name__,
        title=TITLE,
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        update_title=None,
        suppress_callback_exceptions=False,
    )
    app.enable_dev_tools(debug=debug, dev_tools_ui=debug, dev_tools_props_check=debug, dev_tools_hot_reload=False,
                         dev_tools_disable_version_check=True, dev_tools_serve_dev_bundles=debug)
    app.layout = page(app_ctx, app.get_asset_url("topojson/"))
    callbacks.register(app, app_ctx)
    return app
