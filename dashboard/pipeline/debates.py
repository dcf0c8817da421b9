"""Where the sources disagree: the disagreements frame, derived from the built records.

Belongs here: finding the records that tell one thing with different years or figures — records of one happening
(a shared `happening_id`) whose years differ, estimates of one happening in the two texts whose figures differ, and
the curated pairs of data/**/comparisons.yaml that no shared happening links — and reading each side's value as its
quote states it ("in the 1930s", "from 600,000 to over 1 million").
Does not belong here: the curated questions and claims (records.py parses them like every record) or any drawing.
"""

from __future__ import annotations

import math
import re
from itertools import combinations
from types import MappingProxyType

import pandas as pd

_YEAR = r"(?:1[89]\d\d|20[0-2]\d)"
# A date as a sentence writes it: "in the 1930s", "from 1936 to 1938", "between 1924 and 1953", "1936–1938".
_DATE_PHRASE = re.compile(
    rf"\b(?:(?:at\s+)?the\s+(?:start|end|beginning)\s+of\s+)?"
    rf"(?:(?:from|between|in|during|since|until|by|after|before|around|about|of)\s+)?(?:the\s+)?"
    rf"(?:(?:early|mid-|late)\s*)?(pre-)?({_YEAR})(s?)"
    rf"(?:\s*(?:to|–|-|and|through|until)\s*({_YEAR}|\d\d)(s?))?(?!\d)", re.I)
_NUM = r"\d[\d,]*(?:\.\d+)?(?:\s*(?:million|thousand|billion))?"
# A figure as a sentence writes it: "nearly 700,000", "from 600,000 to over 1 million", "up to 43%".
_FIGURE_PHRASE = re.compile(
    rf"\bbetween\s+({_NUM})\s+and\s+({_NUM})%?"
    rf"|\b(?:(?:from|nearly|about|around|over|more than|up to|almost|some|an estimated|a total of)\s+)?"
    rf"({_NUM})(?:\s*(?:to|–|-)\s*(?:(?:over|more than)\s+)?({_NUM}))?%?")
_SCALE = MappingProxyType({"million": 1e6, "thousand": 1e3, "billion": 1e9})


def _number(s: str) -> float | None:
    m = re.match(r"([\d,]*\.?\d+)\s*(million|thousand|billion)?", s.strip())
    if not m:
        return None
    try:
        return float(m.group(1).replace(",", "")) * _SCALE.get(m.group(2) or "", 1)
    except ValueError:
        return None


def _phrase_years(m: re.Match) -> tuple[int | None, int]:
    start = int(m.group(2))
    if m.group(1):  # "pre-1924": until the year before
        return None, start - 1
    end = start + 9 if m.group(3) else start
    if m.group(4):
        e = m.group(4)
        e = int(e) if len(e) == 4 else int(str(start)[:2] + e)  # "1956–64"
        end = e + 9 if m.group(5) else e
    return start, end


def _bound(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def stated_date(quote: str, year_start, year_end) -> tuple[str, tuple[int | None, int | None]]:
    """The words of `quote` that give the record's date, and the years they span; ('', record's bounds) when the
    quote writes no year. The phrase whose years are the record's own wins, then one that touches them."""
    lo, hi = _bound(year_start), _bound(year_end)
    best, best_score = None, -1
    for m in _DATE_PHRASE.finditer(quote):
        s, e = _phrase_years(m)
        s0 = -math.inf if s is None else s
        score = 3 if (s, e) == (lo, hi) else 2 if (lo is None or s0 <= lo <= e) and (hi is None or s0 <= hi <= e) \
            else 1 if (lo is not None and s0 <= lo <= e) or (hi is not None and s0 <= hi <= e) else 0
        if score > best_score:
            best, best_score = (m.group(0).strip(), (s, e)), score
    if best is None or best_score == 0:
        return "", (lo, hi)
    return best


def stated_figure(quote: str, low, high) -> str:
    """The words of `quote` that give the estimate's figure ("nearly 700,000"); '' when none matches it."""
    want = {v for v in (low, high) if v is not None and not (isinstance(v, float) and math.isnan(v))}
    for m in _FIGURE_PHRASE.finditer(quote):
        nums = {_number(g) for g in m.groups() if g}
        if nums & want:
            return m.group(0).strip()
    return ""


def _figure_text(low, high, qualifier: str, unit: str) -> str:
    def f(v):
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,}"
    has_low = low is not None and not pd.isna(low)
    has_high = high is not None and not pd.isna(high)
    if has_low and has_high:
        core = f(low) if low == high else f"{f(low)}–{f(high)}"
    elif has_low:
        core = f"{f(low)} or more (no upper bound)"
    elif has_high:
        core = f"at most {f(high)}"
    else:
        core = "?"
    q = (qualifier or "").strip()
    q = "" if q in ("exact", "range", "over") else q + " "
    return f"{q}{core} {unit}".strip()


def _overlap(a: tuple, b: tuple) -> str:
    """contained (one span inside the other), overlapping or disjoint; an open end reaches as far as it can."""
    a0, a1 = (-math.inf if a[0] is None else a[0]), (math.inf if a[1] is None else a[1])
    b0, b1 = (-math.inf if b[0] is None else b[0]), (math.inf if b[1] is None else b[1])
    if (b0 <= a0 and a1 <= b1) or (a0 <= b0 and b1 <= a1):
        return "contained"
    if a0 <= b1 and b0 <= a1:
        return "overlapping"
    return "disjoint"


