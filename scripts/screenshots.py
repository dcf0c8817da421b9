"""Take the README's screenshots of a running dashboard in headless Chromium (Playwright + Debian chromium).

Usage: python scripts/screenshots.py [BASE_URL] [OUT_DIR]   (default http://127.0.0.1:8050, docs/)
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

VIEWS = {
    "default": "",
    "great-terror": "?period=1936-1938",
    "trotskyism": "?movement=trotskyism,right_opposition&select=trotsky",
    "deportations": "?period=1941-1949&type=deportation",
    "borders-1938-dark": "?period=1936-1938&borders=period&theme=dark&select=rt_chechens",
    "present": "?period=1936-1938&movement=trotskyism&present=1&select=trotsky",
    "debates": "?view=debates&select=cl_trotsky_lift_ban",
    "disagree": "?select=est_asl_great_purge_casualties",
}
# The window the screenshots are taken at (the legibility tests check this size and 1280×720).
VIEWPORT = {"width": 1920, "height": 1080}


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8050"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs")
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)
        for name, query in VIEWS.items():
            page.goto(base + "/" + query)
            page.wait_for_selector("#timeline-graph .main-svg", timeout=20000)
            # the views drawn for the sizes the browser measured (assets/view_sizes.js), then plotly's transitions
            page.wait_for_function("() => window.viewSizes && window.viewSizes.sent"
                                   " && window.viewSizes.sent === window.viewSizes.measure()"
                                   " && !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=60000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"screenshot-{name}.png"))
            print(out / f"screenshot-{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
