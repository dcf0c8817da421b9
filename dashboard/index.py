"""Precomputed arrays every filter needs, built once per bundle so that a filter change is a few numpy operations.

Belongs here: per-frame year arrays, per-movement row masks, casefolded search text, and row positions of every
reference between frames that dashboard.schema declares (REFERENCES: event → place, event → actors, route →
places, relation → actors, estimate → event, …), with the named arrays the filters read derived from them.
Read-only after construction (every array is marked non-writeable).
Does not belong here: the filtering rules themselves (selection.shown) or drawing (views/*).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from dashboard.dates import MODES, OPEN_END_YEARS, year_arrays
from dashboard.schema import PRIMARY_KEY, REFERENCES

# Columns searched by the free-text box, per frame (events also search their actors' names).
SEARCH_COLUMNS = MappingProxyType({
    "events": ("title", "quote"),
    "routes": ("people", "quote"),
    "places": ("name", "quote"),
    "actors": ("name", "description"),
    "estimates": ("what", "quote"),
})

# Frames whose records quote a passage, in the order the source panel lists them.
PASSAGE_FRAMES = ("events", "places", "routes", "actors", "relations", "estimates", "periods")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Span:
    """The years each row counts for when filtering by period, in one date mode (dates.MODES)."""

    start: np.ndarray  # first year as float; an open start is OPEN_END_YEARS before the known end
    end: np.ndarray  # last year as float; an open end is OPEN_END_YEARS after the known start
    dated: np.ndarray  # bool: has a start or an end
    # the years the date states: an open end reaches no further than the known bound (a row counted for a period
    # only through the OPEN_END_YEARS of an open end is drawn faded)
    sure_start: np.ndarray | None = None
    sure_end: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Rows:
    """One frame's rows as arrays aligned with the frame's row order."""

    ids: np.ndarray
    start: np.ndarray  # the refined mode's span (kept as attributes: most callers want the default mode)
    end: np.ndarray
    dated: np.ndarray
    movements: MappingProxyType  # movement_id → bool mask
    search: tuple[str, ...]  # casefolded text searched by the search box ("" when the frame is not searched)
    spans: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # date mode → Span

    def __len__(self) -> int:
        return len(self.ids)

    def overlaps(self, start: int | None, end: int | None, mode: str = "refined") -> np.ndarray:
        if start is None:
            return np.ones(len(self), dtype=bool)
        sp = self.spans.get(mode)
        s, e, dated = (sp.start, sp.end, sp.dated) if sp is not None else (self.start, self.end, self.dated)
        return dated & (s <= end) & (e >= start)

    def open_only(self, start: int | None, end: int | None, mode: str = "refined") -> np.ndarray:
        """Rows that overlap the period only through the assumed years of an open end ("from 1924", "after 1933")."""
        sp = self.spans.get(mode)
        if start is None or sp is None or sp.sure_start is None:
            return np.zeros(len(self), dtype=bool)
        sure = sp.dated & (sp.sure_start <= end) & (sp.sure_end >= start)
        return self.overlaps(start, end, mode) & ~sure

    def in_movements(self, wanted: tuple[str, ...]) -> np.ndarray:
        if not wanted:
            return np.ones(len(self), dtype=bool)
        out = np.zeros(len(self), dtype=bool)
        for m in wanted:
            mask = self.movements.get(m)
            if mask is not None:
                out |= mask
        return out

    def matches(self, q: str) -> np.ndarray:
        if not q:
            return np.ones(len(self), dtype=bool)
        needle = q.casefold()
        # a substring test per row: as fast as one search over all rows joined (measured at 1000×: both are bound by
        # reading the text) and steady whether few rows match or most
        return np.fromiter((needle in h for h in self.search), dtype=bool, count=len(self))


def _rows(df: pd.DataFrame, key: str, search_cols: tuple[str, ...] = (), extra_search=None,
          family_of: dict | None = None) -> Rows:
    """`family_of` (movement id → its family's id): a row tagged with a movement inside a family also counts for
    the family, so that `movement=trotskyism` finds what is tagged with a current of Trotskyism."""
    n = len(df)
    spans = {}
    for mode in MODES:
        if "when" in df:
            ya = year_arrays(df, mode)
            ys, ye = ya.start.copy(), ya.end.copy()
            dated = ~(np.isnan(ys) & np.isnan(ye))
            sure_s, sure_e = np.where(np.isnan(ys), ye, ys), np.where(np.isnan(ye), ys, ye)
            ys = np.where(np.isnan(ys), ye - OPEN_END_YEARS, ys)
            ye = np.where(np.isnan(ye), ys + OPEN_END_YEARS, ye)
        else:
            ys = ye = sure_s = sure_e = np.full(n, np.nan)
            dated = np.zeros(n, dtype=bool)
        spans[mode] = Span(start=_frozen(ys), end=_frozen(ye), dated=_frozen(dated), sure_start=_frozen(sure_s),
                           sure_end=_frozen(sure_e))
    ys, ye, dated = spans["refined"].start, spans["refined"].end, spans["refined"].dated
    movements: dict[str, np.ndarray] = {}
    if "movement_ids" in df:
        for i, mv in enumerate(df["movement_ids"]):
            for m in mv:
                movements.setdefault(m, np.zeros(n, dtype=bool))[i] = True
                fam = (family_of or {}).get(m)
                if fam and fam != m:
                    movements.setdefault(fam, np.zeros(n, dtype=bool))[i] = True
    if search_cols:
        parts = [df[c].fillna("").astype(str) for c in search_cols]
        if extra_search is not None:
            parts.append(extra_search)
        hay = parts[0]
        for p in parts[1:]:
            hay = hay + " " + p
        search = tuple(hay.str.casefold())
    else:
        search = ("",) * n
    return Rows(ids=_frozen(df[key].to_numpy(dtype=object)), start=ys, end=ye, dated=dated,
                movements=MappingProxyType({m: _frozen(a) for m, a in movements.items()}), search=search,
                spans=MappingProxyType(spans))


@dataclass(frozen=True, eq=False)
class Reference:
    """One reference the schema declares (frame.column → target), as row pairs: for each id a row refers to, the
    referring row and the referred row (ids that name no record are left out)."""

    frame: str
    column: str
    target: str
    rows: np.ndarray  # row in `frame`
    targets: np.ndarray  # row in `target`

    def positions(self, n: int) -> np.ndarray:
        """For a single-valued column: the referred row of each of the frame's n rows (−1 when none)."""
        out = np.full(n, -1, dtype=np.int64)
        out[self.rows] = self.targets
        return _frozen(out)


def _references(bundle) -> MappingProxyType:
    """(frame, column) → Reference, for every reference in schema.REFERENCES between frames the bundle holds."""
    row_of: dict[str, dict[str, int]] = {}
    out = {}
    for frame, column, target in REFERENCES:
        df = bundle.frame(frame)
        if column not in df:
            continue
        if target not in row_of:
            row_of[target] = {rid: i for i, rid in enumerate(bundle.frame(target)[PRIMARY_KEY[target]])}
        where = row_of[target]
        pairs = []
        for i, v in enumerate(df[column]):
            for rid in ((v,) if isinstance(v, str) else v if isinstance(v, (tuple, list, np.ndarray)) else ()):
                j = where.get(rid)
                if j is not None:
                    pairs.append((i, j))
        arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        out[(frame, column)] = Reference(frame=frame, column=column, target=target, rows=_frozen(arr[:, 0]),
                                         targets=_frozen(arr[:, 1]))
    return MappingProxyType(out)


@dataclass(frozen=True, eq=False)
class FrameIndex:
    events: Rows
    routes: Rows
    places: Rows
    actors: Rows
    relations: Rows
    estimates: Rows
    event_type: np.ndarray
    event_place: np.ndarray  # row in places, −1 if none
    route_origin: np.ndarray  # row in places
    route_destination: np.ndarray
    place_type: np.ndarray
    place_unreferenced: np.ndarray  # bool: cited by no event and no route
    relation_source: np.ndarray  # row in actors
    relation_target: np.ndarray
    participant_event: np.ndarray  # one entry per (event, participating actor) pair: the row in events …
    participant_actor: np.ndarray  # … and the row in actors (pairs whose actor is unknown are left out)
    estimate_event: np.ndarray  # row in events, −1 if none
    event_happening: np.ndarray  # the event's happening as a number 0…n−1 (records of one happening share it)
    estimate_people: np.ndarray  # bool: counted in people, with a year (drawn on the timeline)
    by_passage: MappingProxyType  # passage_id → ids of the records quoting it, frame by frame
    actor_order: np.ndarray  # rows of actors in the order of their ids (what lists shown actors sorted)
    # every declared reference as row pairs ((frame, column) → Reference); the row arrays above are views of these
    references: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))


