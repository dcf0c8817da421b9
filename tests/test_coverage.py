"""The coverage report: every dated or named sentence is cited by a record or waived with a reason."""

from __future__ import annotations

from helpers import write
from dashboard.pipeline.build import build_frames
from dashboard.pipeline.coverage import report, uncovered


def test_corpus_has_no_unexplained_sentence(frames):
    text, n = report(frames)
    assert n == 0, text


def test_report_lists_an_uncited_sentence_and_a_waiver_clears_it(mini_data):
    f = build_frames(mini_data)
    todo = {u.text for u in uncovered(f)}
    sentence = "In 1977, the Young Socialists formed at the Moscow State University, with Boris Kagarlitsky among its members."
    assert sentence in todo
    write(mini_data / "anti_stalinist_left" / "waivers.yaml", """\
        - quote: In 1977, the Young Socialists formed at the Moscow State University
          reason: test waiver
        """)
    f = build_frames(mini_data)
    assert sentence not in {u.text for u in uncovered(f)}
    text, n = report(f)
    assert f"total uncovered: {n}" in text
