"""Test helpers: a tiny valid data set to break, a file writer, a component finder, and a quick stand-in for the film
renderer."""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path

MINI_MOVEMENTS = """\
- movement_id: trotskyism
  name: Trotskyism
  color: "#0072B2"
  doc_id: anti_stalinist_left
  quote: This term also refers to those that opposed Joseph Stalin
"""
MINI_ACTORS = """\
- actor_id: trotsky
  name: Leon Trotsky
  actor_type: person
  movement_ids: [trotskyism]
  movement_quotes:
  - movement_id: trotskyism
    quote: such as Leon Trotsky and the party's Left Opposition
  aliases: [Trotsky]
  quote: such as Leon Trotsky and the party's Left Opposition
- actor_id: stalin
  name: Joseph Stalin
  actor_type: person
  aliases: [Stalin]
  quote: The anti-Stalinist left encompasses various kinds of left-wing political movements that oppose Joseph Stalin
"""
MINI_PLACES = """\
- place_id: pl_kronstadt
  name: Kronstadt
  place_type: uprising
  lat: 59.99
  lon: 29.77
  precision: city
  coords_source: outside the texts (test)
  quote: The Kronstadt rebellion (March 1921) was a key moment
"""
MINI_EVENTS = """\
- event_id: ev_kronstadt
  title: Kronstadt rebellion
  event_type: uprising
  year_start: 1921
  place_id: pl_kronstadt
  actor_ids: [trotsky]
  movement_ids: [trotskyism]
  quote: The Kronstadt rebellion (March 1921) was a key moment
"""



def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def find_component(component, wanted):
    """The component with id `wanted` in a Dash component tree, or None."""
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, str):
            hit = find_component(child, wanted)
            if hit is not None:
                return hit
    return None


def quick_film(calls=None, gate: threading.Event | None = None, fail: bool = False):
    """A renderer with export_animation's signature: n frames of progress, then a few bytes as the film."""
    def render(ctx, sel, out, *, period, step, fmt, size, progress):
        if calls is not None:
            calls.append((sel, period, step, fmt, size))
        n = len(range(period[0], period[1] + 1, step))
        for i in range(1, n + 1):
            if gate is not None:
                assert gate.wait(10)
            progress(i, n)
        if fail:
            raise RuntimeError("Chromium went away")
        out.write_bytes(b"FILM" + fmt.encode())
        return out, n
    return render
