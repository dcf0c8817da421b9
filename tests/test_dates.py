"""EDTF dates: reading them, their year bounds, and how a period filter matches open and refined dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.dates import OPEN_END_YEARS, edtf_problem, parse_when, shifted, when_of_years, year_arrays
from dashboard.index import _rows


@pytest.mark.parametrize("text, start, end, flags", [
    ("1937", 1937, 1937, ()),
    ("1939/1949", 1939, 1949, ()),
    ("1924/..", 1924, None, ("end_open",)),
    ("1924/", 1924, None, ("end_open",)),
    ("../1940", None, 1940, ("start_open",)),
    ("1934~/1936~", 1934, 1936, ("start_approximate", "end_approximate")),
    ("193X", 1930, 1939, ()),
    ("1928-23", 1928, 1928, ()),
    ("1941?", 1941, 1941, ("start_approximate", "end_approximate")),
])
def test_when_reads_years_and_uncertainty(text, start, end, flags):
    w = parse_when(text)
    assert (w.start, w.end) == (start, end)
    for name in ("start_open", "end_open", "start_approximate", "end_approximate"):
        assert getattr(w, name) == (name in flags), name
    assert edtf_problem(text) is None


@pytest.mark.parametrize("text", ["", "1940/1930", "abc", "19X4", "../..", "1937-13", "1/2/3"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_when(text)


def test_years_written_back_and_shifted():
    assert when_of_years(1937, 1937) == "1937" and when_of_years(1939, 1949) == "1939/1949"
    assert when_of_years(1924, None) == "1924/.." and when_of_years(None, 1940) == "../1940"
    assert when_of_years(None, None) == ""
    assert shifted("1934~/1936~", 3) == "1937~/1939~" and shifted("", 3) == ""


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"event_id": ["a", "b", "c", "d"],
                         "when": ["1924/..", "../1940", "1939/1949", ""],
                         "when_refined": ["", "", "1944", ""],
                         "movement_ids": [(), (), (), ()]})


def test_year_arrays_per_mode():
    df = _frame()
    refined, text = year_arrays(df, "refined"), year_arrays(df, "text")
    assert refined.start[2] == 1944 and refined.refined.tolist() == [False, False, True, False]
    assert text.start[2] == 1939 and not text.refined.any()
    assert np.isnan(refined.end[0]) and refined.end_open[0] and refined.start_open[1]


def test_period_filter_matches_open_ends_for_a_few_years_and_follows_the_date_mode():
    rows = _rows(_frame(), "event_id")
    hit = lambda s, e, mode="refined": list(rows.ids[rows.overlaps(s, e, mode)])  # noqa: E731
    assert hit(1924 + OPEN_END_YEARS, 1924 + OPEN_END_YEARS) == ["a"]
    assert "a" not in hit(1924 + OPEN_END_YEARS + 1, 1935)
    assert hit(1940 - OPEN_END_YEARS, 1940 - OPEN_END_YEARS) == ["b"]
    assert hit(1941, 1941) == [] and hit(1941, 1941, "text") == ["c"]
    assert hit(1944, 1944) == ["c"]
    assert "d" not in hit(1800, 2030)
