"""Date expressions in a sentence → EDTF `when` strings with their `date_note`, following data/README.md's rules.

Belongs here: finding every date expression in one piece of text — years, ranges ("1936–1938", "1956–64",
"between 1924 and 1953", "from 1927 to 1953"), decades ("the 1930s", "late 1960s", "the 1930s and 1940s"), months
and seasons ("in June 1956", "the autumn of 1924"), approximations ("around 1929"), centuries, and open phrases
("from 1924", "after 1933", "after Stalin's death in 1953", "until 1940", "1936 onward", "pre-1924") — and reading
each into EDTF. Open phrases stay open (the start is never copied into the end); vague words become ranges or
approximations and say so in the note, which quotes the words read.
Does not belong here: which record a date goes to (drafts.py), or reading EDTF back into years (dashboard.dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

from dashboard.pipeline.mentions import YEAR_RE

MONTHS = MappingProxyType({m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"), start=1)})
# EDTF level 1 seasons: 21 spring, 22 summer, 23 autumn, 24 winter.
SEASONS = MappingProxyType({"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24})
# A vague part of a decade read as a range of its years (data/README.md: "late 1920s" → 1927/1929, "early 1980s" →
# 1980/1983, "mid-1930s" → 1934~/1936~): (first, last, EDTF qualifier).
DECADE_PARTS = MappingProxyType({"early": (0, 3, ""), "start of": (0, 3, "~"), "mid": (4, 6, "~"),
                                 "late": (7, 9, ""), "end of": (7, 9, "~")})


def _y(name: str) -> str:
    return rf"(?<!\d)(?<!\d[,.])(?P<{name}>1[89]\d\d|20[0-2]\d|2030)(?!\d|[,.]\d)"


def _date(p: str) -> str:
    """A year with an optional vague word, season or month before it: 'late 1924', 'the autumn of 1924', 'June 1956'."""
    months = "|".join(m.capitalize() for m in MONTHS)
    return (rf"(?:(?:early|late|mid-?)\s*)?(?:the\s+)?(?:(?P<{p}s>spring|summer|autumn|fall|winter)\s+(?:of\s+)?)?"
            rf"(?:(?P<{p}m>{months})\s+)?" + _y(p + "y"))


_MONTH = "|".join(m.capitalize() for m in MONTHS)


@dataclass(frozen=True)
class DateExpr:
    """One date expression: where it stands in the text it was found in, and its EDTF reading."""

    start: int
    end: int
    text: str
    when: str
    date_note: str
    kind: str  # year, range, decade, month, season, approx, century, open_end, open_start

    @property
    def open(self) -> bool:
        return self.kind in ("open_end", "open_start")


def _point(m: re.Match, p: str) -> str:
    """The EDTF point of the _date(p) group: a year, a month of it or a season of it."""
    year = m.group(p + "y")
    if m.group(p + "m"):
        return f"{year}-{MONTHS[m.group(p + 'm').lower()]:02d}"
    if m.group(p + "s"):
        return f"{year}-{SEASONS[m.group(p + 's').lower()]}"
    return year


def _before(point: str) -> str:
    """The last EDTF point strictly before `point` ('1940' → '1939', '1956-06' → '1956-05', '1924-23' → '1924-22')."""
    y, _, sub = point.partition("-")
    if not sub:
        return str(int(y) - 1)
    n = int(sub)
    if n in (1, 21):
        return f"{int(y) - 1}-{12 if n == 1 else 24}"
    return f"{y}-{n - 1:02d}"


def _q(m: re.Match) -> str:
    return '"' + " ".join(m.group(0).split()) + '"'


def _between(m):
    a, b = _point(m, "a"), _point(m, "b")
    return (f"{a}/{b}", _q(m), "range") if int(m.group("by")) > int(m.group("ay")) else None


def _from_to(m):
    a = int(m.group("ay"))
    if m.group("b2"):
        b = (a // 100) * 100 + int(m.group("b2"))
        end = str(b)
    else:
        b = int(m.group("by"))
        end = _point(m, "b")
        day = m.groupdict().get("bd")
        if day and m.group("bm") and 1 <= int(day) <= 31:
            end += f"-{int(day):02d}"
    if b <= a or b > 2030:
        return None
    return f"{_point(m, 'a')}/{end}", _q(m), "range"


def _consecutive(m):
    """"in 1937 and 1938": two consecutive years read as the span they make; other pairs stay two dates."""
    a, b = int(m.group("ay")), int(m.group("by"))
    if b != a + 1 or m.group("am") or m.group("as") or m.group("bm") or m.group("bs"):
        return None
    return f"{a}/{b}", f"{_q(m)}: read as {a}–{b}", "range"


def _dash_range(m):
    a = int(m.group("ay"))
    if m.group("now"):
        return f"{a}/..", f"{_q(m)} (open end)", "open_end"
    raw = m.group("b")
    b = int(raw) if len(raw) == 4 else (a // 100) * 100 + int(raw)
    if b <= a or b > 2030:
        return None
    return f"{a}/{b}", "" if len(raw) == 4 else f"{_q(m)}: read as {a}–{b}", "range"


def _decades(m):
    a, b = int(m.group("a")), int(m.group("b"))
    return (f"{a}/{b + 9}", f"{_q(m)}: read as {a}–{b + 9}", "range") if b > a else None


def _decade(m):
    y0 = int(m.group("y"))
    part = " ".join((m.group("part") or "").lower().replace("the", " ").split()).rstrip("-")
    if not part:
        return f"{str(y0)[:3]}X", _q(m), "decade"
    lo, hi, q = DECADE_PARTS[part]
    return (f"{y0 + lo}{q}/{y0 + hi}{q}", f"{_q(m)}: read as {y0 + lo}–{y0 + hi}" + (" (approximate)" if q else ""),
            "decade")


def _open_century(m):
    n = int(m.group("n"))
    if n not in (19, 20):
        return None
    y = (n - 1) * 100 + 50
    return f"../{y}~", f"{_q(m)}: no start given; the end read as about {y} (open start)", "open_start"


def _century(m):
    n = int(m.group("n"))
    if n not in (19, 20, 21):
        return None
    base = (n - 1) * 100
    part = (m.group("part") or "").lower().rstrip("-")
    if part == "mid":
        return f"{base + 50}~", f"{_q(m)}: read as about {base + 50}", "century"
    if part == "early":
        return f"{base}/{base + 33}", f"{_q(m)}: read as {base}–{base + 33}", "century"
    if part == "late":
        hi = min(base + 99, 2030)
        return f"{base + 67}/{hi}", f"{_q(m)}: read as {base + 67}–{hi}", "century"
    return (f"{str(base)[:2]}XX", _q(m), "century") if base + 99 <= 2030 else None


def _open_end(m):
    return f"{_point(m, 'a')}/..", f"{_q(m)} (open end)", "open_end"


def _open_start(m):
    word = m.group("w").lower()
    point = _point(m, "a")
    if word in ("before", "prior to", "pre-"):
        b = _before(point)
        return f"../{b}", f"{_q(m)}: read as until {b} (open start)", "open_start"
    return f"../{point}", f"{_q(m)} (open start)", "open_start"


def _month(m):
    day = m.group("d1") or m.group("d2")
    point = f"{m.group('y')}-{MONTHS[m.group('m').lower()]:02d}"
    return (point + (f"-{int(day):02d}" if day and 1 <= int(day) <= 31 else "")), "", "month"


def _season(m):
    return f"{m.group('y')}-{SEASONS[m.group('s').lower()]}", "", "season"


def _approx(m):
    return f"{m.group('y')}~", _q(m), "approx"


def _vague_year(m):
    return m.group("y"), _q(m), "year"


def _year(m):
    return m.group("y"), "", "year"


_I = re.I
_WORDS = r"(?:[\w'’-]+\s+){1,6}?"
# (pattern, reader) — every pattern is tried; where matches overlap the longest (then the earliest) wins. A reader
# turns a match into (when, note, kind), or None when the match is not a date after all (an end before its start).
PATTERNS = (
    (re.compile(r"\bbetween\s+" + _date("a") + r"\s+and\s+" + _date("b"), _I), _between),
    (re.compile(r"\bfrom\s+" + _date("a") + r"\s*(?:to|until|till|through|–|—|-)\s*(?:" + _date("b")
                + r"|(?P<b2>\d\d)(?!\d))", _I), _from_to),
    (re.compile(r"\bfrom\s+" + _date("a") + r"\s+(?:to|until|till)\s+(?:[\w'’]+\s+){1,4}?(?:on|in)\s+"
                + r"(?:(?P<bd>\d{1,2})\s+)?" + _date("b") + r"(?P<b2>)", _I), _from_to),
    (re.compile(r"\b(?:in\s+)?" + _date("a") + r"\s+and\s+" + _date("b"), _I), _consecutive),
    (re.compile(r"\b(?:the\s+)?(?P<a>1[89]\d0)s\s*(?:and|to|–|—|-)\s*(?:the\s+)?(?P<b>1[89]\d0|20[0-2]0)s\b", _I),
     _decades),
    (re.compile(_y("ay") + r"\s*[–—-]\s*(?:(?P<b>\d{4}|\d{2})(?!\d)|(?P<now>present|today|now)\b)", _I), _dash_range),
    (re.compile(r"\b(?:by|until)\s+the\s+(?:mid-?|early|late)?\s*(?P<n>\d\d)(?:th|st|nd|rd)[\s-]century\b", _I),
     _open_century),
    (re.compile(r"\b(?:the\s+)?(?:(?P<part>early|late|mid)-?\s*)?(?P<n>\d\d)(?:th|st|nd|rd)[\s-]century\b", _I),
     _century),
    (re.compile(r"\b(?:the\s+)?(?:(?P<part>early|late|mid|start of the|end of the)[\s-]+)?"
                r"(?P<y>1[89]\d0|20[0-2]0)s\b", _I), _decade),
    (re.compile(r"\b(?:from|since|after|following|beginning in|starting in)\s+" + _date("a")
                + r"(?:\s+onwards?)?", _I), _open_end),
    (re.compile(r"\b(?:after|following|since)\s+" + _WORDS + r"in\s+" + _date("a"), _I), _open_end),
    (re.compile(r"\b(?i:after|following)\s+(?:the\s+|[A-Z][\w’']*['’]s\s+)(?:[\w'’-]+\s+){0,3}?" + _y("ay")
                + r"(?:\s+[A-Z][\w'’-]*){0,3}(?P<am>)(?P<as>)"), _open_end),
    (re.compile(_date("a") + r"\s+onwards?\b(?P<dummy>)", _I), _open_end),
    (re.compile(r"\b(?P<w>until|till|up to|by|before|prior to)\s+" + _date("a"), _I), _open_start),
    (re.compile(r"(?<![\w-])(?P<w>pre-)" + _y("ay") + r"(?P<am>)(?P<as>)", _I), _open_start),
    (re.compile(r"(?:\b(?P<d1>\d{1,2})\s+)?\b(?P<m>" + _MONTH + r")(?:\s+(?P<d2>\d{1,2}),)?\s+(?:of\s+)?" + _y("y")),
     _month),
    (re.compile(r"\b(?:the\s+)?(?P<s>spring|summer|autumn|fall|winter)\s+(?:of\s+)?" + _y("y"), _I), _season),
    (re.compile(r"\b(?:around|circa|c\.|ca\.|about|approximately|roughly)\s+(?:the\s+year\s+)?" + _y("y"), _I),
     _approx),
    (re.compile(r"\b(?:early|late|mid-?)\s*" + _y("y"), _I), _vague_year),
    (re.compile(_y("y")), _year),
)


def find_dates(text: str) -> list[DateExpr]:
    """Every date expression in `text`, in order, none overlapping another. Every year YEAR_RE (the corpus's year
    pattern) finds lies inside one of them."""
    found = []
    for pattern, reader in PATTERNS:
        for m in pattern.finditer(text):
            try:
                read = reader(m)
            except (KeyError, ValueError, IndexError):
                read = None
            if read:
                found.append((m.start(), m.end(), *read))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    chosen: list[tuple] = []
    for f in found:
        if all(f[1] <= c[0] or f[0] >= c[1] for c in chosen):
            chosen.append(f)
    for m in YEAR_RE.finditer(text):  # a year no pattern took (cannot happen with the last pattern; kept as a net)
        if all(m.end() <= c[0] or m.start() >= c[1] for c in chosen):
            y = m.group(1)
            chosen.append((m.start(), m.end(), f"{y[:3]}X" if m.group(2) else y, "", "decade" if m.group(2) else
                           "year"))
    chosen.sort()
    return [DateExpr(s, e, text[s:e], when, note, kind) for s, e, when, note, kind in chosen]
