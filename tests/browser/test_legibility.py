"""Legibility, read like a reader would: in headless Chromium, for the states a talk would show, at 1920×1080 and
1280×720, the rendered labels of every view (Plotly's SVG text, cytoscape's label boxes) and of the slide.

Fails on any two labels that overlap, a label cut by "…" or by its frame, a timeline that labels fewer than 70 % of
its marks when it shows up to 60, and a network that does not shrink under a movement filter.
"""

from __future__ import annotations

import json

import plotly.io as pio
import pytest

from dashboard.selection import from_query

pytestmark = pytest.mark.browser

TIMEOUT = 30_000
STATES = ("", "?period=1936-1938", "?movement=trotskyism", "?period=1941-1949&type=deportation",
          "?period=1953-1967", "?period=1936-1938&present=1", "?period=1936-1938&theme=dark")
SIZES = ((1920, 1080), (1280, 720))
# Two boxes overlap when they share more than this many px in both directions (anti-aliasing and rounding).
OVERLAP_PX = 1.5
# Labelled share required of the timeline when it shows at most LABEL_SHARE_MAX_MARKS marks.
LABEL_SHARE = 0.7
LABEL_SHARE_MAX_MARKS = 60
# Smallest network label on screen, px.
NETWORK_FONT_PX = 11

# Every visible SVG text of a Plotly graph (no hover labels), with its box and the graph's frame.
_PLOTLY_TEXTS = """(root) => {
  const frame = root.getBoundingClientRect();
  const visible = (el) => {
    for (let e = el; e && e !== root; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) return false;
      if (e.getAttribute && e.getAttribute('opacity') === '0') return false;
    }
    return true;
  };
  const out = [];
  for (const t of root.querySelectorAll('svg text')) {
    if (t.closest('.hoverlayer') || t.closest('.modebar')) continue;
    const text = t.textContent.trim();
    if (!text || !visible(t)) continue;
    const r = t.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    out.push({text, x: r.left, y: r.top, w: r.width, h: r.height});
  }
  return {frame: {x: frame.left, y: frame.top, w: frame.width, h: frame.height}, boxes: out};
}"""

# The cytoscape instance behind the network's canvas (dash-cytoscape keeps it on its container's _cyreg).
_CY = ("(() => { const c = document.querySelector('#network-graph'); if (!c) return null;"
       " for (const d of [c, ...c.querySelectorAll('div')]) { if (d._cyreg && d._cyreg.cy) return d._cyreg.cy; }"
       " return null; })()")

_NETWORK_LABELS = f"""() => {{
  const cy = {_CY};
  const frame = cy.container().getBoundingClientRect();
  const nodes = cy.nodes().filter(n => n.visible() && parseFloat(n.style('opacity')) > 0);
  const labels = [];
  nodes.forEach(n => {{
    const label = n.style('label');
    if (!label || parseFloat(n.style('text-opacity')) === 0) return;
    const b = n.renderedBoundingBox({{includeLabels: true, includeNodes: false, includeOverlays: false}});
    labels.push({{text: label, x: frame.left + b.x1, y: frame.top + b.y1, w: b.w, h: b.h,
                 font: parseFloat(n.style('font-size')) * cy.zoom()}});
  }});
  return {{frame: {{x: frame.left, y: frame.top, w: frame.width, h: frame.height}}, boxes: labels,
          nodes: nodes.length}};
}}"""


def _overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    bad = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > OVERLAP_PX and dy > OVERLAP_PX:
                bad.append((a["text"], b["text"]))
    return bad


def _cut(boxes: list[dict], frame: dict) -> list[str]:
    out = [b["text"] for b in boxes if "…" in b["text"]]
    for b in boxes:
        if (b["x"] < frame["x"] - 1 or b["y"] < frame["y"] - 1 or b["x"] + b["w"] > frame["x"] + frame["w"] + 1
                or b["y"] + b["h"] > frame["y"] + frame["h"] + 1):
            out.append(f"{b['text']} (outside its frame)")
    return out


