"""Exports, presentation mode, themes, playback, historical borders and the table, in headless Chromium."""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from dashboard.selection import Selection, shown
from tests.browser.test_dashboard import SUMMARY, TIMEOUT, open_app, summary, wait_summary_change

pytestmark = pytest.mark.browser

TROTSKYISM_1930S = "?period=1936-1938&movement=trotskyism"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _download(page, selector: str, timeout: int = 60_000):
    with page.expect_download(timeout=timeout) as info:
        page.click(selector)
    d = info.value
    return d.suggested_filename, open(d.path(), "rb").read()


def test_export001_data_download_holds_what_is_shown(dash_page, bundle):
    page = open_app(dash_page, TROTSKYISM_1930S)
    name, data = _download(page, "#download-data-button")
    assert name == "data_1936-1938_trotskyism.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        events = pd.read_csv(z.open("events.csv"))
        assert {"README.txt", "datapackage.json"} <= set(z.namelist())
    sh = shown(bundle, Selection(1936, 1938, ("trotskyism",)))
    assert set(events["event_id"]) == set(sh.event_ids)
    name, data = _download(page, "#download-package-button")
    assert name == "data-package_all-years.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert len(pd.read_csv(z.open("events.csv"))) == len(bundle.events)
    assert dash_page.blocked == []


def test_export002_slide_download_is_a_16_9_png(dash_page):
    """The slide is rendered in the browser (plotly.js toImage from the figure the server sends), not on the
    server: the download is a 16:9 PNG named after the filters, drawn with the local topojson only."""
    page = open_app(dash_page, TROTSKYISM_1930S)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    name, data = _download(page, "#download-slide-button")
    assert name == "slide_1936-1938_trotskyism.png"
    w, h = _png_size(data)
    assert (w, h) == (1920, 1080) and w * 9 == h * 16
    assert len(data) > 100_000  # three views, legend and text: far from blank
    # what the server sent is the figure, not an image; the map's topojson came from the app's own assets
    rendered = page.evaluate("() => document.querySelector('#download-slide-button').disabled")
    assert rendered is False, "the button is enabled again once the PNG is made"
    assert all("/_dash-component-suites/" in u or "/_dash-update-component" in u or "/assets/" in u
               or u.startswith(("data:", "blob:")) for u in requests), requests
    assert dash_page.blocked == []
    assert not [e for e in dash_page.console_errors if "slide" in e.lower()], dash_page.console_errors


def test_export003_network_png_and_svg(dash_page):
    page = open_app(dash_page, TROTSKYISM_1930S)
    name, data = _download(page, "#network-png-button")
    assert name == "network_1936-1938_trotskyism.png"
    w, h = _png_size(data)
    assert w > 600 and h > 300
    name, data = _download(page, "#network-svg-button")
    assert name == "network_1936-1938_trotskyism.svg"
    assert b"<svg" in data[:500]


def test_export004_plotly_toolbar_png_named_after_the_filters(dash_page):
    page = open_app(dash_page, TROTSKYISM_1930S)
    page.hover("#map-graph .geo")
    button = page.locator("#map-graph .modebar-btn[data-title='Download plot as a PNG'], "
                          "#map-graph .modebar-btn[data-title^='Download plot']").first
    with page.expect_download(timeout=TIMEOUT) as info:
        button.click()
    d = info.value
    assert d.suggested_filename == "map_1936-1938_trotskyism.png"
    w, _ = _png_size(open(d.path(), "rb").read())
    view_w = page.evaluate("document.querySelector('#map-graph .main-svg').getBoundingClientRect().width")
    assert abs(w - 3 * view_w) <= 3  # 3× the view's size


