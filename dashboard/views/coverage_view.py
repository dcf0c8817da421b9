"""Coverage as a view: one text read whole, every sentence shaded by how many records cite it, waived sentences
marked with their reason, uncovered sentences that mention a year or a known name highlighted.

Belongs here: coverage_model(bundle, doc_id) → CoverageModel (plain data: sections → blocks → sentences with their
text, character offsets, citing records, waivers and state) and render_page(model) → a complete HTML page as a
string, every piece of text escaped (the texts and records are data, never markup), no inline script or style
(assets/coverage.css styles it; the app's Content-Security-Policy holds). A cited sentence links to the dashboard
with its first record selected (`?select=<id>`, the URL state of dashboard.selection); its records are listed, one
link each, in a list shown when the sentence is hovered or focused.
Does not belong here: what counts as covered, waived or uncovered — that is dashboard.pipeline.coverage, whose
functions this module calls — nor the HTTP route (dashboard.app) or any dash/flask import.

States, one per sentence, in this order of precedence (the legend's counts):
- "cited": a record's quote overlaps the sentence (any of coverage.CITING_FRAMES, as the coverage report counts);
- "waived": no record, but a waiver for records (data/**/waivers.yaml) overlaps it;
- "uncovered": neither, and it mentions a year, a known place or a known actor (coverage.uncovered);
- "plain": neither, and nothing in it asks for a record;
- "back": back matter (See also, References), which coverage leaves out.
A waiver for ties, movements or claims is shown with its reason on whatever sentence it covers.

An added text: build the bundle with `python -m dashboard build --with DIR --include-proposed`
(dashboard.propose.files.build_with) and pass its document's id; its passages and records are in the frames like
the corpus's. The build drops the review fields, so the review status of each record is passed separately:
`statuses` maps record id → "proposed" | "accepted" (read from the `status:` of the proposal's <kind>.yaml, or from
the "Add a text" page's store). Records then carry their status, sentences whose records are all still proposed
count as "proposed" in the legend (and are drawn as such), and "left" counts the uncovered ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from html import escape
from types import MappingProxyType

import numpy as np
import pandas as pd

from dashboard.formatting import KIND_LABELS
from dashboard.pipeline.coverage import CITING_FRAMES, uncovered
from dashboard.schema import FRAME_NAMES, PRIMARY_KEY, SELECTABLE
from dashboard.selection import THEMES, Selection, to_query

STATES = ("cited", "waived", "uncovered", "plain", "back")
# Records listed by name under a cited sentence; more are counted.
LISTED_RECORDS = 12
# Shade levels by the number of records citing a sentence: 1, 2–3, 4 or more (class s-n1 … s-n3).
SHADE_STEPS = (1, 2, 4)
# What the legend calls the cited records that cannot be selected in the dashboard.
_OTHER_KINDS = MappingProxyType({"movements": "Movement", "questions": "Debated question"})


class UnknownDocument(LookupError):
    """The doc id names no text of the bundle."""


@dataclass(frozen=True)
class RecordRef:
    record_id: str
    kind: str  # frame name
    label: str  # what the record is, for the list: "Event · Great Purge"
    selectable: bool  # the dashboard can select it (?select=)
    starts_here: bool  # its quote starts in this sentence (False: it began in an earlier one)
    status: str = "curated"  # or "proposed" / "accepted" for an added text's records (see `statuses`)


@dataclass(frozen=True)
class Sentence:
    passage_id: str
    text: str
    char_start: int
    char_end: int
    passage_type: str  # sentence | list_item | heading
    state: str  # one of STATES
    records: tuple[RecordRef, ...]
    waivers: tuple[tuple[str, tuple[str, ...]], ...]  # (reason, what it waives)
    mentions: tuple[str, ...]  # for an uncovered sentence: the years and names that ask for a record

    @property
    def shade(self) -> int:
        """0 (no record) … 3 (SHADE_STEPS[-1] or more records)."""
        return sum(len(self.records) >= s for s in SHADE_STEPS)

    @property
    def first_selectable(self) -> str | None:
        return next((r.record_id for r in self.records if r.selectable), None)

    @property
    def proposed(self) -> bool:
        """Cited only by records still proposed (an added text under review)."""
        return bool(self.records) and all(r.status == "proposed" for r in self.records)


@dataclass(frozen=True)
class Block:
    kind: str  # "title" | "heading" | "paragraph" | "list"
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Section:
    title: str  # '' for the text's opening before any heading
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Counts:
    cited: int
    waived: int
    uncovered: int
    plain: int
    records: int  # distinct records citing the text
    proposed: int = 0  # sentences cited only by proposed records (an added text)
    accepted: int = 0  # sentences cited by at least one accepted record


@dataclass(frozen=True)
class CoverageModel:
    doc_id: str
    title: str
    credit: str
    sections: tuple[Section, ...]
    counts: Counts
    documents: tuple[tuple[str, str], ...]  # (doc_id, title) of every text, for the page's switch
    reviewed: bool  # statuses were given (even none): an added text under review

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(s for sec in self.sections for b in sec.blocks for s in b.sentences)


def _frames(bundle) -> dict[str, pd.DataFrame]:
    if isinstance(bundle, Mapping):  # frames by name (dashboard.views.add_text.review_frames)
        return dict(bundle)
    return {n: bundle.frame(n) for n in FRAME_NAMES}


def _label(kind: str, row: Mapping, names: Mapping[str, str]) -> str:
    if kind == "routes":
        text = f"Deportation of {row['people']}"
    elif kind == "relations":
        text = f"{names.get(row['source_id'], row['source_id'])} {str(row['relation_type']).replace('_', ' ')} " \
               f"{names.get(row['target_id'], row['target_id'])}"
    elif kind == "claims":
        text = f"{names.get(row['holder_id'], row['holder_id'])}: {row['summary']}"
    else:
        text = next((row[k] for k in ("title", "name", "label", "what") if isinstance(row.get(k), str) and row[k]),
                    row[PRIMARY_KEY[kind]])
    return f"{KIND_LABELS.get(kind) or _OTHER_KINDS.get(kind, kind)} · {text}"


def _overlaps(df: pd.DataFrame, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """(records × sentences) bool: the record's quote overlaps the sentence."""
    rs = df["char_start"].to_numpy(dtype="int64")[:, None]
    re_ = df["char_end"].to_numpy(dtype="int64")[:, None]
    return (rs < end[None, :]) & (re_ > start[None, :])


