"""The timeline's label/row model and its rendering: nothing written over anything, most marks labelled, spans as
thin lines with caps, uncertain ends fading, one mark per happening, band labels never cut."""

from __future__ import annotations

import html
import math
import re

import plotly.graph_objects as go
import pytest

from dashboard.events import _zoom_span
from dashboard.textwidth import text_width
from dashboard.frames import bundle_from_frames
from dashboard.selection import Selection, from_query, related_ids, shown, vocab_from_bundle
from dashboard.views.timeline import (
    CAP_SYMBOL,
    TICK_OVERFLOW,
    DEFAULT_SIZE,
    figure_text,
    prepare_timeline,
    short_what,
    text_px,
    timeline_figure,
    timeline_model,
)

STATES = ("period=1936-1938", "", "movement=trotskyism", "period=1941-1949&type=deportation", "period=1953-1967")
SIZES = (DEFAULT_SIZE, (946, 300))


@pytest.fixture(scope="module")
def prep(bundle):
    return prepare_timeline(bundle)


def _model(bundle, prep, query, size=DEFAULT_SIZE, **kw):
    vocab = vocab_from_bundle(bundle)
    sel = from_query(query, vocab)
    sh = shown(bundle, sel)
    m = timeline_model(bundle, sel, sh, related_ids(bundle, sel.selected), prep=prep, size=size,
                       year_span=(vocab.year_min, vocab.year_max), **kw)
    return sel, sh, m


def _figure(bundle, prep, query, size=DEFAULT_SIZE):
    vocab = vocab_from_bundle(bundle)
    sel = from_query(query, vocab)
    sh = shown(bundle, sel)
    fig = timeline_figure(bundle, sel, sh, related_ids(bundle, sel.selected), prep=prep, size=size,
                          year_span=(vocab.year_min, vocab.year_max))
    go.Figure(fig)  # valid against plotly's schema
    return fig


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("query", STATES)
def test_timeline001_labels_overlap_nothing(bundle, prep, query, size):
    _, _, m = _model(bundle, prep, query, size)
    assert m.overlapping() == []
    for mk in m.marks:
        if mk.label_box:  # inside the plot: never cut by its frame
            assert mk.label_box[0] >= 0 and mk.label_box[2] <= m.plot_w + 0.5
            assert mk.label_box[1] >= 0 and mk.label_box[3] <= m.lanes_h + 0.5
    texts = [e.box for e in m.estimate_labels]
    for k, a in enumerate(texts):
        assert a[0] >= 0 and a[2] <= m.plot_w + 0.5 and a[1] >= 0 and a[3] <= m.strip_h + 0.5
        for b in texts[k + 1:] + list(m.estimate_boxes):
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


# 43 happenings in 1953–1967 once needed nine lanes in 328 px (49 % labelled); the lanes with fewest marks now share
# one, which labels about three quarters
@pytest.mark.parametrize("query", STATES)
def test_timeline002_most_marks_labelled(bundle, prep, query):
    _, _, m = _model(bundle, prep, query)
    inview = [mk for mk in m.marks if mk.in_view]
    if len(inview) > 60:
        # all years (157 happenings): one row per lane is all 328 px allow; nothing overlaps (test 001), what is
        # left out is counted
        assert sum(int(c.text[1:]) for c in m.counts) >= 1
        return
    assert m.labelled_share >= 0.7, f"{query}: {m.labelled_share:.0%} of {len(inview)} labelled"
    top = [mk for mk in inview if mk.rank < 10]
    assert top and all(mk.labelled for mk in top)


def test_timeline003_counts_zoom_to_their_years(bundle, prep):
    _, _, m = _model(bundle, prep, "", (946, 300))
    assert m.counts
    unlabelled = {mk.event_id for mk in m.marks if mk.in_view and not mk.labelled}
    counted = {e for c in m.counts for e in c.event_ids}
    assert counted <= unlabelled
    x0 = dict(zip(prep.event_ids, prep.dates["refined"].x0))
    for c in m.counts:
        assert int(c.text[1:]) == len(c.event_ids)
        span = _zoom_span(c.customdata)
        assert span is not None and span[0] <= min(math.floor(x0[e]) for e in c.event_ids)
    fig = _figure(bundle, prep, "", (946, 300))
    tr = next(t for t in fig["data"] if t["name"].startswith("Unlabelled"))
    assert all(_zoom_span(cd) for cd in tr["customdata"])


