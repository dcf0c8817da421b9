"""The network follows every filter, and its one model renders the same on the page (cytoscape) and on a slide
(Plotly), with labels that never overlap each other, a node or the frame."""

from __future__ import annotations

import itertools
import math

import pytest

from dashboard.selection import from_query, related_ids, shown, vocab_from_bundle
from dashboard.theme import LIGHT, PALETTES
from dashboard.views.network import (FADED_OPACITY, LABEL_PX, NODE_OPACITY, PANEL_SIZE, PRESENT_LABEL_PX,
                                     network_elements, network_figure, network_model, network_stylesheet, viewport)

STATES = ("", "period=1936-1938", "movement=trotskyism", "period=1941-1949&type=deportation", "period=1953-1967")
SIZES = ((768, 419), (468, 300))


@pytest.fixture(scope="module")
def vocab(bundle):
    return vocab_from_bundle(bundle)


def model_for(bundle, app_ctx, vocab, query: str, size=PANEL_SIZE, present=None):
    sel = from_query(query, vocab)
    m = network_model(bundle, sel, shown(bundle, sel), related_ids(bundle, sel.selected), app_ctx.positions,
                      prep=app_ctx.network, size=size, present=sel.present if present is None else present)
    return sel, m


def drawn_ids(m, strong_only=False) -> set[str]:
    return {n.id for n in m.nodes if not strong_only or n.state != "faded"}


def test_network001_movement_filter_shrinks_to_its_actors_and_partners(bundle, app_ctx, vocab):
    _, everyone = model_for(bundle, app_ctx, vocab, "")
    assert len(everyone.nodes) == len(app_ctx.positions) > 100
    sel, m = model_for(bundle, app_ctx, vocab, "movement=trotskyism")
    ids = drawn_ids(m)
    assert len(ids) < len(app_ctx.positions) / 2, "far fewer than all the actors"
    actors = bundle.actors.set_index("actor_id")
    members = {a for a in app_ctx.positions if "trotskyism" in actors.at[a, "movement_ids"]}
    assert members <= ids
    # everyone else is a partner of a member in a drawn tie, or takes part in a Trotskyist event
    partners = {b for e in m.edges for a, b in ((e.source, e.target), (e.target, e.source)) if a in members}
    sh = shown(bundle, sel)
    events = bundle.events.set_index("event_id").loc[list(sh.event_ids)]
    participants = {a for ids_ in events["actor_ids"] for a in ids_}
    assert ids <= members | partners | participants
    assert all(e.source in ids and e.target in ids for e in m.edges)
    assert all(n.state == "normal" and n.opacity == 1.0 for n in m.nodes)


def test_network002_type_filter_keeps_only_the_participants(bundle, app_ctx, vocab):
    _, everyone = model_for(bundle, app_ctx, vocab, "")
    sel, m = model_for(bundle, app_ctx, vocab, "type=deportation")
    ids = drawn_ids(m)
    assert ids and ids != drawn_ids(everyone)
    sh = shown(bundle, sel)
    events = bundle.events.set_index("event_id").loc[list(sh.event_ids)]
    assert set(events["event_type"]) == {"deportation"}
    participants = {a for ids_ in events["actor_ids"] for a in ids_}
    assert ids == participants & set(app_ctx.positions)
    assert all(e.source in ids and e.target in ids for e in m.edges)
    # the summary counts the ties the network draws
    assert {e.id for e in m.edges} == set(sh.relation_ids)


def test_network003_period_draws_its_ties_and_undated_ones_among_its_actors(bundle, app_ctx, vocab):
    sel, m = model_for(bundle, app_ctx, vocab, "period=1936-1938")
    rel = bundle.relations.set_index("relation_id")
    ids = drawn_ids(m)
    assert 10 < len(ids) < len(app_ctx.positions)
    for e in m.edges:
        r = rel.loc[e.id]
        if e.undated:
            assert r.isna()["year_start"] and r.isna()["year_end"], e.id
            assert e.opacity < NODE_OPACITY["normal"]
        else:
            assert e.id in shown(bundle, sel).relation_ids
            if not r.isna()["year_start"] and not r.isna()["year_end"]:
                assert r["year_start"] <= 1938 and r["year_end"] >= 1936, e.id
    assert any(e.undated for e in m.edges) and any(not e.undated for e in m.edges)


