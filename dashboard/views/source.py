"""Source panel: the selected record's passage with its quote highlighted in its sentence and paragraph, the
section and document, every attribute, what comes from outside the texts, and links to records citing the same
passage; with nothing selected, an overview of what the views show (the period's section heading and the text's
opening sentence for it, the most important events shown as links, the counts). Text is always rendered as text
(Dash children strings), never as HTML.

source_model(bundle, record_id) and overview_model(bundle, sel, shown) are pure (plain data, tested without a
browser); render_source(model, overview) turns them into Dash components.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from dash import html

from dashboard import ids
from dashboard.dates import when_words
from dashboard.formatting import KIND_LABELS, fmt_range, outside_note, years_label
from dashboard.selection import Selection, Shown, happening_count, same_passage_ids, shown_mask

# Characters of paragraph context shown on each side of the quote's sentence.
CONTEXT_CHARS = 320
# Records citing the same sentence listed by name; more are counted.
SAME_PASSAGE_LISTED = 12
# Events listed by name in the overview (the most important shown, one per happening); more are counted.
OVERVIEW_EVENTS = 8
# Section periods whose opening sentence the overview quotes (those covering most of the selected years).
OVERVIEW_QUOTED_SECTIONS = 2


@dataclass(frozen=True)
class SourceModel:
    record_id: str
    kind: str
    title: str
    subtitle: str
    attributes: tuple[tuple[str, str], ...]
    outside: tuple[tuple[str, str], ...]
    doc_title: str
    credit: str
    section: str
    before: str
    quote: str
    after: str
    sentence_before: str
    sentence_after: str
    same_passage: tuple[tuple[str, str], ...] = field(default=())
    same_passage_more: int = 0  # further records citing the sentence, not listed
    # the other records of the same happening (events only): (record id, text's title, date in words, quote)
    happening: tuple[tuple[str, str, str, str], ...] = field(default=())
    happening_differs: str = ""  # where the sources differ ("dates: 1956 · 1953/..") or ""
    # curated comparisons the record is a side of: (what, ((record id, text's title, value, quote) per side))
    disagree: tuple = field(default=())


@dataclass(frozen=True)
class SectionOpening:
    """A section period of a text overlapping the selected years, and the text's first sentence in it."""

    period_id: str
    heading: str
    doc_title: str
    sentence: str  # verbatim from the text; '' when only the heading is listed
    overlap_years: int


@dataclass(frozen=True)
class OverviewEvent:
    event_id: str
    label: str
    years: str


@dataclass(frozen=True)
class OverviewModel:
    """What the views show, in words: for the source panel with nothing selected (and a screenshot of it)."""

    period: str  # '1936–1938' or 'All years, 1917–2025'
    sections: tuple[SectionOpening, ...]
    events: tuple[OverviewEvent, ...]  # the most important shown, most important first
    more_events: int  # shown events not listed (other happenings)
    counts: tuple[tuple[str, int], ...]  # ('events', 41), ('sites', 9), …
    # with the Debates view open: every place the texts disagree, as in SourceModel.disagree
    disagree: tuple = field(default=())


def event_importance(bundle, rows: np.ndarray, sel: Selection | None = None) -> np.ndarray:
    """The events at `rows` (positions in the events frame), most important first. Those that begin within the
    selected years come before those running on from earlier; within each, a score adds how often the texts
    report the happening (2 per record sharing its happening_id), whether its type says what happened (1 unless
    'other'), the texts' estimates of it (1 each), a place to put it on the map (0.5), and how prominent its most
    mentioned actor is (half the log2 of the actor's mentions in both texts); ties go in time order."""
    score_all, start_all = bundle.memo("source.importance", lambda: _importance(bundle))
    score, start = score_all[rows], start_all[rows]
    inside = (start >= sel.year_start).astype(int) if sel is not None and sel.has_period else np.zeros(len(rows))
    order = np.lexsort((start, -score, -inside))
    return rows[order]