def _settle(page) -> None:
    page.wait_for_selector("#timeline-graph .main-svg", timeout=TIMEOUT)
    page.wait_for_selector("#map-graph .geo", timeout=TIMEOUT)
    page.wait_for_function(f"() => {{ try {{ return {_CY}.nodes().length >= 0; }} catch (e) {{ return false; }} }}",
                           timeout=TIMEOUT)
    page.wait_for_function("() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0",
                           timeout=TIMEOUT)
    # the views drawn for the sizes the browser measures (assets/view_sizes.js), then plotly's transitions
    page.wait_for_function("() => window.viewSizes && window.viewSizes.settled()", timeout=TIMEOUT)
    page.wait_for_timeout(600)
    page.wait_for_function("() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0",
                           timeout=TIMEOUT)


def _timeline_share(page, bundle) -> tuple[int, int]:
    """(marks, marks whose label can be read on screen) of the timeline: the marks are the distinct records of
    the drawn "Events" trace; a mark counts as labelled when its label is written in one of the visible texts."""
    ids = page.evaluate("""() => {
      const gd = document.querySelector('#timeline-graph .js-plotly-plot');
      const out = new Set();
      gd.data.filter(t => t.name === 'Events').forEach(t => (t.customdata || []).forEach(c => out.add(c)));
      return [...out];
    }""")
    texts = [b["text"] for b in page.eval_on_selector("#timeline-graph", _PLOTLY_TEXTS)["boxes"]]
    labels = bundle.events.set_index("event_id")["label"]
    read = sum(1 for i in ids if i in labels.index and any(labels[i] in t for t in texts))
    return len(ids), read


@pytest.fixture(scope="module")
def pages(browser, server_url):
    """Each state at each size, opened once for the module: {(query, size): (page, context)}."""
    opened = {}
    yield opened
    for _, ctx in opened.values():
        ctx.close()


def _page(pages, browser, server_url, query, size):
    if (query, size) not in pages:
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
        page = ctx.new_page()
        page.goto(server_url + "/" + query)
        _settle(page)
        pages[(query, size)] = (page, ctx)
    return pages[(query, size)][0]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("query", STATES, ids=lambda q: q.lstrip("?") or "all-years")
def test_legibility001_plotly_views_have_no_overlapping_or_cut_labels(request, pages, browser, server_url, query, size):
    page = _page(pages, browser, server_url, query, size)
    for graph in ("#timeline-graph", "#map-graph"):
        got = page.eval_on_selector(graph, _PLOTLY_TEXTS)
        assert got["boxes"], f"{graph} draws no text at all"
        assert not _overlapping(got["boxes"]), (graph, query, size, _overlapping(got["boxes"])[:8])
        assert not _cut(got["boxes"], got["frame"]), (graph, query, size, _cut(got["boxes"], got["frame"])[:8])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("query", STATES, ids=lambda q: q.lstrip("?") or "all-years")
def test_legibility002_timeline_labels_most_of_what_it_shows(request, pages, browser, server_url, bundle, query, size):
    page = _page(pages, browser, server_url, query, size)
    marks, labelled = _timeline_share(page, bundle)
    if 0 < marks <= LABEL_SHARE_MAX_MARKS:
        assert labelled / marks >= LABEL_SHARE, (query, size, marks, labelled)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("query", STATES, ids=lambda q: q.lstrip("?") or "all-years")
def test_legibility003_network_labels_do_not_overlap_and_read(request, pages, browser, server_url, query, size):
    page = _page(pages, browser, server_url, query, size)
    got = page.evaluate(_NETWORK_LABELS)
    boxes = got["boxes"]
    assert not _overlapping(boxes), (query, size, _overlapping(boxes)[:8])
    assert not _cut(boxes, got["frame"]), (query, size, _cut(boxes, got["frame"])[:8])
    small = [b["text"] for b in boxes if b["font"] < NETWORK_FONT_PX - 0.05]
    assert not small, (query, size, small[:5])


