"""Small text formatters every view shares: years, figures, quote previews, escaping for Plotly hover text.

Plotly hover and label text is HTML-ish: anything from the data goes through esc() first.
"""

from __future__ import annotations

from types import MappingProxyType

import math

import pandas as pd

# What each kind of record is called, by its frame (source panel, table, downloads).
KIND_LABELS = MappingProxyType({"events": "Event", "places": "Place", "routes": "Deportation route", "actors": "Actor",
               "relations": "Tie", "estimates": "Estimate", "periods": "Named period", "claims": "Claim"})
QUOTE_PREVIEW_CHARS = 140
HOVER_LINE_CHARS = 60


def esc(s) -> str:
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def years_label(ys, ye=None, note=None) -> str:
    if ys is None or pd.isna(ys):
        return "undated" if ye is None or pd.isna(ye) else f"until {int(ye)}"
    label = f"{int(ys)}" if ye is None or pd.isna(ye) or int(ye) == int(ys) else f"{int(ys)}–{int(ye)}"
    return f"{label} ({note})" if isinstance(note, str) and note else label


def wrap(text: str, width: int = HOVER_LINE_CHARS) -> str:
    lines, cur = [], ""
    for w in text.split(" "):
        if cur and len(cur) + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "<br>".join(lines)


def preview(quote: str, n: int = QUOTE_PREVIEW_CHARS) -> str:
    """The quote's start, escaped and wrapped for a hover label."""
    q = quote if len(quote) <= n else quote[: n - 1].rsplit(" ", 1)[0] + "…"
    return wrap(esc(q))


def fmt_num(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v):
        return ""
    v = float(v)
    return f"{int(v):,}" if v.is_integer() else f"{v:,}"


def fmt_range(low, high, qualifier=None, unit: str = "") -> str:
    """'600,000 – 1,000,000+' style: a range as the text gives it."""
    lo, hi = fmt_num(low), fmt_num(high)
    q = f"{qualifier} " if isinstance(qualifier, str) and qualifier and qualifier != "exact" else ""
    suffix = "%" if unit == "percent" else ""
    if lo and hi and lo != hi:
        return f"{q}{lo}{suffix} – {hi}{suffix}"
    if lo and not hi:
        return f"{q}{lo}{suffix}+" if q.strip() in ("over", "more than", "") else f"{q}{lo}{suffix}"
    return f"{q}{hi or lo}{suffix}"


def outside_note(value) -> str:
    return value if isinstance(value, str) and value else ""
