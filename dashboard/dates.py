"""Dates as the texts support them: EDTF strings (ISO 8601-2, level 1) and the year bounds derived from them.

Belongs here: reading one `when` string into its years and its uncertainty (open, unknown or approximate ends),
and writing a pair of years back as EDTF. Pure and fast (no third-party parser): the build also checks every
string with the `edtf` package, so a string this module reads is valid EDTF.
Does not belong here: which date a record carries (data/**.yaml) or how a view draws it (views/*).

The subset used by the data:
  1937            one year                 1937-06, 1928-23   a month, a season (21–24) of a year
  1939/1949       a closed range           1934~/1936~        approximate ends (~ approximate, ? uncertain, % both)
  1924/..         from 1924, open end      ../1940            until 1940, open start
  1924/           from 1924, end unknown   /1940              start unknown
  193X            a decade (1930–1939)     19XX               a century
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_POINT = re.compile(r"^(?P<year>-?[0-9X]{4})(?:-(?P<month>[0-9X]{2})(?:-(?P<day>[0-9X]{2}))?)?(?P<q>[~?%])?$")


@dataclass(frozen=True)
class When:
    """One EDTF date read into years. `start`/`end` are the first and last year it covers (inclusive); None when
    that end is open ('..') or unknown (''). An approximate end (~, ?, %) keeps its year."""

    text: str
    start: int | None
    end: int | None
    start_open: bool = False  # no known start: open ('..') or unknown ('')
    end_open: bool = False
    start_approximate: bool = False
    end_approximate: bool = False

    @property
    def is_range(self) -> bool:
        return "/" in self.text

    @property
    def uncertain(self) -> bool:
        return self.start_open or self.end_open or self.start_approximate or self.end_approximate


def _point(s: str) -> tuple[int, int, bool]:
    """(first year, last year, approximate) of one EDTF date (no interval)."""
    m = _POINT.match(s)
    if not m:
        raise ValueError(f"not an EDTF date: {s!r}")
    y = m.group("year")
    month = m.group("month")
    if month is not None and not (month.isdigit() and (1 <= int(month) <= 12 or 21 <= int(month) <= 24)):
        raise ValueError(f"not an EDTF month or season: {s!r}")
    if "X" in y:
        if not re.fullmatch(r"-?[0-9]*X+", y):
            raise ValueError(f"unspecified digits must come last: {s!r}")
        lo, hi = int(y.replace("X", "0")), int(y.replace("X", "9"))
    else:
        lo = hi = int(y)
    return lo, hi, m.group("q") is not None


def parse_when(text: str) -> When:
    """Read one EDTF string; ValueError with the reason when it is not one this project uses."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("an empty date")
    s = text.strip()
    if "/" not in s:
        lo, hi, approx = _point(s)
        return When(s, lo, hi, start_approximate=approx, end_approximate=approx)
    a, _, b = s.partition("/")
    if "/" in b:
        raise ValueError(f"an interval has one '/': {s!r}")
    if a in ("", "..") and b in ("", ".."):
        raise ValueError(f"an interval needs at least one known end: {s!r}")
    start = end = None
    sa = ea = False
    if a not in ("", ".."):
        start, _, sa = _point(a)
    if b not in ("", ".."):
        _, end, ea = _point(b)
    if start is not None and end is not None and end < start:
        raise ValueError(f"the end comes before the start: {s!r}")
    return When(s, start, end, start_open=start is None, end_open=end is None, start_approximate=sa,
                end_approximate=ea)


def when_words(when, *, asides: bool = False) -> str:
    """An EDTF date in words: '1937', '1939–1949', 'the 1930s', 'from 1924', 'until 1940', 'about 1934 – about
    1936'; 'undated' for none, the string itself when it does not parse. `asides`: an open end is said so, as the
    source panel says it ('from 1924 (end open)')."""
    if not isinstance(when, str) or not when:
        return "undated"
    try:
        d = parse_when(when)
    except ValueError:
        return when
    if "X" in when and "/" not in when:
        return f"the {d.start}s" if d.end - d.start == 9 else f"{d.start}–{d.end}"

    def year(y, approx):
        return ("about " if approx else "") + str(y)

    if d.start is None:
        return f"until {year(d.end, d.end_approximate)}" + (" (start open)" if asides else "")
    if d.end is None:
        return f"from {year(d.start, d.start_approximate)}" + (" (end open)" if asides else "")
    if d.start == d.end and d.start_approximate == d.end_approximate:
        return year(d.start, d.start_approximate)
    return f"{year(d.start, d.start_approximate)}–{year(d.end, d.end_approximate)}"


