"""The first visit in headless Chromium: only the plotly.js and cytoscape that are used travel, the map's topojson
once, the SVG exporter on the first SVG click only, and every view and export still works under the app's CSP."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser.conftest import LOOPBACK
from tests.browser.test_dashboard import SUMMARY, TIMEOUT, open_app
from tests.browser.test_presentation import _download, _png_size

pytestmark = pytest.mark.browser

FULL_PLOTLY = ("plotly.min.js", "async-plotlyjs", "plotly/package_data")


def _fetched(page, name: str) -> list[int]:
    """The bytes that travelled for each load of `name` (0: read from the browser's cache)."""
    return page.evaluate("(n) => performance.getEntriesByType('resource').filter(e => e.name.endsWith(n))"
                         ".map(e => e.transferSize)", name)


class _Visit:
    """A page in a fresh context without request routing (Playwright's routing turns the HTTP cache off, and the
    cache is what is under test): off-machine requests are recorded, not blocked, and asserted absent."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context(viewport={"width": 1600, "height": 900})
        self.page = self.context.new_page()
        self.base, self.console_errors, self.urls = base, [], []
        self.page.on("request", lambda r: self.urls.append(r.url))
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    @property
    def blocked(self) -> list[str]:
        return [u for u in self.urls if urlparse(u).hostname not in LOOPBACK and not u.startswith(("data:", "blob:"))]


@pytest.fixture
def visit(browser, server_url):
    v = _Visit(browser, server_url)
    yield v
    v.context.close()


def _record(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    return urls


def test_first001_geo_plotly_and_base_cytoscape_only(visit):
    dash_page, urls = visit, visit.urls
    page = open_app(visit, "?period=1936-1938")
    page.wait_for_selector("#map-graph .geo .scatterlayer .trace", timeout=TIMEOUT)
    page.wait_for_timeout(500)
    assert not [u for u in urls if any(f in u for f in FULL_PLOTLY)], urls
    assert [u for u in urls if "/assets/vendor/plotly-geo.min.js" in u]
    assert not [u for u in urls if "dash_cytoscape_extra" in u or "/assets/lazy/cytoscape-svg" in u], urls
    assert page.evaluate("() => window.Plotly.version") == "4.1.1"
    # regenerator-runtime instead of @babel/polyfill, and no dash_table: the slider, the dropdowns and the graphs
    # (dcc's lazy components, which need regeneratorRuntime) all drew
    assert not [u for u in urls if "polyfill" in u or "dash_table" in u], urls
    assert page.evaluate("() => typeof window.regeneratorRuntime.mark") == "function"
    assert page.locator("#period-slider .rc-slider-handle, #period-slider [role=slider]").count() >= 2
    assert page.locator(".dash-dropdown").count() >= 3
    topojson = [u for u in urls if u.endswith("world_110m.json")]
    assert topojson and all("/assets/topojson/v/" in u for u in topojson), topojson
    assert len([b for b in _fetched(page, "world_110m.json") if b > 0]) == 1
    assert dash_page.console_errors == [] and dash_page.blocked == []


def test_first002_historical_borders_draw_with_the_geo_bundle(visit):
    dash_page, urls = visit, visit.urls
    page = open_app(visit, "?period=1936-1938&borders=period")
    page.wait_for_selector("#map-graph .choroplethlayer path", state="attached", timeout=TIMEOUT)
    assert page.locator("#map-graph .choroplethlayer path").count() > 20
    assert "Borders of 1938" in page.locator("#map-graph").inner_text()
    page.wait_for_timeout(500)
    # plotly may ask twice (two map draws before the first answer): the second is read from the cache
    assert len([b for b in _fetched(page, "world_110m.json") if b > 0]) == 1, _fetched(page, "world_110m.json")
    assert not [u for u in urls if any(f in u for f in FULL_PLOTLY)]
    assert dash_page.console_errors == [] and dash_page.blocked == []


def test_first003_svg_exporter_loads_on_the_first_svg_click(dash_page):
    urls = _record(dash_page.page)
    page = open_app(dash_page, "?period=1936-1938&movement=trotskyism")
    name, data = _download(page, "#network-png-button")
    assert name == "network_1936-1938_trotskyism.png" and min(_png_size(data)) > 300
    assert not [u for u in urls if "/assets/lazy/cytoscape-svg" in u]  # not for the PNG
    name, data = _download(page, "#network-svg-button")
    assert name == "network_1936-1938_trotskyism.svg"
    assert b"<svg" in data[:500] and data.count(b"<path") + data.count(b"<text") > 20  # drawn, not blank
    assert len([u for u in urls if u.endswith("/assets/lazy/cytoscape-svg.js")]) == 1
    name, again = _download(page, "#network-svg-button")  # the second click: no new fetch, same image
    assert name.endswith(".svg") and b"<svg" in again[:500]
    assert len([u for u in urls if "/assets/lazy/cytoscape-svg" in u]) == 1
    # the Plotly views' PNG (toolbar) and SVG buttons and the slide (Plotly.toImage in the browser)
    with page.expect_download(timeout=TIMEOUT) as info:
        page.locator("#map-graph .modebar-btn[data-title^='Download plot']").first.click()
    assert info.value.suggested_filename.endswith(".png")
    name, data = _download(page, ".svg-download")  # the first: the timeline's
    assert name.endswith(".svg") and b"<svg" in data[:500]
    name, data = _download(page, "#download-slide-button")
    assert name == "slide_1936-1938_trotskyism.png" and _png_size(data) == (1920, 1080) and len(data) > 100_000
    assert not [u for u in urls if any(f in u for f in FULL_PLOTLY)]
    assert dash_page.console_errors == [] and dash_page.blocked == []


# the heights of the header and the filter bar at every frame, from the first one with both on the page
_HEIGHTS = """window.__heights = [];
(function frame() {
  const h = s => { const e = document.querySelector(s); return e ? Math.round(e.getBoundingClientRect().height) : 0; };
  const v = [h('.app-header'), h('.filter-bar')];
  const seen = window.__heights;
  if (v[0] && v[1] && (!seen.length || String(seen[seen.length - 1]) !== String(v))) { seen.push(v); }
  requestAnimationFrame(frame);
})();"""


@pytest.mark.parametrize("width,height", [(1920, 1080), (1600, 900), (1280, 720)])
def test_first004_views_are_drawn_once_on_a_first_visit(browser, server_url, width, height):
    """The dropdowns' and the slider's code arrives after the page is laid out, and the summary line with the first
    answer: neither moves the views, so the page sends their sizes once and the views are drawn once."""
    from tests.browser.conftest import Page

    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        rec = Page(context.new_page())
        rec.base = server_url
        rec.page.add_init_script(_HEIGHTS)
        page = open_app(rec, "?period=1936-1938")
        heights = page.evaluate("window.__heights")
        assert len(heights) == 1, heights
        assert page.evaluate("window.viewSizes.count") == 1
    finally:
        context.close()


def test_first005_a_view_that_shrinks_is_drawn_again_one_that_grows_a_little_is_not(dash_page):
    page = open_app(dash_page, "?period=1936-1938")
    assert page.evaluate("window.viewSizes.count") == 1
    page.set_viewport_size({"width": 1600, "height": 920})  # the views grow by a few per cent: what is drawn fits
    page.wait_for_timeout(600)
    dash_page.settle()
    assert page.evaluate("window.viewSizes.count") == 1
    assert page.evaluate("window.viewSizes.settled()")
    page.set_viewport_size({"width": 1500, "height": 900})  # narrower than drawn for: drawn again
    page.wait_for_function("() => window.viewSizes.count === 2", timeout=TIMEOUT)
    dash_page.settle()
    sent = page.evaluate("JSON.parse(window.viewSizes.sent)")
    now = page.evaluate("JSON.parse(window.viewSizes.measure())")
    assert sent == now
    page.set_viewport_size({"width": 1900, "height": 900})  # far wider: drawn again for the room it has
    page.wait_for_function("() => window.viewSizes.count === 3", timeout=TIMEOUT)


def _callback_outputs(page) -> list[str]:
    """Every callback request the page has made: its outputs <= the properties that fired it."""
    return page.evaluate("window.__outputs")


_OUTPUTS = """window.__outputs = [];
(() => { const f0 = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (url.includes('_dash-update-component')) {
      let b = null;
      try { b = JSON.parse(init.body); window.__outputs.push(b.output + ' <= ' + b.changedPropIds); }
      catch (e) { window.__outputs.push('?'); }
      if (b && b.output.startsWith('..timeline-graph.figure.')) {  // `draw`'s answers: their status
        return f0.apply(this, arguments).then(r => r.clone().text().then(t => {  // did it send the views?
          window.__drawAnswers.push(b.changedPropIds + (t.includes('"timeline-graph"') ? ' views' : ' nothing'));
          return r; })); } }
    return f0.apply(this, arguments); }; })();
