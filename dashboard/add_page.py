"""The "Add a text" page's components: its layout, and Dash components drawn from the review's pure models — the
text read whole (dashboard.views.coverage_view's model of the added text), one card per draft, and the messages.
Text is always text: every string of the user's is a child string or a value, never markup.

Belongs here: layout(topojson_url) and the functions turning models into components. Does not belong here: the
callbacks (dashboard.add_app), the review's logic (dashboard.views.add_text), reading and building
(dashboard.adding).
"""

from __future__ import annotations

from types import MappingProxyType

import dash_cytoscape as cyto
from dash import dcc, html

from dashboard import ids
from dashboard.adding import MAX_TITLE_CHARS, Preview, ReadResult
from dashboard.layout import graph_config
from dashboard.propose.inputs import MAX_BYTES
from dashboard.views.add_text import KIND_NAMES, Card, CardsPage
from dashboard.views.coverage_view import Block, CoverageModel, Sentence

TITLE = "Add a text"
_STATUS_LABELS = MappingProxyType({"all": "All", "proposed": "Proposed", "accepted": "Accepted",
                                   "rejected": "Rejected"})
_FIELD_LABELS = MappingProxyType({
                 "title": "Title", "label": "Label (≤ 32)", "event_type": "Type", "when": "When (EDTF)",
                 "actor_ids": "Participants", "place_id": "Place", "relation_type": "Tie", "source_id": "From",
                 "target_id": "To", "what": "What", "unit": "Unit", "low": "Low", "high": "High", "name": "Name",
                 "actor_type": "Actor type", "place_type": "Place type", "lat": "Latitude", "lon": "Longitude",
                 "precision": "Precision", "coords_source": "Coordinates from"})
# The sentence quoted above the cards it narrows them to, cut at this many characters.
NOTE_CHARS = 160


def _help() -> html.Div:
    return html.Div(className="add-help", children=[
        html.P(["Paste or upload a plain text (.txt, UTF-8, at most 2 MB): a chapter, an article, notes. The page "
                "proposes records from it with the dashboard's own pipeline — events from dated sentences, ties "
                "between named actors, estimates, new names — each quoting its sentence. Review each: accept, "
                "reject, or correct its fields. ", html.Strong("Preview"), " draws the views with the accepted "
                "records; ", html.Strong("Download records"), " gives the reviewed files to commit (the README "
                "says how)."]),
        html.P("The text and your review stay in this browser tab; the server keeps nothing.", className="hint"),
    ])


