"""Debates: the curated questions and claims, the refusals that guard them, the disagreements the build derives, the
coverage of attributed sentences, and the Debates view's pure model and figure."""

from __future__ import annotations

import pytest

from helpers import write
from dashboard.pipeline.build import build_frames
from dashboard.pipeline.coverage import unclaimed
from dashboard.pipeline.debates import stated_date, stated_figure
from dashboard.pipeline.records import BuildError
from dashboard.schema import STANCES

QUESTION = """\
- question_id: q_one_country
  label: Socialism in one country or world revolution?
  pole_a: socialism in one country
  pole_b: world revolution
  quote: Trotsky also disagreed with Stalin's thesis of Socialism in One Country
"""
BELIEVED = ("Trotsky also disagreed with Stalin's thesis of Socialism in One Country, believing that the institution "
            "of revolution in one state or country would not be as effective as a global revolution.")


def _claim(holder="trotsky", question="q_one_country", stance="pole_b",
           quote="Trotsky believed an accelerated global surge to be the answer"):
    return f"""\
- claim_id: cl_test
  question_id: {question}
  holder_id: {holder}
  stance: {stance}
  summary: an accelerated global surge
  quote: {quote}
"""


def _problems(mini_data, claims: str, question: str = QUESTION) -> list[str]:
    write(mini_data / "anti_stalinist_left" / "debates" / "questions.yaml", question)
    write(mini_data / "anti_stalinist_left" / "debates" / "claims.yaml", claims)
    with pytest.raises(BuildError) as e:
        build_frames(mini_data)
    return [p.message for p in e.value.problems]


# --- the curated data -------------------------------------------------------------------------------------------

def test_every_claims_holder_is_an_actor_and_its_question_exists(frames):
    claims = frames["claims"]
    assert len(claims) >= 100
    assert set(claims["holder_id"]) <= set(frames["actors"]["actor_id"])
    assert set(claims["question_id"]) <= set(frames["questions"]["question_id"])
    assert set(claims["stance"]) <= set(STANCES)


def test_every_question_has_claims_on_both_poles_or_says_why_not(frames):
    claims, questions = frames["claims"], frames["questions"]
    for q in questions.itertuples():
        stances = set(claims.loc[claims["question_id"] == q.question_id, "stance"])
        assert q.claim_count == (claims["question_id"] == q.question_id).sum()
        assert {"pole_a", "pole_b"} <= stances or q.poles_note, q.question_id


def test_claim_quotes_are_verbatim_and_located(frames):
    texts = dict(zip(frames["documents"]["doc_id"], frames["documents"]["text"]))
    for c in frames["claims"].itertuples():
        assert texts[c.doc_id][c.char_start:c.char_end] == c.quote


def test_claims_and_questions_quote_from_a_sentences_first_word(frames):
    p = frames["passages"]
    starts = set(zip(p["doc_id"], p["char_start"]))
    for name in ("claims", "questions"):
        d = frames[name]
        assert all((doc, s) in starts for doc, s in zip(d["doc_id"], d["char_start"])), name


def test_a_summary_is_one_short_line(mini_data):
    msgs = _problems(mini_data, _claim().replace("summary: an accelerated global surge",
                                                 "summary: '" + "x" * 101 + "'"))
    assert any("summary" in m and "100" in m for m in msgs), msgs


def test_the_debates_the_issue_names_are_there(frames):
    claims = frames["claims"].set_index("claim_id")
    # continuity: Pipes, Radzinsky, Kotkin, Volkogonov; break: Medvedev, Deutscher, Lewin, Broué, Daniels, Gill
    on = claims[claims["question_id"] == "q_leninism"]
    pole = dict(zip(on["holder_id"], on["stance"]))
    assert {pole[h] for h in ("pipes", "radzinsky", "kotkin", "volkogonov")} == {"pole_a"}
    assert {h for h in ("medvedev", "deutscher", "lewin", "broue", "daniels", "liebman")
            if (on[on["holder_id"] == h]["stance"] == "pole_b").any()} == {"medvedev", "deutscher", "lewin", "broue",
                                                                          "daniels", "liebman"}
    assert pole["service"] == "qualified"
    assert claims.loc["cl_jameson_success", "stance"] == "pole_a"
    assert claims.loc["cl_conquest_disputes", "stance"] == "pole_b"
    assert claims.loc["cl_khrushchev_secret_speech", "work_year"] == 1956
    assert claims.loc["cl_trotsky_degenerated_1936", "stance"] == "pole_a"
    assert claims.loc["cl_shachtman_bureaucratic_collectivism", "stance"] == "pole_b"
    assert claims.loc["cl_mussolini_slavic_fascism", "stance"] == "other"


