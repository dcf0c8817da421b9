"""Fidelity to the texts, by record: open ends stay open, deportations are dated as the texts support them, 'over N'
leaves the maximum empty, one happening shares one id, commentators are voices not participants, movement tags
carry their quotes; and the build refuses each kind of record that would break these rules."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import write
from dashboard.dates import parse_when
from dashboard.pipeline.build import build_frames
from dashboard.pipeline.records import BuildError


def _row(frames, kind, rid):
    df = frames[kind]
    hit = df[df.iloc[:, 0] == rid]
    assert len(hit) == 1, rid
    return hit.iloc[0]


# --- finding 1: open-ended phrases stay open -------------------------------------------------------------------

@pytest.mark.parametrize("kind, rid, start", [
    ("relations", "rel_asl_bukharin_supported_stalin", 1924),      # "from late 1924"
    ("events", "ev_asl_stalin_bukharin_alliance", 1924),           # "from late 1924"
    ("events", "ev_asl_communist_antifascism", 1933),              # "after 1933"
    ("events", "ev_stalinism_concept_after_1956", 1956),           # "after 1956"
    ("relations", "rel_asl_cannon_supported_trotsky", 1936),       # "From 1936"
    ("events", "ev_asl_degenerated_workers_state", 1936),          # "From 1936"
    ("events", "ev_asl_mayakovsky_square", 1958),                  # "from 1958"
])
def test_open_phrases_keep_an_open_end(frames, kind, rid, start):
    r = _row(frames, kind, rid)
    assert r["year_start"] == start
    assert pd.isna(r["year_end"]), f"{rid}: {r['when']}"
    assert parse_when(r["when"]).end_open


def test_until_keeps_an_open_start(frames):
    r = _row(frames, "relations", "rel_asl_goldman_criticized_stalin")  # "up until her death in 1940"
    assert pd.isna(r["year_start"]) and r["year_end"] == 1940


def test_decades_and_approximations(frames):
    assert _row(frames, "events", "ev_great_purge")["when"] == "193X"          # "in the 1930s"
    assert _row(frames, "events", "ev_stalin_autocratic_ruler")["when"] == "1929~"  # "around 1929"
    w = parse_when(_row(frames, "events", "ev_term_stalinism_coined")["when"])     # "mid-1930s"
    assert (w.start, w.end, w.start_approximate) == (1934, 1936, True)


def test_no_closed_record_keeps_an_open_date_note(frames):
    """The build's refusal, seen on the built data: no 'from/after/since' note on a single closed year."""
    for kind in ("events", "relations", "estimates", "routes"):
        df = frames[kind]
        for r in df.itertuples():
            note = (r.date_note or "").lower()
            if note.startswith(("from ", "after ", "since ")) and r.when and "/" not in r.when:
                pytest.fail(f"{r[1]}: {r.date_note!r} with when {r.when!r}")


# --- finding 2: deportations ------------------------------------------------------------------------------------

DEPORTATIONS = ("ev_deportation_highland_peoples_crimean_tatars", "ev_wartime_deportations",
                "ev_deportation_to_kazakhstan")
ROUTES = ("rt_highland_peoples", "rt_crimean_tatars", "rt_volga_germans", "rt_chechens", "rt_poles",
          "rt_soviet_koreans")


@pytest.mark.parametrize("rid", DEPORTATIONS + ROUTES)
def test_deportations_take_the_texts_span_not_1937(frames, rid):
    r = _row(frames, "routes" if rid.startswith("rt_") else "events", rid)
    assert (r["year_start"], r["year_end"]) == (1939, 1949), r["when"]


@pytest.mark.parametrize("rid, refined", [
    ("rt_volga_germans", (1941, 1941)), ("rt_chechens", (1944, 1944)), ("rt_crimean_tatars", (1944, 1944)),
    ("rt_highland_peoples", (1943, 1944)), ("ev_deportation_highland_peoples_crimean_tatars", (1943, 1944)),
])
def test_known_deportation_years_are_refined_and_say_so(frames, rid, refined):
    r = _row(frames, "routes" if rid.startswith("rt_") else "events", rid)
    assert (r["refined_year_start"], r["refined_year_end"]) == refined
    assert "not in the text" in r["outside_text"]


# --- finding 3: "over N" ----------------------------------------------------------------------------------------

