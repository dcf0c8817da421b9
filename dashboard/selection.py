"""The one shared Selection (filters + selected record + view options) and what it picks out of the frames.

Belongs here: parsing untrusted URL query strings and control values into a typed Selection, serialising it
back, turning a user event (a click, a slider move) into the next Selection, and the pure filters that map
(frames, selection) → the records each view shows and the records related to the selected one.
Does not belong here: drawing (views/*) or Dash itself: this module never imports dash.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields, make_dataclass, replace
from types import MappingProxyType
from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qs, urlencode

import numpy as np
import pandas as pd

from dashboard import ids
from dashboard.index import happenings
from dashboard.schema import EVENT_TYPES, PLACE_TYPES, YEAR_MAX, YEAR_MIN

LANE_MODES = ("movement", "type")
# Map regions: "fit" frames what is shown (views/map.py); the others are fixed presets (theme.MAP_REGIONS).
REGIONS = ("fit", "ussr", "europe", "world")
# The network shows the actors of what the filters show ("shown") or everyone, the rest faded ("all").
NETWORK_MODES = ("shown", "all")
# Dates drawn: the refined date where a record has one (marked as from outside the texts), or the texts' own.
DATE_MODES = ("refined", "text")
# What the map's panel shows: the map, or the Debates view (who argues what: views/debates.py).
PANEL_VIEWS = ("map", "debates")
# Map borders: modern (Natural Earth) or those of the period's time (historical basemaps, the nearest year not after
# the period's end).
BORDERS = ("modern", "period")
THEMES = ("light", "dark")
# A search string longer than this is cut: nobody types more, and it bounds the work per request.
Q_MAX_CHARS = 200
_ID = re.compile(r"^[a-z0-9_]{1,80}$")
ALL_TYPES = tuple(dict.fromkeys(EVENT_TYPES + PLACE_TYPES))


@dataclass(frozen=True)
class Option:
    """A view option: one of a few values, kept in the URL when it is not the default and shown by one control.
    The Selection's fields, its URL form, its parsing and the controls the callbacks write back all derive from
    VIEW_OPTIONS: adding an option is one line there, plus its control in the page."""

    name: str  # the Selection attribute and the apply_event trigger
    choices: tuple  # allowed values; the first is the default
    url: str  # query-string key
    control: str | None = None  # id of the control showing it (a component's `value`), if any

    @property
    def default(self):
        return self.choices[0]

    def clean(self, value, fallback=None):
        """`value` if allowed (URL strings '1'/'true' read as True for a yes/no option), else `fallback` or the
        default."""
        if self.choices == (False, True):
            if value is True or value in ("1", "true"):
                return True
            if value is False or value in ("0", "false"):
                return False
        elif isinstance(value, str) and value in self.choices:
            return value
        return self.default if fallback is None else fallback

    def encode(self, value) -> str:
        return "1" if value is True else str(value)


VIEW_OPTIONS = (
    Option("lanes", LANE_MODES, "lanes", control=ids.LANES),
    Option("region", REGIONS, "region", control=ids.REGION),
    Option("borders", BORDERS, "borders", control=ids.BORDERS),
    Option("network", NETWORK_MODES, "network", control=ids.NETWORK_MODE),
    Option("dates", DATE_MODES, "dates", control=ids.DATE_MODE),
    Option("view", PANEL_VIEWS, "view", control=ids.VIEW_SWITCH),
    Option("theme", THEMES, "theme"),  # a button toggles it
    Option("present", (False, True), "present"),  # a button enters, Esc or a button leaves
)
OPTIONS = MappingProxyType({o.name: o for o in VIEW_OPTIONS})


@dataclass(frozen=True)
class _Filters:
    year_start: int | None = None
    year_end: int | None = None
    movement_ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    q: str = ""
    selected: str | None = None


class _SelectionMethods:
    @property
    def has_period(self) -> bool:
        return self.year_start is not None

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(t for t in self.types if t in EVENT_TYPES)

    @property
    def place_types(self) -> tuple[str, ...]:
        return tuple(t for t in self.types if t in PLACE_TYPES)

    @property
    def is_filtered(self) -> bool:
        return bool(self.has_period or self.movement_ids or self.types or self.q)

    def options(self) -> dict:
        """The view options as {name: value}."""
        return {o.name: getattr(self, o.name) for o in VIEW_OPTIONS}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["movement_ids"] = list(self.movement_ids)
        d["types"] = list(self.types)
        return d


# The filters (period, movements, types, search, selected record), then one field per view option.
Selection = make_dataclass(
    "Selection",
    [(f.name, f.type, field(default=f.default)) for f in fields(_Filters)]
    + [(o.name, type(o.default), field(default=o.default)) for o in VIEW_OPTIONS],
    bases=(_SelectionMethods,), frozen=True,
)
Selection.__module__ = __name__
Selection.__doc__ = "What the user has chosen: filters, the selected record and the view options (VIEW_OPTIONS)."
FILTER_KEYS = tuple(f.name for f in fields(_Filters))


@dataclass(frozen=True)
class Vocab:
    """The ids a Selection may hold, from the frames (anything else in a URL is ignored)."""

    movement_ids: frozenset[str] = frozenset()
    # any collection that answers `in`: the bundle's read-only mapping of selectable ids (a set of its own would
    # copy every id)
    record_ids: Collection[str] = field(default=frozenset(), compare=False)
    year_min: int = YEAR_MIN
    year_max: int = YEAR_MAX
    periods: tuple[tuple[str, str, int, int], ...] = field(default=())  # (period_id, label, start, end)


def vocab_from_bundle(bundle) -> Vocab:
    events = bundle.events
    periods = bundle.periods
    years = pd.concat([events["year_start"], events["year_end"]]).dropna()
    ymin = int(years.min()) if len(years) else 1900
    ymax = int(years.max()) if len(years) else 2020
    return Vocab(
        movement_ids=frozenset(bundle.movements["movement_id"]),
        record_ids=bundle.kind_of,
        year_min=ymin, year_max=ymax,
        periods=tuple((r.period_id, r.label, int(r.year_start), int(r.year_end)) for r in periods.itertuples()),
    )


# ---------------------------------------------------------------------------------------------------------------
# Parsing untrusted input
# ---------------------------------------------------------------------------------------------------------------


def _as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v):
        return int(v)
    if isinstance(v, str) and re.fullmatch(r"-?\d{1,6}", v.strip()):
        return int(v.strip())
    return None


def clean_period(start: Any, end: Any, vocab: Vocab) -> tuple[int | None, int | None]:
    """A valid (start, end) within the data's years, or (None, None) for 'all years'."""
    s, e = _as_int(start), _as_int(end)
    if s is None and e is None:
        return None, None
    if s is None:
        s = vocab.year_min
    if e is None:
        e = s
    if e < s:
        s, e = e, s
    s, e = max(s, vocab.year_min), min(e, vocab.year_max)
    if e < s or (s <= vocab.year_min and e >= vocab.year_max):
        return None, None
    return s, e


