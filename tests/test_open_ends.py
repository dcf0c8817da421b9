"""Open ends fade in every view: a record counted for a period only through the assumed years of an open end
("from 1936" is 1936/..) is drawn pale on the map and in the network, as the timeline draws its fading tail."""

from __future__ import annotations

import numpy as np

from dashboard.selection import Selection, open_mask, shown
from dashboard.theme import OPEN_OPACITY
from dashboard.views.map import map_figure
from dashboard.views.network import network_model


def _row(df, key, rid):
    return int(np.flatnonzero(df[key].to_numpy() == rid)[0])


def test_open_end_counts_as_open_only_after_its_known_start(bundle):
    rel = bundle.relations
    k = _row(rel, "relation_id", "rel_asl_cannon_supported_trotsky")
    assert rel.at[rel.index[k], "when"] == "1936/.."
    inside, after = shown(bundle, Selection(1936, 1938)), shown(bundle, Selection(1940, 1941))
    assert inside.masks["relations"][k] and not open_mask(bundle, inside, "relations")[k]
    assert after.masks["relations"][k] and open_mask(bundle, after, "relations")[k]
    # no period: nothing is open-only
    assert not open_mask(bundle, shown(bundle, Selection()), "relations").any()


def test_network_draws_an_open_ended_tie_pale(bundle):
    sel = Selection(1940, 1941)
    sh = shown(bundle, sel)
    m = network_model(bundle, sel, sh, frozenset())
    edge = {e.id: e for e in m.edges}["rel_asl_cannon_supported_trotsky"]
    assert edge.state == "undated" and edge.opacity < 0.85
    m2 = network_model(bundle, Selection(1936, 1938), shown(bundle, Selection(1936, 1938)), frozenset())
    assert {e.id: e for e in m2.edges}["rel_asl_cannon_supported_trotsky"].state == "normal"


def test_map_draws_sites_shown_only_by_an_open_end_pale(bundle):
    # find a period where some site is shown only through an open-ended event
    for start in range(1925, 1990):
        sel = Selection(start, start + 1)
        sh = shown(bundle, sel)
        pl_open = open_mask(bundle, sh, "places")
        if pl_open.any():
            break
    else:
        raise AssertionError("no site is shown only through an open end in any two-year period")
    fig = map_figure(bundle, sel, sh, frozenset())
    pid = bundle.places["place_id"].to_numpy()[np.flatnonzero(pl_open)[0]]
    ops = {}
    for t in fig["data"]:
        for cd, op in zip(t.get("customdata") or [], (t.get("marker") or {}).get("opacity") or []):
            if isinstance(op, float):
                ops[cd] = op
    assert ops.get(pid) == OPEN_OPACITY
    assert any(t.get("name") == "pale: date open-ended" for t in fig["data"])
    # a site an event of the period dates firmly is drawn strongly
    strong = [p for p, op in ops.items() if op == 1.0]
    assert strong or len(ops) == 1


def test_dates_text_moves_the_deportations_back_to_the_texts_span(bundle):
    """The Chechens' route: 1944 from outside the texts (refined, drawn by default), "shortly before, during and
    after World War II" in the text (1939~/1949). In 1940 only the texts' dates show it; in 1944 both do."""
    k = _row(bundle.routes, "route_id", "rt_chechens")
    for year, refined, text in ((1940, False, True), (1944, True, True)):
        assert shown(bundle, Selection(year, year)).masks["routes"][k] == refined
        assert shown(bundle, Selection(year, year, dates="text")).masks["routes"][k] == text