def _importance(bundle) -> tuple[np.ndarray, np.ndarray]:
    """(score, first year) of every event (see event_importance): what does not depend on the selection (kept with
    the bundle: Bundle.memo)."""
    ev = bundle.events
    ix = bundle.index
    happening = pd.Series(ev["happening_id"].to_numpy(dtype=object))
    sizes = happening.map(happening.value_counts()).to_numpy(dtype=float)
    mentions = dict(zip(bundle.actors["actor_id"], bundle.actors["mention_count"].astype(int)))
    top_mentions = np.array([max((mentions.get(a, 0) for a in ids), default=0)
                             for ids in ev["actor_ids"].to_numpy()], dtype=float)
    typed = (ev["event_type"].to_numpy(dtype=object) != "other").astype(float)
    estimates = np.bincount(ix.estimate_event[ix.estimate_event >= 0], minlength=len(ev)).astype(float)
    placed = (ix.event_place >= 0).astype(float)
    score = 2 * sizes + typed + estimates + 0.5 * placed + 0.5 * np.log2(1 + top_mentions)
    start = ev["year_start"].astype(float).fillna(-np.inf).to_numpy()
    score.setflags(write=False)
    start.setflags(write=False)
    return score, start


# An event's name in the overview: its title when it is short enough for one or two lines of the panel, else its
# label (at most ~32 characters).
OVERVIEW_TITLE_CHARS = 64


def _overlapping_sections(bundle, sel: Selection) -> list[tuple[int, dict]]:
    """(years of overlap, period row) of every section period overlapping the selection's years, in time order."""
    out = []
    for r in bundle.memo("source.sections", lambda: _sections(bundle)):
        s = r["year_start"] if not pd.isna(r["year_start"]) else -10_000
        e = r["year_end"] if not pd.isna(r["year_end"]) else 10_000
        lo, hi = (sel.year_start, sel.year_end) if sel.has_period else (s, e)
        overlap = min(e, hi) - max(s, lo) + 1
        if overlap > 0:
            out.append((int(overlap), r))
    return out


def _sections(bundle) -> tuple[MappingProxyType, ...]:
    """The section periods (read-only rows) in time order (kept with the bundle: Bundle.memo)."""
    periods = bundle.periods
    sections = periods[periods["period_type"] == "section"].sort_values(["year_start", "year_end", "period_id"])
    return tuple(MappingProxyType(r) for r in sections.to_dict("records"))


def _opening_sentence(bundle, row) -> str:
    """The first sentence passage of the period's section in its text, verbatim ('' if the section has none)."""
    doc_id, section = row["doc_id"], row["section"]
    if not (isinstance(doc_id, str) and isinstance(section, str)):
        return _first_sentence(bundle, doc_id, section)
    return bundle.memo(("source.first_sentence", doc_id, section), lambda: _first_sentence(bundle, doc_id, section))


def _first_sentence(bundle, doc_id, section) -> str:
    p = bundle.passages
    inside = p[(p["doc_id"] == doc_id) & (p["section"] == section) & (p["passage_type"] == "sentence")]
    if not len(inside):
        return ""
    return str(inside.sort_values("char_start").iloc[0]["text"])


