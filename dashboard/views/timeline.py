"""Timeline view: one mark per happening in lanes (by movement family or by type), each labelled beside its mark
where there is room; year ranges as thin lines with end caps (open or approximate ends fade); the texts' named
periods as labelled bands; estimates (low–high) as a companion strip below, their figures written beside them.

Pure: timeline_model(...) → TimelineModel places every mark, label, "+N" count, band label and estimate label in
pixels for the figure's size (no overlaps, by construction); timeline_figure(...) renders it to plotly's JSON form
(a plain dict: no graph_objects validation on the request path). Never imports dash.
Each event mark and label carries its event_id in customdata; a "+N" count of unlabelled events carries
"zoom:START-END" (a click zooms the period there). When more events are shown than can be told apart
(MAX_EVENT_MARKS), the lanes show how many events fall in each year instead, and a cell's customdata is its year.
The x axis is in years: a mark for year Y covers [Y, Y+1), so a single year is drawn at Y + 0.5. The lanes' y axis
is in rows: row r of the figure spans y ∈ [-(r+1), -r].
What does not depend on the selection (dates in both date modes, lanes, importance, labels, hover text) is computed
once per bundle: prepare_timeline().
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from dashboard.dates import MODES as DATE_MODES
from dashboard.dates import parse_when, year_arrays
from dashboard.formatting import esc as _esc
from dashboard.formatting import fmt_num, outside_note
from dashboard.formatting import preview as _preview
from dashboard.selection import Selection, Shown, shown_mask
from dashboard.theme import DIM_OPACITY, EVENT_SYMBOLS, LIGHT, Palette, base_layout, hex_to_rgba

NO_MOVEMENT_LANE = "No movement"
# When the lanes would get fewer than MIN_ROWS_PER_LANE rows each (a short window, many movements in view), the lanes
# with the fewest marks share one lane (never a filtered movement's or the selected event's): every lane keeps a
# readable name and rows for labels; a mark there keeps its own movement's colour.
OTHER_LANE = "lane:other"
OTHER_LANE_NAMES = MappingProxyType({"movement": "Other movements", "type": "Other types"})
MIN_ROWS_PER_LANE = 3
# Above this many event marks the lanes show counts per year: marks this dense cannot be told apart or clicked.
MAX_EVENT_MARKS = 1200
# Above this many event marks, hover labels leave out the quote (the source panel shows it on click).
DETAILED_HOVER_MARKS = 400
# Above this many marks only the first this many (by priority) are tried for a label: the rest are counted.
MAX_LABEL_TRIES = 400
# Above this many estimates only the largest are drawn (a note says so).
MAX_ESTIMATE_MARKS = 300
# Colour of the per-year density cells and of a named era picked as the period.
ACCENT = "#0B5CAD"
# The whole figure's size in px by default: the timeline panel at 1920×1080 (about (946, 300) at 1280×720).
DEFAULT_SIZE = (1546, 328)

# -- text metrics: widths estimated from the characters (a little generous, so the browser never overlaps) ------
# Average advance per character in em for a system sans-serif, by class; bold text is about 10 % wider.
_EM_NARROW, _EM_SPACE, _EM_WIDE, _EM_UPPER, _EM_DEFAULT = 0.32, 0.3, 0.9, 0.7, 0.6
_NARROW = frozenset("il.,;:|!'`()[]{}/\\ƒ·")
_WIDE = frozenset("mwMW@%—")
TEXT_SLACK = 1.08  # every estimate is widened by this factor
BOLD_FACTOR = 1.1
LINE_HEIGHT = 1.25  # em: height of a line of text (lane names, band labels: lines apart)
TEXT_HEIGHT = 1.2  # em: height of one line of label text (a system sans-serif's ascent + descent is ≈ 1.12 em)

# -- geometry (px at scale 1; presentation mode multiplies by PRESENT_SCALE) ------------------------------------
PRESENT_SCALE = 1.3
LABEL_FONT = 10.5  # event labels
SMALL_LABEL_FONT = 10.0  # event labels below SMALL_WIDTH px
SMALL_WIDTH = 1200
MIN_LABEL_FONT = 9.0  # event labels never get smaller than this (else marks only, and counts)
PRESENT_MIN_LABEL_FONT = 10.0  # … nor, in presentation mode, smaller than this to label more marks
LABEL_GOAL = 0.7  # the share of marks in view a timeline of at most LABEL_GOAL_MAX_MARKS marks labels, type allowing
LABEL_GOAL_MAX_MARKS = 60
LANE_FONT = 11.0
BAND_FONT = 10.0
TICK_FONT = 11.0
ESTIMATE_FONT = 10.0
ROW_PAD = 1.2  # px between a row's text and the next row's
BOX_GAP = 6.0  # px kept free between two boxes in a row
MARK_PX = 9.0  # point mark size
CAP_PX = 9.0  # height of a span's end cap
# A span's end cap: a thin upright diamond (a tick with some area, so that it can be hovered and clicked)
CAP_SYMBOL = "diamond-tall"
SPAN_WIDTH = 2.5  # px: the line of a range
FADE_OPEN_PX = 54.0  # length of the fading tail beyond an open end
FADE_APPROX_PX = 28.0  # … beyond an approximate end
FADE_STEPS = (0.6, 0.34, 0.14)  # opacity of the tail's segments, from the known end outwards
LANE_STANDOFF = 8.0  # px between a lane's name and the plot
# The margins are laid out to hold every tick label (the lane names, the years, the estimate strip's ticks: see
# timeline_model's m_l / m_r / m_b), so plotly.js need not measure each label on every redraw to hide those that
# would leave the graph ("hide past div", its default): about a tenth of the browser's plotly time per change.
TICK_OVERFLOW = "allow"
LANE_GUTTER_SHARE = 0.22  # the lane names' gutter takes at most this share of the width (names wrap to fit)
COUNT_CLUSTER_PX = 80.0  # unlabelled marks closer than this share one "+N"
ESTIMATE_STRIP_SHARE = 0.17  # share of the plot height given to the estimates strip (within the bounds below)
ESTIMATE_STRIP_PX = (26.0, 100.0)  # one row of figures at least
ESTIMATE_GAP_PX = 5.0
MAX_ROW_STRETCH = 1.8
MAX_PASSES = 6  # placement passes at most (each reserves room for the marks the last one could not place)
MANY_MARKS = 200  # above this many marks in view, two passes (the request's time stays bounded)
TOP_10 = 10  # the most important marks always carry their label
SHIFT_MARGIN_PX = 2.0  # a point mark moved within its year stays this far inside it

# Event types that weigh in a mark's importance (the rest count 0).
_TYPE_WEIGHT = MappingProxyType({
    "purge": 2.0, "execution": 2.0, "war": 2.0, "revolution": 2.0, "deportation": 2.0, "famine": 2.0,
    "trial": 1.5, "assassination": 1.5, "uprising": 1.5, "repression": 1.5, "rise_to_power": 1.5, "death": 1.0,
    "split": 1.0, "congress": 1.0, "speech": 1.0, "pact": 1.0, "policy": 1.0, "founding": 1.0, "expulsion": 1.0,
    "exile": 1.0,
})


def text_px(text: str, size: float, bold: bool = False) -> float:
    """Estimated width in px of one line of `text` at font `size` px."""
    return text_em(text) * size * TEXT_SLACK * (BOLD_FACTOR if bold else 1.0) + 2.0


@functools.lru_cache(maxsize=8192)
def text_em(text: str) -> float:
    """Estimated width of `text` in em (before TEXT_SLACK); remembered per process (the same lane names, band
    labels and figures are measured at every change)."""
    em = 0.0
    for ch in text:
        if ch == " ":
            em += _EM_SPACE
        elif ch in _NARROW:
            em += _EM_NARROW
        elif ch in _WIDE:
            em += _EM_WIDE
        elif ch.isupper():
            em += _EM_UPPER
        else:
            em += _EM_DEFAULT
    return em


def wrap_px(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """Words of `text` in lines of at most `width` px (a word longer than that stands alone)."""
    lines, cur = [], ""
    for w in text.split():
        cand = f"{cur} {w}" if cur else w
        if cur and text_px(cand, size, bold) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines or [""]


def two_lines(text: str, size: float, bold: bool = False) -> list[str]:
    """`text` in two lines as even as the words allow."""
    words = text.split()
    if len(words) < 2:
        return [text]
    best = None
    for k in range(1, len(words)):
        a, b = " ".join(words[:k]), " ".join(words[k:])
        w = max(text_px(a, size, bold), text_px(b, size, bold))
        if best is None or w < best[0]:
            best = (w, [a, b])
    return best[1]


# -- dates ------------------------------------------------------------------------------------------------------


def when_label(text: str) -> str:
    """'1937', '1939–1949', 'from 1924', 'until 1940', 'c. 1934–c. 1936' for an EDTF string; '' when undated."""
    if not isinstance(text, str) or not text:
        return "undated"
    try:
        d = parse_when(text)
    except ValueError:
        return text
    a = "" if d.start is None else ("c. " if d.start_approximate else "") + str(d.start)
    b = "" if d.end is None else ("c. " if d.end_approximate else "") + str(d.end)
    if d.start is None:
        return f"until {b}"
    if d.end is None:
        return f"from {a}"
    return a if (a == b and not d.is_range) or d.start == d.end and d.start_approximate == d.end_approximate else \
        f"{a}–{b}"


@dataclass(frozen=True, eq=False)
class DateArrays:
    """The drawn dates of every event for one date mode (aligned with the events frame). x0/x1 are the known part
    on the year axis ([start, end + 1)); an open end is NaN and its `open` flag set."""

    x0: np.ndarray
    x1: np.ndarray
    start_open: np.ndarray
    end_open: np.ndarray
    start_approx: np.ndarray
    end_approx: np.ndarray
    refined: np.ndarray
    hover: np.ndarray
    short_hover: np.ndarray
    width: np.ndarray  # years covered (known part), for picking a happening's representative


def _bounds(df: pd.DataFrame, mode: str):
    """(start, end) years as floats: the frame's bounds (year_start/year_end, or refined_* where the drawn date is
    when_refined), NaN where open. Flags come from year_arrays (the same `when` strings)."""
    ya = year_arrays(df, mode)
    s = df["year_start"].astype("float64").to_numpy() if "year_start" in df else ya.start
    e = df["year_end"].astype("float64").to_numpy() if "year_end" in df else ya.end
    if mode == "refined" and ya.refined.any() and "refined_year_start" in df:
        rs = df["refined_year_start"].astype("float64").to_numpy()
        re_ = df["refined_year_end"].astype("float64").to_numpy()
        s = np.where(ya.refined, rs, s)
        e = np.where(ya.refined, re_, e)
    return ya, s, e


# -- prepared once per bundle -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TimelinePrep:
    event_ids: np.ndarray
    labels: tuple[str, ...]
    label_em: tuple[float, ...]  # each label's width in em (text_em)
    event_type: np.ndarray
    happening: np.ndarray  # int: happening number per event
    n_sources: np.ndarray  # records in the event's happening
    members: tuple[tuple[int, ...], ...]  # happening number → its event rows
    importance: np.ndarray
    movement_lanes: tuple[tuple[tuple[str, str], ...], ...]  # per event: ((movement_id, lane key), …)
    # per event, its lane when no movement is filtered: by "movement" (its first movement's family) and by "type"
    plain_lanes: MappingProxyType
    lane_names: MappingProxyType  # lane key → name (movement mode: family ids; type mode: type)
    lane_colors: MappingProxyType  # lane key → colour (movement mode)
    lane_order: tuple[str, ...]  # movement lanes in display order
    symbol: np.ndarray
    dates: MappingProxyType  # date mode → DateArrays
    rep_rank: MappingProxyType  # date mode → rank of each event as its happening's representative (low first)
    estimate_hover: np.ndarray
    estimate_text: tuple[str, ...]
    estimate_x: MappingProxyType  # date mode → (x0, x1) arrays of the estimates
    estimate_value: np.ndarray  # each estimate's figure drawn: its high end, else its low (NaN: none)
    sections: tuple[tuple[str, int, int, str], ...]  # the texts' section periods (period_id, start, end, label)
    eras: tuple[tuple[str, int, int, str], ...]  # eras named in the texts (period_id, start, end, label)


def _event_hover(r, d_text: str, d_refined: str | None, n: int, differs: str) -> str:
    note = outside_note(r.outside_text)
    dates = f"text: {_esc(d_text)} · refined: {_esc(d_refined)} ⚑" if d_refined else _esc(d_text)
    src = f" · ({n} sources)" if n > 1 else ""
    return (f"<b>{_esc(r.title)}</b><br>{dates} · {r.event_type.replace('_', ' ')}{src}"
            + (f"<br>{_esc(differs)}" if differs else "")
            + f"<br><i>{_preview(r.quote)}</i>"
            + (f"<br>⚑ outside the texts: {_esc(note)}" if note else ""))


def _mention_counts(bundle) -> dict[str, int]:
    try:
        m = bundle.mentions
    except AttributeError:
        return {}
    m = m[m["entity_type"] == "actor"]
    return m["entity_id"].value_counts().to_dict()


def prepare_timeline(bundle) -> TimelinePrep:
    """Everything about the timeline that does not depend on the selection (once per bundle)."""
    events, movements, estimates, periods = bundle.events, bundle.movements, bundle.estimates, bundle.periods
    n = len(events)
    ids = events["event_id"].to_numpy(dtype=object)
    hap_col = events["happening_id"] if "happening_id" in events else events["event_id"]
    hap_keys = [h if isinstance(h, str) and h else e for h, e in zip(hap_col, ids)]
    codes, uniq = pd.factorize(pd.Series(hap_keys, dtype=object))
    happening = np.asarray(codes, dtype=np.int64)
    members: list[list[int]] = [[] for _ in range(len(uniq))]
    for i, h in enumerate(happening):
        members[h].append(i)
    n_sources = np.array([len(members[h]) for h in happening], dtype=np.int64)

    # lanes: movement families (colour and name of the family), or event types
    fam = dict(zip(movements["movement_id"], movements["family_id"] if "family_id" in movements
                   else movements["movement_id"]))
    names = dict(zip(movements["movement_id"], movements["name"]))
    colors = dict(zip(movements["movement_id"], movements["color"]))
    # a lane is named by its movement without the parenthesis ("Independent revolutionary left"): the full name is
    # in hover, the legend and the source panel, and a lane name that wraps over three lines takes three rows
    lane_names = {f: re.sub(r"\s*\([^()]*\)\s*$", "", names.get(f, f)) or names.get(f, f) for f in set(fam.values())}
    lane_names[NO_MOVEMENT_LANE] = NO_MOVEMENT_LANE
    lane_colors = {f: colors.get(f) for f in set(fam.values())}
    order = list(dict.fromkeys(fam[m] for m in movements["movement_id"])) + [NO_MOVEMENT_LANE]
    movement_lanes = tuple(tuple((m, fam.get(m, m)) for m in mv if m in fam) for mv in events["movement_ids"])
    for t in events["event_type"].unique():
        lane_names[f"type:{t}"] = t.replace("_", " ").capitalize()

    etype = events["event_type"].to_numpy(dtype=object)
    symbol = np.array([EVENT_SYMBOLS.get(t, "circle") for t in etype], dtype=object)

    # importance: sources of the happening, mentions of its actors in the texts, the kind of event
    mentions = _mention_counts(bundle)
    actor_mentions = np.array([sum(mentions.get(a, 0) for a in acts) for acts in events["actor_ids"]], dtype=float)
    importance = (3.0 * (n_sources - 1) + np.log1p(actor_mentions)
                  + np.array([_TYPE_WEIGHT.get(t, 0.0) for t in etype]))

    dates, rep_rank = {}, {}
    text_ya, _, _ = _bounds(events, "text")
    # an event's hover reads the same in both date modes unless its date is refined: one string for both (row by
    # row: a corpus of copies, like the benchmark's, is not flattered)
    first: dict[str, list] = {}

    def once(kind: str, i: int, text: str) -> str:
        seen = first.get(kind)
        return seen[i] if seen is not None and seen[i] == text else text

    for mode in DATE_MODES:
        ya, s, e = _bounds(events, mode)
        x0 = np.where(ya.start_open, np.nan, s)
        x1 = np.where(ya.end_open, np.nan, e + 1)
        # an open end's known part is the other end's year
        x0 = np.where(np.isnan(x0) & ~np.isnan(x1), x1 - 1, x0)
        x1 = np.where(np.isnan(x1) & ~np.isnan(x0), x0 + 1, x1)
        width = np.nan_to_num(x1 - x0, nan=0.0) + ya.start_open + ya.end_open
        hover, short = [], []
        for i, r in enumerate(events.itertuples()):
            drawn_refined = bool(ya.refined[i])
            d_text = when_label(text_ya.when[i])
            d_ref = when_label(ya.when[i]) if drawn_refined else None
            mem = members[happening[i]]
            differs = ""
            if len(mem) > 1:
                spans = {when_label(text_ya.when[j]) for j in mem}
                if len(spans) > 1:
                    differs = "the sources differ on the date: " + " / ".join(sorted(spans))
            hover.append(once("hover", i, _event_hover(r, d_text, d_ref, len(mem), differs)))
            dd = f"text: {_esc(d_text)} · refined: {_esc(d_ref)} ⚑" if d_ref else _esc(d_text)
            short.append(once("short", i, f"<b>{_esc(r.title)}</b><br>{dd}"
                              + (f" · ({len(mem)} sources)" if len(mem) > 1 else "")))
        first.setdefault("hover", hover)
        first.setdefault("short", short)
        dates[mode] = DateArrays(x0=x0, x1=x1, start_open=ya.start_open, end_open=ya.end_open,
                                 start_approx=ya.start_approximate, end_approx=ya.end_approximate,
                                 refined=ya.refined, hover=np.array(hover, dtype=object),
                                 short_hover=np.array(short, dtype=object), width=width)
        # representative of a happening: the widest span, then the first by id
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort((ids.astype(str), -width))] = np.arange(n)
        rep_rank[mode] = rank

    labels = tuple(_event_label(lab, title) for lab, title in zip(events["label"] if "label" in events
                                                                  else events["title"], events["title"]))
    # a happening whose sources disagree (in years or figures: the disagreements frame) is labelled with "≠"
    disputed = disputed_events(bundle)
    labels = tuple(f"{lab} {DISAGREE_MARK}" if eid in disputed else lab for lab, eid in zip(labels, ids))

    est_hover, est_text, est_x = [], [], {}
    for r in estimates.itertuples():
        fig = figure_text(r.low, r.high, r.qualifier, r.unit)
        est_hover.append(f"<b>{_esc(r.what)}</b><br>{_esc(fig)} · {_esc(when_label(r.when))}"
                         f"<br><i>{_preview(r.quote)}</i>")
        short = short_what(r.what)
        est_text.append(f"{fig} {short} · {when_label(r.when)}".replace("  ", " ") if short else
                        f"{fig} · {when_label(r.when)}")
    for mode in DATE_MODES:
        ya, s, e = _bounds(estimates, mode)
        s = np.where(np.isnan(s), e, s)
        e = np.where(np.isnan(e), s, e)
        est_x[mode] = (s, e + 1)

    def _periods(kind):
        sub = periods[periods["period_type"] == kind].sort_values(["year_start", "year_end"])
        return tuple((r.period_id, int(r.year_start), int(r.year_end), r.label) for r in sub.itertuples()
                     if pd.notna(r.year_start) and pd.notna(r.year_end))

    return TimelinePrep(
        event_ids=ids, labels=labels, label_em=tuple(text_em(lab) for lab in labels), event_type=etype,
        happening=happening, n_sources=n_sources,
        members=tuple(tuple(m) for m in members), importance=importance, movement_lanes=movement_lanes,
        plain_lanes=MappingProxyType({
            "movement": np.array([p[0][1] if p else NO_MOVEMENT_LANE for p in movement_lanes], dtype=object),
            "type": np.array([f"type:{t}" for t in etype], dtype=object)}),
        lane_names=MappingProxyType(lane_names), lane_colors=MappingProxyType(lane_colors),
        lane_order=tuple(order), symbol=symbol, dates=MappingProxyType(dates), rep_rank=MappingProxyType(rep_rank),
        estimate_hover=np.array(est_hover, dtype=object), estimate_text=tuple(est_text),
        estimate_x=MappingProxyType(est_x),
        estimate_value=estimates["high"].astype(float).fillna(estimates["low"].astype(float)).to_numpy(),
        sections=_periods("section"), eras=_periods("era"),
    )


DISAGREE_MARK = "≠"


def disputed_events(bundle) -> frozenset[str]:
    """Events whose sources disagree: every record of a happening in the disagreements frame, and the events a
    curated comparison sets against each other."""
    try:
        d = bundle.disagreements
    except AttributeError:
        return frozenset()
    ev = bundle.events
    haps = set(d["happening_id"]) - {""}
    named = {r for col in ("a_record_ids", "b_record_ids") for ids_ in d[col] for r in ids_}
    return frozenset(ev.loc[ev["happening_id"].isin(haps) | ev["event_id"].isin(named), "event_id"])


def _event_label(label, title) -> str:
    if isinstance(label, str) and label.strip():
        return label.strip()
    t = str(title)
    return t if len(t) <= 32 else t[:31].rsplit(" ", 1)[0] + "…"


# -- estimate figures -------------------------------------------------------------------------------------------

_SCALE_WORDS = MappingProxyType({"thousand": 1e3, "million": 1e6, "billion": 1e9})
_STOP = frozenset({"in", "of", "to", "during", "by", "as", "from", "under", "after", "before", "for", "on", "at",
                   "within", "who", "that", "which", "with", "between", "the", "a", "an", "since", "until", "into",
                   "across", "per"})


def _words_number(s: str) -> str:
    m = re.match(r"\s*([\d.,]+)\s*(thousand|million|billion)?", s)
    if not m:
        return s.strip()
    v = float(m.group(1).replace(",", ""))
    if m.group(2):
        v *= _SCALE_WORDS[m.group(2)]
    return fmt_num(v)


def figure_text(low, high, qualifier, unit: str = "") -> str:
    """An estimate's figure as the text gives it: '353,074', '600,000 – over 1,000,000', 'over 1,000,000',
    'nearly 3,300,000', 'hundreds of thousands'."""
    lo, hi = fmt_num(low), fmt_num(high)
    q = qualifier.strip().lower() if isinstance(qualifier, str) else ""
    pct = "%" if unit == "percent" else ""
    m = re.search(r'upper bound\W*(over|more than)\s+([^"”]+)', q)
    if m:
        upper = hi or _words_number(m.group(2))
        return f"{lo}{pct} – over {upper}{pct}" if lo else f"over {upper}{pct}"
    if re.fullmatch(r"(hundreds|tens|thousands|millions)( of (thousands|millions))?", q):
        return q
    if q in ("over", "more than"):
        return f"over {lo or hi}{pct}"
    if lo and hi and lo != hi:
        return f"{lo}{pct} – {hi}{pct}"
    if lo and not hi and q in ("", "exact"):
        return f"over {lo}{pct}"
    word = {"exact": "", "range": "", "estimated": "about", "no more than": "at most"}.get(q, q)
    val = hi or lo
    return f"{word} {val}{pct}".strip()


def short_what(what: str) -> str:
    """A few words of what an estimate counts: 'people executed in 1937' → 'executed'."""
    words = re.split(r"\s+", re.sub(r"\(.*?\)", "", str(what)).strip())
    if words and words[0].lower() == "people":
        words = words[1:]
        if words and words[0][:1].isupper():  # "people Stalin sent to …": the name is not what is counted
            words = words[1:]
    if words and words[0].lower() == "who":
        words = words[1:]
    out = []
    for w in words:
        bare = w.strip(",;:").lower()
        if bare in _STOP or not bare:
            break
        out.append(w.strip(",;:"))
        if w.endswith((",", ";", ":")) or len(out) >= 3:
            break
    return " ".join(out)


# -- the model --------------------------------------------------------------------------------------------------

Box = tuple  # (x0, y0, x1, y1) in px within the plot area (y down from its top)


@dataclass(frozen=True)
class Lane:
    key: str
    name: str
    color: str | None
    row0: int  # first row (rows count from the top of the lanes area)
    n_rows: int
    name_lines: tuple[str, ...]


@dataclass(frozen=True)
class MarkModel:
    event_id: str
    row_index: int  # event row in the events frame
    lane: str
    row: int
    x0: float  # known part on the year axis
    x1: float
    is_span: bool
    fade_left: float  # years of fading tail before x0 (0: none)
    fade_right: float
    cap_left: bool
    cap_right: bool
    label: str
    labelled: bool
    listed: bool  # its label follows another's on a shared line ("· " before it)
    line: bool  # draws the span's line (spans sharing one line draw it once)
    hidden: bool  # no room at all: not drawn, only counted in a "+N"
    label_x: float | None  # label anchor on the year axis
    label_anchor: str  # 'left': text starts at label_x; 'right': ends there
    label_box: Box | None
    box: Box  # the mark's own extent (line, caps, tail or symbol)
    gaps: tuple[tuple[float, float], ...]  # years where a span's line is broken for the labels on it
    rank: int  # priority order (0 first)
    on: bool  # not dimmed
    selected: bool
    n_sources: int
    in_view: bool
    x: float = math.nan  # where a point mark is drawn on the year axis: within its time, by default its middle


@dataclass(frozen=True)
class CountModel:
    lane: str
    row: int
    x: float  # centre on the year axis
    text: str
    event_ids: tuple[str, ...]
    years: tuple[int, int]
    box: Box
    listed: bool = False  # follows the labels on a shared line ("· +3")

    @property
    def customdata(self) -> str:
        return f"zoom:{self.years[0]}-{self.years[1]}"


@dataclass(frozen=True)
class BandLabel:
    period_id: str
    text: str  # lines joined by <br>, escaped
    lines: int
    tier: int  # 0: the line next to the plot, 1: the line above it
    x: float  # centre on the year axis
    hover: str
    box: Box  # y above the plot is negative
    bold: bool = False
    full: bool = True  # the full label (wrapped or not), not just the years


@dataclass(frozen=True)
class EstimateLabel:
    estimate_id: str
    text: str
    x: float
    y: float  # the value (log axis)
    anchor: str
    box: Box  # px within the estimates strip
    dy: float = 0.0  # px below (+) or above (−) the mark's height


@dataclass(frozen=True)
class TimelineModel:
    size: tuple[int, int]
    margin: tuple[float, float, float, float]  # l, r, t, b
    plot_w: float
    lanes_h: float
    strip_h: float
    gap_h: float
    xr: tuple[float, float]
    row_px: float
    n_rows: int
    y_rows: float  # the lanes' y range in rows (≥ n_rows)
    lanes: tuple[Lane, ...]
    marks: tuple[MarkModel, ...]
    counts: tuple[CountModel, ...]
    bands: tuple[BandLabel, ...]
    estimates: tuple[int, ...]  # rows of the estimates frame drawn
    estimate_y: tuple[float, float]  # log10 range of the strip
    estimate_labels: tuple[EstimateLabel, ...]
    estimate_boxes: tuple[Box, ...]  # every estimate mark's extent in the strip
    estimate_on: tuple[bool, ...]  # not dimmed, per drawn estimate
    fonts: MappingProxyType
    density: bool = False
    n_shown: int = 0
    notes: tuple[str, ...] = ()
    density_counts: tuple[tuple[int, ...], ...] = ()  # with density: events per lane and year of the view

    @property
    def labelled_share(self) -> float:
        inview = [m for m in self.marks if m.in_view]
        return sum(m.labelled for m in inview) / len(inview) if inview else 1.0

    def px_x(self, year: float) -> float:
        return (year - self.xr[0]) / (self.xr[1] - self.xr[0]) * self.plot_w

    def drawn_boxes(self) -> list[tuple[str, str, Box]]:
        """(kind, owner, box in px) of everything drawn in the lanes as it is drawn: 'text' for labels and counts,
        'mark' for point symbols, span line pieces (broken where labels sit), end caps and fading tails."""
        out = []
        half_line = SPAN_WIDTH / 2 * self.fonts["label"] / LABEL_FONT
        for mk in self.marks:
            if not mk.in_view or mk.hidden:
                continue
            yc = (mk.box[1] + mk.box[3]) / 2
            if mk.label_box:
                out.append(("text", mk.event_id, mk.label_box))
            if not mk.is_span:
                out.append(("mark", mk.event_id, mk.box))
                continue
            if not mk.line:
                continue
            a, b = self.px_x(mk.x0), self.px_x(mk.x1)
            x = a
            for ga, gb in sorted(mk.gaps):
                ga, gb = self.px_x(ga), self.px_x(gb)
                if ga > x:
                    out.append(("mark", mk.event_id, (x, yc - half_line, min(ga, b), yc + half_line)))
                x = max(x, gb)
            if x < b:
                out.append(("mark", mk.event_id, (x, yc - half_line, b, yc + half_line)))
            cap = (mk.box[3] - mk.box[1]) / 2
            for flag, cx in ((mk.cap_left, a), (mk.cap_right, b)):
                if flag:
                    out.append(("mark", mk.event_id, (cx - 1.5, yc - cap, cx + 1.5, yc + cap)))
            if mk.fade_left:
                out.append(("mark", mk.event_id, (self.px_x(mk.x0 - mk.fade_left), yc - half_line, a, yc + half_line)))
            if mk.fade_right:
                out.append(("mark", mk.event_id, (b, yc - half_line, self.px_x(mk.x1 + mk.fade_right), yc + half_line)))
        for c in self.counts:
            out.append(("text", "+", c.box))
        return out

    def overlapping(self, tol: float = 0.5) -> list[tuple]:
        """Pairs of drawn things that overlap where one of them is text (within the plot: clipped parts excluded)."""
        boxes = [(k, o, (max(b[0], 0.0), b[1], min(b[2], self.plot_w), b[3])) for k, o, b in self.drawn_boxes()]
        boxes = [x for x in boxes if x[2][2] > x[2][0]]
        bad = []
        for n, (k1, o1, b1) in enumerate(boxes):
            for k2, o2, b2 in boxes[n + 1:]:
                if "text" not in (k1, k2):
                    continue
                if b1[0] < b2[2] - tol and b2[0] < b1[2] - tol and b1[1] < b2[3] - tol and b2[1] < b1[3] - tol:
                    bad.append(((k1, o1, b1), (k2, o2, b2)))
        return bad


def _overlaps(a: Box, b: Box, pad: float = 0.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] and b[1] < a[3]


class _Row:
    """Occupied x intervals of one row: ('label' | 'mark' | 'count', x0, x1, owner)."""

    __slots__ = ("items",)

    def __init__(self):
        self.items: list[tuple[str, float, float, int]] = []

    def free(self, a: float, b: float, kinds=("label", "mark", "count"), gap: float = BOX_GAP) -> bool:
        # (a plain loop: this is the placement's innermost step, called some 10^5 times for a dense timeline)
        b_gap = b + gap
        for k, x, y, _ in self.items:
            if x < b_gap and a < y + gap and k in kinds:
                return False
        return True

    def hits(self, a: float, b: float, gap: float = BOX_GAP):
        b_gap = b + gap
        return [(k, x, y, o) for k, x, y, o in self.items if a < y + gap and x < b_gap]


def _lanes_kept(prep: TimelinePrep, sel: Selection, reps: np.ndarray, lane_of: dict[int, str],
                lane_keys: list[str], n: int, strong: frozenset[int] = frozenset()) -> set[str]:
    """The n lanes to keep, after those that must stay (the filtered movements' and the selected event's): while a
    selection dims the rest, the lanes with most marks drawn strongly (`strong`: rows of reps related to it) first,
    then those with most marks. (Selecting Trotsky in 1936–1938 kept his own movement's lane, not a larger one of
    dimmed marks.)"""
    counts = Counter(lane_of.values())
    on = Counter(lane_of[i] for i in strong if i in lane_of)
    filt = set(sel.movement_ids)
    must = set()
    if filt and sel.lanes == "movement":
        must = {lane_of[int(i)] for i in reps if any(m in filt or f in filt for m, f in prep.movement_lanes[int(i)])}
    hit = np.flatnonzero(prep.event_ids == sel.selected) if sel.selected else ()
    if len(hit):  # the mark of the selected record's happening (drawn by one of its records)
        must |= {lane_of[int(i)] for i in reps if prep.happening[int(i)] == prep.happening[hit[0]]}
    must.discard(NO_MOVEMENT_LANE)
    ranked = sorted(lane_keys, key=lambda k: (k not in must, k == NO_MOVEMENT_LANE, -on.get(k, 0),
                                              -counts.get(k, 0), lane_keys.index(k)))
    return set(ranked[:max(n, len(must & set(lane_keys)))])


def _lane_keys(prep: TimelinePrep, rows: np.ndarray, sel: Selection, fam_of_filter: set[str]) -> np.ndarray:
    """_lane_key of each of `rows` (an object array aligned with them): read from the prepared lanes unless a
    movement filter decides which of an event's movements names its lane."""
    if sel.lanes == "type" or not fam_of_filter:
        return prep.plain_lanes["type" if sel.lanes == "type" else "movement"][rows]
    return np.array([_lane_key(prep, int(i), sel, fam_of_filter) for i in rows], dtype=object)


