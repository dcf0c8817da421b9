"""The shared Selection: filters → record subsets, URL ↔ selection round trip, malformed input, events."""

from __future__ import annotations

import numpy as np

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.selection import (Q_MAX_CHARS, Selection, apply_event, from_dict, from_query, related_ids,
                                 same_passage_ids, shown, summary, to_query, vocab_from_bundle)


@pytest.fixture(scope="module")
def vocab(bundle):
    return vocab_from_bundle(bundle)


def test_url_round_trip(bundle, vocab):
    ev = bundle.events["event_id"].iloc[0]
    sel = from_query(f"?period=1936-1938&movement=trotskyism,anarchism&type=purge&q=kirov&select={ev}", vocab)
    assert sel == Selection(1936, 1938, ("trotskyism", "anarchism"), ("purge",), "kirov", ev)
    assert from_query(to_query(sel), vocab) == sel
    assert from_dict(sel.to_dict(), vocab) == sel


@pytest.mark.parametrize("query", [
    "?period=abc", "?period=2500-2600", "?movement=nonsense,%3Cscript%3E", "?select=<img src=x>",
    "?type=../../etc", "?period=1938-1936x", "?lanes=diagonal&region=mars", "??&&==", "?period=" + "9" * 5000,
    "?q=" + "a" * 20000,
])
def test_malformed_urls_fall_back_to_defaults(vocab, query):
    sel = from_query(query, vocab)
    assert sel.movement_ids == () and sel.types == () and sel.selected is None
    assert sel.lanes == "movement" and sel.region == "fit"
    assert len(sel.q) <= Q_MAX_CHARS


def test_reversed_period_is_swapped_and_clamped(vocab):
    sel = from_query("?period=1938-1936", vocab)
    assert (sel.year_start, sel.year_end) == (1936, 1938)
    sel = from_query("?period=1000-1925", vocab)
    assert sel.year_start == vocab.year_min and sel.year_end == 1925


def test_full_span_means_no_period(vocab):
    sel = apply_event(Selection(), vocab, "period_slider", [vocab.year_min, vocab.year_max])
    assert not sel.has_period


@given(text=st.text(max_size=300))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_query_string_parses(vocab, text):
    sel = from_query(text, vocab)
    assert from_query(to_query(sel), vocab) == sel


def test_period_filter_limits_events(bundle):
    from dashboard.dates import OPEN_END_YEARS, year_arrays

    sh = shown(bundle, Selection(1936, 1938))
    assert len(sh.event_ids) > 5
    ya = year_arrays(bundle.events, "refined")  # the refined date where there is one; open ends count a few years
    start = np.where(np.isnan(ya.start), ya.end - OPEN_END_YEARS, ya.start)
    end = np.where(np.isnan(ya.end), ya.start + OPEN_END_YEARS, ya.end)
    picked = bundle.events["event_id"].isin(sh.event_ids).to_numpy()
    assert ((start[picked] <= 1938) & (end[picked] >= 1936)).all()
    assert not ((start[~picked] <= 1938) & (end[~picked] >= 1936)).any()
    everything = shown(bundle, Selection())
    assert len(everything.event_ids) == len(bundle.events)


def test_movement_filter(bundle):
    sh = shown(bundle, Selection(movement_ids=("trotskyism",)))
    ev = bundle.events.set_index("event_id").loc[list(sh.event_ids)]
    assert len(ev) and ev["movement_ids"].map(lambda m: "trotskyism" in m).all()
    # the movement's members, the participants of its events and their partners in its ties: nobody else
    actors = bundle.actors.set_index("actor_id")
    members = set(actors.index[actors["movement_ids"].map(lambda m: "trotskyism" in m)])
    assert members <= set(sh.actor_ids)
    participants = {a for ids in ev["actor_ids"] for a in ids}
    ties = bundle.relations.set_index("relation_id").loc[list(sh.relation_ids)]
    partners = {b for s, t in zip(ties["source_id"], ties["target_id"]) for a, b in ((s, t), (t, s)) if a in members}
    assert set(sh.actor_ids) == members | participants | partners
    assert len(sh.actor_ids) < len(actors) / 3
    assert set(ties["source_id"]) | set(ties["target_id"]) <= set(sh.actor_ids)


def test_type_and_search_filters(bundle):
    sh = shown(bundle, Selection(types=("purge",)))
    types = set(bundle.events.set_index("event_id").loc[list(sh.event_ids), "event_type"])
    assert types == {"purge"}
    sh = shown(bundle, Selection(q="Kirov"))
    titles = bundle.events.set_index("event_id").loc[list(sh.event_ids)]
    assert len(titles) and all("kirov" in (t + q).lower() or "kirov" in t.lower()
                               for t, q in zip(titles["title"], titles["quote"]))


