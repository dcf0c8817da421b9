"""Pure figure builders: given frames and a selection, the right marks, colours, highlights, as-of network."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.selection import Selection, happening_count, related_ids, shown
from dashboard.theme import DIM_OPACITY, EDGE_STYLES, PLACE_SYMBOLS
from dashboard.views.map import map_figure as _map_figure, route_width
from dashboard.views.network import network_elements, network_positions, network_stylesheet
from dashboard.views.source import source_model
from dashboard.views.timeline import timeline_figure as _timeline_figure


def _draw(bundle, sel):
    return shown(bundle, sel), related_ids(bundle, sel.selected)


def timeline_figure(*args, **kw):
    """The builder returns plotly's JSON form; go.Figure validates it against plotly's schema."""
    fig = _timeline_figure(*args, **kw)
    assert isinstance(fig, dict)
    return go.Figure(fig)


def map_figure(*args, **kw):
    fig = _map_figure(*args, **kw)
    assert isinstance(fig, dict)
    return go.Figure(fig)


def _route_ids(fig) -> set:
    return {c for t in fig.data if t.mode == "lines+markers" for c in t.customdata if c}


def _event_trace(fig):
    return next(t for t in fig.data if t.name == "Events")


def test_timeline_marks_carry_event_ids(bundle):
    sel = Selection(1936, 1938)
    sh, rel = _draw(bundle, sel)
    fig = timeline_figure(bundle, sel, sh, rel)
    assert isinstance(fig, go.Figure)
    ids = set(_event_trace(fig).customdata)
    ev = bundle.events.set_index("event_id")
    # one mark per happening: every shown event's happening is drawn once, by one of its records
    assert ids <= set(sh.event_ids)
    assert {ev.at[e, "happening_id"] for e in ids} == {ev.at[e, "happening_id"] for e in sh.event_ids}
    assert list(fig.layout.xaxis.range) == [1936, 1939]


def test_timeline_lanes_use_movement_colours(bundle):
    sel = Selection(movement_ids=("trotskyism",))
    sh, rel = _draw(bundle, sel)
    fig = timeline_figure(bundle, sel, sh, rel)
    colour = bundle.movements.set_index("movement_id").at["trotskyism", "color"]
    tr = _event_trace(fig)
    lanes = fig.layout.yaxis.ticktext
    assert any("Trotskyism" in t and colour in t for t in lanes)
    assert colour in set(tr.marker.color)


def test_timeline_ranges_drawn_as_bars(bundle):
    sh, rel = _draw(bundle, Selection())
    fig = timeline_figure(bundle, Selection(), sh, rel)
    bars = [t for t in fig.data if t.mode == "lines"]
    assert bars, "year ranges should be drawn as bars"
    assert any(len(t.x) >= 3 for t in bars)


def test_timeline_highlights_related(bundle):
    sel = Selection(selected="trotsky")
    sh, rel = _draw(bundle, sel)
    tr = _event_trace(timeline_figure(bundle, sel, sh, rel))
    op = dict(zip(tr.customdata, tr.marker.opacity))
    ev = bundle.events.set_index("event_id")
    related_happenings = {ev.at[k, "happening_id"] for k in rel if k in ev.index}
    assert any(v == 1.0 for k, v in op.items() if k in rel)
    # a mark stands for its happening: strong when any of the happening's records is related
    assert all(v == DIM_OPACITY for k, v in op.items() if ev.at[k, "happening_id"] not in related_happenings)


def test_timeline_section_bands(bundle):
    sh, rel = _draw(bundle, Selection())
    fig = timeline_figure(bundle, Selection(), sh, rel)
    n_sections = (bundle.periods["period_type"] == "section").sum()
    assert len([s for s in fig.layout.shapes if s.type == "rect"]) >= n_sections


def test_timeline_estimates_series(bundle):
    sel = Selection(1937, 1938)
    sh, rel = _draw(bundle, sel)
    fig = timeline_figure(bundle, sel, sh, rel)
    est = next(t for t in fig.data if t.name == "Estimates")
    assert set(est.customdata) <= set(sh.estimate_ids)
    assert fig.layout.yaxis2.type == "log"


def test_map_sites_and_routes(bundle):
    sel = Selection()
    sh, rel = _draw(bundle, sel)
    fig = map_figure(bundle, sel, sh, rel)
    site_ids = {c for t in fig.data if t.customdata is not None and t.mode == "markers+text" for c in t.customdata}
    assert site_ids == set(sh.place_ids)
    assert _route_ids(fig) == set(sh.route_ids)
    # direction: per route origin, a point before the arrowhead, the arrowhead pointing along the line, destination
    for route in (t for t in fig.data if t.mode == "lines+markers"):
        assert route.marker.angleref == "previous"
        assert list(route.marker.symbol[2::5]) == ["triangle-up"] * (len(route.lon) // 5)
        assert all(v is None for v in route.lon[4::5])  # gaps between routes
    for t in fig.data:
        if t.mode == "markers+text":
            assert t.marker.symbol in set(PLACE_SYMBOLS.values())


def test_map_implied_origin_dashed_and_approximate_halo(bundle):
    sel = Selection()
    sh, rel = _draw(bundle, sel)
    fig = map_figure(bundle, sel, sh, rel)
    routes = bundle.routes.set_index("route_id")
    for t in fig.data:
        if t.mode == "lines+markers":
            for rid in filter(None, t.customdata):
                assert (t.line.dash == "dash") == bool(routes.at[rid, "origin_implied"])
    assert any("approximate" in (t.name or "") for t in fig.data)


def test_map_follows_period(bundle):
    a = Selection(1941, 1949)
    b = Selection(1920, 1925)
    fa = map_figure(bundle, a, *_draw(bundle, a))
    fb = map_figure(bundle, b, *_draw(bundle, b))
    assert len(_route_ids(fa)) > len(_route_ids(fb))


def test_route_width_grows_with_count():
    assert route_width(None, None) < route_width(10_000, 10_000) < route_width(1_000_000, 1_000_000)


def test_network_positions_are_stable(bundle):
    a = network_positions(bundle)
    b = network_positions(bundle)
    assert a == b and len(a) > 20


def test_network_as_of_and_styles(bundle):
    pos = network_positions(bundle)
    sel = Selection(1948, 1948)
    sh, rel = _draw(bundle, sel)
    els = network_elements(bundle, sel, sh, rel, pos)
    edges = {e["data"]["id"]: e for e in els if "source" in e["data"]}
    # the ties of the period (and undated ones) among its actors, nothing faded
    assert set(edges) == set(sh.relation_ids) and not any("faded" in e["classes"] for e in edges.values())
    # with network=all, every tie: those outside the period (or of actors it does not show) faded
    every = Selection(1948, 1948, network="all")
    els = network_elements(bundle, every, sh, rel, pos)
    edges = {e["data"]["id"]: e for e in els if "source" in e["data"]}
    faded = {k for k, e in edges.items() if "faded" in e["classes"]}
    assert faded == set(bundle.relations["relation_id"]) - set(sh.relation_ids)
    assert set(sh.faded_relation_ids) <= faded
    undated = {k for k, e in edges.items() if "undated" in e["classes"]}
    assert undated and undated - faded
    nodes = [e for e in els if "source" not in e["data"]]
    assert all(e["position"] == {"x": pos[e["data"]["id"]][0], "y": pos[e["data"]["id"]][1]} for e in nodes)
    sheet = network_stylesheet(bundle)
    selectors = {s["selector"] for s in sheet}
    assert {f"edge.rel-{t}" for t in EDGE_STYLES} <= selectors
    opposed = next(s for s in sheet if s["selector"] == "edge.rel-opposed")
    assert opposed["style"]["line-style"] == "dashed"
    executed = next(s for s in sheet if s["selector"] == "edge.rel-executed")
    assert executed["style"]["target-arrow-shape"] == "triangle"


def test_network_selection_highlight(bundle):
    pos = network_positions(bundle)
    sel = Selection(selected="trotsky")
    sh, rel = _draw(bundle, sel)
    els = {e["data"]["id"]: e for e in network_elements(bundle, sel, sh, rel, pos)}
    assert "selected" in els["trotsky"]["classes"]
    neighbour = next(e for e in els.values() if "source" in e["data"] and e["data"]["source"] == "trotsky")
    assert "related" in els[neighbour["data"]["target"]]["classes"]


def test_source_model_highlights_quote(bundle):
    ev = bundle.events.iloc[0]
    m = source_model(bundle, ev["event_id"])
    assert m.quote == ev["quote"]
    assert m.section == (ev["section"] or "Introduction")
    assert m.doc_title in set(bundle.documents["title"])
    assert source_model(bundle, None) is None and source_model(bundle, "nope") is None


def test_source_model_marks_outside_text(bundle):
    pl = bundle.places.iloc[0]
    m = source_model(bundle, pl["place_id"])
    assert any(k == "Coordinates" for k, _ in m.outside)


def test_timeline_survives_crowded_lanes(bundle, frames):
    from tools.bench import synthetic_frames
    from dashboard.frames import bundle_from_frames

    big = bundle_from_frames(synthetic_frames(frames, 10))
    sel = Selection(1936, 1938)
    sh, rel = _draw(big, sel)
    fig = timeline_figure(big, sel, sh, rel)
    assert len(_event_trace(fig).customdata) >= 10 * len(shown(bundle, sel).event_ids) * 0.5


def test_timeline_counts_per_year_when_too_dense(bundle, frames):
    from tools.bench import synthetic_frames
    from dashboard.frames import bundle_from_frames
    from dashboard.views.timeline import MAX_EVENT_MARKS

    big = bundle_from_frames(synthetic_frames(frames, 10))
    sel = Selection()
    sh, rel = _draw(big, sel)
    fig = timeline_figure(big, sel, sh, rel)
    marks = len(set(big.events["happening_id"]))  # one mark per happening
    assert marks > MAX_EVENT_MARKS
    heat = next(t for t in fig.data if t.type == "heatmap")
    assert sum(v for row in heat.z for v in row if v) == marks  # every happening counted once, in its lane
    assert not any(t.name == "Events" for t in fig.data)
    # a narrow period shows the events themselves again
    narrow = Selection(1937, 1937)
    fig = timeline_figure(big, narrow, *_draw(big, narrow))
    ev = big.events.set_index("event_id")
    drawn = {ev.at[e, "happening_id"] for e in _event_trace(fig).customdata}
    assert drawn == {ev.at[e, "happening_id"] for e in shown(big, narrow).event_ids}


def test_map_groups_sites_and_routes_at_scale(frames):
    from tools.bench import synthetic_frames
    from dashboard.frames import bundle_from_frames
    from dashboard.views.map import MAX_ROUTE_MARKS, MAX_SITE_MARKS

    big = bundle_from_frames(synthetic_frames(frames, 30))
    sel = Selection()
    sh, rel = _draw(big, sel)
    assert len(sh.place_ids) > MAX_SITE_MARKS and len(sh.route_ids) > MAX_ROUTE_MARKS
    fig = map_figure(big, sel, sh, rel)
    grouped = next(t for t in fig.data if t.name == "Sites (grouped)")
    assert sum(int(t) if t else 1 for t in grouped.text) == len(sh.place_ids)
    assert set(grouped.customdata) <= set(sh.place_ids)
    route_marks = sum(len(t.lon) // 3 for t in fig.data if t.mode == "lines")
    assert route_marks < len(sh.route_ids)


def test_network_capped_to_most_connected(frames):
    from tools.bench import synthetic_frames
    from dashboard.frames import bundle_from_frames
    from dashboard.views.network import MAX_NETWORK_NODES

    big = bundle_from_frames(synthetic_frames(frames, 10))
    pos = network_positions(big)
    assert len(pos) > MAX_NETWORK_NODES
    sel = Selection(selected="trotsky_x3")
    sh, rel = _draw(big, sel)
    els = network_elements(big, sel, sh, rel, pos)
    nodes = {e["data"]["id"] for e in els if "source" not in e["data"]}
    assert len(nodes) <= MAX_NETWORK_NODES and "trotsky_x3" in nodes
    ties = big.actors.set_index("actor_id")["tie_count"]
    dropped = set(pos) - nodes - rel
    assert max(ties[list(dropped)]) <= min(ties[list(nodes - rel)])  # the most connected are kept
    assert all(e["data"]["source"] in nodes and e["data"]["target"] in nodes for e in els if "source" in e["data"])


def test_map_names_sites_outside_the_region(bundle):
    sel = Selection(1936, 1938, ("trotskyism",), region="ussr")
    fig = map_figure(bundle, sel, *_draw(bundle, sel))
    notes = [a.text for a in fig.layout.annotations if a.text.startswith("Outside this view")]
    assert notes and "Mexico" in notes[0]
    world = Selection(1936, 1938, ("trotskyism",), region="world")
    fig = map_figure(bundle, world, *_draw(bundle, world))
    assert not any(a.text.startswith("Outside this view") for a in fig.layout.annotations)


def test_view_text_describes_every_view_for_screen_readers(app_ctx, bundle):
    from dashboard.context import render
    from dashboard.views.text import view_text

    sel = Selection(1936, 1938, selected="trotsky")
    out = render(app_ctx, sel)
    text = view_text(bundle, out)
    sh = shown(bundle, sel)
    assert f"Timeline: {happening_count(bundle, sh)} events from " in text
    routes = len(sh.route_ids)
    assert f"Map: {len(sh.place_ids)} sites" in text
    assert f"{routes} deportation route{'' if routes == 1 else 's'}" in text
    assert f"Network: {len(sh.relation_ids)} ties" in text
    assert "Selected: Actor, Leon Trotsky" in text and out.source.quote in text
    empty = render(app_ctx, Selection(q="zzzz-nothing"))
    assert "no events match" in view_text(bundle, empty)


def test_source_overview_for_1936_1938(bundle):
    """Nothing selected: the panel says what the views show, from the frames (period=1936-1938)."""
    from dashboard.views.source import overview_model

    sel = Selection(1936, 1938)
    sh = shown(bundle, sel)
    ov = overview_model(bundle, sel, sh)
    assert ov.period == "1936–1938"
    periods = bundle.periods
    section = periods[(periods["period_type"] == "section") & (periods["year_start"] <= 1938)
                      & (periods["year_end"] >= 1936)]
    assert [s.period_id for s in ov.sections] == list(section["period_id"])
    (opening,) = ov.sections
    row = section.iloc[0]
    assert opening.heading == row["label"] and "(1930–1939)" in opening.heading
    # the first sentence of that section in its text, verbatim (checked against the text file itself)
    p = bundle.passages
    first = p[(p["doc_id"] == row["doc_id"]) & (p["section"] == row["section"]) & (p["passage_type"] == "sentence")]
    first = first.sort_values("char_start").iloc[0]
    from dashboard.views.source import _doc_text
    assert opening.sentence == _doc_text(bundle, row["doc_id"])[first["char_start"]:first["char_end"]]
    assert opening.sentence.startswith("During the 1930s, critics of Stalin")
    assert opening.doc_title == "Anti-Stalinist left"
    # the events listed are shown, most important first, each once; the rest are counted
    listed = [e.event_id for e in ov.events]
    assert 5 <= len(listed) <= 8 and len(set(listed)) == len(listed)
    assert set(listed) <= set(sh.event_ids)
    assert "ev_great_terror_executions" in listed[:3]
    assert len(listed) + ov.more_events <= len(sh.event_ids)
    ev = bundle.events.set_index("event_id")
    assert all(ev.at[e, "year_start"] >= 1936 for e in listed[:5]), "what began in these years comes first"
    # events count happenings: 44 records in 1936–1938, the Moscow Trials and the Great Purge told by both texts
    assert dict(ov.counts)["events"] == happening_count(bundle, sh) < len(sh.event_ids)
    assert dict(ov.counts) == {"events": happening_count(bundle, sh), "sites": len(sh.place_ids),
                               "routes": len(sh.route_ids), "ties": len(sh.relation_ids),
                               "estimates": len(sh.estimate_ids)}


def test_source_overview_lists_periods_and_renders_links(bundle):
    from dash import html

    from dashboard import ids
    from dashboard.views.source import overview_model, render_source

    everything = overview_model(bundle, Selection(), shown(bundle, Selection()))
    assert everything.period.startswith("All years, ")
    assert len(everything.sections) == (bundle.periods["period_type"] == "section").sum()
    assert not any(s.sentence for s in everything.sections), "all years: the periods are listed, not quoted"
    later = overview_model(bundle, Selection(1953, 1967), shown(bundle, Selection(1953, 1967)))
    quoted = [s.heading for s in later.sections if s.sentence]
    assert quoted[0].startswith("After the death of Stalin")
    empty = overview_model(bundle, make_sel := Selection(q="zzzz no such words"), shown(bundle, make_sel))
    assert empty.events == () and dict(empty.counts)["events"] == 0

    sel = Selection(1936, 1938)
    ov = overview_model(bundle, sel, shown(bundle, sel))
    div = render_source(None, ov)

    def walk(c):
        yield c
        kids = getattr(c, "children", None)
        for k in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            yield from walk(k)

    buttons = [c for c in walk(div) if isinstance(c, html.Button)]
    assert [b.id for b in buttons] == [ids.cite_link(e.event_id) for e in ov.events]
    text = " ".join(str(c) for c in walk(div) if isinstance(c, str))
    assert ov.sections[0].sentence in text and f"{happening_count(bundle, shown(bundle, sel))} events" in text


def test_summary_line_counts_happenings(bundle):
    from dashboard.selection import summary, vocab_from_bundle
    sel = Selection(1936, 1938)
    sh = shown(bundle, sel)
    ev = bundle.events[bundle.events["event_id"].isin(sh.event_ids)]
    n = ev["happening_id"].nunique()
    assert n < len(ev)  # both texts tell the Moscow Trials and the Great Purge
    assert f"· {n} events," in summary(bundle, sel, vocab_from_bundle(bundle), sh)