def overview_model(bundle, sel: Selection, sh: Shown) -> OverviewModel:
    """The overview of what `sh` (selection.shown(bundle, sel)) holds: the section periods of the texts that
    overlap the selected years (the opening sentence quoted for those covering most of them), the most important
    shown events (one per happening), and the counts of what every view draws."""
    if sel.has_period:
        period = f"{sel.year_start}–{sel.year_end}"
    else:  # the years the summary line gives (selection.vocab_from_bundle)
        years = pd.concat([bundle.events["year_start"], bundle.events["year_end"]]).dropna()
        period = f"All years, {int(years.min())}–{int(years.max())}" if len(years) else "All years"
    docs = dict(zip(bundle.documents["doc_id"], bundle.documents["title"]))
    found = _overlapping_sections(bundle, sel)
    span = (sel.year_end - sel.year_start + 1) if sel.has_period else None
    by_overlap = sorted(found, key=lambda t: (-t[0], t[1]["year_start"]))
    quoted = {r["period_id"] for n, r in by_overlap[:OVERVIEW_QUOTED_SECTIONS]
              if span is not None and (n * 2 >= span or r is by_overlap[0][1])}
    sections = tuple(SectionOpening(period_id=r["period_id"], heading=r["label"], doc_title=docs.get(r["doc_id"], ""),
                                    sentence=_opening_sentence(bundle, r) if r["period_id"] in quoted else "",
                                    overlap_years=n)
                     for n, r in found)
    rows = np.flatnonzero(shown_mask(bundle, sh, "events"))
    ranked = event_importance(bundle, rows, sel) if len(rows) else rows
    titles, labels = bundle.array("events", "title"), bundle.array("events", "label")
    happenings, event_ids = bundle.array("events", "happening_id"), bundle.array("events", "event_id")
    ev = None
    listed, seen, names = [], set(), set()
    for i in ranked:
        title, label = titles[i], labels[i]
        label = label if isinstance(label, str) and label else title
        name = title if len(title) <= OVERVIEW_TITLE_CHARS else label
        # one entry per happening (the two texts often report one, as records of their own)
        if happenings[i] in seen or name.casefold() in names or label.casefold() in names:
            continue
        seen.add(happenings[i])
        names |= {name.casefold(), label.casefold()}
        if len(listed) < OVERVIEW_EVENTS:
            ev = bundle.events if ev is None else ev
            listed.append(OverviewEvent(event_id=event_ids[i], label=name, years=_drawn_when(ev.iloc[i], sel)))
    counts = (("events", happening_count(bundle, sh)), ("sites", sh.count("places")), ("routes", sh.count("routes")),
              ("ties", sh.count("relations")), ("estimates", sh.count("estimates")))
    return OverviewModel(period=period, sections=sections, events=tuple(listed),
                         more_events=len(seen) - len(listed), counts=counts,
                         disagree=_disagree(bundle, None) if sel.view == "debates" else ())


def _label(bundle, rid: str) -> str:
    found = bundle.record(rid)
    if found is None:
        return rid
    kind, row = found
    for key in ("title", "name", "label", "people", "what", "summary"):
        if isinstance(row.get(key), str):
            return row[key]
    if kind == "relations":
        return f"{_label(bundle, row['source_id'])} {row['relation_type'].replace('_', ' ')} " \
               f"{_label(bundle, row['target_id'])}"
    return rid


def _title(bundle, kind: str, row: dict) -> str:
    if kind == "routes":
        return f"Deportation of {row['people']}"
    if kind == "relations":
        return _label(bundle, row["relation_id"])
    if kind == "claims":
        return f"{_label(bundle, row['holder_id'])}: {row['summary']}"
    return _label(bundle, row[next(iter(row))])


def _drawn_when(r, sel: Selection) -> str:
    """The date the views draw for an event row, in words: the refined one (marked ⚑) unless `dates=text`."""
    refined = r.get("when_refined")
    if sel.dates != "text" and isinstance(refined, str) and refined:
        return f"{when_text(refined)} ⚑"
    return when_text(r.get("when")) if isinstance(r.get("when"), str) and r.get("when") else \
        years_label(r["year_start"], r["year_end"])


def when_text(when) -> str:
    """An EDTF date in words with its open ends said so: '1939–1949', 'from 1924 (end open)', 'until 1940 (start
    open)', 'about 1934 – about 1936' (dashboard.dates.when_words)."""
    return when_words(when, asides=True)