def test_timeline004_spans_are_thin_lines_with_caps(bundle, prep):
    fig = _figure(bundle, prep, "period=1936-1938")
    lines = [t for t in fig["data"] if t["name"] == "Ranges"]
    assert lines and all(t["line"]["width"] <= 3 for t in lines)
    ev = next(t for t in fig["data"] if t["name"] == "Events")
    caps = [(x, c) for x, c, sym in zip(ev["x"], ev["customdata"], ev["marker"]["symbol"]) if sym == CAP_SYMBOL]
    # a span within the view has a cap at each end (the Moscow Trials, 1936–1938)
    assert sorted(x for x, c in caps if c == "ev_moscow_trials") == [1936.0, 1939.0]
    # the clickable marks are drawn above the labels: the last trace of the lanes' subplot
    lanes_traces = [t for t in fig["data"] if t.get("yaxis") == "y"]
    assert lanes_traces[-1]["name"] == "Events"
    # every labelled span's label is on its line (the line broken there) or beside it
    _, _, m = _model(bundle, prep, "period=1936-1938")
    assert any(mk.is_span and mk.labelled and mk.gaps for mk in m.marks)


def _variant(frames, edit):
    f = dict(frames)
    ev = frames["events"].copy()
    edit(ev)
    f["events"] = ev
    return bundle_from_frames(f)


def test_timeline005_open_end_fades(frames):
    def edit(ev):
        i = ev.index[ev["event_id"] == "ev_gulag_system"][0]
        ev.loc[i, "when"] = "1929/.."
        ev.loc[i, "year_end"] = None
        j = ev.index[ev["event_id"] == "ev_moscow_trials"][0]
        ev.loc[j, "when"] = "1936~/1938~"

    b = _variant(frames, edit)
    p = prepare_timeline(b)
    sel = Selection(1925, 1945)
    m = timeline_model(b, sel, shown(b, sel), frozenset(), prep=p)
    gulag = next(mk for mk in m.marks if mk.event_id == "ev_gulag_system")
    assert gulag.fade_right > 0 and not gulag.cap_right and gulag.cap_left
    trials = next(mk for mk in m.marks if mk.event_id == "ev_moscow_trials")
    assert trials.fade_left > 0 and trials.fade_right > 0 and not (trials.cap_left or trials.cap_right)
    assert m.overlapping() == []
    fig = timeline_figure(b, sel, shown(b, sel), frozenset(), prep=p)
    faded = [t for t in fig["data"] if t["name"] == "Ranges" and t["line"]["color"].startswith("rgba")]
    assert faded, "the tail beyond an open end is drawn in fading segments"
    xs = [x for t in faded for x in t["x"] if x is not None]
    assert max(xs) > gulag.x1  # beyond the known part
    hover = p.dates["refined"].hover[list(p.event_ids).index("ev_gulag_system")]
    assert "from 1929" in hover


def test_timeline006_one_happening_one_mark(frames):
    ids = ("ev_moscow_trials", "ev_show_trials_replicated", "ev_great_purge")

    def edit(ev):
        ev.loc[ev["event_id"].isin(ids), "happening_id"] = "ev_moscow_trials"

    b = _variant(frames, edit)
    p = prepare_timeline(b)
    sel = Selection(1930, 1940)
    sh = shown(b, sel)
    assert set(ids) <= set(sh.event_ids)
    fig = timeline_figure(b, sel, sh, frozenset(), prep=p)
    ev = next(t for t in fig["data"] if t["name"] == "Events")
    drawn = sorted({c for c in ev["customdata"] if c in ids})
    assert len(drawn) == 1
    # the representative is the widest span (the Great Purge, 1930–1939)
    assert drawn == ["ev_great_purge"]
    hover = ev["hovertext"][ev["customdata"].index(drawn[0])]
    assert "(3 sources)" in hover and "differ" in hover


