"""The "Add a text" page's pure model (its first part): a text being added, read whole with its proposals — the
coverage view of dashboard.views.coverage_view over the proposal's own sentences, each sentence shaded where a
draft record cites it, every draft carrying its review status, the reviewer's decisions applied.

Belongs here: review_frames(corpus, proposal, decisions) — the frames the coverage model reads, built from a
Proposal (dashboard.propose.drafts) without a build: its document, passages, mentions (the proposal's known names
plus the years the corpus's own YEAR_RE finds), its drafts not rejected as records of their kind, and the corpus's
actors for names — and review_model(corpus, proposal, decisions) → CoverageModel.
Also here, the review itself, as plain data: `clean_review(data, proposal)` reads the page's store (untrusted: only
the proposal's own drafts, editable fields and plain values are kept), `reviewed(proposal, review, choices)` applies
decisions and edits to every draft (each with the problems its edits have), `records_by_kind` gives the records as
the proposal's YAML files will hold them, and `cards_page(...)` is what the page lists: one card per draft of a
kind, filtered by status and sentence, a page at a time.
Does not belong here: proposing (dashboard.propose), what counts as covered (dashboard.pipeline.coverage), the
files and the build (dashboard.propose.files), the Dash page and its callbacks (dashboard.add_app), and any dash or
flask import.

Decisions map a draft's record id to "accepted", "rejected" or "proposed" (the default: the draft's own status). A
rejected draft cites nothing, so its sentence falls back to uncovered ("left") when it names a year or a known name.
The drafts are not records of the dashboard yet: the page lists them without links (`selectable=False`).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from dashboard.dates import parse_when
from dashboard.pipeline.coverage import CITING_FRAMES
from dashboard.pipeline.mentions import YEAR_RE
from dashboard.schema import (ACTOR_TYPES, EVENT_TYPES, FRAME_NAMES, LABEL_MAX_CHARS, PLACE_TYPES, PRECISIONS,
                              PRIMARY_KEY, RELATION_TYPES)
from dashboard.views.coverage_view import CoverageModel, coverage_model

DECISIONS = ("proposed", "accepted", "rejected")
# The kinds of draft in the order the page offers them, with what it calls them.
KIND_NAMES = MappingProxyType({"events": "Events", "relations": "Ties", "estimates": "Estimates",
                               "actors": "New actors", "places": "New places"})
# What the reviewer may edit, per kind: (field, how). `how` is "text", "when" (EDTF), "number", "actor" (one id),
# "actors" (a list of ids), "place" (one id or none), or the tuple of values the field takes.
EDITABLE = MappingProxyType({
    "events": (("title", "text"), ("label", "text"), ("event_type", EVENT_TYPES), ("when", "when"),
               ("actor_ids", "actors"), ("place_id", "place")),
    "relations": (("relation_type", RELATION_TYPES), ("source_id", "actor"), ("target_id", "actor"),
                  ("when", "when")),
    "estimates": (("what", "text"), ("unit", "text"), ("low", "number"), ("high", "number"), ("when", "when")),
    "actors": (("name", "text"), ("actor_type", ACTOR_TYPES)),
    "places": (("name", "text"), ("place_type", PLACE_TYPES), ("lat", "number"), ("lon", "number"),
               ("precision", PRECISIONS), ("coords_source", "text")),
})
# Fields that may not be left empty once accepted (the build refuses the record without them).
REQUIRED = frozenset({"title", "event_type", "when", "relation_type", "source_id", "target_id", "what", "name",
                      "actor_type", "place_type", "lat", "lon", "precision", "coords_source"})
NUMBER_RANGES = MappingProxyType({"lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "low": (0.0, 1e12),
                                  "high": (0.0, 1e12)})
# A text edit longer than this is cut (a title is a sentence; the limit keeps a forged store small).
MAX_EDIT_CHARS = 500
MAX_IDS = 50
# Cards listed on one page of the review.
CARDS_PER_PAGE = 12
_SPAN = ("doc_id", "char_start", "char_end", "passage_id")


def _mentions(proposal) -> pd.DataFrame:
    ps = proposal.passages.sort_values("char_start")
    starts, ends, pids = ps["char_start"].tolist(), ps["char_end"].tolist(), ps["passage_id"].tolist()

    def passage_of(pos: int) -> str | None:
        i = bisect_right(starts, pos) - 1
        return pids[i] if i >= 0 and pos < ends[i] else None

    found = [(m.kind, m.entity_id, m.start, m.end, m.text) for m in proposal.mentions]
    found += [("year", f"{m.group(1)}{m.group(2)}", m.start(), m.end(), m.group(0))
              for m in YEAR_RE.finditer(proposal.text)]
    rows = [{"entity_type": k, "entity_id": e, "doc_id": proposal.doc_id, "passage_id": passage_of(s),
             "char_start": s, "char_end": t, "text": x} for k, e, s, t, x in sorted(found, key=lambda f: f[2])]
    rows = [r for r in rows if r["passage_id"] is not None]
    return pd.DataFrame(rows, columns=["entity_type", "entity_id", "doc_id", "passage_id", "char_start", "char_end",
                                       "text"])


def statuses_of(proposal, decisions: Mapping[str, str] | None = None) -> dict[str, str]:
    """Draft id → its status: the reviewer's decision where there is a valid one, else the draft's own."""
    decisions = decisions or {}
    out = {}
    for d in proposal.drafts:
        rid = d.record[PRIMARY_KEY[d.kind]]
        given = decisions.get(rid)
        out[rid] = given if given in DECISIONS else str(d.record.get("status") or "proposed")
    return out


def review_frames(corpus, proposal, decisions: Mapping[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """The frames coverage_model reads for the text being added (see the module docstring). `corpus`: the Bundle
    whose actors name the drafts' participants."""
    status = statuses_of(proposal, decisions)
    by_kind: dict[str, list[dict]] = {}
    for d in proposal.drafts:
        rid = d.record[PRIMARY_KEY[d.kind]]
        if status[rid] == "rejected":
            continue
        by_kind.setdefault(d.kind, []).append({**dict(d.record), "doc_id": proposal.doc_id,
                                               "char_start": d.char_start, "char_end": d.char_end,
                                               "passage_id": d.passage_id})
    frames: dict[str, pd.DataFrame] = {name: pd.DataFrame(columns=[PRIMARY_KEY[name], *_SPAN])
                                       for name in FRAME_NAMES}
    for kind in CITING_FRAMES:
        frames[kind] = pd.DataFrame(by_kind.get(kind, []), columns=list(dict.fromkeys(
            [PRIMARY_KEY[kind], *_SPAN, *(k for r in by_kind.get(kind, []) for k in r)])))
    corpus_actors = corpus.frame("actors")[["actor_id", "name", *_SPAN]]
    frames["actors"] = pd.concat([corpus_actors, frames["actors"]], ignore_index=True) if len(frames["actors"]) \
        else corpus_actors
    frames["documents"] = pd.DataFrame([{"doc_id": proposal.doc_id, "title": proposal.title, "text": proposal.text,
                                         "credit": "A text being added: its records are proposals under review"}])
    frames["passages"] = proposal.passages
    frames["mentions"] = _mentions(proposal)
    frames["waivers"] = pd.DataFrame(columns=["waiver_id", "reason", "waives", *_SPAN])
    return frames