@pytest.mark.parametrize("q", ["purge", "TROTSKY", "deport", "1937", "Kronstadt", "party", "“", "e", "zzzz",
                               "of the", "straße", "\x00", "ł"])
def test_search_finds_what_a_row_by_row_search_finds(bundle, q):
    """The search box finds the rows whose searched columns hold the words, casefolded, no more and no fewer."""
    from dashboard.index import SEARCH_COLUMNS

    ix = bundle.index
    for name in ("routes", "places", "actors", "estimates"):
        df = bundle.frame(name)
        hay = [" ".join(str(v) if isinstance(v, str) else "" for v in row).casefold()
               for row in zip(*(df[c] for c in SEARCH_COLUMNS[name]))]
        want = np.array([q.casefold() in h for h in hay], dtype=bool) if q != "\x00" else np.zeros(len(df), bool)
        assert (getattr(ix, name).matches(q) == want).all(), name


@pytest.mark.parametrize("sel", [Selection(), Selection(1936, 1938), Selection(movement_ids=("trotskyism",)),
                                 Selection(q="purge")], ids=("all", "period", "movement", "search"))
def test_shown_holds_masks_and_gives_ids_from_them(bundle, sel):
    """Shown keeps masks only; its ids are the masked rows' ids in frame order (the actors sorted), and `count`
    says how many without making them."""
    sh = shown(bundle, sel)
    for name, field_ in (("events", "event_ids"), ("places", "place_ids"), ("routes", "route_ids"),
                         ("relations", "relation_ids"), ("estimates", "estimate_ids")):
        ids = bundle.frame(name).iloc[:, 0].to_numpy(dtype=object)
        assert getattr(sh, field_) == tuple(ids[sh.masks[name]]) and sh.count(name) == len(getattr(sh, field_))
    actors = bundle.actors["actor_id"].to_numpy(dtype=object)
    assert sh.actor_ids == tuple(sorted(actors[sh.masks["actors"]])) and sh.count("actors") == len(sh.actor_ids)
    faded = bundle.relations["relation_id"].to_numpy(dtype=object)[sh.masks["relations_faded"]]
    assert sh.faded_relation_ids == tuple(faded) and sh.count("relations_faded") == len(faded)
    assert not set(sh.relation_ids) & set(sh.faded_relation_ids)


def test_network_as_of_period(bundle):
    rel = bundle.relations
    span = bundle.index.relations.spans["refined"]  # the years a tie counts for (open ends: a few years)
    sh = shown(bundle, Selection(1948, 1948))
    in_1948 = span.dated & (span.start <= 1948) & (span.end >= 1948)
    full = rel["relation_id"].isin(sh.relation_ids).to_numpy()
    faded = rel["relation_id"].isin(sh.faded_relation_ids).to_numpy()
    assert full.any() and faded.any()
    assert (in_1948 | ~span.dated)[full].all()  # shown ties: of the period, or undated
    assert not in_1948[faded].any()  # faded ties: outside it
    on = set(sh.actor_ids)
    ends = set(rel.loc[full, "source_id"]) | set(rel.loc[full, "target_id"])
    assert ends <= on


def test_related_ids_of_an_event(bundle):
    ev = bundle.events[bundle.events["place_id"].notna() & (bundle.events["actor_ids"].map(len) > 0)].iloc[0]
    rel = related_ids(bundle, ev["event_id"])
    assert ev["place_id"] in rel and set(ev["actor_ids"]) <= rel


def test_related_ids_of_an_actor(bundle):
    rel = related_ids(bundle, "trotsky")
    own_events = bundle.events[bundle.events["actor_ids"].map(lambda a: "trotsky" in a)]["event_id"]
    assert set(own_events) <= rel
    ties = bundle.relations[(bundle.relations["source_id"] == "trotsky")]["relation_id"]
    assert set(ties) <= rel
    assert related_ids(bundle, "no_such_id") == frozenset()


def test_same_passage_links(bundle):
    ev = bundle.events
    dup = ev[ev.duplicated("passage_id", keep=False)].iloc[0]
    others = same_passage_ids(bundle, dup["event_id"])
    assert others and dup["event_id"] not in others


def test_events_change_selection(bundle, vocab):
    pid, _, s, e = next(p for p in vocab.periods if "1939–1953" in p[1])
    sel = apply_event(Selection(), vocab, "period_button", pid)
    assert (sel.year_start, sel.year_end) == (s, e) == (1939, 1953)
    assert apply_event(sel, vocab, "period_button", "per_unknown") == sel
    sel = apply_event(Selection(), vocab, "timeline_range", [1936.2, 1938.7])
    assert (sel.year_start, sel.year_end) == (1936, 1938)
    assert not apply_event(sel, vocab, "timeline_range", "autorange").has_period
    sel = apply_event(sel, vocab, "select", "trotsky")
    assert sel.selected == "trotsky"
    assert apply_event(sel, vocab, "clear", None).selected is None
    assert apply_event(sel, vocab, "select", {"forged": 1}).selected is None
    reset = apply_event(sel, vocab, "reset", 1)
    assert reset == Selection()