def _clean_list(values: Any, allowed) -> tuple[str, ...]:
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, (list, tuple)):
        return ()
    out = []
    for v in values:
        if isinstance(v, str) and v.strip() in allowed and v.strip() not in out:
            out.append(v.strip())
    return tuple(out)


def clean_q(q: Any) -> str:
    if not isinstance(q, str):
        return ""
    q = "".join(ch for ch in q if ch.isprintable())
    return q.strip()[:Q_MAX_CHARS]


def clean_id(rid: Any, vocab: Vocab) -> str | None:
    return rid if isinstance(rid, str) and _ID.match(rid) and rid in vocab.record_ids else None


def make_selection(vocab: Vocab, *, year_start=None, year_end=None, movement_ids=(), types=(), q="", selected=None,
                   **options) -> Selection:
    """Build a Selection from untrusted values; anything unknown or malformed falls back to its default (view
    options by name, see VIEW_OPTIONS)."""
    s, e = clean_period(year_start, year_end, vocab)
    return Selection(
        year_start=s, year_end=e,
        movement_ids=_clean_list(movement_ids, vocab.movement_ids),
        types=_clean_list(types, ALL_TYPES),
        q=clean_q(q),
        selected=clean_id(selected, vocab),
        **{o.name: o.clean(options.get(o.name)) for o in VIEW_OPTIONS},
    )