def _lane_key(prep: TimelinePrep, i: int, sel: Selection, fam_of_filter: set[str]) -> str:
    if sel.lanes == "type":
        return f"type:{prep.event_type[i]}"
    pairs = prep.movement_lanes[i]
    if not pairs:
        return NO_MOVEMENT_LANE
    if fam_of_filter:
        for m, f in pairs:
            if m in fam_of_filter or f in fam_of_filter:
                return f
    return pairs[0][1]


def timeline_model(bundle, sel: Selection, shown: Shown, related: frozenset[str], *, present: bool = False,
                   year_span: tuple[int, int] | None = None, prep: TimelinePrep | None = None,
                   size: tuple[int, int] = DEFAULT_SIZE) -> TimelineModel:
    """Every mark, label and count of the timeline placed in px for a figure of `size` (width, height).

    When at most LABEL_GOAL_MAX_MARKS marks are in view and fewer than LABEL_GOAL of them get a label, the labels'
    type is made smaller, half a px at a time down to the mode's floor (MIN_LABEL_FONT; in presentation mode
    PRESENT_MIN_LABEL_FONT), until they do: a short window's timeline says what happened at a slightly smaller
    size rather than in marks alone. The largest type that reaches the goal is kept (sought by halving, in at most
    five placements), else the better share of the largest and the smallest type."""
    prep = prep or prepare_timeline(bundle)
    args = dict(present=present, year_span=year_span, prep=prep, size=size)
    top = _timeline_model(bundle, sel, shown, related, **args)
    n = sum(mk.in_view for mk in top.marks)
    floor = PRESENT_MIN_LABEL_FONT if present else MIN_LABEL_FONT
    steps = int((top.fonts["label"] - floor) / 0.5 + 1e-9)  # the sizes tried: top − 0.5 k px, k = 1 … steps
    if top.labelled_share >= LABEL_GOAL or not 0 < n <= LABEL_GOAL_MAX_MARKS or top.density or steps < 1:
        return top

    def at(k: int) -> TimelineModel:
        return _timeline_model(bundle, sel, shown, related, label_max=top.fonts["label"] - 0.5 * k, **args)

    # the smallest size first: when even it misses the goal, the better of the two is kept; else the largest size
    # that reaches it, found by halving the steps between (the share grows, by and large, as the type shrinks)
    low = at(steps)
    if low.labelled_share < LABEL_GOAL:
        return low if low.labelled_share > top.labelled_share else top
    best, lo, hi = low, 0, steps  # at lo the goal is missed, at hi it is reached
    while hi - lo > 1:
        mid = (lo + hi) // 2
        trial = at(mid)
        if trial.labelled_share >= LABEL_GOAL:
            best, hi = trial, mid
        else:
            lo = mid
    return best