def test_new_holders_are_actors_with_their_own_quote(frames):
    act = frames["actors"].set_index("actor_id")
    assert act.loc["ukrainian_government", "actor_type"] == "state"
    assert "Ukrainian government" in act.loc["ukrainian_government", "quote"]


# --- refusals ---------------------------------------------------------------------------------------------------

def test_a_claim_with_an_unknown_holder_is_refused(mini_data):
    msgs = _problems(mini_data, _claim(holder="nobody"))
    assert any("unknown holder 'nobody'" in m and "actor" in m for m in msgs), msgs


def test_a_claim_on_an_unknown_question_is_refused(mini_data):
    msgs = _problems(mini_data, _claim(question="q_nowhere"))
    assert any("unknown question 'q_nowhere'" in m for m in msgs), msgs


def test_a_claim_with_a_bad_stance_is_refused(mini_data):
    msgs = _problems(mini_data, _claim(stance="left"))
    assert any("stance 'left' is not one of pole_a" in m for m in msgs), msgs


def test_a_claim_whose_quote_is_not_in_the_text_is_refused(mini_data):
    msgs = _problems(mini_data, _claim(quote="Trotsky believed in nothing at all"))
    assert any("quote not found verbatim" in m for m in msgs), msgs


def test_a_comparison_of_an_unknown_record_or_of_a_figure_with_a_date_is_refused(mini_data):
    write(mini_data / "comparisons.yaml", """\
        - comparison_id: cmp_test
          what: nothing
          record_ids: [ev_kronstadt, ev_nowhere]
        """)
    with pytest.raises(BuildError) as e:
        build_frames(mini_data)
    assert any("unknown record 'ev_nowhere'" in p.message for p in e.value.problems)


def test_a_valid_claim_builds(mini_data):
    write(mini_data / "anti_stalinist_left" / "debates" / "questions.yaml", QUESTION)
    write(mini_data / "anti_stalinist_left" / "debates" / "claims.yaml", _claim())
    f = build_frames(mini_data)
    assert f["claims"]["claim_id"].tolist() == ["cl_test"]
    assert f["questions"]["claim_count"].tolist() == [1]


# --- disagreements ----------------------------------------------------------------------------------------------

def _sides(frames):
    d = frames["disagreements"]
    return [({r.a_value, r.b_value}, r) for r in d.itertuples()]


def test_disagreements_include_the_great_purge_years(frames):
    found = [r for vals, r in _sides(frames) if "in the 1930s" in vals and "from 1936 to 1938" in vals]
    assert found and found[0].happening_id == "hp_great_purge" and found[0].basis == "dates"
    assert {found[0].a_doc_id, found[0].b_doc_id} == {"stalinism", "anti_stalinist_left"}
    assert found[0].overlap == "contained"


def test_disagreements_include_stalinisms_span(frames):
    found = [r for vals, r in _sides(frames) if "from 1927 to 1953" in vals and "between 1924 and 1953" in vals]
    assert found and found[0].found_by == "comparison"
    assert {found[0].a_doc_id, found[0].b_doc_id} == {"stalinism", "anti_stalinist_left"}


def test_disagreements_include_the_purge_toll(frames):
    found = [r for vals, r in _sides(frames) if "from 600,000 to over 1 million" in vals and "nearly 700,000" in vals]
    assert found and found[0].basis == "figures"
    r = found[0]
    for x in ("a", "b"):
        assert getattr(r, f"{x}_value") in getattr(r, f"{x}_quote")


def test_every_side_quotes_its_record(frames):
    texts = dict(zip(frames["documents"]["doc_id"], frames["documents"]["text"]))
    for r in frames["disagreements"].itertuples():
        for x in ("a", "b"):
            doc, s, e = getattr(r, f"{x}_doc_id"), getattr(r, f"{x}_char_start"), getattr(r, f"{x}_char_end")
            assert texts[doc][s:e] == getattr(r, f"{x}_quote")
        assert r.a_value != r.b_value


def test_stated_values_are_read_from_the_quote():
    assert stated_date("Stalin consolidated nearly absolute power in the 1930s with a Great Purge", 1930, 1939) == \
        ("in the 1930s", (1930, 1939))
    assert stated_date("The Great Purge occurred from 1936 to 1938 as a result", 1936, 1938)[0] == "from 1936 to 1938"
    assert stated_date("known as the Khrushchev Thaw (1956–64)", 1956, 1964) == ("1956–64", (1956, 1964))
    assert stated_date("Revolutionary era critiques (pre-1924)", None, 1923) == ("pre-1924", (None, 1923))
    assert stated_date("a sentence with no year", 1929, 1929) == ("", (1929, 1929))
    assert stated_figure("casualties ranged from 600,000 to over 1 million people.", 600000, None) == \
        "from 600,000 to over 1 million"
    assert stated_figure("nearly 700,000 people (353,074 in 1937 and 328,612 in 1938)", 700000, 700000) == \
        "nearly 700,000"
    assert stated_figure("353,074 in 1937 and 328,612 in 1938", 328612, 328612) == "328,612"