def coverage_model(bundle, doc_id: str, statuses: Mapping[str, str] | None = None, *,
                   selectable: bool = True) -> CoverageModel:
    """The reading view of one text. Raises UnknownDocument when doc_id is not one of the bundle's texts.

    `bundle`: a Bundle, or frames by name holding at least documents, passages, mentions, waivers, actors and the
    frames of coverage.CITING_FRAMES (dashboard.views.add_text.review_frames builds them for a text being added).
    `statuses` (record id → "proposed" | "accepted") is for an added text under review; see the module docstring.
    `selectable=False`: records the dashboard does not hold (drafts not yet built) get no link."""
    frames = _frames(bundle)
    docs = frames["documents"]
    if not isinstance(doc_id, str) or doc_id not in set(docs["doc_id"]):
        raise UnknownDocument(doc_id)
    doc = docs[docs["doc_id"] == doc_id].iloc[0]
    passages = frames["passages"]
    mine = passages[passages["doc_id"] == doc_id].sort_values("char_start", kind="stable").reset_index(drop=True)
    start = mine["char_start"].to_numpy(dtype="int64")
    end = mine["char_end"].to_numpy(dtype="int64")
    n = len(mine)
    names = dict(zip(frames["actors"]["actor_id"], frames["actors"]["name"]))
    reviewed, statuses = statuses is not None, statuses or {}

    # every record citing each sentence: those whose quote starts in it first (by passage_id), then those running on
    refs: list[list[RecordRef]] = [[] for _ in range(n)]
    later: list[list[RecordRef]] = [[] for _ in range(n)]
    row_of = {pid: i for i, pid in enumerate(mine["passage_id"])}
    for kind in CITING_FRAMES:
        df = frames[kind]
        df = df[df["doc_id"] == doc_id].reset_index(drop=True)
        if not len(df):
            continue
        hit = _overlaps(df, start, end)
        key = PRIMARY_KEY[kind]
        for r, row in enumerate(df.to_dict("records")):
            home = row_of.get(row["passage_id"])
            rid = row[key]
            for i in np.flatnonzero(hit[r]):
                ref = RecordRef(rid, kind, _label(kind, row, names), kind in SELECTABLE and selectable, i == home,
                                statuses.get(rid, "curated"))
                (refs if ref.starts_here else later)[i].append(ref)

    waivers = frames["waivers"]
    waivers = waivers[waivers["doc_id"] == doc_id].reset_index(drop=True)
    w_hit = _overlaps(waivers, start, end) if len(waivers) else np.zeros((0, n), dtype=bool)
    w_list = [(str(r["reason"]), tuple(r["waives"] or ("records",))) for r in waivers.to_dict("records")]
    flagged = {u.passage_id: u.reasons for u in uncovered(frames) if u.doc_id == doc_id}

    sentences = []
    for i, row in enumerate(mine.to_dict("records")):
        records = tuple(refs[i] + later[i])
        ws = tuple(w_list[j] for j in np.flatnonzero(w_hit[:, i]))
        if row["back_matter"]:
            state = "back"
        elif records:
            state = "cited"
        elif any("records" in what for _, what in ws):
            state = "waived"
        elif row["passage_id"] in flagged:
            state = "uncovered"
        else:
            state = "plain"
        sentences.append(Sentence(row["passage_id"], row["text"], int(row["char_start"]), int(row["char_end"]),
                                  row["passage_type"], state, records, ws, tuple(flagged.get(row["passage_id"], ()))))

    sections = _sections(mine, sentences, str(doc["title"]))
    by_state = {s: sum(x.state == s for x in sentences) for s in STATES}
    counts = Counts(
        cited=by_state["cited"], waived=by_state["waived"], uncovered=by_state["uncovered"], plain=by_state["plain"],
        records=len({r.record_id for s in sentences for r in s.records}),
        proposed=sum(s.state == "cited" and s.proposed for s in sentences),
        accepted=sum(any(r.status == "accepted" for r in s.records) for s in sentences),
    )
    return CoverageModel(doc_id=doc_id, title=str(doc["title"]), credit=str(doc["credit"]), sections=sections,
                         counts=counts, documents=tuple(zip(docs["doc_id"], docs["title"])),
                         reviewed=reviewed)