def _attributes(bundle, kind: str, row: dict) -> list[tuple[str, str]]:
    names = lambda xs: ", ".join(_label(bundle, x) for x in xs)  # noqa: E731
    mv = dict(zip(bundle.movements["movement_id"], bundle.movements["name"]))
    out: list[tuple[str, str]] = []
    if "when" in row:
        out.append(("Date (text)", when_text(row.get("when")) + (f" ({row['date_note']})" if row.get("date_note")
                                                                   else "")))
        if row.get("when_refined"):
            out.append(("Refined date ⚑", when_text(row["when_refined"])))
    elif "year_start" in row:
        out.append(("Years", years_label(row.get("year_start"), row.get("year_end"), row.get("date_note"))))
    if kind == "events":
        out += [("Type", row["event_type"].replace("_", " ")),
                ("Place", _label(bundle, row["place_id"]) if isinstance(row.get("place_id"), str) else "—"),
                ("Taking part", names(row["actor_ids"]) or "—"),
                ("Movements", ", ".join(mv.get(m, m) for m in row["movement_ids"]) or "—")]
    if kind == "places":
        out += [("Type", row["place_type"].replace("_", " ")), ("Precision", row["precision"]),
                ("Coordinates", f"{row['lat']:.3f}, {row['lon']:.3f}")]
    elif kind == "routes":
        out += [("People", row["people"]), ("From", _label(bundle, row["origin_place_id"])
                                            + (" (homeland implied)" if row["origin_implied"] else "")),
                ("To", _label(bundle, row["destination_place_id"]))]
        if not (pd.isna(row.get("count_low")) and pd.isna(row.get("count_high"))):
            out.append(("People deported", fmt_range(row.get("count_low"), row.get("count_high"))))
    elif kind == "actors":
        out += [("Type", row["actor_type"]), ("Movements", ", ".join(mv.get(m, m) for m in row["movement_ids"])
                                              or "—"),
                ("About", row["description"] or "—"), ("Mentions in the texts", str(row["mention_count"])),
                ("Ties", str(row["tie_count"]))]
    elif kind == "relations":
        out += [("From", _label(bundle, row["source_id"])), ("Tie", row["relation_type"].replace("_", " ")),
                ("To", _label(bundle, row["target_id"]))]
    elif kind == "estimates":
        out += [("Counts", row["what"]), ("Figure", fmt_range(row["low"], row["high"], row.get("qualifier"),
                                                                row.get("unit", "")))]
    elif kind == "periods":
        out += [("Kind", "section heading" if row["period_type"] == "section" else "era named in the text")]
    elif kind == "claims":
        q = bundle.questions.set_index("question_id").loc[row["question_id"]]
        stance = {"pole_a": q["pole_a"], "pole_b": q["pole_b"]}.get(row["stance"], row["stance"])
        out += [("Question", q["label"]), ("Held by", _label(bundle, row["holder_id"])), ("Stance", stance),
                ("Position", row["summary"])]
        if not pd.isna(row.get("work_year")):
            out.append(("Year of the work", str(int(row["work_year"]))))
        about = list(row.get("about_actor_ids") or ()) + list(row.get("about_event_ids") or ())
        if about:
            out.append(("About", names(about)))
    # whom the sentence attributes the statement to (participants are listed above, under "Taking part")
    if row.get("according_to") is not None and len(row.get("according_to") or ()):
        out.append(("According to", names(row["according_to"])))
    if isinstance(row.get("note"), str) and row["note"]:
        out.append(("Note", row["note"]))
    return out


def source_model(bundle, record_id: str | None) -> SourceModel | None:
    found = bundle.record(record_id) if record_id else None
    if found is None:
        return None
    kind, row = found
    docs = bundle.documents.set_index("doc_id")
    passages = bundle.passages
    doc_id = row["doc_id"]
    text = docs.at[doc_id, "title"]
    full = _doc_text(bundle, doc_id)
    p = passages.loc[passages["passage_id"] == row["passage_id"]].iloc[0]
    para_start, para_end = int(p["paragraph_start"]), int(p["paragraph_end"])
    qs, qe = int(row["char_start"]), int(row["char_end"])
    # the sentence(s) holding the quote, then some paragraph context around them
    sent = passages[(passages["doc_id"] == doc_id) & (passages["char_end"] > qs) & (passages["char_start"] < qe)]
    ss = int(sent["char_start"].min()) if len(sent) else qs
    se = int(sent["char_end"].max()) if len(sent) else qe
    ctx_start = max(para_start, ss - CONTEXT_CHARS)
    ctx_end = min(para_end, se + CONTEXT_CHARS)
    if ctx_start > para_start:
        ctx_start = full.find(" ", ctx_start) + 1 or ctx_start
    outside = []
    if kind == "places":
        outside.append(("Coordinates", row["coords_source"]))
    if outside_note(row.get("outside_text")):
        outside.append(("Outside the texts", row["outside_text"]))
    if kind == "routes" and row.get("origin_implied"):
        outside.append(("Origin", "the text names no origin: the people's homeland is used"))
    others = same_passage_ids(bundle, record_id)
    same = tuple((rid, f"{KIND_LABELS.get(bundle.kind_of.get(rid), '')}: {_label(bundle, rid)}")
                 for rid in others[:SAME_PASSAGE_LISTED])
    return SourceModel(
        record_id=record_id, kind=kind, title=_title(bundle, kind, row),
        subtitle=KIND_LABELS.get(kind, kind), attributes=tuple(_attributes(bundle, kind, row)),
        outside=tuple(outside), doc_title=text, credit=docs.at[doc_id, "credit"],
        section=row["section"] or "Introduction",
        sentence_before=("…" if ctx_start > para_start else "") + full[ctx_start:ss],
        before=full[ss:qs], quote=full[qs:qe], after=full[qe:se],
        sentence_after=full[se:ctx_end] + ("…" if ctx_end < para_end else ""),
        same_passage=same, same_passage_more=max(len(others) - SAME_PASSAGE_LISTED, 0),
        **_happening(bundle, kind, row),
        disagree=_disagree(bundle, record_id, comparisons_only=True),
    )