def from_dict(d: Any, vocab: Vocab) -> Selection:
    if not isinstance(d, dict):
        return Selection()
    keys = FILTER_KEYS + tuple(OPTIONS)
    return make_selection(vocab, **{k: d.get(k) for k in keys if d.get(k) is not None})


_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*$")


def from_query(search: Any, vocab: Vocab) -> Selection:
    """`?period=1936-1938&movement=trotskyism,anarchism&type=purge&q=kirov&select=ev_x` → Selection."""
    if not isinstance(search, str):
        return Selection()
    params = parse_qs(search.lstrip("?")[:4000], keep_blank_values=False)

    def first(name: str) -> str:
        v = params.get(name)
        return v[0] if v else ""

    start = end = None
    m = _PERIOD_RE.match(first("period"))
    if m:
        start, end = int(m.group(1)), int(m.group(2) or m.group(1))
    return make_selection(vocab, year_start=start, year_end=end, movement_ids=first("movement"),
                          types=first("type"), q=first("q"), selected=first("select") or None,
                          **{o.name: first(o.url) or None for o in VIEW_OPTIONS})


def to_query(sel: Selection) -> str:
    params: dict[str, str] = {}
    if sel.has_period:
        params["period"] = f"{sel.year_start}-{sel.year_end}"
    if sel.movement_ids:
        params["movement"] = ",".join(sel.movement_ids)
    if sel.types:
        params["type"] = ",".join(sel.types)
    if sel.q:
        params["q"] = sel.q
    if sel.selected:
        params["select"] = sel.selected
    for o in VIEW_OPTIONS:
        value = getattr(sel, o.name)
        if value != o.default:
            params[o.url] = o.encode(value)
    return ("?" + urlencode(params, safe=",")) if params else ""


# ---------------------------------------------------------------------------------------------------------------
# Filters: (frames, selection) → what each view shows
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Shown:
    """What every view draws for a selection, as row masks aligned with each frame (what the figure builders use:
    no per-call id lookups), and the same as ids, made from the masks when asked for (a process remembers many
    Shown; at 800,000 records the ids of a broad selection weighed five times its masks). `count` says how many
    without making them."""

    masks: Any  # frame name → bool array ("relations_faded", "events_open", … too)
    index: Any = field(repr=False)  # the bundle's FrameIndex, whose ids the masks pick

    def _ids(self, frame: str, mask: str | None = None) -> tuple[str, ...]:
        return tuple(getattr(self.index, frame).ids[self.masks[mask or frame]])

    def count(self, mask: str) -> int:
        """How many rows `mask` (a frame name, or "relations_faded") shows."""
        return int(np.count_nonzero(self.masks[mask]))

    @property
    def event_ids(self) -> tuple[str, ...]:
        return self._ids("events")

    @property
    def place_ids(self) -> tuple[str, ...]:
        return self._ids("places")

    @property
    def route_ids(self) -> tuple[str, ...]:
        return self._ids("routes")

    @property
    def actor_ids(self) -> tuple[str, ...]:
        """In the order of their ids."""
        order = self.index.actor_order
        return tuple(self.index.actors.ids[order[self.masks["actors"][order]]])

    @property
    def relation_ids(self) -> tuple[str, ...]:
        """Ties between shown actors, dated within the period or undated."""
        return self._ids("relations")

    @property
    def faded_relation_ids(self) -> tuple[str, ...]:
        """The shown actors' ties dated outside the period (faded context)."""
        return self._ids("relations", "relations_faded")

    @property
    def estimate_ids(self) -> tuple[str, ...]:
        return self._ids("estimates")


_DEPORTATION_TYPES = frozenset({"deportation", "deportation_origin", "deportation_destination"})


