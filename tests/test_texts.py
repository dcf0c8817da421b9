"""Texts → passages and mentions: the texts' quirks are survived."""

from __future__ import annotations

from dashboard import paths
from dashboard.pipeline.texts import Document, passages


def _doc(text: str, doc_id: str = "t") -> Document:
    return Document(doc_id, "T", paths.DATA_DIR / "x.txt", "", "", text)


def test_glued_sentences_are_split():
    p = passages(_doc("Others disagree on Stalinism's role.Officially designed to accelerate it."))
    assert list(p["text"]) == ["Others disagree on Stalinism's role.", "Officially designed to accelerate it."]


def test_glued_sentence_after_closing_quote():
    p = passages(_doc('A sentence to be imposed "quickly."After that, several trials were held.'))
    assert list(p["text"]) == ['A sentence to be imposed "quickly."', "After that, several trials were held."]


def test_page_reference_debris_is_trimmed():
    p = passages(_doc("Workers, pensioners, and beggars.: 4  Many of the executed were interred."))
    assert list(p["text"]) == ["Workers, pensioners, and beggars.", "Many of the executed were interred."]


def test_page_reference_debris_with_hair_spaces_is_trimmed():
    p = passages(_doc("their own subsistence.:\u200a5\u200aAccording to several Western historians, it failed."))
    assert list(p["text"]) == ["their own subsistence.", "According to several Western historians, it failed."]


def test_both_heading_styles_and_sections():
    text = ("= Title =\n\nIntro sentence here.\n\n== Mid-century critiques (1939–1953) ==\n\nA sentence.\n"
            "==Castroist critiques (1959–1968)==\nAnother one.\nPurges and executions\nStalin purged the party.")
    p = passages(_doc(text))
    headings = p[p["passage_type"] == "heading"]["text"].tolist()
    assert headings == ["Title", "Mid-century critiques (1939–1953)", "Castroist critiques (1959–1968)",
                        "Purges and executions"]
    by_text = dict(zip(p["text"], p["section"]))
    assert by_text["Intro sentence here."] == ""
    assert by_text["A sentence."] == "Mid-century critiques (1939–1953)"
    assert by_text["Stalin purged the party."] == "Purges and executions"


def test_sentence_ending_in_colon_and_tabs_kept():
    text = "In this text she states:\nMany calling\tfor\tan “organized movement” outside the party."
    p = passages(_doc(text))
    assert p["text"].tolist() == ["In this text she states:",
                                  "Many calling\tfor\tan “organized movement” outside the party."]


def test_offsets_point_into_the_text(frames):
    texts = {d: (paths.REPO / p).read_text(encoding="utf-8") for d, p in zip(frames["documents"]["doc_id"],
                                                                             frames["documents"]["path"])}
    for r in frames["passages"].itertuples():
        assert texts[r.doc_id][r.char_start:r.char_end] == r.text


def test_back_matter_is_marked(frames):
    p = frames["passages"]
    biblio = p[p["text"].str.startswith("Bullock, Alan.")]
    assert len(biblio) and biblio["back_matter"].all()
    see_also = p[(p["doc_id"] == "anti_stalinist_left") & (p["text"] == "Anti-Leninism")]
    assert see_also["back_matter"].all()


def test_year_mentions_include_en_dash_ranges(frames):
    m = frames["mentions"]
    years = m[(m["entity_type"] == "year") & (m["doc_id"] == "stalinism")]
    spans = years["text"].tolist()
    assert "1936" in spans and "1938" in spans  # "1936–1938" yields both ends
    assert "1930s" in spans


def test_actor_mentions_found(frames):
    m = frames["mentions"]
    trotsky = m[(m["entity_type"] == "actor") & (m["entity_id"] == "trotsky")]
    assert len(trotsky) > 20
    assert set(trotsky["doc_id"]) == {"stalinism", "anti_stalinist_left"}


def test_year_pattern_edges():
    from dashboard.pipeline.mentions import YEAR_RE

    text = "In 1977, the group; the 1930s; 1936–1938; 247,157 and 1,500 people."
    found = [m.group(0) for m in YEAR_RE.finditer(text)]
    assert found == ["1977", "1930s", "1936", "1938"]