def _sections(mine: pd.DataFrame, sentences: list[Sentence], title: str) -> tuple[Section, ...]:
    """Headings open sections; within one, consecutive sentences of a paragraph form a paragraph, consecutive list
    items a list. The text's own title line (its first passage, when it repeats the title) is a "title" block."""
    sections: list[Section] = []
    current_title, blocks = "", []
    kind, para, group = None, None, []

    def flush():
        nonlocal group
        if group:
            blocks.append(Block(kind, tuple(group)))
        group = []

    for i, (row, s) in enumerate(zip(mine.itertuples(), sentences)):
        if s.passage_type == "heading":
            flush()
            if i == 0 and s.text.strip() == title.strip():
                blocks.append(Block("title", (s,)))
                kind = para = None
                continue
            if blocks or current_title:
                sections.append(Section(current_title, tuple(blocks)))
            current_title, blocks = s.text, [Block("heading", (s,))]
            kind = para = None
            continue
        k = "list" if s.passage_type == "list_item" else "paragraph"
        if k != kind or (k == "paragraph" and row.paragraph_no != para):
            flush()
            kind, para = k, row.paragraph_no
        group.append(s)
    flush()
    if blocks or current_title:
        sections.append(Section(current_title, tuple(blocks)))
    return tuple(sections)