def review_model(corpus, proposal, decisions: Mapping[str, str] | None = None) -> CoverageModel:
    """The text being added, read whole: sentences shaded by the drafts citing them (status proposed or accepted),
    rejected drafts left out, the sentences with a year or a known name and no draft highlighted as left."""
    frames = review_frames(corpus, proposal, decisions)
    live = {rid: s for rid, s in statuses_of(proposal, decisions).items() if s != "rejected"}
    return coverage_model(frames, proposal.doc_id, statuses=live, selectable=False)


# ---------------------------------------------------------------------------------------------------------------
# The review: decisions and edits, applied


@dataclass(frozen=True)
class Review:
    decisions: Mapping[str, str]  # record id → "accepted" | "rejected" | "proposed"
    edits: Mapping[str, Mapping[str, object]]  # record id → field → value as the reviewer gave it


EMPTY_REVIEW = Review(MappingProxyType({}), MappingProxyType({}))


def _editable(kind: str) -> dict[str, object]:
    return dict(EDITABLE.get(kind, ()))


def _plain_value(value):
    """A value the store may hold for a field: a short string, a finite number, None, or a list of short strings."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value[:MAX_EDIT_CHARS]
    if isinstance(value, (list, tuple)):
        return [v[:80] for v in value[:MAX_IDS] if isinstance(v, str)]
    return None


def clean_review(data, proposal) -> Review:
    """The page's store read safely: decisions and edits of the proposal's own drafts only, editable fields only,
    plain values only; anything else is dropped."""
    if not isinstance(data, Mapping):
        return EMPTY_REVIEW
    kinds = {d.record[PRIMARY_KEY[d.kind]]: d.kind for d in proposal.drafts}
    raw_d = data.get("decisions") if isinstance(data.get("decisions"), Mapping) else {}
    raw_e = data.get("edits") if isinstance(data.get("edits"), Mapping) else {}
    decisions = {rid: v for rid, v in raw_d.items() if rid in kinds and v in DECISIONS}
    edits = {}
    for rid, fields_ in raw_e.items():
        if rid not in kinds or not isinstance(fields_, Mapping):
            continue
        allowed = _editable(kinds[rid])
        kept = {f: _plain_value(v) for f, v in fields_.items() if f in allowed}
        if kept:
            edits[rid] = MappingProxyType(kept)
    return Review(MappingProxyType(decisions), MappingProxyType(edits))


def review_data(review: Review) -> dict:
    """The store's form of a review (JSON)."""
    return {"decisions": dict(review.decisions), "edits": {rid: dict(f) for rid, f in review.edits.items()}}