def test_summary_line(bundle, vocab):
    text = summary(bundle, Selection(1936, 1938, ("trotskyism",)), vocab)
    assert text.startswith("1936–1938 · Trotskyism")
    assert "events" in text and "sites" in text and "routes" in text and "ties" in text


def test_index_holds_every_declared_reference(bundle):
    from dashboard.schema import REFERENCES
    ix = bundle.index
    assert {(f, c) for f, c, _ in REFERENCES} == set(ix.references)
    ev = bundle.events
    k = int(np.flatnonzero(ev["place_id"].notna().to_numpy())[0])
    ref = ix.references[("events", "place_id")]
    assert bundle.places["place_id"].iloc[ix.event_place[k]] == ev["place_id"].iloc[k]
    assert ref.positions(len(ev))[k] == ix.event_place[k]


def test_related_ids_follow_the_references_both_ways(bundle):
    rt = bundle.routes.set_index("route_id").loc["rt_chechens"]
    rel = related_ids(bundle, "rt_chechens")
    assert {rt["origin_place_id"], rt["destination_place_id"], rt["event_id"]} <= rel
    event_actors = bundle.events.set_index("event_id").at[rt["event_id"], "actor_ids"]
    assert set(event_actors) <= rel  # who carried the deportation out
    # a place: its events, the routes from or to it, and their other ends
    place = rt["destination_place_id"]
    rel = related_ids(bundle, place)
    assert "rt_chechens" in rel and rt["origin_place_id"] in rel
    # attribution is not a tie: the historian a sentence cites is not highlighted with the event
    ev = bundle.events[bundle.events["according_to"].map(len) > 0].iloc[0]
    voices = set(ev["according_to"]) - set(ev["actor_ids"])
    assert voices and not voices & related_ids(bundle, ev["event_id"])


def test_record_kinds_answer_like_a_read_only_mapping(bundle, vocab):
    """The bundle's id → frame name and id → row lookups share one table of positions; they answer for every
    selectable frame, and the vocabulary's ids are that mapping (no copy of every id)."""
    from dashboard.schema import PRIMARY_KEY, SELECTABLE

    kinds = bundle.kind_of
    total = 0
    for name in SELECTABLE:
        ids = bundle.frame(name)[PRIMARY_KEY[name]]
        total += len(ids)
        for i in sorted({0, len(ids) // 2, len(ids) - 1} - {-1}):
            rid = ids.iloc[i]
            assert rid in kinds and kinds[rid] == name and kinds.get(rid) == name
            assert bundle.row_of(rid) == (name, i)
            kind, row = bundle.record(rid)
            assert kind == name and row[PRIMARY_KEY[name]] == rid
    assert len(kinds) == total == len(list(kinds))
    assert "no_such_record" not in kinds and kinds.get("no_such_record") is None
    assert bundle.row_of("no_such_record") is None and bundle.record("no_such_record") is None
    with pytest.raises(KeyError):
        kinds["no_such_record"]
    with pytest.raises(TypeError):
        kinds["trotsky"] = "events"  # read-only
    assert vocab.record_ids is kinds


def test_happenings_count_a_happening_once(bundle):
    from dashboard.index import happenings
    ev = bundle.events
    hap = ev["happening_id"].to_numpy()
    shared = ev["happening_id"].duplicated(keep=False).to_numpy()
    assert shared.any()  # the texts' several passages on one happening
    for mask in (np.ones(len(ev), dtype=bool), shared, ~shared, np.zeros(len(ev), dtype=bool),
                 (ev["year_start"] < 1940).fillna(False).to_numpy(dtype=bool)):
        assert happenings(bundle.index, mask) == len(set(hap[mask]))
    sh = shown(bundle, Selection(1936, 1938))
    text = summary(bundle, Selection(1936, 1938), vocab_from_bundle(bundle), sh)
    assert f"{len(set(hap[sh.masks['events']]))} events" in text


def test_bundle_arrays_are_read_only_copies_of_its_columns(bundle):
    years = bundle.array("routes", "year_start")
    assert years.dtype == float and not years.flags.writeable
    assert np.array_equal(years, bundle.routes["year_start"].to_numpy(dtype=float, na_value=np.nan), equal_nan=True)
    names = bundle.array("places", "name")
    assert names.dtype == object and list(names) == list(bundle.places["name"])
    assert bundle.array("places", "name") is names  # made once per bundle
    with pytest.raises(ValueError):
        names[0] = "elsewhere"
    assert bundle.places["name"].iloc[0] != "elsewhere"
