"""A text description of what every view shows, for screen readers (and anyone who prefers words to marks).

Pure: view_text(bundle, rendered) → one paragraph of plain text. Never imports dash.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    hap = bundle.events["happening_id"].to_numpy()

    def n_hap(mask) -> int:
        return len(pd.unique(hap[mask])) if mask.any() else 0

    n_events = n_hap(ev)
    if n_events:
        names = dict(zip(bundle.movements["movement_id"], bundle.movements["name"]))
        counts = {m: n_hap(ev & mask) for m, mask in ix.events.movements.items()}
        anywhere = np.zeros(len(ev), dtype=bool)
        for mask in ix.events.movements.values():
            anywhere |= mask
        counts[""] = n_hap(ev & ~anywhere)
        top = [f"{names.get(m, 'no movement')} {c:,}" for m, c in sorted(counts.items(), key=lambda kv: -kv[1]) if c]
        start = ix.events.start[ev]
        start = start[np.isfinite(start)]
        end = ix.events.end[ev]
        years = f" from {int(start.min())} to {int(end.max())}" if len(start) else ""
        parts.append(f"Timeline: {_n(n_events, 'event')}{years}, by movement: {_listing(top, len(top))}.")
    else:
        parts.append("Timeline: no events match these filters.")
    pl, rt = np.flatnonzero(masks["places"]), np.flatnonzero(masks["routes"])
    place_names = bundle.places["name"].to_numpy(dtype=object)
    routes = bundle.routes.iloc[rt[:LISTED]]
    route_text = [f"{r.people}: {place_names[o]} to {place_names[d]} "
                  f"({int(r.year_start) if r.year_start == r.year_start else 'undated'})"
                  for r, o, d in zip(routes.itertuples(), ix.route_origin[rt[:LISTED]],
                                     ix.route_destination[rt[:LISTED]])]
    map_text = f"Map: {_n(len(pl), 'site')}"
    if len(pl):
        map_text += f" ({_listing(list(place_names[pl[:LISTED]]), len(pl))})"
    map_text += f" and {_n(len(rt), 'deportation route')}"
    if route_text:
        map_text += f": {_listing(route_text, len(rt))}"
    parts.append(map_text + ".")
    parts.append(f"Network: {_n(len(sh.relation_ids), 'tie')} in the period among {_n(len(sh.actor_ids), 'actor')}"
                 + (f", {_n(len(sh.faded_relation_ids), 'tie')} outside it drawn faded" if sh.faded_relation_ids
                    else "") + ".")
    if rendered.source is not None:
        parts.append(f"Selected: {rendered.source.subtitle}, {rendered.source.title}. "
                     f"The text says: “{rendered.source.quote}”")
    return " ".join(parts)
