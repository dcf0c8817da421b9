"""The records table's scripts loaded when the table is first shown, not with the page.

dash-ag-grid's bundle (0.28 MB, and the 0.2 MB chunk it fetches when a grid is drawn) used to be loaded on every
first visit for a table that is hidden by default. Here the bundle is marked "dynamic" for Dash (served under
_dash-component-suites as before, but left out of the page's script tags); assets/lazy_grid.js loads it on the
first click on "Show table", and the mount_grid callback then puts the grid into the page.

Belongs here: what Dash needs told about the bundle, and its URL. Does not belong: the grid's columns and rows
(views/table.py), its component (layout.records_grid), its callbacks (callbacks.py).
"""

from __future__ import annotations

import os

import dash_ag_grid
from dash.fingerprint import build_fingerprint

GRID_BUNDLE = "dash_ag_grid.min.js"


def defer_grid_bundle() -> None:
    """Mark dash-ag-grid's main bundle dynamic: Dash keeps serving it, but no page loads it by itself. (The
    library's resource list is shared by every Dash app of the process; marking it again changes nothing.)"""
    for resource in dash_ag_grid._js_dist:
        if resource.get("relative_package_path") == GRID_BUNDLE:
            resource["dynamic"] = True


def grid_script_url(requests_prefix: str) -> str:
    """The bundle's fingerprinted URL, as Dash would write it in a script tag (cached long by the browser)."""
    path = os.path.join(os.path.dirname(dash_ag_grid.__file__), GRID_BUNDLE)
    fingerprint = build_fingerprint(GRID_BUNDLE, dash_ag_grid.__version__, int(os.stat(path).st_mtime))
    return f"{requests_prefix}_dash-component-suites/dash_ag_grid/{fingerprint}"
