"""The annotator's to-do lists, each sentence cited by no record or waived with a reason:

- sentences that mention a year, a known place or a known actor, cited by no record;
- sentences in which two known actors stand with a relation verb (opposed, expelled, founded, killed…) but no tie
  (relation) cites them;
- sentences naming a movement, current, tendency or group with no movement record of that name;
- sentences in which a known actor stands with an attribution verb (argues, writes, believes, criticized…) but no
  claim (a position on a debated question) cites them, nor a record that gives the actor as its voice
  (`according_to`: an attributed fact, not a position).

A sentence counts as cited when a record's quote overlaps it; a waiver (data/**/waivers.yaml) explains one that
needs nothing, for the lists its `waives` names (default: the first). Back matter (See also, References,
bibliography) is not prose and is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.schema import SELECTABLE

CITING_FRAMES = tuple(dict.fromkeys((*SELECTABLE, "movements", "claims", "questions")))
FLAGGING_ENTITIES = ("year", "place", "actor")

# Words by which a sentence states a tie between two actors.
RELATION_VERBS = re.compile(
    r"\b(oppos\w*|critici[sz]\w*|critical of|denounc\w*|condemn\w*|expel\w*|allied|alliance|allies|ally|split\w*|"
    r"broke with|found(?:ed|ing)|formed|led|leader\w*|leading|joined|member\w*|kill\w*|murder\w*|assassinat\w*|"
    r"execut\w*|repress\w*|persecut\w*|purge[ds]?|support\w*|influenc\w*|succeed\w*|successor|exiled|handed over|"
    r"sidelined|turned on|reject\w*|disagree\w*|polemici[sz]ed|vilif\w*|betray\w*|attack\w*|crush\w*|suppress\w*|"
    r"funded|subsid\w*|eliminat\w*|imprison\w*|deport\w*|invited|collaborat\w*|compet\w*|fought|hostile)\b", re.I)

# Names of movements, currents and tendencies: an -ism (with an adjective the texts put before one), a named
# opposition, camp or left, and "<name> movement/current/tendency". Generic ideas and systems are not movements.
_ADJ = r"(?:(?:libertarian|left|democratic|revolutionary|state|bureaucratic|Western|Soviet|orthodox|red|Slavic|" \
       r"pure|reform|social)\s+)?"
MOVEMENT_TERMS = re.compile(
    r"(?<![-\w])" + _ADJ + r"(?:neo-|ultra-)?[A-Za-z]+ism\b"
    r"|\bsocial democra(?:cy|ts)\b"
    r"|\b(?:[A-Z][\w'’-]+\s+)+(?:Opposition|Left|Camp|Intellectuals|Philosophers|Tendency)\b"
    r"|\b(?:third|Third) camp\b|\bnon-Communist left\b"
    r"|(?<![-\w])[A-Z]?[a-z]*(?:ist|ian|ite)\s+(?:movement|current|currents|tendency|tendencies)\b")
NOT_MOVEMENTS = frozenset("""
    communism socialism capitalism marxism totalitarianism imperialism internationalism colonialism nationalism
    atheism chauvinism patriotism separatism absolutism despotism terrorism authoritarianism interventionism
    criticism mechanism organism cynicism heroism favoritism humanism anti-fascism anti-stalinism anti-leninism
    anti-communism anti-revisionism revisionism stalinism-leninism marxism–leninism bureaucratism classicism
    modernism realism idealism pragmatism voluntarism feudalism racism militarism heroism exoticism journalism
    liberalism conservatism
    """.split()) | {
    # descriptions, not currents the texts name: Communism as such, and characterisations of Stalin's rule
    "communist movement", "soviet communism", "orthodox communism", "revolutionary communism", "soviet marxism",
    "red fascism", "slavic fascism", "bureaucratic absolutism", "state interventionism", "pure socialism",
}


# Words by which a sentence gives someone's position rather than a fact.
ATTRIBUTION_VERBS = re.compile(
    r"\b(argu(?:e|es|ed|ing)|wr(?:ite|ites|ote)|contend\w*|believ\w*|consider(?:s|ed|ing)?|disput(?:es|ed|ing)|"
    r"claim(?:s|ed|ing)?|say(?:s|ing)?|said|critici[sz](?:e|es|ed|ing)|critical of|prais\w*|assert\w*|"
    r"stated|states(?=\s*:|\s+that)|not(?:es|ed) that|stress(?:es|ed)|emphasi[sz]ed|lament\w*|question(?:s|ed)|"
    r"caution\w*|according to|viewed|regard(?:s|ed)|recall\w*|relates|explains|cit(?:es|ed)|described|"
    r"accus\w*|conclu(?:des|ded)|denounc\w*|condemn\w*)\b", re.I)


@dataclass(frozen=True)
class Uncovered:
    doc_id: str
    passage_id: str
    section: str
    text: str
    reasons: tuple[str, ...]


def _spans(frames: dict[str, pd.DataFrame], names) -> pd.DataFrame:
    parts = [frames[n][["doc_id", "char_start", "char_end"]] for n in names if len(frames[n])]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["doc_id", "char_start", "char_end"])


def _waiver_spans(frames: dict[str, pd.DataFrame], what: str) -> pd.DataFrame:
    w = frames["waivers"]
    if "waives" in w:
        keep = np.array([what in (v or ("records",)) for v in w["waives"]], dtype=bool)
        w = w[keep]
    return w[["doc_id", "char_start", "char_end"]]


def _overlapped(passages: pd.DataFrame, spans: pd.DataFrame) -> np.ndarray:
    hit = np.zeros(len(passages), dtype=bool)
    for doc_id, sp in spans.groupby("doc_id"):
        mask = (passages["doc_id"] == doc_id).to_numpy()
        ps = passages["char_start"].to_numpy(dtype="int64")[:, None]
        pe = passages["char_end"].to_numpy(dtype="int64")[:, None]
        ss = sp["char_start"].to_numpy(dtype="int64")[None, :]
        se = sp["char_end"].to_numpy(dtype="int64")[None, :]
        hit |= mask & ((ss < pe) & (se > ps)).any(axis=1)
    return hit


def _prose(frames) -> pd.DataFrame:
    passages = frames["passages"]
    return passages[~passages["back_matter"] & (passages["passage_type"] != "heading")].reset_index(drop=True)


def uncovered(frames: dict[str, pd.DataFrame]) -> list[Uncovered]:
    passages = frames["passages"]
    prose = passages[~passages["back_matter"]].reset_index(drop=True)
    mentions = frames["mentions"]
    flagged = mentions[mentions["entity_type"].isin(FLAGGING_ENTITIES)]
    reasons = flagged.groupby("passage_id")["text"].agg(lambda s: tuple(dict.fromkeys(s)))
    cited = _overlapped(prose, _spans(frames, CITING_FRAMES)) | _overlapped(prose, _waiver_spans(frames, "records"))
    out = []
    for i, row in prose.iterrows():
        if cited[i] or row["passage_id"] not in reasons.index:
            continue
        out.append(Uncovered(row["doc_id"], row["passage_id"], row["section"], row["text"], reasons[row["passage_id"]]))
    return out


def untied(frames: dict[str, pd.DataFrame]) -> list[Uncovered]:
    """Sentences where two or more known actors stand with a relation verb, cited by no tie and not waived."""
    prose = _prose(frames)
    actors = frames["mentions"][frames["mentions"]["entity_type"] == "actor"]
    names = actors.groupby("passage_id")["entity_id"].agg(lambda s: tuple(dict.fromkeys(s)))
    tied = _overlapped(prose, _spans(frames, ["relations"])) | _overlapped(prose, _waiver_spans(frames, "ties"))
    out = []
    for i, row in prose.iterrows():
        ids = names.get(row["passage_id"], ())
        if tied[i] or len(ids) < 2:
            continue
        verbs = tuple(dict.fromkeys(m.group(0).lower() for m in RELATION_VERBS.finditer(row["text"])))
        if verbs:
            out.append(Uncovered(row["doc_id"], row["passage_id"], row["section"], row["text"],
                                 (*ids, "|", *verbs)))
    return out


def _norm(term: str) -> str:
    t = " ".join(term.lower().replace("’", "'").split())
    t = re.sub(r"^(the|party's)\s+", "", t)
    t = re.sub(r"\s+(movement|currents?|tendency|tendencies)$", "", t) if " " in t else t
    for suffix in ("ists", "ist", "ians", "ian", "ites", "ite", "s"):
        if t.endswith(suffix) and len(t) - len(suffix) >= 4:
            return t[: -len(suffix)]
    return t


def movement_terms(text: str) -> list[str]:
    """The movement, current or tendency names in one sentence (see MOVEMENT_TERMS), in order, once each."""
    out = []
    for m in MOVEMENT_TERMS.finditer(text):
        term = " ".join(m.group(0).split())
        if term.lower() in NOT_MOVEMENTS:
            continue
        if term not in out:
            out.append(term)
    return out


def _known_movement_names(frames) -> set[str]:
    """Normalised names a movement record answers to: every movement's name and the parts of a family's name
    ("Trotskyism and the Left Opposition"), and the aliases of movements inside a family (spellings of one
    movement). A family's other aliases are the currents it gathers, which need records of their own."""
    mv = frames["movements"]
    known = set()
    for r in mv.itertuples():
        parts = re.split(r"\s+and\s+(?:the\s+)?|\s*[(),]\s*", r.name)
        known |= {_norm(p) for p in parts if p}
        known.add(_norm(r.name))
        if r.family_id != r.movement_id:
            known |= {_norm(a) for a in r.aliases}
        else:
            # a family's own spellings: aliases that share their stem with a part of its name
            stems = {_norm(p).split()[0][:6] for p in parts if p.strip()}
            known |= {_norm(a) for a in r.aliases if _norm(a).split()[0][:6] in stems}
    return known


