"""Text from the data files is always rendered as text: markup planted in a record stays inert in the browser."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.frames import bundle_from_frames
from dashboard.pipeline.build import build_frames
from helpers import write

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__xss = 1</script>"
IMG = '<img src="x" onerror="window.__xss = 2">'


@pytest.fixture
def planted_url(mini_data):
    write(mini_data / "anti_stalinist_left" / "events.yaml", f"""\
        - event_id: ev_kronstadt
          title: '{SCRIPT} Kronstadt {IMG}'
          label: '<b onclick="x">Kronstadt</b>'
          event_type: uprising
          year_start: 1921
          place_id: pl_kronstadt
          actor_ids: [trotsky]
          movement_ids: [trotskyism]
          quote: The Kronstadt rebellion (March 1921) was a key moment
          note: '{IMG}'
          outside_text: '{SCRIPT}'
        """)
    bundle = bundle_from_frames(build_frames(mini_data))
    srv = make_server("127.0.0.1", 0, create_app(bundle).server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def test_xss001_planted_markup_is_inert(browser, planted_url):
    ctx = browser.new_context(viewport={"width": 1600, "height": 900})
    page = ctx.new_page()
    page.goto(planted_url + "/?select=ev_kronstadt")
    page.wait_for_selector("#source-panel mark.quote", timeout=20_000)
    text = page.locator("#source-panel").inner_text()
    assert SCRIPT in text and IMG in text  # shown as text
    # hover the timeline mark: Plotly's hover label must not turn the title into markup either
    box = page.locator("#timeline-graph .scatterlayer .point").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#timeline-graph .hoverlayer .hovertext", timeout=5000)
    assert "<script>" in page.locator("#timeline-graph .hoverlayer .hovertext").text_content()
    assert page.evaluate("window.__xss") is None
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("#source-panel script").count() == 0
    ctx.close()