def test_timeline007_refined_dates_drawn_and_marked(frames):
    def edit(ev):
        i = ev.index[ev["event_id"] == "ev_deportation_to_kazakhstan"][0]
        ev.loc[i, "when_refined"] = "1937"
        ev.loc[i, "refined_year_start"] = 1937
        ev.loc[i, "refined_year_end"] = 1937
        ev.loc[i, "outside_text"] = "the Koreans were deported in 1937"

    b = _variant(frames, edit)
    p = prepare_timeline(b)
    k = list(p.event_ids).index("ev_deportation_to_kazakhstan")
    assert p.dates["refined"].x1[k] == 1938 and p.dates["text"].x1[k] == 1950
    assert "refined: 1937 ⚑" in p.dates["refined"].hover[k] and "⚑" not in p.dates["text"].hover[k].split("<i>")[0]
    for dates in ("refined", "text"):
        sel = Selection(1936, 1950, dates=dates)
        m = timeline_model(b, sel, shown(b, sel), frozenset(), prep=p)
        mk = next(mk for mk in m.marks if mk.event_id == "ev_deportation_to_kazakhstan")
        assert mk.is_span == (dates == "text")
    # the two date modes share an event's hover text where it reads the same (one string, not two)
    ref, txt = p.dates["refined"], p.dates["text"]
    assert ref.hover[k] != txt.hover[k]
    same = [i for i in range(len(p.event_ids)) if i != k and not ref.refined[i]]
    assert same and all(ref.hover[i] is txt.hover[i] and ref.short_hover[i] is txt.short_hover[i] for i in same)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("query", ("", "period=1953-1967", "period=1936-1938", "period=1924-1953"))
def test_timeline008_band_labels_never_cut(bundle, prep, query, size):
    _, _, m = _model(bundle, prep, query, size)
    assert m.bands
    for k, a in enumerate(m.bands):
        assert "…" not in a.text
        for b in m.bands[k + 1:]:
            assert not (a.box[0] < b.box[2] and b.box[0] < a.box[2] and a.box[1] < b.box[3] and b.box[1] < a.box[3])
        assert a.box[0] >= 0 and a.box[2] <= m.plot_w
        assert a.full or "–" in a.text or a.text.isdigit()
    fig = _figure(bundle, prep, query, size)
    assert not any("…" in str(n.get("text")) for n in fig["layout"]["annotations"] if n.get("name") == "band")
    # the figure's top margin holds every tier of band labels
    tiers = max(b.tier + b.lines for b in m.bands)
    assert fig["layout"]["margin"]["t"] >= tiers * m.fonts["band"] * 1.2


@pytest.mark.parametrize("size", SIZES + ((1258, 228),))
@pytest.mark.parametrize("query", STATES + ("period=1917-1991", "period=1936-1936"))
def test_timeline008b_tick_labels_fit_their_margins(bundle, prep, query, size):
    # plotly.js is told not to measure the tick labels to hide those leaving the graph (TICK_OVERFLOW): so the
    # margins must hold every one of them — the last year's label centred on the plot's right edge, the lane names
    # left of the plot
    fig = _figure(bundle, prep, query, size)
    lay = fig["layout"]
    mg = lay["margin"]
    axes = {k: v for k, v in lay.items() if k.startswith(("xaxis", "yaxis"))}
    assert axes and all(a.get("ticklabeloverflow") == TICK_OVERFLOW for a in axes.values())
    x = lay["xaxis2"] if "xaxis2" in lay else lay["xaxis"]
    lo, hi = x["range"]
    years = [y for y in range(math.ceil(lo), math.floor(hi) + 1)]
    size_px = x["tickfont"]["size"]
    widest = max(text_width(str(y), size_px) for y in years)
    assert mg["r"] >= widest / 2, (mg["r"], widest)
    lanes = lay["yaxis"]
    for t in lanes["ticktext"]:
        for line in re.sub(r"<span[^>]*>|</span>", "", t).split("<br>"):
            assert text_width(html.unescape(line), lanes["tickfont"]["size"]) + lanes["ticklabelstandoff"] \
                <= mg["l"] + 0.5, line