def test_over_leaves_high_empty(frames):
    r = _row(frames, "estimates", "est_asl_great_purge_casualties")
    assert r["low"] == 600_000 and pd.isna(r["high"])
    for rid in ("est_gulag_prisoners_1929_1953", "est_stalin_negative_votes_1934",
                "est_deported_highland_and_crimean_tatars"):
        assert pd.isna(_row(frames, "estimates", rid)["high"]), rid


# --- finding 4: one happening -----------------------------------------------------------------------------------

@pytest.mark.parametrize("ids", [
    ("ev_secret_speech_1956", "ev_twentieth_party_congress", "ev_asl_secret_speech", "ev_asl_twentieth_congress"),
    ("ev_great_turn", "ev_nep_abandoned_planned_economy", "ev_asl_end_nep_five_year_plan"),
    ("ev_moscow_trials", "ev_show_trials_replicated"),
    ("ev_great_purge", "ev_asl_great_purge"),
    ("ev_stalin_death", "ev_asl_stalin_death"),
])
def test_records_of_one_happening_share_its_id(frames, ids):
    ev = frames["events"].set_index("event_id")
    assert ev.loc[list(ids), "happening_id"].nunique() == 1
    others = ev[ev["happening_id"] == ev.loc[ids[0], "happening_id"]]
    assert set(others.index) >= set(ids)


def test_the_great_purge_keeps_each_texts_dates(frames):
    assert _row(frames, "events", "ev_great_purge")["when"] == "193X"
    assert _row(frames, "events", "ev_asl_great_purge")["when"] == "1936/1938"


# --- finding 5: participants and voices --------------------------------------------------------------------------

@pytest.mark.parametrize("rid, voice", [
    ("ev_asl_communist_antifascism", "traverso"), ("ev_asl_antwerp_group_expelled", "hyslop"),
    ("ev_asl_cuban_revolution", "draper"), ("ev_asl_opposition_bloc_dissolved", "broue"),
    ("ev_asl_polish_soviet_war", "deutscher"), ("ev_stalinism_concept_after_1956", "solzhenitsyn"),
    ("ev_asl_dont_give_up_founded", "traverso"),
])
def test_commentators_are_voices_not_participants(frames, rid, voice):
    r = _row(frames, "events", rid)
    assert voice in r["according_to"] and voice not in r["actor_ids"]


def test_claimed_ties_name_who_claims_them(frames):
    assert "fitzpatrick" in _row(frames, "relations", "rel_asl_left_opposition_influenced_stalin")["according_to"]
    assert {"haynes", "klehr"} <= set(_row(frames, "relations", "rel_asl_cia_supported_ccf")["according_to"])
    assert "rogovin" in _row(frames, "estimates", "est_central_committee_killed_rogovin")["according_to"]


# --- finding 6: movement tags as the texts give them --------------------------------------------------------------

@pytest.mark.parametrize("actor, movement", [
    ("non_aligned_movement", "titoism"), ("thompson", "new_left"), ("draper", "democratic_socialism"),
    ("ilp", "independent_left"), ("ilp_contingent", "independent_left"), ("klement", "trotskyism"),
])
def test_tags_the_texts_do_not_give_are_gone(frames, actor, movement):
    assert movement not in _row(frames, "actors", actor)["movement_ids"]


def test_every_tag_has_its_quote_or_note(frames):
    for r in frames["actors"].itertuples():
        explained = {line.split(":", 1)[0] for line in r.movement_quotes}
        assert set(r.movement_ids) <= explained, r.actor_id


def test_no_london_bureau(frames):
    mv = frames["movements"]
    assert not mv["name"].str.contains("London Bureau").any()
    assert not mv["aliases"].map(lambda a: "Independent Labour Party" in a).any()


def test_loose_aliases_are_not_mentions(frames):
    m = frames["mentions"]
    assert not ((m["entity_id"] == "pl_tbilisi") & (m["text"] == "Georgians")).any()
    tito = m[m["text"].str.startswith("Marxist–Leninist") & (m["entity_type"] == "movement")]
    assert tito.empty


# --- finding 7: the smaller gaps ---------------------------------------------------------------------------------

@pytest.mark.parametrize("rid, words", [
    ("ev_article_58_applied", "applied most broadly"), ("ev_blokhin_executions", "Blokhin"),
    ("ev_lenin_cabinet_executed", "original cabinet"), ("ev_anti_religious_persecution", "militant atheism"),
])
def test_gaps_filled(frames, rid, words):
    assert words in _row(frames, "events", rid)["quote"]


