"""The coverage view in headless Chromium: from the dashboard's footer to a text read whole, shaded sentences, a
sentence's records on hover, and a click that lands on the dashboard with that record selected."""

from __future__ import annotations

import re

import pytest

from dashboard.views.coverage_view import coverage_model

pytestmark = pytest.mark.browser

TIMEOUT = 20_000

# Characters per line of the text, measured in the browser over a long paragraph (one Range per character).
LINE_LENGTHS = """(sel) => {
  const el = [...document.querySelectorAll(sel)].sort((a, b) => b.textContent.length - a.textContent.length)[0];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const tops = new Map();
  let node;
  while ((node = walker.nextNode())) {
    if (node.parentElement.closest('.s-recs, .s-count, .s-waiver')) continue;
    for (let i = 0; i < node.length; i++) {
      const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
      const rect = r.getClientRects()[0];
      if (!rect) continue;
      const top = Math.round(rect.top);
      tops.set(top, (tops.get(top) || 0) + 1);
    }
  }
  return [...tops.values()];
}"""


def _norm(s: str) -> str:
    return " ".join(s.split())


def _open(rec, query: str = "", *, size=(1920, 1080), scheme="light", browser=None):
    page = rec.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.emulate_media(color_scheme=scheme)
    page.goto(rec.base + "/coverage" + query)
    page.wait_for_selector(".cov-text .s-cited", timeout=TIMEOUT)
    return page


def test_cov101_from_the_footer_to_a_text_and_back_to_a_selected_record(dash_page, bundle):
    page = dash_page.page
    page.goto(dash_page.base + "/")
    page.wait_for_selector("#timeline-graph .scatterlayer .point", timeout=TIMEOUT)
    page.get_by_role("link", name="Coverage of the texts").click()
    page.wait_for_selector(".cov-text .s-cited", timeout=TIMEOUT)
    assert page.url.endswith("/coverage")
    page.get_by_role("link", name="Stalinism", exact=True).click()
    page.wait_for_url(re.compile(r"/coverage\?doc=stalinism$"), timeout=TIMEOUT)

    m = coverage_model(bundle, "stalinism")
    assert page.locator(".cov-legend").inner_text() == \
        page.evaluate("() => document.querySelector('.cov-legend').textContent")
    assert f"{m.counts.cited} sentences cited" in page.locator(".cov-legend").inner_text()
    # every cited sentence is shaded, more strongly for more records
    assert page.locator(".cov-text .s-cited").count() == m.counts.cited
    bg = {n: page.evaluate(f"() => getComputedStyle(document.querySelector('.cov-text .s-n{n}')).backgroundColor")
          for n in (1, 2, 3)}
    alpha = {n: float(re.findall(r"[\d.]+", v)[3]) for n, v in bg.items()}
    assert 0 < alpha[1] < alpha[2] < alpha[3], bg

    # a cited sentence whose first record is an event: hover lists its records, a click selects the first
    s = next(s for s in m.sentences if s.state == "cited" and (s.first_selectable or "").startswith("ev_")
             and len(s.records) >= 2)
    sentence = page.locator(f"#{s.passage_id}")
    sentence.scroll_into_view_if_needed()
    recs = sentence.locator(".s-recs")
    assert not recs.is_visible()
    sentence.locator("a.s-link").hover()
    recs.wait_for(state="visible", timeout=TIMEOUT)
    assert recs.locator("li").count() >= len(s.records[:12])
    sentence.locator("a.s-link").click()
    page.wait_for_url(re.compile(rf"select={s.first_selectable}$"), timeout=TIMEOUT)
    page.wait_for_selector("#source-panel mark.quote", timeout=TIMEOUT)
    quote = bundle.record(s.first_selectable)[1]["quote"]
    assert _norm(page.locator("#source-panel mark.quote").inner_text()) == _norm(quote)
    assert not dash_page.console_errors and not dash_page.blocked


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_cov102_reads_like_a_book_page(dash_page, size, scheme, tmp_path):
    page = _open(dash_page, "?doc=anti_stalinist_left", size=size, scheme=scheme)
    lines = page.evaluate(LINE_LENGTHS, ".cov-text .para")
    full = sorted(lines[:-1])  # the last line of a paragraph is short
    assert full and max(full) <= 85 and 55 <= full[len(full) // 2] <= 78, lines
    main_bg = page.evaluate("() => getComputedStyle(document.querySelector('.cov-main')).backgroundColor")
    ink = page.evaluate("() => getComputedStyle(document.querySelector('.cov-text')).color")
    dark_bg = main_bg == "rgb(20, 24, 29)"  # app.css's dark --panel
    assert dark_bg == (scheme == "dark"), (main_bg, ink)
    assert ink == ("rgb(230, 237, 243)" if scheme == "dark" else "rgb(31, 35, 40)")
    page.locator(".cov-text .s-cited a.s-link").nth(2).hover()
    page.screenshot(path=str(tmp_path / f"coverage_{size[0]}_{scheme}.png"))
    assert not dash_page.console_errors  # a CSP violation (inline script or style) would be one


def test_cov103_theme_query_overrides_the_system(dash_page):
    page = _open(dash_page, "?doc=stalinism&theme=dark", scheme="light")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.cov-main')).backgroundColor") \
        == "rgb(20, 24, 29)"
    page = _open(dash_page, "?doc=stalinism&theme=light", scheme="dark")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.cov-main')).backgroundColor") \
        == "rgb(255, 255, 255)"


def test_cov104_bad_doc_is_a_page_not_a_trace(dash_page):
    page = dash_page.page
    resp = page.goto(dash_page.base + "/coverage?doc=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert resp.status == 404
    assert "No such text" in page.locator("h1").inner_text()
    assert page.locator("img").count() == 0
    page.get_by_role("link", name="Stalinism").click()
    page.wait_for_selector(".cov-text .s-cited", timeout=TIMEOUT)
