"""A text description of what every view shows, for screen readers (and anyone who prefers words to marks).

Pure: view_text(bundle, rendered) → one paragraph of plain text. Never imports dash.
"""

from __future__ import annotations

import numpy as np

from dashboard.index import happenings

# Names listed per view before "and N more".
LISTED = 5


def _listing(names: list[str], total: int) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {total - LISTED:,} more" if total > LISTED else "")


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


def view_text(bundle, rendered) -> str:
    sh, sel = rendered.shown, rendered.selection
    if sh is None or sel is None or sh.masks is None:
        return ""
    ix, masks = bundle.index, sh.masks
    ev = masks["events"]
    parts = []
    # events are counted as happenings: several records (passages) of one happening count once
    n_events = happenings(ix, ev)
    if n_events:
        names = dict(zip(bundle.array("movements", "movement_id"), bundle.array("movements", "name")))
        counts = {m: happenings(ix, ev & mask) for m, mask in ix.events.movements.items()}
        anywhere = np.zeros(len(ev), dtype=bool)
        for mask in ix.events.movements.values():
            anywhere |= mask
        counts[""] = happenings(ix, ev & ~anywhere)
        top = [f"{names.get(m, 'no movement')} {c:,}" for m, c in sorted(counts.items(), key=lambda kv: -kv[1]) if c]
        start = ix.events.start[ev]
        start = start[np.isfinite(start)]
        end = ix.events.end[ev]
        years = f" from {int(start.min())} to {int(end.max())}" if len(start) else ""
        parts.append(f"Timeline: {_n(n_events, 'event')}{years}, by movement: {_listing(top, len(top))}.")
    else:
        parts.append("Timeline: no events match these filters.")
    pl, rt = np.flatnonzero(masks["places"]), np.flatnonzero(masks["routes"])
    place_names = bundle.array("places", "name")
    people, year_start = bundle.array("routes", "people"), bundle.array("routes", "year_start")
    route_text = [f"{people[i]}: {place_names[o]} to {place_names[d]} "
                  f"({int(year_start[i]) if year_start[i] == year_start[i] else 'undated'})"
                  for i, o, d in zip(rt[:LISTED], ix.route_origin[rt[:LISTED]], ix.route_destination[rt[:LISTED]])]
    map_text = f"Map: {_n(len(pl), 'site')}"
    if len(pl):
        map_text += f" ({_listing(list(place_names[pl[:LISTED]]), len(pl))})"
    map_text += f" and {_n(len(rt), 'deportation route')}"
    if route_text:
        map_text += f": {_listing(route_text, len(rt))}"
    parts.append(map_text + ".")
    parts.append(f"Network: {_n(sh.count('relations'), 'tie')} in the period among {_n(sh.count('actors'), 'actor')}"
                 + (f", {_n(sh.count('relations_faded'), 'tie')} outside it drawn faded" if sh.count('relations_faded')
                    else "") + ".")
    if rendered.source is not None:
        parts.append(f"Selected: {rendered.source.subtitle}, {rendered.source.title}. "
                     f"The text says: “{rendered.source.quote}”")
    return " ".join(parts)
