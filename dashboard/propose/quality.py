"""How well `propose` recovers the curated records, measured on the corpus's own texts.

Belongs here: running propose over the corpus's texts with only its vocabulary of names (actors, places,
movements) and comparing the drafts with the curated records. The matching rules:
- an event is recovered when a draft event cites the same sentence (the passage its quote starts in) and its years
  overlap the curated event's years (`when` read by dashboard.dates; an open end reaches to the end of time);
  "strict" when the first year is also the same (or both starts are open). Curated events with no `when` of
  the text (only `when_refined`) have no pair and are counted apart;
- a tie is recovered when a draft tie cites the same sentence and joins the same unordered pair of actors;
- every sentence of prose (not back matter) with a year (the corpus's YEAR_RE) that no waiver of `records`
  covers must have a draft event.
Does not belong here: the thresholds (the tests hold them) or proposing itself (drafts.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dashboard.dates import parse_when
from dashboard.pipeline.mentions import YEAR_RE
from dashboard.propose.drafts import Proposal, propose, vocabulary_from_frames


@dataclass(frozen=True)
class Quality:
    events: int  # curated events with a date of the text
    events_recovered: int
    events_strict: int
    events_undated: int  # curated events with no `when` (only when_refined): no pair to recover
    draft_events: int
    draft_events_matching: int
    ties: int
    ties_recovered: int
    draft_ties: int
    draft_ties_matching: int
    year_sentences: int  # prose sentences with a year no waiver covers
    year_sentences_with_event: int
    missed_year_sentences: tuple[str, ...]
    missed_events: tuple[str, ...]
    missed_ties: tuple[str, ...]
    confident_ties: int = 0  # draft ties with confidence ≥ CONFIDENT
    confident_ties_matching: int = 0

    @property
    def event_recall(self) -> float:
        return self.events_recovered / self.events if self.events else 1.0

    @property
    def tie_recall(self) -> float:
        return self.ties_recovered / self.ties if self.ties else 1.0

    def lines(self) -> list[str]:
        pct = lambda a, b: f"{a}/{b} ({100 * a / b:.0f} %)" if b else "0/0"  # noqa: E731
        return [
            f"events recovered (same sentence, overlapping years): {pct(self.events_recovered, self.events)}; "
            f"same first year too: {pct(self.events_strict, self.events)}; {self.events_undated} curated events "
            "have no date of the text",
            f"draft events matching a curated one: {pct(self.draft_events_matching, self.draft_events)}",
            f"ties recovered (same sentence, same pair): {pct(self.ties_recovered, self.ties)}",
            f"draft ties matching a curated one: {pct(self.draft_ties_matching, self.draft_ties)}; of those with "
            f"confidence ≥ {CONFIDENT}: {pct(self.confident_ties_matching, self.confident_ties)}",
            f"sentences with a year and no waiver that have a draft event: "
            f"{pct(self.year_sentences_with_event, self.year_sentences)}",
        ]


# The confidence above which a draft counts as confident in the figures.
CONFIDENT = 0.5


def _span(when: str) -> tuple[float, float] | None:
    if not when:
        return None
    w = parse_when(when)
    return (-math.inf if w.start is None else w.start, math.inf if w.end is None else w.end)


def _overlap(a, b) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def proposals(frames) -> dict[str, Proposal]:
    """propose() over every text of the corpus, with only its vocabulary of names."""
    vocab = vocabulary_from_frames(frames)
    docs = frames["documents"]
    return {r.doc_id: propose(r.text, r.doc_id, vocab, r.title) for r in docs.itertuples()}


def measure(frames, props: dict[str, Proposal] | None = None) -> Quality:
    props = props if props is not None else proposals(frames)
    drafts = [d for p in props.values() for d in p.drafts]
    d_events = [(d.passage_id, _span(d.record["when"])) for d in drafts if d.kind == "events"]
    by_pid: dict[str, list] = {}
    for pid, span in d_events:
        by_pid.setdefault(pid, []).append(span)

    ev = frames["events"]
    curated, undated, recovered, strict, missed = [], 0, 0, 0, []
    for r in ev.itertuples():
        span = _span(r.when)
        if span is None:
            undated += 1
            continue
        curated.append((r.passage_id, span))
        hits = [s for s in by_pid.get(r.passage_id, ()) if _overlap(s, span)]
        if hits:
            recovered += 1
            strict += any(s[0] == span[0] for s in hits)
        else:
            missed.append(f"{r.event_id} ({r.when}) [{r.passage_id}]")
    matching = sum(1 for pid, s in d_events if any(p == pid and _overlap(s, c) for p, c in curated))

    rel = frames["relations"]
    cur_ties = {(r.passage_id, frozenset((r.source_id, r.target_id))): r.relation_id for r in rel.itertuples()}
    d_ties = {(d.passage_id, frozenset((d.record["source_id"], d.record["target_id"]))) for d in drafts
              if d.kind == "relations"}
    sure = {(d.passage_id, frozenset((d.record["source_id"], d.record["target_id"]))) for d in drafts
            if d.kind == "relations" and d.confidence >= CONFIDENT}
    ties_missed = tuple(f"{rid} [{key[0]}]" for key, rid in cur_ties.items() if key not in d_ties)

    passages = frames["passages"]
    prose = passages[~passages["back_matter"] & passages["passage_type"].isin(("sentence", "list_item"))]
    waivers = frames["waivers"]
    waived = [(w.doc_id, w.char_start, w.char_end) for w in waivers.itertuples() if "records" in (w.waives or
                                                                                                    ("records",))]
    year_pids, missed_years = [], []
    for p in prose.itertuples():
        if not YEAR_RE.search(p.text):
            continue
        if any(doc == p.doc_id and s < p.char_end and e > p.char_start for doc, s, e in waived):
            continue
        year_pids.append(p.passage_id)
        if p.passage_id not in by_pid:
            missed_years.append(f"[{p.passage_id}] {p.text[:100]}")
    return Quality(
        events=len(curated), events_recovered=recovered, events_strict=strict, events_undated=undated,
        draft_events=len(d_events), draft_events_matching=matching,
        ties=len(cur_ties), ties_recovered=len(cur_ties) - len(ties_missed), draft_ties=len(d_ties),
        draft_ties_matching=len(d_ties & set(cur_ties)), confident_ties=len(sure),
        confident_ties_matching=len(sure & set(cur_ties)),
        year_sentences=len(year_pids), year_sentences_with_event=len(year_pids) - len(missed_years),
        missed_year_sentences=tuple(missed_years), missed_events=tuple(missed), missed_ties=ties_missed)


def main() -> int:
    """Print the figures (the README's "Bring your own text" section quotes them)."""
    from dashboard.pipeline.build import cached_frames

    print("\n".join(measure(cached_frames()).lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