# ---------------------------------------------------------------------------------------------------------------
# HTML


def _e(s) -> str:
    return escape(str(s), quote=True)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def legend_text(model: CoverageModel) -> str:
    c = model.counts
    parts = [f"{_plural(c.cited, 'sentence')} cited by {_plural(c.records, 'record')}",
             f"{c.waived} waived", f"{c.uncovered} uncovered with a year or name",
             f"{c.plain} with nothing to record"]
    if model.reviewed:
        parts[1:1] = [f"{c.accepted} with an accepted record", f"{c.proposed} only proposed"]
        parts[-2] = f"{c.uncovered} left (a year or name, no record)"
    return " · ".join(parts)


def _waiver_text(reason: str, waives: tuple[str, ...]) -> str:
    return f"waived{'' if waives == ('records',) else ' for ' + ', '.join(waives)}: {reason}"


def _sentence_html(s: Sentence, href_for) -> str:
    classes = ["s", f"s-{s.state}"]
    if s.state == "cited":
        classes.append(f"s-n{s.shade}")
        if s.proposed:
            classes.append("s-proposed")
    attrs = f' class="{" ".join(classes)}" id="{_e(s.passage_id)}"'
    if s.state == "cited":
        listed = s.records[:LISTED_RECORDS]
        title = _plural(len(s.records), "record") + ": " + "; ".join(r.label for r in listed) \
            + (f"; +{len(s.records) - len(listed)} more" if len(s.records) > len(listed) else "")
        first = s.first_selectable
        text = f'<a class="s-link" href="{_e(href_for(first))}" title="{_e(title)}">{_e(s.text)}</a>' if first \
            else f'<span class="s-text" title="{_e(title)}" tabindex="0">{_e(s.text)}</span>'
        items = []
        for r in listed:
            status = f' <span class="s-status">{_e(r.status)}</span>' if r.status != "curated" else ""
            cont = "" if r.starts_here else ' <span class="s-cont">(quote begins earlier)</span>'
            inner = f"{_e(r.label)}{status}{cont}"
            items.append(f'<li><a href="{_e(href_for(r.record_id))}">{inner}</a></li>' if r.selectable
                         else f"<li>{inner}</li>")
        if len(s.records) > len(listed):
            items.append(f"<li>+{len(s.records) - len(listed)} more</li>")
        # a cited sentence's waivers (for ties, movements or claims) go with its records, not into the text
        items += [f'<li class="s-wv">{_e(_waiver_text(reason, w))}</li>' for reason, w in s.waivers]
        extra = f'<sup class="s-count" aria-hidden="true">{len(s.records)}</sup>' \
                f'<span class="s-recs"><ul>{"".join(items)}</ul></span>'
    else:
        text, extra = _e(s.text), ""
        if s.state == "uncovered":
            attrs += f' title="{_e("no record yet: " + ", ".join(s.mentions))}"'
    notes = "" if s.state == "cited" else \
        "".join(f'<span class="s-waiver">{_e(_waiver_text(reason, w))}</span>' for reason, w in s.waivers)
    return f"<span{attrs}>{text}{extra}</span>{notes}"


def _block_html(b: Block, href_for) -> str:
    if b.kind in ("title", "heading"):
        tag = "h1" if b.kind == "title" else "h2"
        return f"<{tag}>{_sentence_html(b.sentences[0], href_for)}</{tag}>"
    inner = [_sentence_html(s, href_for) for s in b.sentences]
    if b.kind == "list":
        return "<ul>" + "".join(f"<li>{x}</li>" for x in inner) + "</ul>"
    return '<div class="para">' + " ".join(inner) + "</div>"


