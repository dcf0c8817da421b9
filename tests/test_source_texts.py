"""The source panel quotes the text the frames were built from, wherever the data folder lives."""

from __future__ import annotations

import shutil

from dashboard import paths
from dashboard.frames import bundle_from_frames
from dashboard.pipeline.build import cached_frames
from dashboard.views.source import source_model


def test_source_panel_reads_the_texts_the_bundle_was_built_from(tmp_path):
    # a data folder outside the repository whose text differs from the repository's by a few characters before
    # every quote: offsets into the repository's copy would highlight the wrong words
    data = tmp_path / "elsewhere" / "data"
    shutil.copytree(paths.DATA_DIR, data)
    text_path = data / "texts" / "stalinism.txt"
    text = text_path.read_text(encoding="utf-8")
    text_path.write_text("Preface. " + text, encoding="utf-8")
    bundle = bundle_from_frames(cached_frames(data, tmp_path / "cache"))
    events = bundle.events
    for row in events[events["doc_id"] == "stalinism"].head(20).itertuples():
        model = source_model(bundle, row.event_id)
        assert model.quote == row.quote, row.event_id
    assert bundle.documents.set_index("doc_id").at["stalinism", "text"].startswith("Preface. ")


def test_a_happening_shows_every_source_side_by_side(bundle):
    events = bundle.events
    speech = events.loc[events["event_id"] == "ev_secret_speech_1956", "happening_id"].iloc[0]
    others = set(events.loc[(events["happening_id"] == speech) & (events["event_id"] != "ev_secret_speech_1956"),
                            "event_id"])
    model = source_model(bundle, "ev_secret_speech_1956")
    assert {rid for rid, *_ in model.happening} == others and len(others) >= 3
    assert {doc for _, doc, _, _ in model.happening} == {"Stalinism", "Anti-Stalinist left"}
    assert all(quote in bundle.documents.set_index("title").at[doc, "text"] for _, doc, _, quote in model.happening)
    # where the records' dates differ, the panel says so
    sizes = events.groupby("happening_id")["when"].nunique()
    differing = sizes[sizes > 1].index
    assert len(differing)
    first = events.loc[events["happening_id"] == differing[0], "event_id"].iloc[0]
    assert source_model(bundle, first).happening_differs.startswith("dates: ")
    assert source_model(bundle, "trotsky").happening == ()
