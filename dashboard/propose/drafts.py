"""A text and the corpus's vocabulary of names → draft records (events, ties, estimates, new actors and places).

Belongs here: reading one new text with the corpus's own pipeline (dashboard.pipeline.texts for sentences and
sections, a spaCy PhraseMatcher over every known actor, place and movement name as in
dashboard.pipeline.mentions, dating.py for date expressions) and proposing a draft record for what each sentence
states, each with its verbatim quote, `status: proposed`, a `confidence` and a `why` (what it rests on). Pure:
no file is read or written here.
Does not belong here: checking the input file (inputs.py), the YAML files (files.py), or curated records — the
vocabulary is names only (actors, places, movements and their aliases), never the corpus's events or ties.

Confidence (0–1) is a sum of stated evidence, clamped to [0.05, 0.95] and rounded to two places:
- event: 0.35 when the date is in the sentence's own words (0.15 when read from its context: the previous dated
  sentence of its paragraph or section, or the section heading's years), +0.25 when a cue word gives the type,
  +0.15 with at least one known participant, +0.10 with a known place, +0.10 for a single year, month or season
  (+0.05 for a closed range, nothing for an open or vague date), −0.10 when the sentence holds other dates too;
  at most 0.45 when the date is read from the context;
- tie: 0.65, −0.10 for each other actor named between the two, −0.15 when they stand more than 120 characters
  apart, −0.10 when the relation is read from a symmetric word with both actors on one side;
- estimate: 0.45, +0.20 when it counts people (or a percentage), +0.10 with a date in the sentence, −0.20 for a
  number written in words or a vague plural ("thousands");
- new name: 0.20, +0.10 per further sentence naming it (up to +0.30), +0.15 for a name of two or more words.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, SimpleNamespace

import pandas as pd

from dashboard.dates import parse_when
from dashboard.pipeline.mentions import loose_alias
from dashboard.pipeline.records import VAGUE_PLURALS, _argue_only
from dashboard.pipeline.texts import Document, passages, sentence_splitter
from dashboard.propose.dating import DateExpr, find_dates
from dashboard.propose.inputs import InputError
from dashboard.schema import LABEL_MAX_CHARS

# Fields a draft carries for its reviewer, stripped when the reviewed records are built (files.py).
PROPOSAL_FIELDS = ("status", "confidence", "why", "passage_id")
STATUSES = ("proposed", "accepted", "rejected")
# The highest confidence of an event dated from its context rather than its own words.
CONTEXT_CONFIDENCE_MAX = 0.45
# A sentence has at least this many words; a text with none is refused.
MIN_SENTENCE_WORDS = 3


@dataclass(frozen=True)
class Name:
    entity_id: str
    names: tuple[str, ...]  # the name and aliases matched
    entity_type: str = ""  # an actor's actor_type (person, party, …)


@dataclass(frozen=True)
class Vocabulary:
    """The names the corpus knows: actors, places and movements (no curated events, ties or estimates)."""

    actors: tuple[Name, ...]
    places: tuple[Name, ...]
    movements: tuple[Name, ...]
    ids: frozenset[str]  # every id of the corpus's records, so that a new id never collides

    def names_of(self, kind: str) -> MappingProxyType:
        return MappingProxyType({n.entity_id: n.names for n in getattr(self, kind)})


def vocabulary_from_frames(frames) -> Vocabulary:
    """The vocabulary of a built corpus (frames dict or Bundle): names and aliases of its actors, places, movements,
    filtered like the corpus's mentions (loose aliases such as a people's name for a city are left out)."""
    get = frames.frame if hasattr(frames, "frame") else frames.__getitem__

    def names(kind: str, id_col: str) -> tuple[Name, ...]:
        out = []
        for r in get(kind).to_dict("records"):
            rec = SimpleNamespace(name=r["name"], precision=r.get("precision"))
            ns = {n for n in (r["name"], *r["aliases"]) if n and len(n) > 2 and not loose_alias(kind, rec, n)}
            out.append(Name(r[id_col], tuple(sorted(ns)), r.get("actor_type") or ""))
        return tuple(out)

    ids = set()
    for kind, col in (("events", "event_id"), ("places", "place_id"), ("actors", "actor_id"),
                      ("relations", "relation_id"), ("estimates", "estimate_id"), ("movements", "movement_id"),
                      ("periods", "period_id"), ("routes", "route_id")):
        ids |= set(get(kind)[col])
    return Vocabulary(names("actors", "actor_id"), names("places", "place_id"), names("movements", "movement_id"),
                      frozenset(ids))


@dataclass(frozen=True)
class Mention:
    kind: str  # actor, place, movement
    entity_id: str
    start: int  # offsets in the whole text
    end: int
    text: str


@dataclass(frozen=True)
class Draft:
    """One proposed record: its kind (events, relations, estimates, actors, places), the record as it will be
    written (field order kept), and where its sentence is."""

    kind: str
    record: MappingProxyType
    passage_id: str
    char_start: int
    char_end: int

    @property
    def confidence(self) -> float:
        return self.record["confidence"]


@dataclass(frozen=True)
class Proposal:
    doc_id: str
    title: str
    text: str
    passages: pd.DataFrame
    mentions: tuple[Mention, ...]
    drafts: tuple[Draft, ...]
    notes: tuple[str, ...] = field(default=())

    def of(self, kind: str) -> list[Draft]:
        return [d for d in self.drafts if d.kind == kind]


# ---------------------------------------------------------------------------------------------------------------
# Cue words
# ---------------------------------------------------------------------------------------------------------------

# Event types from cue words, most specific first: the first type whose pattern the sentence matches is proposed.
EVENT_CUES = (
    ("assassination", r"assassinat\w*|murder(?:ed|s)?"),
    ("execution", r"execut(?:ed|ion|ions|ing)|shot dead|firing squad"),
    ("deportation", r"deport\w*|forcibly resettled|resettlement"),
    ("uprising", r"uprising\w*|revolt\w*|rebellion\w*|insurrection\w*|strikes?\b|riots?"),
    ("purge", r"purge[sd]?|purging|Great Terror"),
    ("trial", r"trials?\b|tried\b|show trial"),
    ("expulsion", r"expel\w*|expulsion\w*"),
    ("split", r"split\b|splits\b|broke with|schism"),
    ("congress", r"congress\w*|conference|plenum"),
    ("founding", r"found(?:ed|ing)|establish(?:ed|ment)|formed|creation|created"),
    ("exile", r"exile[ds]?|banish\w*"),
    ("famine", r"famine\w*|starvation"),
    ("death", r"died|death of|dies\b"),
    ("pact", r"pact|treaty|armistice"),
    ("war", r"invad\w*|invasion|\bwar\b|occupation|occupied"),
    ("rise_to_power", r"came (?:in)?to power|rose to power|seized power|took power|rise to power"),
    ("revolution", r"revolution\b"),
    ("speech", r"speech|addressed"),
    ("poll", r"poll\w*|survey\w*"),
    ("publication", r"publish\w*|pamphlet|essay|book\b|article|samizdat"),
    ("policy", r"polic(?:y|ies)|collectivi[sz]\w*|industriali[sz]\w*|five-year plan|\blaw\b|decree|reforms?\b"),
    ("repression", r"repress\w*|arrest\w*|imprison\w*|persecut\w*|crush\w*|suppress\w*|Gulag|camps?\b"),
)
_EVENT_CUES = tuple((t, re.compile(r"\b(?:" + p + r")", re.I)) for t, p in EVENT_CUES)

# Relation verbs (the words of dashboard.pipeline.coverage.RELATION_VERBS) → the schema's relation types.
# `symmetric` ties may have both actors on one side ("X and Y formed an alliance").
RELATION_CUES = (
    ("criticized", r"critici[sz]\w*|critic(?:s|al)? of|critics\b|denounc\w*|condemn\w*|vilif\w*|attack\w*|"
                   r"polemici[sz]\w*|accus\w*|ridicul\w*|broke with", False),
    ("opposed", r"oppos\w*|reject\w*|disagree\w*|betray\w*|compet\w*|fought|hostile|against|rival\w*|"
                r"turned on|sidelined|struggle\w*", False),
    ("expelled", r"expel\w*|expulsion", False),
    ("split_from", r"split\w*|schism", True),
    ("allied_with", r"allied|alliance|allies|ally|collaborat\w*|bloc\b|cooperat\w*|together with|alongside|"
                    r"coalition", True),
    ("founded", r"found(?:ed|ing|er)|formed|established|created", False),
    ("leader_of", r"\bled\b|leader\w*|leading|head(?:ed|s)?\b|chair\w*|general secretary", False),
    ("member_of", r"joined|member\w*|belong\w*|within\b", False),
    ("killed", r"kill\w*|murder\w*|assassinat\w*", False),
    ("executed", r"execut\w*", False),
    ("persecuted", r"repress\w*|persecut\w*|purge[ds]?|crush\w*|suppress\w*|imprison\w*|deport\w*|eliminat\w*|"
                   r"arrest\w*|targeted", False),
    ("exiled", r"exiled|banish\w*", False),
    ("supported", r"support\w*|fund(?:ed|ing)|subsid\w*|defend\w*|backed|aided|praised|endorse\w*|sympath\w*|"
                  r"admir\w*|sided with|invited", False),
    ("influenced", r"influenc\w*|inspir\w*|follow(?:ed|ers?)|disciples?|student of|drew on", False),
    ("succeeded", r"succeed\w*|successor|came (?:in)?to power", False),
    ("opposed", r"dispute\w*|differences|contrast|conflicts?\b|rivalry|versus", True),
    ("influenced", r"pupil|writings of|appropriated|drew on|read texts", False),
    ("allied_with", r"associate\w*|triumvirate|alongside|on the side of|taking the side", True),
)
# Words by which a sentence gives one actor's view of another ("X argued that Y …"): a criticism as often as not,
# proposed with less confidence (WEAK_TIE_PENALTY) for the reviewer to type.
WEAK_RELATION_CUES = r"argu\w*|wrote|writes|stated|states|said|says|concluded|described|viewed|considered|blamed|" \
    r"disputes|disputed|claimed|compar\w*|cautioned"
WEAK_TIE_PENALTY = 0.20
_RELATION_CUES = tuple((t, re.compile(r"\b(?:" + p + r")", re.I), sym, 0.0) for t, p, sym in RELATION_CUES) + (
    ("criticized", re.compile(r"\b(?:" + WEAK_RELATION_CUES + r")\b", re.I), False, WEAK_TIE_PENALTY),)
_PASSIVE_BY = re.compile(r"^\S*\s+by\b", re.I)  # "expelled by", "led by": the actor after "by" is the source

# ---------------------------------------------------------------------------------------------------------------
# Mentions
# ---------------------------------------------------------------------------------------------------------------


def find_mentions(text: str, passage_frame: pd.DataFrame, vocab: Vocabulary) -> tuple[Mention, ...]:
    """Every known actor, place and movement named in the text's sentences, as the corpus's mentions are found:
    a PhraseMatcher on the names as written (actors, places) and lower-cased (movements), the longest match of
    each kind winning (an actor and a place of the same words are both kept).
    Matched sentence by sentence, so that a long text never meets spaCy's length limit."""
    from spacy.util import filter_spans

    from dashboard.pipeline.mentions import matched_spans, name_matchers

    nlp = sentence_splitter()
    exact = {f"{kind[:-1]}|{n.entity_id}": list(n.names) for kind in ("actors", "places") for n in getattr(vocab, kind)}
    matchers = name_matchers(nlp, exact, {f"movement|{n.entity_id}": list(n.names) for n in vocab.movements})
    out = []
    for p in passage_frame.itertuples():
        spans = matched_spans(nlp, matchers, nlp.make_doc(p.text))
        # longest match wins within a kind; an actor and a place (or movement) of the same words both count
        kept = [sp for kind in ("actor", "place", "movement")
                for sp in filter_spans([x for x in spans if x.label_.startswith(kind + "|")])]
        for sp in sorted(kept, key=lambda s: (s.start_char, s.label_)):
            kind, eid = sp.label_.split("|", 1)
            out.append(Mention(kind, eid, p.char_start + sp.start_char, p.char_start + sp.end_char, sp.text))
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------


