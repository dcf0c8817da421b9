"""The Debates view in the browser: ?view=debates shows it in the map's panel; clicking a holder's chip selects
the claim: its quote in the source panel, the holder highlighted in the network."""

from __future__ import annotations

import pytest

from tests.browser.test_dashboard import CY, TIMEOUT, open_app, source_text

pytestmark = pytest.mark.browser


def test_debates001_chip_click_quotes_the_claim_and_highlights_its_holder(dash_page):
    page = open_app(dash_page)
    page.locator("#view-switch").get_by_text("Debates", exact=True).click()
    page.wait_for_function("() => location.search.includes('view=debates')", timeout=TIMEOUT)
    page.wait_for_selector("#debates-graph .scatterlayer .point", timeout=TIMEOUT)
    assert page.locator("#debates-graph").is_visible()
    assert "Debates: who argues what" in page.locator(".panel-map .panel-head").inner_text()
    # the chip of a claim Trotsky holds, at its px position (the figure's axes are in px)
    spot = page.evaluate("""() => {
      const gd = document.querySelector('#debates-graph .js-plotly-plot');
      const t = gd.data[0];
      const k = t.customdata.findIndex(c => c.startsWith('cl_trotsky'));
      if (k < 0) return null;
      const r = gd.querySelector('.main-svg').getBoundingClientRect();
      return {x: r.left + t.x[k], y: r.top + t.y[k], claim: t.customdata[k]};
    }""")
    assert spot, "a chip of Trotsky's is drawn"
    page.mouse.click(spot["x"], spot["y"])
    page.wait_for_function("(c) => location.search.includes('select=' + c)", arg=spot["claim"], timeout=TIMEOUT)
    page.wait_for_function("() => document.querySelector('#source-panel').innerText.includes('Held by')",
                           timeout=TIMEOUT)
    text = source_text(page)
    assert "Leon Trotsky" in text and "Question" in text
    page.wait_for_function(f"() => {{ const n = {CY}.$id('trotsky'); return n.nonempty() && n.hasClass('related'); }}",
                           timeout=TIMEOUT)
    # back to the map: the switch keeps the selection
    page.locator("#view-switch").get_by_text("Deportations and sites", exact=True).click()
    page.wait_for_function("() => !location.search.includes('view=debates')", timeout=TIMEOUT)
    page.wait_for_selector("#map-graph .geo", state="visible", timeout=TIMEOUT)
    assert not page.locator("#debates-graph").is_visible()
    assert "Held by" in source_text(page)