# --- coverage ---------------------------------------------------------------------------------------------------

def test_every_attributed_sentence_is_claimed_or_waived(frames):
    items = unclaimed(frames)
    assert not items, "\n".join(u.text for u in items)


def test_an_attributed_sentence_is_listed_until_a_claim_or_a_waiver_cites_it(mini_data):
    assert BELIEVED in {u.text for u in unclaimed(build_frames(mini_data))}
    write(mini_data / "anti_stalinist_left" / "debates" / "questions.yaml", QUESTION.replace(
        "Trotsky also disagreed with Stalin's thesis of Socialism in One Country", "Trotsky believed an accelerated"))
    write(mini_data / "anti_stalinist_left" / "debates" / "claims.yaml", _claim(quote=BELIEVED))
    assert BELIEVED not in {u.text for u in unclaimed(build_frames(mini_data))}
    write(mini_data / "anti_stalinist_left" / "debates" / "claims.yaml", "")
    write(mini_data / "anti_stalinist_left" / "waivers.yaml", """\
        - quote: Trotsky also disagreed with Stalin's thesis
          reason: test waiver of the claims list
          waives: [claims]
        """)
    assert BELIEVED not in {u.text for u in unclaimed(build_frames(mini_data))}


# --- the Debates view -------------------------------------------------------------------------------------------

from dashboard.selection import Selection  # noqa: E402
from dashboard.views.debates import (PANEL_SIZE, SLIDE_SIZE, debates_figure, debates_model,  # noqa: E402
                                     disagreement_summary, disagreements_for, shown_claims)


@pytest.fixture(scope="module", params=[PANEL_SIZE, SLIDE_SIZE], ids=["panel", "slide"])
def model(request, bundle):
    return debates_model(bundle, Selection(), size=request.param, present=request.param == SLIDE_SIZE)


def test_chips_are_placed_by_stance(model):
    x0, x1 = model.track
    third = (x1 - x0) / 3
    assert model.chips
    for c in model.chips:
        if c.stance == "pole_a":
            assert x0 <= c.x < x0 + third, c
        elif c.stance == "qualified":
            assert x0 + third < c.x < x0 + 2 * third, c
        elif c.stance == "pole_b":
            assert x0 + 2 * third < c.x <= x1, c
        else:
            assert model.other[0] <= c.x <= model.other[1], c
    assert {c.stance for c in model.chips} == set(STANCES)


def test_chips_sit_in_their_questions_row_and_nothing_overlaps(model):
    rows = {r.question_id: r for r in model.rows}
    for c in model.chips:
        r = rows[c.question_id]
        assert r.track_y < c.y < r.bottom
        x0, y0, x1, y1 = c.box
        assert 0 <= x0 and x1 <= model.width and 0 <= y0 and y1 <= model.height, c
    assert model.overlapping() == []
    for a, b in zip(model.rows, model.rows[1:]):
        assert a.bottom <= b.top


def test_the_slide_names_nearly_every_holder_and_rows_fit(model, bundle):
    if model.width == SLIDE_SIZE[0]:
        assert len(model.rows) == len(bundle.questions) and model.hidden_questions == 0
        assert model.labelled_share > 0.9
    else:
        assert len(model.rows) + model.hidden_questions == len(bundle.questions)
        assert model.rows[0].question_id == "q_leninism"  # the most debated first


def test_one_chip_per_holder_and_stance_with_its_claims(model, bundle):
    claims = bundle.claims.set_index("claim_id")
    seen = set()
    for c in model.chips:
        key = (c.question_id, c.holder_id, c.stance)
        assert key not in seen
        seen.add(key)
        for cid in c.claim_ids:
            assert tuple(claims.loc[cid, ["question_id", "holder_id", "stance"]]) == key


def test_figure_chips_carry_claim_ids_and_labels_their_names(bundle):
    fig = debates_figure(bundle, Selection(), size=PANEL_SIZE)
    markers, labels = fig["data"]
    assert set(markers["customdata"]) <= set(bundle.claims["claim_id"])
    assert len(markers["customdata"]) == len(set(markers["customdata"]))
    names = set(bundle.actors["name"])
    assert labels["text"] and set(labels["text"]) <= names
    assert fig["layout"]["width"] == PANEL_SIZE[0] and fig["layout"]["height"] == PANEL_SIZE[1]
    texts = " ".join(a["text"] for a in fig["layout"]["annotations"])
    assert "continuity: grew out of Leninism" in texts and "break: Stalin departed from Lenin" in texts


