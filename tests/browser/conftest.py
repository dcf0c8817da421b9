"""Browser fixtures: the real app served on loopback in a thread, and headless Debian chromium via Playwright,
with every request off the machine blocked and recorded."""

from __future__ import annotations

import shutil
import threading
from urllib.parse import urlparse

import pytest
from werkzeug.serving import make_server

from dashboard.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="session")
def server_url(bundle):
    app = create_app(bundle)
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


class Page:
    """A page with its console errors and its blocked off-machine requests recorded."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.blocked: list[str] = []


@pytest.fixture
def dash_page(browser, server_url):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    rec = Page(page)

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if host in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            rec.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda m: rec.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: rec.console_errors.append(str(e)))
    rec.base = server_url
    yield rec
    context.close()


@pytest.fixture(scope="session", autouse=True)
def _quiet_server_log():
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
