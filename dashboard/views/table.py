"""Table view: one row per record the filters show (events, places, routes, actors, ties, estimates), for a
dash-ag-grid table.

Belongs here: the grid's column definitions (plain dicts), the rows for (frames, shown, selection) and which row
is selected. Pure: never imports dash; the AgGrid component and its callback live with the layout and callbacks.
Does not belong here: filtering (dashboard.selection.shown decides what is shown) or downloads (dashboard.downloads).

Every cell is plain text: no column has a cellRenderer, so a title holding '<b>' shows the characters '<b>' (AG
Grid writes cell values as text, never as HTML). Every `{"function": ...}` below (formatters, the theme, the event
listeners) is a plain call of a function registered in assets/records_grid.js: the page's Content-Security-Policy
has no 'unsafe-eval', and dash-ag-grid reads such a call with its own parser (no eval, no dangerously_allow_code).

Dates: a row's `year` (the number it sorts and filters by) is the drawn year of the date mode (Selection.dates:
the refined date where there is one, or the texts' own); its text gives both where they differ
("text: 1939–1949 · refined: 1944 ⚑").
"""

from __future__ import annotations

from types import MappingProxyType

import copy
import functools
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.dates import when_words
from dashboard.formatting import KIND_LABELS, fmt_range, outside_note
from dashboard.schema import PRIMARY_KEY
from dashboard.selection import Selection, Shown

# The frames a table row can come from (each has a mask in Shown).
TABLE_KINDS = ("events", "places", "routes", "actors", "relations", "estimates")
# Rows sent to the browser per filter change: the whole corpus is ~700 records, but at 100× it is ~70,000 and
# their JSON (quotes included) would be tens of MB per change. The download has them all.
TABLE_ROW_LIMIT = 2_000
# Units that need no word after the figure ("600,000", "38%").
_PLAIN_UNITS = ("people", "percent", "")
FLAG = "⚑"
ROW_ID_GETTER = "params.data.id"  # the AgGrid getRowId prop (a field path dash-ag-grid reads, not code)

# Every column sorts (click the header), resizes (drag its edge) and filters (the row of filter fields under the
# headers); long header names wrap instead of being cut.
_COMMON = MappingProxyType({"sortable": True, "resizable": True, "floatingFilter": True, "wrapHeaderText": True,
                            "autoHeaderHeight": True})
_TEXT = MappingProxyType({**_COMMON, "filter": "agTextColumnFilter"})
_NUMBER = MappingProxyType({**_COMMON, "filter": "agNumberColumnFilter"})