# --- refusals ---------------------------------------------------------------------------------------------------

KRONSTADT = "The Kronstadt rebellion (March 1921) was a key moment"


def _refused(mini_data, rel, body) -> str:
    write(mini_data / rel, body)
    with pytest.raises(BuildError) as e:
        build_frames(mini_data)
    return str(e.value)


def test_refuses_an_open_date_note_on_a_closed_date(mini_data):
    msg = _refused(mini_data, "anti_stalinist_left/relations.yaml", """\
        - relation_id: rel_x
          source_id: stalin
          target_id: trotsky
          relation_type: opposed
          when: '1924'
          date_note: from late 1924
          quote: such as Leon Trotsky and the party's Left Opposition
        """)
    assert "rel_x" in msg and "reads as open-ended" in msg


def test_accepts_the_open_date_and_a_closed_range_that_says_what_closes_it(mini_data):
    write(mini_data / "anti_stalinist_left/relations.yaml", """\
        - relation_id: rel_x
          source_id: stalin
          target_id: trotsky
          relation_type: opposed
          when: '1924/..'
          date_note: from late 1924
          quote: such as Leon Trotsky and the party's Left Opposition
        - relation_id: rel_y
          source_id: stalin
          target_id: trotsky
          relation_type: opposed
          when: '1924/1928'
          date_note: from late 1924 to 1928
          quote: such as Leon Trotsky and the party's Left Opposition
        """)
    f = build_frames(mini_data)
    assert set(f["relations"]["relation_id"]) == {"rel_x", "rel_y"}


def test_refuses_an_until_note_on_a_closed_start(mini_data):
    msg = _refused(mini_data, "anti_stalinist_left/events.yaml", f"""\
        - event_id: ev_x
          title: x
          event_type: other
          when: '1940'
          date_note: up until her death in 1940
          quote: {KRONSTADT}
        """)
    assert "open at the start" in msg


def test_refuses_edtf_that_does_not_parse(mini_data):
    msg = _refused(mini_data, "anti_stalinist_left/events.yaml", f"""\
        - event_id: ev_x
          title: x
          event_type: other
          when: 'spring 1921'
          quote: {KRONSTADT}
        """)
    assert "not valid EDTF" in msg


def test_refuses_when_refined_without_outside_text(mini_data):
    msg = _refused(mini_data, "anti_stalinist_left/events.yaml", f"""\
        - event_id: ev_x
          title: x
          event_type: other
          when: '1921'
          when_refined: 1921-03
          quote: {KRONSTADT}
        """)
    assert "when_refined needs outside_text" in msg


def test_refuses_an_event_without_any_date(mini_data):
    msg = _refused(mini_data, "anti_stalinist_left/events.yaml", f"""\
        - event_id: ev_x
          title: x
          event_type: other
          quote: {KRONSTADT}
        """)
    assert "an event needs a date" in msg


def test_an_event_dated_only_from_outside_the_texts_builds_without_text_years(mini_data):
    write(mini_data / "anti_stalinist_left/events.yaml", f"""\
        - event_id: ev_x
          title: x
          event_type: other
          when_refined: '1921'
          outside_text: "year not in the text (test)"
          quote: {KRONSTADT}
        """)
    r = build_frames(mini_data)["events"].iloc[0]
    assert r["when"] == "" and pd.isna(r["year_start"]) and r["refined_year_start"] == 1921


def test_refuses_over_n_as_a_maximum(mini_data):
    msg = _refused(mini_data, "anti_stalinist_left/estimates.yaml", """\
        - estimate_id: est_x
          what: casualties
          low: 600000
          high: 1000000
          qualifier: range
          when: 1936/1938
          quote: It is estimated that during the Great Purge, casualties ranged from 600,000 to over 1 million people.
        """)
    assert "est_x" in msg and "open bound" in msg


def test_refuses_a_movement_tag_without_quote_or_note(mini_data):
    acts = (mini_data / "anti_stalinist_left/actors.yaml").read_text(encoding="utf-8")
    write(mini_data / "anti_stalinist_left/actors.yaml", acts.replace(
        "  aliases: [Stalin]\n", "  movement_ids: [trotskyism]\n  aliases: [Stalin]\n"))
    with pytest.raises(BuildError) as e:
        build_frames(mini_data)
    assert "stalin: movement tag 'trotskyism' has neither a quote nor an outside_text note" in str(e.value)