def test_present001_mode_hides_controls_and_keeps_filters(dash_page):
    page = open_app(dash_page, TROTSKYISM_1930S)
    page.click("#present-toggle")
    page.wait_for_selector(".app.present", timeout=TIMEOUT)
    assert not page.locator(".filter-bar").is_visible()
    assert page.locator(SUMMARY).is_visible() and summary(page).startswith("1936–1938 · Trotskyism")
    assert "present=1" in page.url
    big = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.app-header h1')).fontSize)")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('.app').classList.contains('present')", timeout=TIMEOUT)
    assert page.locator(".filter-bar").is_visible() and "present=1" not in page.url
    normal = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.app-header h1')).fontSize)")
    assert big > normal


def test_theme001_dark_theme_from_the_url(dash_page):
    page = open_app(dash_page, "?theme=dark")
    page.wait_for_selector(".app.theme-dark", timeout=TIMEOUT)
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor + '|' + "
                       "getComputedStyle(document.querySelector('.app')).backgroundColor")
    assert "255, 255, 255" not in bg.split("|")[1]
    page.wait_for_function("() => getComputedStyle(document.querySelector('#timeline-graph .main-svg'))"
                           ".backgroundColor === 'rgb(20, 24, 29)'", timeout=TIMEOUT)
    # the toggle switches back, and the views follow
    page.click("#theme-toggle")
    page.wait_for_function("() => !document.querySelector('.app').classList.contains('theme-dark')", timeout=TIMEOUT)
    page.wait_for_function("() => getComputedStyle(document.querySelector('#timeline-graph .main-svg'))"
                           ".backgroundColor === 'rgb(255, 255, 255)'", timeout=TIMEOUT)


def _pause_and_hold(rec, landing_ms: int, hold_ms: int) -> str:
    """Click Pause, let a step already on its way land (`landing_ms`, then no callback under way), and check that
    nothing moves for `hold_ms` after it; the summary it stopped at."""
    page = rec.page
    page.click("#play-button")
    page.wait_for_function("() => document.querySelector('#play-button').textContent.includes('Play')",
                           timeout=TIMEOUT)
    page.wait_for_timeout(landing_ms)
    rec.settle()
    paused = summary(page)
    page.wait_for_timeout(hold_ms)
    assert summary(page) == paused
    assert "Play" in page.locator("#play-button").inner_text()
    return paused


def test_play001_playback_steps_the_period_and_views_follow(dash_page):
    page = open_app(dash_page, "?period=1936-1937")
    page.click(".play-speed")
    page.get_by_text("fast", exact=True).click()
    before = summary(page)
    page.click("#play-button")
    wait_summary_change(page, before)
    first = summary(page)
    assert first.startswith("1937–1938")
    wait_summary_change(page, first)
    # the next steps follow, a year at a time (a busy machine may draw a step too late to be seen: the period
    # only moves on, by whole years, keeping its two-year length)
    later = summary(page)
    start, end = (int(y) for y in later.split(" · ")[0].split("–"))
    assert start >= 1938 and end == start + 1
    paused = _pause_and_hold(dash_page, landing_ms=800, hold_ms=1800)
    period = parse_qs(urlparse(page.url).query)["period"][0]
    assert paused.startswith(period.replace("-", "–"))
    # the timeline follows: its axis spans the paused period
    x0, x1 = page.evaluate("document.querySelector('#timeline-graph .js-plotly-plot')._fullLayout.xaxis.range")
    p0, p1 = (int(y) for y in period.split("-"))
    assert (x0, x1) == (p0, p1 + 1) and p0 >= 1938


# Every answer of the server arrives 1.2 s late: longer than a "fast" playback step (0.8 s).
_SLOW_SERVER = """
(() => {
  const fetch0 = window.fetch.bind(window);
  window.fetch = (url, opts) => fetch0(url, opts).then(r => String(url).includes("_dash-update-component")
      ? new Promise(ok => setTimeout(() => ok(r), 1200)) : r);
})();
"""


