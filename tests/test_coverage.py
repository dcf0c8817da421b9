"""The coverage report: every dated or named sentence is cited by a record or waived with a reason; sentences where
actors stand with a relation verb, or that name a movement, are listed until a tie or movement record cites them
or a waiver says why none is needed."""

from __future__ import annotations

from helpers import write
from dashboard.pipeline.build import build_frames
from dashboard.pipeline.coverage import movement_terms, report, unclaimed, uncovered, unrecorded_movements, untied


def test_corpus_has_no_unexplained_sentence(frames):
    items = uncovered(frames)
    assert not items, "\n".join(u.text for u in items)


def test_report_lists_an_uncited_sentence_and_a_waiver_clears_it(mini_data):
    f = build_frames(mini_data)
    todo = {u.text for u in uncovered(f)}
    sentence = ("In 1977, the Young Socialists formed at the Moscow State University, with Boris Kagarlitsky among its "
                "members.")
    assert sentence in todo
    write(mini_data / "anti_stalinist_left" / "waivers.yaml", """\
        - quote: In 1977, the Young Socialists formed at the Moscow State University
          reason: test waiver
        """)
    f = build_frames(mini_data)
    assert sentence not in {u.text for u in uncovered(f)}
    text, n = report(f)
    assert "total uncovered: " in text and n == len(uncovered(f)) + len(untied(f)) + len(unrecorded_movements(f)) \
        + len(unclaimed(f))


DISAGREED = "Leon Trotsky and Stalin disagreed on issues of industrialization and revolutionary tactics."


def test_two_actors_with_a_relation_verb_are_listed_until_a_tie_cites_them(mini_data):
    assert DISAGREED in {u.text for u in untied(build_frames(mini_data))}
    write(mini_data / "anti_stalinist_left" / "relations.yaml", """\
        - relation_id: rel_trotsky_opposed_stalin
          source_id: trotsky
          target_id: stalin
          relation_type: opposed
          quote: Leon Trotsky and Stalin disagreed on issues of industrialization
        """)
    assert DISAGREED not in {u.text for u in untied(build_frames(mini_data))}


def test_a_ties_waiver_clears_the_tie_list_but_not_the_record_list(mini_data):
    write(mini_data / "anti_stalinist_left" / "waivers.yaml", """\
        - quote: Leon Trotsky and Stalin disagreed on issues
          reason: test waiver of the tie list only
          waives: [ties]
        """)
    f = build_frames(mini_data)
    assert DISAGREED not in {u.text for u in untied(f)}
    assert DISAGREED in {u.text for u in uncovered(f)}  # the 'records' list is not waived by a ties waiver


def test_a_named_movement_without_a_record_is_listed(mini_data):
    # the mini data has one movement, Trotskyism: Titoism in the intro's list has no record
    items = {u.text: u.reasons for u in unrecorded_movements(build_frames(mini_data))}
    intro = next(t for t in items if t.startswith("Some of the notable movements"))
    assert "Titoism" in items[intro] and "Trotskyism" not in items[intro]
    assert "Eurocommunism" in items[intro] and "ultra-leftism" in items[intro]


def test_movement_terms_leave_out_generic_ideas():
    terms = movement_terms("Trotsky and his followers opposed totalitarianism, fascism and capitalism; "
                           "the anti-fascist movement and the Makhnovist movement.")
    assert "totalitarianism" not in terms and "capitalism" not in terms
    assert "fascist movement" not in terms  # part of "anti-fascist movement"
    assert "Makhnovist movement" in terms and "fascism" in terms