def _clamp(x: float) -> float:
    return round(min(max(x, 0.05), 0.95), 2)


def slug(text: str, limit: int = 40) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower())
    return s.strip("_")[:limit].strip("_") or "x"


def _unique(base: str, taken: set[str]) -> str:
    rid, n = base, 2
    while rid in taken:
        rid, n = f"{base}_{n}", n + 1
    taken.add(rid)
    return rid


def occurrence(text: str, start: int, quote: str) -> int:
    """The 1-based occurrence of `quote` that starts at `start` (records.py finds quotes this way)."""
    n, pos = 0, -1
    while True:
        pos = text.find(quote, pos + 1)
        if pos < 0 or pos > start:
            return max(n, 1)
        n += 1
        if pos == start:
            return n


def _cut(text: str, limit: int) -> str:
    """`text` cut at a word to at most `limit` characters (no ellipsis: a label the build would refuse)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    words = text[:limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:–-(\"“").split()
    while len(words) > 2 and words[-1].lower().strip(",;:") in _DANGLING:
        words.pop()
    return " ".join(words).rstrip(" ,;:–-(\"“")


# Words a cut label should not end on ("Khrushchev ordered the").
_DANGLING = frozenset("""the a an of and or to in on at by for with from his her its their that which who whom as
    was were is are had has have be been into than but""".split())


_LEAD = re.compile(r"^(?:in|on|during|by|from|since|after|around|between|until|of)\s+$", re.I)


def event_title(sentence: str, date: DateExpr | None) -> str:
    """A title from the sentence: the sentence without its leading date phrase ("In 1956, X did Y" → "X did Y"),
    cut at a word to about 90 characters."""
    s = sentence
    if date is not None:
        before = s[:date.start]
        if not before.strip() or _LEAD.match(before.lstrip()):
            rest = s[date.end:].lstrip(" ,:;–—")
            if len(rest) > 12:
                s = rest[:1].upper() + rest[1:]
    s = s.rstrip(" .;:")
    if len(s) > 90:
        s = _cut(s, 88) + "…"
    return s


def _event_type(sentence: str) -> tuple[str, str]:
    for etype, pattern in _EVENT_CUES:
        m = pattern.search(sentence)
        if m:
            return etype, m.group(0)
    return "other", ""


def _date_strength(d: DateExpr) -> float:
    if d.kind in ("year", "month", "season"):
        return 0.10
    return 0.05 if d.kind == "range" else 0.0


# ---------------------------------------------------------------------------------------------------------------
# Proposing
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sentence:
    pid: str
    start: int
    end: int
    text: str
    paragraph: int
    section: str
    dates: tuple[DateExpr, ...]
    mentions: tuple[Mention, ...]

    def ids(self, kind: str) -> list[str]:
        return list(dict.fromkeys(m.entity_id for m in self.mentions if m.kind == kind))


_SEQUENCE = re.compile(r"^(?:after|afterwards|later|following|consequently|subsequently|thereafter|soon|then|"
                       r"as a result|in response|in the aftermath|this (?:led|resulted|prompted|caused))\b", re.I)


def _context_date(s: _Sentence, prev_para: DateExpr | None, prev_section: DateExpr | None,
                  heading: tuple[str, DateExpr] | None) -> tuple[str, str] | None:
    """(when, date_note) for a sentence with no date of its own, read from its context: the previous dated sentence
    of its paragraph, else its section heading's years, else the previous dated sentence of its section. A sentence
    opening with a word of sequence ("After", "Later", "Consequently") is read as open from that date."""
    if prev_para is None and heading is not None:
        label, d = heading
        return d.when, f'no year in the sentence; dated by its section "{label}"'
    prev, where = (prev_para, "paragraph") if prev_para is not None else (prev_section, "section")
    if prev is None:
        return None
    seq = _SEQUENCE.match(s.text)
    if seq:
        w = parse_when(prev.when)
        if w.start is not None:
            return (f"{w.start}/..", f'no year in the sentence: "{seq.group(0)}" {prev.text}, the date of the '
                                     f"previous dated sentence of its {where} (open end)")
    return prev.when, f"no year in the sentence: read with the previous dated sentence of its {where} ({prev.text})"


def _sentences(doc_id: str, text: str, passage_frame: pd.DataFrame, mentions: tuple[Mention, ...]):
    starts = [m.start for m in mentions]
    out = []
    for p in passage_frame.itertuples():
        lo, hi = bisect_right(starts, p.char_start - 1), bisect_right(starts, p.char_end - 1)
        ms = tuple(m for m in mentions[lo:hi] if m.end <= p.char_end)
        out.append((p, _Sentence(p.passage_id, p.char_start, p.char_end, p.text, p.paragraph_no, p.section,
                                 tuple(find_dates(p.text)), ms)))
    return out


def _voices(s: _Sentence, actor_ids: list[str], vocab_names) -> tuple[list[str], list[str]]:
    """(participants, voices): an actor the sentence shows only arguing or writing is a voice (according_to)."""
    part, voices = [], []
    for aid in actor_ids:
        names = sorted(vocab_names.get(aid, ()), key=len, reverse=True)
        (voices if names and _argue_only(s.text, list(names)) else part).append(aid)
    return part, voices


def _event(s: _Sentence, text: str, date: DateExpr | None, when: str, note: str, n_dates: int, own: bool,
           taken: set[str], doc_id: str, actor_names) -> Draft:
    etype, cue = _event_type(s.text)
    actors, voices = _voices(s, s.ids("actor"), actor_names)
    places = s.ids("place")
    title = event_title(s.text, date)
    conf = (0.35 if own else 0.15) + (0.25 if cue else 0) + (0.15 if actors else 0) + (0.10 if places else 0)
    conf += (_date_strength(date) if date else 0) - (0.10 if n_dates > 1 else 0)
    if not own:  # a date read from the context is a guess, however good the rest
        conf = min(conf, CONTEXT_CONFIDENCE_MAX)
    year = re.search(r"\d{4}", when)
    rid = _unique(f"ev_{doc_id}_{year.group(0) if year else 'x'}_{slug(title, 24)}", taken)
    why = [f"date {'in the sentence' if own else 'from its context'}: {when}"]
    why.append(f"type from {cue!r}" if cue else "no cue word for the type")
    if actors:
        why.append(f"{len(actors)} known participant{'s' if len(actors) > 1 else ''}")
    rec = {"event_id": rid, "status": "proposed", "confidence": _clamp(conf), "why": "; ".join(why),
           "title": title, "label": _cut(title, LABEL_MAX_CHARS), "event_type": etype, "when": when}
    if note:
        rec["date_note"] = note
    if places:
        rec["place_id"] = places[0]
    rec["actor_ids"] = actors
    if voices:
        rec["according_to"] = voices
    rec["movement_ids"] = s.ids("movement")
    _quote(rec, text, s)
    return Draft("events", MappingProxyType(rec), s.pid, s.start, s.end)


def _quote(rec: dict, text: str, s: _Sentence) -> None:
    rec["quote"] = s.text
    occ = occurrence(text, s.start, s.text)
    if occ > 1:
        rec["occurrence"] = occ
    rec["passage_id"] = s.pid


def _anti(s: _Sentence, vocab_names) -> list[str]:
    """Actors the sentence names through an "anti-<Name>ist" word ("anti-Stalinist" → the actor named Stalin): the
    actor of a one-word name from which the adjective is made."""
    out = []
    for m in _ANTI.finditer(s.text):
        stem = m.group(1)
        for aid, names in vocab_names.items():
            if stem in names or any(n.split()[-1] == stem for n in names if n.split()):
                out.append(aid)
                break
    return list(dict.fromkeys(out))


_ANTI = re.compile(r"anti-([A-Z][a-z]+?)(?:ist|ists|ism|ite|ites)\b")
# Two actors on the same side of a relation word, or both of a symmetric one, further apart than this (characters)
# are not proposed as a tie.
SAME_SIDE_MAX_CHARS = 90


_PRONOUN = re.compile(r"\b(?:he|she|his|her|him)\b", re.I)
_NAME_ADJECTIVE = re.compile(r"(?<![\w-])([A-Z][a-z]+?)(?:ist|ists)\b")
_DOCTRINE = re.compile(r"(?<![\w-])([A-Z][a-z]{3,}?)ism\b")


def group_stems(vocab: Vocabulary) -> MappingProxyType:
    """Stem → id of every group (not a person) whose one-word name is a plural of it: 'Bolshevik' → bolsheviks,
    so that "Bolshevism" names them."""
    out = {}
    for n in vocab.actors:
        if n.entity_type == "person":
            continue
        for name in n.names:
            m = re.fullmatch(r"([A-Z][a-z]{3,}?)(?:iks|ists|ites|s)", name)
            if m:
                out.setdefault(m.group(1), n.entity_id)
    return MappingProxyType(out)
# Confidence taken off a tie one of whose actors is read from a pronoun or an adjective rather than named.
IMPLICIT_PENALTY = 0.15


def implicit_actors(s: _Sentence, previous_person: str | None, persons: MappingProxyType,
                    groups: MappingProxyType = MappingProxyType({})) -> list[Mention]:
    """Actors a sentence names without their name: a pronoun ("he", "her") before any person it names, read as the
    person the previous sentence of the paragraph named first; an adjective made from a person's name
    ("Stalinist terror" → Stalin, not "anti-Stalinist", which _anti reads); a doctrine named after a group
    ("Bolshevism" → the Bolsheviks; `groups`: stem → actor id)."""
    out = []
    named = [m for m in s.mentions if m.kind == "actor" and m.entity_id in persons]
    p = _PRONOUN.search(s.text)
    if p and previous_person and not any(m.start - s.start < p.start() for m in named):
        out.append(Mention("actor", previous_person, s.start + p.start(), s.start + p.end(), p.group(0)))
    for m in _NAME_ADJECTIVE.finditer(s.text):
        if s.text[max(m.start() - 5, 0):m.start()].lower().endswith("anti-"):
            continue
        if any(x.start <= s.start + m.start() < x.end for x in s.mentions if x.kind == "actor"):
            continue
        for aid, surname in persons.items():
            if surname == m.group(1):
                out.append(Mention("actor", aid, s.start + m.start(), s.start + m.end(), m.group(0)))
                break
    for m in _DOCTRINE.finditer(s.text):  # "critics of Bolshevism" → the Bolsheviks
        if any(x.start <= s.start + m.start() < x.end for x in s.mentions if x.kind == "actor"):
            continue
        aid = groups.get(m.group(1))
        if aid:
            out.append(Mention("actor", aid, s.start + m.start(), s.start + m.end(), m.group(0)))
    return out


def _ties(s: _Sentence, text: str, taken: set[str], doc_id: str, actor_names,
          implicit: tuple[Mention, ...] = ()) -> list[Draft]:
    """Ties between the sentence's known actors: two actors with a relation word between them (type and direction
    from the word; "by" after it names the source), more weakly two actors standing near each other on one side of
    it, and every actor of a sentence that calls it "anti-<Name>ist" opposed to that actor. Actors the sentence
    names only by a pronoun or an adjective (`implicit`) count, with less confidence."""
    actors = sorted([m for m in s.mentions if m.kind == "actor"] + list(implicit), key=lambda m: m.start)
    best: dict[frozenset, tuple] = {}

    def offer(conf, src, tgt, rtype, verb, how):
        key = frozenset((src, tgt))
        read = [f"{m.text!r} read as {m.entity_id}" for m in implicit if m.entity_id in (src, tgt)]
        if read:
            conf -= IMPLICIT_PENALTY
            how += "; " + ", ".join(read)
        if src != tgt and (key not in best or conf > best[key][0]):
            best[key] = (conf, src, tgt, rtype, verb, how)

    if len({m.entity_id for m in actors}) >= 2:
        for rtype, pattern, symmetric, penalty in _RELATION_CUES:
            for v in pattern.finditer(s.text):
                vs, ve = s.start + v.start(), s.start + v.end()
                if any(m.start <= vs < m.end for m in actors):  # the word is inside a name ("Left Opposition")
                    continue
                left = [m for m in actors if m.end <= vs]
                right = [m for m in actors if m.start >= ve]
                passive = bool(_PASSIVE_BY.match(s.text[v.start():]))
                for a in left:
                    for b in right:
                        lo, hi = a.start, b.end
                        between = len({m.entity_id for m in actors if lo < m.start < hi} - {a.entity_id, b.entity_id})
                        conf = 0.65 - 0.10 * between - (0.15 if hi - lo > 120 else 0) - penalty
                        src, tgt = (b, a) if passive else (a, b)
                        offer(conf, src.entity_id, tgt.entity_id, rtype, v.group(0),
                              "passive: 'by' names the source" if passive else "the word stands between them")
                for side in (left, right):
                    for i, a in enumerate(side):
                        for b in side[i + 1:]:
                            if b.start - a.end > SAME_SIDE_MAX_CHARS or a in implicit or b in implicit:
                                continue  # (an actor read from a pronoun is too weak a guess beside the word)
                            conf = (0.45 if symmetric else 0.30) - penalty - 0.05 * abs(
                                (vs if side is left else ve) - (a.start if side is left else b.end)) / 40
                            offer(conf, a.entity_id, b.entity_id, rtype, v.group(0),
                                  "both on one side of the word: read the direction from the sentence")
    for target in _anti(s, actor_names):
        for m in actors:
            offer(0.40, m.entity_id, target, "opposed", "anti-…", "the sentence calls them anti-… of this actor")
    out = []
    dates = s.dates
    for conf, src, tgt, rtype, verb, how in best.values():
        rid = _unique(f"rel_{doc_id}_{slug(src, 16)}_{rtype}_{slug(tgt, 16)}", taken)
        rec = {"relation_id": rid, "status": "proposed", "confidence": _clamp(conf),
               "why": f"{src} … {verb!r} … {tgt} ({how})", "source_id": src, "target_id": tgt,
               "relation_type": rtype}
        if len(dates) == 1:
            rec["when"] = dates[0].when
            if dates[0].date_note:
                rec["date_note"] = dates[0].date_note
        _quote(rec, text, s)
        out.append(Draft("relations", MappingProxyType(rec), s.pid, s.start, s.end))
    return out


_WORD_NUMBERS = MappingProxyType({w: i for i, w in enumerate(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty".split(), start=2)})
_SCALES = MappingProxyType({"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000})
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s+(?:thousand|million|billion))?"
_QUALIFIERS = r"(?P<q>over|more than|upwards of|at least|about|around|approximately|roughly|some|nearly|almost|" \
              r"up to|as many as|an estimated|estimated|fewer than|less than)?\s*"
_ESTIMATE = re.compile(
    r"(?<![\w.,-])" + _QUALIFIERS + r"(?P<a>" + _NUM + r")(?:\s*(?:to|–|—|-|and)\s*(?P<q2>over\s+|more than\s+)?"
    r"(?P<b>" + _NUM + r"))?(?P<pct>\s*(?:%|percent\b|per cent\b))?(?![\w-]|[.,]\d)", re.I)
_WORDED = re.compile(r"\b(?P<w>" + "|".join(_WORD_NUMBERS) + r")\s+(?P<noun>(?:[a-z]+\s+)?[a-z]+s)\b", re.I)
_VAGUE = re.compile(r"\b(?P<v>hundreds of thousands|tens of thousands|hundreds|thousands|millions)\s+of\s+"
                    r"(?P<noun>[a-z]+)", re.I)
_PEOPLE_NOUNS = frozenset("""people persons men women children victims deaths dead prisoners peasants kulaks soldiers
    officers members delegates communists workers inmates refugees civilians lives individuals citizens""".split())
_NOT_COUNT = re.compile(r"(?:article|no\.|page|pp?\.|chapter|volume|vol\.|number)\s*$", re.I)


def _value(s: str) -> float:
    parts = s.replace(",", "").split()
    v = float(parts[0])
    return v * _SCALES[parts[1].lower()] if len(parts) > 1 else v


def _what(sentence: str, end: int) -> tuple[str, str]:
    """(unit, what) from the words after a figure: 'people', 'people executed in the Great Terror'."""
    after = re.match(r"\s*(?:of\s+)?([^.;:,()\d]{0,80})", sentence[end:]).group(1).split()
    words = [w for w in after[:8]]
    unit = re.sub(r"\W", "", words[0]).lower() if words else ""
    if re.fullmatch(r"[a-z]+ed", unit) or re.fullmatch(r"[A-Z]?[a-z]+(?:ians|ans|ese|s)", words[0] if words else "") \
            and words[0][0].isupper():
        unit = "people"  # "200,000 fled", "2,500 Hungarians": people
    what = " ".join(words).strip(" –—-\"“”")
    return unit, what


def _estimates(s: _Sentence, text: str, taken: set[str], doc_id: str) -> list[Draft]:
    in_date = [(d.start, d.end) for d in s.dates]
    found = []
    for m in _ESTIMATE.finditer(s.text):
        if any(a <= m.start("a") < b for a, b in in_date) or _NOT_COUNT.search(s.text[:m.start()]):
            continue
        if re.match(r"\s*(?:st|nd|rd|th)\b", s.text[m.end():]):
            continue
        low = _value(m.group("a"))
        high = _value(m.group("b")) if m.group("b") else low
        if m.group("b") and " " not in m.group("a").strip() and " " in m.group("b").strip() and low < high / 1000:
            low *= _SCALES[m.group("b").split()[1].lower()]  # "1 to 1.5 million": the scale is shared
        q = (m.group("q") or "").lower()
        qual = q or ("over" if m.group("q2") else "exact" if not m.group("b") else "")
        if m.group("q2") or q in ("over", "more than", "upwards of", "at least"):
            high = None
        if q in ("up to", "fewer than", "less than"):
            low, high = None, high
        if high is not None and low is not None and high < low:
            continue
        if m.group("pct"):
            unit, what = "percent", _what(s.text, m.end())[1]
        else:
            unit, what = _what(s.text, m.end())
        if not unit or not what:
            continue
        people = unit in _PEOPLE_NOUNS or unit == "percent"
        found.append((m.start(), m.group(0).strip(), "people" if unit in _PEOPLE_NOUNS else unit, what, low, high,
                      qual, 0.45 + (0.2 if people else 0), None))
    for m in _VAGUE.finditer(s.text):
        word = m.group("v").lower()
        noun = m.group("noun").lower()
        unit, what = _what(s.text, m.end("v"))
        found.append((m.start(), m.group(0), "people" if noun in _PEOPLE_NOUNS else noun, what or noun,
                      VAGUE_PLURALS[word], None, word, 0.25 + (0.2 if noun in _PEOPLE_NOUNS else 0),
                      f'"{word}": read as at least {VAGUE_PLURALS[word]:,}; the text gives no upper bound'))
    for m in _WORDED.finditer(s.text):
        noun = m.group("noun").split()[-1].lower()
        if noun in ("years", "decades", "months", "times", "ways", "parts", "sides", "things"):
            continue
        n = _WORD_NUMBERS[m.group("w").lower()]
        found.append((m.start(), m.group(0), "people" if noun in _PEOPLE_NOUNS else noun, m.group("noun"), n, n,
                      "exact", 0.25 + (0.2 if noun in _PEOPLE_NOUNS else 0), None))
    out = []
    for _start, figure, unit, what, low, high, qual, conf, note in sorted(found, key=lambda f: f[0]):
        conf += 0.10 if s.dates else 0
        rid = _unique(f"est_{doc_id}_{slug(what, 28)}", taken)
        rec = {"estimate_id": rid, "status": "proposed", "confidence": _clamp(conf), "why": f"figure {figure!r}",
               "what": what, "unit": unit, "low": low, "high": high}
        if qual:
            rec["qualifier"] = qual
        if len(s.dates) == 1:
            rec["when"] = s.dates[0].when
            if s.dates[0].date_note:
                rec["date_note"] = s.dates[0].date_note
        if note:
            rec["note"] = note
        _quote(rec, text, s)
        out.append(Draft("estimates", MappingProxyType(rec), s.pid, s.start, s.end))
    return out


# Capitalised words that start sentences or clauses but name nothing.
_NOT_NAMES = frozenset("""
    A An The This That These Those There Their They Them He She His Her Hers It Its We Our Us You Your I In On At
    By For From To Of With Without Within Into Onto Over Under After Before During Since Until While Whereas When
    Where Which Who Whom Whose What Why How However Although Though Despite Because As And But Or Nor Yet So Also
    Many Most Some Several Such Other Others Another Both Each Every All Any Few No Not Only Even Still Then Thus
    Therefore Hence Later Earlier Soon Today Now Once First Second Third Finally Meanwhile Moreover Furthermore
    Instead Overall Following According Among Between Against Around About Regarding Like Unlike Nevertheless
    Consequently Subsequently Likewise Indeed Similarly Rather Perhaps Initially Eventually Concurrently Primarily
    Officially Prominent Notable Here Its If Whether Upon Beyond Throughout Towards Toward Via Per Whilst Along
    January February March April May June July August September October November December Monday Tuesday
    Wednesday Thursday Friday Saturday Sunday Mr Mrs Ms Dr St Article Let None Everybody Everyone Nobody