def shown(bundle, sel: Selection) -> Shown:
    ix = bundle.index
    s, e = (sel.year_start, sel.year_end) if sel.has_period else (None, None)

    ev = ix.events.overlaps(s, e, sel.dates) & ix.events.in_movements(sel.movement_ids)
    if sel.event_types:
        ev &= np.isin(ix.event_type, sel.event_types)
    if sel.q:
        ev &= ix.events.matches(sel.q)

    rt = ix.routes.overlaps(s, e, sel.dates) & ix.routes.in_movements(sel.movement_ids)
    if sel.q:
        rt &= ix.routes.matches(sel.q)
    if sel.types and not _DEPORTATION_TYPES & set(sel.types):
        rt &= False

    referenced = np.zeros(len(ix.places), dtype=bool)
    for refs in (ix.event_place[ev], ix.route_origin[rt], ix.route_destination[rt]):
        referenced[refs[refs >= 0]] = True
    pl = referenced.copy()
    place_hit = ix.places.matches(sel.q) if sel.q else None
    if place_hit is not None:
        pl |= place_hit
    if not (sel.has_period or sel.movement_ids or sel.q):
        pl |= ix.place_unreferenced
    if sel.place_types:
        pl &= np.isin(ix.place_type, sel.place_types)
    elif sel.event_types:
        pl &= referenced

    ac, rel_full, rel_faded = _shown_network(ix, sel, ev, s, e)

    est = ix.estimates
    es = est.overlaps(s, e, sel.dates) | ~est.dated  # undated estimates stay
    if sel.movement_ids or sel.event_types:
        ee = ix.estimate_event
        es &= (ee < 0) | ev[np.maximum(ee, 0)] & (ee >= 0)
    if sel.q:
        es &= est.matches(sel.q)

    # shown only through the assumed years of an open end: drawn faded (a site, when all that shows it is so)
    ev_open = ev & ix.events.open_only(s, e, sel.dates)
    rt_open = rt & ix.routes.open_only(s, e, sel.dates)
    sure_site = np.zeros(len(ix.places), dtype=bool)
    for refs in (ix.event_place[ev & ~ev_open], ix.route_origin[rt & ~rt_open], ix.route_destination[rt & ~rt_open]):
        sure_site[refs[refs >= 0]] = True
    pl_open = pl & referenced & ~sure_site if s is not None else np.zeros(len(pl), dtype=bool)
    if place_hit is not None:
        pl_open &= ~place_hit
    masks = MappingProxyType({"events": ev, "places": pl, "routes": rt, "actors": ac, "relations": rel_full,
                              "relations_faded": rel_faded, "estimates": es, "events_open": ev_open,
                              "routes_open": rt_open, "places_open": pl_open,
                              "relations_open": rel_full & ix.relations.open_only(s, e, sel.dates)})
    return Shown(masks=masks, index=ix)


def _shown_network(ix, sel: Selection, ev: np.ndarray, s: int | None, e: int | None):
    """(actors, ties, faded ties) masks: the actors of what the filters show and the ties among them.

    Actors shown: the participants of the shown events; under a type filter, nobody else. Otherwise also, under a
    movement or search filter, the actors it names (the movement's members) and their partners in ties of the
    period (or undated); with neither, the ends of the ties dated within the period (every tie without a period).
    Unfiltered, every actor. Ties shown: those between two shown actors, dated within the period or undated.
    Faded ties: the shown actors' other ties, dated outside the period (context: drawn with `network=all`)."""
    rel = ix.relations
    src, tgt = ix.relation_source, ix.relation_target
    s_ok, t_ok = src >= 0, tgt >= 0
    src0, tgt0 = np.maximum(src, 0), np.maximum(tgt, 0)
    in_time = rel.overlaps(s, e, sel.dates)  # every tie when there is no period
    of_period = in_time | ~rel.dated
    n = len(ix.actors)
    if not sel.is_filtered:
        ac = np.ones(n, dtype=bool)
    else:
        ac = np.zeros(n, dtype=bool)
        ac[ix.participant_actor[ev[ix.participant_event]]] = True
        if sel.event_types:
            pass  # a type filter shows what took part in those events, and nothing else
        elif sel.movement_ids or sel.q:
            named = ix.actors.in_movements(sel.movement_ids) & ix.actors.matches(sel.q)
            ties = of_period & s_ok & t_ok & (named[src0] | named[tgt0])
            ac |= named
            ac[src[ties]] = True
            ac[tgt[ties]] = True
        else:
            ties = in_time & s_ok & t_ok
            ac[src[ties]] = True
            ac[tgt[ties]] = True
    both = s_ok & t_ok & ac[src0] & ac[tgt0]
    touches = s_ok & ac[src0] | t_ok & ac[tgt0]
    return ac, both & of_period, touches & ~of_period