def happenings(ix: FrameIndex, mask: np.ndarray) -> int:
    """How many happenings the events of `mask` are (records of one happening count once)."""
    codes = ix.event_happening[mask]
    return int(np.count_nonzero(np.bincount(codes))) if len(codes) else 0


def build_index(bundle) -> FrameIndex:
    events, places, routes = bundle.events, bundle.places, bundle.routes
    actors, relations, estimates = bundle.actors, bundle.relations, bundle.estimates
    actor_names = dict(zip(actors["actor_id"], actors["name"]))
    movements = bundle.movements
    family_of = dict(zip(movements["movement_id"], movements["family_id"]))
    names = events["actor_ids"].map(lambda ids: " ".join(actor_names.get(a, "") for a in ids))
    refs = _references(bundle)
    event_place = refs[("events", "place_id")].positions(len(events))
    route_origin = refs[("routes", "origin_place_id")].positions(len(routes))
    route_destination = refs[("routes", "destination_place_id")].positions(len(routes))
    referenced = np.zeros(len(places), dtype=bool)
    for r in (event_place, route_origin, route_destination):
        referenced[r[r >= 0]] = True
    participants = refs[("events", "actor_ids")]
    by_passage: dict[str, list[str]] = {}
    for name in PASSAGE_FRAMES:
        df = bundle.frame(name)
        for rid, pid in zip(df.iloc[:, 0], df["passage_id"]):
            by_passage.setdefault(pid, []).append(rid)
    return FrameIndex(
        by_passage=MappingProxyType({k: tuple(v) for k, v in by_passage.items()}),
        events=_rows(events, "event_id", SEARCH_COLUMNS["events"], names, family_of=family_of),
        routes=_rows(routes, "route_id", SEARCH_COLUMNS["routes"], family_of=family_of),
        places=_rows(places, "place_id", SEARCH_COLUMNS["places"], family_of=family_of),
        actors=_rows(actors, "actor_id", SEARCH_COLUMNS["actors"], family_of=family_of),
        relations=_rows(relations, "relation_id", family_of=family_of),
        estimates=_rows(estimates, "estimate_id", SEARCH_COLUMNS["estimates"], family_of=family_of),
        event_type=_frozen(events["event_type"].to_numpy(dtype=object)),
        event_place=event_place, route_origin=route_origin, route_destination=route_destination,
        place_type=_frozen(places["place_type"].to_numpy(dtype=object)),
        place_unreferenced=_frozen(~referenced),
        relation_source=refs[("relations", "source_id")].positions(len(relations)),
        relation_target=refs[("relations", "target_id")].positions(len(relations)),
        participant_event=participants.rows, participant_actor=participants.targets,
        estimate_event=refs[("estimates", "event_id")].positions(len(estimates)),
        actor_order=_frozen(np.argsort(actors["actor_id"].to_numpy(dtype=object).astype(str), kind="stable")),
        event_happening=_frozen(pd.factorize(events["happening_id"], use_na_sentinel=False)[0]),
        references=refs,
        estimate_people=_frozen(((estimates["unit"] == "people") & estimates["year_start"].notna()).to_numpy()),
    )
