"""The field's formats from the page: the header's Gazetteer · Gephi menu and Cite this view, in headless Chromium."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import networkx as nx
import pytest

from tests.browser.test_dashboard import TIMEOUT, open_app

pytestmark = pytest.mark.browser

QUERY = "?period=1936-1938&movement=trotskyism"
SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "lpf-v1.1.schema.json").read_text(encoding="utf-8"))


def _download(page, selector: str):
    with page.expect_download(timeout=TIMEOUT) as d:
        page.click(selector)
    return d.value.suggested_filename, Path(d.value.path()).read_bytes()


def test_field001_cite_this_view_names_the_state_and_the_day(dash_page):
    page = open_app(dash_page, QUERY)
    page.click("text=Cite this view")
    page.wait_for_function("() => document.querySelector('#cite-view-text').textContent.includes('period=')",
                           timeout=TIMEOUT)
    text = page.locator("#cite-view-text").inner_text()
    assert text.startswith("Stalinism and the anti-Stalinist left") and "version" in text
    assert dash_page.base + "/" + QUERY in text and "Trotskyism and the Left Opposition" in text
    today = dt.date.today()
    assert f"{today.day} {today.strftime('%B')} {today.year}" in text
    assert page.locator("#cite-view-text").bounding_box()["width"] > 200  # the panel is open and readable
    name, data = _download(page, "#download-bib-button")
    assert name == "sources.bib" and data.count(b"@misc{") == 2 and today.isoformat().encode() in data
    name, data = _download(page, "#download-csl-button")
    assert name == "sources.csl.json" and len(json.loads(data)) == 2
    assert not dash_page.console_errors, dash_page.console_errors


def test_field002_places_and_network_of_what_is_shown(dash_page, tmp_path):
    page = open_app(dash_page, QUERY)
    page.click("text=Gazetteer · Gephi")
    name, data = _download(page, "#download-lpf-button")
    assert name == "places_1936-1938_trotskyism.lpf.json"
    doc = json.loads(data)
    jsonschema.validate(doc, SCHEMA)
    assert 0 < len(doc["features"]) < 49
    name, data = _download(page, "#download-gexf-button")
    assert name == "network_1936-1938_trotskyism.gexf"
    (tmp_path / name).write_bytes(data)
    G = nx.read_gexf(tmp_path / name)
    assert G.number_of_nodes() > 5 and G.graph["mode"] == "dynamic"
    name, data = _download(page, "#download-graphml-button")
    assert name.endswith(".graphml") and b"<graphml" in data
    assert not dash_page.console_errors, dash_page.console_errors