# AG Grid columnDefs. Read-only: pass column_defs() (a fresh copy) to the grid.
TABLE_COLUMNS: tuple[dict, ...] = (
    {"field": "kind", "headerName": "Kind", "width": 90, "wrapText": True, "autoHeight": True, **_TEXT},
    {"field": "title", "headerName": "Title / name", "flex": 2, "minWidth": 150, "wrapText": True,
     "autoHeight": True, **_TEXT},
    {"field": "type", "headerName": "Type", "width": 100, "wrapText": True, "autoHeight": True, **_TEXT},
    # sorts and filters by the drawn first year (the last for an open start); shows both dates where refined
    {"field": "year", "headerName": "Years", "width": 150, "valueFormatter": {"function": "recordYears(params)"},
     "tooltipField": "date_note", "wrapText": True, "autoHeight": True,
     "headerTooltip": "The texts' date, and the refined one (⚑, from outside the texts) where there is one. "
                      "Sorted by the first year drawn ('until 1940' as 1940); undated records have none.",
     **_NUMBER},
    {"field": "movements", "headerName": "Movements", "flex": 1, "minWidth": 110, "wrapText": True,
     "autoHeight": True, **_TEXT},
    {"field": "place", "headerName": "Place", "flex": 1, "minWidth": 96, "wrapText": True, "autoHeight": True,
     **_TEXT},
    # sorts and filters by the low figure (the high one when there is no low); shows the range as text
    {"field": "count_value", "headerName": "Count", "width": 100, "valueFormatter": {"function": "recordCount(params)"},
     "wrapText": True, "autoHeight": True,
     "headerTooltip": "The figure the text gives, low – high; '+' is open-ended. Sorted by the low figure, "
                      "whatever its unit.",
     **_NUMBER},
    {"field": "qualifier", "headerName": "Qualifier", "width": 96, "wrapText": True, "autoHeight": True,
     "headerTooltip": "How the text qualifies the figure (about, over, nearly …).", **_TEXT},
    {"field": "quote", "headerName": "Quote (verbatim)", "flex": 4, "minWidth": 210, "wrapText": True,
     "autoHeight": True, **_TEXT},
    {"field": "source", "headerName": "Source text", "width": 100, "wrapText": True, "autoHeight": True,
     **_TEXT},
    # no filter field under a 48 px header (its filter is in the header's menu)
    {"field": "outside_flag", "headerName": FLAG, "width": 48, "tooltipField": "outside",
     "headerTooltip": f"{FLAG}: something in this record comes from outside the texts (hover the flag for what). "
                      "Every place's coordinates come from outside the texts.",
     **_TEXT, "floatingFilter": False},
    # hidden, but in the CSV export (allColumns): what a flag means, how the date was read, the record's id
    {"field": "outside", "headerName": "Outside the texts", "hide": True, **_TEXT},
    {"field": "date_note", "headerName": "Date note", "hide": True, **_TEXT},
    {"field": "id", "headerName": "Id", "hide": True, **_TEXT},
)
# dashGridOptions (pass grid_options(), a fresh copy): click a row to select it, one at a time (a click never
# deselects: the selection is the app's, cleared with the source panel's ×); tooltips for the ⚑
# and years columns; cell text can be selected and copied; the theme follows the app's colours and type (its
# custom properties, so the dark theme needs nothing more). Rows are virtualised (AG Grid's default: only the rows
# in view are in the DOM); ensureDomOrder keeps those in reading order for screen readers.
_GRID_OPTIONS: dict = MappingProxyType({
    "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": "enableSelection"},
    "tooltipShowDelay": 300,
    "enableCellTextSelection": True,
    "ensureDomOrder": True,
    "animateRows": False,
    "theme": {"function": "recordsTheme(themeQuartz)"},
})
# Grid events → registered functions: Enter (or Space, AG Grid's own row-selection key) on a focused cell selects
# its record as a click does (the grid's
# cellClicked, which the sync callback reads); a new selection scrolls its row into view.
_EVENT_LISTENERS: dict = MappingProxyType({
    "cellKeyDown": ({"function": "selectOnEnter(params, setGridProps)"},),
    "selectionChanged": ({"function": "showSelected(params)"},),
})


def column_defs() -> list[dict]:
    """TABLE_COLUMNS as a fresh list the caller may change."""
    return copy.deepcopy(list(TABLE_COLUMNS))


def grid_options() -> dict:
    return copy.deepcopy(dict(_GRID_OPTIONS))


def event_listeners() -> dict:
    """The AgGrid eventListeners prop: event name → list of function calls."""
    return {name: [f["function"] for f in calls] for name, calls in _EVENT_LISTENERS.items()}


def csv_export_params(file_name: str) -> dict:
    """The AgGrid csvExportParams: every column (the hidden notes and ids too) of the rows the grid shows, in its
    current sort and filter, years and counts as shown."""
    return {"fileName": file_name, "allColumns": True}


def function_calls(value) -> list[str]:
    """Every `{"function": ...}` string in a grid prop (nested dicts and lists), e.g. for a test."""
    if isinstance(value, dict):
        out = [value["function"]] if isinstance(value.get("function"), str) else []
        return out + [c for v in value.values() for c in function_calls(v)]
    if isinstance(value, (list, tuple)):
        return [c for v in value for c in function_calls(v)]
    return []


@dataclass(frozen=True)
class TableRows:
    """The rows to send (at most `limit`, sorted) and how many records the filters show in all."""

    rows: list[dict]
    total: int
    limit: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r["id"] for r in self.rows)

    @property
    def key(self) -> str:
        """A digest of what the rows hold: their ids in order and the years they sort by (the only field the date
        mode changes; every other field is the record's own). Equal keys: the grid already has these rows."""
        h = hashlib.blake2b(digest_size=12)
        for r in self.rows:
            h.update(f"{r['id']}\x1f{r['year']}\x1e".encode())
        return h.hexdigest()


