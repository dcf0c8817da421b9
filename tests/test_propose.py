"""Bring your own text: `propose` refuses bad inputs in one line, reads encodings, turns date expressions into EDTF,
writes YAML that `build --with` builds with the corpus's checks, and recovers the curated records of the corpus's own
texts from its vocabulary of names alone (the thresholds of issue 14)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import yaml

from dashboard import cli, paths
from dashboard.dates import edtf_problem, parse_when
from dashboard.pipeline.build import build_frames
from dashboard.pipeline.records import BuildError, _date_problems, _open_note_problems
from dashboard.propose.dating import find_dates
from dashboard.propose.drafts import PROPOSAL_FIELDS, propose, vocabulary_from_frames
from dashboard.propose.files import build_with, write_proposal
from dashboard.propose.inputs import MAX_BYTES, InputError, decode
from dashboard.propose.quality import measure, proposals
from dashboard.schema import LABEL_MAX_CHARS, RECORD_MODELS

PROSE = ("== The Hungarian Revolution ==\n"
         "The Hungarian Revolution of 1956 began on 23 October 1956, when students marched to the parliament.\n"
         "Soviet tanks crushed the uprising; about 2,500 people were killed and 200,000 fled the country.\n")


# ---------------------------------------------------------------------------------------------------------------
# Bad inputs: one clear line each, a non-zero exit, no traceback
# ---------------------------------------------------------------------------------------------------------------

BAD_INPUTS = {
    "empty": (b"", "is empty"),
    "blank": (b"  \n\n\t \n", "is empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    "control bytes": (bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 50 + b"some words here", "binary"),
    "too big": (b"Stalin ruled. " * (MAX_BYTES // 14 + 10), "the limit is 2.0 MB"),
    "html": (b"<!DOCTYPE html><html><body><p>Stalin ruled.</p></body></html>", "HTML"),
    "html tags": (b"<div>Stalin</div><p>ruled</p><p>the</p><br><span>party</span> in 1930.", "HTML"),
    "one word repeated": (b"spam " * 200_000, "one word repeated"),
    "one long word": (b"a" * 1_000_000, "with no space"),
    "no letters": (b"1 2 3 4 5\n6 7 8 9\n", "no letters"),
    "one huge paragraph": (" ".join(f"Stalin ruled the party in {1924 + i % 29} with others." for i in range(12_000))
                           .encode(), "break it into paragraphs"),
    "no sentences": (b"Stalinism\nPurges\nDeportations\n", "no sentences"),
}


@pytest.fixture
def cli_frames(monkeypatch, frames):
    """The CLI reads the session's built frames instead of building them again."""
    monkeypatch.setattr(cli, "_frames", lambda force=False: frames)
    return frames


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_prop001_bad_input_refused_in_one_line(case, tmp_path, capsys, cli_frames):
    data, words = BAD_INPUTS[case]
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    code = cli.main(["propose", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("propose: refused: ") and words in lines[0], lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_prop002_missing_file_refused(tmp_path, capsys, cli_frames):
    assert cli.main(["propose", str(tmp_path / "nope.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_prop003_bad_doc_id_refused(tmp_path, capsys, cli_frames):
    path = tmp_path / "t.txt"
    path.write_text(PROSE, encoding="utf-8")
    assert cli.main(["propose", str(path), "--doc-id", "stalinism", "--out", str(tmp_path / "o")]) == 2
    assert "already a text of the corpus" in capsys.readouterr().err
    assert cli.main(["propose", str(path), "--doc-id", "Bad Id", "--out", str(tmp_path / "o")]) == 2
    assert "not a slug" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------------------------------------------


def test_prop004_utf8_read_without_note():
    r = decode("\ufeffThe “Thaw” began in 1956 – Khrushchev’s era.\r\nNext line.".encode("utf-8"))
    assert r.encoding == "utf-8" and r.note == ""
    assert r.text == "The “Thaw” began in 1956 – Khrushchev’s era.\nNext line."


def test_prop005_cp1252_read_with_note():
    r = decode("The “Thaw” began in 1956 – Khrushchev’s era, said Léon.".encode("cp1252"))
    assert r.encoding == "cp1252"
    assert r.text == "The “Thaw” began in 1956 – Khrushchev’s era, said Léon."
    assert "not UTF-8" in r.note and "cp1252" in r.note


def test_prop006_latin1_when_cp1252_fails():
    data = "Café in 1956.".encode("latin-1") + b"\x81 more words here."  # 0x81 is undefined in cp1252
    r = decode(data)
    assert r.encoding == "latin-1" and "latin-1" in r.note
    assert r.text.startswith("Café in 1956.")


def test_prop007_cli_prints_the_encoding_note(tmp_path, capsys, cli_frames):
    path = tmp_path / "cp.txt"
    path.write_bytes(PROSE.replace("1956,", "1956 – “so they say”,").encode("cp1252"))
    assert cli.main(["propose", str(path), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr()
    assert "note:" in out.err and "cp1252" in out.err
    assert "“so they say”" in (tmp_path / "o" / "cp" / "text.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# Date expressions → EDTF (data/README.md's rules)
# ---------------------------------------------------------------------------------------------------------------

DATES = [
    ("in 1937", "1937"),
    ("between 1924 and 1953", "1924/1953"),
    ("from 1927 to 1953", "1927/1953"),
    ("from late 1924 to 1928, when", "1924/1928"),
    ("in 1936–1938", "1936/1938"),
    ("the Thaw (1956–64)", "1956/1964"),
    ("in 1956-1957", "1956/1957"),
    ("(1968–present)", "1968/.."),
    ("the 1930s", "193X"),
    ("the 1930s and 1940s", "1930/1949"),
    ("in the late 1960s", "1967/1969"),
    ("the late 1920s", "1927/1929"),
    ("the early 1980s", "1980/1983"),
    ("the mid-1930s", "1934~/1936~"),
    ("at the start of the 1930s", "1930~/1933~"),
    ("in June 1956", "1956-06"),
    ("The Kronstadt rebellion (March 1921)", "1921-03"),
    ("on 5 March 1953", "1953-03-05"),
    ("in the autumn of 1928", "1928-23"),
    ("from 1924", "1924/.."),
    ("From 1936, Trotsky", "1936/.."),
    ("from late 1924", "1924/.."),
    ("after 1933", "1933/.."),
    ("after Stalin's death in 1953", "1953/.."),
    ("After the repression of the 1956 Hungarian Revolution", "1956/.."),
    ("1936 onward", "1936/.."),
    ("until 1940", "../1940"),
    ("by the autumn of 1924", "../1924-23"),
    ("before 1940", "../1939"),
    ("Revolutionary era critiques (pre-1924)", "../1923"),
    ("By the mid-20th century", "../1950~"),
    ("around 1929", "1929~"),
    ("in 1937 and 1938", "1937/1938"),
    ("from 1922 to his death on 5 March 1953", "1922/1953-03-05"),
    ("from 1917 until his death in 1924", "1917/1924"),
]


@pytest.mark.parametrize("phrase,when", DATES, ids=[d[0] for d in DATES])
def test_prop010_date_expression_to_edtf(phrase, when):
    found = find_dates(phrase)
    assert [d.when for d in found] == [when], [(d.text, d.when) for d in found]
    d = found[0]
    assert edtf_problem(d.when) is None
    w = parse_when(d.when)
    if "/.." in when:
        assert w.end is None and w.start is not None  # open ends stay open
    if when.startswith("../"):
        assert w.start is None
    # the note the build reads: never an open-reading note on a closed date
    assert not _open_note_problems(SimpleNamespace(date_note=d.date_note, when=d.when))
    if d.open or d.kind in ("decade", "approx", "century"):
        assert d.date_note, f"a vague or open date says how it was read: {d}"


def test_prop011_every_year_lies_in_a_date_expression():
    text = "In 1937 and 1938 the NKVD shot 681,692 people; by 1939, 1.3 million were in camps (1930s figures)."
    found = find_dates(text)
    assert [d.when for d in found] == ["1937/1938", "../1939", "193X"]
    assert all(text[d.start:d.end] == d.text for d in found)


def test_prop012_not_dates():
    assert find_dates("600,000 to over 1 million people; 1,937 rubles; the 20th Congress; 12 delegates") == []
    assert find_dates("from 1953 to 1950") == [d for d in find_dates("from 1953 to 1950") if d.when != "1953/1950"]


# ---------------------------------------------------------------------------------------------------------------
# Drafts
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def corpus_proposals(frames):
    return proposals(frames)


def test_prop020_vocabulary_is_names_only(frames):
    vocab = vocabulary_from_frames(frames)
    assert {n.entity_id for n in vocab.actors} == set(frames["actors"]["actor_id"])
    assert {"Leon Trotsky", "Trotsky"} <= set(vocab.names_of("actors")["trotsky"])
    assert set(type(vocab).__dataclass_fields__) == {"actors", "places", "movements", "ids"}


def test_prop021_drafts_are_located_valid_records(corpus_proposals, frames):
    texts = dict(zip(frames["documents"]["doc_id"], frames["documents"]["text"]))
    kinds = set()
    for doc_id, prop in corpus_proposals.items():
        for d in prop.drafts:
            rec = dict(d.record)
            kinds.add(d.kind)
            assert rec["status"] == "proposed" and 0 <= rec["confidence"] <= 1 and rec["why"]
            occ = rec.get("occurrence", 1)
            pos = -1
            for _ in range(occ):
                pos = texts[doc_id].find(rec["quote"], pos + 1)
            assert pos == d.char_start, rec  # verbatim, and the occurrence points at its sentence
            if d.kind in ("events", "relations", "estimates"):
                clean = {k: v for k, v in rec.items() if k not in PROPOSAL_FIELDS}
                model = RECORD_MODELS[d.kind].model_validate({**clean, "doc_id": doc_id})
                assert not _date_problems(model), (rec, _date_problems(model))  # the build's date and figure rules
            if d.kind == "events":
                assert len(rec["label"]) <= LABEL_MAX_CHARS and not rec["label"].endswith("…")
            if d.kind == "places":
                assert rec["lat"] is None and rec["lon"] is None  # coordinates are never guessed
    assert kinds == {"events", "relations", "estimates", "actors", "places"}


def test_prop022_event_fields_from_the_sentence(frames):
    vocab = vocabulary_from_frames(frames)
    text = "In 1940, Trotsky was assassinated in Mexico by Ramón Mercader on Stalin's orders.\n"
    ev = propose(text, "t", vocab).of("events")
    assert len(ev) == 1
    rec = ev[0].record
    assert rec["when"] == "1940" and rec["event_type"] == "assassination"
    assert "trotsky" in rec["actor_ids"] and "stalin" in rec["actor_ids"]
    assert rec["title"].startswith("Trotsky was assassinated")


def test_prop023_tie_direction_from_by(frames):
    vocab = vocabulary_from_frames(frames)
    rel = propose("In 1927, Trotsky was expelled by Stalin from the party.\n", "t", vocab).of("relations")
    ties = {(r.record["source_id"], r.record["relation_type"], r.record["target_id"]) for r in rel}
    assert ("stalin", "expelled", "trotsky") in ties


def test_prop024_estimates(frames):
    vocab = vocabulary_from_frames(frames)
    text = ("During the Great Purge, casualties ranged from 600,000 to over 1 million people.\n"
            "Stalin had rounded up thousands of people in 1937.\n")
    est = [d.record for d in propose(text, "t", vocab).of("estimates")]
    first = next(e for e in est if e["low"] == 600_000)
    assert first["high"] is None  # "over 1 million" is an open bound
    assert first["qualifier"] == "over"
    vague = next(e for e in est if e.get("qualifier") == "thousands")
    assert vague["low"] == 2_000 and vague["high"] is None and vague["unit"] == "people"


# ---------------------------------------------------------------------------------------------------------------
# YAML round trip through build --with
# ---------------------------------------------------------------------------------------------------------------

ROUND_TRIP_TEXT = ("== Kronstadt ==\n"
                   "In March 1921 the sailors of Kronstadt rose against the Bolsheviks, and Trotsky crushed the "
                   "uprising.\n"
                   "Later, in 1929, Stalin expelled Trotsky from the Soviet Union to Prinkipo.\n")


@pytest.fixture
def reviewed(mini_data, tmp_path):
    """A proposal over a short text with the tiny corpus's vocabulary, written, then reviewed: the first event and
    every tie accepted, the second event rejected."""
    mini_frames = build_frames(mini_data)
    vocab = vocabulary_from_frames(mini_frames)
    prop = propose(ROUND_TRIP_TEXT, "kronstadt_notes", vocab, title="Notes on Kronstadt")
    out = tmp_path / "proposals"
    write_proposal(prop, out, source="notes.txt")
    folder = out / "kronstadt_notes"
    events = yaml.safe_load((folder / "events.yaml").read_text(encoding="utf-8"))
    assert [e["when"] for e in events] == ["1921-03", "1929"]
    events[0]["status"] = "accepted"
    events[1]["status"] = "rejected"
    (folder / "events.yaml").write_text(yaml.safe_dump(events, sort_keys=False, allow_unicode=True), encoding="utf-8")
    rels = yaml.safe_load((folder / "relations.yaml").read_text(encoding="utf-8"))
    for r in rels:
        r["status"] = "accepted"
    (folder / "relations.yaml").write_text(yaml.safe_dump(rels, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return SimpleNamespace(data=mini_data, out=out, folder=folder, events=events, rels=rels)


def test_prop030_build_with_adds_the_accepted_records(reviewed, tmp_path):
    frames, added = build_with([reviewed.out], data_dir=reviewed.data, accepted_out=tmp_path / "accepted")
    ev = frames["events"].set_index("event_id")
    accepted, rejected = reviewed.events
    assert accepted["event_id"] in ev.index and rejected["event_id"] not in ev.index
    row = ev.loc[accepted["event_id"]]
    assert row["doc_id"] == "kronstadt_notes" and row["when"] == "1921-03" and row["year_start"] == 1921
    assert row["place_id"] == "pl_kronstadt"
    assert set(frames["relations"]["relation_id"]) >= {r["relation_id"] for r in reviewed.rels}
    assert "kronstadt_notes" in set(frames["documents"]["doc_id"])
    assert added[0].left_out >= 1
    # the accepted records in data/'s own layout, without the review fields, build as curated data
    exported = (tmp_path / "accepted" / "kronstadt_notes" / "events.yaml").read_text(encoding="utf-8")
    assert "status:" not in exported and "confidence:" not in exported and accepted["quote"] in exported
    assert (tmp_path / "accepted" / "texts" / "kronstadt_notes.txt").read_text(encoding="utf-8") == ROUND_TRIP_TEXT
    # committing as the README says: copy the folders into data/, append documents.yaml, build
    import shutil

    ready = tmp_path / "accepted"
    shutil.copytree(ready / "kronstadt_notes", reviewed.data / "kronstadt_notes")
    shutil.copy(ready / "texts" / "kronstadt_notes.txt", reviewed.data / "texts" / "kronstadt_notes.txt")
    with (reviewed.data / "documents.yaml").open("a", encoding="utf-8") as f:
        f.write((ready / "documents.yaml").read_text(encoding="utf-8"))
    committed = build_frames(reviewed.data)
    assert accepted["event_id"] in set(committed["events"]["event_id"])


def test_prop031_include_proposed_adds_the_rest_but_not_unfilled_names(reviewed):
    places = reviewed.folder / "places.yaml"
    places.write_text("- place_id: pl_prinkipo\n  status: proposed\n  name: Prinkipo\n  place_type: null\n"
                      "  lat: null\n  lon: null\n  precision: null\n  coords_source: null\n"
                      "  quote: Later, in 1929, Stalin expelled Trotsky\n", encoding="utf-8")
    frames, _ = build_with([reviewed.out], data_dir=reviewed.data, include_proposed=True)
    assert "pl_prinkipo" not in set(frames["places"]["place_id"])
    assert reviewed.events[1]["event_id"] not in set(frames["events"]["event_id"])  # rejected stays out


def test_prop032_build_with_refuses_with_clear_messages(reviewed, capsys, monkeypatch):
    places = reviewed.folder / "places.yaml"
    places.write_text("- place_id: pl_prinkipo\n  status: accepted\n  name: Prinkipo\n  place_type: exile\n"
                      "  lat: null\n  lon: null\n  precision: city\n  coords_source: editor\n"
                      "  quote: Later, in 1929, Stalin expelled Trotsky\n"
                      "- place_id: pl_elsewhere\n  status: maybe\n  name: X\n", encoding="utf-8")
    with pytest.raises(BuildError) as e:
        build_with([reviewed.out], data_dir=reviewed.data)
    text = str(e.value)
    assert f"{places}: pl_elsewhere: status 'maybe'" in text
    places.write_text(places.read_text(encoding="utf-8").split("- place_id: pl_elsewhere")[0], encoding="utf-8")
    monkeypatch.setattr(paths, "DATA_DIR", reviewed.data)
    assert cli.main(["build", "--with", str(reviewed.out)]) == 1
    err = capsys.readouterr().err
    assert f"{places}: pl_prinkipo: lat:" in err and "Traceback" not in err


def test_prop033_build_with_refuses_a_quote_not_in_the_text(reviewed):
    ev = yaml.safe_load((reviewed.folder / "events.yaml").read_text(encoding="utf-8"))
    ev[0]["quote"] = "A sentence the text does not hold."
    (reviewed.folder / "events.yaml").write_text(yaml.safe_dump(ev, sort_keys=False), encoding="utf-8")
    with pytest.raises(BuildError, match="quote not found verbatim in kronstadt_notes"):
        build_with([reviewed.out], data_dir=reviewed.data)


def test_prop034_proposals_never_written_over_curated_or_earlier_files(reviewed, frames):
    prop = propose(ROUND_TRIP_TEXT, "kronstadt_notes", vocabulary_from_frames(frames))
    with pytest.raises(InputError, match="already exists"):
        write_proposal(prop, reviewed.out, source="notes.txt")
    with pytest.raises(InputError, match="inside the curated data folder"):
        write_proposal(prop, paths.DATA_DIR, source="notes.txt")
    assert not (paths.DATA_DIR / "kronstadt_notes").exists()


# ---------------------------------------------------------------------------------------------------------------
# Quality, measured on the corpus's own texts (vocabulary of names only)
# ---------------------------------------------------------------------------------------------------------------

EVENT_RECALL_MIN = 0.70
TIE_RECALL_MIN = 0.50


@pytest.fixture(scope="session")
def quality(frames, corpus_proposals):
    return measure(frames, corpus_proposals)


def test_prop040_recovers_the_curated_events(quality):
    assert quality.events >= 100
    assert quality.event_recall >= EVENT_RECALL_MIN, "\n".join(quality.lines() + list(quality.missed_events))


def test_prop041_recovers_the_curated_ties(quality):
    assert quality.ties >= 100
    assert quality.tie_recall >= TIE_RECALL_MIN, "\n".join(quality.lines())


def test_prop042_a_dated_event_for_every_unwaived_sentence_with_a_year(quality):
    assert quality.year_sentences >= 50
    assert not quality.missed_year_sentences, quality.missed_year_sentences


def test_prop043_the_measure_can_fail(frames, corpus_proposals):
    """With the ties taken out, tie recall is nought and event recall unchanged: the figures measure the drafts."""
    from dataclasses import replace

    bare = {k: replace(p, drafts=tuple(d for d in p.drafts if d.kind != "relations"))
            for k, p in corpus_proposals.items()}
    q = measure(frames, bare)
    assert q.ties_recovered == 0 and q.draft_ties == 0
    empty = {k: replace(p, drafts=()) for k, p in corpus_proposals.items()}
    q = measure(frames, empty)
    assert q.events_recovered == 0 and len(q.missed_year_sentences) == q.year_sentences
