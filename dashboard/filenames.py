"""File names for everything a user downloads: they say the view and the filters, e.g. `map_1936-1938_trotskyism.png`.

Pure; no dash. Only characters safe on every file system: lower-case letters, digits, '-', '_', '+'.
"""

from __future__ import annotations

import re

from dashboard.selection import Selection

# Beyond this many movements or types, the name gives their number instead of listing them.
_MAX_LISTED = 3
_UNSAFE = re.compile(r"[^a-z0-9+-]+")


def _slug(text: str, limit: int = 30) -> str:
    return _UNSAFE.sub("-", text.casefold()).strip("-")[:limit].strip("-")


def _listed(values: tuple[str, ...], word: str) -> str:
    if len(values) > _MAX_LISTED:
        return f"{len(values)}-{word}"
    return "+".join(_slug(v.replace("_", "-")) for v in values)


def export_name(view: str, sel: Selection, ext: str) -> str:
    """`{view}_{period}[_{movements}][_{types}][_q-{search}][_{selected}][_debates].{ext}`; the period is
    'all-years' when none is set; a slide of the Debates view ends in '_debates'."""
    parts = [_slug(view) or "view", f"{sel.year_start}-{sel.year_end}" if sel.has_period else "all-years"]
    if sel.movement_ids:
        parts.append(_listed(sel.movement_ids, "movements"))
    if sel.types:
        parts.append(_listed(sel.types, "types"))
    if sel.q and _slug(sel.q):
        parts.append("q-" + _slug(sel.q, 20))
    if sel.selected:
        parts.append(_slug(sel.selected.replace("_", "-"), 40))
    if view == "slide" and getattr(sel, "view", "map") != "map":  # a slide with the Debates view in the map's place
        parts.append(_slug(sel.view))
    return "_".join(parts) + "." + _slug(ext, 8)