def test_timeline009_estimate_figures():
    assert figure_text(353074, 353074, "exact", "people") == "353,074"
    assert figure_text(600000, 1000000, 'range; upper bound "over 1 million"', "people") == \
        "600,000 – over 1,000,000"
    assert figure_text(600000, None, 'range; upper bound "over 1 million"', "people") == "600,000 – over 1,000,000"
    assert figure_text(1000000, None, "over", "people") == "over 1,000,000"
    assert figure_text(200000, None, "hundreds of thousands", "people") == "hundreds of thousands"
    assert short_what("people executed in 1937") == "executed"
    assert short_what("people deported to Siberia and the Central Asian republics") == "deported"


def test_timeline010_estimates_written_beside_marks(bundle, prep):
    _, _, m = _model(bundle, prep, "period=1936-1938")
    assert m.estimate_labels
    assert any("executed · 1937" in e.text or "· 1937" in e.text for e in m.estimate_labels)


def test_timeline011_size_sets_the_figure(bundle, prep):
    for size in SIZES:
        fig = _figure(bundle, prep, "period=1936-1938", size)
        _, _, m = _model(bundle, prep, "period=1936-1938", size)
        assert m.size == size
        mg = fig["layout"]["margin"]
        assert mg["l"] + mg["r"] + m.plot_w == pytest.approx(size[0], abs=1)
        assert mg["t"] + mg["b"] + m.lanes_h + m.gap_h + m.strip_h == pytest.approx(size[1], abs=1)
        lane_names = [t for t in fig["layout"]["yaxis"]["ticktext"]]
        assert not any("…" in t for t in lane_names)
        # lane names fit the left margin
        widest = max(text_px(line, m.fonts["lane"]) for t in lane_names for line in
                     __import__("re").sub(r"<[^>]+>", "\n", t).split("\n") if line)
        assert widest <= fig["layout"]["margin"]["l"]


def test_timeline012_selected_first(bundle, prep):
    _, _, m = _model(bundle, prep, "period=1936-1938&select=ev_milyutin_death_1937")
    mk = next(mk for mk in m.marks if mk.event_id == "ev_milyutin_death_1937")
    assert mk.rank == 0 and mk.labelled and mk.selected


SHORT = (950, 190)  # the timeline's size in a 1280×720 window


@pytest.mark.parametrize("query", ["period=1953-1967", "period=1936-1938"])
def test_timeline013_short_window_merges_the_smallest_lanes(bundle, prep, query):
    from dashboard.views.timeline import MIN_ROWS_PER_LANE, OTHER_LANE
    _, _, m = _model(bundle, prep, query, SHORT)
    keys = [ln.key for ln in m.lanes]
    assert OTHER_LANE in keys and keys[-1] == OTHER_LANE
    # every lane has rows for its name and a label; lane names keep a readable size
    assert all(ln.n_rows >= len(ln.name_lines) for ln in m.lanes)
    assert m.fonts["lane"] >= 9.0
    assert len(m.lanes) * MIN_ROWS_PER_LANE <= sum(ln.n_rows for ln in m.lanes) + MIN_ROWS_PER_LANE
    assert m.overlapping() == []
    # a taller figure keeps more movements' lanes; a tall one keeps them all
    _, _, wide = _model(bundle, prep, query, DEFAULT_SIZE)
    _, _, tall = _model(bundle, prep, query, (1546, 700))
    assert len(m.lanes) < len(wide.lanes) and OTHER_LANE not in [ln.key for ln in tall.lanes]