def test_network004_everyone_faded_with_network_all(bundle, app_ctx, vocab):
    _, shrunk = model_for(bundle, app_ctx, vocab, "movement=trotskyism")
    _, m = model_for(bundle, app_ctx, vocab, "movement=trotskyism&network=all")
    assert drawn_ids(m) == set(app_ctx.positions)
    strong = drawn_ids(m, strong_only=True)
    assert strong == drawn_ids(shrunk)
    faded = [n for n in m.nodes if n.id not in strong]
    assert faded and all(n.state == "faded" and n.opacity == FADED_OPACITY for n in faded)
    assert len(m.edges) == len(bundle.relations)
    assert {e.id for e in m.edges if e.state != "faded"} == {e.id for e in shrunk.edges}
    assert not {lb.node_id for lb in m.labels} - strong, "faded actors are not labelled"


def test_network005_selection_is_focus(bundle, app_ctx, vocab):
    _, m = model_for(bundle, app_ctx, vocab, "select=trotsky")
    by_id = {n.id: n for n in m.nodes}
    assert by_id["trotsky"].state == "selected"
    neighbours = {b for e in m.edges for a, b in ((e.source, e.target), (e.target, e.source)) if a == "trotsky"}
    assert neighbours and all(by_id[a].state == "related" for a in neighbours)
    # related: his partners in ties and the others taking part in his events
    related = related_ids(bundle, "trotsky")
    assert all(by_id[a].state == "related" for a in related - {"trotsky"} if a in by_id)
    others = [n for n in m.nodes if n.id not in related]
    assert others and all(n.state == "dim" and n.opacity < 0.5 for n in others)
    labelled = {lb.node_id for lb in m.labels}
    assert "trotsky" in labelled and len(labelled & neighbours) >= len(neighbours) // 2
    assert labelled <= related, "dimmed actors are not labelled"
    assert next(lb for lb in m.labels if lb.node_id == "trotsky").bold
    # an actor selected beyond what the filters show is drawn with its ties to what they show
    _, beyond = model_for(bundle, app_ctx, vocab, "movement=trotskyism&select=tito")
    tito = next(n for n in beyond.nodes if n.id == "tito")
    assert tito.state == "selected" and any("tito" in (e.source, e.target) for e in beyond.edges)
    # positions never jump, whatever the filters
    _, other = model_for(bundle, app_ctx, vocab, "period=1936-1938&movement=trotskyism")
    for n in other.nodes:
        assert (n.x, n.y) == (by_id[n.id].x, by_id[n.id].y) == tuple(app_ctx.positions[n.id])


def _node_px(m):
    return {n.id: (*m.to_px(n.x, n.y), n.size / 2) for n in m.nodes}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("query", STATES + ("select=stalin", "present=1"), ids=lambda q: q or "all")
def test_network006_labels_never_overlap_a_label_a_node_or_the_frame(bundle, app_ctx, vocab, query, size):
    _, m = model_for(bundle, app_ctx, vocab, query, size=size)
    w, h = size
    assert m.labels
    for a, b in itertools.combinations(m.labels, 2):
        assert not (a.box[0] < b.box[2] and b.box[0] < a.box[2] and a.box[1] < b.box[3] and b.box[1] < a.box[3]), \
            (a.text, b.text)
    nodes = _node_px(m)
    strong = {n.id for n in m.nodes if n.state not in ("faded", "dim")}
    for lb in m.labels:
        x0, y0, x1, y1 = lb.box
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, lb
        t = lb.text_box
        for nid in strong - {lb.node_id}:
            cx, cy, r = nodes[nid]
            nx, ny = min(max(cx, t[0]), t[2]), min(max(cy, t[1]), t[3])
            assert math.hypot(nx - cx, ny - cy) >= r - 1e-6, (lb.text, nid)
    # every node drawn lies inside the frame (the viewport fits them)
    for n in m.nodes:
        if n.state != "faded":
            cx, cy, r = nodes[n.id]
            assert r <= cx <= w - r and r <= cy <= h - r, n.id