def layout(topojson_url: str) -> html.Div:
    return html.Div(className="app coverage-page add-page", children=[
        dcc.Location(id=ids.ADD_URL, refresh=False),
        dcc.Store(id=ids.ADD_TEXT_STORE, storage_type="session"),
        dcc.Store(id=ids.ADD_REVIEW_STORE, storage_type="session"),
        dcc.Store(id=ids.ADD_PAGE_STORE, storage_type="memory", data=0),
        dcc.Download(id=ids.ADD_DOWNLOAD),
        html.Header(className="app-header add-header", children=[
            html.Div([html.H1(TITLE), html.Nav(className="add-nav", children=[
                html.A("← Dashboard", href="../"), " · ", html.A("Coverage of the corpus texts", href="../coverage"),
            ])], className="title-block"),
        ]),
        html.Main(className="add-main", children=[
            html.Section(className="panel add-input", **{"aria-label": "The text"}, children=[
                _help(),
                html.Div(className="add-input-row", children=[
                    dcc.Upload(id=ids.ADD_UPLOAD, className="add-upload", className_reject="add-upload-reject",
                               accept=".txt,text/plain", max_size=MAX_BYTES, multiple=False,
                               children=html.Div(["Drop a .txt file here, or ", html.Span("choose one",
                                                                                          className="add-link"),
                                                  html.Br(), html.Span("at most 2 MB", className="hint")])),
                    dcc.Textarea(id=ids.ADD_PASTE, className="add-paste", placeholder="…or paste the text here",
                                 maxLength=MAX_BYTES, title="The text, pasted", rows=8),
                ]),
                html.Div(className="add-input-row add-fields", children=[
                    html.Label(["Text id ", dcc.Input(id=ids.ADD_DOC_ID, type="text", debounce=False, maxLength=40,
                                                      placeholder="from the file name",
                                                      className="add-input-field")]),
                    html.Label(["Title ", dcc.Input(id=ids.ADD_TITLE, type="text", maxLength=MAX_TITLE_CHARS,
                                                    placeholder="from the file name", className="add-input-field")]),
                    html.Button("Propose records from the pasted text", id=ids.ADD_PROPOSE, n_clicks=0,
                                className="tool-button"),
                ]),
                html.Div(id=ids.ADD_MESSAGE, className="add-message", role="status", **{"aria-live": "polite"}),
            ]),
            html.Section(id=ids.ADD_REVIEW, className="add-review", hidden=True, **{"aria-label": "Review"},
                         children=[
                html.Div(className="panel add-actions", children=[
                    html.Button("Preview with the accepted records", id=ids.ADD_PREVIEW, n_clicks=0,
                                className="tool-button"),
                    html.Button("Download records (.zip)", id=ids.ADD_DOWNLOAD_BUTTON, n_clicks=0,
                                className="tool-button"),
                    # what the preview's job is doing while it runs (its progress), then its outcome
                    html.Div(id=ids.ADD_PREVIEW_STATUS, className="add-message add-progress", role="status",
                             hidden=True, **{"aria-live": "polite"}),
                    html.Div(id=ids.ADD_PREVIEW_MESSAGE, className="add-message", role="status",
                             **{"aria-live": "polite"}),
                ]),
                html.Div(id=ids.ADD_PREVIEW_PANEL, className="add-preview", hidden=True, children=[
                    html.Section(className="panel", **{"aria-label": "Preview: timeline"}, children=[
                        html.H2("Preview: timeline"),
                        dcc.Graph(id=ids.ADD_PREVIEW_TIMELINE, className="graph",
                                  config=graph_config(topojson_url, "timeline"), style={"height": "360px"}),
                    ]),
                    html.Section(className="panel", **{"aria-label": "Preview: map"}, children=[
                        html.H2("Preview: map"),
                        dcc.Graph(id=ids.ADD_PREVIEW_MAP, className="graph",
                                  config=graph_config(topojson_url, "map"), style={"height": "460px"}),
                    ]),
                    html.Section(className="panel", **{"aria-label": "Preview: network"}, children=[
                        html.H2("Preview: factions and ties"),
                        cyto.Cytoscape(id=ids.ADD_PREVIEW_NETWORK, className="network",
                                       layout={"name": "preset", "fit": False}, elements=[], responsive=False,
                                       autoRefreshLayout=False, minZoom=0.2, maxZoom=4,
                                       style={"width": "100%", "height": "440px"}),
                    ]),
                ]),
                # the text and the cards side by side: the text keeps its place (sticky) while the cards scroll
                html.Div(className="add-review-main", children=[
                    html.Div(className="panel add-text-panel", children=[
                        html.H2("The text, read whole"),
                        html.P(id=ids.ADD_LEGEND, className="cov-legend", role="status"),
                        html.P(className="cov-key", **{"aria-hidden": "true"}, children=[
                            html.Span("accepted", className="s s-cited s-n2 s-accepted"), " ",
                            html.Span("proposed", className="s s-cited s-n1 s-proposed"), " ",
                            html.Span("year or name, no record (left)", className="s s-uncovered"),
                            " · click a sentence for its proposals"]),
                        html.Article(id=ids.ADD_TEXT_VIEW, className="cov-text add-text"),
                    ]),
                    html.Div(className="panel add-cards-panel", children=[
                        html.H2("Proposed records"),
                        dcc.RadioItems(id=ids.ADD_KIND, className="toggle add-kind", value="events",
                                       options=[{"label": v, "value": k} for k, v in KIND_NAMES.items()],
                                       inline=True),
                        dcc.RadioItems(id=ids.ADD_STATUS, className="toggle add-status", value="all",
                                       options=[{"label": v, "value": k} for k, v in _STATUS_LABELS.items()],
                                       inline=True),
                        html.Div(id=ids.ADD_SENTENCE_NOTE, className="hint add-sentence-note"),
                        html.Div(className="add-bulk", children=[
                            html.Button("Accept all shown", id=ids.ADD_ACCEPT_SHOWN, n_clicks=0,
                                        className="tool-button small"),
                            html.Button("Reject all shown", id=ids.ADD_REJECT_SHOWN, n_clicks=0,
                                        className="tool-button small"),
                        ]),
                        html.Div(id=ids.ADD_CARDS, className="add-cards"),
                        html.Div(className="add-pager", children=[
                            html.Button("← Previous", id=ids.ADD_PREV, n_clicks=0, className="tool-button small"),
                            html.Span(id=ids.ADD_PAGE_LABEL, className="hint"),
                            html.Button("Next →", id=ids.ADD_NEXT, n_clicks=0, className="tool-button small"),
                        ]),
                    ]),
                ]),
            ]),
        ]),
    ])


