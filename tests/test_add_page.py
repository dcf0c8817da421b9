"""The "Add a text" page: the review's pure model (decisions, edits, cards), the page's callbacks through the real
HTTP endpoint (paste, upload, hostile uploads, decisions, edits, download, preview), and nothing kept on the server."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import ids, paths
from dashboard.adding import BUILDING, AddContext, proposal_of, read_input
from dashboard.propose.drafts import propose, vocabulary_from_frames
from dashboard.propose.files import build_with
from dashboard.propose.inputs import MAX_BYTES, InputError
from dashboard.views.add_text import (CARDS_PER_PAGE, EMPTY_REVIEW, Review, cards_page, choices_for, clean_review,
                                      records_by_kind, review_data, review_model, reviewed, shown_ids)
from tools.loadtest import callback_outputs

TEXT = ("== The Hungarian Revolution ==\n"
        "The Hungarian Revolution of 1956 began on 23 October 1956, when students marched in Budapest.\n"
        "In November 1956 Soviet tanks crushed the uprising, and Imre Nagy was later executed in 1958.\n"
        "Stalin had been denounced by Khrushchev in February 1956.\n"
        "About 2,500 people were killed and 200,000 fled the country.\n")


@pytest.fixture(scope="module")
def add(bundle):
    return AddContext(bundle)


@pytest.fixture(scope="module")
def proposal(add):
    return propose(TEXT, "hungary_notes", add.vocab, "Notes on Hungary")


@pytest.fixture(scope="module")
def choices(bundle, proposal):
    return choices_for(bundle, proposal)


def _ids(proposal, kind):
    from dashboard.schema import PRIMARY_KEY

    return [d.record[PRIMARY_KEY[kind]] for d in proposal.of(kind)]


# ---------------------------------------------------------------------------------------------------------------
# The pure review model


def test_add001_clean_review_keeps_only_the_proposals_own_plain_values(proposal):
    ev = _ids(proposal, "events")[0]
    data = {"decisions": {ev: "accepted", "ev_nope": "accepted", _ids(proposal, "relations")[0]: "maybe"},
            "edits": {ev: {"when": "1956-10", "event_id": "hijack", "title": {"x": 1}, "actor_ids": ["nagy", 5]},
                      "ev_nope": {"when": "1900"}}}
    r = clean_review(data, proposal)
    assert dict(r.decisions) == {ev: "accepted"}
    assert dict(r.edits[ev]) == {"when": "1956-10", "title": None, "actor_ids": ["nagy"]}
    for junk in (None, "x", [], {"decisions": "all", "edits": 5}):
        assert clean_review(junk, proposal) == EMPTY_REVIEW
    assert clean_review(review_data(r), proposal) == r


def test_add002_decisions_and_edits_apply_and_bad_edits_are_kept_with_a_problem(proposal, choices):
    ev = _ids(proposal, "events")[0]
    review = clean_review({"decisions": {ev: "accepted"},
                           "edits": {ev: {"when": "October 1956", "label": "x" * 40, "actor_ids": ["stalin", "nobody"],
                                          "event_type": "uprising"}}}, proposal)
    item = next(r for r in reviewed(proposal, review, choices) if r.record_id == ev)
    assert item.status == "accepted" and item.record["status"] == "accepted"
    assert item.record["when"] == "October 1956"  # kept as typed: nothing is lost
    assert item.record["event_type"] == "uprising"
    assert item.edited == {"when", "label", "actor_ids", "event_type"}
    text = " ".join(item.problems)
    assert "not a date the build reads" in text and "at most 32" in text and "nobody" in text
    good = clean_review({"edits": {ev: {"when": "1956-10-23"}}}, proposal)
    assert next(r for r in reviewed(proposal, good, choices) if r.record_id == ev).problems == ()


def test_add003_a_new_place_needs_its_coordinates_before_it_is_accepted(bundle):
    vocab = vocabulary_from_frames(bundle)
    prop = propose("In 1937 many were sent to Zlatoborsk, and in 1938 the camp at Zlatoborsk grew.\n", "t", vocab)
    place = next((d for d in prop.of("places")), None)
    assert place is not None, [d.record for d in prop.drafts]
    rid = place.record["place_id"]
    ch = choices_for(bundle, prop)
    accepted = clean_review({"decisions": {rid: "accepted"}}, prop)
    item = next(r for r in reviewed(prop, accepted, ch) if r.record_id == rid)
    assert any("lat is empty" in p for p in item.problems) and any("place_type" in p for p in item.problems)
    bad = clean_review({"decisions": {rid: "accepted"}, "edits": {rid: {"lat": "200", "lon": "east"}}}, prop)
    item = next(r for r in reviewed(prop, bad, ch) if r.record_id == rid)
    assert any("outside -90" in p for p in item.problems) and any("not a number" in p for p in item.problems)
    fixed = clean_review({"decisions": {rid: "accepted"}, "edits": {rid: {
        "lat": "54.5", "lon": "60.1", "place_type": "camp", "precision": "city", "coords_source": "editor"}}}, prop)
    item = next(r for r in reviewed(prop, fixed, ch) if r.record_id == rid)
    assert item.problems == () and item.record["lat"] == 54.5


def test_add004_cards_page_filters_pages_and_counts(proposal, choices):
    items = reviewed(proposal, EMPTY_REVIEW, choices)
    n_rel = len(proposal.of("relations"))
    page = cards_page(items, "relations")
    assert page.total == n_rel and len(page.cards) == min(n_rel, CARDS_PER_PAGE)
    assert dict(page.by_kind)["events"] == len(proposal.of("events"))
    assert cards_page(items, "relations", page=10**6).page == page.pages - 1  # clamped
    assert cards_page(items, "nonsense").kind == "events"
    first = proposal.of("events")[0]
    narrowed = cards_page(items, "events", sentence=first.passage_id)
    assert narrowed.cards and all(c.item.passage_id == first.passage_id for c in narrowed.cards)
    rid = first.record["event_id"]
    decided = reviewed(proposal, clean_review({"decisions": {rid: "rejected"}}, proposal), choices)
    assert [c.item.record_id for c in cards_page(decided, "events", "rejected").cards] == [rid]
    assert shown_ids(decided, "events", "rejected") == [rid]


def test_add005_rejected_records_stay_in_the_files_marked(proposal, choices):
    rid = _ids(proposal, "events")[0]
    items = reviewed(proposal, clean_review({"decisions": {rid: "rejected"}}, proposal), choices)
    recs = records_by_kind(items)
    assert next(r for r in recs["events"] if r["event_id"] == rid)["status"] == "rejected"
    assert sum(len(v) for v in recs.values()) == len(proposal.drafts)


def test_add006_the_text_panel_counts_accepted_proposed_and_left(bundle, proposal):
    rid = _ids(proposal, "events")[0]
    m = review_model(bundle, proposal, {rid: "accepted"})
    assert m.reviewed and m.counts.accepted >= 1
    from dashboard.schema import PRIMARY_KEY

    rejected_all = {d.record[PRIMARY_KEY[d.kind]]: "rejected" for d in proposal.drafts}
    m2 = review_model(bundle, proposal, rejected_all)
    assert m2.counts.cited == 0 and m2.counts.uncovered >= 3  # every dated sentence is left


# ---------------------------------------------------------------------------------------------------------------
# Reading the input


@pytest.mark.parametrize("data, words", [
    (b"", "is empty"), (b"\x00\x01binary" * 100, "binary"), (b"<!DOCTYPE html><html><p>x</p></html>", "HTML"),
    (b"spam " * 100_000, "one word repeated"), (b"Stalin ruled. " * (MAX_BYTES // 14 + 10), "the limit is 2.0 MB"),
])
def test_add010_bad_input_is_refused_in_one_line(add, data, words):
    with pytest.raises(InputError, match=words):
        read_input(add, data, filename="x.txt")


def test_add011_doc_id_and_title_from_the_file_name_never_one_of_the_corpus(add):
    store = read_input(add, TEXT.encode(), filename="Hungary 1956.txt")
    assert store["doc_id"] == "hungary_1956" and store["title"] == "Hungary 1956"
    with pytest.raises(InputError, match="already a text of the corpus"):
        read_input(add, TEXT.encode(), filename="x.txt", doc_id="stalinism")
    assert read_input(add, TEXT.encode())["doc_id"] == "added_text"
    assert proposal_of(add, {"text": "spam " * 100_000, "doc_id": "x"}) is None  # a forged store is checked too
    assert proposal_of(add, {"text": TEXT, "doc_id": "stalinism"}) is None
    assert proposal_of(add, "junk") is None


# ---------------------------------------------------------------------------------------------------------------
# The callbacks, through HTTP


@pytest.fixture(scope="module")
def page(app):
    return app.server.extensions["add_page"]


def _key(page, prefix: str) -> str:
    return next(k for k in page.callback_map if prefix in k)


def _post(client, page, prefix, inputs, state=(), changed=None):
    key = _key(page, prefix)
    spec = page.callback_map[key]
    body = {"output": key, "outputs": callback_outputs(key),
            "inputs": [{"id": d["id"], "property": d["property"], "value": v} for d, v in zip(spec["inputs"], inputs)]
            if not isinstance(inputs, dict) else inputs["raw"],
            "state": [{"id": d["id"], "property": d["property"], "value": v} for d, v in zip(spec["state"], state)],
            "changedPropIds": [changed or f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"]}
    return client.post("/add/_dash-update-component", json=body)


def _post_job(client, page, prefix, inputs, state=(), timeout_s=120):
    """A background callback's request, then the page's polls until its answer: (the first response's JSON, the
    answer, the progress texts seen)."""
    import time

    first = _post(client, page, prefix, inputs, state)
    handles = first.get_json()
    assert "cacheKey" in handles and "job" in handles and "response" not in handles, handles
    key = _key(page, prefix)
    spec = page.callback_map[key]
    body = {"output": key, "outputs": callback_outputs(key),
            "inputs": [{"id": d["id"], "property": d["property"], "value": v} for d, v in zip(spec["inputs"], inputs)],
            "state": [{"id": d["id"], "property": d["property"], "value": v} for d, v in zip(spec["state"], state)],
            "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"]}
    deadline, seen = time.monotonic() + timeout_s, []
    while time.monotonic() < deadline:
        time.sleep(0.1)
        r = client.post("/add/_dash-update-component", json=body,
                        query_string={"cacheKey": handles["cacheKey"], "job": handles["job"]})
        assert r.status_code in (200, 204), r.get_data(as_text=True)[:300]
        if r.status_code == 204:
            return handles, None, seen
        got = r.get_json()
        seen += [v for v in got.get("progress", {}).values()]
        if "response" in got:
            return handles, got["response"], seen
    raise AssertionError(f"no answer within {timeout_s} s")


def _read(client, page, *, pasted=None, upload=None, filename=None, doc_id=None):
    changed = f"{ids.ADD_UPLOAD}.contents" if upload is not None else f"{ids.ADD_PROPOSE}.n_clicks"
    return _post(client, page, f"{ids.ADD_TEXT_STORE}.data", [1, upload],
                 [filename, pasted, doc_id, None, None], changed)


def test_add020_the_page_is_served_offline_under_add(client):
    r = client.get("/add/")
    assert r.status_code == 200 and "Add a text" in r.get_data(as_text=True)
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    html = r.get_data(as_text=True)
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert client.get("/add/_dash-layout").status_code == 200
    main = client.get("/").get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 200 and main


def test_add021_paste_proposes_and_upload_is_read(client, page):
    r = _read(client, page, pasted=TEXT, doc_id="hungary_notes")
    assert r.status_code == 200
    out = r.get_json()["response"]
    store = out[ids.ADD_TEXT_STORE]["data"]
    assert store["doc_id"] == "hungary_notes" and store["text"] == TEXT
    assert "events" in json.dumps(out[ids.ADD_MESSAGE]["children"])
    up = "data:text/plain;base64," + base64.b64encode(TEXT.encode("cp1252")).decode()
    out = _read(client, page, upload=up, filename="Notes.txt").get_json()["response"]
    assert out[ids.ADD_TEXT_STORE]["data"]["doc_id"] == "notes"


@pytest.mark.parametrize("upload, words", [
    ("data:application/octet-stream;base64," + base64.b64encode(b"\x89PNG\x00\x00" * 300).decode(), "binary"),
    ("data:text/html;base64," + base64.b64encode(b"<!doctype html><html><body>x</body></html>").decode(), "HTML"),
    ("data:text/plain;base64," + base64.b64encode(b"word " * 300_000).decode(), "one word repeated"),
    ("data:text/plain;base64,@@@not base64@@@", "not a readable file"),
    ("no comma at all", "could not be read"),
    ("data:text/plain;base64," + "A" * (MAX_BYTES * 4 // 3 + 100), "over the limit"),
])
def test_add022_hostile_uploads_get_a_message_not_an_error(client, page, upload, words):
    r = _read(client, page, upload=upload, filename="evil.txt")
    assert r.status_code == 200
    out = r.get_json()["response"]
    assert ids.ADD_TEXT_STORE not in out  # nothing replaced
    assert words in json.dumps(out[ids.ADD_MESSAGE]["children"])


def test_add023_markup_in_a_text_is_drawn_as_text(client, page, add):
    text = TEXT + "Trotsky wrote <script>alert(1)</script> in 1937 about <img src=x onerror=alert(1)>.\n"
    store = read_input(add, text.encode(), doc_id="markup_notes")
    r = _post(client, page, f"{ids.ADD_TEXT_VIEW}.children", [store, None])
    assert r.status_code == 200
    body = json.dumps(r.get_json()["response"][ids.ADD_TEXT_VIEW]["children"])
    assert "<script>alert(1)</script>" in body  # a string child: React renders it as text
    assert "dangerouslySetInnerHTML" not in body and '"type": "Script"' not in body


def test_add024_a_click_decides_an_edit_is_stored_and_the_same_value_is_not(client, page, add, proposal):
    store = read_input(add, TEXT.encode(), doc_id="hungary_notes")
    rid = _ids(proposal, "events")[0]
    key = _key(page, f"{ids.ADD_REVIEW_STORE}.data")
    spec = page.callback_map[key]
    edit = proposal.of("events")[0].record

    def decide(decide_items, edit_items, changed, review=None):
        inputs = [decide_items, edit_items] + [{"id": d["id"], "property": d["property"], "value": 0}
                                                for d in spec["inputs"][2:]]
        state = [review, store, "events", "all", ""]
        return _post(client, page, f"{ids.ADD_REVIEW_STORE}.data", {"raw": inputs}, state, changed)

    did = {"type": ids.ADD_DECIDE, "rid": rid, "to": "accepted"}
    r = decide([{"id": did, "property": "n_clicks", "value": 1}], [],
               json.dumps(did, separators=(",", ":"), sort_keys=True) + ".n_clicks")
    review = r.get_json()["response"][ids.ADD_REVIEW_STORE]["data"]
    assert review["decisions"] == {rid: "accepted"}
    eid = {"type": ids.ADD_EDIT, "rid": rid, "field": "when"}
    same = decide([], [{"id": eid, "property": "value", "value": edit["when"]}],
                  json.dumps(eid, separators=(",", ":"), sort_keys=True) + ".value", review)
    assert same.status_code == 204  # a card drawn anew sends its own values: nothing changes
    changed = decide([], [{"id": eid, "property": "value", "value": "1956"}],
                     json.dumps(eid, separators=(",", ":"), sort_keys=True) + ".value", review)
    assert changed.get_json()["response"][ids.ADD_REVIEW_STORE]["data"]["edits"] == {rid: {"when": "1956"}}


def test_add025_download_is_a_zip_that_builds(client, page, add, proposal, tmp_path):
    store = read_input(add, TEXT.encode(), doc_id="hungary_notes")
    ev = _ids(proposal, "events")
    review = {"decisions": {ev[0]: "accepted", ev[1]: "rejected"}, "edits": {ev[0]: {"event_type": "uprising"}}}
    r = _post(client, page, f"{ids.ADD_DOWNLOAD}.data", [1], [store, review])
    sent = r.get_json()["response"][ids.ADD_DOWNLOAD]["data"]
    assert sent["filename"] == "hungary_notes_reviewed.zip" and sent["base64"]
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(sent["content"]))) as z:
        names = set(z.namelist())
        assert {"hungary_notes/text.txt", "hungary_notes/documents.yaml", "hungary_notes/events.yaml",
                "hungary_notes/README.txt"} <= names
        z.extractall(tmp_path / "proposals")
    events = yaml.safe_load((tmp_path / "proposals/hungary_notes/events.yaml").read_text(encoding="utf-8"))
    by_id = {e["event_id"]: e for e in events}
    assert by_id[ev[0]]["status"] == "accepted" and by_id[ev[0]]["event_type"] == "uprising"
    assert by_id[ev[1]]["status"] == "rejected"
    assert (tmp_path / "proposals/hungary_notes/text.txt").read_text(encoding="utf-8") == TEXT
    frames, added = build_with([tmp_path / "proposals"], data_dir=paths.DATA_DIR)
    built = frames["events"].set_index("event_id")
    assert ev[0] in built.index and ev[1] not in built.index
    assert built.loc[ev[0], "event_type"] == "uprising"


def test_add026_preview_draws_the_views_with_the_accepted_records_and_keeps_nothing(client, page, add, proposal,
                                                                                     tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the build's folder goes here, and must be gone
    cache_before = sorted(p.name for p in paths.CACHE_DIR.glob("*")) if paths.CACHE_DIR.exists() else []
    store = read_input(add, TEXT.encode(), doc_id="hungary_notes")
    ev = _ids(proposal, "events")[0]
    _, out, progress = _post_job(client, page, f"{ids.ADD_PREVIEW_PANEL}.hidden", [1],
                                 [store, {"decisions": {ev: "accepted"}}])
    assert out[ids.ADD_PREVIEW_PANEL]["hidden"] is False
    assert progress in ([], [BUILDING])  # (a poll may come after the job has said it)
    assert "1 events" in json.dumps(out[ids.ADD_PREVIEW_MESSAGE]["children"])
    timeline = out[ids.ADD_PREVIEW_TIMELINE]["figure"]
    assert ev in json.dumps(timeline)  # the new event is drawn (and selected)
    assert out[ids.ADD_PREVIEW_MAP]["figure"]["data"] and out[ids.ADD_PREVIEW_NETWORK]["elements"]
    assert list(tmp_path.iterdir()) == []
    after = sorted(p.name for p in paths.CACHE_DIR.glob("*")) if paths.CACHE_DIR.exists() else []
    assert after == cache_before  # nothing of the text reached the build cache


def test_add027_preview_says_what_the_build_refuses(client, page, bundle):
    text = "In 1937 many were sent to Zlatoborsk, and in 1938 the camp at Zlatoborsk grew.\n"
    add = AddContext(bundle)
    store = read_input(add, text.encode(), doc_id="zlato")
    prop = proposal_of(add, store)
    place = prop.of("places")[0].record["place_id"]
    _, out, _ = _post_job(client, page, f"{ids.ADD_PREVIEW_PANEL}.hidden", [1],
                          [store, {"decisions": {place: "accepted"}, "edits": {place: {"lat": "91"}}}])
    assert out[ids.ADD_PREVIEW_PANEL]["hidden"] is True
    message = json.dumps(out[ids.ADD_PREVIEW_MESSAGE]["children"])
    assert "refuses" in message and place in message
    _, none, _ = _post_job(client, page, f"{ids.ADD_PREVIEW_PANEL}.hidden", [1], [store, None])
    assert "nothing is accepted" in json.dumps(none[ids.ADD_PREVIEW_MESSAGE]["children"])


def test_add028_an_oversized_request_is_refused_unread(client):
    r = client.post("/add/_dash-update-component", data=b"x" * (9 * 1024 * 1024), content_type="application/json")
    assert r.status_code == 413


# ---------------------------------------------------------------------------------------------------------------
# HTTP fuzzing of every callback of the page

junk = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**12, max_value=10**12)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40)
    | st.sampled_from(["<script>alert(1)</script>", "#hungary_notes-p002-s01", "data:text/plain;base64,QUJD",
                       "accepted", "events", "../../etc/passwd", "\u0000\u202e", "a" * 5000]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["text", "doc_id", "title", "decisions", "edits", "id", "value", "rid"]) | st.text(max_size=6),
        children, max_size=4),
    max_leaves=8,
)


@given(values=st.lists(junk, min_size=8, max_size=8), state=st.lists(junk, min_size=6, max_size=6),
       which=st.integers(min_value=0, max_value=100), changed=st.integers(min_value=0, max_value=7),
       real_text=st.booleans())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
def test_add030_every_callback_of_the_page_survives_junk(client, page, values, state, which, changed, real_text):
    keys = sorted(page.callback_map)
    key = keys[which % len(keys)]
    spec = page.callback_map[key]
    inputs = []
    for d, v in zip(spec["inputs"], values):
        if d["id"].startswith("{"):  # a pattern-matching input: a list of items with forged ids
            pattern = json.loads(d["id"])
            inputs.append([{"id": {"type": pattern["type"], "rid": str(v)[:20], "to": "accepted", "field": "when"},
                            "property": d["property"], "value": v}])
        else:
            inputs.append({"id": d["id"], "property": d["property"], "value": v})
    states = [{"id": d["id"], "property": d["property"], "value": v} for d, v in zip(spec["state"], state)]
    if real_text:  # a real text in the store, so that the junk reaches the review's code
        for s in states:
            if s["id"] == ids.ADD_TEXT_STORE:
                s["value"] = {"text": TEXT, "doc_id": "hungary_notes", "title": "x"}
    dep = spec["inputs"][changed % len(spec["inputs"])]
    body = {"output": key, "outputs": callback_outputs(key), "inputs": inputs, "state": states,
            "changedPropIds": [f"{dep['id']}.{dep['property']}"]}
    r = client.post("/add/_dash-update-component", json=body)
    assert r.status_code in (200, 204), (key, r.status_code)


def test_add031_nothing_uploaded_is_written_on_the_server(client, page, tmp_path):
    before = {p for p in Path(paths.CACHE_DIR).rglob("*")} if paths.CACHE_DIR.exists() else set()
    _read(client, page, pasted=TEXT + "A sentence unique to this test, in 1961.\n", doc_id="unique_notes")
    after = {p for p in Path(paths.CACHE_DIR).rglob("*")} if paths.CACHE_DIR.exists() else set()
    assert after == before


def test_add032_review_of_an_empty_review_is_empty():
    assert review_data(EMPTY_REVIEW) == {"decisions": {}, "edits": {}}
    assert isinstance(EMPTY_REVIEW, Review)


def test_add033_one_preview_is_built_at_a_time_per_machine(bundle, proposal, choices, tmp_path):
    import threading

    from dashboard.adding import BUILDING, WAITING, preview
    from dashboard.slots import JobSlots

    rid = _ids(proposal, "events")[0]
    review = clean_review({"decisions": {rid: "accepted"}}, proposal)
    slots = JobSlots(tmp_path / "slots", 1)
    impatient = AddContext(bundle, builds=slots, wait_s=0.0)
    with slots.slot() as held:  # another preview under way
        assert held
        busy = preview(impatient, proposal, review, choices)
    assert busy.rendered is None and "building other previews" in busy.message
    # one that may wait is told so, and is built once the slot is free
    told = []
    patient = AddContext(bundle, builds=slots, wait_s=30.0)
    release, holding = threading.Event(), threading.Event()

    def hold():
        with slots.slot():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    try:
        threading.Timer(0.5, release.set).start()
        done = preview(patient, proposal, review, choices, progress=told.append)
    finally:
        release.set()
        holder.join()
    assert told == [WAITING, BUILDING] and done.rendered is not None