@pytest.mark.parametrize("query", STATES, ids=lambda q: q or "all")
def test_network007_labels_read_at_the_fitted_zoom(bundle, app_ctx, vocab, query):
    _, m = model_for(bundle, app_ctx, vocab, query)
    vp = viewport(m)
    assert vp["zoom"] == pytest.approx(m.zoom, rel=1e-4)
    els = network_elements(m)
    labelled = [e for e in els if "source" not in e["data"] and e["data"]["text"]]
    assert len(labelled) == len(m.labels) >= 3
    for e in labelled:
        assert e["data"]["font"] * vp["zoom"] >= LABEL_PX - 0.01
        assert "labelled" in e["classes"]
    # the most connected visible actors are labelled first
    if not query:
        assert {"stalin", "trotsky"} <= {lb.node_id for lb in m.labels}
    _, big = model_for(bundle, app_ctx, vocab, query, present=True)
    assert min(lb.font_px for lb in big.labels) >= PRESENT_LABEL_PX
    # the page's cytoscape viewport puts the labels where the model placed them
    for e in labelled:
        lb = next(x for x in m.labels if x.node_id == e["data"]["id"])
        px = e["position"]["x"] * vp["zoom"] + vp["pan"]["x"]
        py = e["position"]["y"] * vp["zoom"] + vp["pan"]["y"]
        half = e["data"]["size"] * vp["zoom"] / 2 + e["data"]["border"] * vp["zoom"] / 2
        x0, y0, x1, y1 = lb.text_box
        mx, my = e["data"]["mx"] * vp["zoom"], e["data"]["my"] * vp["zoom"]
        ax = {"center": px + mx, "right": px + half + mx, "left": px - half + mx}[e["data"]["halign"]]
        ay = {"center": py + my, "bottom": py + half + my, "top": py - half + my}[e["data"]["valign"]]
        want_x = {"center": (x0 + x1) / 2, "right": x0, "left": x1}[e["data"]["halign"]]
        want_y = {"center": (y0 + y1) / 2, "bottom": y0, "top": y1}[e["data"]["valign"]]
        assert ax == pytest.approx(want_x, abs=0.05) and ay == pytest.approx(want_y, abs=0.05)