""".split())
# Words that are names only with others ("the Red Army", "World War II"): never a new name on their own.
_NOT_ALONE = frozenset("""
    Western Eastern Northern Southern Central Soviet Communist Communists Socialist Socialists Marxist Leninist Red
    White Old New Great Civil World West East North South Party State Union Government Revolution War First Second
    Third Fourth Fifth Sixth Seventh Eighth Ninth Tenth Anglo
""".split())
# Last words of the names of happenings, periods, documents and offices: not new actors or places.
_NOT_ACTOR_OR_PLACE = re.compile(r"\b(?:Revolution|War|Wars|Purge|Terror|Famine|Thaw|Trials?|Congress|Depression|"
                                 r"Congresses|Policy|Plan|Code|Question|Diary|Speech|Pact|Treaty|Crisis|Rebellion|Uprising|Doctrine|"
                                 r"Secretary|Liquidation|Dekulakization|Collectivization|Holodomor|Turn|II|I)$")
_CAP = r"[A-Z][\w'’.-]*[\w]"
_NAME_RE = re.compile(r"(?<![\w'’-])" + _CAP + r"(?:\s+(?:(?:of|de|von|van|der|del|di|du|la|le|y)\s+)?" + _CAP
                      + r")*")
_PLACE_BEFORE = re.compile(r"\b(?:in|at|to|near|into|across|outside|inside|from|throughout)\s+(?:the\s+)?$")
_ORG_WORDS = re.compile(r"\b(?:Party|Union|Committee|Congress|Council|International|League|Front|Group|Movement|"
                        r"Army|Association|Federation|Bureau|Opposition|Society|Institute|Review|Times|Press|"
                        r"Column|Workers|Bloc|Government|Republic|Commissariat|Tendency|Pact|Treaty|Revolution|War|Conference|"
                        r"Plan|Terror|Trials?|Speech|Thaw|Purge)\b")


def _known_words(vocab: Vocabulary) -> frozenset[str]:
    """Every word of a known name: a one-word candidate among them is a known name shortened ("Nagy" for Imre
    Nagy) or an adjective of one ("Soviet"), not a new name."""
    return frozenset(w for kind in ("actors", "places", "movements") for n in getattr(vocab, kind) for name in n.names
                     for w in name.replace("’s", "").replace("'s", "").split())


def _candidate_names(sentences: list[_Sentence], text: str, known_words: frozenset[str] = frozenset()
                     ) -> dict[str, list]:
    """Proper-noun spans no known name covers: capitalised words (with 'of', 'de', 'von' … inside), leaving out
    sentence-initial common words, -isms and -ists (movements, not names), nationality adjectives and anything
    a known actor, place, movement or date already covers."""
    lower_words = set(re.findall(r"\b[a-z][\w'-]+\b", text))
    found: dict[str, list] = defaultdict(list)
    for s in sentences:
        covered = [(m.start - s.start, m.end - s.start) for m in s.mentions] + [(d.start, d.end) for d in s.dates]
        for m in _NAME_RE.finditer(s.text):
            words = m.group(0).split()
            start = m.start()
            while words and (words[0] in _NOT_NAMES or words[0].rstrip("'’s") in _NOT_NAMES):
                start += len(words[0]) + 1
                words = words[1:]
            while words and words[-1] in ("of", "de", "von", "van", "der", "del", "di", "du", "la", "le", "y"):
                words = words[:-1]
            if not words:
                continue
            name = " ".join(words).removesuffix("'s").removesuffix("’s")
            end = start + len(name)
            if any(a < end and start < b for a, b in covered):
                continue
            if len(words) == 1:
                w = words[0]
                if len(w) < 3 or "-" in w or w in known_words or w in _NOT_ALONE or w.lower() in lower_words \
                        or re.search(r"(?:ism|isms|ist|ists|ian|ians|ean|ish|ese|ic|ics)$", w) or w.isdigit():
                    continue
            if re.search(r"\d|-[a-z]", name) or _NOT_ACTOR_OR_PLACE.search(name):
                continue
            quotes_before = len(re.findall(r"[\"“”]", s.text[:start]))
            if quotes_before % 2 == 1:  # inside a quotation or a title: "There Is No Communism in Russia"
                continue
            place = bool(_PLACE_BEFORE.search(s.text[:start])) and not _ORG_WORDS.search(name)
            found[name].append((s, start, place))
    # a one-word name must also stand somewhere other than at the start of a sentence ("Conversely", "Together")
    return {name: hits for name, hits in found.items() if " " in name or any(start > 0 for _, start, _ in hits)}


def _new_names(sentences: list[_Sentence], text: str, vocab: Vocabulary, taken: set[str]) -> list[Draft]:
    out = []
    for name, hits in _candidate_names(sentences, text, _known_words(vocab)).items():
        s, _, _ = hits[0]
        place_votes = sum(1 for _, _, p in hits if p)
        is_place = place_votes * 2 >= len(hits)
        conf = 0.20 + 0.10 * min(len({h[0].pid for h in hits}) - 1, 3) + (0.15 if " " in name else 0)
        why = (f"a name the vocabulary does not know, in {len(hits)} place{'s' if len(hits) > 1 else ''}; "
               + ("read as a place (after 'in', 'at', 'to' …)" if is_place else "read as an actor"))
        if is_place:
            rid = _unique(f"pl_{slug(name, 30)}", taken)
            rec = {"place_id": rid, "status": "proposed", "confidence": _clamp(conf), "why": why, "name": name,
                   "place_type": None, "lat": None, "lon": None, "precision": None, "coords_source": None,
                   "aliases": [name]}
        else:
            person = 2 <= len(name.split()) <= 3 and not _ORG_WORDS.search(name) and "of" not in name.split()
            base = slug(name.split()[-1] if person else name, 30)
            rid = _unique(base if base[0].isalpha() else f"a_{base}", taken)
            rec = {"actor_id": rid, "status": "proposed", "confidence": _clamp(conf), "why": why, "name": name,
                   "actor_type": None, "movement_ids": [], "aliases": [name], "description": ""}
        _quote(rec, text, s)
        out.append(Draft("places" if is_place else "actors", MappingProxyType(rec), s.pid, s.start, s.end))
    return out


def _distinct_dates(dates: tuple[DateExpr, ...]) -> list[DateExpr]:
    """One date per span of years: "the Revolution of 1956 began on 23 October 1956" is one event, dated by its
    most precise expression; "in 1937 and 1938" is two."""
    best: dict[tuple, DateExpr] = {}
    for d in dates:
        w = parse_when(d.when)
        key = (w.start, w.end, w.start_open, w.end_open)
        if key not in best or len(d.when) > len(best[key].when):
            best[key] = d
    return sorted(best.values(), key=lambda d: d.start)


def propose(text: str, doc_id: str, vocab: Vocabulary, title: str = "", context_dates: bool = True) -> Proposal:
    """Draft records for one text: events for its dated sentences (and, with `context_dates`, for sentences with an
    event cue word and a known name dated by their context), ties, estimates, and new actors and places."""
    doc = Document(doc_id, title or doc_id, Path(f"{doc_id}.txt"), "", "", text)
    frame = passages(doc)
    if len(frame):
        prose = frame[~frame["back_matter"] & frame["passage_type"].isin(("sentence", "list_item"))]
    else:
        prose = frame
    words = prose["text"].map(lambda t: len(re.findall(r"[^\W\d_]{2,}", t))) if len(prose) else pd.Series([0])
    if not (words >= MIN_SENTENCE_WORDS).any():
        raise InputError(f"{title or doc_id} has no sentences (no line of at least {MIN_SENTENCE_WORDS} words that "
                         "reads as prose rather than a heading)")
    mentions = find_mentions(text, prose, vocab)
    taken = set(vocab.ids)
    actor_names = vocab.names_of("actors")
    drafts: list[Draft] = []
    sentences = []
    heading_date: dict[str, tuple[str, DateExpr] | None] = {}
    for h in frame[frame["passage_type"] == "heading"].itertuples() if len(frame) else ():
        ds = find_dates(h.text)
        heading_date[h.text] = (h.text, ds[0]) if len(ds) == 1 else None
    prev_para: tuple[int, DateExpr] | None = None
    # surname of every person the vocabulary knows (for "Stalinist" → Stalin), and the last person named
    persons = MappingProxyType({n.entity_id: max(n.names, key=len).split()[-1] for n in vocab.actors
                                if n.entity_type == "person" and n.names})
    previous_person, previous_paragraph = None, -1
    groups = group_stems(vocab)
    prev_section: tuple[str, DateExpr] | None = None
    for _, s in _sentences(doc_id, text, prose, mentions):
        sentences.append(s)
        if s.dates:
            for d in _distinct_dates(s.dates):
                drafts.append(_event(s, text, d, d.when, d.date_note, len(s.dates), True, taken, doc_id,
                                     actor_names))
        elif context_dates and s.mentions and _event_type(s.text)[1]:
            para = prev_para[1] if prev_para and prev_para[0] == s.paragraph else None
            sect = prev_section[1] if prev_section and prev_section[0] == s.section else None
            ctx = _context_date(s, para, sect, heading_date.get(s.section))
            if ctx:
                drafts.append(_event(s, text, None, ctx[0], ctx[1], 0, False, taken, doc_id, actor_names))
        drafts += _ties(s, text, taken, doc_id, actor_names,
                        tuple(implicit_actors(s, previous_person if previous_paragraph == s.paragraph else None,
                                              persons, groups)))
        first_person = next((m.entity_id for m in s.mentions if m.kind == "actor" and m.entity_id in persons), None)
        if first_person or previous_paragraph != s.paragraph:
            previous_person, previous_paragraph = first_person, s.paragraph
        drafts += _estimates(s, text, taken, doc_id)
        if s.dates:
            prev_para = (s.paragraph, s.dates[-1])
            prev_section = (s.section, s.dates[-1])
    drafts += _new_names(sentences, text, vocab, taken)
    return Proposal(doc_id, title or doc_id, text, frame, mentions, tuple(drafts))
