"""Records → frames: every quote verbatim, every problem reported at once, atomic and self-healing cache."""

from __future__ import annotations

import json
import pickle

import pytest

from helpers import write
from dashboard import paths
from dashboard.pipeline.build import build_frames, cached_frames
from dashboard.pipeline.export import export
from dashboard.pipeline.records import BuildError
from dashboard.schema import FRAME_COLUMNS, SELECTABLE


def _texts(frames):
    return {d: (paths.REPO / p).read_text(encoding="utf-8")
            for d, p in zip(frames["documents"]["doc_id"], frames["documents"]["path"])}


def test_every_frame_built_and_not_empty(frames):
    assert set(frames) == set(FRAME_COLUMNS)
    for name in ("documents", "passages", "mentions", "movements", "periods", "events", "places", "routes",
                 "actors", "relations", "estimates"):
        assert len(frames[name]) > 0, name


@pytest.mark.parametrize("name", [*SELECTABLE, "movements", "waivers"])
def test_every_quote_is_verbatim_at_its_offsets(frames, name):
    texts = _texts(frames)
    for r in frames[name].itertuples():
        assert texts[r.doc_id][r.char_start:r.char_end] == r.quote


def test_ids_unique_across_selectable_frames(frames):
    ids = [rid for name in SELECTABLE for rid in frames[name].iloc[:, 0]]
    assert len(ids) == len(set(ids))


def test_known_facts_from_the_texts(frames):
    ev = frames["events"].set_index("event_id")
    est = frames["estimates"]
    # the executions of 1937 and 1938 as the text gives them
    assert {353074.0, 328612.0} <= set(est["low"])
    assert ev["year_start"].between(1800, 2030).all()
    kronstadt = frames["events"][frames["events"]["title"].str.contains("Kronstadt")]
    assert (kronstadt["year_start"] == 1921).any()
    routes = frames["routes"]
    assert routes["origin_implied"].any()
    assert set(routes["destination_place_id"]) & set(frames["places"]["place_id"])


def test_outside_text_is_marked(frames):
    pl = frames["places"]
    assert pl["coords_source"].str.contains("outside", case=False).all()
    assert pl.loc[pl["precision"].isin(["region", "country"]), "approximate"].all()


def test_mini_data_builds(mini_data):
    f = build_frames(mini_data)
    assert f["events"]["event_id"].tolist() == ["ev_kronstadt"]
    row = f["events"].iloc[0]
    assert row["section"] == "Revolutionary era critiques (pre-1924)"
    assert row["year_end"] == 1921