def test_movement_filter_keeps_the_holders_of_that_movement(bundle):
    sel = Selection(movement_ids=("trotskyism",))
    m = debates_model(bundle, sel, size=SLIDE_SIZE)
    fam = dict(zip(bundle.movements["movement_id"], bundle.movements["family_id"]))
    mv = dict(zip(bundle.actors["actor_id"], bundle.actors["movement_ids"]))
    holders = {c.holder_id for c in m.chips}
    assert {"trotsky", "shachtman", "cannon"} <= holders
    assert "kotkin" not in holders and "pipes" not in holders
    for h in holders:
        assert any(x == "trotskyism" or fam.get(x) == "trotskyism" for x in mv[h]), h


def test_search_finds_claims_by_holder_or_words(bundle):
    by_name = shown_claims(bundle, Selection(q="Kotkin"))
    assert "kotkin" in set(by_name["holder_id"]) and len(by_name) < len(bundle.claims)
    assert all("kotkin" in (r.holder_id + r.quote + r.summary).casefold() for r in by_name.itertuples())
    by_words = shown_claims(bundle, Selection(q="bureaucratic collectivism"))
    assert "shachtman" in set(by_words["holder_id"])
    m = debates_model(bundle, Selection(q="no such words anywhere"), size=PANEL_SIZE)
    assert not m.rows and not m.chips and m.empty


def test_the_selected_claim_is_labelled_first(bundle):
    sel = Selection(selected="cl_lewin_testament")
    m = debates_model(bundle, sel, size=PANEL_SIZE)
    chip = next(c for c in m.chips if "cl_lewin_testament" in c.claim_ids)
    assert chip.selected and chip.label_shown


def test_sources_disagree_side_by_side_for_a_happening(bundle):
    found = disagreements_for(bundle, "ev_great_purge")
    assert len(found) == 1
    d = found[0]
    assert {d.a.value, d.b.value} == {"in the 1930s", "from 1936 to 1938"}
    assert {d.a.doc_id, d.b.doc_id} == {"stalinism", "anti_stalinist_left"}
    assert {d.a.doc_title, d.b.doc_title} == set(bundle.documents["title"])
    assert "\u2260" in disagreement_summary(d)
    assert disagreements_for(bundle, "est_great_terror_executions")[0].basis == "figures"
    assert len(disagreements_for(bundle)) == len(bundle.disagreements)
    assert disagreements_for(bundle, "ev_kronstadt_nowhere") == ()


@pytest.mark.parametrize("size", [(768, 455), (470, 250), (1920, 1080)])
def test_debates_text_never_meets_other_text(bundle, size):
    """Titles and their counts share a line only when both fit; the poles take two lines when they do not fit
    side by side; the rows and the note on left-out questions stay inside the figure."""
    from dashboard.selection import Selection
    from dashboard.textwidth import text_height, text_width
    from dashboard.views.debates import LABEL_PX, MARGIN, POLE_PX, TITLE_PX, debates_model

    m = debates_model(bundle, Selection(), size=size)
    s = m.scale
    track = m.track[1] - m.track[0]
    for r in m.rows:
        if r.note:
            assert text_width(r.label, TITLE_PX * s, bold=True) + text_width(r.note, POLE_PX * s) < track
        if r.pole_b_y == r.pole_y:
            assert text_width("◀ " + r.pole_a, POLE_PX * s) + text_width(r.pole_b + " ▶", POLE_PX * s) < track
        assert r.bottom <= size[1] - MARGIN + 0.5
    if m.hidden_questions and m.rows:
        assert m.rows[-1].bottom + text_height(POLE_PX * s) <= size[1] - MARGIN + 0.5
    assert m.overlapping() == [] and LABEL_PX


def test_source_panel_names_where_the_texts_disagree(bundle):
    """A record of a curated comparison shows both sides, each with its text and words; with the Debates view
    open and nothing selected, the overview lists every disagreement."""
    from dashboard.selection import Selection, shown
    from dashboard.views.source import overview_model, source_model

    d = bundle.disagreements.set_index("disagreement_id").loc["dis_cmp_great_purge_toll"]
    rid = d["a_record_ids"][0]
    m = source_model(bundle, rid)
    assert m.disagree and m.disagree[0][0] == d["what"]
    sides = m.disagree[0][1]
    assert {s[2] for s in sides} == {d["a_value"], d["b_value"]} and sides[0][1] != sides[1][1]
    ov = overview_model(bundle, Selection(view="debates"), shown(bundle, Selection()))
    assert len(ov.disagree) == len(bundle.disagreements)
    assert overview_model(bundle, Selection(), shown(bundle, Selection())).disagree == ()