def test_legibility004_network_shrinks_under_a_movement_filter(pages, browser, server_url):
    everyone = _page(pages, browser, server_url, "", SIZES[0]).evaluate(_NETWORK_LABELS)["nodes"]
    trotskyism = _page(pages, browser, server_url, "?movement=trotskyism", SIZES[0]).evaluate(_NETWORK_LABELS)
    assert 0 < trotskyism["nodes"] < everyone / 2, (trotskyism["nodes"], everyone)


@pytest.fixture(scope="module")
def slide_page(browser, server_url):
    """A blank page of the app's origin with the page's own plotly.js, to draw slide figures at 1920×1080."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    page.goto(server_url + "/")
    page.wait_for_selector("#timeline-graph .main-svg", timeout=TIMEOUT)
    yield page
    ctx.close()


@pytest.mark.parametrize("query", STATES, ids=lambda q: q.lstrip("?") or "all-years")
def test_legibility005_slide_has_no_overlapping_or_cut_labels(request, slide_page, app_ctx, query):
    from dashboard.slides import slide_figure

    fig = slide_figure(app_ctx, from_query(query, app_ctx.vocab))
    spec = json.loads(pio.to_json(fig) if hasattr(fig, "to_plotly_json") else json.dumps(fig))
    got = slide_page.evaluate("""async (spec) => {
      let div = document.getElementById('slide-check');
      if (div) { window.Plotly.purge(div); div.remove(); }
      div = document.createElement('div'); div.id = 'slide-check';
      div.style = 'position:absolute;left:0;top:0;width:1920px;height:1080px;z-index:9999;background:white';
      document.body.appendChild(div);
      spec.layout.width = 1920; spec.layout.height = 1080;
      await window.Plotly.newPlot(div, spec.data, spec.layout,
                                  {staticPlot: true, topojsonURL: '/assets/topojson/'});
      await new Promise(r => setTimeout(r, 800));
      return null;
    }""", spec)
    assert got is None
    texts = slide_page.eval_on_selector("#slide-check", _PLOTLY_TEXTS)
    boxes = texts["boxes"]
    assert boxes, "the slide draws no text"
    assert not _overlapping(boxes), (query, _overlapping(boxes)[:8])
    assert not _cut(boxes, texts["frame"]), (query, _cut(boxes, texts["frame"])[:8])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_legibility006_slide_size_reads_whole_and_header_fits(pages, browser, server_url, size):
    # the slide size beside the header's buttons shows its whole value (not "1920×10…"), and the header still fits
    # the window
    page = _page(pages, browser, server_url, "", size)
    got = page.evaluate("""() => { const v = document.querySelector('#slide-size .dash-dropdown-value');
      const item = v.querySelector('.dash-dropdown-value-item');
      const rg = document.createRange(); rg.selectNodeContents(item);
      const h = document.querySelector('header');
      return {box: v.getBoundingClientRect().width, text: rg.getBoundingClientRect().width, label: item.textContent,
              header: [h.scrollWidth, h.clientWidth]}; }""")
    assert got["label"] == "1920×1080"
    assert got["text"] <= got["box"], got  # a fraction of a px too few is an ellipsis already
    assert got["header"][0] <= got["header"][1], got


@pytest.mark.parametrize("size", SIZES + ((1600, 900),), ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("query", ("", "?type=deportation&movement=stalinism"), ids=("none", "chosen"))
def test_legibility007_filters_read_whole(pages, browser, server_url, query, size):
    # every filter shows its whole placeholder or value ("All event and place types", not "All event an…"; "Event:
    # deportation", not "Event: d…"), the search box its whole placeholder, and the filters make the bar no taller
    # than the period beside them
    page = _page(pages, browser, server_url, query, size)
    got = page.evaluate("""() => {
      const values = Array.from(document.querySelectorAll('.filter-controls .dash-dropdown-value'))
        .map(e => [e.textContent, e.scrollWidth, e.clientWidth]);
      const s = document.querySelector('#search-box'), st = getComputedStyle(s);
      const c = document.createElement('canvas').getContext('2d');
      c.font = `${st.fontStyle} ${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
      const room = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
      const r = sel => document.querySelector(sel).getBoundingClientRect();
      return {values, search: [c.measureText(s.placeholder).width, room],
              bottoms: [r('.filter-controls').bottom, r('.filter-period').bottom]}; }""")
    assert len(got["values"]) == 3, got
    for text, scroll, client in got["values"]:
        assert text and scroll <= client, (size, text, scroll, client)
    if query:
        assert any(t == "Event: deportation" for t, _, _ in got["values"]), got
    assert got["search"][0] <= got["search"][1], (size, got["search"])
    assert got["bottoms"][0] <= got["bottoms"][1] + 0.5, (size, got["bottoms"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_legibility008_empty_network_says_so_in_its_middle(pages, browser, server_url, size):
    # the message of an empty network is written in the middle of the network's area, clear of the panel's head
    # and its legend (it used to be centred on the whole panel, so a tall legend pushed it towards the head)
    page = _page(pages, browser, server_url, "?q=zzzzzz", size)
    got = page.evaluate("""() => {
      const r = sel => { const b = document.querySelector(sel).getBoundingClientRect();
                         return [b.left, b.top, b.right, b.bottom]; };
      const m = document.querySelector('#network-empty');
      return {shown: !m.hidden && m.offsetParent !== null, msg: r('#network-empty'), net: r('#network-graph'),
              head: r('.panel-network .panel-head'), legend: r('.panel-network .network-legend')}; }""")
    assert got["shown"], got
    msg, net = got["msg"], got["net"]
    assert abs((msg[1] + msg[3]) / 2 - (net[1] + net[3]) / 2) <= 2, got
    assert msg[1] >= got["head"][3] and msg[3] <= got["legend"][1], got


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_legibility009_map_head_leaves_the_map_its_room(pages, browser, server_url, size):
    # the map panel's head (the view switch, the presets, the borders, the SVG button) takes one line at 1920×1080
    # and two at 1280×720 (it took three there, the map 180 px tall): the switch's two titles read apart, the
    # shown one marked, and nothing in the head overflows it
    page = _page(pages, browser, server_url, "", size)
    got = page.evaluate("""() => {
      const head = document.querySelector('.panel-map .panel-head');
      const items = [...head.querySelectorAll('#view-switch label, #map-region, #map-borders, .image-buttons')]
        .filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect());
      const labels = [...document.querySelectorAll('#view-switch label')].map(l => {
        const b = l.querySelector('.dash-options-list-option-text').getBoundingClientRect();
        return {left: b.left, right: b.right, selected: l.classList.contains('selected'),
                line: getComputedStyle(l).borderBottomColor, color: getComputedStyle(l).color}; });
      const hb = head.getBoundingClientRect();
      return {tops: items.map(b => b.top), bottoms: items.map(b => b.bottom), rights: items.map(b => b.right),
              head: [hb.left, hb.right], labels}; }""")
    # rows: items whose tops are within 8 px of each other share a line
    tops = sorted(got["tops"])
    lines = 1 + sum(1 for a, b in zip(tops, tops[1:]) if b - a > 8)
    assert lines == (1 if size[0] >= 1920 else 2), (size, got)
    assert max(got["rights"]) <= got["head"][1] + 0.5, got
    shown, hidden = got["labels"]
    assert shown["selected"] and not hidden["selected"], got
    assert hidden["left"] - shown["right"] >= 8, got  # "Deportations and sitesDebates" was one word
    assert shown["line"] != hidden["line"] and shown["color"] != hidden["color"], got