def test_refuses_a_tag_quote_not_in_the_text(mini_data):
    acts = (mini_data / "anti_stalinist_left/actors.yaml").read_text(encoding="utf-8")
    write(mini_data / "anti_stalinist_left/actors.yaml", acts.replace(
        "quote: such as Leon Trotsky and the party's Left Opposition\n  aliases",
        "quote: Trotsky was never a Trotskyist\n  aliases"))
    with pytest.raises(BuildError) as e:
        build_frames(mini_data)
    assert "quote of the 'trotskyism' tag not found verbatim" in str(e.value)


def test_a_tag_with_an_outside_note_builds(mini_data):
    acts = (mini_data / "anti_stalinist_left/actors.yaml").read_text(encoding="utf-8")
    write(mini_data / "anti_stalinist_left/actors.yaml", acts.replace(
        "  aliases: [Stalin]\n", "  movement_quotes:\n  - movement_id: trotskyism\n"
                                 "    outside_text: test note\n  aliases: [Stalin]\n"))
    a = build_frames(mini_data)["actors"].set_index("actor_id")
    assert a.loc["stalin", "movement_ids"] == ("trotskyism",)  # read from movement_quotes
    assert a.loc["stalin", "movement_quotes"] == ("trotskyism: outside the texts: test note",)


ARGUES = "Conversely, Trotsky argued that a defeat for the Soviet Union would strengthen capitalism"


def test_refuses_an_actor_who_only_argues_unless_confirmed(mini_data):
    body = f"""\
        - event_id: ev_x
          title: x
          event_type: other
          when: '1940'
          actor_ids: [trotsky]
          quote: {ARGUES}
        """
    msg = _refused(mini_data, "anti_stalinist_left/events.yaml", body)
    assert "'trotsky' only argues or writes" in msg and "according_to" in msg
    write(mini_data / "anti_stalinist_left/events.yaml", body + "  argues_ok: [trotsky]\n")
    assert build_frames(mini_data)["events"]["event_id"].tolist() == ["ev_x"]
    write(mini_data / "anti_stalinist_left/events.yaml", body.replace("actor_ids: [trotsky]",
                                                                      "according_to: [trotsky]"))
    assert build_frames(mini_data)["events"].iloc[0]["according_to"] == ("trotsky",)


def test_an_actor_who_acts_is_not_taken_for_a_voice(mini_data):
    write(mini_data / "anti_stalinist_left/events.yaml", """\
        - event_id: ev_x
          title: x
          event_type: other
          when: '1936'
          actor_ids: [trotsky]
          quote: In 1936, Trotsky called for the restoration of the right of criticism
        """)
    assert build_frames(mini_data)["events"]["event_id"].tolist() == ["ev_x"]


def test_every_refusal_is_reported_at_once(mini_data):
    msg = _refused(mini_data, "anti_stalinist_left/events.yaml", f"""\
        - event_id: ev_a
          title: x
          event_type: other
          quote: {KRONSTADT}
        - event_id: ev_b
          title: x
          event_type: other
          when: '1921'
          date_note: since 1921
          quote: {KRONSTADT}
        - event_id: ev_c
          title: x
          event_type: other
          when: '1940'
          actor_ids: [trotsky]
          quote: {ARGUES}
        """)
    for rid in ("ev_a", "ev_b", "ev_c"):
        assert f"events.yaml: {rid}:" in msg


def test_a_plain_preposition_is_not_an_open_phrase(mini_data):
    write(mini_data / "anti_stalinist_left/relations.yaml", """\
        - relation_id: rel_x
          source_id: stalin
          target_id: trotsky
          relation_type: expelled
          when: '1927-12'
          date_note: expelled from the party in December, the text says; "(open-ended)" would not close anything
          quote: such as Leon Trotsky and the party's Left Opposition
        """)
    assert build_frames(mini_data)["relations"]["relation_id"].tolist() == ["rel_x"]
    write(mini_data / "anti_stalinist_left/relations.yaml", """\
        - relation_id: rel_x
          source_id: stalin
          target_id: trotsky
          relation_type: opposed
          when: '1933'
          date_note: '"after 1933" (open-ended)'
          quote: such as Leon Trotsky and the party's Left Opposition
        """)
    with pytest.raises(BuildError, match="reads as open-ended"):
        build_frames(mini_data)


# --- independent review (13 wrong records of a 150-record sample), fixed record by record ----------------------