def test_play002_pause_holds_when_the_server_answers_slower_than_playback_steps(dash_page):
    # Dash drops the answer of a callback still on its way when the same callback is asked again: a pause sent to a
    # slow server was dropped for the next tick's answer, and playback went on. The pause is made in the browser.
    dash_page.page.add_init_script(_SLOW_SERVER)
    page = open_app(dash_page, "?period=1936-1937")
    page.click(".play-speed")
    page.get_by_text("fast", exact=True).click()
    before = summary(page)
    page.click("#play-button")
    page.wait_for_function("() => document.querySelector('#play-button').textContent.includes('Pause')",
                           timeout=TIMEOUT)
    wait_summary_change(page, before)
    # a tick's request is very likely on its way; nothing moves for longer than three steps
    paused = _pause_and_hold(dash_page, landing_ms=1500, hold_ms=3000)
    # and Play starts again from where it stopped
    page.click("#play-button")
    wait_summary_change(page, paused)
    start = int(summary(page).split(" · ")[0].split("–")[0])
    assert start > int(paused.split("–")[0])
    page.click("#play-button")


def test_borders001_historical_borders_follow_the_period(dash_page):
    page = open_app(dash_page, "?period=1936-1938")
    page.locator("#map-borders").get_by_text("borders of the time").click()
    page.wait_for_selector("#map-graph .choroplethlayer path", timeout=TIMEOUT)
    assert page.locator("#map-graph .choroplethlayer path").count() > 20
    assert "Borders of 1938" in page.locator("#map-graph").inner_text()
    assert "historical-basemaps" in page.locator("#map-graph").inner_text()
    assert "borders=period" in page.url
    # a later period: the borders of 1945
    before = summary(page)
    page.goto(dash_page.base + "/?period=1946-1950&borders=period")
    # drawn: some of the borders' paths have a size (those of countries outside the view are empty)
    page.wait_for_function("() => [...document.querySelectorAll('#map-graph .choroplethlayer path')]"
                           ".filter(p => { const b = p.getBBox(); return b.width > 0 && b.height > 0; }).length > 20",
                           timeout=TIMEOUT)
    page.wait_for_function("() => document.querySelector('#map-graph').textContent.includes('Borders of 1945')",
                           timeout=TIMEOUT)
    assert before != summary(page)
    # back to modern borders: labelled as such
    page.locator("#map-borders").get_by_text("modern borders").click()
    page.wait_for_function("() => !document.querySelector('#map-graph .choroplethlayer path')", timeout=TIMEOUT)
    assert "Modern borders" in page.locator("#map-graph").inner_text()
    assert dash_page.blocked == []


def test_table001_rows_are_what_is_shown_and_select(dash_page, bundle):
    page = open_app(dash_page, TROTSKYISM_1930S)
    page.click("#table-toggle")
    page.wait_for_selector("#record-table .ag-center-cols-container .ag-row", timeout=TIMEOUT)
    caption = page.locator("#table-caption").inner_text()
    sh = shown(bundle, Selection(1936, 1938, ("trotskyism",)))
    n = sum(len(x) for x in (sh.event_ids, sh.place_ids, sh.route_ids, sh.actor_ids, sh.relation_ids,
                              sh.estimate_ids))
    assert re.match(rf"{n:,} records?", caption), caption
    # click a title cell: it becomes the shared selection and the source panel quotes it
    cell = page.locator("#record-table .ag-center-cols-container .ag-row[row-index='0'] .ag-cell[col-id='title']")
    title = cell.inner_text()
    before = summary(page)
    cell.click()
    page.wait_for_function("(t) => document.querySelector('#source-panel').innerText.includes(t)", arg=title,
                           timeout=TIMEOUT)
    assert "select=" in page.url and summary(page) == before


@pytest.mark.parametrize("graph, view", [("timeline-graph", "timeline"), ("map-graph", "map")])
def test_export005_plotly_views_download_svg(dash_page, graph, view):
    page = open_app(dash_page, TROTSKYISM_1930S)
    name, data = _download(page, f".svg-download[data-graph='{graph}']", timeout=TIMEOUT)
    assert name == f"{view}_1936-1938_trotskyism.svg"
    import xml.etree.ElementTree as ET

    root = ET.fromstring(data)
    assert root.tag.endswith("svg") and len(data) > 10_000
    assert dash_page.blocked == []