def unrecorded_movements(frames: dict[str, pd.DataFrame]) -> list[Uncovered]:
    """Sentences naming a movement, current or tendency that no movement record is named after, not waived."""
    prose = _prose(frames)
    known = _known_movement_names(frames)
    waived = _overlapped(prose, _waiver_spans(frames, "movements"))
    out = []
    for i, row in prose.iterrows():
        if waived[i]:
            continue
        missing = []
        for term in movement_terms(row["text"]):
            n = _norm(term)
            if n in known or any(n.endswith(" " + k) or n.startswith(k + " ") for k in known if " " not in k
                                 and n.split()[-1] == k):
                continue
            missing.append(term)
        if missing:
            out.append(Uncovered(row["doc_id"], row["passage_id"], row["section"], row["text"], tuple(missing)))
    return out


def _voiced(prose: pd.DataFrame, frames, ids_by_passage) -> np.ndarray:
    """True for sentences a record cites with one of the sentence's actors as its voice (according_to)."""
    hit = np.zeros(len(prose), dtype=bool)
    for name in ("events", "relations", "estimates"):
        df = frames[name]
        if not len(df):
            continue
        voiced = df[[bool(v) for v in df["according_to"]]]
        for i, row in enumerate(prose.itertuples()):
            if hit[i]:
                continue
            ids = set(ids_by_passage.get(row.passage_id, ()))
            near = voiced[(voiced["doc_id"] == row.doc_id) & (voiced["char_start"] < row.char_end)
                          & (voiced["char_end"] > row.char_start)]
            hit[i] = any(ids & set(v) for v in near["according_to"])
    return hit