@pytest.mark.parametrize("rid, actors", [
    ("ev_levada_poll_2015", ["levada_center"]),                         # Stalin is the poll's subject
    ("ev_asl_matteotti_battalion", ["rosselli", "berneri", "matteotti_battalion"]),  # GL did not fight in Spain
    ("ev_asl_union_of_communards", ["union_of_communards"]),           # Lenin's book was drawn on
    ("ev_asl_twentieth_congress", ["khrushchev", "cpsu"]),             # 1956: Stalin only the subject
    ("ev_asl_late_1980s_currents", []),                                # the USSR is the setting
    ("ev_parties_abandon_stalinism", ["world_communist_parties", "khrushchev"]),  # GDR, Romania are the exceptions
    ("ev_asl_spanish_left_conflicts",
     ["republican_faction", "spanish_communists", "anarchists", "trotskyists", "poum"]),  # IRMC only POUM's parent
    ("ev_secret_speech_1956", ["khrushchev"]),                         # Stalin and Lenin are the subjects
])
def test_review_participants(frames, rid, actors):
    assert list(_row(frames, "events", rid)["actor_ids"]) == actors


@pytest.mark.parametrize("rid", ["rel_tomsky_criticized_stalin_1924", "rel_zinoviev_criticized_stalin_1924",
                                 "rel_kamenev_criticized_stalin_1924"])
def test_review_by_the_autumn_of_1924_is_open(frames, rid):
    r = _row(frames, "relations", rid)
    assert r["when"] == "../1924-23" and pd.isna(r["year_start"]) and r["year_end"] == 1924
    assert "open start" in r["date_note"]


def test_review_hundreds_of_german_citizens(frames):
    r = _row(frames, "estimates", "est_german_citizens_handed_to_gestapo_weitz")
    assert (r["low"], r["qualifier"]) == (200, "hundreds") and pd.isna(r["high"])


def test_review_tendencies_after_lenins_death_stay_open(frames):
    r = _row(frames, "estimates", "est_asl_party_tendencies")
    assert r["when"] == "1924/.." and r["year_start"] == 1924 and pd.isna(r["year_end"])


# --- review patterns, over the whole data set --------------------------------------------------------------------

# Deaths the texts themselves give (Stalin 1953, Lenin 1924, Trotsky and Goldman 1940, Milyutin 1937, Kirov 1934).
DEATHS = {"stalin": 1953, "lenin": 1924, "trotsky": 1940, "goldman": 1940, "milyutin": 1937, "kirov": 1934}


def test_no_event_after_a_death_lists_the_dead(frames):
    ev = frames["events"]
    for person, died in DEATHS.items():
        late = ev[(ev["year_start"] > died) & ev["actor_ids"].map(lambda a, p=person: p in a)]
        assert late.empty, f"{person} (died {died}) in {list(late['event_id'])}"


def test_no_event_after_1953_has_stalin(frames):
    ev = frames["events"]
    hit = ev[(ev["year_start"] > 1953) & ev["actor_ids"].map(lambda a: "stalin" in a)]
    assert hit.empty, list(hit["event_id"])


def test_polls_list_the_pollster_not_their_subject(frames):
    polls = frames["events"][frames["events"]["event_type"] == "poll"]
    assert len(polls) >= 5
    for r in polls.itertuples():
        assert "stalin" not in r.actor_ids, r.event_id


@pytest.mark.parametrize("rid, subject", [
    ("ev_asl_secret_speech", "stalin"), ("ev_twentieth_party_congress", "stalin"),
    ("ev_levada_poll_2007", "stalin"), ("ev_levada_poll_2019", "stalin"),
    ("ev_carnegie_survey_armenia_2012", "stalin"), ("ev_tbilisi_survey_georgia_2013", "stalin"),
    ("ev_asl_goldman_no_communism", "stalin"),        # her essay's subject
    ("ev_term_stalinism_coined", "stalin"),           # Kaganovich's declaration's subject
    ("ev_asl_monthly_review_1960", "castro"), ("ev_asl_draper_encounter_1961", "castro"),
    ("ev_asl_american_cuba_debate", "castro"),        # essays "on ... Fidel Castro"
    ("ev_asl_soviet_funding_ended", "gorbachev"),     # Gus Hall condemned his initiatives
    ("ev_asl_degenerated_workers_state", "soviet_union"),  # what Trotsky and Cannon described
])
def test_subjects_are_not_participants(frames, rid, subject):
    assert subject not in _row(frames, "events", rid)["actor_ids"]