def _timeline_model(bundle, sel: Selection, shown: Shown, related: frozenset[str], *, present: bool = False,
                    year_span: tuple[int, int] | None = None, prep: TimelinePrep | None = None,
                    size: tuple[int, int] = DEFAULT_SIZE, merged: frozenset[str] = frozenset(),
                    label_max: float | None = None) -> TimelineModel:
    """One placement (see timeline_model). `merged`: lanes drawn as one "Other …" lane (chosen here when the lanes
    are short of rows); `label_max`: the largest label type to use (px)."""
    W, H = float(size[0]), float(size[1])
    scale = PRESENT_SCALE if present else 1.0
    f_label = (LABEL_FONT if W >= SMALL_WIDTH else SMALL_LABEL_FONT) * scale
    if label_max is not None:
        f_label = min(f_label, float(label_max))
    f_lane = (LANE_FONT if W >= SMALL_WIDTH else SMALL_LABEL_FONT) * scale
    f_band, f_tick, f_est = BAND_FONT * scale, TICK_FONT * scale, ESTIMATE_FONT * scale
    fonts = MappingProxyType(dict(label=f_label, lane=f_lane, band=f_band, tick=f_tick, estimate=f_est))
    mode = sel.dates if sel.dates in prep.dates else "refined"
    dt: DateArrays = prep.dates[mode]

    if year_span is None:
        yrs = np.concatenate([dt.x0[~np.isnan(dt.x0)], dt.x1[~np.isnan(dt.x1)] - 1])
        year_span = (int(yrs.min()), int(yrs.max())) if len(yrs) else (1900, 2020)
    xr = (float(sel.year_start), float(sel.year_end) + 1) if sel.has_period else \
        (float(year_span[0] - 1), float(year_span[1] + 2))

    # one mark per happening: its representative among the shown records
    ev_mask = shown_mask(bundle, shown, "events")
    rows_shown = np.flatnonzero(ev_mask)
    if len(rows_shown):
        rank = prep.rep_rank[mode][rows_shown]
        ordered = rows_shown[np.argsort(rank, kind="stable")]
        _, first = np.unique(prep.happening[ordered], return_index=True)
        reps = np.sort(ordered[first])
    else:
        reps = rows_shown
    filt = set(sel.movement_ids)
    selecting = bool(sel.selected)

    def member_ids(i):
        return [prep.event_ids[j] for j in prep.members[prep.happening[i]] if ev_mask[j]]

    density = len(reps) > MAX_EVENT_MARKS
    lane_arr = _lane_keys(prep, reps, sel, filt)
    own_lane = dict(zip(reps.tolist(), lane_arr.tolist()))
    if merged:
        lane_arr = np.where(np.isin(lane_arr, list(merged)), OTHER_LANE, lane_arr).astype(object)
        lane_of = dict(zip(reps.tolist(), lane_arr.tolist()))
    else:
        lane_of = own_lane
    present_lanes = set(lane_of.values())

    def lane_name(k: str) -> str:
        return OTHER_LANE_NAMES.get(sel.lanes, "Others") if k == OTHER_LANE else prep.lane_names.get(k, k)

    if sel.lanes == "type":
        lane_keys = sorted(present_lanes - {OTHER_LANE}, key=lane_name)
    else:
        lane_keys = [k for k in prep.lane_order if k in present_lanes]
    lane_keys += [OTHER_LANE] if OTHER_LANE in present_lanes else []

    # -- margins: lane names' gutter, ticks below -----------------------------------------------------------
    longest = max((text_px(lane_name(k), f_lane) for k in lane_keys), default=0.0)
    gutter = min(longest, LANE_GUTTER_SHARE * W)
    name_lines = {k: tuple(wrap_px(lane_name(k), f_lane, gutter)) for k in lane_keys}
    gutter = max((text_px(line, f_lane) for ls in name_lines.values() for line in ls), default=40.0)
    m_l = gutter + 14.0 + LANE_STANDOFF
    m_r = 8.0 + f_tick * 1.5  # room for the last year's tick label
    m_b = f_tick * 1.7 + 4
    plot_w = max(W - m_l - m_r, 50.0)

    def px(year: float) -> float:
        return (year - xr[0]) / (xr[1] - xr[0]) * plot_w

    def year_of(p: float) -> float:
        return xr[0] + p / plot_w * (xr[1] - xr[0])

    bands, top_tiers = _place_bands(prep, sel, xr, plot_w, f_band, px)
    line_h = f_band * LINE_HEIGHT
    m_t = top_tiers * line_h + 6.0
    plot_h = max(H - m_t - m_b, 40.0)

    # -- estimates strip ------------------------------------------------------------------------------------
    est_rows = _estimate_rows(bundle, shown, prep, mode, xr)
    notes = []
    if len(est_rows) > MAX_ESTIMATE_MARKS:
        vals = prep.estimate_value[est_rows]
        est_rows = np.sort(est_rows[np.argsort(-np.nan_to_num(vals, nan=0.0), kind="stable")[:MAX_ESTIMATE_MARKS]])
        notes.append(f"the {MAX_ESTIMATE_MARKS} largest estimates")
    strip_h = min(max(ESTIMATE_STRIP_SHARE * plot_h, ESTIMATE_STRIP_PX[0] * scale), ESTIMATE_STRIP_PX[1] * scale) \
        if len(est_rows) else 0.0
    gap_h = ESTIMATE_GAP_PX if len(est_rows) else 0.0
    lanes_h = plot_h - strip_h - gap_h

    # -- rows -----------------------------------------------------------------------------------------------
    # the label font, smaller (down to MIN_LABEL_FONT) when the lanes would not have rows tall enough for it
    lane_line = f_lane * LINE_HEIGHT
    # (in presentation mode too: a label a little smaller than the mode's type beats no label at all)
    for size_try in np.arange(f_label, MIN_LABEL_FONT - 0.01, -0.5):
        text_h = size_try * TEXT_HEIGHT
        min_row = text_h + ROW_PAD
        lane_min = {k: max(1, math.ceil(len(name_lines[k]) * lane_line / min_row - 1e-9)) for k in lane_keys}
        n_min = sum(lane_min.values())
        labels_ok = lanes_h / max(n_min, 1) >= text_h  # rows tall enough for a label
        if labels_ok:
            f_label = float(size_try)
            break
    fonts = MappingProxyType({**fonts, "label": f_label})
    budget = max(int(lanes_h // min_row), 1)
    if not merged and not density and len(lane_keys) > 2 and budget < MIN_ROWS_PER_LANE * len(lane_keys):
        strong = frozenset(int(i) for i in reps if any(e in related for e in member_ids(int(i)))) \
            if selecting else frozenset()
        keep = _lanes_kept(prep, sel, reps, own_lane, lane_keys, max(budget // MIN_ROWS_PER_LANE - 1, 1), strong)
        gone = frozenset(k for k in lane_keys if k not in keep)
        if len(gone) >= 2:
            return _timeline_model(bundle, sel, shown, related, present=present, year_span=year_span, prep=prep,
                                   size=size, merged=gone, label_max=label_max)
    rows_of: dict[str, list[_Row]] = {k: [_Row() for _ in range(lane_min[k])] for k in lane_keys}
    spare = [max(budget - n_min, 0)]

    # -- priority -------------------------------------------------------------------------------------------
    sel_hap = None
    if sel.selected:
        hit = np.flatnonzero(prep.event_ids == sel.selected)
        sel_hap = int(prep.happening[hit[0]]) if len(hit) else None
    info = []
    ids_l = prep.event_ids
    if density:  # (lists of every event's numbers only when marks are placed)
        hap_l = imp_l = x0_l = multi = []
    else:
        hap_l, imp_l, x0_l = prep.happening.tolist(), prep.importance.tolist(), dt.x0.tolist()
        multi = prep.n_sources.tolist()
    # beyond MAX_EVENT_MARKS nothing is drawn one by one: no mark is placed (the counts per lane and year below)
    for i in ([] if density else reps.tolist()):
        if multi[i] > 1:
            ids_here = member_ids(i)
        else:
            ids_here = (ids_l[i],)
        is_sel = sel_hap is not None and hap_l[i] == sel_hap
        is_rel = selecting and any(e in related for e in ids_here)
        tier = 0 if is_sel else 1 if is_rel else 2
        x0 = x0_l[i]
        info.append((tier, -imp_l[i], 1e9 if math.isnan(x0) else x0, ids_l[i], i, is_sel,
                     (not selecting) or is_rel or is_sel))
    info.sort(key=lambda t: t[:4])

    # -- geometry of each mark ------------------------------------------------------------------------------
    geo = {}
    x0s, x1s = dt.x0.tolist(), dt.x1.tolist()
    s_open, e_open = dt.start_open.tolist(), dt.end_open.tolist()
    s_apx, e_apx = dt.start_approx.tolist(), dt.end_approx.tolist()
    for rank_i, (_tier, _, _, eid, i, is_sel, on) in enumerate(info):
        a, b = x0s[i], x1s[i]
        if math.isnan(a) or math.isnan(b):  # undated
            continue
        fl = (FADE_OPEN_PX if s_open[i] else FADE_APPROX_PX if s_apx[i] else 0.0) * scale
        fr = (FADE_OPEN_PX if e_open[i] else FADE_APPROX_PX if e_apx[i] else 0.0) * scale
        is_span = (b - a) > 1.0 + 1e-9 or bool(s_open[i] or e_open[i])
        if is_span:
            pa, pb = px(a), px(b)
        else:
            c = px((a + b) / 2)
            pa, pb = c - MARK_PX * scale / 2, c + MARK_PX * scale / 2
        lo, hi = pa - fl - (2 if not fl else 0), pb + fr + (2 if not fr else 0)
        in_view = hi > 0 and lo < plot_w
        gkey = None
        if is_span and not is_sel:
            left = "beyond" if lo < 0 else "open" if s_open[i] else "approx" if s_apx[i] else "cap"
            right = "beyond" if hi > plot_w else "open" if e_open[i] else "approx" if e_apx[i] else "cap"
            gkey = (round(max(lo, 0.0)), round(min(hi, plot_w)), left, right, on)
        # a point mark known to the year (or month) may sit anywhere in that time: `slack` px either side of its
        # middle, used when two marks of one year would otherwise need two rows
        slack = 0.0 if is_span else max((px(b) - px(a)) / 2 - MARK_PX * scale / 2 - SHIFT_MARGIN_PX, 0.0)
        geo[i] = dict(a=a, b=b, pa=pa, pb=pb, lo=max(lo, -2.0), hi=min(hi, plot_w + 2.0), fl=fl, fr=fr,
                      vb=min(pb, plot_w), is_span=is_span, in_view=in_view, rank=rank_i, is_sel=is_sel, on=on,
                      eid=eid, gkey=gkey, slack=slack)

    def candidates(g, w):
        """(label x0, x1, anchor, mark box x0, x1, gap, mark shift px, x0, x1 of both) candidates, best first;
        within the plot. A point mark with slack is also tried moved within its time (its ends, then halfway)."""
        out = []
        lo, hi = g["lo"], g["hi"]
        if g["is_span"]:
            va, vb = max(g["pa"], 0.0), g["vb"]
            if vb - va >= w + 2 * 10:
                s = va + 10
                out.append((s, s + w, "left", lo, hi, (s - 3, s + w + 1), 0.0))
        out.append((hi + 4, hi + 4 + w, "left", lo, hi, None, 0.0))
        out.append((lo - 4 - w, lo - 4, "right", lo, hi, None, 0.0))
        d = g["slack"]
        if d > 0:
            for dx in (-d, d, -d / 2, d / 2):
                out.append((hi + dx + 4, hi + dx + 4 + w, "left", lo + dx, hi + dx, None, dx))
                out.append((lo + dx - 4 - w, lo + dx - 4, "right", lo + dx, hi + dx, None, dx))
        # (and the extent of label and mark together, which a row must have free)
        return [(*c, min(c[0], c[3]), max(c[1], c[4])) for c in out
                if c[0] >= 0 and c[1] <= plot_w and c[3] >= -2.0 and c[4] <= plot_w + 2.0]

    placed: dict[int, dict] = {}
    unlabelled: list[int] = []
    order = [t[4] for t in info if t[4] in geo and geo[t[4]]["in_view"]]
    label_w = {i: prep.label_em[i] * f_label * TEXT_SLACK * (BOLD_FACTOR if geo[i]["is_sel"] else 1.0) + 2.0
               for i in order}
    sep_w = text_px("· ", f_label)
    # spans whose visible geometry is the same in a lane (e.g. all running through the whole view) share one line,
    # their labels listed along it: "Great Purge · Moscow Trials · +2"
    instances: dict[tuple, list[dict]] = {}

    def try_rows(lane, fits):
        rows = rows_of[lane]
        for r_i, row in enumerate(rows):
            got = fits(row)
            if got is not None:
                return r_i, got
        if spare[0] > 0 and len(rows) < cap.get(lane, 10 ** 6):
            row = _Row()
            got = fits(row)
            if got is not None:
                rows.append(row)
                spare[0] -= 1
                return len(rows) - 1, got
        return None

    order_pos = {i: k for k, i in enumerate(order)}
    forced = [False]
    cap: dict[str, int] = {}  # most rows a lane may take while the spare rows are shared out
    forced_ids: set = set()

    # unlabelled marks: on the line they share, else a row where they touch nothing, else one where they
    # touch only other marks
    def demote(lane, r_i, a, b, allow_top=False):
        """Take the labels in the way off, unless one of them is among the most important (or `allow_top`)."""
        row = rows_of[lane][r_i]
        hits = [o for k, x, y, o in row.hits(a, b) if k in ("label", "count")]
        if -1 in hits or (not allow_top and any(geo[o]["rank"] < TOP_10 for o in hits)):
            return False
        for o in hits:
            row.items = [it for it in row.items if not (it[0] == "label" and it[3] == o)]
            p = placed[o]
            inst = p.get("inst")
            if inst is not None and p["label"] is not None:
                la, lb = p["label"]
                inst["gaps"] = [gp for gp in inst["gaps"] if not (gp[0] <= la + 3 and gp[1] >= lb - 3)]
                if inst["owner"] == o:
                    inst["limit"] = -1e9  # nothing more is listed on this line
            p["label"] = None
            p["gap"] = None
        return True

    def label_pass(items):
        for i in items:
            n_try = order_pos[i]
            g = geo[i]
            lane = lane_of[i]
            if not labels_ok or n_try >= MAX_LABEL_TRIES:
                unlabelled.append(i)
                continue
            gk = (lane, g["gkey"]) if g["gkey"] else None
            joined = False
            for inst in instances.get(gk, ()) if gk else ():
                w = sep_w + label_w[i]
                a = inst["end"] + 4
                row = rows_of[lane][inst["row"]]
                kinds = ("label", "count") if g["is_span"] and not inst.get("after") else ("label", "mark", "count")
                if a + w <= inst["limit"] and row.free(a, a + w, kinds=kinds, gap=2.0):
                    row.items.append(("label", a, a + w, i))
                    inst["end"] = a + w
                    inst["gaps"].append((a - 2, a + w + 1))
                    placed[i] = dict(row=inst["row"], label=(a, a + w), anchor="left", gap=None, sep=True,
                                     inst=inst, line=False)
                    joined = True
                    break
            if joined:
                continue
            cands = candidates(g, label_w[i])

            def fits(row, cands=cands):
                for c in cands:
                    if row.free(c[7], c[8]):
                        return c
                return None

            found = try_rows(lane, fits)
            if found is None:
                unlabelled.append(i)
                continue
            r_i, c = found
            rows_of[lane][r_i].items.append(("mark", c[3], c[4], i))
            rows_of[lane][r_i].items.append(("label", c[0], c[1], i))
            inst = None
            if gk:
                # the labels of the others on this line follow the first: along it (within the line), or after
                # its end (up to the plot's edge, around nothing drawn)
                inside = c[5] is not None or c[2] == "left"
                limit = (g["vb"] - 8 if c[5] is not None else plot_w) if inside else -1e9
                inst = dict(row=r_i, end=c[1] if inside else 1e9, limit=limit,
                            gaps=[c[5]] if c[5] else [], hidden=[], owner=i, after=c[5] is None)
                instances.setdefault(gk, []).append(inst)
            placed[i] = dict(row=r_i, label=(c[0], c[1]), anchor=c[2], gap=c[5], sep=False, inst=inst, line=True,
                             dx=c[6])

    def mark_pass(items):
        for i in sorted(items, key=lambda i: geo[i]["rank"]):
            g, lane = geo[i], lane_of[i]
            gk = (lane, g["gkey"]) if g["gkey"] else None
            if gk and instances.get(gk):
                inst = instances[gk][0]
                inst["hidden"].append(i)
                placed[i] = dict(row=inst["row"], label=None, anchor="left", gap=None, sep=False, inst=inst,
                                 line=False)
                continue
            a, b = g["lo"], g["hi"]
            found = try_rows(lane, lambda row, a=a, b=b: True if row.free(a, b) else None)
            if found is None:
                rows = rows_of[lane]
                r_ok = next((r for r, row in enumerate(rows) if row.free(a, b, kinds=("label", "count"))), None)
                if r_ok is None:
                    r_ok = next((r for r in range(len(rows) - 1, -1, -1) if demote(lane, r, a, b)), None)
                    if r_ok is None:
                        # no room without covering one of the most important labels: not drawn on its own,
                        # only counted in the "+N" at its place
                        forced[0] = True
                        forced_ids.add(i)
                        placed[i] = dict(row=0, label=None, anchor="left", gap=None, sep=False, inst=None,
                                         line=False, hidden=True)
                        continue
                found = (r_ok, True)
            rows_of[lane][found[0]].items.append(("mark", a, b, i))
            inst = None
            if gk:
                inst = dict(row=found[0], end=1e9, limit=-1e9, gaps=[], hidden=[], owner=i)
                instances.setdefault(gk, []).append(inst)
            placed[i] = dict(row=found[0], label=None, anchor="left", gap=None, sep=False, inst=inst, line=True)

    def attempt(reserved):
        """One placement: the most important with their labels, then the marks known to go unlabelled (so that no
        label is put where a mark must go), then the rest by priority, then the marks left over."""
        rows_of.clear()
        rows_of.update({k: [_Row() for _ in range(lane_min[k])] for k in lane_keys})
        spare[0] = max(budget - n_min, 0)
        placed.clear()
        unlabelled.clear()
        instances.clear()
        forced[0] = False
        cap.clear()
        label_pass([i for i in order if geo[i]["rank"] < TOP_10])
        mark_pass([i for i in order if i in reserved and geo[i]["rank"] >= TOP_10])
        # the rows left are shared out by the lanes' numbers of marks first, then to whoever still needs one
        n_spare = spare[0]
        per_lane = {k: 0 for k in lane_keys}
        for i in order:
            per_lane[lane_of[i]] += 1
        total = max(sum(per_lane.values()), 1)
        cap.update({k: len(rows_of[k]) + int(n_spare * per_lane[k] / total + 0.5) for k in lane_keys})
        label_pass([i for i in order if geo[i]["rank"] >= TOP_10 and i not in reserved])
        cap.clear()
        again = [i for i in unlabelled if i not in placed]
        unlabelled[:] = [i for i in unlabelled if i in placed]
        label_pass(again)
        mark_pass([i for i in unlabelled if i not in placed])
        late_labels()

    def late_labels():
        """Marks placed without a label get one where their row still has room beside them."""
        for i in order:
            p = placed.get(i)
            if not p or p.get("hidden") or p["label"] is not None or not labels_ok:
                continue
            g, lane = geo[i], lane_of[i]
            row = rows_of[lane][p["row"]]
            inst = p.get("inst")
            if inst is not None and not p.get("line"):  # on a line it shares: listed after the labels there
                w = sep_w + label_w[i]
                a = inst["end"] + 4
                own = {inst["owner"], *inst["hidden"]}
                if a + w <= inst["limit"] and not [it for it in row.hits(a, a + w, gap=2.0)
                                                   if not (it[0] == "mark" and it[3] in own)]:
                    row.items.append(("label", a, a + w, i))
                    inst["end"] = a + w
                    inst["gaps"].append((a - 2, a + w + 1))
                    if i in inst["hidden"]:
                        inst["hidden"].remove(i)
                    p.update(label=(a, a + w), anchor="left", sep=True)
                continue
            for c in candidates(g, label_w[i]):
                if c[6] and inst is not None:
                    continue
                spans = ((c[0], c[1]), (c[3], c[4])) if c[6] else ((c[0], c[1]),)
                if any(it for x0, x1 in spans for it in row.hits(x0, x1) if not (it[0] == "mark" and it[3] == i)):
                    continue
                if c[6]:
                    row.items = [it for it in row.items if not (it[0] == "mark" and it[3] == i)]
                    row.items.append(("mark", c[3], c[4], i))
                row.items.append(("label", c[0], c[1], i))
                p.update(label=(c[0], c[1]), anchor=c[2], gap=c[5], dx=c[6])
                if inst is not None and inst["owner"] == i and c[5] is not None:
                    inst.update(end=c[1], limit=g["vb"] - 8, gaps=[c[5]])
                break

    if not density:
        # first without reservations; then the marks that found no room are placed before the labels, and so on
        reserved: set = set()
        for _ in range(MAX_PASSES if len(order) <= MANY_MARKS else 2):
            forced_ids.clear()
            attempt(reserved)
            if not forced[0] or forced_ids <= reserved:
                break
            reserved |= forced_ids

    # -- lanes and rows -------------------------------------------------------------------------------------
    lanes, row0 = [], 0
    for key in lane_keys:
        n_r = len(rows_of[key])
        lanes.append(Lane(key=key, name=lane_name(key), color=prep.lane_colors.get(key),
                          row0=row0, n_rows=n_r, name_lines=name_lines[key]))
        row0 += n_r
    n_rows = max(row0, 1)
    # lane names: smaller when a lane is shorter than its name's lines (rows squeezed below their least height)
    fit = min((ln.n_rows * lanes_h / max(n_rows, 1)) / (len(ln.name_lines) * LINE_HEIGHT) for ln in lanes) \
        if lanes else f_lane
    if fit < f_lane:
        fonts = MappingProxyType({**fonts, "lane": max(fit, 7.0)})
    # rows never stretch beyond MAX_ROW_STRETCH × their least height: few rows sit at the top, the rest is paper
    y_rows = max(float(n_rows), lanes_h / (MAX_ROW_STRETCH * min_row))
    row_px = lanes_h / y_rows
    lane_row0 = {ln.key: ln.row0 for ln in lanes}

    def row_y(lane, r):
        return (lane_row0[lane] + r + 0.5) * row_px

    # -- "+N" counts of the unlabelled ----------------------------------------------------------------------
    counts = []
    if not density:
        by_lane: dict[str, list[int]] = {}
        listed = set()
        for insts in instances.values():
            for inst in insts:
                if not inst["hidden"]:
                    continue
                text = f"+{len(inst['hidden'])}"
                w = sep_w + text_px(text, f_label, bold=True)
                lane = lane_of[inst["owner"]]
                a = inst["end"] + 4
                own = {inst["owner"], *inst["hidden"]}
                in_way = [it for it in rows_of[lane][inst["row"]].hits(a, a + w, gap=2.0)
                          if not (it[0] == "mark" and it[3] in own)]
                if a + w > inst["limit"] or in_way:
                    continue
                rows_of[lane][inst["row"]].items.append(("count", a, a + w, -1))
                inst["gaps"].append((a - 2, a + w + 1))
                inst["end"] = a + w
                yc = row_y(lane, inst["row"])
                cl = inst["hidden"]
                listed.update(cl)
                ys = [math.floor(dt.x0[i]) for i in cl] + [math.ceil(dt.x1[i]) - 1 for i in cl]
                counts.append(CountModel(lane=lane, row=inst["row"], x=year_of(a + w / 2), text=text,
                                         event_ids=tuple(prep.event_ids[i] for i in cl), years=(min(ys), max(ys)),
                                         box=(a, yc - text_h / 2, a + w, yc + text_h / 2), listed=True))
        for i in order:
            if placed.get(i, {}).get("label") is None and i not in listed:
                by_lane.setdefault(lane_of[i], []).append(i)
        for lane, items in by_lane.items():
            items.sort(key=lambda i: (geo[i]["lo"] + geo[i]["hi"]) / 2)
            clusters, cur = [], []
            for i in items:
                c = (max(geo[i]["lo"], 0) + min(geo[i]["hi"], plot_w)) / 2
                if cur and c - cur[-1][1] > COUNT_CLUSTER_PX:
                    clusters.append(cur)
                    cur = []
                cur.append((i, c))
            if cur:
                clusters.append(cur)
            pending_c = [[i for i, _ in cl] for cl in clusters]
            while pending_c:
                cl = pending_c.pop(0)
                text = f"+{len(cl)}"
                w = text_px(text, f_label, bold=True)
                cx = float(np.mean([(max(geo[i]["lo"], 0) + min(geo[i]["hi"], plot_w)) / 2 for i in cl]))
                spot = None
                for r_i, row in enumerate(rows_of[lane]):
                    for d in (0, 12, -12, 24, -24, 40, -40, 60, -60, 90, -90, 130, -130):
                        a = min(max(cx + d - w / 2, 0.0), plot_w - w)
                        if row.free(a, a + w, gap=4.0):
                            spot = (r_i, a)
                            break
                    if spot:
                        break
                if spot is None and pending_c:
                    pending_c[0] = cl + pending_c[0]  # share the next cluster's count
                    continue
                if spot is None:
                    continue  # no room at all: the marks stay, uncounted (the share measured says so)
                r_i, a = spot
                rows_of[lane][r_i].items.append(("count", a, a + w, -1))
                yc = row_y(lane, r_i)
                ys = [math.floor(dt.x0[i]) for i in cl] + [math.ceil(dt.x1[i]) - 1 for i in cl]
                counts.append(CountModel(lane=lane, row=r_i, x=year_of(a + w / 2), text=text,
                                         event_ids=tuple(prep.event_ids[i] for i in cl), years=(min(ys), max(ys)),
                                         box=(a, yc - text_h / 2, a + w, yc + text_h / 2)))

    # -- marks ----------------------------------------------------------------------------------------------
    marks = []
    for t in info:
        i = t[4]
        g = geo.get(i)
        if g is None:
            continue
        p = placed.get(i)
        lane = lane_of[i]
        r_i = p["row"] if p else 0
        yc = row_y(lane, r_i) if lane in lane_row0 else 0.0
        cap_h = (CAP_PX if g["is_span"] else MARK_PX) * scale
        dx = p.get("dx", 0.0) if p else 0.0
        box = (g["lo"] + dx, yc - cap_h / 2, g["hi"] + dx, yc + cap_h / 2)
        lab = p["label"] if p and p["label"] is not None else None
        label_box = (lab[0], yc - text_h / 2, lab[1], yc + text_h / 2) if lab else None
        anchor = p["anchor"] if p else "left"
        inst = p.get("inst") if p else None
        draws_line = bool(p is None or p.get("line", True))
        if inst is not None and draws_line:
            gaps = tuple(inst["gaps"])
        else:
            gaps = (p["gap"],) if p and lab and p.get("gap") else ()
        marks.append(MarkModel(
            event_id=g["eid"], row_index=i, lane=lane, row=r_i, x0=g["a"], x1=g["b"], is_span=g["is_span"],
            fade_left=g["fl"] / plot_w * (xr[1] - xr[0]), fade_right=g["fr"] / plot_w * (xr[1] - xr[0]),
            cap_left=g["is_span"] and not (dt.start_open[i] or dt.start_approx[i]),
            cap_right=g["is_span"] and not (dt.end_open[i] or dt.end_approx[i]),
            label=prep.labels[i], labelled=lab is not None, listed=bool(p and p.get("sep")), line=draws_line,
            hidden=bool(p and p.get("hidden")),
            label_x=(year_of(lab[0]) if anchor == "left" else year_of(lab[1])) if lab else None,
            label_anchor=anchor, label_box=label_box, box=box,
            gaps=tuple((year_of(ga), year_of(gb)) for ga, gb in gaps if ga is not None), rank=g["rank"], on=g["on"],
            selected=g["is_sel"], n_sources=len(member_ids(i)) if multi[i] > 1 else 1, in_view=g["in_view"],
            x=year_of((g["pa"] + g["pb"]) / 2 + dx) if dx else (g["a"] + g["b"]) / 2))

    density_counts = _density_counts(reps, lane_arr, lanes, dt, xr) if density else ()
    est_y, est_labels, est_boxes = _place_estimates(bundle, prep, mode, est_rows, sel, related, px, year_of,
                                                    plot_w, strip_h, f_est)
    return TimelineModel(size=(int(W), int(H)), margin=(m_l, m_r, m_t, m_b), plot_w=plot_w, lanes_h=lanes_h,
                         strip_h=strip_h, gap_h=gap_h, xr=xr, row_px=row_px, n_rows=n_rows, y_rows=y_rows,
                         lanes=tuple(lanes),
                         marks=tuple(marks), counts=tuple(counts), bands=tuple(bands), estimates=tuple(est_rows),
                         estimate_y=est_y, estimate_labels=tuple(est_labels), estimate_boxes=tuple(est_boxes),
                         estimate_on=tuple((not selecting) or eid in related for eid in
                                           bundle.estimates["estimate_id"].to_numpy(dtype=object)[est_rows]),
                         fonts=fonts, density=density, n_shown=len(reps), notes=tuple(notes),
                         density_counts=density_counts)


def _density_counts(reps: np.ndarray, lane_arr: np.ndarray, lanes: list, dt, xr) -> tuple[tuple[int, ...], ...]:
    """Events per lane (rows, in the lanes' order) and year of the view (columns): each dated happening counted
    in the year of its middle, clipped to the view. `lane_arr`: the lane key of each of `reps`."""
    y0 = int(xr[0])
    n_years = max(int(xr[1]) - y0, 1)
    x0, x1 = dt.x0[reps], dt.x1[reps]
    dated = ~(np.isnan(x0) | np.isnan(x1))
    years = np.clip(np.floor((x0[dated] + x1[dated]) / 2).astype(np.int64), y0, y0 + n_years - 1) - y0
    index = {ln.key: k for k, ln in enumerate(lanes)}
    codes, keys = pd.factorize(lane_arr[dated])
    lane_rows = np.array([index[k] for k in keys.tolist()], dtype=np.int64)[codes]
    grid = np.zeros((len(lanes), n_years), dtype=np.int64)
    np.add.at(grid, (lane_rows, years), 1)
    return tuple(tuple(int(v) for v in row) for row in grid)


# -- period bands -----------------------------------------------------------------------------------------------

_YEARS_IN_LABEL = re.compile(r"\s*\([^()]*\)\s*$")


def _place_bands(prep: TimelinePrep, sel: Selection, xr, plot_w: float, font: float, px) -> tuple[list, int]:
    """Labels of the section bands (and of an era picked as the period) above the plot, in up to two lines:
    the full label when it fits its band, else wrapped on two lines, else its years; none cut, none overlapping."""
    line_h = font * LINE_HEIGHT
    placed: list[BandLabel] = []
    items = []
    for pid, start, end, label in prep.eras:
        if (start, end) == (sel.year_start, sel.year_end) or pid == sel.selected:
            items.append((pid, start, end, label, True))
    for pid, start, end, label in prep.sections:
        items.append((pid, start, end, label, False))
    for pid, start, end, label, bold in items:
        lo, hi = max(px(float(start)), 0.0), min(px(float(end) + 1), plot_w)
        if hi - lo < 16:
            continue
        years = f"{start}–{end}" if end != start else f"{start}"
        cands = [([label], True), (two_lines(label, font, bold), True), ([years], False)]
        done = False
        for lines, full in cands:
            w = max(text_px(line, font, bold) for line in lines)
            if w > hi - lo - 4:
                continue
            tiers = [(0,), (1,)] if len(lines) == 1 else [(0, 1)]
            for tset in tiers:
                for shift in (0.0, -0.25, 0.25, -0.5, 0.5, -1.0, 1.0):
                    cx = (lo + hi) / 2 + shift * (hi - lo - w) / 2
                    a, b = max(cx - w / 2, lo + 2), min(cx + w / 2, hi - 2)
                    if b - a < w - 0.5:
                        a, b = lo + 2, lo + 2 + w
                    box = (a, -(max(tset) + 1) * line_h - 2, b, -min(tset) * line_h - 2)
                    clash = any(_overlaps(box, q.box, pad=10) for q in placed)
                    if not clash:
                        text = "<br>".join(_esc(s) for s in lines)
                        placed.append(BandLabel(period_id=pid, text=f"<b>{text}</b>" if bold else text,
                                                lines=len(lines), tier=min(tset),
                                                x=xr[0] + (a + b) / 2 / plot_w * (xr[1] - xr[0]),
                                                hover=_esc(label), box=box, bold=bold, full=full))
                        done = True
                        break
                if done:
                    break
            if done:
                break
    tiers_used = max((q.tier + q.lines for q in placed), default=1)
    return placed, max(tiers_used, 1)


# -- estimates --------------------------------------------------------------------------------------------------


def _estimate_rows(bundle, shown: Shown, prep: TimelinePrep, mode: str, xr) -> np.ndarray:
    es_mask = shown_mask(bundle, shown, "estimates") & bundle.index.estimate_people
    x0, x1 = prep.estimate_x[mode]
    vals = prep.estimate_value
    ok = es_mask & ~np.isnan(x0) & ~np.isnan(vals) & (vals > 0) & (x1 > xr[0]) & (x0 < xr[1])
    return np.flatnonzero(ok)


def _place_estimates(bundle, prep: TimelinePrep, mode: str, rows: np.ndarray, sel: Selection, related, px, year_of,
                     plot_w: float, strip_h: float, font: float):
    if not len(rows):
        return (0.0, 1.0), [], []
    lo = bundle.array("estimates", "low")[rows]
    hi = bundle.array("estimates", "high")[rows]
    val = np.where(np.isnan(hi), lo, hi)
    low = np.where(np.isnan(lo), val, lo)
    ylo = math.log10(max(np.nanmin(low), 1.0)) - 0.25
    yhi = math.log10(max(np.nanmax(val), 1.0)) + 0.45
    pad = font * 0.8

    def py(v):
        t = (math.log10(max(v, 1.0)) - ylo) / (yhi - ylo)
        return pad + (1 - t) * (strip_h - 2 * pad)

    ylo_adj = ylo - pad / (strip_h - 2 * pad) * (yhi - ylo)
    yhi_adj = yhi + pad / (strip_h - 2 * pad) * (yhi - ylo)
    x0, x1 = prep.estimate_x[mode]
    boxes, marks = [], []
    for k, r in enumerate(rows):
        a, b = max(px(x0[r]), 0.0), min(px(x1[r]), plot_w)
        c = (px(x0[r]) + px(x1[r])) / 2
        y, yl = py(val[k]), py(low[k])
        boxes.append((a, y - 1.5, b, y + 1.5))  # the years (horizontal bar)
        boxes.append((c - 4.5, y - 4.5, c + 4.5, y + 4.5))  # the diamond
        if yl - y > 1:
            boxes.append((c - 2, y, c + 2, yl))  # low–high
        marks.append((c, y, a, b))
    selecting = bool(sel.selected)
    ids = bundle.array("estimates", "estimate_id")[rows]
    order = sorted(range(len(rows)), key=lambda k: (0 if selecting and ids[k] in related else 1, -val[k], k))
    h = font * TEXT_HEIGHT
    labels, taken = [], []
    for k in order:
        text = prep.estimate_text[rows[k]]
        w = text_px(text, font)
        c, y, a, b = marks[k]
        for x_a, anchor, dy in ((c + 7, "left", 0.0), (c - 7 - w, "right", 0.0), (b + 4, "left", 0.0),
                                (a - 4 - w, "right", 0.0), (c + 5, "left", -h / 2 - 2), (c + 5, "left", h / 2 + 2),
                                (c - 5 - w, "right", -h / 2 - 2), (c - 5 - w, "right", h / 2 + 2)):
            box = (x_a, y + dy - h / 2, x_a + w, y + dy + h / 2)
            if box[0] < 0 or box[2] > plot_w or box[1] < 0 or box[3] > strip_h:
                continue
            if any(_overlaps(box, q, pad=3) for q in boxes) or \
                    any(_overlaps(box, q, pad=6) for q in taken):
                continue
            taken.append(box)
            labels.append(EstimateLabel(estimate_id=ids[k], text=text,
                                        x=year_of(box[0] if anchor == "left" else box[2]), y=float(val[k]),
                                        anchor=anchor, box=box, dy=dy))
            break
    return (ylo_adj, yhi_adj), labels, boxes


# -- rendering --------------------------------------------------------------------------------------------------


def timeline_figure(bundle, sel: Selection, shown: Shown, related: frozenset[str], *, present: bool = False,
                    year_span: tuple[int, int] | None = None, palette: Palette = LIGHT,
                    prep: TimelinePrep | None = None, size: tuple[int, int] = DEFAULT_SIZE,
                    model: TimelineModel | None = None) -> dict:
    """The timeline as a plotly figure dict of `size` (width, height) px, rendered from timeline_model()."""
    prep = prep or prepare_timeline(bundle)
    m = model or timeline_model(bundle, sel, shown, related, present=present, year_span=year_span, prep=prep,
                                size=size)
    return render_timeline(m, bundle, sel, prep, palette)


def _lane_color(ln: Lane, sel: Selection, p: Palette) -> str:
    if sel.lanes == "type" or ln.key == NO_MOVEMENT_LANE or not ln.color:
        return p.no_movement
    return ln.color


def render_timeline(m: TimelineModel, bundle, sel: Selection, prep: TimelinePrep, p: Palette) -> dict:
    W, H = m.size
    left, r, t, b = m.margin
    plot_h = H - t - b
    f = m.fonts
    mode = sel.dates if sel.dates in prep.dates else "refined"
    dt = prep.dates[mode]
    lane_by_key = {ln.key: ln for ln in m.lanes}
    traces: list[dict] = []
    annotations: list[dict] = []
    shapes: list[dict] = []

    def y_of(mk) -> float:
        return -(lane_by_key[mk.lane].row0 + mk.row + 0.5)

    if m.density:
        traces.append(_density_trace(m, prep, bundle, sel))
        annotations.append(dict(text=f"{m.n_shown:,} events: too many to draw one by one, so each cell counts the "
                                "events of a year · narrow the period or click a cell to zoom in", x=0, y=1.0,
                                xref="paper", yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                                font=dict(size=f["band"], color=p.muted), bgcolor=p.paper))
    elif m.marks:
        detailed = len(m.marks) <= DETAILED_HOVER_MARKS
        hover = dt.hover if detailed else dt.short_hover
        color_of = {}
        for mk in m.marks:
            ln = lane_by_key.get(mk.lane)
            color_of[mk.event_id] = _mark_color(prep, mk, ln, sel, p)
        # span lines, by colour and opacity (solid part, broken where the label sits), then fading tails
        segs: dict[tuple[str, float], tuple[list, list]] = {}

        def seg(key, xs, y):
            xa, ya = segs.setdefault(key, ([], []))
            xa += [xs[0], xs[1], None]
            ya += [y, y, None]

        for mk in m.marks:
            if not mk.is_span or not mk.line or mk.hidden:
                continue
            y = y_of(mk)
            c = color_of[mk.event_id]
            op = 1.0 if mk.on else DIM_OPACITY
            x = mk.x0
            for ga, gb in sorted(mk.gaps):
                if ga > x:
                    seg((c, op), (x, min(ga, mk.x1)), y)
                x = max(x, gb)
            if x < mk.x1:
                seg((c, op), (x, mk.x1), y)
            for side, length in (("left", mk.fade_left), ("right", mk.fade_right)):
                if length <= 0:
                    continue
                step = length / len(FADE_STEPS)
                for k, alpha in enumerate(FADE_STEPS):
                    if side == "right":
                        xs = (mk.x1 + k * step, mk.x1 + (k + 1) * step)
                    else:
                        xs = (mk.x0 - (k + 1) * step, mk.x0 - k * step)
                    seg((c, round(op * alpha, 3)), xs, y)
        for (c, op), (xs, ys) in sorted(segs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", xaxis="x", yaxis="y", name="Ranges",
                               line=dict(color=_rgba(c, op), width=SPAN_WIDTH * (f["label"] / LABEL_FONT)),
                               hoverinfo="skip", showlegend=False))
        # the marks one hovers and clicks (customdata: the event): a point's symbol, a span's end caps (or, with no
        # cap in view, a small dot at its known part); drawn after the labels so that they are on top
        xs, ys, cd, ht, mcol, msym, msize, mop, lw, lc = [], [], [], [], [], [], [], [], [], []
        unit = f["label"] / LABEL_FONT
        lo_x, hi_x = m.xr[0], m.xr[1]
        for mk in m.marks:
            if mk.hidden:
                continue
            y = y_of(mk)
            c = color_of[mk.event_id]
            if mk.is_span:
                pts = [(x, CAP_SYMBOL) for flag, x in ((mk.cap_left, mk.x0), (mk.cap_right, mk.x1))
                       if flag and lo_x <= x <= hi_x]
                if not pts:
                    pts = [(min(max(mk.x0, lo_x + 0.004 * (hi_x - lo_x)), hi_x), "circle")]
            else:
                x_mark = mk.x if not math.isnan(mk.x) else (mk.x0 + mk.x1) / 2
                pts = [(x_mark, prep.symbol[mk.row_index] if sel.lanes == "movement" else "circle")]
            for x, sym in pts:
                xs.append(x)
                ys.append(y)
                cd.append(mk.event_id)
                ht.append(hover[mk.row_index])
                mcol.append(c)
                msym.append(sym)
                size = CAP_PX if sym == CAP_SYMBOL else 5.0 if mk.is_span else MARK_PX + 1
                msize.append((16 if mk.selected and not mk.is_span else size) * unit)
                mop.append(1.0 if mk.on else DIM_OPACITY)
                lw.append(3.0 if mk.selected and mk.is_span else 2.5 if mk.selected else
                          0.0 if sym == CAP_SYMBOL else 0.6)
                lc.append(p.highlight if mk.selected else c if sym == CAP_SYMBOL else p.mark_line)
        events_trace = dict(type="scatter", x=xs, y=ys, mode="markers", xaxis="x", yaxis="y", customdata=cd,
                            hoverinfo="text", hovertext=ht, name="Events", showlegend=False,
                            marker=dict(color=mcol, symbol=msym, size=msize, opacity=mop,
                                        line=dict(width=lw, color=lc)))
        # direct labels
        lab = [mk for mk in m.marks if mk.labelled]
        if lab:
            traces.append(dict(
                type="scatter", mode="text", xaxis="x", yaxis="y", name="Labels", showlegend=False,
                x=[mk.label_x for mk in lab], y=[y_of(mk) for mk in lab],
                text=[f"<b>{_esc(mk.label)}</b>" if mk.selected else ("· " if mk.listed else "") + _esc(mk.label)
                      for mk in lab],
                textposition=["middle right" if mk.label_anchor == "left" else "middle left" for mk in lab],
                textfont=dict(size=f["label"], color=[p.ink if mk.on else p.muted for mk in lab]),
                customdata=[mk.event_id for mk in lab], hoverinfo="text",
                hovertext=[hover[mk.row_index] for mk in lab], cliponaxis=False))
        if m.counts:
            traces.append(dict(
                type="scatter", mode="text", xaxis="x", yaxis="y", name="Unlabelled (click to zoom)",
                showlegend=False, x=[c.x for c in m.counts],
                y=[-(lane_by_key[c.lane].row0 + c.row + 0.5) for c in m.counts],
                text=[("· " if c.listed else "") + f"<b>{c.text}</b>" for c in m.counts], textposition="middle center",
                textfont=dict(size=f["label"], color=p.muted), customdata=[c.customdata for c in m.counts],
                hoverinfo="text", cliponaxis=False,
                hovertext=[f"{len(c.event_ids)} more event{'s' if len(c.event_ids) != 1 else ''} "
                           f"({c.years[0]}–{c.years[1]})<br>click to zoom in" for c in m.counts]))
        traces.append(events_trace)
    else:
        annotations.append(dict(text="No events match these filters", x=0.5, y=0.6, xref="paper", yref="paper",
                                showarrow=False, font=dict(size=14, color=p.muted)))

    # domains from px
    lanes_top = 1.0
    lanes_bottom = 1.0 - m.lanes_h / plot_h
    axes: dict = {}
    has_est = bool(m.estimates)
    span = m.xr[1] - m.xr[0]
    dtick = 1 if span <= 14 else 2 if span <= 30 else 5 if span <= 60 else 10
    x_common = dict(range=list(m.xr), showgrid=True, gridcolor=p.grid, zeroline=False, tickformat="d", dtick=dtick,
                    tickfont=dict(size=f["tick"], color=p.ink), automargin=False, fixedrange=False,
                    ticklabeloverflow=TICK_OVERFLOW)
    tickvals = [-(ln.row0 + ln.n_rows / 2) for ln in m.lanes]
    ticktext = [f'<span style="color:{_lane_color(ln, sel, p) if sel.lanes == "movement" else p.muted}">'
                + "<br>".join(_esc(s) for s in ln.name_lines) + "</span>" for ln in m.lanes]
    axes["yaxis"] = dict(domain=[max(lanes_bottom, 0.0), lanes_top], anchor="x", tickvals=tickvals,
                         ticktext=ticktext, range=[-m.y_rows, 0], fixedrange=True, showgrid=False, zeroline=False,
                         tickfont=dict(size=f["lane"], color=p.ink), automargin=False, ticks="", ticklen=0,
                         ticklabelstandoff=int(LANE_STANDOFF), ticklabeloverflow=TICK_OVERFLOW)
    # lane separators
    for ln in m.lanes[1:]:
        shapes.append(dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=-ln.row0, y1=-ln.row0,
                           line=dict(color=p.grid, width=1), layer="below"))
    if has_est:
        axes["xaxis"] = dict(x_common, domain=[0, 1], anchor="y", matches="x2", showticklabels=False)
        axes["xaxis2"] = dict(x_common, domain=[0, 1], anchor="y2")
        est_top = m.strip_h / plot_h
        axes["yaxis2"] = dict(domain=[0.0, est_top], anchor="x2", type="log", range=list(m.estimate_y),
                              fixedrange=True, gridcolor=p.grid, automargin=False, zeroline=False,
                              # a tick per power of ten while they fit a line apart, else fewer; none at the
                              # strip's edges, where a tick label would meet the year labels below
                              tickvals=_estimate_ticks(m.strip_h, m.estimate_y, f["estimate"] * 0.95),
                              exponentformat="SI", tickfont=dict(size=f["estimate"] * 0.95, color=p.muted),
                              ticklabeloverflow=TICK_OVERFLOW)
        traces.append(_estimates_trace(bundle, prep, mode, m, sel, p))
        if m.estimate_labels:
            el = m.estimate_labels
            traces.append(dict(type="scatter", mode="text", xaxis="x2", yaxis="y2", name="Estimate figures",
                               showlegend=False, x=[e.x for e in el],
                               y=[e.y * 10 ** (-e.dy / m.strip_h * (m.estimate_y[1] - m.estimate_y[0])) for e in el],
                               text=[_esc(e.text) for e in el], cliponaxis=False,
                               textposition=["middle right" if e.anchor == "left" else "middle left" for e in el],
                               textfont=dict(size=f["estimate"], color=p.ink),
                               customdata=[e.estimate_id for e in el], hoverinfo="skip"))
        # the strip's unit, left of its tick labels (which take about 30 px)
        annotations.append(dict(text="people", x=0, y=est_top / 2, xref="paper", yref="paper", xanchor="right",
                                yanchor="middle", xshift=-34, showarrow=False,
                                font=dict(size=f["estimate"], color=p.muted)))
        for note in m.notes:
            annotations.append(dict(text=note, x=1, y=0.0, xref="paper", yref="paper", xanchor="right",
                                    yanchor="bottom", showarrow=False, font=dict(size=f["estimate"], color=p.muted)))
    else:
        axes["xaxis"] = dict(x_common, domain=[0, 1], anchor="y")

    band_shapes, band_notes = _band_drawing(m, prep, sel, p)
    layout = base_layout(
        palette=p, dragmode="zoom", hovermode="closest", showlegend=False,
        # no width/height: the page's panel sizes the graph (the figure is laid out for m.size, which the caller
        # measures); a slide or an image export passes its own
        margin=dict(l=round(left), r=round(r), t=round(t), b=round(b), autoexpand=False),
        font=dict(size=f["tick"], color=p.ink), shapes=band_shapes + shapes, annotations=band_notes + annotations,
        **axes)
    return {"data": traces, "layout": layout}


def _estimate_ticks(strip_h: float, y_range: tuple[float, float], font: float) -> list[float]:
    """The estimates strip's ticks (values): powers of ten, as many powers apart as keeps their labels a line apart,
    none within half a line of the strip's top or bottom."""
    y0, y1 = y_range
    decades = max(y1 - y0, 1e-9)
    line = font * LINE_HEIGHT
    step = next((d for d in (1, 2, 3, 6, 9, 12) if d >= line * decades / max(strip_h, 1.0)), 12)
    def px(k):
        return (k - y0) / decades * strip_h
    ks = [k for k in range(math.ceil(y0), math.floor(y1) + 1) if k % step == 0]
    kept = [k for k in ks if line / 2 <= px(k) <= strip_h - line / 2]
    if not kept and ks:  # a strip too short for any: the one nearest its middle
        kept = [min(ks, key=lambda k: abs(px(k) - strip_h / 2))]
    return [10.0 ** k for k in kept]


def _rgba(color: str, alpha: float) -> str:
    if alpha >= 1.0 or not isinstance(color, str) or not color.startswith("#") or len(color) != 7:
        return color
    return hex_to_rgba(color, alpha)


def _mark_color(prep: TimelinePrep, mk: MarkModel, ln: Lane | None, sel: Selection, p: Palette) -> str:
    if sel.lanes == "movement" and not (ln is not None and ln.key == OTHER_LANE):
        return ln.color if ln is not None and ln.color else p.no_movement
    pairs = prep.movement_lanes[mk.row_index]
    return (prep.lane_colors.get(pairs[0][1]) if pairs else None) or p.no_movement


def _density_trace(m: TimelineModel, prep: TimelinePrep, bundle, sel: Selection) -> dict:
    """Events per lane and year as a heatmap; each cell's customdata is its year."""
    years = np.arange(int(m.xr[0]), int(m.xr[0]) + max(int(m.xr[1]) - int(m.xr[0]), 1))
    n_lanes = len(m.lanes)
    z = [[v or None for v in row] for row in m.density_counts]
    return dict(type="heatmap", x=(years + 0.5).tolist(), y=[-(ln.row0 + ln.n_rows / 2) for ln in m.lanes], z=z,
                xaxis="x", yaxis="y", customdata=[years.tolist()] * n_lanes, name="Events per year",
                hovertemplate="%{customdata}: %{z} events<br>click to zoom in<extra></extra>",
                colorscale=[[0, "rgba(11,92,173,0.12)"], [1, ACCENT]], showscale=False, xgap=1, ygap=6, zmin=0)


def _estimates_trace(bundle, prep: TimelinePrep, mode: str, m: TimelineModel, sel: Selection, p: Palette) -> dict:
    rows = np.array(m.estimates, dtype=np.int64)
    lo = bundle.array("estimates", "low")[rows]
    hi = bundle.array("estimates", "high")[rows]
    val = np.where(np.isnan(hi), lo, hi)
    x0, x1 = prep.estimate_x[mode]
    ex = (x0[rows] + x1[rows]) / 2
    half = (x1[rows] - x0[rows]) / 2
    eids = bundle.array("estimates", "estimate_id")[rows]
    return dict(
        type="scatter", x=ex.tolist(), y=val.tolist(), mode="markers", xaxis="x2", yaxis="y2",
        customdata=eids.tolist(), name="Estimates", showlegend=False, hovertext=prep.estimate_hover[rows].tolist(),
        hoverinfo="text",
        marker=dict(symbol="diamond", size=7 * m.fonts["estimate"] / ESTIMATE_FONT, color=p.ink, line=dict(width=0),
                    opacity=[1.0 if on else DIM_OPACITY for on in m.estimate_on]),
        error_x=dict(type="data", array=half.tolist(), visible=True, width=0, thickness=1.5, color=p.muted),
        error_y=dict(type="data", array=[0] * len(val), arrayminus=np.nan_to_num(val - np.where(np.isnan(lo), val, lo)
                                                                                 ).tolist(),
                     visible=True, width=3, thickness=1.2, color=p.muted),
    )


def _band_drawing(m: TimelineModel, prep: TimelinePrep, sel: Selection, p: Palette) -> tuple[list, list]:
    shapes, notes = [], []
    for k, (_pid, start, end, _label) in enumerate(prep.sections):
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=float(start), x1=float(end) + 1, y0=0, y1=1,
                           layer="below", fillcolor=p.band_fills[k % 2], line=dict(width=0)))
    for pid, start, end, _label in prep.eras:
        if not ((start, end) == (sel.year_start, sel.year_end) or pid == sel.selected):
            continue
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=float(start), x1=float(end) + 1, y0=0, y1=1,
                           layer="below", fillcolor="rgba(11,92,173,0.07)",
                           line=dict(color="rgba(11,92,173,0.5)", width=1, dash="dot")))
    line_h = m.fonts["band"] * LINE_HEIGHT
    for bl in m.bands:
        color = (ACCENT if p.name == "light" else "#8DB8F0") if bl.bold else p.muted
        notes.append(dict(x=bl.x, y=1.0, xref="x", yref="paper", text=bl.text, showarrow=False, yanchor="bottom",
                          xanchor="center", yshift=bl.tier * line_h + 1, font=dict(size=m.fonts["band"], color=color),
                          hovertext=bl.hover, name="band"))
    return shapes, notes