@dataclass(frozen=True)
class Choices:
    """The ids an edit may name: every actor and place of the corpus and of the proposal, with their names."""

    actors: tuple[tuple[str, str], ...]  # (id, name), by name
    places: tuple[tuple[str, str], ...]

    @property
    def actor_ids(self) -> frozenset[str]:
        return frozenset(i for i, _ in self.actors)

    @property
    def place_ids(self) -> frozenset[str]:
        return frozenset(i for i, _ in self.places)


def choices_for(corpus, proposal) -> Choices:
    """The corpus's actors and places plus the proposal's new ones (marked "new")."""
    def of(frame: pd.DataFrame, key: str, kind: str) -> tuple[tuple[str, str], ...]:
        known = list(zip(frame[key], frame["name"]))
        new = [(d.record[key], f"{d.record.get('name') or d.record[key]} (new)") for d in proposal.of(kind)]
        return tuple(sorted(dict(known + new).items(), key=lambda kv: kv[1].casefold()))

    return Choices(of(corpus.frame("actors"), "actor_id", "actors"), of(corpus.frame("places"), "place_id", "places"))


def _check(field_: str, how, value, choices: Choices) -> tuple[object, str | None]:
    """A field's edited value as the record will hold it, and what is wrong with it (None when nothing)."""
    empty = value is None or value == "" or value == []
    if empty:
        return (None if how not in ("actors", "text") else ([] if how == "actors" else "")), \
            (f"{field_} is empty" if field_ in REQUIRED else None)
    if how == "text":
        text = " ".join(str(value).split())
        if field_ == "label" and len(text) > LABEL_MAX_CHARS:
            return text, f"the label has {len(text)} characters; at most {LABEL_MAX_CHARS}"
        return text, None
    if how == "when":
        try:
            parse_when(str(value))
        except ValueError as e:
            return str(value), f"{value!r} is not a date the build reads ({e}); write EDTF: 1937, 1936/1938, 195X, " \
                               "1924/.."
        return str(value).strip(), None
    if how == "number":
        try:
            x = float(str(value).replace(",", "").strip())
        except ValueError:
            return value, f"{field_}: {value!r} is not a number"
        lo, hi = NUMBER_RANGES.get(field_, (-math.inf, math.inf))
        if not (math.isfinite(x) and lo <= x <= hi):
            return value, f"{field_}: {x:g} is outside {lo:g} … {hi:g}"
        return (int(x) if x.is_integer() and field_ in ("low", "high") else x), None
    if how == "actor":
        return value, None if value in choices.actor_ids else f"{field_}: {value!r} is not a known actor"
    if how == "actors":
        ids = [v for v in value] if isinstance(value, list) else [value]
        unknown = [v for v in ids if v not in choices.actor_ids]
        return ids, (f"unknown actors: {', '.join(map(str, unknown))}" if unknown else None)
    if how == "place":
        return value, None if value in choices.place_ids else f"{field_}: {value!r} is not a known place"
    return value, None if value in how else f"{field_}: {value!r} is not one of {', '.join(how)}"


