"""dashboard.static_html: dash.html trees written as escaped HTML (the source panel and the network's legend travel
so: one component instead of dozens)."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from dash import dcc, html

from dashboard import ids
from dashboard.context import source_panel
from dashboard.layout import network_legend_children
from dashboard.selection import Selection
from dashboard.static_html import HtmlBlock, static_block, to_html


class _Tree(HTMLParser):
    """The elements (tag, attributes) and the text of an HTML string, as a browser's parser reads them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parsed(markup: str) -> _Tree:
    t = _Tree()
    t.feed(markup)
    t.close()
    return t


def _tags_and_text(node, tags: list, text: list) -> None:
    """The same, read from the component tree itself."""
    if node is None or isinstance(node, bool):
        return
    if isinstance(node, (str, int, float)):
        text.append(str(node))
        return
    if isinstance(node, (list, tuple)):
        for c in node:
            _tags_and_text(c, tags, text)
        return
    tags.append(node._type.lower())
    _tags_and_text(getattr(node, "children", None), tags, text)


def test_text_and_attributes_are_escaped():
    hostile = '<script>alert("x")</script> & "quotes"'
    markup = to_html(html.Div(hostile, title=hostile, className="a\" onmouseover=\"x", **{"data-x": "<b>"}))
    parsed = _parsed(markup)
    assert [t for t, _ in parsed.tags] == ["div"]  # no element came from a text or an attribute
    attrs = parsed.tags[0][1]
    assert attrs == {"title": hostile, "class": 'a" onmouseover="x', "data-x": "<b>"}
    assert "".join(parsed.text) == hostile


def test_ids_styles_and_booleans_are_written_as_dash_writes_them():
    markup = to_html([
        html.Button("Trotsky", id=ids.cite_link("trotsky"), className="link-button", n_clicks=3),
        html.Span("tie", style={"--edge": "2px solid #333", "fontSize": "10px"}),
        html.Details([html.Summary("More")], open=True), html.Details("shut", open=False),
    ])
    parsed = _parsed(markup)
    button = parsed.tags[0][1]
    # a pattern-matching id as the page's scripts parse it (Dash's own form: keys sorted, no spaces)
    assert json.loads(button["id"]) == ids.cite_link("trotsky")
    assert button["id"] == json.dumps(ids.cite_link("trotsky"), sort_keys=True, separators=(",", ":"))
    assert "n_clicks" not in markup
    assert parsed.tags[1][1]["style"] == "--edge: 2px solid #333; font-size: 10px"
    assert parsed.tags[2] == ("details", {"open": None}) and parsed.tags[4] == ("details", {})


@pytest.mark.parametrize("tree", [
    dcc.Input(id="x"),  # another library's component needs its own code in the browser
    html.A("x", href="javascript:alert(1)"),
    html.A("x", href=" JaVaScRiPt:alert(1)"),
    html.A("x", href="data:text/html,<script>"),
    html.Div("x", style="color: red"),
    html.Img(src="x.png"),  # a prop this module does not write
    html.A("x", href="//elsewhere.example/x"),  # another site, protocol-relative
    html.A("x", href="/\\elsewhere.example/x"),
    html.Span("x", style={"color": "red; background: url(/x)"}),  # a second declaration, a fetch
    html.Span("x", style={"background": "url(/x)"}),
    html.Span("x", style={"color": "red\"><b>"}),
    html.Span("x", **{"data-x onmouseover=alert(1) y": 1}),  # an attribute name that is two
])
def test_what_cannot_be_written_safely_is_refused(tree):
    with pytest.raises(ValueError):
        to_html(tree)


def test_links_to_the_page_and_the_web_are_kept():
    for href in ("?select=trotsky", "#source", "/coverage?doc=a", "coverage?doc=a", "https://example.org/x"):
        assert _parsed(to_html(html.A("x", href=href))).tags[0][1]["href"] == href


@pytest.mark.parametrize("sel", [Selection(), Selection(year_start=1936, year_end=1938),
                                 Selection(selected="trotsky"), Selection(year_start=1920, year_end=1930, q="party")])
def test_the_source_panel_and_legend_read_the_same_as_html(app_ctx, sel):
    """What the browser builds from the HTML is the component tree's elements and text, in order."""
    for tree in (source_panel(app_ctx, sel), network_legend_children(app_ctx.legend_for(sel))):
        tags, text = [], []
        _tags_and_text(tree, tags, text)
        parsed = _parsed(to_html(tree))
        assert [t for t, _ in parsed.tags] == tags
        assert "".join(parsed.text) == "".join(text)
        block = static_block(tree)
        assert isinstance(block, HtmlBlock) and block.to_plotly_json()["namespace"] == "dashboard_static"