# ---------------------------------------------------------------------------------------------------------------
# Rendering the review (Dash components from the pure models; text is always text)


def _sentence(s: Sentence) -> html.Span | html.A:
    classes = ["s", f"s-{s.state}"]
    title = None
    if s.state == "cited":
        classes.append(f"s-n{s.shade}")
        classes.append("s-proposed" if s.proposed else "s-accepted" if any(r.status == "accepted" for r in s.records)
                       else "s-cited-only")
        title = f"{len(s.records)} proposed record{'s' if len(s.records) != 1 else ''}: " + \
            "; ".join(r.label for r in s.records[:6]) + (" …" if len(s.records) > 6 else "")
    elif s.state == "uncovered":
        title = "no record yet: " + ", ".join(s.mentions)
    if s.state in ("cited", "uncovered"):
        # a link to the sentence itself: the page's hash names it, and the cards follow (see _narrow)
        return html.A(s.text, href=f"#{s.passage_id}", id=s.passage_id, className=" ".join(classes), title=title)
    return html.Span(s.text, id=s.passage_id, className=" ".join(classes))


def _block(b: Block):
    if b.kind in ("title", "heading"):
        return (html.H3 if b.kind == "title" else html.H4)(_sentence(b.sentences[0]))
    inner = [_sentence(s) for s in b.sentences]
    if b.kind == "list":
        return html.Ul([html.Li(x) for x in inner])
    spaced = [part for x in inner for part in (x, " ")][:-1]
    return html.Div(spaced, className="para")


def text_children(model: CoverageModel) -> list:
    return [html.Section([_block(b) for b in sec.blocks], className="cov-section") for sec in model.sections]


def _options(how, value, choices) -> list[dict]:
    if how in ("actor", "actors"):
        opts = choices.actors
    elif how == "place":
        opts = choices.places
    else:
        opts = tuple((v, v.replace("_", " ")) for v in how)
    out = [{"label": label, "value": v} for v, label in opts]
    have = {o["value"] for o in out}
    for v in (value if isinstance(value, list) else [value]):  # a value not offered (a bad edit) stays visible
        if isinstance(v, str) and v and v not in have:
            out.append({"label": f"{v} (unknown)", "value": v})
    return out


