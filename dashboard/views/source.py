"""Source panel: the selected record's passage with its quote highlighted in its sentence and paragraph, the
section and document, every attribute, what comes from outside the texts, and links to records citing the same
passage. Text is always rendered as text (Dash children strings), never as HTML.

source_model(bundle, record_id) is pure (plain data, tested without a browser); render_source(model) turns it
into Dash components.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from dash import html

from dashboard import ids
from dashboard.formatting import KIND_LABELS, fmt_range, outside_note, years_label
from dashboard.selection import same_passage_ids

# Characters of paragraph context shown on each side of the quote's sentence.
CONTEXT_CHARS = 320
# Records citing the same sentence listed by name; more are counted.
SAME_PASSAGE_LISTED = 12


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


def _label(bundle, rid: str) -> str:
    found = bundle.record(rid)
    if found is None:
        return rid
    kind, row = found
    for key in ("title", "name", "label", "people", "what"):
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
    return _label(bundle, row[next(iter(row))])


def _attributes(bundle, kind: str, row: dict) -> list[tuple[str, str]]:
    names = lambda xs: ", ".join(_label(bundle, x) for x in xs)  # noqa: E731
    mv = dict(zip(bundle.movements["movement_id"], bundle.movements["name"]))
    out: list[tuple[str, str]] = []
    if "year_start" in row:
        out.append(("Years", years_label(row.get("year_start"), row.get("year_end"), row.get("date_note"))))
    if kind == "events":
        out += [("Type", row["event_type"].replace("_", " ")),
                ("Place", _label(bundle, row["place_id"]) if isinstance(row.get("place_id"), str) else "—"),
                ("Actors", names(row["actor_ids"]) or "—"),
                ("Movements", ", ".join(mv.get(m, m) for m in row["movement_ids"]) or "—")]
    elif kind == "places":
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
        outside=tuple(outside), doc_title=text, credit=docs.at[doc_id, "credit"], section=row["section"] or "Introduction",
        sentence_before=("…" if ctx_start > para_start else "") + full[ctx_start:ss],
        before=full[ss:qs], quote=full[qs:qe], after=full[qe:se],
        sentence_after=full[se:ctx_end] + ("…" if ctx_end < para_end else ""),
        same_passage=same, same_passage_more=max(len(others) - SAME_PASSAGE_LISTED, 0),
    )


def _doc_text(bundle, doc_id: str) -> str:
    """The text the quotes index into: the one the frames were built from (never a file read at request time)."""
    docs = bundle.documents
    return docs.loc[docs["doc_id"] == doc_id, "text"].iloc[0]


def render_source(model: SourceModel | None, overview=None) -> html.Div:
    if model is None:
        return html.Div(className="source-empty", children=overview or [
            html.H3("Source"),
            html.P("Click a mark on the timeline, a site or route on the map, or a node or tie in the network: "
                   "its sentence appears here, quoted from the text."),
        ])
    return html.Div(className="source-record", children=[
        html.Div(className="source-head", children=[
            html.Span(model.subtitle, className="kind-badge"),
            html.Button("×", id=ids.clear_button("source"), className="clear-button", title="Clear the selection (Esc)",
                        n_clicks=0),
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
            html.Ul([html.Li(html.Button(label, id=ids.cite_link(rid), className="link-button", n_clicks=0))
                     for rid, label in model.same_passage]),
            html.P(f"and {model.same_passage_more:,} more", className="hint")
            if model.same_passage_more else None,
        ]) if model.same_passage else None,
    ])