def table_caption(table: TableRows) -> str:
    """'412 records' or 'The first 2,000 of 68,000 records: narrow the filters, or download the data for all.'"""
    n = f"{table.total:,} record{'' if table.total == 1 else 's'}"
    if not table.truncated:
        return n
    return f"The first {len(table.rows):,} of {n}: narrow the filters, or download the data for all."


# ---------------------------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------------------------


def _positions(shown: Shown, kind: str) -> np.ndarray:
    """Row positions of what `shown` shows of frame `kind` (frame order), from its mask: no id is hashed."""
    return np.flatnonzero(np.asarray(shown.masks[kind], dtype=bool))


def _lookup(df: pd.DataFrame, key: str, value: str) -> dict:
    # tolist first: iterating a str Series element by element is ~20× slower
    return dict(zip(df[key].tolist(), df[value].tolist()))


def _names(bundle, frame: str, key: str, value: str) -> MappingProxyType:
    """_lookup of a bundle's frame, made once per bundle (Bundle.memo)."""
    return bundle.memo(("table.names", frame, key, value),
                       lambda: MappingProxyType(_lookup(bundle.frame(frame), key, value)))


def _titles(kind: str, df: pd.DataFrame, actor_names: dict, at=slice(None)) -> list[str]:
    """The row titles of `df`'s rows at positions `at` (all by default); touches only the columns it needs."""
    col = lambda name: df[name].iloc[at].tolist()  # noqa: E731
    if kind == "events":
        return col("title")
    if kind in ("places", "actors"):
        return col("name")
    if kind == "routes":
        return ["Deportation of " + p for p in col("people")]
    if kind == "estimates":
        return col("what")
    get = actor_names.get
    return [f"{get(s, s)} {t.replace('_', ' ')} {get(g, g)}"
            for s, t, g in zip(col("source_id"), col("relation_type"), col("target_id"))]


def _sort_years(bundle, kind: str, at: np.ndarray, mode: str = "refined") -> np.ndarray:
    """The drawn first year of the rows at `at` of frame `kind` in date mode `mode` (dates.MODES): the refined
    date's where there is one (mode 'refined'), else the text's; the last year for an open start ('until 1940'); NaN
    when undated or not a dated kind. From the frame's bounds, no string parsing, worked out for every row once per
    bundle and date mode (Bundle.memo): this runs over every shown row at 100×."""
    def make() -> np.ndarray:
        df = bundle.frame(kind)
        if "year_start" not in df:
            return np.full(len(df), np.nan)
        ys = df["year_start"].to_numpy(dtype="float64", na_value=np.nan)
        ye = df["year_end"].to_numpy(dtype="float64", na_value=np.nan)
        if mode == "refined" and "when_refined" in df and "refined_year_start" in df:
            refined = df["when_refined"].fillna("").ne("").to_numpy(dtype=bool)
            if refined.any():
                ys = np.where(refined, df["refined_year_start"].to_numpy(dtype="float64", na_value=np.nan), ys)
                ye = np.where(refined, df["refined_year_end"].to_numpy(dtype="float64", na_value=np.nan), ye)
        out = np.where(np.isnan(ys), ye, ys)
        out.setflags(write=False)
        return out
    return bundle.memo(("table.sort_years", kind, mode), make)[at]


@functools.lru_cache(maxsize=8192)  # (the same dates recur on many rows: a table formats up to 2,000 a change)
def dates_text(when, when_refined=None) -> str:
    """'1939–1949', or both where a refined date (from outside the texts) narrows it:
    'text: 1939–1949 · refined: 1944 ⚑'."""
    if isinstance(when_refined, str) and when_refined:
        return f"text: {when_words(when)} · refined: {when_words(when_refined)} {FLAG}"
    return when_words(when)


def record_title(bundle, record_id: str | None) -> str:
    """The title a row shows for one record ('' when unknown or not a table kind)."""
    found = bundle.record(record_id) if record_id else None
    if found is None or found[0] not in TABLE_KINDS:
        return ""
    kind, row = found
    return str(_titles(kind, pd.DataFrame([row]), _lookup(bundle.actors, "actor_id", "name"))[0])


def _text(v) -> str:
    return v if isinstance(v, str) else ""