@pytest.mark.parametrize("query", ("movement=trotskyism&network=all", "select=trotsky", "period=1936-1938"))
def test_network008_plotly_and_cytoscape_draw_the_same(bundle, app_ctx, vocab, query):
    sel, m = model_for(bundle, app_ctx, vocab, query)
    els = network_elements(m)
    fig = network_figure(m, PALETTES[sel.theme])
    cy_nodes = {e["data"]["id"]: e for e in els if "source" not in e["data"]}
    cy_edges = {e["data"]["id"]: e for e in els if "source" in e["data"]}
    actors = next(t for t in fig["data"] if t["name"] == "actors")
    assert set(actors["customdata"]) == set(cy_nodes)
    for i, nid in enumerate(actors["customdata"]):
        el = cy_nodes[nid]
        assert (actors["x"][i], actors["y"][i]) == (el["position"]["x"], el["position"]["y"])
        assert actors["marker"]["color"][i] == el["data"].get("color", LIGHT.no_movement)
        assert actors["marker"]["opacity"][i] == el["data"]["opacity"]
        assert actors["marker"]["size"][i] == pytest.approx(el["data"]["size"] * m.zoom, abs=0.01)
    colours = dict(zip(bundle.movements["movement_id"], bundle.movements["color"]))
    for nd in m.nodes:
        assert nd.color == colours.get(nd.movement)
    # ties: the same set, by style and opacity
    lines = [t for t in fig["data"] if t["name"] == "ties"]
    assert sum(len(t["x"]) // 3 for t in lines) == len(cy_edges) == len(m.edges)
    assert {(t["line"]["color"], t["opacity"]) for t in lines} == \
        {(e["data"]["color"], e["data"]["opacity"]) for e in cy_edges.values()}
    dashes = {t["line"]["dash"] for t in lines}
    assert "dash" in dashes or not any(e.style == "dashed" for e in m.edges)
    if any(e.arrow for e in m.edges):
        assert any(t["name"] == "arrowheads" for t in fig["data"])
    # labels: the same texts, at the same px, in both
    notes = {a["name"][6:]: a for a in fig["layout"]["annotations"]}
    assert set(notes) == {e["data"]["id"] for e in cy_nodes.values() if e["data"]["text"]}
    for lb in m.labels:
        assert notes[lb.node_id]["font"]["size"] == lb.font_px
        assert notes[lb.node_id]["text"].replace("<br>", "\n").replace("<b>", "").replace("</b>", "") == lb.text
    # the figure's axes show exactly the model's viewport
    x0, y0, x1, y1 = m.box
    assert fig["layout"]["xaxis"]["range"] == [x0, x1] and fig["layout"]["yaxis"]["range"] == [y1, y0]
    assert (fig["layout"]["width"], fig["layout"]["height"]) == m.size
    # on a slide's canvas: the same figure on axes of its own
    on20 = network_figure(m, PALETTES[sel.theme], axis=20)
    assert {(t["xaxis"], t["yaxis"]) for t in on20["data"]} == {("x20", "y20")}
    assert on20["layout"]["xaxis20"]["range"] == [x0, x1] and "xaxis" not in on20["layout"]
    assert {(a["xref"], a["yref"]) for a in on20["layout"]["annotations"]} == {("x20", "y20")}


def test_network009_one_table_of_opacities(bundle):
    """The stylesheet reads opacities and sizes from the elements' data: nothing of its own to drift."""
    sheet = network_stylesheet(bundle)
    for rule in sheet:
        style = rule["style"]
        assert "opacity" not in style or style["opacity"] == "data(opacity)", rule
        assert "font-size" not in style or style["font-size"] == "data(font)", rule
    node = next(r for r in sheet if r["selector"] == "node")["style"]
    assert node["text-halign"] == "data(halign)" and node["text-margin-y"] == "data(my)"


def test_network010_old_call_still_works(bundle, app_ctx, vocab):
    sel = from_query("movement=trotskyism", vocab)
    sh = shown(bundle, sel)
    els = network_elements(bundle, sel, sh, frozenset(), app_ctx.positions, prep=app_ctx.network)
    _, m = model_for(bundle, app_ctx, vocab, "movement=trotskyism")
    assert els == network_elements(m)


def test_label_variants_are_made_when_asked_and_kept(bundle):
    """A node's label texts are made when its label is first placed (not for every node up front) and the same
    tuple is read again; they are the name, on two lines when long, on one line, and the short name."""
    from dashboard.context import make_context
    from dashboard.views.network import label_variants

    prep = make_context(bundle).network
    v = prep.variants
    assert len(v) == len(prep.ids) and not v._made
    k = prep.ids.index("trotsky") if "trotsky" in prep.ids else 0
    first = v[k]
    assert v[k] is first and v[-len(v) + k] is first and list(v._made) == [k]
    row = bundle.actors.set_index("actor_id").loc[prep.ids[k]]
    assert first == label_variants(str(row["name"]), row["aliases"])
    assert all(len(lines) == len(widths) and all(w > 0 for w in widths) for lines, widths in first)
    with pytest.raises(IndexError):
        v[len(v)]


def test_network008c_many_ties_are_drawn_straight(bundle, app_ctx, vocab, monkeypatch):
    """Up to BEZIER_MAX_EDGES ties are curves (two ties of one pair side by side), more are straight lines (their
    curves cost the browser most of a change at 100×): every tie or none, by a class the stylesheet styles."""
    from dashboard.views import network

    _, m = model_for(bundle, app_ctx, vocab, "")
    assert 100 < len(m.edges) <= network.BEZIER_MAX_EDGES
    edges = [e for e in network_elements(m) if "source" in e["data"]]
    assert not any("straight" in e["classes"].split() for e in edges)
    monkeypatch.setattr(network, "BEZIER_MAX_EDGES", 100)
    edges = [e for e in network_elements(m) if "source" in e["data"]]
    assert all("straight" in e["classes"].split() for e in edges)
    sheet = network_stylesheet(bundle)
    selectors = [r["selector"] for r in sheet]
    assert selectors.index("edge.straight") > selectors.index("edge")
    assert sheet[selectors.index("edge.straight")]["style"]["curve-style"] == "straight"
    assert sheet[selectors.index("edge")]["style"]["curve-style"] == "bezier"


def test_network008d_an_empty_network_says_why(bundle, app_ctx, vocab):
    from dashboard.views.network import NO_ACTORS_NOTE

    _, m = model_for(bundle, app_ctx, vocab, "type=deportation&movement=trotskyism")
    assert not m.nodes and m.note == NO_ACTORS_NOTE and network_elements(m) == []
    # the slide's rendering says it in its middle too
    fig = network_figure(m, LIGHT)
    (note,) = [a for a in fig["layout"]["annotations"] if a.get("name") == "empty"]
    assert note["text"].lower() == NO_ACTORS_NOTE
    xr, yr = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
    assert note["x"] == pytest.approx(sum(xr) / 2) and note["y"] == pytest.approx(sum(yr) / 2)
    _, m = model_for(bundle, app_ctx, vocab, "period=1936-1938")
    assert m.nodes and m.note != NO_ACTORS_NOTE
