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
    """A page with its console errors and its blocked off-machine requests recorded, and the callback requests
    under way counted (settle() waits for the page to be still)."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.blocked: list[str] = []
        self.callbacks = 0
        page.on("request", lambda r: self._count(r, 1))
        page.on("requestfinished", lambda r: self._count(r, -1))
        page.on("requestfailed", lambda r: self._count(r, -1))

    def _count(self, request, step: int) -> None:
        if "_dash-update-component" in request.url:
            self.callbacks += step

    def settle(self, quiet_ms: int = 300, timeout_ms: int = 30_000) -> None:
        """Wait until the views are drawn for the sizes the page measures (assets/view_sizes.js) and no callback
        has been under way for `quiet_ms`: what a test then finds is not about to be redrawn."""
        self.page.wait_for_function("() => !window.viewSizes || window.viewSizes.settled()", timeout=timeout_ms)
        waited = 0
        while waited < timeout_ms:
            if self.callbacks <= 0:
                self.page.wait_for_timeout(quiet_ms)
                if self.callbacks <= 0:
                    return
            self.page.wait_for_timeout(50)
            waited += 50
        raise AssertionError(f"{self.callbacks} callback requests still under way after {timeout_ms} ms")


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