def _disagree(bundle, record_id: str | None, *, comparisons_only: bool = False) -> tuple:
    """Where the texts disagree (the disagreements frame), for a record or (None) all: (what, sides), each side
    (first record id, text's title, value as stated, quote). `comparisons_only`: the curated pairs alone (a
    happening's differing sources are already shown side by side)."""
    from dashboard.views.debates import disagreements_for  # the Debates view's model of a disagreement

    frame = bundle.disagreements
    curated = set(frame.loc[frame["found_by"] == "comparison", "disagreement_id"])
    out = []
    for d in disagreements_for(bundle, record_id):
        if comparisons_only and d.disagreement_id not in curated:
            continue
        out.append((d.what, tuple((x.record_ids[0], x.doc_title, x.value, x.quote) for x in (d.a, d.b))))
    return tuple(out)


def _render_disagree(items: tuple, heading: str) -> html.Div | None:
    if not items:
        return None
    return html.Div(className="disagree", children=[
        html.H4(heading),
        *[html.Div(className="disagree-item", children=[
            html.P(f"{what} ≠", className="disagree-what"),
            html.Ul([html.Li([html.Button(f"{doc}: “{value}”", id=ids.cite_link(rid), className="link-button",
                                          title="Select this side's record"),
                              html.Blockquote(quote, className="happening-quote")])
                     for rid, doc, value, quote in sides]),
        ]) for what, sides in items],
    ])


def _happening(bundle, kind: str, row: dict) -> dict:
    """Every other record of the selected event's happening, side by side, and where the dates differ."""
    if kind != "events":
        return {}
    found = bundle.row_of(row["event_id"])
    if found is None or not isinstance(row.get("happening_id"), str):
        return {}
    codes = bundle.index.event_happening  # the happening of each event as a number: no string compared per event
    same = np.flatnonzero(codes == codes[found[1]])
    same = same[same != found[1]]
    if not len(same):
        return {}
    titles = dict(zip(bundle.documents["doc_id"], bundle.documents["title"]))
    col = {c: bundle.array("events", c)[same] for c in ("event_id", "doc_id", "when", "quote")}
    sides = tuple((eid, titles.get(doc, doc), when_text(when), quote)
                  for eid, doc, when, quote in zip(col["event_id"], col["doc_id"], col["when"], col["quote"]))
    dates = list(dict.fromkeys([when_text(row.get("when"))] + [d for _, _, d, _ in sides]))
    return {"happening": sides, "happening_differs": ("dates: " + " · ".join(dates)) if len(dates) > 1 else ""}


def _doc_text(bundle, doc_id: str) -> str:
    """The text the quotes index into: the one the frames were built from (never a file read at request time)."""
    docs = bundle.documents
    return docs.loc[docs["doc_id"] == doc_id, "text"].iloc[0]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word if n != 1 else word[:-1]}"


