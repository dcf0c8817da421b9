"""The annotator's to-do list: sentences that mention a year, a known place or a known actor, cited by no record.

A sentence counts as cited when any record's quote overlaps it; a waiver (data/**/waivers.yaml) explains one
that needs no record. Back matter (See also, References, bibliography) is not prose and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.schema import SELECTABLE

CITING_FRAMES = (*SELECTABLE, "movements")
FLAGGING_ENTITIES = ("year", "place", "actor")


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


def uncovered(frames: dict[str, pd.DataFrame]) -> list[Uncovered]:
    passages = frames["passages"]
    prose = passages[~passages["back_matter"]].reset_index(drop=True)
    mentions = frames["mentions"]
    flagged = mentions[mentions["entity_type"].isin(FLAGGING_ENTITIES)]
    reasons = flagged.groupby("passage_id")["text"].agg(lambda s: tuple(dict.fromkeys(s)))
    cited = _overlapped(prose, _spans(frames, CITING_FRAMES)) | _overlapped(prose, _spans(frames, ["waivers"]))
    out = []
    for i, row in prose.iterrows():
        if cited[i] or row["passage_id"] not in reasons.index:
            continue
        out.append(Uncovered(row["doc_id"], row["passage_id"], row["section"], row["text"], reasons[row["passage_id"]]))
    return out


def report(frames: dict[str, pd.DataFrame]) -> tuple[str, int]:
    """A readable report and the number of uncovered sentences."""
    items = uncovered(frames)
    lines = []
    for doc_id in frames["documents"]["doc_id"]:
        mine = [u for u in items if u.doc_id == doc_id]
        lines.append(f"== {doc_id}: {len(mine)} sentence(s) mention a year, place or actor but are cited by no record")
        for u in mine:
            lines.append(f"- [{u.passage_id}] ({u.section or 'intro'}) mentions: {', '.join(u.reasons)}")
            lines.append(f"    {u.text}")
    lines.append(f"total uncovered: {len(items)}")
    return "\n".join(lines), len(items)