def when_of_years(start: int | None, end: int | None = None) -> str:
    """'1937', '1939/1949', '1924/..' (no end), '../1940' (no start); '' when undated."""
    if start is None and end is None:
        return ""
    if start is None:
        return f"../{end}"
    if end is None:
        return f"{start}/.."
    return f"{start}" if start == end else f"{start}/{end}"


def shifted(text: str, years: int) -> str:
    """`text` with every year moved by `years` (for synthetic test corpora); '' stays ''."""
    if not text:
        return text
    return re.sub(r"(?<![0-9X])(\d{4})(?![0-9])", lambda m: f"{min(max(int(m.group(1)) + years, 1800), 2030)}",
                  text)


@lru_cache(maxsize=4096)
def edtf_problem(text: str) -> str | None:
    """Why `text` is not valid EDTF per the `edtf` package (build time only), or None. Remembered per string: the
    package's parser takes a few ms a date, and the records repeat their dates."""
    try:
        from edtf import parse_edtf
        from edtf.parser.edtf_exceptions import EDTFParseException
    except ImportError:  # pragma: no cover - the build's dependencies include edtf
        return None
    try:
        parse_edtf(text)
    except EDTFParseException as e:
        return str(e).splitlines()[0] if str(e) else "does not parse"
    except Exception as e:  # noqa: BLE001 - the parser raises plain errors for some malformed strings
        return f"does not parse ({type(e).__name__})"
    return None


# Date modes of the views (selection.DATE_MODES): the refined date where a record has one, or the texts' own.
MODES = ("refined", "text")
# An open end ('1924/..': "from late 1924") counts for this many years after its known bound when filtering by
# period, and the views draw those years fading; an open start ('../1940': "until 1940") the same before its end.
# Long enough that "from 1936" still holds in 1938, short enough that it does not reach the next era.
OPEN_END_YEARS = 5


@dataclass(frozen=True, eq=False)
class YearArrays:
    """The dates of one frame's rows as arrays aligned with the frame, for one date mode. Years are floats, NaN
    where that end is open, unknown or undated; the flags say which."""

    start: np.ndarray
    end: np.ndarray
    start_open: np.ndarray  # bool: no known start ('../1940', '/1940')
    end_open: np.ndarray  # bool: no known end ('1924/..', '1924/')
    start_approximate: np.ndarray
    end_approximate: np.ndarray
    refined: np.ndarray  # bool: the date drawn is when_refined (from outside the texts)
    when: tuple[str, ...]  # the EDTF string drawn, per row ('' when undated)


def year_arrays(df, mode: str = "refined") -> YearArrays:
    """Read the `when` (and, in mode 'refined', `when_refined`) column of a built frame into YearArrays."""
    n = len(df)
    whens = list(df["when"]) if "when" in df else [""] * n
    refined_col = list(df["when_refined"]) if (mode == "refined" and "when_refined" in df) else [""] * n
    out = {k: np.zeros(n, dtype=bool) for k in ("start_open", "end_open", "start_approximate", "end_approximate",
                                                 "refined")}
    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    drawn = []
    for i, (w, r) in enumerate(zip(whens, refined_col)):
        text = r if isinstance(r, str) and r else (w if isinstance(w, str) else "")
        drawn.append(text)
        if not text:
            continue
        d = parse_when(text)
        start[i] = np.nan if d.start is None else d.start
        end[i] = np.nan if d.end is None else d.end
        out["start_open"][i], out["end_open"][i] = d.start_open, d.end_open
        out["start_approximate"][i], out["end_approximate"][i] = d.start_approximate, d.end_approximate
        out["refined"][i] = text is r and bool(r)
    for a in (start, end, *out.values()):
        a.setflags(write=False)
    return YearArrays(start=start, end=end, when=tuple(drawn), **out)