@pytest.mark.parametrize("rid, state", [
    ("ev_asl_late_1980s_currents", "soviet_union"),     # "in the collapsing USSR"
    ("ev_soviet_famine_1930_1933", "soviet_union"), ("ev_holodomor", "soviet_union"),  # "the Soviet famine"
    ("ev_great_turn", "soviet_union"),                  # "the face of the Soviet Union"
    ("ev_wartime_deportations", "soviet_union"),        # "the ethnic map of the Soviet Union"
    ("ev_deportation_to_kazakhstan", "soviet_union"),   # "places in the central Soviet Union"
    ("ev_gulag_system", "soviet_union"),                # "remote areas of the Soviet Union"
    ("ev_mongolian_purge", "mongolian_peoples_republic"),  # "to Mongolia"
])
def test_states_named_as_the_setting_are_not_participants(frames, rid, state):
    assert state not in _row(frames, "events", rid)["actor_ids"]


AUTUMN_1924 = "by the autumn of 1924"


def test_every_record_quoting_by_the_autumn_of_1924_has_an_open_start(frames):
    seen = []
    for kind in ("events", "relations", "estimates"):
        df = frames[kind]
        for r in df[df["quote"].str.contains(AUTUMN_1924, regex=False)].itertuples():
            seen.append(r[1])
            w = parse_when(r.when)
            assert w.start_open and (w.end, r.when) == (1924, "../1924-23"), f"{r[1]}: {r.when!r}"
            assert pd.isna(r.year_start), r[1]
    assert len(seen) >= 15, seen   # 2 quoting the first sentence, 13 the second


VAGUE = {"hundreds": 200, "thousands": 2_000, "tens of thousands": 20_000, "hundreds of thousands": 200_000,
         "millions": 2_000_000}


def test_vague_plurals_follow_one_convention(frames):
    """qualifier = the text's word, low = the smallest number it allows, high empty (data/README.md)."""
    est = frames["estimates"]
    vague = est[est["qualifier"].isin(list(VAGUE))]
    assert len(vague) >= 6
    for r in vague.itertuples():
        assert r.low == VAGUE[r.qualifier] and pd.isna(r.high), f"{r.estimate_id}: {r.low}-{r.high} {r.qualifier}"
        assert r.qualifier in r.quote, r.estimate_id


@pytest.mark.parametrize("rid, qualifier", [
    ("est_german_citizens_handed_to_gestapo_weitz", "hundreds"),
    ("est_german_communists_handed_to_gestapo", "thousands"),
    ("est_asl_gulag_thousands", "thousands"), ("est_foreign_communists_destroyed_rogovin", "thousands"),
    ("est_mongolia_purge_executed", "tens of thousands"), ("est_deportees_died_en_route", "hundreds of thousands"),
])
def test_vague_plural_records(frames, rid, qualifier):
    r = _row(frames, "estimates", rid)
    assert r["qualifier"] == qualifier and r["low"] == VAGUE[qualifier] and pd.isna(r["high"])


def test_no_vague_plural_is_read_as_over(frames):
    est = frames["estimates"]
    for r in est[est["qualifier"] == "over"].itertuples():
        assert not any(w in r.quote for w in ("hundreds of", "thousands of", "the thousands")), r.estimate_id


BLOC_PARAGRAPH = [
    "rel_asl_r2_swp_dissidents_member_of_swp", "rel_asl_r2_swp_dissidents_criticized_soviet_union",
    "rel_asl_r2_shachtman_member_of_swp_dissidents", "rel_asl_r2_soviet_union_member_of_german_soviet_italian_bloc",
    "rel_asl_r2_soviet_union_allied_with_nazi_germany", "rel_asl_r2_nazi_germany_leader_of_german_soviet_italian_bloc",
    "rel_asl_r2_fascist_italy_member_of_german_soviet_italian_bloc",
    "rel_asl_r2_england_leader_of_anglo_american_french_bloc", "rel_asl_r2_france_leader_of_anglo_american_french_bloc",
    "rel_asl_r2_united_states_supported_anglo_american_french_bloc",
    "rel_asl_r2_shachtman_opposed_german_soviet_italian_bloc",
    "rel_asl_r2_shachtman_opposed_anglo_american_french_bloc",
    "rel_asl_r2_swp_dissidents_opposed_german_soviet_italian_bloc",
    "rel_asl_r2_swp_dissidents_opposed_anglo_american_french_bloc",
    "ev_asl_third_camp", "ev_asl_swp_new_social_formation",
]