def _num(v) -> float | int | None:
    if v is None or pd.isna(v):
        return None
    v = float(v)
    return int(v) if v.is_integer() else v


def _count_text(low, high, unit: str = "") -> str:
    text = fmt_range(low, high, None, unit)
    return f"{text} {unit}" if text and unit not in _PLAIN_UNITS else text


def _count_value(low, high) -> float | int | None:
    lo = _num(low)
    return lo if lo is not None else _num(high)


def _col(df: pd.DataFrame, name: str) -> list:
    return df[name].tolist() if name in df else [None] * len(df)


def _rows_for(kind: str, df: pd.DataFrame, titles: list, years: np.ndarray, ctx: dict) -> list[dict]:
    """Rows for a few records of one kind, built column by column (a list per field, then zipped)."""
    movements, places, docs, events = ctx["movements"], ctx["places"], ctx["docs"], ctx["events"]
    n = len(df)
    blank = [""] * n
    mv_lists: list = [()] * n
    place, count, qualifier, typ = blank, blank, blank, blank
    count_value: list = [None] * n
    if kind == "events":
        mv_lists, typ = _col(df, "movement_ids"), _col(df, "event_type")
        place = [places.get(p, "") if isinstance(p, str) else "" for p in _col(df, "place_id")]
    elif kind == "places":
        typ = _col(df, "place_type")
    elif kind == "routes":
        mv_lists, typ = _col(df, "movement_ids"), ["deportation"] * n
        place = [f"{places.get(o, o)} → {places.get(d, d)}"
                 for o, d in zip(_col(df, "origin_place_id"), _col(df, "destination_place_id"))]
        lows, highs = _col(df, "count_low"), _col(df, "count_high")
        count = [_count_text(lo, hi) for lo, hi in zip(lows, highs)]
        count_value = [_count_value(lo, hi) for lo, hi in zip(lows, highs)]
    elif kind == "actors":
        mv_lists, typ = _col(df, "movement_ids"), _col(df, "actor_type")
    elif kind == "relations":
        typ = _col(df, "relation_type")
    elif kind == "estimates":
        evs = [events.get(e) if isinstance(e, str) else None for e in _col(df, "event_id")]
        mv_lists = [ev[0] if ev else () for ev in evs]
        place = [places.get(ev[1], "") if ev and isinstance(ev[1], str) else "" for ev in evs]
        lows, highs = _col(df, "low"), _col(df, "high")
        count = [_count_text(lo, hi, _text(u)) for lo, hi, u in zip(lows, highs, _col(df, "unit"))]
        count_value = [_count_value(lo, hi) for lo, hi in zip(lows, highs)]
        qualifier = ["" if q == "exact" else _text(q) for q in _col(df, "qualifier")]
    outside = [outside_note(v) for v in _col(df, "outside_text")]
    years_text = [dates_text(w, r) for w, r in zip(_col(df, "when"), _col(df, "when_refined"))] if "when" in df \
        else blank
    columns = {
        "id": _col(df, PRIMARY_KEY[kind]),
        "kind": [KIND_LABELS[kind]] * n,
        "frame": [kind] * n,
        "title": [str(t) for t in titles],
        "type": [_text(t).replace("_", " ") for t in typ],
        "year": [None if np.isnan(y) else int(y) for y in years],
        "years": years_text,
        "date_note": [_text(v) for v in _col(df, "date_note")],
        "movements": [", ".join(movements.get(m, m) for m in ids) for ids in mv_lists],
        "place": place,
        "count": count,
        "count_value": count_value,
        "qualifier": qualifier,
        "quote": _col(df, "quote"),
        "source": [docs.get(d, d) for d in _col(df, "doc_id")],
        "outside_flag": [FLAG if o else "" for o in outside],
        "outside": outside,
    }
    keys = tuple(columns)
    return [dict(zip(keys, values)) for values in zip(*columns.values())]