def _side(row: dict, ids: list[str], basis: str) -> dict:
    if basis == "dates":
        value, span = stated_date(row["quote"], row.get("year_start"), row.get("year_end"))
        figure, when = "", row.get("when") or ""
    else:
        value = stated_figure(row["quote"], row.get("low"), row.get("high"))
        lo = row.get("low")
        hi = row.get("high")
        span = (None if lo is None or pd.isna(lo) else lo, None if hi is None or pd.isna(hi) else hi)
        figure, when = _figure_text(lo, hi, row.get("qualifier") or "", row.get("unit") or ""), ""
    if not value:  # the quote writes no year or figure: the record's own reading, said to be one
        value = f"{when or figure} (read from its context: the quote gives no {'year' if when else 'figure'})"
    return {"record_ids": tuple(ids), "doc_id": row["doc_id"], "value": value, "when": when,
            "figure": figure, "quote": row["quote"], "char_start": int(row["char_start"]),
            "char_end": int(row["char_end"]), "passage_id": row["passage_id"], "_span": span}


def _row(did: str, basis: str, found_by: str, happening: str, comparison: str, what: str, a: dict, b: dict,
         note: str = "") -> dict:
    out = {"disagreement_id": did, "basis": basis, "found_by": found_by, "happening_id": happening,
           "comparison_id": comparison, "what": what, "overlap": _overlap(a["_span"], b["_span"]), "note": note}
    for x, side in (("a", a), ("b", b)):
        out.update({f"{x}_{k}": v for k, v in side.items() if not k.startswith("_")})
    return out


def _order(df: pd.DataFrame, doc_order: dict[str, int]) -> pd.DataFrame:
    return df.assign(_d=df["doc_id"].map(doc_order)).sort_values(["_d", "char_start"], kind="stable")


def _groups(df: pd.DataFrame, key) -> list[tuple[tuple, list[str], dict]]:
    """Distinct values of `key` in reading order: (value, ids of the records stating it, the first record)."""
    out: dict[tuple, tuple[list[str], dict]] = {}
    for r in df.to_dict("records"):
        k = key(r)
        if k not in out:
            out[k] = ([], r)
        out[k][0].append(r["_id"])
    return [(k, ids, first) for k, (ids, first) in out.items()]


def _year_key(r: dict) -> tuple:
    return _bound(r.get("year_start")), _bound(r.get("year_end"))


def _figure_key(r: dict) -> tuple:
    def v(x):
        return None if x is None or pd.isna(x) else float(x)
    return v(r.get("low")), v(r.get("high"))


def disagreements(frames: dict[str, pd.DataFrame], comparisons: list[dict]) -> list[dict]:
    """Every disagreement, one row per pair of differing values (see the module docstring)."""
    doc_order = {d: i for i, d in enumerate(frames["documents"]["doc_id"])}
    rows: list[dict] = []
    events = _order(frames["events"].assign(_id=frames["events"]["event_id"]), doc_order)
    for hp, grp in events.groupby("happening_id", sort=True):
        if len(grp) < 2:
            continue
        values = _groups(grp, _year_key)
        what = grp.iloc[0]["label"]
        for n, ((_, ids_a, ra), (_, ids_b, rb)) in enumerate(combinations(values, 2), start=1):
            rows.append(_row(f"dis_{hp}_dates_{n}", "dates", "happening", hp, "", what,
                             _side(ra, ids_a, "dates"), _side(rb, ids_b, "dates")))
    happening_of = dict(zip(frames["events"]["event_id"], frames["events"]["happening_id"]))
    est = frames["estimates"].assign(_id=frames["estimates"]["estimate_id"])
    est = est[est["event_id"].notna() & (est["event_id"] != "")]
    est = _order(est.assign(_hp=est["event_id"].map(happening_of)), doc_order)
    for (hp, _unit), grp in est.groupby(["_hp", "unit"], sort=True):
        if grp["doc_id"].nunique() < 2:
            continue
        values = _groups(grp, _figure_key)
        n = 0
        for (_, ids_a, ra), (_, ids_b, rb) in combinations(values, 2):
            if ra["doc_id"] == rb["doc_id"]:  # figures of one text for one happening count different things
                continue
            n += 1
            rows.append(_row(f"dis_{hp}_figures_{n}", "figures", "happening", hp, "", ra["what"],
                             _side(ra, ids_a, "figures"), _side(rb, ids_b, "figures")))
    by_id = {}
    for kind, key in (("events", "event_id"), ("periods", "period_id"), ("estimates", "estimate_id"),
                      ("routes", "route_id"), ("relations", "relation_id")):
        for r in frames[kind].to_dict("records"):
            by_id[r[key]] = (kind, r)
    for c in comparisons:
        (ka, ra), (kb, rb) = (by_id[i] for i in c["record_ids"])
        basis = "figures" if ka == "estimates" else "dates"
        rows.append(_row(f"dis_{c['comparison_id']}", basis, "comparison", "", c["comparison_id"], c["what"],
                         _side(ra, [c["record_ids"][0]], basis), _side(rb, [c["record_ids"][1]], basis),
                         c.get("note") or ""))
    return rows