window.__drawAnswers = [];"""


def test_first006_the_page_opens_at_the_urls_selection_without_a_round_trip(browser, server_url):
    """The layout carries the URL's selection and controls: the first requests are the views' and the panels', none
    reads the URL first, none follows them (plotly's autosize and the source panel's new links fire nothing), and
    the page shows the URL's state; a URL the page would write differently opens at its state one round trip
    later."""
    from tests.browser.conftest import Page

    context = browser.new_context(viewport={"width": 1600, "height": 900})
    try:
        rec = Page(context.new_page())
        rec.base = server_url
        rec.page.add_init_script(_OUTPUTS)
        page = open_app(rec, "?period=1936-1938&movement=trotskyism")
        outs = _callback_outputs(page)
        assert not [o for o in outs if "selection-store.data" in o], outs
        assert len([o for o in outs if "timeline-graph.figure" in o]) == 1, outs
        assert len([o for o in outs if "source-panel.children" in o]) == 1, outs
        assert page.locator(SUMMARY).inner_text().startswith("1936–1938 · Trotskyism")
        assert page.evaluate("location.search") == "?period=1936-1938&movement=trotskyism"
        assert "Trotskyism" in page.locator("#movement-filter").inner_text()
        handles = page.locator("#period-slider [role=slider]")
        assert [handles.nth(i).get_attribute("aria-valuenow") for i in range(2)] == ["1936", "1938"]
        # a change is one request that carries the views (`sync`), then the panels': `draw` is not asked for them
        n = len(outs)
        page.fill("#search-box", "Kronstadt")
        page.press("#search-box", "Enter")
        page.wait_for_function(f"() => document.querySelector('{SUMMARY}').textContent.includes('Kronstadt')",
                               timeout=30_000)
        rec.settle()
        later = _callback_outputs(page)[n:]
        assert later[0].startswith("..selection-store.data") and "timeline-graph.figure@" in later[0], later
        assert sorted(o[:24] for o in later[1:3]) == ["..source-panel.children.", "..timeline-graph.figure."], later
        # (`draw` for the new selection: the page has those views)
        assert "selection-store.data nothing" in page.evaluate("window.__drawAnswers"), page.evaluate(
            "window.__drawAnswers")

        page = context.new_page()
        rec2 = Page(page)
        rec2.base = server_url
        page.add_init_script(_OUTPUTS)
        open_app(rec2, "?movement=trotskyism&period=1936-1938")  # not as the page writes it: read, then rewritten
        assert [o for o in _callback_outputs(page) if "selection-store.data" in o]
        assert page.locator(SUMMARY).inner_text().startswith("1936–1938 · Trotskyism")
        assert page.evaluate("location.search") == "?period=1936-1938&movement=trotskyism"
        assert rec.console_errors == [] and rec2.console_errors == []
    finally:
        context.close()


def test_first007_a_very_small_window_still_draws_its_views(browser, server_url):
    # the network's box has no room at 800×600: its size is sent anyway (the server draws it at its default size)
    context = browser.new_context(viewport={"width": 800, "height": 600})
    try:
        page = context.new_page()
        page.goto(server_url + "/?period=1936-1938")
        page.wait_for_selector("#timeline-graph .scatterlayer .point", timeout=TIMEOUT)
        page.wait_for_function(f"() => document.querySelector('{SUMMARY}').textContent.startsWith('1936–1938')",
                               timeout=TIMEOUT)
        assert page.evaluate("window.viewSizes.count") == 1
    finally:
        context.close()


def test_first008_the_source_panels_links_and_clear_button_still_answer_clicks(dash_page):
    page = open_app(dash_page, "?period=1936-1938")
    link = page.locator("#source-panel .overview-events .link-button").first
    name = link.inner_text()
    link.click()
    page.wait_for_function("() => location.search.includes('select=')", timeout=TIMEOUT)
    page.wait_for_selector("#source-panel .source-record", timeout=TIMEOUT)
    assert name.split(" (")[0][:20] in page.locator("#source-panel .source-title").inner_text()
    page.locator("#source-panel .clear-button").click()
    page.wait_for_selector("#source-panel .source-overview", timeout=TIMEOUT)
    assert "select=" not in page.evaluate("location.search")
    # a zoom on the timeline (what a drag makes plotly report) still sets the period
    page.evaluate("() => Plotly.relayout(document.querySelector('#timeline-graph .js-plotly-plot'), "
                  "{'xaxis.range[0]': 1930.2, 'xaxis.range[1]': 1934.8})")
    page.wait_for_function(f"() => document.querySelector('{SUMMARY}').textContent.startsWith('1930')",
                           timeout=TIMEOUT)
    assert dash_page.console_errors == []