def open_mask(bundle, sh: Shown, name: str) -> np.ndarray:
    """Which rows of frame `name` (events, places, routes, relations) are shown only through the assumed years of
    an open end (drawn faded)."""
    found = sh.masks.get(f"{name}_open")
    return found if found is not None else np.zeros(len(getattr(bundle, name)), dtype=bool)


def shown_mask(bundle, sh: Shown, name: str) -> np.ndarray:
    """Which rows of frame `name` are shown: the mask shown() computed."""
    return sh.masks[name]


# References that are not ties between records for highlighting: who a statement is attributed to, and
# movement tags (a movement is not a record on screen).
_NOT_TIES = frozenset({"according_to", "movement_ids", "family_id"})


def _linked(ix, kind: str, rows: np.ndarray, incoming: bool) -> dict[str, np.ndarray]:
    """Rows of other frames that the `rows` of frame `kind` refer to (or, `incoming`, that refer to them), by frame,
    over every declared reference (schema.REFERENCES) but _NOT_TIES."""
    out: dict[str, list[np.ndarray]] = {}
    for (frame, column), ref in ix.references.items():
        if column in _NOT_TIES:
            continue
        if incoming and ref.target == kind:
            out.setdefault(frame, []).append(ref.rows[np.isin(ref.targets, rows)])
        elif not incoming and frame == kind:
            out.setdefault(ref.target, []).append(ref.targets[np.isin(ref.rows, rows)])
    return {k: np.unique(np.concatenate(v)) for k, v in out.items()}


def related_ids(bundle, record_id: str | None) -> frozenset[str]:
    """The selected record and every record tied to it, derived from the schema's references: what it refers to
    and what that refers to (an event's place and actors; a route's places, its event and that event's actors), and
    what refers to it with what those refer to (an actor's events with their places and actors, and its ties with
    their other ends; a place's events and routes with theirs)."""
    found = bundle.row_of(record_id) if record_id else None
    if found is None:
        return frozenset()
    kind, row = found
    ix = bundle.index
    frames = {"events": ix.events, "routes": ix.routes, "places": ix.places, "actors": ix.actors,
              "relations": ix.relations, "estimates": ix.estimates}
    out = {record_id}
    me = np.array([row], dtype=np.int64)
    steps = [_linked(ix, kind, me, incoming=False), _linked(ix, kind, me, incoming=True)]
    for first in list(steps):
        for k, rows in first.items():
            steps.append(_linked(ix, k, rows, incoming=False))
    for step in steps:
        for k, rows in step.items():
            if k in frames:
                out.update(frames[k].ids[rows].tolist())
    return frozenset(out)


def same_passage_ids(bundle, record_id: str | None) -> tuple[str, ...]:
    """Other records whose quote starts in the same sentence as the selected record's."""
    found = bundle.record(record_id) if record_id else None
    if found is None:
        return ()
    _, row = found
    return tuple(rid for rid in bundle.index.by_passage.get(row["passage_id"], ()) if rid != record_id)


# ---------------------------------------------------------------------------------------------------------------
# Events → next selection
# ---------------------------------------------------------------------------------------------------------------


def period_of(vocab: Vocab, period_id: str) -> tuple[int, int] | None:
    for pid, _, s, e in vocab.periods:
        if pid == period_id:
            return s, e
    return None


def happening_count(bundle, sh: Shown) -> int:
    """How many happenings the shown events are: records of one happening (one `happening_id`) count once."""
    return happenings(bundle.index, sh.masks["events"])


