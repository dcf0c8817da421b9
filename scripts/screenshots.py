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


# A short text of our own for the "Add a text" page's screenshot (not from the corpus: the page is for new texts).
SAMPLE_TEXT = (
    "== The Hungarian Revolution ==\n"
    "The Hungarian Revolution of 1956 began on 23 October 1956, when students marched in Budapest.\n"
    "In November 1956 Soviet tanks crushed the uprising, and Imre Nagy was executed in 1958.\n"
    "Khrushchev had denounced Stalin in February 1956, and many Communists in the West left their parties.\n"
    "About 2,500 people were killed and 200,000 fled the country.\n"
)


def add_text_screenshot(page, base: str, out: Path) -> None:
    """The "Add a text" page with a short text read and two events accepted."""
    page.goto(base + "/add/")
    page.fill("#add-paste", SAMPLE_TEXT)
    page.fill("#add-doc-id", "hungary_1956_notes")
    page.fill("#add-title", "Notes on the Hungarian Revolution")
    page.click("#add-propose")
    page.wait_for_selector(".add-card .add-dropdown", timeout=30000)
    page.wait_for_timeout(800)
    for _ in range(2):
        page.locator(".add-card:not(.add-card-accepted) .add-to-accepted").first.click()
        page.wait_for_timeout(1200)
    page.evaluate("() => document.querySelector('.add-input').scrollIntoView()")
    page.wait_for_timeout(500)
    page.screenshot(path=str(out / "screenshot-add-text.png"))
    print(out / "screenshot-add-text.png")


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
            page.wait_for_function("() => window.viewSizes && window.viewSizes.settled()"
                                   " && !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=60000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"screenshot-{name}.png"))
            print(out / f"screenshot-{name}.png")
        add_text_screenshot(page, base, out)
        browser.close()


if __name__ == "__main__":
    main()