@dataclass(frozen=True)
class Reviewed:
    """One draft with the reviewer's decision and edits applied."""

    kind: str
    record_id: str
    status: str
    record: Mapping  # as the YAML file will hold it (review fields included, status updated)
    edited: frozenset[str]  # fields the reviewer changed
    problems: tuple[str, ...]  # what the build would refuse, or a bad edit (kept as typed: nothing is lost)
    passage_id: str
    draft: object  # the Draft


def reviewed(proposal, review: Review, choices: Choices) -> tuple[Reviewed, ...]:
    """Every draft of the proposal, reviewed."""
    out = []
    statuses = statuses_of(proposal, review.decisions)
    for d in proposal.drafts:
        rid = d.record[PRIMARY_KEY[d.kind]]
        rec = dict(d.record)
        status = statuses[rid]
        rec["status"] = status
        problems, edited = [], set()
        allowed = _editable(d.kind)
        for f, v in review.edits.get(rid, {}).items():
            value, problem = _check(f, allowed[f], v, choices)
            rec[f] = value
            edited.add(f)
            if problem:
                problems.append(problem)
        for f in allowed:
            if f not in edited and f in REQUIRED and rec.get(f) in (None, "") and status == "accepted":
                problems.append(f"{f} is empty: fill it before the record is accepted")
        if d.kind == "relations" and rec.get("source_id") == rec.get("target_id"):
            problems.append("a tie needs two different actors")
        out.append(Reviewed(d.kind, rid, status, MappingProxyType(rec), frozenset(edited), tuple(problems),
                            d.passage_id, d))
    return tuple(out)


def records_by_kind(items: tuple[Reviewed, ...]) -> dict[str, list[dict]]:
    """The reviewed records per kind, for the proposal's files (rejected ones kept, marked: the review is
    recorded; the build leaves them out)."""
    out: dict[str, list[dict]] = {}
    for r in items:
        out.setdefault(r.kind, []).append(dict(r.record))
    return out


@dataclass(frozen=True)
class Card:
    item: Reviewed
    quote: str
    fields: tuple[tuple[str, object, object], ...]  # (field, how, value)


@dataclass(frozen=True)
class CardsPage:
    kind: str
    cards: tuple[Card, ...]
    total: int  # drafts of the kind that pass the filters
    page: int  # 0-based, clamped
    pages: int
    by_kind: tuple[tuple[str, int], ...]  # (kind, drafts) for the kind switch
    by_status: tuple[tuple[str, int], ...]  # (status, drafts of the kind)
    sentence: str | None  # the passage the list is narrowed to