def render_page(model: CoverageModel, *, dashboard_path: str = "/", coverage_path: str = "/coverage",
                asset_urls: tuple[str, ...] = (), theme: str = "") -> str:
    """The whole page: a switch between the texts, the legend line, the text with its headings. `dashboard_path`
    is where the dashboard is served (the app's requests prefix); `asset_urls` the stylesheets to link."""
    from urllib.parse import urlencode

    shared = Selection(theme=theme) if theme in THEMES else Selection()  # the dashboard opens in the same theme

    def href_for(rid: str) -> str:
        return dashboard_path + to_query(replace(shared, selected=rid))

    keep = {"theme": theme} if theme in THEMES else {}
    switch = " · ".join(
        f'<span aria-current="page">{_e(t)}</span>' if d == model.doc_id
        else f'<a href="{_e(coverage_path)}?{_e(urlencode({"doc": d, **keep}))}">{_e(t)}</a>'
        for d, t in model.documents)
    blocks = [[b for b in sec.blocks] for sec in model.sections]
    title_block = blocks[0].pop(0) if blocks and blocks[0] and blocks[0][0].kind == "title" else None
    body = "".join('<section class="cov-section">' + "".join(_block_html(b, href_for) for b in bs) + "</section>"
                   for bs in blocks if bs)
    key = ('<p class="cov-key" aria-hidden="true"><span class="s s-cited s-n1">1 record</span> '
           '<span class="s s-cited s-n2">2–3</span> <span class="s s-cited s-n3">4 or more</span> '
           '<span class="s s-waived">waived</span> <span class="s s-uncovered">year or name, no record</span></p>')
    return page_shell(
        f"Coverage: {model.title}",
        f'<nav class="cov-nav"><a href="{_e(dashboard_path + to_query(shared))}">← Dashboard</a> · '
        f"Texts: {switch}</nav>"
        + (_block_html(title_block, href_for) if title_block else f"<h1>{_e(model.title)}</h1>")
        + f'<p class="cov-legend" role="status">{_e(legend_text(model))}</p>{key}'
        f'<p class="cov-help">Hover or focus a shaded sentence for its records; click it to open the dashboard with '
        f'its first record selected.</p>'
        f'<article class="cov-text">{body}</article>'
        f'<footer class="cov-credit">{_e(model.credit)}</footer>',
        asset_urls=asset_urls, theme=theme)


def page_shell(title: str, inner: str, *, asset_urls: tuple[str, ...] = (), theme: str = "") -> str:
    """A complete HTML document around already-escaped `inner`; `theme` "dark" / "light" forces the app's theme,
    '' follows the reader's system (prefers-color-scheme)."""
    links = "".join(f'<link rel="stylesheet" href="{_e(u)}">' for u in asset_urls)
    theme_class = {"dark": " theme-dark", "light": " theme-light"}.get(theme, "")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title>{links}</head>"
            f'<body class="coverage-body"><div class="app coverage-page{theme_class}"><main class="cov-main">'
            f"{inner}</main></div></body></html>")


def not_found_page(doc_id, documents: tuple[tuple[str, str], ...], *, coverage_path: str = "/coverage",
                   dashboard_path: str = "/", asset_urls: tuple[str, ...] = ()) -> str:
    """The page for a doc id that names no text: says so and links to the texts there are."""
    from urllib.parse import urlencode

    shown = str(doc_id)[:80] if doc_id is not None else ""
    links = "".join(f'<li><a href="{_e(coverage_path)}?{_e(urlencode({"doc": d}))}">{_e(t)}</a></li>'
                    for d, t in documents)
    return page_shell("Coverage: no such text",
                      f'<nav class="cov-nav"><a href="{_e(dashboard_path)}">← Dashboard</a></nav>'
                      f"<h1>No such text</h1><p>There is no text called “{_e(shown)}”. The texts are:</p>"
                      f"<ul>{links}</ul>", asset_urls=asset_urls)
