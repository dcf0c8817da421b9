"""The "Add a text" page's pure model (its first part): a text being added, read whole with its proposals — the
coverage view of dashboard.views.coverage_view over the proposal's own sentences, each sentence shaded where a
draft record cites it, every draft carrying its review status, the reviewer's decisions applied.

Belongs here: review_frames(corpus, proposal, decisions) — the frames the coverage model reads, built from a
Proposal (dashboard.propose.drafts) without a build: its document, passages, mentions (the proposal's known names
plus the years the corpus's own YEAR_RE finds), its drafts not rejected as records of their kind, and the corpus's
actors for names — and review_model(corpus, proposal, decisions) → CoverageModel.
Does not belong here: proposing (dashboard.propose), what counts as covered (dashboard.pipeline.coverage), the Dash
page, its upload and its callbacks (not written yet), and any dash or flask import.

Decisions map a draft's record id to "accepted", "rejected" or "proposed" (the default: the draft's own status). A
rejected draft cites nothing, so its sentence falls back to uncovered ("left") when it names a year or a known name.
The drafts are not records of the dashboard yet: the page lists them without links (`selectable=False`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping

import pandas as pd

from dashboard.pipeline.coverage import CITING_FRAMES
from dashboard.pipeline.mentions import YEAR_RE
from dashboard.schema import FRAME_NAMES, PRIMARY_KEY
from dashboard.views.coverage_view import CoverageModel, coverage_model

DECISIONS = ("proposed", "accepted", "rejected")
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
