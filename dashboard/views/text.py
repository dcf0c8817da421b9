"""A text description of what every view shows, for screen readers (and anyone who prefers words to marks).

Pure: view_text(bundle, rendered) → one paragraph of plain text. Never imports dash.
"""

from __future__ import annotations

from collections import Counter

# Names listed per view before "and N more".
LISTED = 5


def _listing(names: list[str], total: int) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {total - LISTED:,} more" if total > LISTED else "")


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


def view_text(bundle, rendered) -> str:
    sh, sel = rendered.shown, rendered.selection
    if sh is None or sel is None:
        return ""
    masks = sh.masks
    ev = bundle.events[masks["events"]]
    parts = []
    if len(ev):
        lanes = Counter(m for mv in ev["movement_ids"] for m in (mv or ("",)))
        names = dict(zip(bundle.movements["movement_id"], bundle.movements["name"])) | {"": "no movement"}
        top = [f"{names.get(m, m)} {c}" for m, c in lanes.most_common()]
        years = f"from {int(ev['year_start'].min())} to {int(ev['year_end'].max())}"
        parts.append(f"Timeline: {_n(len(ev), 'event')} {years}, by movement: {_listing(top, len(top))}.")
    else:
        parts.append("Timeline: no events match these filters.")
    places = bundle.places[masks["places"]]
    routes = bundle.routes[masks["routes"]]
    names = dict(zip(bundle.places["place_id"], bundle.places["name"]))
    site_names = list(places["name"])
    route_text = [f"{r.people}: {names.get(r.origin_place_id, '?')} to {names.get(r.destination_place_id, '?')} "
                  f"({int(r.year_start) if r.year_start == r.year_start else 'undated'})" for r in routes.itertuples()]
    map_text = f"Map: {_n(len(places), 'site')}"
    if site_names:
        map_text += f" ({_listing(site_names, len(site_names))})"
    map_text += f" and {_n(len(routes), 'deportation route')}"
    if route_text:
        map_text += f": {_listing(route_text, len(route_text))}"
    parts.append(map_text + ".")
    parts.append(f"Network: {_n(len(sh.relation_ids), 'tie')} in the period among {_n(len(sh.actor_ids), 'actor')}"
                 + (f", {_n(len(sh.faded_relation_ids), 'tie')} outside it drawn faded" if sh.faded_relation_ids
                    else "") + ".")
    if rendered.source is not None:
        parts.append(f"Selected: {rendered.source.subtitle}, {rendered.source.title}. "
                     f"The text says: “{rendered.source.quote}”")
    return " ".join(parts)
