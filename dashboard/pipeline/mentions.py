"""Find every mention of a known actor, place, movement or year in the texts (spaCy PhraseMatcher + year patterns).

Belongs here: the automated layer — matching the curated names and aliases against the texts.
Does not belong here: deciding what a mention means (a mention is not a record).
"""

from __future__ import annotations

import re
from bisect import bisect_right

import pandas as pd

from dashboard.pipeline.texts import sentence_splitter

# 1800–2030 as a word, optionally a decade ("1930s"); the en-dash range "1936–1938" yields both years.
YEAR_RE = re.compile(r"(?<!\d)(?<!\d[,.])(1[89]\d\d|20[0-2]\d|2030)(s?)(?!\d|[,.]\d)")


# Aliases too loose to stand for an entity wherever they occur: a people's name ("Georgians") names a nation, not
# a city in it, and "Marxist–Leninist" is said of Stalin's system, of other regimes and of Tito's anti-Stalinist
# socialism alike. A city or site is matched by its own name only; a movement never by these words.
_PEOPLE = re.compile(r"^[A-Z][a-z]+(ians|ans|ese|ish)$")
_LOOSE_MOVEMENT_WORDS = frozenset({"marxism–leninism", "marxist–leninist", "marxism-leninism", "marxist-leninist"})


def loose_alias(kind: str, rec, name: str) -> bool:
    """True when `name` (an alias of `rec`) is too loose to be matched as a mention of it."""
    if kind == "places" and getattr(rec, "precision", None) in ("exact", "city") and name != rec.name \
            and _PEOPLE.match(name):
        return True
    return kind == "movements" and name.lower() in _LOOSE_MOVEMENT_WORDS


def _names(records, name_field: str, kind: str = "") -> dict[str, list[str]]:
    out = {}
    for loc in records:
        rec = loc.record
        names = [getattr(rec, name_field), *getattr(rec, "aliases", ())]
        out[loc.record_id] = sorted({n for n in names if n and len(n) > 2 and not loose_alias(kind, rec, n)})
    return out


def name_matchers(nlp, exact: dict[str, list[str]], lower: dict[str, list[str]]) -> tuple:
    """Two PhraseMatchers over `nlp`'s vocabulary: names matched as written (`exact`: label → names) and
    lower-cased (`lower`); a label is 'kind|id' (actor|trotsky, place|moscow, movement|trotskyism)."""
    from spacy.matcher import PhraseMatcher  # imported on build only (see texts.sentence_splitter)

    matchers = (PhraseMatcher(nlp.vocab, attr="ORTH"), PhraseMatcher(nlp.vocab, attr="LOWER"))
    for matcher, names in zip(matchers, (exact, lower)):
        for label, ns in names.items():
            if ns:
                matcher.add(label, [nlp.make_doc(n) for n in ns])
    return matchers


def matched_spans(nlp, matchers: tuple, doc) -> list:
    """Every span of `doc` a matcher finds, labelled with its 'kind|id' (overlaps kept: the caller chooses)."""
    spans = []
    for m in matchers:
        for match_id, s, e in m(doc):
            span = doc[s:e]
            span.label_ = nlp.vocab.strings[match_id]
            spans.append(span)
    return spans


def find_mentions(texts: dict[str, str], passages: pd.DataFrame, records: dict) -> pd.DataFrame:
    from spacy.util import filter_spans

    nlp = sentence_splitter()
    exact = {f"{kind[:-1]}|{rid}": names for kind in ("actors", "places")
             for rid, names in _names(records.get(kind, []), "name", kind).items()}
    lower = {f"movement|{rid}": names for rid, names in _names(records.get("movements", []), "name",
                                                              "movements").items()}
    matchers = name_matchers(nlp, exact, lower)

    rows = []
    for doc_id, text in texts.items():
        ps = passages[passages["doc_id"] == doc_id].sort_values("char_start")
        starts = ps["char_start"].tolist()
        ends = ps["char_end"].tolist()
        pids = ps["passage_id"].tolist()

        def passage_of(pos: int, starts=starts, ends=ends, pids=pids) -> str | None:
            i = bisect_right(starts, pos) - 1
            return pids[i] if i >= 0 and pos < ends[i] else None

        doc = nlp.make_doc(text)
        found = [(sp.label_, sp.start_char, sp.end_char, sp.text)
                 for sp in filter_spans(matched_spans(nlp, matchers, doc))]
        found += [(f"year|{m.group(1)}{m.group(2)}", m.start(), m.end(), m.group(0)) for m in YEAR_RE.finditer(text)]
        for label, s, e, surface in sorted(found, key=lambda f: f[1]):
            pid = passage_of(s)
            if pid is None:
                continue
            etype, eid = label.split("|", 1)
            rows.append({"entity_type": etype, "entity_id": eid, "doc_id": doc_id, "passage_id": pid,
                         "char_start": s, "char_end": e, "text": surface})
    df = pd.DataFrame(rows, columns=["entity_type", "entity_id", "doc_id", "passage_id", "char_start", "char_end",
                                     "text"])
    df.insert(0, "mention_id", [f"m{i:05d}" for i in range(len(df))])
    return df