@pytest.mark.parametrize("rid", BLOC_PARAGRAPH)
def test_the_bloc_paragraph_is_refined_to_the_pact_years(frames, rid):
    """The paragraph cites the Baltic invasion (1940); the German–Soviet–Italian bloc lasted until June 1941."""
    r = _row(frames, "events" if rid.startswith("ev_") else "relations", rid)
    assert (r["refined_year_start"], r["refined_year_end"]) == (1939, 1941), r["when_refined"]
    assert "1940" in r["outside_text"] and "1941" in r["outside_text"]


def test_kazakhstan_refinement_names_every_people_it_covers(frames):
    r = _row(frames, "events", "ev_deportation_to_kazakhstan")
    for people in ("Koreans", "Poles", "Volga Germans", "Chechens", "Crimean Tatars"):
        assert people in r["outside_text"], people
    poles = _row(frames, "routes", "rt_poles")
    assert r["refined_year_start"] <= poles["refined_year_start"] and poles["refined_year_end"] <= r["refined_year_end"]


def test_refuses_a_vague_plural_read_as_over(mini_data):
    msg = _refused(mini_data, "anti_stalinist_left/estimates.yaml", """\
        - estimate_id: est_x
          what: people sent to camps
          low: 1000
          qualifier: over
          when: '1956'
          quote: In addition, he explained that Stalin had rounded up "thousands of people
        """)
    assert "est_x" in msg and "'thousands'" in msg


def test_refuses_a_vague_plural_off_the_convention(mini_data):
    msg = _refused(mini_data, "anti_stalinist_left/estimates.yaml", """\
        - estimate_id: est_x
          what: people sent to camps
          low: 1000
          qualifier: thousands
          when: '1956'
          quote: In addition, he explained that Stalin had rounded up "thousands of people
        """)
    assert "est_x" in msg and "2,000" in msg


def test_accepts_a_vague_plural_on_the_convention(mini_data):
    write(mini_data / "anti_stalinist_left/estimates.yaml", """\
        - estimate_id: est_x
          what: people sent to camps
          low: 2000
          qualifier: thousands
          when: '1956'
          quote: In addition, he explained that Stalin had rounded up "thousands of people
        """)
    assert build_frames(mini_data)["estimates"]["low"].tolist() == [2000]


def test_every_event_label_is_whole(bundle):
    """Labels written beside the marks are never cut ('…'): long titles carry a curated `label`."""
    labels = bundle.events["label"]
    assert not labels.str.endswith("…").any()
    assert (labels.str.len() <= 32).all()


def test_a_long_title_without_a_label_is_refused(mini_data):
    import pytest as _pytest

    from dashboard.pipeline.build import build_frames
    from dashboard.pipeline.records import BuildError

    events = mini_data / "anti_stalinist_left" / "events.yaml"
    text = events.read_text(encoding="utf-8")
    first_title = next(line for line in text.splitlines() if line.startswith("  title: "))
    events.write_text(text.replace(first_title, "  title: A very long title that no timeline could ever write "
                                                "beside its mark", 1), encoding="utf-8")
    with _pytest.raises(BuildError, match="add `label:`"):
        build_frames(mini_data)


# --- audit round 2 (docs/audit-round2.md), fixed record by record -------------------------------------------------

@pytest.mark.parametrize("rid, actors", [
    ("ev_asl_irmc_founded", ["irmc"]),                        # the Comintern is what it "rejected"
    ("ev_asl_monthly_review_1960", ["monthly_review"]),       # "influenced by the writings of" Sweezy and Huberman
    ("ev_asl_attack_on_critics_1930s", ["cpsu"]),             # "critics of Stalin ... under heavy attack by the party"
    ("ev_asl_opposition_bloc_formed",                         # a bloc "to oppose Stalin"
     ["opposition_bloc", "right_opposition_faction", "trotsky", "zinoviev", "kamenev"]),
    ("ev_asl_ryutin_affair", ["right_opposition_faction"]),   # a manifesto against "the dictatorship of Stalin"
    ("ev_asl_stalin_turns_on_right", ["stalin", "right_opposition_faction"]),  # Trotsky "out of the way"
    ("ev_asl_ccf_founded", ["ccf", "ncl", "der_monat", "encounter"]),  # the Partisan Review "existing", "influenced"
    ("ev_asl_god_that_failed",                                # "a key text for this movement"
     ["crossman", "fischer", "gide", "koestler", "silone", "spender", "richard_wright"]),
    ("ev_asl_vail_group", ["vail_group"]),                    # "read texts by ... the Workers Opposition"
    ("ev_socialism_in_one_country_introduced", ["stalin"]),   # "in sharp contrast to Trotsky's permanent revolution"
    ("ev_kirov_assassination", ["kirov", "stalin"]),          # the scheme's targets took no part in the murder
])
def test_audit2_participants(frames, rid, actors):
    assert list(_row(frames, "events", rid)["actor_ids"]) == actors