def render_overview(ov: OverviewModel) -> list:
    """The overview's components: what a screenshot of the panel tells with nothing selected."""
    out: list = [html.Div(className="overview-head", children=[
        html.Span("On screen", className="kind-badge"), html.Span(ov.period, className="overview-period")]),
        html.P(className="overview-counts", children=" · ".join(_plural(n, w) for w, n in ov.counts))]
    quoted = [s for s in ov.sections if s.sentence]
    for s in quoted:
        out.append(html.H3(s.heading, className="overview-section"))
        out.append(html.Blockquote(className="overview-opening", children=[
            f"“{s.sentence}”", html.Cite(f" — {s.doc_title}", className="overview-doc")]))
    others = [s for s in ov.sections if not s.sentence]
    if others:
        out += [html.H4("Also in these years" if quoted else "The texts' periods"),
                html.Ul(className="overview-sections", children=[html.Li(s.heading) for s in others])]
    if not ov.sections:
        out.append(html.H3(f"{ov.period}: no section of the texts covers these years", className="overview-section"))
    if ov.events:
        out += [html.H4("What happened"),
                # the years after each name (unless it gives them) as the item's own text, styled by the list
                # (source_overview.css): a component less per event, each of which a new panel costs the browser
                html.Ul(className="overview-events", children=[
                    html.Li([html.Button(e.label, id=ids.cite_link(e.event_id), className="link-button",
                                         title="Select this event in every view"),
                             f" {e.years}" if e.years not in e.label else None]) for e in ov.events])]
        if ov.more_events:
            out.append(html.P(f"and {_plural(ov.more_events, 'others')} on the timeline", className="overview-more"))
    box = _render_disagree(ov.disagree, "Where the texts disagree")
    if box is not None:
        out.append(box)
    out.append(html.P("Click a mark, site, node or tie for its sentence in the text.", className="overview-help"))
    return out


def render_source(model: SourceModel | None, overview: OverviewModel | None = None) -> html.Div:
    if model is None:
        if overview is not None:
            return html.Div(className="source-overview", children=render_overview(overview))
        return html.Div(className="source-empty", children=[
            html.H3("Source"),
            html.P("Click a mark on the timeline, a site or route on the map, or a node or tie in the network: "
                   "its sentence appears here, quoted from the text."),
        ])
    return html.Div(className="source-record", children=[
        html.Div(className="source-head", children=[
            html.Span(model.subtitle, className="kind-badge"),
            html.Button("×", id=ids.clear_button("source"), className="clear-button",
                        title="Clear the selection (Esc)"),
        ]),
        html.H3(model.title, className="source-title"),
        html.Dl(className="attributes", children=[x for k, v in model.attributes
                                                  for x in (html.Dt(k), html.Dd(v))]),
        html.Div(className="outside", children=[
            html.Div([html.Span("⚑ " + k + ": ", className="outside-key"), html.Span(v)]) for k, v in model.outside
        ]) if model.outside else None,
        html.Div(className="passage-head", children=[
            html.Span(model.doc_title, className="doc-title"), " · ", html.Span(model.section, className="section"),
        ]),
        html.Blockquote(className="passage", children=[
            html.Span(model.sentence_before, className="context"),
            html.Span(model.before, className="sentence"),
            html.Mark(model.quote, className="quote"),
            html.Span(model.after, className="sentence"),
            html.Span(model.sentence_after, className="context"),
        ]),
        html.Div(className="credit", children=model.credit),
        html.Div(className="same-passage", children=[
            html.H4("Also citing this sentence"),
            html.Ul([html.Li(html.Button(label, id=ids.cite_link(rid), className="link-button"))
                     for rid, label in model.same_passage]),
            html.P(f"and {model.same_passage_more:,} more", className="hint")
            if model.same_passage_more else None,
        ]) if model.same_passage else None,
        html.Div(className="happening", children=[
            html.H4(f"The same happening in {len(model.happening)} more source"
                    f"{'s' if len(model.happening) > 1 else ''}"),
            html.P("The sources differ on the " + model.happening_differs, className="differs")
            if model.happening_differs else html.P("The sources agree on the date.", className="hint"),
            html.Ul([html.Li([html.Button(f"{doc} · {date}", id=ids.cite_link(rid), className="link-button"),
                              html.Blockquote(quote, className="happening-quote")])
                     for rid, doc, date, quote in model.happening]),
        ]) if model.happening else None,
        _render_disagree(model.disagree, "Sources disagree"),
    ])
