"""The scripts a page loads: fewer than Dash writes by default.

Dash writes, before React, `@babel/polyfill` 7.12.1 (core-js and regenerator-runtime, 99 KB, some 60 ms of
parsing on every first visit: core-js only patches browsers older than any the dashboard draws in), and, after its
renderer, dash_table's bundle for a DataTable no page here has. Of the polyfill, the renderer and dcc need only
`regeneratorRuntime` (their lazy loader is compiled to it: `regeneratorRuntime.mark`), so the page loads that alone
in the polyfill's place: regenerator-runtime 0.13.11 (MIT, `assets/lazy/regenerator-runtime.js`, the version the
polyfill carries; under lazy/, which Dash does not load by itself), with its file's mtime in the URL as Dash's
assets have (cached for a year, see dashboard.app._cache_headers).

Belongs here: which of Dash's script tags a page keeps, and what replaces them. Does not belong: which assets load
(dashboard.app's assets_ignore), plotly.js (assets/vendor, dashboard.app.plotly_in_assets).
"""

from __future__ import annotations

import re

from dash import Dash

from dashboard.paths import ASSETS_DIR

REGENERATOR = "lazy/regenerator-runtime.js"
_POLYFILL = re.compile(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>')
_DASH_TABLE = re.compile(r'<script src="[^"]*/dash/dash_table/[^"]*"></script>\n?')


class PageScriptsError(RuntimeError):
    """Dash's script tags are not what this module expects (a new Dash version): better no page than one whose
    lazy components fail for want of regeneratorRuntime."""


def slim_scripts(scripts_html: str, regenerator_src: str) -> str:
    """Dash's script tags with the polyfill replaced by `regenerator_src` (in its place: before React and every
    component library) and dash_table's scripts left out."""
    if len(_POLYFILL.findall(scripts_html)) != 1:
        raise PageScriptsError("expected one @babel/polyfill script tag in Dash's scripts")
    out = _POLYFILL.sub(lambda _m: f'<script src="{regenerator_src}"></script>', scripts_html)
    return _DASH_TABLE.sub("", out)


def _asset_url(app: Dash, path: str) -> str:
    return f"{app.get_asset_url(path)}?m={(ASSETS_DIR / path).stat().st_mtime}"


class SlimScriptsDash(Dash):
    """A Dash app whose pages load the scripts of slim_scripts."""

    def _generate_scripts_html(self) -> str:
        return slim_scripts(super()._generate_scripts_html(), _asset_url(self, REGENERATOR))