def table_rows(bundle, shown: Shown, sel: Selection | None = None, limit: int = TABLE_ROW_LIMIT) -> TableRows:
    """The shown records as grid rows, sorted by the drawn year of `sel.dates` (undated last), then title
    (case-insensitive), then id; at most `limit` of them, and the total.

    Faded ties (outside the period, drawn faded in the network) are not rows: the table lists what the filters
    match. When the selected record is shown but falls beyond the limit, it takes the last place so the grid can
    still mark it.
    """
    limit = max(int(limit), 0)
    mode = sel.dates if sel is not None else "refined"
    frames: dict[str, pd.DataFrame] = {}
    codes, positions, year_parts = [], [], []
    for code, kind in enumerate(TABLE_KINDS):
        df = bundle.frame(kind)
        at = _positions(shown, kind)
        frames[kind] = df
        codes.append(np.full(len(at), code, dtype=np.int8))
        positions.append(at)
        year_parts.append(_sort_years(bundle, kind, at, mode))
    code, pos, year = np.concatenate(codes), np.concatenate(positions), np.concatenate(year_parts)
    total = len(code)

    # Only rows that can reach the first `limit` need a title: those no later than the limit-th row's year
    # (every row, when that row is undated).
    if total > limit:
        key = np.where(np.isnan(year), np.inf, year)
        cut = np.partition(key, limit - 1)[limit - 1] if limit else -np.inf
        cand = np.flatnonzero(key <= cut)
    else:
        cand = np.arange(total)
    if sel is not None and sel.selected and bundle.kind_of.get(sel.selected) in frames:
        kind = bundle.kind_of[sel.selected]
        c = TABLE_KINDS.index(kind)
        hit = np.flatnonzero(frames[kind][PRIMARY_KEY[kind]].to_numpy(dtype=object) == sel.selected)
        mine = np.flatnonzero((code == c) & np.isin(pos, hit)) if len(hit) else hit
        selected_at = int(mine[0]) if len(mine) else None
    else:
        selected_at = None
    if selected_at is not None and selected_at not in set(cand.tolist()):
        cand = np.append(cand, selected_at)

    has_ties = bool(np.any(code[cand] == TABLE_KINDS.index("relations")))
    actor_names = _names(bundle, "actors", "actor_id", "name") if has_ties else {}
    titles = np.empty(len(cand), dtype=object)
    ids = np.empty(len(cand), dtype=object)
    for c, kind in enumerate(TABLE_KINDS):
        at = np.flatnonzero(code[cand] == c)
        if len(at):
            rows_at = pos[cand[at]]
            titles[at] = _titles(kind, frames[kind], actor_names, rows_at)
            ids[at] = frames[kind][PRIMARY_KEY[kind]].iloc[rows_at].tolist()
    folded = np.array([t.casefold() for t in titles], dtype=object)
    # lexsort: last key first; NaN years sort after every number, so undated rows come last
    ranked = np.lexsort((ids, folded, year[cand])) if len(cand) else np.zeros(0, dtype=np.intp)
    chosen = ranked[:limit]  # indices into cand
    if selected_at is not None and limit and selected_at not in set(cand[chosen].tolist()):
        chosen = np.append(chosen[:limit - 1], np.flatnonzero(cand == selected_at)[:1])

    ctx = {
        "movements": _names(bundle, "movements", "movement_id", "name"),
        "places": _names(bundle, "places", "place_id", "name"),
        "docs": _names(bundle, "documents", "doc_id", "title"),
        "events": {},
    }
    built: dict[int, dict] = {}
    for c, kind in enumerate(TABLE_KINDS):
        here = chosen[code[cand[chosen]] == c]
        if not len(here):
            continue
        sub = frames[kind].iloc[pos[cand[here]]]
        if kind == "estimates":
            ev = bundle.events
            ev = ev[ev["event_id"].isin(set(sub["event_id"].dropna()))]
            ctx["events"] = dict(zip(ev["event_id"].tolist(),
                                     zip(ev["movement_ids"].tolist(), ev["place_id"].tolist())))
        rows = _rows_for(kind, sub, titles[here].tolist(), year[cand[here]], ctx)
        built.update(zip(here.tolist(), rows))
    return TableRows(rows=[built[i] for i in chosen.tolist()], total=total, limit=limit)


def selected_row_ids(sel: Selection, table: TableRows | None = None) -> list[str]:
    """The grid's selected row ids: the selected record, when it is one of the table's rows (or when no table is
    given, whenever something is selected). Pass as `selectedRows={"ids": selected_row_ids(sel, table)}`."""
    if not sel.selected:
        return []
    if table is not None and sel.selected not in table.ids:
        return []
    return [sel.selected]