def cards_page(items: tuple[Reviewed, ...], kind: str, status: str = "all", sentence: str | None = None,
               page: int = 0) -> CardsPage:
    """One page of the review's cards: drafts of `kind` with `status` ("all" or one of DECISIONS), citing the
    passage `sentence` when one is given (then every kind's drafts of that sentence count in by_kind)."""
    kind = kind if isinstance(kind, str) and kind in KIND_NAMES else next(iter(KIND_NAMES))
    scope = [r for r in items if sentence is None or r.passage_id == sentence]
    by_kind = tuple((k, sum(r.kind == k for r in scope)) for k in KIND_NAMES)
    of_kind = [r for r in scope if r.kind == kind]
    by_status = tuple((s, sum(r.status == s for r in of_kind)) for s in DECISIONS)
    shown = [r for r in of_kind if status not in DECISIONS or r.status == status]
    pages = max(1, math.ceil(len(shown) / CARDS_PER_PAGE))
    page = min(max(int(page) if isinstance(page, int) and not isinstance(page, bool) else 0, 0), pages - 1)
    chunk = shown[page * CARDS_PER_PAGE:(page + 1) * CARDS_PER_PAGE]
    cards = tuple(Card(r, str(r.record.get("quote") or ""),
                       tuple((f, how, r.record.get(f)) for f, how in EDITABLE[r.kind])) for r in chunk)
    return CardsPage(kind, cards, len(shown), page, pages, by_kind, by_status, sentence)


def shown_ids(items: tuple[Reviewed, ...], kind: str, status: str = "all", sentence: str | None = None) -> list[str]:
    """Every draft the list shows across its pages (what "accept all shown" decides)."""
    return [r.record_id for r in items if r.kind == kind and (sentence is None or r.passage_id == sentence)
            and (status not in DECISIONS or r.status == status)]


# ---------------------------------------------------------------------------------------------------------------
# What a click or an edit does to the review


def clean_kind(value) -> str:
    return value if isinstance(value, str) and value in KIND_NAMES else next(iter(KIND_NAMES))


def clean_status(value) -> str:
    return value if isinstance(value, str) and value in DECISIONS else "all"


_PID = re.compile(r"^#?([A-Za-z0-9_.-]{1,120})$")


def sentence_of(hash_, proposal) -> str | None:
    """The passage a location hash (`#<passage_id>`) names, when it is one of the text's."""
    m = _PID.match(hash_) if isinstance(hash_, str) else None
    pid = m.group(1) if m else None
    return pid if pid is not None and pid in set(proposal.passages["passage_id"]) else None


def same_value(a, b) -> bool:
    """Whether an edit equals the value shown (a number typed as text, an empty field as None, spacing aside)."""
    def norm(v):
        if v is None or v == "" or v == []:
            return None
        if isinstance(v, (list, tuple)):
            return tuple(str(x) for x in v)
        return " ".join(str(v).split())
    return norm(a) == norm(b)


@dataclass(frozen=True)
class Action:
    """What the reviewer did: "decide" one draft (`record_id`, `to`), decide every draft the list shows ("bulk",
    `to`), or "edits": the fields' values as the cards now hold them ((record id, field, value), …)."""

    what: str
    record_id: str = ""
    to: str = ""
    edits: tuple[tuple[str, str, object], ...] = ()


def next_review(proposal, review: Review, choices: Choices, action: Action, *, kind: str = "events",
                status: str = "all", sentence: str | None = None) -> Review | None:
    """The review after `action`, or None when nothing changes (a card drawn anew sends its own values). The list's
    filters (`kind`, `status`, `sentence`) say what "bulk" decides."""
    decisions = dict(review.decisions)
    edits = {rid: dict(f) for rid, f in review.edits.items()}
    if action.what == "bulk" and action.to in DECISIONS:
        for rid in shown_ids(reviewed(proposal, review, choices), clean_kind(kind), clean_status(status), sentence):
            decisions[rid] = action.to
    elif action.what == "decide" and action.to in DECISIONS:
        decisions[action.record_id] = action.to
    elif action.what == "edits":
        drafts = {d.record[PRIMARY_KEY[d.kind]]: d for d in proposal.drafts}
        for rid, field_, value in action.edits:
            d = drafts.get(rid)
            if d is None or field_ not in _editable(d.kind):
                continue
            if same_value(value, edits.get(rid, {}).get(field_, d.record.get(field_))):
                continue
            if same_value(value, d.record.get(field_)):
                edits.get(rid, {}).pop(field_, None)
            else:
                edits.setdefault(rid, {})[field_] = value
    new = clean_review({"decisions": decisions, "edits": edits}, proposal)
    return None if new == review else new