def summary(bundle, sel: Selection, vocab: Vocab, sh: Shown | None = None) -> str:
    """'1936–1938 · Trotskyism, Right Opposition · 42 events, 9 sites, 3 routes, 31 ties'."""
    sh = sh or shown(bundle, sel)
    movements = dict(zip(bundle.array("movements", "movement_id"), bundle.array("movements", "name")))
    period = f"{sel.year_start}–{sel.year_end}" if sel.has_period else f"{vocab.year_min}–{vocab.year_max}, all years"
    parts = [period, ", ".join(movements[m] for m in sel.movement_ids) if sel.movement_ids else "all movements"]
    if sel.types:
        parts.append(", ".join(t.replace("_", " ") for t in sel.types))
    if sel.q:
        parts.append(f"“{sel.q}”")

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    # events count happenings (the texts' several passages on one happening are one event)
    parts.append(", ".join([n(happening_count(bundle, sh), "event"), n(sh.count("places"), "site"),
                            n(sh.count("routes"), "route"), n(sh.count("relations"), "tie")]))
    return " · ".join(parts)


def apply_event(sel: Selection, vocab: Vocab, trigger: str | None, value: Any) -> Selection:
    """The next Selection after one user event. `trigger` names the control; `value` is its untrusted value."""
    if trigger == "reset":  # the filters and the selection; the view options stay
        return Selection(**sel.options())
    if trigger in OPTIONS:
        return replace(sel, **{trigger: OPTIONS[trigger].clean(value, fallback=getattr(sel, trigger))})
    if trigger == "period_slider":
        if isinstance(value, (list, tuple)) and len(value) == 2:
            s, e = clean_period(value[0], value[1], vocab)
            return replace(sel, year_start=s, year_end=e)
        return sel
    if trigger == "period_button":
        span = period_of(vocab, value) if isinstance(value, str) else None
        if not span:
            return sel
        # within the data's years, as every other way of setting the period (a named period may run past them)
        s, e = clean_period(span[0], span[1], vocab)
        return replace(sel, year_start=s, year_end=e)
    if trigger == "timeline_range":
        if value == "autorange":
            return replace(sel, year_start=None, year_end=None)
        if isinstance(value, (list, tuple)) and len(value) == 2:
            try:
                lo, hi = float(value[0]), float(value[1])
            except (TypeError, ValueError):
                return sel
            if not (math.isfinite(lo) and math.isfinite(hi)):
                return sel
            # the axis is in years: a mark for year Y spans [Y, Y+1)
            s, e = clean_period(math.floor(lo), math.ceil(hi) - 1, vocab)
            return replace(sel, year_start=s, year_end=e)
        return sel
    if trigger == "movements":
        return replace(sel, movement_ids=_clean_list(value or [], vocab.movement_ids))
    if trigger == "types":
        return replace(sel, types=_clean_list(value or [], ALL_TYPES))
    if trigger == "search":
        return replace(sel, q=clean_q(value))
    if trigger == "toggle_theme":
        return replace(sel, theme="dark" if sel.theme == "light" else "light")
    if trigger == "select":
        return replace(sel, selected=clean_id(value, vocab))
    if trigger == "clear":
        return replace(sel, selected=None)
    return sel


# Playback steps, in years.
PLAY_STEPS = (1, 5)


def play_start(sel: Selection, vocab: Vocab, step: Any) -> Selection:
    """Where playback begins: the current period if one is set and not already at the end, else the first
    `step` years."""
    step = step if step in PLAY_STEPS else 1
    if sel.has_period and sel.year_end < vocab.year_max:
        return sel
    s, e = clean_period(vocab.year_min, vocab.year_min + step - 1, vocab)
    return replace(sel, year_start=s, year_end=e)


def play_step(sel: Selection, vocab: Vocab, step: Any) -> tuple[Selection, bool]:
    """The period moved `step` years on, keeping its width, and whether playback has reached the last year."""
    step = step if step in PLAY_STEPS else 1
    if not sel.has_period:
        nxt = play_start(sel, vocab, step)
        return nxt, False
    width = sel.year_end - sel.year_start
    e = min(sel.year_end + step, vocab.year_max)
    s = max(e - width, vocab.year_min)
    start, end = clean_period(s, e, vocab)
    if start is None:  # the window covers every year: keep it as it is
        return sel, True
    return replace(sel, year_start=start, year_end=end), end >= vocab.year_max