def test_timeline014_merged_lane_keeps_filtered_and_selected_lanes(bundle, prep):
    from dashboard.views.timeline import OTHER_LANE
    _, _, m = _model(bundle, prep, "period=1953-1967&movement=new_left,titoism,stalinism", SHORT)
    assert OTHER_LANE not in [ln.key for ln in m.lanes]
    # the selected record's happening keeps its own lane (its lane would be merged otherwise)
    _, _, plain = _model(bundle, prep, "period=1953-1967", SHORT)
    _, _, m2 = _model(bundle, prep, "period=1953-1967&select=ev_secret_speech_1956", SHORT)
    was = [mk.lane for mk in plain.marks if mk.event_id in ("ev_secret_speech_1956", "ev_asl_secret_speech")]
    first = [mk for mk in m2.marks if mk.rank == 0]
    assert was == [OTHER_LANE] and first and first[0].lane != OTHER_LANE


def test_timeline014b_merged_lanes_keep_what_a_selection_draws_strongly(bundle, prep):
    """Selecting a person dims every mark but theirs: the lanes kept are those holding the strong marks. (Trotsky in
    1936–1938 at 1280×720: his movement's four marks went under "Other movements" while a lane of five dimmed
    marks kept its row.)"""
    from dashboard.views.timeline import OTHER_LANE
    _, _, plain = _model(bundle, prep, "period=1936-1938", SHORT)
    _, _, m = _model(bundle, prep, "period=1936-1938&select=trotsky", SHORT)
    assert "trotskyism" not in [ln.key for ln in plain.lanes]  # folded without a selection
    strong = [mk for mk in m.marks if mk.in_view and mk.on]
    assert len(strong) >= 4
    assert "trotskyism" in [ln.key for ln in m.lanes]
    assert [mk.event_id for mk in strong if mk.lane == OTHER_LANE] == []
    assert m.overlapping() == []


def test_timeline015_sources_that_disagree_are_marked(bundle, prep):
    """The Great Purge is 'in the 1930s' in one text and 1936–1938 in the other: its mark says ≠."""
    from dashboard.views.timeline import DISAGREE_MARK, disputed_events
    disputed = disputed_events(bundle)
    purge = set(bundle.events.loc[bundle.events["happening_id"] == "hp_great_purge", "event_id"])
    assert purge and purge <= disputed
    _, _, m = _model(bundle, prep, "period=1936-1938")
    marks = [mk for mk in m.marks if mk.event_id in purge]
    assert marks and all(mk.label.endswith(DISAGREE_MARK) for mk in marks)
    assert not any(mk.label.endswith(DISAGREE_MARK) for mk in m.marks if mk.event_id not in disputed)


# The timeline's size in a 1280×720 window (the timeline spans the window's width there), on screen and presenting.
SMALL_WINDOW = {"period=1953-1967": ((1258, 228), False), "period=1936-1938&present=1": ((1246, 236), True)}


@pytest.mark.parametrize("query", SMALL_WINDOW)
def test_timeline016_small_window_labels_most_marks_and_moves_marks_only_within_their_time(bundle, prep, query):
    size, present = SMALL_WINDOW[query]
    _, _, m = _model(bundle, prep, query, size, present=present)
    assert m.overlapping() == []
    inview = [mk for mk in m.marks if mk.in_view]
    assert 0 < len(inview) <= 60 and m.labelled_share >= 0.7, f"{m.labelled_share:.0%} of {len(inview)}"
    moved = 0
    for mk in inview:
        if mk.is_span or mk.hidden:
            continue
        # a point mark is drawn within the time its date gives (a year's mark anywhere in that year), and its box
        # is where it is drawn
        assert mk.x0 <= mk.x <= mk.x1, (mk.label, mk.x0, mk.x, mk.x1)
        assert (mk.box[0] + mk.box[2]) / 2 == pytest.approx(m.px_x(mk.x), abs=0.6)
        moved += abs(mk.x - (mk.x0 + mk.x1) / 2) > 1e-6
    assert moved, "no mark needed moving within its year here"