def _field(card: Card, field: str, how, value, choices) -> html.Label:
    fid = ids.add_edit(card.item.record_id, field)
    label = _FIELD_LABELS.get(field, field)
    edited = " add-edited" if field in card.item.edited else ""
    if how in ("text", "when", "number"):
        shown = "" if value is None else str(value)
        control = dcc.Input(id=fid, type="text", value=shown, debounce=True, className="add-input-field",
                            maxLength=500)
    else:
        control = dcc.Dropdown(id=fid, options=_options(how, value, choices), value=value,
                               multi=how == "actors", clearable=how in ("actors", "place"),
                               className="add-dropdown", placeholder="—")
    return html.Label([html.Span(label, className="add-field-name"), control],
                      className=f"add-field add-field-{field}{edited}")


def _card(card: Card, choices) -> html.Article:
    it = card.item
    buttons = [html.Button({"accepted": "Accept", "rejected": "Reject", "proposed": "Undecided"}[to],
                           id=ids.add_decide(it.record_id, to), n_clicks=0,
                           className=f"tool-button small add-decide add-to-{to}" + (" active" if it.status == to
                                                                                    else ""),
                           **{"aria-pressed": "true" if it.status == to else "false"})
               for to in ("accepted", "rejected", "proposed")]
    conf = it.record.get("confidence")
    return html.Article(className=f"add-card add-card-{it.status}", children=[
        html.Div(className="add-card-head", children=[
            html.Span(it.status, className=f"add-status-chip add-status-{it.status}"),
            html.Span(f"confidence {conf:.2f}" if isinstance(conf, (int, float)) else "", className="hint"),
            html.A("sentence", href=f"#{it.passage_id}", className="add-to-sentence",
                   title="Show this sentence in the text"),
            html.Span(buttons, className="add-decisions"),
        ]),
        html.Blockquote(card.quote, className="add-quote"),
        html.Div(str(it.record.get("why") or ""), className="hint add-why"),
        html.Div([_field(card, f, how, v, choices) for f, how, v in card.fields], className="add-fields-grid"),
        html.Ul([html.Li(p) for p in it.problems], className="add-problems") if it.problems else None,
    ])


def cards_children(page: CardsPage, choices) -> list:
    if not page.cards:
        what = KIND_NAMES[page.kind].lower()
        where = " for this sentence" if page.sentence else ""
        return [html.P(f"No {what} proposed{where} with this status.", className="hint")]
    return [_card(c, choices) for c in page.cards]


# ---------------------------------------------------------------------------------------------------------------
# Messages


def read_message(result: ReadResult) -> list:
    if result.store is None:
        return [html.Span(f"Not read: {result.error}.", className="add-error")]
    s = result.store
    parts = [f"“{s['title']}” read as {s['doc_id']}: "
             + ", ".join(f"{n} {KIND_NAMES[k].lower()}" for k, n in result.counts) + " proposed."]
    if result.note:
        parts.append(html.Span(" " + result.note + ".", className="add-note"))
    if result.kept:
        parts.append(f" {result.kept} earlier decisions on the same sentences still apply.")
    return parts


def sentence_note(text: str | None) -> list | str:
    if text is None:
        return ""
    return [html.Span("Narrowed to one sentence: "), html.Q(text[:NOTE_CHARS] + ("…" if len(text) > NOTE_CHARS
                                                                                  else "")),
            " ", html.A("show all", href="#", className="add-link")]


def kind_options(page: CardsPage) -> list[dict]:
    return [{"label": f"{KIND_NAMES[k]} ({n})", "value": k} for k, n in page.by_kind]


def page_label(page: CardsPage) -> str:
    return f"{page.total} shown · page {page.page + 1} of {page.pages}"


def preview_failed() -> list:
    return [html.Span("The preview could not be built: the server met an error (it is logged). The records and "
                      "decisions are kept: download them, or preview again.", className="add-error")]


def preview_message(p: Preview) -> list:
    if p.rendered is not None:
        return [p.message]
    return [html.Span(p.message, className="add-error")] + ([html.Ul([html.Li(x) for x in p.problems])]
                                                            if p.problems else [])