BAD_CASES = {
    "quote_not_found": ("anti_stalinist_left/events.yaml", """\
        - event_id: ev_fake
          title: Fake
          event_type: other
          year_start: 1921
          quote: This sentence is not in the text at all.
        """, "quote not found verbatim"),
    "unknown_id": ("anti_stalinist_left/events.yaml", """\
        - event_id: ev_fake
          title: Fake
          event_type: other
          year_start: 1921
          actor_ids: [nobody]
          quote: The Kronstadt rebellion (March 1921) was a key moment
        """, "unknown actor id 'nobody'"),
    "year_out_of_range": ("anti_stalinist_left/events.yaml", """\
        - event_id: ev_fake
          title: Fake
          event_type: other
          year_start: 1721
          quote: The Kronstadt rebellion (March 1921) was a key moment
        """, "outside 1800–2030"),
    "end_before_start": ("anti_stalinist_left/events.yaml", """\
        - event_id: ev_fake
          title: Fake
          event_type: other
          year_start: 1925
          year_end: 1921
          quote: The Kronstadt rebellion (March 1921) was a key moment
        """, "before year_start"),
    "duplicate_id": ("anti_stalinist_left/more/events.yaml", """\
        - event_id: ev_kronstadt
          title: Again
          event_type: uprising
          year_start: 1921
          quote: The Kronstadt rebellion (March 1921) was a key moment
        """, "duplicate id"),
    "coordinate_out_of_range": ("anti_stalinist_left/places.yaml", """\
        - place_id: pl_kronstadt
          name: Kronstadt
          place_type: uprising
          lat: 159.99
          lon: 29.77
          precision: city
          coords_source: outside the texts (test)
          quote: The Kronstadt rebellion (March 1921) was a key moment
        """, "lat"),
    "malformed_yaml": ("anti_stalinist_left/relations.yaml", "- relation_id: [unclosed\n  source_id: x\n",
                       "malformed YAML"),
    "unknown_field": ("anti_stalinist_left/estimates.yaml", """\
        - estimate_id: est_x
          what: people
          low: 1
          colour: red
          quote: The Kronstadt rebellion (March 1921) was a key moment
        """, "colour"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_fails_with_a_clear_message(mini_data, case):
    rel, body, expected = BAD_CASES[case]
    write(mini_data / rel, body)
    with pytest.raises(BuildError) as e:
        build_frames(mini_data)
    msg = str(e.value)
    assert expected in msg
    assert rel.split("/")[-1] in msg  # names the file


def test_all_problems_reported_at_once(mini_data):
    write(mini_data / "anti_stalinist_left/relations.yaml", """\
        - relation_id: rel_a
          source_id: trotsky
          target_id: ghost
          relation_type: opposed
          quote: such as Leon Trotsky and the party's Left Opposition
        - relation_id: rel_b
          source_id: trotsky
          target_id: stalin
          relation_type: opposed
          year_start: 3000
          quote: not in the text
        """)
    with pytest.raises(BuildError) as e:
        build_frames(mini_data)
    ids = {p.record_id for p in e.value.problems}
    assert {"rel_a", "rel_b"} <= ids
    assert len(e.value.problems) >= 2


def test_failed_build_leaves_previous_cache_untouched(mini_data, tmp_path):
    cache = tmp_path / "cache"
    cached_frames(mini_data, cache)
    before = {p.name: p.read_bytes() for p in cache.glob("frames-*.pkl")}
    assert before
    write(mini_data / "anti_stalinist_left/events.yaml", "- event_id: ev_bad\n  title: x\n")
    with pytest.raises(BuildError):
        cached_frames(mini_data, cache)
    after = {p.name: p.read_bytes() for p in cache.glob("frames-*.pkl")}
    assert after == before


def test_corrupted_cache_is_rebuilt(mini_data, tmp_path):
    cache = tmp_path / "cache"
    cached_frames(mini_data, cache)
    (target,) = cache.glob("frames-*.pkl")
    target.write_bytes(b"not a pickle")
    f = cached_frames(mini_data, cache)
    assert f["events"]["event_id"].tolist() == ["ev_kronstadt"]
    assert pickle.loads(target.read_bytes())["frames"]["events"].shape == f["events"].shape


def test_cache_follows_content_changes(mini_data, tmp_path):
    cache = tmp_path / "cache"
    cached_frames(mini_data, cache)
    ev = mini_data / "anti_stalinist_left/events.yaml"
    ev.write_text(ev.read_text(encoding="utf-8").replace("Kronstadt rebellion\n", "Kronstadt uprising\n"),
                  encoding="utf-8")
    f = cached_frames(mini_data, cache)
    assert f["events"]["title"].tolist() == ["Kronstadt uprising"]
    assert len(list(cache.glob("frames-*.pkl"))) == 1


def test_export_data_writes_csvs_and_datapackage(frames, tmp_path):
    export(frames, tmp_path)
    pkg = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    tabular = [r for r in pkg["resources"] if r["profile"] == "tabular-data-resource"]  # then the field formats
    names = {r["name"] for r in tabular}
    assert names == set(FRAME_COLUMNS)
    for res in tabular:
        header = (tmp_path / res["path"]).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert header == [f["name"] for f in res["schema"]["fields"]]
        assert all(f["description"] for f in res["schema"]["fields"])
    events_csv = (tmp_path / "events.csv").read_text(encoding="utf-8")
    header = events_csv.splitlines()[0].split(",")
    assert header[0] == "event_id"
    assert {"title", "event_type", "when", "year_start", "year_end"} <= set(header)
    assert ";" in events_csv  # list fields joined by ';'


def test_minimum_columns_present():
    required = {
        "events": "event_id, title, event_type, year_start, year_end, place_id, actor_ids, movement_ids, doc_id, "
                  "quote, char_start, char_end, outside_text",
        "places": "place_id, name, lat, lon, place_type, precision, coords_source",
        "routes": "route_id, people, origin_place_id, destination_place_id, year_start, year_end, count_low, "
                  "count_high, origin_implied, doc_id, quote",
        "actors": "actor_id, name, actor_type, movement_ids",
        "relations": "relation_id, source_id, target_id, relation_type, year_start, year_end, doc_id, quote",
        "movements": "movement_id, name, color",
        "periods": "period_id, label, year_start, year_end, doc_id, quote",
        "estimates": "estimate_id, what, low, high, year_start, year_end, doc_id, quote",
        "documents": "doc_id, title, path, sha256, licence",
    }
    for name, cols in required.items():
        have = {c.name for c in FRAME_COLUMNS[name]}
        assert set(cols.split(", ")) <= have, name