def unclaimed(frames: dict[str, pd.DataFrame]) -> list[Uncovered]:
    """Sentences where a known actor stands with an attribution verb, cited by no claim (nor framing a question), by
    no record giving that actor as its voice, and not waived (waives: [claims])."""
    prose = _prose(frames)
    actors = frames["mentions"][frames["mentions"]["entity_type"] == "actor"]
    ids_by_passage = actors.groupby("passage_id")["entity_id"].agg(lambda s: tuple(dict.fromkeys(s))).to_dict()
    cited = _overlapped(prose, _spans(frames, ["claims", "questions"])) \
        | _overlapped(prose, _waiver_spans(frames, "claims"))
    cited |= _voiced(prose, frames, ids_by_passage)
    out = []
    for i, row in prose.iterrows():
        ids = ids_by_passage.get(row["passage_id"], ())
        if cited[i] or not ids:
            continue
        verbs = tuple(dict.fromkeys(m.group(0).lower() for m in ATTRIBUTION_VERBS.finditer(row["text"])))
        if verbs:
            out.append(Uncovered(row["doc_id"], row["passage_id"], row["section"], row["text"], (*ids, "|", *verbs)))
    return out


def report(frames: dict[str, pd.DataFrame]) -> tuple[str, int]:
    """A readable report and the number of sentences still to cite or waive (all four lists)."""
    lists = (
        ("mention a year, place or actor but are cited by no record", "mentions", uncovered(frames)),
        ("have two actors and a relation verb but no tie", "actors | verbs", untied(frames)),
        ("name a movement or current that has no movement record", "names", unrecorded_movements(frames)),
        ("have a known actor and an attribution verb but no claim", "actors | verbs", unclaimed(frames)),
    )
    lines = []
    for what, label, items in lists:
        for doc_id in frames["documents"]["doc_id"]:
            mine = [u for u in items if u.doc_id == doc_id]
            lines.append(f"== {doc_id}: {len(mine)} sentence(s) {what}")
            for u in mine:
                lines.append(f"- [{u.passage_id}] ({u.section or 'intro'}) {label}: {', '.join(u.reasons)}")
                lines.append(f"    {u.text}")
    counts = [len(items) for _, _, items in lists]
    lines.append(f"total uncovered: {counts[0]} · untied: {counts[1]} · unrecorded movements: {counts[2]} · "
                 f"unclaimed: {counts[3]}")
    return "\n".join(lines), sum(counts)
