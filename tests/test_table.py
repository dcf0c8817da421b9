"""Table view rows and columns: exactly what the filters show, quotes verbatim, sorted, text only, bounded at 100×;
both dates where a record has a refined one; every function the grid names registered in assets (no code strings)."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest

from tools.bench import synthetic_frames
from dashboard import ids, paths
from dashboard.events import event_of
from dashboard.frames import bundle_from_frames
from dashboard.selection import Selection, shown
from dashboard.views.table import (
    FLAG, KIND_LABELS, ROW_ID_GETTER, TABLE_COLUMNS, TABLE_ROW_LIMIT, column_defs, csv_export_params, dates_text,
    event_listeners, function_calls, grid_options, record_title, selected_row_ids, table_caption, table_rows,
)
from dashboard.dates import when_words
from tests.helpers import find_component

GRID_JS = paths.REPO / "assets" / "records_grid.js"

SELECTIONS = [
    Selection(),
    Selection(1936, 1938),
    Selection(movement_ids=("trotskyism",)),
    Selection(1929, 1953, types=("deportation",)),
    Selection(q="kirov"),
]
_SHOWN_FIELD = {"events": "event_ids", "places": "place_ids", "routes": "route_ids", "actors": "actor_ids",
                "relations": "relation_ids", "estimates": "estimate_ids"}


@pytest.fixture(scope="module")
def big(frames):
    """The corpus ×100 (~68,000 records), built once for this module."""
    return bundle_from_frames(synthetic_frames(frames, 100))


def _all_rows(bundle, sel):
    sh = shown(bundle, sel)
    return sh, table_rows(bundle, sh, sel, limit=10**9)


def _sort_key(row):
    return (math.inf if row["year"] is None else row["year"], row["title"].casefold(), row["id"])


@pytest.mark.parametrize("sel", SELECTIONS, ids=lambda s: repr(s)[:60])
def test_table001_rows_match_shown(bundle, sel):
    sh, table = _all_rows(bundle, sel)
    by_kind: dict[str, set] = {k: set() for k in KIND_LABELS}
    for row in table.rows:
        by_kind[row["frame"]].add(row["id"])
        assert row["kind"] == KIND_LABELS[row["frame"]]
    for kind, field in _SHOWN_FIELD.items():
        assert by_kind[kind] == set(getattr(sh, field)), kind
        # and they are real records of that frame
        assert by_kind[kind] <= set(bundle.frame(kind).iloc[:, 0])
    assert len(table.rows) == table.total == sum(len(getattr(sh, f)) for f in _SHOWN_FIELD.values())
    assert len({r["id"] for r in table.rows}) == len(table.rows)
    assert not table.truncated
    # faded ties are context in the network, not rows
    assert not set(sh.faded_relation_ids) & {r["id"] for r in table.rows}




def test_table002_unfiltered_is_every_record(bundle):
    _, table = _all_rows(bundle, Selection())
    counts = pd.Series([r["frame"] for r in table.rows]).value_counts()
    assert counts["events"] == len(bundle.events)
    assert counts["routes"] == len(bundle.routes)
    assert counts["actors"] == len(bundle.actors)
    assert counts["relations"] == len(bundle.relations)


def test_table003_quotes_verbatim_and_sources(bundle):
    _, table = _all_rows(bundle, Selection())
    docs = dict(zip(bundle.documents["doc_id"], bundle.documents["title"]))
    for row in table.rows:
        frame = bundle.frame(row["frame"])
        rec = frame[frame.iloc[:, 0] == row["id"]].iloc[0]
        assert row["quote"] == rec["quote"]
        assert row["source"] == docs[rec["doc_id"]]


def test_table004_estimate_count_text(bundle):
    est = bundle.estimates
    both = est[est["low"].notna() & est["high"].notna() & (est["low"] != est["high"]) & (est["unit"] == "people")]
    assert len(both), "the corpus has a people estimate with a low and a high figure"
    rec = both.iloc[0]
    _, table = _all_rows(bundle, Selection())
    row = next(r for r in table.rows if r["id"] == rec["estimate_id"])
    assert row["count"] == f"{int(rec['low']):,} – {int(rec['high']):,}"
    assert row["count_value"] == int(rec["low"])
    assert row["title"] == rec["what"]
    open_ended = est[est["low"].notna() & est["high"].isna() & (est["unit"] == "people")]
    if len(open_ended):
        rec = open_ended.iloc[0]
        row = next(r for r in table.rows if r["id"] == rec["estimate_id"])
        assert row["count"] == f"{int(rec['low']):,}+"


def test_table005_titles_years_and_flags(bundle):
    _, table = _all_rows(bundle, Selection())
    names = dict(zip(bundle.actors["actor_id"], bundle.actors["name"]))
    rel = bundle.relations.iloc[0]
    row = next(r for r in table.rows if r["id"] == rel["relation_id"])
    assert row["title"].startswith(names[rel["source_id"]]) and row["title"].endswith(names[rel["target_id"]])
    assert record_title(bundle, rel["relation_id"]) == row["title"]
    ev = bundle.events.dropna(subset=["year_end"])
    ev = ev[(ev["year_end"] > ev["year_start"]) & (ev["when_refined"] == "") & ~ev["when"].str.contains("X")].iloc[0]
    row = next(r for r in table.rows if r["id"] == ev["event_id"])
    assert row["year"] == ev["year_start"] and row["years"] == f"{ev['year_start']}–{ev['year_end']}"
    assert row["date_note"] == ev["date_note"]
    routes = bundle.routes[bundle.routes["outside_text"] != ""]
    assert len(routes)
    row = next(r for r in table.rows if r["id"] == routes.iloc[0]["route_id"])
    assert row["outside_flag"] == FLAG and row["outside"] == routes.iloc[0]["outside_text"]
    unflagged = [r for r in table.rows if r["frame"] == "actors"]
    assert unflagged and all(r["outside_flag"] == "" for r in unflagged)


def test_table006_sorted_by_year_then_title_undated_last(bundle):
    for sel in SELECTIONS:
        _, table = _all_rows(bundle, sel)
        keys = [_sort_key(r) for r in table.rows]
        assert keys == sorted(keys)
        years = [r["year"] for r in table.rows]
        first_undated = next((i for i, y in enumerate(years) if y is None), len(years))
        assert all(y is None for y in years[first_undated:])


def test_table007_rows_are_plain_json_with_every_column(bundle):
    _, table = _all_rows(bundle, Selection())
    json.dumps(table.rows, allow_nan=False)
    fields = {c["field"] for c in TABLE_COLUMNS}
    for row in table.rows:
        assert fields <= set(row)
        assert isinstance(row["id"], str) and isinstance(row["quote"], str)
        assert row["year"] is None or type(row["year"]) is int


def test_table008_html_in_a_title_stays_text(frames):
    hostile = '<b>Bold</b> & <img src=x onerror="alert(1)">'
    events = frames["events"].copy()
    events.loc[0, "title"] = hostile
    bundle = bundle_from_frames({**frames, "events": events})
    sh = shown(bundle, Selection())
    rows = table_rows(bundle, sh, Selection(), limit=10**9).rows
    row = next(r for r in rows if r["id"] == events.loc[0, "event_id"])
    assert row["title"] == hostile  # literal text: AG Grid writes it as text, no entity escaping needed
    for col in column_defs():
        assert "cellRenderer" not in col and "cellRendererSelector" not in col
        assert not any("html" in str(v).casefold() for v in col.values())


def test_table009_columns_sortable_resizable_filterable():
    cols = column_defs()
    assert [c["field"] for c in cols] == [c["field"] for c in TABLE_COLUMNS]
    for c in cols:
        assert c["sortable"] and c["resizable"] and c["filter"]
        # header names wrap rather than being cut
        assert c["wrapHeaderText"] and c["autoHeaderHeight"]
    # a filter field under every visible header but the 48 px flag's
    assert [c["field"] for c in cols if not c.get("hide") and not c["floatingFilter"]] == ["outside_flag"]
    quote = next(c for c in cols if c["field"] == "quote")
    assert quote["wrapText"] and quote["autoHeight"]
    assert {"kind", "title", "year", "movements", "place", "count_value", "quote", "source", "outside_flag",
            "id"} <= {c["field"] for c in cols}
    cols[0]["headerName"] = "changed"
    assert TABLE_COLUMNS[0]["headerName"] != "changed"


def test_table010_selected_row_ids(bundle):
    sel = Selection(1936, 1938)
    sh = shown(bundle, sel)
    table = table_rows(bundle, sh, sel)
    inside = sh.event_ids[0]
    assert selected_row_ids(Selection(1936, 1938, selected=inside), table) == [inside]
    outside = next(e for e in bundle.events["event_id"] if e not in sh.event_ids)
    assert selected_row_ids(Selection(1936, 1938, selected=outside), table) == []
    assert selected_row_ids(sel, table) == []


def test_table011_limit_and_total_at_100x(big):
    sel = Selection()
    sh = shown(big, sel)
    total = sum(len(getattr(sh, f)) for f in _SHOWN_FIELD.values())
    assert total > 10 * TABLE_ROW_LIMIT
    table = table_rows(big, sh, sel)
    assert len(table.rows) == TABLE_ROW_LIMIT and table.total == total and table.truncated
    assert f"{total:,}" in table_caption(table)
    full = table_rows(big, sh, sel, limit=10**9)
    # the first rows of the full sort, not just any rows
    assert [r["id"] for r in table.rows] == [r["id"] for r in full.rows[:TABLE_ROW_LIMIT]]
    keys = [_sort_key(r) for r in full.rows]
    assert keys == sorted(keys)


@pytest.mark.parametrize("sel", [Selection(1936, 1938), Selection(movement_ids=("trotskyism",)),
                                 Selection(types=("camp",))], ids=("period", "movement", "undated-heavy"))
def test_table012_limit_keeps_the_sort_at_100x(big, sel):
    sh = shown(big, sel)
    small = table_rows(big, sh, sel, limit=500)
    full = table_rows(big, sh, sel, limit=10**9)
    assert small.total == full.total == len(full.rows)
    assert [r["id"] for r in small.rows] == [r["id"] for r in full.rows[:500]]


def test_table013_selected_beyond_the_limit_is_kept(big):
    sel = Selection()
    sh = shown(big, sel)
    last = table_rows(big, sh, sel, limit=10**9).rows[-1]["id"]
    chosen = Selection(selected=last)
    table = table_rows(big, sh, chosen)
    assert len(table.rows) == TABLE_ROW_LIMIT
    assert table.rows[-1]["id"] == last
    assert selected_row_ids(chosen, table) == [last]


# ---------------------------------------------------------------------------------------------------------------
# Under the Content-Security-Policy: no code strings, every named function registered in assets/records_grid.js
# ---------------------------------------------------------------------------------------------------------------


def _registered() -> set[str]:
    return set(re.findall(r"^\s*fns\.([A-Za-z_]\w*) = function\b", GRID_JS.read_text(encoding="utf-8"), re.M))


def _all_calls() -> list[str]:
    listeners = [c for calls in event_listeners().values() for c in calls]
    return function_calls(column_defs()) + function_calls(grid_options()) + listeners


def test_table015_every_function_is_a_registered_plain_call():
    registered = _registered()
    assert {"recordYears", "recordCount", "selectOnEnter", "showSelected", "recordsTheme"} <= registered
    calls = _all_calls()
    # the years and count formatters, the theme, the two listeners
    assert len(calls) == 5
    for call in calls:
        m = re.fullmatch(r"([A-Za-z_]\w*)\((\w+(?:, \w+)*)\)", call)
        assert m, f"not a plain call of a named function: {call!r}"
        assert m.group(1) in registered, f"{m.group(1)} is not defined in {GRID_JS.name}"
    year = next(c for c in column_defs() if c["field"] == "year")
    assert year["valueFormatter"] == {"function": "recordYears(params)"}


def test_table016_no_inline_code_anywhere():
    """No function body, arrow or code string in what the grid is given (dash-ag-grid would block it without
    dangerously_allow_code, and the policy has no 'unsafe-eval' for it)."""
    text = json.dumps([column_defs(), grid_options(), event_listeners(), ROW_ID_GETTER, csv_export_params("x.csv")])
    for bad in ("function(", "function (", "=>", "eval", "dangerously_allow_code", "return ", "new Function"):
        assert bad not in text, bad
    # AG Grid evaluates plain strings in these keys as expressions: none is a plain string
    for col in column_defs():
        for key in ("valueGetter", "valueFormatter", "cellRenderer", "cellClass", "cellStyle", "tooltipValueGetter"):
            assert not isinstance(col.get(key), str), (col["field"], key)
    assert ROW_ID_GETTER == "params.data.id"  # a field path, no call


def test_table017_layout_gives_the_grid_no_code_permission(app):
    from dashboard.layout import records_grid

    grid = find_component(records_grid(), ids.records_grid())
    assert type(grid).__name__ == "AgGrid"
    assert not getattr(grid, "dangerously_allow_code", False)
    assert grid.columnDefs == column_defs() and grid.dashGridOptions == grid_options()
    assert grid.eventListeners == event_listeners() and grid.getRowId == ROW_ID_GETTER
    assert "unsafe-eval" not in _csp(app)


def _csp(app) -> str:
    from dashboard.app import content_security_policy

    return content_security_policy(app)


def test_table018_csv_export_is_every_column_named_after_the_filters():
    params = csv_export_params("table_1936-1938_trotskyism.csv")
    assert params == {"fileName": "table_1936-1938_trotskyism.csv", "allColumns": True}
    hidden = [c["field"] for c in column_defs() if c.get("hide")]
    assert hidden == ["outside", "date_note", "id"]  # in the CSV, not on screen


def test_table019_a_grid_click_or_enter_selects_its_row():
    # the grid's cellClicked (a click, or Enter through selectOnEnter): its rowId is the record id
    value = {"value": "x", "colId": "title", "rowIndex": 3, "rowId": "ev_great_purge", "timestamp": 1}
    assert event_of(ids.TABLE_CLICK, value) == ("select", "ev_great_purge")
    assert event_of(ids.TABLE_CLICK, None) == ("select", None)
    assert event_of(ids.TABLE_CLICK, "junk") == ("select", None)


# ---------------------------------------------------------------------------------------------------------------
# Dates: the texts' and the refined one, both; sorted by the drawn year of the date mode
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("when, words", [
    ("1937", "1937"), ("1939/1949", "1939–1949"), ("1924/..", "from 1924"), ("../1940", "until 1940"),
    ("1924/", "from 1924"), ("1934~/1936~", "about 1934–about 1936"), ("1936~", "about 1936"),
    ("193X", "the 1930s"), ("1937/1937", "1937"), ("", "undated"), (None, "undated"),
])
def test_table020_when_in_words(when, words):
    assert when_words(when) == words


def test_table021_both_dates_where_refined():
    assert dates_text("1939/1949", "1944") == f"text: 1939–1949 · refined: 1944 {FLAG}"
    assert dates_text("1939/1949", "") == "1939–1949"
    assert dates_text("", "1944") == f"text: undated · refined: 1944 {FLAG}"


def test_table022_rows_give_both_dates_and_sort_by_the_drawn_one(bundle):
    refined_rows = 0
    for mode in ("refined", "text"):
        sel = Selection(dates=mode)
        _, table = _all_rows(bundle, sel)
        keys = [_sort_key(r) for r in table.rows]
        assert keys == sorted(keys), mode
        by_id = {r["id"]: r for r in table.rows}
        for kind in ("events", "routes", "relations", "estimates"):
            df = bundle.frame(kind)
            key = df.columns[0]
            for rec in df[df["when_refined"] != ""].itertuples():
                row = by_id[getattr(rec, key)]
                refined_rows += 1
                # both dates, whatever the mode
                assert row["years"] == f"text: {when_words(rec.when)} · refined: {when_words(rec.when_refined)} {FLAG}"
                start, end = (rec.refined_year_start, rec.refined_year_end) if mode == "refined" else \
                    (rec.year_start, rec.year_end)
                drawn = start if not pd.isna(start) else end
                assert row["year"] == (None if pd.isna(drawn) else int(drawn)), (mode, row["id"])
    assert refined_rows > 10  # the corpus has refined dates (the wartime deportations among them)


def test_table023_deportations_sort_by_their_refined_years(bundle):
    """The wartime deportations the texts date 1939–1949 sort by their refined years unless dates=text."""
    routes = bundle.routes[(bundle.routes["when_refined"] != "") & (bundle.routes["year_start"] == 1939)]
    assert len(routes) >= 2
    for mode, col in (("refined", "refined_year_start"), ("text", "year_start")):
        sel = Selection(types=("deportation",), dates=mode)
        _, table = _all_rows(bundle, sel)
        got = {r["id"]: r["year"] for r in table.rows if r["frame"] == "routes"}
        for rec in routes.itertuples():
            assert got[rec.route_id] == getattr(rec, col)


def test_table024_rows_key_changes_with_the_rows_only(bundle):
    def key(sel):
        return table_rows(bundle, shown(bundle, sel), sel).key

    # selecting a row (shown, within the limit) leaves the rows as they are: the grid is not sent them again
    picked = table_rows(bundle, shown(bundle, Selection()), Selection()).ids[5]
    assert key(Selection()) == key(Selection(selected=picked))
    # other filters, or the other date mode (the refined records sort by other years), are other rows
    assert key(Selection()) != key(Selection(1936, 1938))
    assert key(Selection()) != key(Selection(dates="text"))
    assert len(key(Selection())) == 24


def test_table020_the_page_loads_no_grid_script_until_the_table_is_shown(app, client):
    # the grid is not in the page, its bundle is not among the page's scripts, and "Show table" knows where it is
    from dashboard.layout import records_grid

    assert find_component(app.layout, ids.records_grid()) is None
    html = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and not [s for s in scripts if "dash_ag_grid" in s]
    toggle = find_component(app.layout, ids.TABLE_TOGGLE)
    src = getattr(toggle, "data-grid-script")
    assert src.startswith("/_dash-component-suites/dash_ag_grid/dash_ag_grid.v")
    r = client.get(src)
    assert r.status_code == 200 and b"dash_ag_grid" in r.data
    # the grid the table shows is the one records_grid() builds: mounted on the first opening only
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.TABLE_PANEL}.children"))
    body = {"output": key, "outputs": [{"id": ids.TABLE_PANEL, "property": "children"},
                                       {"id": ids.TABLE_GRID, "property": "data"}],
            "inputs": [{"id": ids.TABLE_OPEN, "property": "data", "value": True}],
            "state": [{"id": ids.TABLE_GRID, "property": "data", "value": 0}],
            "changedPropIds": [f"{ids.TABLE_OPEN}.data"]}
    got = client.post("/_dash-update-component", json=body).get_json()["response"]
    assert got[ids.TABLE_GRID]["data"] == 1
    assert got[ids.TABLE_PANEL]["children"]["props"]["id"] == records_grid().id
    body["state"][0]["value"] = 1
    again = client.post("/_dash-update-component", json=body).get_json()["response"]
    assert again[ids.TABLE_GRID]["data"] == 2 and ids.TABLE_PANEL not in again
