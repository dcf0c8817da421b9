"""Download data: the zip of what the filters show and the full package — files, ids, descriptor, README, bytes."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile

import pandas as pd
import pytest

from dashboard.downloads import (
    SHOWN_FRAMES, ZIP_TIMESTAMP, data_filename, package_filename, package_zip, shown_frames, shown_zip,
)
from dashboard.frames import bundle_from_frames
from dashboard.pipeline.export import FIELD_FILES, LIST_SEPARATOR
from dashboard.schema import FRAME_COLUMNS, FRAME_NAMES
from dashboard.selection import Selection, shown, summary, vocab_from_bundle

DAY = dt.date(2025, 3, 5)
SEL = Selection(1936, 1938, movement_ids=("trotskyism",))
_IDS = {"events": "event_ids", "places": "place_ids", "routes": "route_ids", "actors": "actor_ids",
        "estimates": "estimate_ids"}


def _open(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def _read(zf: zipfile.ZipFile, name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(zf.read(name)), dtype=str, keep_default_na=False)


def _header(zf: zipfile.ZipFile, name: str) -> list[str]:
    return next(csv.reader(io.StringIO(zf.read(name).decode("utf-8"))))


@pytest.fixture(scope="module")
def vocab(bundle):
    return vocab_from_bundle(bundle)


@pytest.fixture(scope="module")
def picked(bundle, vocab):
    sh = shown(bundle, SEL)
    return sh, shown_zip(bundle, SEL, vocab, sh, today=DAY)


def test_download001_zip_names(picked):
    _, data = picked
    assert _open(data).namelist() == ["README.txt", "datapackage.json", *(f"{n}.csv" for n in SHOWN_FRAMES)]
    assert set(SHOWN_FRAMES) == {"documents", "movements", "events", "places", "routes", "actors", "relations",
                                 "estimates"}


def test_download002_csvs_hold_exactly_the_shown_ids(bundle, picked):
    sh, data = picked
    zf = _open(data)
    for name, field in _IDS.items():
        ids = _read(zf, f"{name}.csv").iloc[:, 0]
        assert set(ids) == set(getattr(sh, field)) and len(ids) == len(getattr(sh, field)), name
        key = bundle.frame(name).iloc[:, 0]
        assert list(ids) == list(key[key.isin(ids)]), f"{name}: rows in frame order"
    rel = _read(zf, "relations.csv")
    assert sh.faded_relation_ids, "the period should leave some ties faded"
    assert set(rel["relation_id"]) == set(sh.relation_ids) | set(sh.faded_relation_ids)
    events, actors = _read(zf, "events.csv"), _read(zf, "actors.csv")
    used = {m for col in (events["movement_ids"], actors["movement_ids"], _read(zf, "routes.csv")["movement_ids"])
            for v in col for m in v.split(LIST_SEPARATOR) if m}
    assert set(_read(zf, "movements.csv")["movement_id"]) == used
    docs = set().union(*(set(_read(zf, f"{n}.csv")["doc_id"]) for n in SHOWN_FRAMES if n != "documents"))
    assert set(_read(zf, "documents.csv")["doc_id"]) == docs


def test_download003_csvs_round_trip_quotes_and_lists(bundle, picked):
    sh, data = picked
    events = _read(_open(data), "events.csv").set_index("event_id")
    frame = bundle.events.set_index("event_id").loc[list(sh.event_ids)]
    assert (events.loc[frame.index, "quote"] == frame["quote"]).all()
    for eid, row in frame.iterrows():
        got = events.at[eid, "movement_ids"]
        assert (tuple(got.split(LIST_SEPARATOR)) if got else ()) == row["movement_ids"]


def test_download004_datapackage_lists_exactly_the_files(picked):
    _, data = picked
    zf = _open(data)
    pkg = json.loads(zf.read("datapackage.json"))
    csvs = [n for n in zf.namelist() if n.endswith(".csv")]
    assert [r["path"] for r in pkg["resources"]] == csvs
    for res in pkg["resources"]:
        name = res["path"]
        assert [f["name"] for f in res["schema"]["fields"]] == _header(zf, name)
        assert [f["name"] for f in res["schema"]["fields"]] == [c.name for c in FRAME_COLUMNS[res["name"]]]
        raw = zf.read(name)
        assert res["bytes"] == len(raw)
        assert res["hash"] == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert pkg["licenses"][0]["name"] == "CC-BY-SA-4.0"


def test_download005_readme_states_filters_credits_licence(bundle, vocab, picked):
    sh, data = picked
    readme = _open(data).read("README.txt").decode("utf-8")
    assert summary(bundle, SEL, vocab, sh) in readme
    assert "Trotskyism" in readme and "1936–1938" in readme
    assert "?period=1936-1938&movement=trotskyism" in readme
    assert DAY.isoformat() in readme
    assert "Selected:   none" in readme
    for credit in bundle.documents["credit"]:
        assert credit in readme
    assert "CC BY-SA 4.0" in readme and "https://creativecommons.org/licenses/by-sa/4.0/" in readme
    assert "verbatim" in readme
    assert f"{len(sh.faded_relation_ids)} ties outside the period" in readme


def test_download006_readme_names_the_selection(bundle, vocab):
    sel = Selection(selected="trotsky")
    readme = _open(shown_zip(bundle, sel, vocab, shown(bundle, sel), today=DAY)).read("README.txt")
    name = bundle.actors.set_index("actor_id").at["trotsky", "name"]
    assert f"Actor: {name} (trotsky)" in readme.decode("utf-8")


def test_download007_same_inputs_same_bytes(bundle, vocab, picked):
    sh, data = picked
    assert shown_zip(bundle, SEL, vocab, sh, today=DAY) == data
    assert shown_zip(bundle, SEL, vocab, sh, today=DAY + dt.timedelta(days=1)) != data
    assert all(info.date_time == ZIP_TIMESTAMP for info in _open(data).infolist())
    assert package_zip(bundle) == package_zip(bundle)


def test_download008_nothing_shown_gives_headers_only(bundle, vocab):
    sel = Selection(q="no record says this zzqx")
    sh = shown(bundle, sel)
    zf = _open(shown_zip(bundle, sel, vocab, sh, today=DAY))
    for name in SHOWN_FRAMES:
        if name == "documents":
            continue
        df = _read(zf, f"{name}.csv")
        assert len(df) == 0 and list(df.columns) == [c.name for c in FRAME_COLUMNS[name]]
    assert "CC BY-SA 4.0" in zf.read("README.txt").decode("utf-8")


def test_download009_shown_frames_keep_schema_columns(bundle):
    sh = shown(bundle, SEL)
    frames = shown_frames(bundle, sh)
    assert list(frames) == list(SHOWN_FRAMES)
    for name, df in frames.items():
        assert list(df.columns) == [c.name for c in FRAME_COLUMNS[name]]
        assert df.index.equals(pd.RangeIndex(len(df)))




def test_download010_full_package_has_every_frame(bundle):
    zf = _open(package_zip(bundle))
    field = [f[0] for f in FIELD_FILES]  # the field's formats follow the CSVs (tests/test_field_formats.py)
    assert zf.namelist() == ["README.txt", "datapackage.json", *(f"{n}.csv" for n in FRAME_NAMES), *field]
    pkg = json.loads(zf.read("datapackage.json"))
    assert [r["name"] for r in pkg["resources"]] == [*FRAME_NAMES, *(f[1] for f in FIELD_FILES)]
    for name in FRAME_NAMES:
        df = _read(zf, f"{name}.csv")
        assert len(df) == len(bundle.frame(name)), name
        assert list(df.iloc[:, 0]) == list(bundle.frame(name).iloc[:, 0].astype(str)), name
    readme = zf.read("README.txt").decode("utf-8")
    assert "CC BY-SA 4.0" in readme and "verbatim" in readme


def test_download011_html_in_a_title_is_kept_as_text(frames, vocab):
    hostile = '<b>Bold</b> & "quoted", <script>x</script>'
    events = frames["events"].copy()
    events.loc[0, "title"] = hostile
    bundle = bundle_from_frames({**frames, "events": events})
    sel = Selection()
    zf = _open(shown_zip(bundle, sel, vocab, shown(bundle, sel), today=DAY))
    got = _read(zf, "events.csv").set_index("event_id")
    assert got.at[events.loc[0, "event_id"], "title"] == hostile


def test_download012_file_names():
    assert data_filename(SEL) == "data_1936-1938_trotskyism.zip"
    assert data_filename(Selection()) == "data_all-years.zip"
    assert package_filename() == "data-package_all-years.zip"