def test_audit2_splits_after_hungary_have_no_place(frames):
    """'splits within and departures from Communist parties' 'globally': not at Budapest."""
    place = _row(frames, "events", "ev_asl_hungary_splits")["place_id"]
    assert pd.isna(place) or place == ""
    assert _row(frames, "events", "ev_asl_hungarian_revolution")["place_id"] == "pl_budapest"


@pytest.mark.parametrize("rid, movement", [
    ("ev_asl_cpusa_subsidy", "stalinism"),             # "no longer officially Stalinist"
    ("ev_asl_stalin_turns_on_right", "trotskyism"),    # Trotsky is the background, not a participant
])
def test_audit2_movement_tags(frames, rid, movement):
    assert movement not in _row(frames, "events", rid)["movement_ids"]


SERIES = ("ev_wartime_deportations", "ev_deportation_to_kazakhstan", "rt_soviet_koreans", "rt_volga_germans",
          "rt_crimean_tatars", "rt_chechens", "rt_poles")


@pytest.mark.parametrize("rid", SERIES)
def test_audit2_shortly_before_the_war_is_an_approximate_start(frames, rid):
    r = _row(frames, "routes" if rid.startswith("rt_") else "events", rid)
    w = parse_when(r["when"])
    assert (w.start, w.end, w.start_approximate, w.end_approximate) == (1939, 1949, True, False), r["when"]
    assert "shortly before" in r["date_note"]


def test_audit2_after_the_occupation_of_the_caucasus_keeps_a_closed_start(frames):
    for kind, rid in (("events", "ev_deportation_highland_peoples_crimean_tatars"), ("routes", "rt_highland_peoples")):
        w = parse_when(_row(frames, kind, rid)["when"])
        assert (w.start, w.end, w.start_approximate) == (1939, 1949, False)


# Refined dates outside the text's own span: section-dated records that outside knowledge places elsewhere, each
# saying so in outside_text (docs/audit-round2.md, pattern 4). Any other is a refinement that contradicts the text.
REFINED_OUTSIDE = {"ev_asl_ccf_founded", "ev_asl_political_diary", "ev_wwi_state_intervention"}


def test_audit2_refined_dates_narrow_the_texts(frames):
    for kind in ("events", "relations", "routes", "estimates", "periods"):
        for r in frames[kind].itertuples():
            if not r.when or not r.when_refined or r[1] in REFINED_OUTSIDE:
                continue
            w, ref = parse_when(r.when), parse_when(r.when_refined)
            slack = 2 if w.start_approximate else 0     # "shortly before" the war: the Koreans' 1937
            if w.start is not None and ref.start is not None:
                assert ref.start >= w.start - slack, f"{r[1]}: {r.when_refined} before {r.when}"
            if w.end is not None and ref.end is not None:
                assert ref.end <= w.end, f"{r[1]}: {r.when_refined} after {r.when}"
    for rid in REFINED_OUTSIDE:
        assert _row(frames, "events", rid)["outside_text"]


MID_CENTURY = "By the mid-20th century"


@pytest.mark.parametrize("rid", ["rel_r2_social_democrats_usa_split_from_trotskyists",
                                 "rel_r2_shachtman_split_from_trotskyists"])
def test_audit2_by_the_mid_20th_century_is_an_open_start_about_1950(frames, rid):
    r = _row(frames, "relations", rid)
    assert r["when"] == "../1950~" and pd.isna(r["year_start"]) and r["year_end"] == 1950


def test_audit2_every_record_quoting_the_mid_20th_century_reads_it_alike(frames):
    seen = []
    for kind in ("events", "relations", "estimates"):
        df = frames[kind]
        for r in df[df["quote"].str.contains(MID_CENTURY, regex=False)].itertuples():
            seen.append(r[1])
            assert r.when == "../1950~", f"{r[1]}: {r.when!r}"
    assert len(seen) >= 4, seen
